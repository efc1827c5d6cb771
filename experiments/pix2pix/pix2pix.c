/* pix2pix (Isola et al. 2017), as pytorch-CycleGAN-and-pix2pix trains it:
 * a conditional D sees (A, B) pairs concatenated on channels; D is updated
 * first, then G with the GAN loss plus the [loss.*] terms (paired L1 with
 * weight 100). Config: [pix2pix] gan_mode (vanilla), real_label (1);
 * networks from [G] and [D] (in_channels 6); optimizers from [optim]. */
#include <stdlib.h>
#include <string.h>

#include "core/ops/shape.h"
#include "core/ops/elementwise.h"
#include "core/ops/view.h"
#include "data/dataset.h"
#include "losses/gan.h"
#include "tools/trainer.h"

typedef struct {
    gan_mode mode;
    real real_label;
} pix2pix_state;

static ganc_status setup(trainer *tr) {
    pix2pix_state *s = calloc(1, sizeof *s);
    if (!s) return GANC_ERR(GANC_ERR_MEMORY, "pix2pix: out of memory");
    tr->recipe_state = s;
    int mode;
    double label;
    ganc_status st = config_choice(tr->cfg, "pix2pix", "gan_mode", "vanilla", gan_mode_names, &mode);
    if (!st) st = config_real(tr->cfg, "pix2pix", "real_label", 1, 0.5, 1, &label);
    if (st) return st;
    if (mode == GAN_WGAN_GP) return GANC_ERR(GANC_ERR_ARG, "[pix2pix] gan_mode = wgan_gp is not supported; use lsgan, vanilla or hinge");
    s->mode = (gan_mode)mode;
    s->real_label = (real)label;
    if (!trainer_add_network(tr, "G", "G", "optim") || !trainer_add_network(tr, "D", "D", "optim"))
        return ganc_error_status();
    /* After the networks read their keys, so config errors list them in their own order. */
    if ((st = dataset_check_channels(tr->cfg, "pix2pix", "G", "in_channels", 1)) ||
        (st = dataset_check_channels(tr->cfg, "pix2pix", "G", "out_channels", 1)) ||
        (st = dataset_check_channels(tr->cfg, "pix2pix", "D", "in_channels", 2)))
        return st;
    return trainer_add_loss_terms(tr);
}

static tensor *judge(trainer *tr, const tensor *a, const tensor *b) {
    const tensor *pair[2] = {a, b};
    return network_forward(trainer_network_named(tr, "D"), tr->t, op_concat(tr->t, 2, pair, 1));
}

static ganc_status train_step(trainer *tr, const batch *b) {
    pix2pix_state *s = tr->recipe_state;
    tape *t = tr->t;
    if (!b->b) return GANC_ERR(GANC_ERR_ARG, "pix2pix needs paired data: [data] kind = aligned");
    tensor *real_A = trainer_batch_tensor(tr, b, b->a, "real_A"), *real_B = trainer_batch_tensor(tr, b, b->b, "real_B");
    tensor *fake_B = network_forward(trainer_network_named(tr, "G"), t, real_A);
    tensor *loss_d = gan_loss_d(t, s->mode, judge(tr, real_A, real_B), judge(tr, real_A, op_detach(t, fake_B)),
                                s->real_label);
    static const char *const d[] = {"D"}, *const g[] = {"G"};
    ganc_status st = trainer_metric(tr, "D", loss_d);
    if (!st) st = trainer_update(tr, loss_d, d, 1);
    if (st) return st;
    tensor *loss_g = gan_loss_g(t, s->mode, judge(tr, real_A, fake_B));
    if ((st = trainer_metric(tr, "G_GAN", loss_g))) return st;
    loss_inputs in = {.t = t, .forward = network_forward, .progress = trainer_progress(tr), .step = tr->step};
    st = loss_inputs_add_tensor(&in, "real_A", real_A);
    if (!st) st = loss_inputs_add_tensor(&in, "real_B", real_B);
    if (!st) st = loss_inputs_add_tensor(&in, "fake_B", fake_B);
    for (int i = 0; !st && i < tr->n_nets; i++) st = loss_inputs_add_network(&in, tr->nets[i].net);
    if (st) return st;
    if (tr->n_terms) {
        tensor *terms = trainer_loss_terms(tr, &in);
        if (!terms) return ganc_error_status();
        loss_g = op_add(t, loss_g, terms);
    }
    return trainer_update(tr, loss_g, g, 1);
}

static ganc_status samples(trainer *tr, const batch *b, tensor **rows, int *n_rows) {
    tensor *real_A = trainer_batch_tensor(tr, b, b->a, "real_A");
    rows[0] = real_A;
    rows[1] = network_forward(trainer_network_named(tr, "G"), tr->t, real_A);
    rows[2] = b->b ? trainer_batch_tensor(tr, b, b->b, "real_B") : NULL;
    *n_rows = 3;
    return rows[0] && rows[1] && rows[2] ? GANC_OK : ganc_error_status();
}

static const char *generator_for(const char *direction) { return strcmp(direction, "AtoB") == 0 ? "G" : NULL; }

const recipe recipe_pix2pix = {
    .name = "pix2pix",
    .summary = "paired A->B translation with a U-Net generator and a conditional PatchGAN",
    .setup = setup,
    .train_step = train_step,
    .samples = samples,
    .generator_for = generator_for,
};
