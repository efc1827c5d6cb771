/* The ONNX graph builder: nodes and initializers are encoded as they are
 * added, straight into the body of a GraphProto (field numbers from
 * onnx.proto3), so a model is held once, as its bytes. */
#include "layers/onnx.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/protobuf.h"

/* onnx.proto3 field numbers and enums. */
enum { GRAPH_NODE = 1, GRAPH_INITIALIZER = 5 };
enum { NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP_TYPE = 4, NODE_ATTRIBUTE = 5 };
enum { ATTR_NAME = 1, ATTR_F = 2, ATTR_I = 3, ATTR_S = 4, ATTR_INTS = 8, ATTR_TYPE = 20 };
enum { ATTR_TYPE_FLOAT = 1, ATTR_TYPE_INT = 2, ATTR_TYPE_STRING = 3, ATTR_TYPE_INTS = 7 };
enum { TENSOR_DIMS = 1, TENSOR_DATA_TYPE = 2, TENSOR_NAME = 8, TENSOR_RAW_DATA = 9 };
enum { ONNX_FLOAT32 = 1, ONNX_INT64 = 7 };

#define ONNX_NAME_MAX (MODULE_PATH_MAX + 64)
#define MAX_OUTPUTS 16

struct onnx_graph {
    network *net;
    int opset;
    module_run *run;
    pb_buf body;     /* GraphProto fields 1 (node) and 5 (initializer) */
    pb_buf scratch;  /* one NodeProto or TensorProto being encoded */
    pb_buf scratch2; /* an AttributeProto inside it */
    char **names;    /* every value and initializer name given out */
    size_t n_names, cap_names;
    onnx_output outputs[MAX_OUTPUTS];
    int n_outputs;
    bool fixed_input_size;
    bool failed, tagged;
};

static const char *keep_name(onnx_graph *g, const char *name);

onnx_graph *onnx_graph_new(network *net, int opset, module_run *run) {
    onnx_graph *g = calloc(1, sizeof *g);
    if (!g) {
        GANC_ERR(GANC_ERR_MEMORY, "ONNX export of %s: out of memory", net->name);
        return NULL;
    }
    g->net = net;
    g->opset = opset;
    g->run = run;
    if (!keep_name(g, "input")) { /* the graph input: no node may take its name */
        onnx_graph_free(g);
        return NULL;
    }
    return g;
}

void onnx_graph_free(onnx_graph *g) {
    if (!g) return;
    for (size_t i = 0; i < g->n_names; i++) free(g->names[i]);
    free(g->names);
    pb_free(&g->body);
    pb_free(&g->scratch);
    pb_free(&g->scratch2);
    free(g);
}

int onnx_opset(const onnx_graph *g) { return g->opset; }
module_run *onnx_run(onnx_graph *g) { return g->run; }
void onnx_fix_input_size(onnx_graph *g) { g->fixed_input_size = true; }
bool onnx_input_size_fixed(const onnx_graph *g) { return g->fixed_input_size; }
int onnx_output_count(const onnx_graph *g) { return g->n_outputs; }
onnx_output onnx_output_at(const onnx_graph *g, int i) { return g->outputs[i]; }

const void *onnx_graph_body(const onnx_graph *g, size_t *len) {
    *len = g->body.len;
    return g->body.data;
}

const char *onnx_error(onnx_graph *g, ganc_status st) {
    (void)st; /* GANC_ERR has set the message */
    g->failed = true;
    return NULL;
}

static const char *find_name(const onnx_graph *g, const char *name) {
    for (size_t i = 0; i < g->n_names; i++)
        if (strcmp(g->names[i], name) == 0) return g->names[i];
    return NULL;
}

static const char *keep_name(onnx_graph *g, const char *name) {
    if (g->n_names == g->cap_names) {
        size_t cap = g->cap_names ? 2 * g->cap_names : 256;
        char **grown = realloc(g->names, cap * sizeof *grown);
        if (!grown) return onnx_error(g, GANC_ERR(GANC_ERR_MEMORY, "ONNX export: out of memory for value names"));
        g->names = grown;
        g->cap_names = cap;
    }
    size_t n = strlen(name) + 1;
    char *copy = malloc(n);
    if (!copy) return onnx_error(g, GANC_ERR(GANC_ERR_MEMORY, "ONNX export: out of memory for value names"));
    memcpy(copy, name, n);
    g->names[g->n_names++] = copy;
    return copy;
}

/* "<path>/<op>", or "<path>/<op>_2", ... when a module makes that op again. */
static const char *fresh_name(onnx_graph *g, const module *m, const char *op) {
    char name[ONNX_NAME_MAX];
    const char *sep = m->path[0] ? "/" : "";
    snprintf(name, sizeof name, "%s%s%s", m->path, sep, op);
    for (int k = 2; find_name(g, name); k++) snprintf(name, sizeof name, "%s%s%s_%d", m->path, sep, op, k);
    return keep_name(g, name);
}

static void encode_attr(pb_buf *b, const onnx_attr *a) {
    pb_string_field(b, ATTR_NAME, a->name);
    switch (a->kind) {
    case ONNX_ATTR_INT:
        pb_varint_field(b, ATTR_I, (uint64_t)a->i);
        pb_varint_field(b, ATTR_TYPE, ATTR_TYPE_INT);
        break;
    case ONNX_ATTR_INTS:
        for (int k = 0; k < a->n; k++) pb_varint_field(b, ATTR_INTS, (uint64_t)a->ints[k]);
        pb_varint_field(b, ATTR_TYPE, ATTR_TYPE_INTS);
        break;
    case ONNX_ATTR_FLOAT:
        pb_float_field(b, ATTR_F, a->f);
        pb_varint_field(b, ATTR_TYPE, ATTR_TYPE_FLOAT);
        break;
    case ONNX_ATTR_STRING:
        pb_string_field(b, ATTR_S, a->s);
        pb_varint_field(b, ATTR_TYPE, ATTR_TYPE_STRING);
        break;
    }
}

/* Encodes NodeProto(op: inputs -> out) into the body. */
static const char *emit_node(onnx_graph *g, const char *op, const char *name, int n_in, const char *const *in,
                             const char *out, int n_attr, const onnx_attr *attr) {
    while (n_in > 0 && !in[n_in - 1]) n_in--; /* trailing optional inputs are left out */
    pb_reset(&g->scratch);
    for (int i = 0; i < n_in; i++) pb_string_field(&g->scratch, NODE_INPUT, in[i] ? in[i] : "");
    pb_string_field(&g->scratch, NODE_OUTPUT, out);
    pb_string_field(&g->scratch, NODE_NAME, name);
    pb_string_field(&g->scratch, NODE_OP_TYPE, op);
    for (int i = 0; i < n_attr; i++) {
        pb_reset(&g->scratch2);
        encode_attr(&g->scratch2, &attr[i]);
        if (pb_check(&g->scratch2, "ONNX export")) return onnx_error(g, GANC_ERR_MEMORY);
        pb_bytes_field(&g->scratch, NODE_ATTRIBUTE, g->scratch2.data, g->scratch2.len);
    }
    if (pb_check(&g->scratch, "ONNX export")) return onnx_error(g, GANC_ERR_MEMORY);
    pb_bytes_field(&g->body, GRAPH_NODE, g->scratch.data, g->scratch.len);
    if (pb_check(&g->body, "ONNX export")) return onnx_error(g, GANC_ERR_MEMORY);
    return out;
}

const char *onnx_node(onnx_graph *g, const module *m, const char *op, int n_in, const char *const *in, int n_attr,
                      const onnx_attr *attr) {
    if (g->failed) return NULL;
    const char *out = fresh_name(g, m, op);
    return out ? emit_node(g, op, out, n_in, in, out, n_attr, attr) : NULL;
}

/* TensorProto(name, dims, type, raw little-endian values) into the body. */
static const char *emit_initializer(onnx_graph *g, const char *name, int ndim, const int64_t *shape, int type,
                                    const void *raw, size_t bytes) {
    const char *kept = keep_name(g, name);
    if (!kept) return NULL;
    pb_reset(&g->scratch);
    for (int d = 0; d < ndim; d++) pb_varint_field(&g->scratch, TENSOR_DIMS, (uint64_t)shape[d]);
    pb_varint_field(&g->scratch, TENSOR_DATA_TYPE, (uint64_t)type);
    pb_string_field(&g->scratch, TENSOR_NAME, name);
    pb_bytes_field(&g->scratch, TENSOR_RAW_DATA, raw, bytes);
    if (pb_check(&g->scratch, "ONNX export")) return onnx_error(g, GANC_ERR_MEMORY);
    pb_bytes_field(&g->body, GRAPH_INITIALIZER, g->scratch.data, g->scratch.len);
    if (pb_check(&g->body, "ONNX export")) return onnx_error(g, GANC_ERR_MEMORY);
    return kept;
}

static void put_le32(uint8_t *dst, float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int k = 0; k < 4; k++) dst[k] = (uint8_t)(u >> 8 * k);
}

/* values (float or real, by `is_real`) as float32 bytes. */
static const char *float_initializer(onnx_graph *g, const char *name, int ndim, const int64_t *shape,
                                     const void *values, bool is_real) {
    size_t n = 1;
    for (int d = 0; d < ndim; d++) n *= (size_t)shape[d];
    uint8_t *raw = malloc(4 * (n ? n : 1));
    if (!raw) return onnx_error(g, GANC_ERR(GANC_ERR_MEMORY, "ONNX export: out of memory for initializer %s", name));
    for (size_t i = 0; i < n; i++)
        put_le32(raw + 4 * i, is_real ? (float)((const real *)values)[i] : ((const float *)values)[i]);
    const char *kept = emit_initializer(g, name, ndim, shape, ONNX_FLOAT32, raw, 4 * n);
    free(raw);
    return kept;
}

const char *onnx_param(onnx_graph *g, const module *m, const char *name, const tensor *t) {
    if (g->failed) return NULL;
    if (!t) return onnx_error(g, GANC_ERR(GANC_ERR_ARG, "ONNX export: %s.%s is missing", m->path, name));
    if (t->dev.kind != DEVICE_CPU)
        return onnx_error(g, GANC_ERR(GANC_ERR_DEVICE, "ONNX export: %s.%s is not on the CPU", m->path, name));
    char full[ONNX_NAME_MAX];
    snprintf(full, sizeof full, "%s%s%s", m->path, m->path[0] ? "." : "", name);
    const char *have = find_name(g, full); /* a module that runs twice shares its weights */
    if (have) return have;
    int64_t shape[TENSOR_MAX_DIM];
    for (int d = 0; d < t->ndim; d++) shape[d] = t->shape[d];
    return float_initializer(g, full, t->ndim, shape, t->data, true);
}

const char *onnx_const_floats(onnx_graph *g, const char *name, int ndim, const int64_t *shape, const float *values) {
    if (g->failed) return NULL;
    char full[ONNX_NAME_MAX];
    snprintf(full, sizeof full, "const/%s", name);
    const char *have = find_name(g, full);
    return have ? have : float_initializer(g, full, ndim, shape, values, false);
}

const char *onnx_const_fill(onnx_graph *g, float value, int n) {
    if (g->failed) return NULL;
    char name[64];
    snprintf(name, sizeof name, "fill_%g_x%d", value, n);
    float *v = malloc(sizeof *v * (size_t)(n > 0 ? n : 1));
    if (!v) return onnx_error(g, GANC_ERR(GANC_ERR_MEMORY, "ONNX export: out of memory for a constant"));
    for (int i = 0; i < n; i++) v[i] = value;
    const char *kept = onnx_const_floats(g, name, 1, (int64_t[]){n}, v);
    free(v);
    return kept;
}

const char *onnx_const_ints(onnx_graph *g, int n, const int64_t *values) {
    if (g->failed) return NULL;
    char name[ONNX_NAME_MAX] = "const/ints";
    for (int i = 0; i < n; i++) {
        size_t used = strlen(name);
        snprintf(name + used, sizeof name - used, "_%" PRId64, values[i]);
    }
    const char *have = find_name(g, name);
    if (have) return have;
    uint8_t raw[8 * ONNX_MAX_INTS];
    if (n < 1 || n > ONNX_MAX_INTS)
        return onnx_error(g, GANC_ERR(GANC_ERR_ARG, "ONNX export: %d int64 constants; 1 to %d fit", n, ONNX_MAX_INTS));
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 8; k++) raw[8 * i + k] = (uint8_t)((uint64_t)values[i] >> 8 * k);
    return emit_initializer(g, name, 1, (int64_t[]){n}, ONNX_INT64, raw, 8 * (size_t)n);
}

ganc_status onnx_add_output(onnx_graph *g, const char *v, const char *name, int ndim) {
    if (g->failed || !v)
        return ganc_error_status() ? ganc_error_status() : GANC_ERR(GANC_ERR_ARG, "ONNX export: output %s failed", name);
    if (g->n_outputs == MAX_OUTPUTS) {
        onnx_error(g, GANC_OK);
        return GANC_ERR(GANC_ERR_ARG, "ONNX export: more than %d outputs", MAX_OUTPUTS);
    }
    if (find_name(g, name)) {
        onnx_error(g, GANC_OK);
        return GANC_ERR(GANC_ERR_ARG, "ONNX export: output name \"%s\" is already a value of the graph", name);
    }
    const char *out = keep_name(g, name);
    if (!out || !emit_node(g, "Identity", out, 1, &v, out, 0, NULL)) return ganc_error_status();
    g->outputs[g->n_outputs++] = (onnx_output){.name = out, .ndim = ndim};
    return GANC_OK;
}

const char *onnx_module(onnx_graph *g, module *m, const char *x) {
    if (g->failed) return NULL;
    if (!x) return onnx_error(g, GANC_ERR(GANC_ERR_ARG, "ONNX export: module %s got no input value", m->path));
    char name[MODULE_PATH_MAX + 40];
    if (!m->type->onnx) {
        g->tagged = true;
        return onnx_error(g, GANC_ERR(GANC_ERR_UNSUPPORTED,
                                "%s (%s): this layer has no ONNX mapping (an `onnx` hook in its module_type, "
                                "layers/onnx.h)%s",
                                module_full_name(m, name, sizeof name), m->type->name,
                                m->type->forward ? "" : "; it takes several inputs, so its parent maps it"));
    }
    const char *y = m->type->onnx(m, g, x);
    if (g->failed) y = NULL; /* a hook that went on after an error */
    if (!y && !g->tagged) {
        /* The innermost failing module names itself; its parents keep that message. */
        char msg[512];
        g->tagged = true;
        snprintf(msg, sizeof msg, "%s", ganc_error_message());
        GANC_ERR(ganc_error_status() ? ganc_error_status() : GANC_ERR_ARG, "%s (%s): %s",
                 module_full_name(m, name, sizeof name), m->type->name, msg);
    }
    if (!y) g->failed = true;
    return y;
}
