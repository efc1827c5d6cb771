/* network_print_summary: one eval-mode forward pass without gradient over
 * a zero input records every module it runs with its output shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers/module.h"

/* 11378179 -> "11,378,179" */
static const char *grouped(size_t n, char *buf, size_t size) {
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%zu", n), o = 0;
    for (int i = 0; i < len && (size_t)o + 2 < size; i++) {
        if (i > 0 && (len - i) % 3 == 0) buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

static void row_text(const module_summary_row *r, char *name, size_t name_size, char *type, size_t type_size) {
    const module *m = r->m;
    snprintf(name, name_size, "%*s%s", 2 * r->depth, "", m->path[0] ? m->path : "(network)");
    if (m->detail[0]) snprintf(type, type_size, "%s(%s)", m->type->name, m->detail);
    else snprintf(type, type_size, "%s", m->type->name);
}

static void print_rows(const module_summary *s, FILE *out) {
    char count[32], type[96], name[2 * MODULE_PATH_MAX];
    int name_w = 6, type_w = 4; /* "module", "type" */
    for (int i = 0; i < s->n; i++) {
        row_text(&s->rows[i], name, sizeof name, type, sizeof type);
        name_w = strlen(name) > (size_t)name_w ? (int)strlen(name) : name_w;
        type_w = strlen(type) > (size_t)type_w ? (int)strlen(type) : type_w;
    }
    fprintf(out, "%-*s  %-*s  %-18s  %12s\n", name_w, "module", type_w, "type", "output", "parameters");
    for (int i = 0; i < s->n; i++) {
        row_text(&s->rows[i], name, sizeof name, type, sizeof type);
        fprintf(out, "%-*s  %-*s  %-18s  %12s\n", name_w, name, type_w, type, s->rows[i].out_shape,
                grouped(module_param_count(s->rows[i].m), count, sizeof count));
    }
}

void network_print_summary(const network *net, const int input_shape[4], FILE *out) {
    char shape[48], count[32];
    fprintf(out, "network %s (%s), input %s, eval mode\n", net->name, net->arch,
            shape_str(4, input_shape, shape, sizeof shape));
    module_summary s = {0};
    tape *t = net->root ? tape_new(net->params.dev) : NULL;
    tensor *x = t ? tape_zeros(t, 4, input_shape, "input") : NULL;
    tensor *y = NULL;
    if (x) {
        module_run run = {.t = t, .training = false, .summary = &s};
        tape_no_grad_begin(t);
        y = module_forward(net->root, &run, x);
        tape_no_grad_end(t);
    }
    print_rows(&s, out);
    if (!y) fprintf(out, "forward pass failed: %s\n", net->root ? ganc_error_message() : "the network has no modules");
    fprintf(out, "total parameters: %s\n", grouped(net->params.numel, count, sizeof count));
    fprintf(out, "trainable parameters: %s\n",
            grouped(net->params.frozen ? 0 : net->params.numel, count, sizeof count));
    fprintf(out, "buffer values: %s\n", grouped(net->buffers.numel, count, sizeof count));
    free(s.rows);
    tape_free(t);
}
