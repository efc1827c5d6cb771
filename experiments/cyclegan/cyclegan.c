/* CycleGAN (Zhu et al. 2017), as pytorch-CycleGAN-and-pix2pix trains it:
 * G_A: A->B, G_B: B->A; D_A judges domain B, D_B judges domain A; one
 * generator update (GAN + [loss.*] terms: cycle, identity, ...) then one
 * update of each discriminator on pooled fakes. Config: [cyclegan] gan_mode
 * (lsgan), pool_size (50), real_label (1 = no smoothing), gp_weight (10,
 * wgan_gp only); networks from [G] and [D]; optimizers from [optim]. */
#include <stdlib.h>
#include <string.h>

#include "core/ops/elementwise.h"
#include "core/ops/view.h"
#include "data/dataset.h"
#include "losses/gan.h"
#include "tools/trainer.h"

typedef struct {
    gan_mode mode;
    real real_label;
    double gp_weight;
    bool identity; /* some term reads idt_A/idt_B: only then are they computed */
    image_pool *pool_fake_A, *pool_fake_B;
} cyclegan_state;

static ganc_status setup(trainer *tr) {
    cyclegan_state *s = calloc(1, sizeof *s);
    if (!s) return GANC_ERR(GANC_ERR_MEMORY, "cyclegan: out of memory");
    tr->recipe_state = s;
    int mode;
    long pool;
    double label;
    ganc_status st = config_choice(tr->cfg, "cyclegan", "gan_mode", "lsgan", gan_mode_names, &mode);
    if (!st) st = config_int(tr->cfg, "cyclegan", "pool_size", 50, 0, 100000, &pool);
    if (!st) st = config_real(tr->cfg, "cyclegan", "real_label", 1, 0.5, 1, &label);
    if (!st && mode == GAN_WGAN_GP) st = config_real(tr->cfg, "cyclegan", "gp_weight", 10, 0, 1e6, &s->gp_weight);
    if (st) return st;
    s->mode = (gan_mode)mode;
    s->real_label = (real)label;
    if (!trainer_add_network(tr, "G", "G_A", "optim") || !trainer_add_network(tr, "G", "G_B", "optim") ||
        !trainer_add_network(tr, "D", "D_A", "optim") || !trainer_add_network(tr, "D", "D_B", "optim"))
        return ganc_error_status();
    /* After the networks read their keys, so config errors list them in their own order. */
    if ((st = dataset_check_channels(tr->cfg, "cyclegan", "G", "in_channels", 1)) ||
        (st = dataset_check_channels(tr->cfg, "cyclegan", "G", "out_channels", 1)) ||
        (st = dataset_check_channels(tr->cfg, "cyclegan", "D", "in_channels", 1)))
        return st;
    s->pool_fake_A = trainer_add_pool(tr, "fake_A", (int)pool);
    s->pool_fake_B = s->pool_fake_A ? trainer_add_pool(tr, "fake_B", (int)pool) : NULL;
    if (!s->pool_fake_B) return ganc_error_status();
    if ((st = trainer_add_loss_terms(tr))) return st;
    for (int i = 0; i < tr->n_terms; i++) s->identity |= strcmp(tr->terms[i].kind, "identity") == 0 && tr->terms[i].weight != 0;
    return GANC_OK;
}

static tensor *run(trainer *tr, const char *name, const tensor *x) {
    return network_forward(trainer_network_named(tr, name), tr->t, x);
}

/* One discriminator update: real vs pooled (detached) fakes. */
static ganc_status update_d(trainer *tr, cyclegan_state *s, const char *d_name, const tensor *real_x, tensor *fake,
                            image_pool *pool) {
    tape *t = tr->t;
    tensor *pooled = image_pool_query(pool, t, op_detach(t, fake));
    network *d = trainer_network_named(tr, d_name);
    tensor *loss = gan_loss_d(t, s->mode, network_forward(d, t, real_x), network_forward(d, t, pooled), s->real_label);
    if (s->mode == GAN_WGAN_GP && loss) {
        tensor *gp = gan_gradient_penalty(t, network_forward, d, real_x, pooled, &tr->rng, (real)1e-2);
        loss = op_add(t, loss, op_mul_scalar(t, gp, (real)s->gp_weight));
    }
    ganc_status st = trainer_metric(tr, d_name, loss);
    return st ? st : trainer_update(tr, loss, &d_name, 1);
}

static ganc_status train_step(trainer *tr, const batch *b) {
    cyclegan_state *s = tr->recipe_state;
    tape *t = tr->t;
    tensor *real_A = trainer_batch_tensor(tr, b, b->a, "real_A"), *real_B = trainer_batch_tensor(tr, b, b->b, "real_B");
    tensor *fake_B = run(tr, "G_A", real_A), *rec_A = run(tr, "G_B", fake_B);
    tensor *fake_A = run(tr, "G_B", real_B), *rec_B = run(tr, "G_A", fake_A);
    loss_inputs in = {.t = t, .forward = network_forward, .progress = trainer_progress(tr), .step = tr->step};
    const char *names[] = {"real_A", "real_B", "fake_A", "fake_B", "rec_A", "rec_B"};
    tensor *values[] = {real_A, real_B, fake_A, fake_B, rec_A, rec_B};
    ganc_status st = GANC_OK;
    for (int i = 0; !st && i < 6; i++) st = loss_inputs_add_tensor(&in, names[i], values[i]);
    if (!st && s->identity) {
        st = loss_inputs_add_tensor(&in, "idt_A", run(tr, "G_A", real_B));
        if (!st) st = loss_inputs_add_tensor(&in, "idt_B", run(tr, "G_B", real_A));
    }
    for (int i = 0; !st && i < tr->n_nets; i++) st = loss_inputs_add_network(&in, tr->nets[i].net);
    if (st) return st;

    tensor *gan_A = gan_loss_g(t, s->mode, run(tr, "D_A", fake_B));
    tensor *gan_B = gan_loss_g(t, s->mode, run(tr, "D_B", fake_A));
    if ((st = trainer_metric(tr, "G_A", gan_A)) || (st = trainer_metric(tr, "G_B", gan_B))) return st;
    tensor *loss_g = op_add(t, gan_A, gan_B);
    if (tr->n_terms) {
        tensor *terms = trainer_loss_terms(tr, &in);
        if (!terms) return ganc_error_status();
        loss_g = op_add(t, loss_g, terms);
    }
    static const char *const generators[] = {"G_A", "G_B"};
    if ((st = trainer_update(tr, loss_g, generators, 2))) return st;
    if ((st = update_d(tr, s, "D_A", real_B, fake_B, s->pool_fake_B))) return st;
    return update_d(tr, s, "D_B", real_A, fake_A, s->pool_fake_A);
}

static ganc_status samples(trainer *tr, const batch *b, tensor **rows, int *n_rows) {
    tensor *real_A = trainer_batch_tensor(tr, b, b->a, "real_A"), *real_B = trainer_batch_tensor(tr, b, b->b, "real_B");
    tensor *fake_B = run(tr, "G_A", real_A), *fake_A = run(tr, "G_B", real_B);
    tensor *out[6] = {real_A, fake_B, run(tr, "G_B", fake_B), real_B, fake_A, run(tr, "G_A", fake_A)};
    for (int i = 0; i < 6; i++) {
        if (!out[i]) return ganc_error_status();
        rows[i] = out[i];
    }
    *n_rows = 6;
    return GANC_OK;
}

static const char *generator_for(const char *direction) {
    return strcmp(direction, "AtoB") == 0 ? "G_A" : strcmp(direction, "BtoA") == 0 ? "G_B" : NULL;
}

const recipe recipe_cyclegan = {
    .name = "cyclegan",
    .summary = "unpaired A<->B translation with two generators and two discriminators",
    .setup = setup,
    .train_step = train_step,
    .samples = samples,
    .generator_for = generator_for,
};
