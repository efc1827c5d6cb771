/* Face pinching: a network reads a face photo and outputs the bone
 * parameters of a game face (experiments/face_pinch/bones.h). It learns
 * from virtual faces rendered from known parameters (the labelled source,
 * [data]) and unlabelled user photos (the target, [target]); a domain
 * classifier behind a gradient-reversal layer (the `domain` loss term,
 * Ganin & Lempitsky 2015) makes the features of the two alike.
 *
 * Networks: F ([F], e.g. residual_encoder) maps images to features; R
 * ([R], mlp) maps features to the bones; `domain` ([domain], mlp, one
 * logit) tells user photos (0) from virtual faces (1). One backward pass
 * of the summed [loss.*] terms updates all three, each with the optimizer
 * of [optim.NAME], or of [optim] when there is none.
 * Tensors for the terms: params_source and params_target (N,P) true bones
 * (params_target when [target] has labels), pred_source and pred_target
 * (N,P) R's predictions, feat_source and feat_target (N,F). The three
 * settings of docs/face_pinch.md are configs of the same step: DANN (a
 * regression term on the source plus the domain term), source-only (the
 * domain term at lambda 0: the classifier still learns, as a probe, but F
 * gets no gradient from it) and the target-supervised bound (the
 * regression term on the target).
 *
 * [face_pinch] stop_loss (0: off) and stop_patience (100): the run ends
 * once the summed loss has stayed below stop_loss for stop_patience steps
 * in a row, or at [train] steps. target_batch_size (0: batch_size). */
#include <stdlib.h>
#include <string.h>

#include "core/ops/shape.h"
#include "core/ops/view.h"
#include "experiments/face_pinch/bones.h"
#include "tools/trainer.h"

typedef struct {
    dataset *target;
    prefetch *target_loader; /* made at the first step, which a resume fixes */
    const batch *target_batch; /* the latest step's, for the sample grid */
    int target_batch_size;
    bool target_labelled;
    int source_cols[SYNTH_N_PARAMS], target_cols[SYNTH_N_PARAMS];
    int side, features;
    double stop_loss;
    long stop_patience, below; /* below: steps in a row with the summed loss under stop_loss */
    synth_renderer *renderer;
    uint8_t *rgb; /* (side,side,3) render scratch */
} pinch_state;

static ganc_status open_target(trainer *tr, pinch_state *s) {
    const char *kind;
    ganc_status st = config_string(tr->cfg, "target", "kind", "unaligned", &kind);
    if (st) return st;
    if (strcmp(kind, "labelled") != 0 && strcmp(kind, "single") != 0)
        return GANC_ERR(GANC_ERR_ARG, "[target] kind = %s: face_pinch reads user photos as kind = labelled (labels "
                        "used only by terms that name params_target, and for the tgt_mae metric) or single", kind);
    if ((st = dataset_open(tr->cfg, "target", tr->seed ^ 0x7a3c5e1dull, stderr, &s->target))) return st;
    if (dataset_side(s->target) != s->side)
        return GANC_ERR(GANC_ERR_ARG, "[target] gives %dx%d images but [data] gives %dx%d: F sees both",
                        dataset_side(s->target), dataset_side(s->target), s->side, s->side);
    s->target_labelled = dataset_get_kind(s->target) == DATASET_LABELLED;
    if (s->target_labelled && (st = pinch_param_columns(s->target, "target", s->target_cols))) return st;
    long n;
    if ((st = config_int(tr->cfg, "face_pinch", "target_batch_size", 0, 0, 1024, &n))) return st;
    s->target_batch_size = n ? (int)n : tr->batch_size;
    if (dataset_size(s->target) < s->target_batch_size)
        return GANC_ERR(GANC_ERR_ARG, "[target] has %ld images, fewer than a batch (%d)", dataset_size(s->target),
                        s->target_batch_size);
    return GANC_OK;
}

/* F's features per image, from one eval-mode pass over a blank image. */
static ganc_status feature_count(trainer *tr, network *f, int side, int *out) {
    tape_reset(tr->t);
    tape_no_grad_begin(tr->t);
    network_set_training(f, false);
    tensor *x = tape_zeros(tr->t, 4, (int[]){1, 3, side, side}, "blank");
    tensor *y = x ? network_forward(f, tr->t, x) : NULL;
    network_set_training(f, true);
    tape_no_grad_end(tr->t);
    if (!y) return ganc_error_status();
    *out = (int)y->numel;
    tape_reset(tr->t);
    return GANC_OK;
}

/* R and domain take F's features: in_features is filled in unless the config gives it. */
static ganc_status set_in_features(trainer *tr, const char *section, int features) {
    long given;
    ganc_status st = config_int(tr->cfg, section, "in_features", 0, 0, 1L << 26, &given);
    if (st) return st;
    if (given && given != features)
        return GANC_ERR(GANC_ERR_ARG, "config: [%s] in_features = %ld, but network F gives %d features per image",
                        section, given, features);
    char text[96];
    snprintf(text, sizeof text, "%s.in_features=%d", section, features);
    return config_set(tr->cfg, text);
}

/* [optim.NAME] when the config has it, else [optim]. */
static network *add_trained(trainer *tr, const char *name) {
    char section[64];
    snprintf(section, sizeof section, "optim.%s", name);
    return trainer_add_network(tr, name, name, config_has_section(tr->cfg, section) ? section : "optim");
}

static ganc_status setup(trainer *tr) {
    pinch_state *s = calloc(1, sizeof *s);
    if (!s) return GANC_ERR(GANC_ERR_MEMORY, "face_pinch: out of memory");
    tr->recipe_state = s;
    ganc_status st = config_real(tr->cfg, "face_pinch", "stop_loss", 0, 0, 1e9, &s->stop_loss);
    if (!st) st = config_int(tr->cfg, "face_pinch", "stop_patience", 100, 1, 1L << 40, &s->stop_patience);
    if (st) return st;
    network *f = add_trained(tr, "F");
    if (!f) return ganc_error_status();
    if (tr->data) { /* training; a checkpoint opened for inference has no data and a complete config */
        if (dataset_get_kind(tr->data) != DATASET_LABELLED)
            return GANC_ERR(GANC_ERR_ARG, "[data] kind: face_pinch trains on labelled virtual faces (kind = labelled, "
                            "label_columns = p_*)");
        s->side = dataset_side(tr->data);
        if ((st = pinch_param_columns(tr->data, "data", s->source_cols)) || (st = open_target(tr, s))) return st;
        if ((st = feature_count(tr, f, s->side, &s->features))) return st;
        if ((st = set_in_features(tr, "R", s->features)) || (st = set_in_features(tr, "domain", s->features)))
            return st;
        if (!(s->renderer = synth_renderer_new(s->side, s->side)) || !(s->rgb = malloc(3 * (size_t)s->side * s->side)))
            return GANC_ERR(GANC_ERR_MEMORY, "face_pinch: out of memory");
    }
    if (!add_trained(tr, "R") || !add_trained(tr, "domain")) return ganc_error_status();
    if (tr->data) {
        long outputs;
        if ((st = config_int(tr->cfg, "R", "outputs", 1, 1, 1 << 20, &outputs))) return st;
        if (outputs != PINCH_N_BONES)
            return GANC_ERR(GANC_ERR_ARG, "config: [R] outputs = %ld: face pinching predicts %d bone parameters",
                            outputs, PINCH_N_BONES);
    }
    if ((st = trainer_add_loss_terms(tr))) return st;
    bool any = false;
    for (int i = 0; i < tr->n_terms; i++) any |= tr->terms[i].weight > 0;
    if (!any)
        return GANC_ERR(GANC_ERR_ARG, "face_pinch: no [loss.*] term with a weight above 0 (see "
                        "experiments/face_pinch/face_pinch.ini)");
    return GANC_OK;
}

static void teardown(trainer *tr) {
    pinch_state *s = tr->recipe_state;
    if (!s) return;
    prefetch_free(s->target_loader);
    dataset_free(s->target);
    synth_renderer_free(s->renderer);
    free(s->rgb);
}

/* (N,P) true bones of a batch's label rows. */
static tensor *bones_tensor(tape *t, const batch *b, const int cols[SYNTH_N_PARAMS], const char *name) {
    real *host = tape_alloc_meta(t, sizeof(real) * (size_t)b->n * PINCH_N_BONES);
    if (!host) return NULL;
    for (int i = 0; i < b->n; i++)
        for (int k = 0; k < PINCH_N_BONES; k++)
            host[i * PINCH_N_BONES + k] = b->labels[(size_t)i * b->n_labels + cols[pinch_bone_param[k]]];
    return tape_from_host(t, 2, (int[]){b->n, PINCH_N_BONES}, host, name);
}

/* The 39 parameters of sample i of a labelled batch. */
static void batch_params(const batch *b, int i, const int cols[SYNTH_N_PARAMS], float out[SYNTH_N_PARAMS]) {
    for (int k = 0; k < SYNTH_N_PARAMS; k++) out[k] = (float)b->labels[(size_t)i * b->n_labels + cols[k]];
}

static ganc_status log_value(trainer *tr, const char *name, double v) {
    real x = (real)v;
    return trainer_metric(tr, name, tape_from_host(tr->t, 1, (int[]){1}, &x, name));
}

/* MAE of (N,P) predictions against a labelled batch. */
static double batch_mae(const tensor *pred, const batch *b, const int cols[SYNTH_N_PARAMS]) {
    pinch_error e = {0};
    float truth[SYNTH_N_PARAMS];
    for (int i = 0; i < b->n; i++) {
        batch_params(b, i, cols, truth);
        pinch_error_add(&e, pred->data + (size_t)i * PINCH_N_BONES, truth);
    }
    return pinch_error_mae(&e, PINCH_N_GROUPS);
}

/* Balanced accuracy of the domain classifier on this step's features,
 * user photos labelled 0 and virtual faces 1 (the `domain` term with
 * a = feat_target, b = feat_source). */
static ganc_status log_domain_accuracy(trainer *tr, const tensor *feat, int n_source) {
    tape_no_grad_begin(tr->t);
    tensor *logits = network_forward(trainer_network_named(tr, "domain"), tr->t, feat); /* (N,1) */
    tape_no_grad_end(tr->t);
    if (!logits) return ganc_error_status();
    int n = logits->shape[0];
    double right_source = 0, right_target = 0;
    for (int i = 0; i < n; i++) {
        if (i < n_source) right_source += logits->data[i] > 0;
        else right_target += logits->data[i] < 0;
    }
    return log_value(tr, "domain_acc", 0.5 * (right_source / n_source + right_target / (n - n_source)));
}

/* Counts the steps in a row with the summed loss under stop_loss and asks the trainer to stop after enough. */
static void check_stop(trainer *tr, pinch_state *s, double loss) {
    if (s->stop_loss <= 0) return;
    s->below = loss < s->stop_loss ? s->below + 1 : 0;
    if (s->below >= s->stop_patience)
        snprintf(tr->finished, sizeof tr->finished, "the summed loss stayed below stop_loss = %g for %ld steps",
                 s->stop_loss, s->below);
}

static ganc_status train_step(trainer *tr, const batch *b) {
    pinch_state *s = tr->recipe_state;
    tape *t = tr->t;
    if (!s->target_loader &&
        !(s->target_loader = prefetch_new(s->target, s->target_batch_size, true, tr->step, 2)))
        return ganc_error_status();
    const batch *tb;
    ganc_status st = prefetch_next(s->target_loader, &tb);
    if (st) return st;
    s->target_batch = tb;
    int ns = b->n, nt = tb->n;
    const tensor *images[2] = {trainer_batch_tensor(tr, b, b->a, "source"),
                               trainer_batch_tensor(tr, tb, tb->a, "target")};
    /* One pass over both domains: a batch norm in F sees them together. */
    tensor *feat = network_forward(trainer_network_named(tr, "F"), t, op_concat(t, 2, images, 0));
    tensor *pred = network_forward(trainer_network_named(tr, "R"), t, feat);
    loss_inputs in = {.t = t, .forward = network_forward, .progress = trainer_progress(tr), .step = tr->step};
    const char *names[] = {"feat_source", "feat_target", "pred_source", "pred_target", "params_source"};
    tensor *values[] = {op_slice(t, feat, 0, 0, ns), op_slice(t, feat, 0, ns, nt), op_slice(t, pred, 0, 0, ns),
                        op_slice(t, pred, 0, ns, nt), bones_tensor(t, b, s->source_cols, "params_source")};
    for (int i = 0; !st && i < 5; i++) st = loss_inputs_add_tensor(&in, names[i], values[i]);
    if (!st && s->target_labelled)
        st = loss_inputs_add_tensor(&in, "params_target", bones_tensor(t, tb, s->target_cols, "params_target"));
    for (int i = 0; !st && i < tr->n_nets; i++) st = loss_inputs_add_network(&in, tr->nets[i].net);
    if (st) return st;
    tensor *loss = trainer_loss_terms(tr, &in);
    if ((st = trainer_metric(tr, "loss", loss))) return st;
    if ((st = log_domain_accuracy(tr, feat, ns))) return st;
    if ((st = log_value(tr, "src_mae", batch_mae(values[2], b, s->source_cols)))) return st;
    if (s->target_labelled && (st = log_value(tr, "tgt_mae", batch_mae(values[3], tb, s->target_cols)))) return st;
    double total = (double)loss->data[0];
    static const char *const trained[] = {"F", "R", "domain"};
    if ((st = trainer_update(tr, loss, trained, 3))) return st;
    check_stop(tr, s, total);
    return GANC_OK;
}

/* Rows: the latest user photos, virtual faces from their predicted bones
 * (the rest of each face from its labels, or the default avatar), and
 * with labels, virtual faces from the true parameters. */
static ganc_status samples(trainer *tr, const batch *b, tensor **rows, int *n_rows) {
    pinch_state *s = tr->recipe_state;
    const batch *tb = s->target_batch;
    if (!tb) return GANC_ERR(GANC_ERR_STATE, "face_pinch: no target batch yet");
    tape *t = tr->t;
    int n = tb->n, side = s->side;
    size_t plane = 3 * (size_t)side * side;
    tensor *photo = trainer_batch_tensor(tr, tb, tb->a, "photo");
    network *f = trainer_network_named(tr, "F"), *r = trainer_network_named(tr, "R");
    /* Eval mode: a batch norm's running statistics are not moved by the grid. */
    network_set_training(f, false);
    network_set_training(r, false);
    tensor *pred = network_forward(r, t, network_forward(f, t, photo));
    network_set_training(f, true);
    network_set_training(r, true);
    real *from_pred = tape_alloc_meta(t, sizeof(real) * plane * n);
    real *from_true = tape_alloc_meta(t, sizeof(real) * plane * n);
    if (!pred || !from_pred || !from_true) return ganc_error_status();
    ganc_status st = GANC_OK;
    for (int i = 0; !st && i < n; i++) {
        float params[SYNTH_N_PARAMS];
        if (s->target_labelled) batch_params(tb, i, s->target_cols, params);
        else pinch_default_params(params);
        if (s->target_labelled) st = pinch_render_virtual(s->renderer, side, params, s->rgb, from_true + i * plane);
        pinch_set_bones(params, pred->data + (size_t)i * PINCH_N_BONES);
        if (!st) st = pinch_render_virtual(s->renderer, side, params, s->rgb, from_pred + i * plane);
    }
    if (st) return st;
    int shape[4] = {n, 3, side, side};
    rows[0] = photo;
    rows[1] = tape_from_host(t, 4, shape, from_pred, "virtual_predicted");
    rows[2] = s->target_labelled ? tape_from_host(t, 4, shape, from_true, "virtual_true") : NULL;
    *n_rows = s->target_labelled ? 3 : 2;
    for (int i = 0; i < *n_rows; i++)
        if (!rows[i]) return ganc_error_status();
    return GANC_OK;
}

static const char *generator_for(const char *direction) { return NULL; }

static void input_shape(trainer *tr, const network *net, int shape[4]) {
    const pinch_state *s = tr->recipe_state;
    if (strcmp(net->name, "F") != 0) memcpy(shape, (int[]){1, s->features, 1, 1}, 4 * sizeof(int));
}

#define BELOW_KEY "face_pinch.steps_below_stop_loss"

static ganc_status save(trainer *tr, checkpoint *ck) {
    return checkpoint_set_meta_u64(ck, BELOW_KEY, (uint64_t)((pinch_state *)tr->recipe_state)->below);
}

static ganc_status load(trainer *tr, checkpoint *ck) {
    uint64_t below;
    ganc_status st = checkpoint_meta_u64(ck, BELOW_KEY, &below);
    if (!st) ((pinch_state *)tr->recipe_state)->below = (long)below;
    return st;
}

const recipe recipe_face_pinch = {
    .name = "face_pinch",
    .summary = "bone-parameter regression from face photos, domain-adversarial (DANN) on virtual and user faces",
    .setup = setup,
    .train_step = train_step,
    .samples = samples,
    .generator_for = generator_for,
    .teardown = teardown,
    .input_shape = input_shape,
    .save = save,
    .load = load,
};
