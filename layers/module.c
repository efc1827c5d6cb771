#include "layers/module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers/onnx.h"

module *module_alloc(network *net, const module_type *type, const char *path, size_t size) {
    if (!path) return NULL; /* module_child_path already said why */
    if (strlen(path) >= sizeof ((module *)0)->path) {
        GANC_ERR(GANC_ERR_ARG, "network %s: module path \"%s\" is longer than %zu characters", net->name, path,
                 sizeof ((module *)0)->path - 1);
        return NULL;
    }
    module *m = calloc(1, size);
    if (!m) {
        GANC_ERR(GANC_ERR_MEMORY, "network %s: out of memory for module %s", net->name, path);
        return NULL;
    }
    m->type = type;
    m->net = net;
    snprintf(m->path, sizeof m->path, "%s", path);
    return m;
}

void module_free(module *m) {
    if (!m) return;
    for (int i = 0; i < m->n_children; i++) module_free(m->children[i]);
    free(m->children);
    free(m);
}

ganc_status module_add_child(module *parent, module *child) {
    if (!child) return ganc_error_status() ? ganc_error_status() : GANC_ERR(GANC_ERR_ARG, "module: NULL child");
    if (parent->n_children == parent->cap_children) {
        int cap = parent->cap_children ? 2 * parent->cap_children : 4;
        module **grown = realloc(parent->children, (size_t)cap * sizeof *grown);
        if (!grown) {
            module_free(child);
            return GANC_ERR(GANC_ERR_MEMORY, "network %s: out of memory adding %s", parent->net->name, child->path);
        }
        parent->children = grown;
        parent->cap_children = cap;
    }
    parent->children[parent->n_children++] = child;
    return GANC_OK;
}

const char *module_child_path(const module *parent, const char *suffix, char *buf, size_t size) {
    int n = parent->path[0] ? snprintf(buf, size, "%s.%s", parent->path, suffix) : snprintf(buf, size, "%s", suffix);
    if (n < 0 || (size_t)n >= size) {
        GANC_ERR(GANC_ERR_ARG, "network %s: the path of %s under \"%s\" is longer than %zu characters",
                 parent->net->name, suffix, parent->path, size - 1);
        return NULL;
    }
    return buf;
}

const char *module_next_path(const module *seq, char *buf, size_t size) {
    char index[16];
    snprintf(index, sizeof index, "%d", seq->n_children);
    return module_child_path(seq, index, buf, size);
}

const char *module_full_name(const module *m, char *buf, size_t size) {
    if (m->path[0]) snprintf(buf, size, "%s.%s", m->net->name, m->path);
    else snprintf(buf, size, "%s", m->net->name);
    return buf;
}

static tensor *add_to(param_set *ps, module *m, const char *name, int ndim, const int *shape) {
    char full[MODULE_PATH_MAX + 64], base[MODULE_PATH_MAX + 40];
    module_full_name(m, base, sizeof base);
    snprintf(full, sizeof full, "%s.%s", base, name);
    return params_add(ps, full, ndim, shape);
}

tensor *module_add_param(module *m, const char *name, int ndim, const int *shape) {
    if (m->n_params == MODULE_MAX_PARAMS) {
        GANC_ERR(GANC_ERR_ARG, "network %s: module %s has more than %d parameters", m->net->name, m->path,
                 MODULE_MAX_PARAMS);
        return NULL;
    }
    tensor *p = add_to(&m->net->params, m, name, ndim, shape);
    if (p) m->params[m->n_params++] = p;
    return p;
}

tensor *module_add_buffer(module *m, const char *name, int ndim, const int *shape) {
    return add_to(&m->net->buffers, m, name, ndim, shape);
}

size_t module_param_count(const module *m) {
    size_t n = 0;
    for (int i = 0; i < m->n_params; i++) n += m->params[i]->numel;
    for (int i = 0; i < m->n_children; i++) n += module_param_count(m->children[i]);
    return n;
}

void module_visit(module *m, void (*fn)(module *m, void *ctx), void *ctx) {
    fn(m, ctx);
    for (int i = 0; i < m->n_children; i++) module_visit(m->children[i], fn, ctx);
}

int module_enter(module *m, module_run *run) {
    module_summary *s = run->summary;
    if (!s) return -1;
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 64;
        module_summary_row *grown = realloc(s->rows, (size_t)cap * sizeof *grown);
        if (!grown) return -1; /* the summary loses rows, the forward pass goes on */
        s->rows = grown;
        s->cap = cap;
    }
    s->rows[s->n] = (module_summary_row){.m = m, .depth = s->depth, .out_shape = "-"};
    s->depth++;
    return s->n++;
}

tensor *module_leave(module *m, module_run *run, int token, tensor *y, bool had_input) {
    if (run->summary) {
        run->summary->depth--;
        if (token >= 0 && y)
            tensor_shape_str(y, run->summary->rows[token].out_shape, sizeof run->summary->rows[0].out_shape);
    }
    if (!y && had_input && !run->failed) {
        /* The innermost failing module names itself; its parents keep that message. */
        char msg[512], name[MODULE_PATH_MAX + 40];
        run->failed = true;
        snprintf(msg, sizeof msg, "%s", ganc_error_message());
        GANC_ERR(ganc_error_status() ? ganc_error_status() : GANC_ERR_ARG, "%s (%s): %s",
                 module_full_name(m, name, sizeof name), m->type->name, msg);
    }
    return y;
}

tensor *module_forward(module *m, module_run *run, const tensor *x) {
    if (!m) {
        GANC_ERR(GANC_ERR_ARG, "module_forward: NULL module");
        return NULL;
    }
    if (!m->type->forward) {
        char name[MODULE_PATH_MAX + 40];
        GANC_ERR(GANC_ERR_ARG, "%s (%s) takes several inputs: call its own forward function",
                 module_full_name(m, name, sizeof name), m->type->name);
        return NULL;
    }
    int token = module_enter(m, run);
    tensor *y = x ? m->type->forward(m, run, x) : NULL;
    return module_leave(m, run, token, y, x != NULL);
}

static tensor *sequential_forward(module *m, module_run *run, const tensor *x) {
    tensor *y = NULL;
    for (int i = 0; i < m->n_children; i++) {
        y = module_forward(m->children[i], run, x);
        x = y;
    }
    if (m->n_children == 0) GANC_ERR(GANC_ERR_ARG, "Sequential %s has no layers", m->path);
    return y;
}

static const char *sequential_onnx(module *m, onnx_graph *g, const char *x) {
    for (int i = 0; i < m->n_children; i++) x = onnx_module(g, m->children[i], x);
    return x;
}

static const module_type sequential_type = {
    .name = "Sequential", .forward = sequential_forward, .onnx = sequential_onnx};

module *sequential_new(network *net, const char *path) {
    return module_alloc(net, &sequential_type, path, sizeof(module));
}
