/* Total variation as a loss plugin: the worked example of docs/losses.md.
 * mean |x[h+1] - x[h]| + mean |x[w+1] - x[w]| over an image of the step
 * (power = 2 squares the differences instead). */
#include <stdlib.h>
#include <string.h>

#include "losses/plugin_api.h"

typedef struct {
    char input[32]; /* the tensor to smooth */
    int power;
} tv;

static ganc_status tv_create(config *c, const char *section, void **state) {
    const char *input;
    long power;
    ganc_status st = config_string(c, section, "input", "fake_B", &input);
    if (!st) st = config_int(c, section, "power", 1, 1, 2, &power);
    if (st) return st;
    tv *s = calloc(1, sizeof *s);
    if (!s) return GANC_ERR(GANC_ERR_MEMORY, "tv: out of memory");
    snprintf(s->input, sizeof s->input, "%s", input);
    s->power = (int)power;
    *state = s;
    return GANC_OK;
}

static tensor *tv_diff(tape *t, const tensor *x, int axis, int power) {
    int n = x->shape[axis] - 1;
    tensor *d = op_sub(t, op_slice(t, x, axis, 1, n), op_slice(t, x, axis, 0, n));
    return op_mean(t, power == 2 ? op_mul(t, d, d) : op_abs(t, d), 0, false);
}

static tensor *tv_compute(void *state, const loss_inputs *in) {
    const tv *s = state;
    tensor *x = loss_inputs_tensor(in, s->input); /* (N,C,H,W) */
    if (!x) return NULL;
    if (x->ndim != 4 || x->shape[2] < 2 || x->shape[3] < 2) {
        GANC_ERR(GANC_ERR_SHAPE, "tv: %s must be (N,C,H,W) with H, W >= 2", s->input);
        return NULL;
    }
    return op_add(in->t, tv_diff(in->t, x, 2, s->power), tv_diff(in->t, x, 3, s->power));
}

ganc_status ganc_loss_plugin_register(ganc_loss_plugin *out) {
    *out = (ganc_loss_plugin){GANC_LOSS_PLUGIN_VERSION, "tv", tv_create, tv_compute, free};
    return GANC_OK;
}
