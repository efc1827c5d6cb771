/* Regression of a label vector from an image: one network E (section [E],
 * usually arch = classifier with `outputs` = K) trained on a labelled
 * dataset ([data] kind = labelled) to predict each image's K labels. The
 * cartoon-head experiment trains its attribute regressors with it: E1 on
 * photos, E2 on cartoons, one run each. Config: [regressor] distance
 * (mse: mean squared error; l1; l2: mean Euclidean distance of the
 * vectors); optimizer from [optim]. `ganc eval` reports the error on a
 * held-out folder. */
#include <stdlib.h>
#include <string.h>

#include "core/ops/loss.h"
#include "core/ops/view.h"
#include "losses/pixel.h"
#include "tools/trainer.h"

typedef struct {
    loss_dist distance;
} regressor_state;

static ganc_status setup(trainer *tr) {
    regressor_state *s = calloc(1, sizeof *s);
    if (!s) return GANC_ERR(GANC_ERR_MEMORY, "regressor: out of memory");
    tr->recipe_state = s;
    int d;
    ganc_status st = config_choice(tr->cfg, "regressor", "distance", "mse", loss_dist_names, &d);
    if (st) return st;
    s->distance = (loss_dist)d;
    return trainer_add_network(tr, "E", "E", "optim") ? GANC_OK : ganc_error_status();
}

/* E's predictions for the batch, checked against the label count. */
static tensor *predict(trainer *tr, const batch *b, tensor **labels) {
    if (!b->labels) {
        GANC_ERR(GANC_ERR_ARG, "regressor needs labelled data: [data] kind = labelled with a labels CSV");
        return NULL;
    }
    tensor *x = trainer_batch_tensor(tr, b, b->a, "image");
    tensor *y = network_forward(trainer_network_named(tr, "E"), tr->t, x);
    if (!y) return NULL;
    if (y->ndim != 2 || y->shape[1] != b->n_labels) {
        char s[48];
        GANC_ERR(GANC_ERR_SHAPE, "regressor: network E gives %s per batch, but [data] has %d label columns; set [E] "
                 "outputs = %d or choose label_columns", tensor_shape_str(y, s, sizeof s), b->n_labels, b->n_labels);
        return NULL;
    }
    *labels = tape_from_host(tr->t, 2, (int[]){b->n, b->n_labels}, b->labels, "labels");
    return *labels ? y : NULL;
}

static ganc_status train_step(trainer *tr, const batch *b) {
    regressor_state *s = tr->recipe_state;
    tensor *labels = NULL, *pred = predict(tr, b, &labels);
    if (!pred) return ganc_error_status();
    tensor *loss = loss_distance(tr->t, pred, labels, s->distance, loss_sample_axes(pred));
    ganc_status st = trainer_metric(tr, "loss", loss);
    if (st) return st;
    /* The mean absolute error per label, whatever the training distance: comparable across runs. */
    tape_no_grad_begin(tr->t);
    tensor *mae = op_l1(tr->t, op_detach(tr->t, pred), labels);
    tape_no_grad_end(tr->t);
    if ((st = trainer_metric(tr, "mae", mae))) return st;
    static const char *const nets[] = {"E"};
    return trainer_update(tr, loss, nets, 1);
}

/* A regressor's sample grid is just its inputs. */
static ganc_status samples(trainer *tr, const batch *b, tensor **rows, int *n_rows) {
    rows[0] = trainer_batch_tensor(tr, b, b->a, "image");
    *n_rows = 1;
    return rows[0] ? GANC_OK : ganc_error_status();
}

static const char *generator_for(const char *direction) { return NULL; }

const recipe recipe_regressor = {
    .name = "regressor",
    .summary = "regression of a label vector from an image (attribute regressors)",
    .setup = setup,
    .train_step = train_step,
    .samples = samples,
    .generator_for = generator_for,
};
