/* ONNX composites shared by several module mappings: reductions across
 * opsets, normalisation from standard ops, per-sample channel vectors. */
#include <stdio.h>
#include <string.h>

#include "layers/onnx.h"

/* The opset that moved an op's axes from an attribute to an input: 13
 * for ReduceSum, 18 for the other Reduce* ops. */
static int axes_input_opset(const char *op) { return strcmp(op, "ReduceSum") == 0 ? 13 : 18; }

const char *onnx_reduce(onnx_graph *g, const module *m, const char *op, const char *x, int n_axes,
                        const int64_t *axes, bool keepdims) {
    if (n_axes < 1 || n_axes > ONNX_MAX_INTS)
        return onnx_error(g, GANC_ERR(GANC_ERR_ARG, "ONNX export: %s over %d axes; 1 to %d fit", op, n_axes,
                                      ONNX_MAX_INTS));
    onnx_attr attrs[2] = {ONNX_INT("keepdims", keepdims), {.name = "axes", .kind = ONNX_ATTR_INTS, .n = n_axes}};
    for (int i = 0; i < n_axes; i++) attrs[1].ints[i] = axes[i];
    if (onnx_opset(g) >= axes_input_opset(op))
        return onnx_node(g, m, op, ONNX_IN(x, onnx_const_ints(g, n_axes, axes)), 1, attrs);
    return onnx_node(g, m, op, ONNX_IN(x), 2, attrs);
}

static const char *scalar(onnx_graph *g, double v) {
    char name[48];
    snprintf(name, sizeof name, "%.9g", v);
    float f = (float)v;
    return onnx_const_floats(g, name, 0, NULL, &f);
}

/* The number of values in `axes` of x, as a float scalar, from x's shape at run time. */
static const char *count_over(onnx_graph *g, const module *m, const char *x, int n_axes, const int64_t *axes) {
    const char *shape = onnx_node(g, m, "Shape", ONNX_IN(x), ONNX_NO_ATTRS);
    const char *dims = onnx_node(g, m, "Cast", ONNX_IN(shape), ONNX_ATTRS(ONNX_INT("to", 1 /* FLOAT */)));
    const char *picked = onnx_node(g, m, "Gather", ONNX_IN(dims, onnx_const_ints(g, n_axes, axes)),
                                   ONNX_ATTRS(ONNX_INT("axis", 0)));
    return onnx_node(g, m, "ReduceProd", ONNX_IN(picked), ONNX_ATTRS(ONNX_INT("keepdims", 0)));
}

const char *onnx_normalize(onnx_graph *g, const module *m, const char *x, int n_axes, const int64_t *axes,
                           bool unbiased, double eps) {
    const char *d = onnx_node(g, m, "Sub", ONNX_IN(x, onnx_reduce(g, m, "ReduceMean", x, n_axes, axes, true)),
                              ONNX_NO_ATTRS);
    const char *var;
    if (unbiased) {
        const char *ss = onnx_reduce(g, m, "ReduceSumSquare", d, n_axes, axes, true);
        const char *dof = onnx_node(g, m, "Sub", ONNX_IN(count_over(g, m, x, n_axes, axes), scalar(g, 1)),
                                    ONNX_NO_ATTRS);
        var = onnx_node(g, m, "Div", ONNX_IN(ss, dof), ONNX_NO_ATTRS);
    } else {
        var = onnx_reduce(g, m, "ReduceMean", onnx_node(g, m, "Mul", ONNX_IN(d, d), ONNX_NO_ATTRS), n_axes, axes,
                          true);
    }
    const char *sd = onnx_node(g, m, "Sqrt", ONNX_IN(onnx_node(g, m, "Add", ONNX_IN(var, scalar(g, eps)),
                                                               ONNX_NO_ATTRS)),
                               ONNX_NO_ATTRS);
    return onnx_node(g, m, "Div", ONNX_IN(d, sd), ONNX_NO_ATTRS);
}

const char *onnx_to_nc11(onnx_graph *g, const module *m, const char *x) {
    return onnx_node(g, m, "Unsqueeze", ONNX_IN(x, onnx_const_ints(g, 2, (int64_t[]){2, 3})), ONNX_NO_ATTRS);
}
