#include "core/tape.h"

#include <stdlib.h>
#include <string.h>

/* First-step sizes; the arenas regrow to their peak after a larger step. */
#define META_INITIAL_BYTES (1u << 20)
#define DATA_INITIAL_BYTES (16u << 20)

tape *tape_new(device dev) {
    const backend *be = backend_get(dev);
    if (!be) return NULL;
    tape *t = calloc(1, sizeof *t);
    if (!t) {
        GANC_ERR(GANC_ERR_MEMORY, "tape_new: out of memory");
        return NULL;
    }
    t->dev = dev;
    t->be = be;
    t->step = 1;
    arena_init(&t->meta, &cpu_backend, META_INITIAL_BYTES, true);
    arena_init(&t->data, be, DATA_INITIAL_BYTES, false);
    return t;
}

void tape_free(tape *t) {
    if (!t) return;
    if (t->scratch) t->be->release(t->scratch);
    arena_release(&t->meta);
    arena_release(&t->data);
    free(t->nodes);
    free(t);
}

void tape_reset(tape *t) {
    arena_reset(&t->meta);
    arena_reset(&t->data);
    t->n_nodes = 0;
    t->step++;
    t->no_grad_depth = 0;
}

void tape_no_grad_begin(tape *t) { t->no_grad_depth++; }
void tape_no_grad_end(tape *t) {
    if (t->no_grad_depth > 0) t->no_grad_depth--;
}
bool tape_grad_enabled(const tape *t) { return t->no_grad_depth == 0; }

void *tape_alloc_meta(tape *t, size_t bytes) { return arena_alloc(&t->meta, bytes); }
void *tape_alloc_data(tape *t, size_t bytes) { return arena_alloc(&t->data, bytes); }

void *tape_scratch(tape *t, size_t bytes) {
    if (bytes <= t->scratch_bytes) return t->scratch;
    if (t->scratch) t->be->release(t->scratch);
    t->scratch = t->be->alloc(bytes);
    t->scratch_bytes = t->scratch ? bytes : 0;
    if (!t->scratch) GANC_ERR(GANC_ERR_MEMORY, "tape: out of memory for %zu bytes of op scratch", bytes);
    return t->scratch;
}

tensor *tape_tensor(tape *t, int ndim, const int *shape, const char *name) {
    if (shape_check(name ? name : "tape_tensor", ndim, shape)) return NULL;
    tensor *x = tape_alloc_meta(t, sizeof *x);
    if (!x) return NULL;
    memset(x, 0, sizeof *x);
    x->magic = TENSOR_MAGIC;
    x->ndim = ndim;
    memcpy(x->shape, shape, (size_t)ndim * sizeof *shape);
    x->numel = shape_numel(ndim, shape);
    x->dev = t->dev;
    x->tape = t;
    x->step = t->step;
    tensor_set_name(x, name);
    x->data = tape_alloc_data(t, x->numel * sizeof(real));
    return x->data ? x : NULL;
}

tensor *tape_zeros(tape *t, int ndim, const int *shape, const char *name) {
    tensor *x = tape_tensor(t, ndim, shape, name);
    if (x) t->be->fill(x->data, 0, x->numel);
    return x;
}

tensor *tape_from_host(tape *t, int ndim, const int *shape, const real *values, const char *name) {
    tensor *x = tape_tensor(t, ndim, shape, name);
    if (x) t->be->upload(x->data, values, x->numel * sizeof(real));
    return x;
}

ganc_status tape_set_requires_grad(tape *t, tensor *x) {
    if (x->tape != t || x->node)
        return GANC_ERR(GANC_ERR_ARG, "tape_set_requires_grad %s: only for leaf tensors of this tape", x->name);
    x->requires_grad = true;
    return GANC_OK;
}

static ganc_status check_alive(tape *t, const tensor *x, const char *what, int index) {
    if (x->magic != TENSOR_MAGIC || (x->tape && (x->tape != t || x->step != t->step)))
        return GANC_ERR(GANC_ERR_STATE,
                        "%s: input %d belongs to a step that was reset (tape_reset frees every tensor of a step)",
                        what, index);
    return GANC_OK;
}

ganc_status tape_check_inputs(tape *t, op_id op, int n, const tensor *const *in) {
    char a[16], b[16];
    for (int i = 0; i < n; i++) {
        const tensor *x = in[i];
        if (!x) {
            /* A failed op upstream already said why; keep its message. */
            if (ganc_error_status() != GANC_OK) return ganc_error_status();
            return GANC_ERR(GANC_ERR_ARG, "%s: input %d is NULL", op_name(op), i);
        }
        ganc_status st = check_alive(t, x, op_name(op), i);
        if (st) return st;
        if (!device_equal(x->dev, t->dev))
            return GANC_ERR(GANC_ERR_DEVICE, "%s: input %d (%s) is on %s but the step runs on %s", op_name(op), i,
                            x->name, device_name(x->dev, a, sizeof a), device_name(t->dev, b, sizeof b));
    }
    return GANC_OK;
}

static ganc_status append_node(tape *t, tape_node *node) {
    if (t->n_nodes == t->cap_nodes) {
        size_t cap = t->cap_nodes ? 2 * t->cap_nodes : 256;
        tape_node **grown = realloc(t->nodes, cap * sizeof *grown);
        if (!grown) return GANC_ERR(GANC_ERR_MEMORY, "tape: out of memory for %zu nodes", cap);
        t->nodes = grown;
        t->cap_nodes = cap;
    }
    node->index = t->n_nodes;
    t->nodes[t->n_nodes++] = node;
    return GANC_OK;
}

ganc_status tape_record(tape *t, op_id op, tensor *out, int n_in, const tensor *const *in,
                        tape_backward_fn backward, size_t saved_bytes, tape_node **node_out) {
    *node_out = NULL;
    out->requires_grad = false;
    if (!tape_grad_enabled(t)) return GANC_OK;
    bool any = false;
    for (int i = 0; i < n_in; i++) any |= in[i]->requires_grad;
    if (!any) return GANC_OK;

    tape_node *node = tape_alloc_meta(t, sizeof *node);
    tensor **inputs = tape_alloc_meta(t, (size_t)n_in * sizeof *inputs);
    void *saved = saved_bytes ? tape_alloc_meta(t, saved_bytes) : NULL;
    if (!node || !inputs || (saved_bytes && !saved)) return ganc_error_status();
    memset(node, 0, sizeof *node);
    if (saved) memset(saved, 0, saved_bytes);
    /* The tape needs mutable inputs to give them gradients; forward code must not write through them. */
    memcpy(inputs, in, (size_t)n_in * sizeof *inputs);
    node->op = op;
    node->out = out;
    node->n_in = n_in;
    node->in = inputs;
    node->backward = backward;
    node->saved = saved;
    ganc_status st = append_node(t, node);
    if (st) return st;
    out->node = node;
    out->requires_grad = true;
    *node_out = node;
    return GANC_OK;
}

real *tape_grad(tape *t, tensor *x) {
    if (!x->requires_grad) return NULL;
    bool leaf = x->node == NULL;
    if (leaf ? x->grad != NULL : (x->grad && x->grad_pass == t->pass)) return x->grad;
    x->grad = tape_alloc_data(t, x->numel * sizeof(real));
    if (!x->grad) return NULL;
    t->be->fill(x->grad, 0, x->numel);
    x->grad_pass = t->pass;
    return x->grad;
}

ganc_status tape_backward(tape *t, tensor *loss, const tensor *seed) {
    char a[48], b[48];
    if (!loss) {
        if (ganc_error_status() != GANC_OK) return ganc_error_status();
        return GANC_ERR(GANC_ERR_ARG, "backward: loss is NULL");
    }
    ganc_status st = check_alive(t, loss, "backward", 0);
    if (st) return st;
    if (!seed && loss->numel != 1)
        return GANC_ERR(GANC_ERR_SHAPE, "backward: loss %s has shape %s; a non-scalar needs a seed gradient",
                        loss->name, tensor_shape_str(loss, a, sizeof a));
    if (seed && !tensor_same_shape(seed, loss))
        return GANC_ERR(GANC_ERR_SHAPE, "backward: seed shape %s does not match loss %s shape %s",
                        tensor_shape_str(seed, a, sizeof a), loss->name, tensor_shape_str(loss, b, sizeof b));
    if (!loss->requires_grad)
        return GANC_ERR(GANC_ERR_STATE, "backward: loss %s does not require grad (nothing on the tape leads to a "
                        "parameter or input that needs one)", loss->name);

    t->pass++;
    real *g = tape_grad(t, loss);
    if (!g) return ganc_error_status();
    if (seed)
        t->be->copy(g, seed->data, loss->numel * sizeof(real));
    else
        t->be->fill(g, 1, 1);
    if (!loss->node) return GANC_OK;

    for (size_t i = loss->node->index + 1; i-- > 0;) {
        tape_node *node = t->nodes[i];
        tensor *out = node->out;
        if (!out->grad || out->grad_pass != t->pass) continue;
        st = node->backward(t, node);
        if (st) return st;
    }
    return GANC_OK;
}
