/* What recipes call on the trainer: networks, pools, loss terms, metrics
 * and updates. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tools/trainer.h"

#include "core/ops/elementwise.h"

network *trainer_add_network(trainer *tr, const char *section, const char *name, const char *optim_section) {
    if (tr->n_nets == TRAINER_MAX_NETWORKS) {
        GANC_ERR(GANC_ERR_ARG, "trainer: more than %d networks", TRAINER_MAX_NETWORKS);
        return NULL;
    }
    rng init;
    /* Each network's initial weights depend on the seed and its name only. */
    uint64_t h = tr->seed;
    for (const char *p = name; *p; p++) h = h * 1099511628211ull ^ (uint64_t)(unsigned char)*p;
    rng_init(&init, h);
    network *net = network_from_config(tr->cfg, section, name, &init);
    if (!net) return NULL;
    trainer_network *tn = &tr->nets[tr->n_nets];
    memset(tn, 0, sizeof *tn);
    tn->net = net;
    if (optim_section) {
        if (optimizer_from_config(&tn->opt, tr->cfg, optim_section, &net->params)) {
            network_free(net);
            return NULL;
        }
        tn->trained = true;
    } else {
        params_set_frozen(&net->params, true);
    }
    tr->n_nets++;
    return net;
}

static trainer_network *find_trained(trainer *tr, const char *name) {
    for (int i = 0; i < tr->n_nets; i++)
        if (strcmp(tr->nets[i].net->name, name) == 0) return &tr->nets[i];
    return NULL;
}

network *trainer_network_named(trainer *tr, const char *name) {
    trainer_network *tn = find_trained(tr, name);
    if (!tn) GANC_ERR(GANC_ERR_ARG, "trainer: no network named %s", name);
    return tn ? tn->net : NULL;
}

image_pool *trainer_add_pool(trainer *tr, const char *name, int capacity) {
    if (tr->n_pools == TRAINER_MAX_POOLS) {
        GANC_ERR(GANC_ERR_ARG, "trainer: more than %d image pools", TRAINER_MAX_POOLS);
        return NULL;
    }
    image_pool *p = &tr->pools[tr->n_pools];
    if (image_pool_init(p, name, capacity, tr->seed + 7919u * (uint64_t)(tr->n_pools + 1))) return NULL;
    tr->n_pools++;
    return p;
}

ganc_status trainer_add_loss_terms(trainer *tr) {
    const char *sections[TRAINER_MAX_TERMS + 1];
    int n = config_sections_with_prefix(tr->cfg, "loss.", sections, TRAINER_MAX_TERMS + 1);
    if (n > TRAINER_MAX_TERMS) return GANC_ERR(GANC_ERR_ARG, "config: more than %d [loss.*] sections", TRAINER_MAX_TERMS);
    for (int i = 0; i < n; i++) {
        ganc_status st = loss_term_from_config(tr->cfg, sections[i], &tr->terms[tr->n_terms]);
        if (st) return st;
        tr->n_terms++;
    }
    return GANC_OK;
}

ganc_status trainer_metric(trainer *tr, const char *name, const tensor *value) {
    if (!value) return ganc_error_status();
    real host;
    tr->t->be->download(&host, value->data, sizeof host);
    /* A failed kernel upstream would leave a meaningless value: report the failure instead. */
    ganc_status st = tr->t->be->sync();
    if (st) return st;
    double v = (double)host;
    if (!isfinite(v))
        return GANC_ERR(GANC_ERR_STATE, "loss %s is %g at step %ld: stopping; the last checkpoint stays as it was",
                        name, v, tr->step + 1);
    int i = 0;
    while (i < tr->n_metrics && strcmp(tr->metric_names[i], name) != 0) i++;
    if (i == TRAINER_MAX_METRICS) return GANC_ERR(GANC_ERR_ARG, "trainer: more than %d metrics", TRAINER_MAX_METRICS);
    if (i == tr->n_metrics) {
        tr->metric_names[i] = name;
        tr->metric_sums[i] = 0;
        for (int k = 0; k < tr->n_resumed_metrics; k++)
            if (strcmp(tr->resumed_metric_names[k], name) == 0) tr->metric_sums[i] = tr->resumed_metric_sums[k];
        tr->n_metrics++;
    }
    tr->metric_values[i] = v;
    tr->metric_sums[i] += v;
    return GANC_OK;
}

tensor *trainer_loss_terms(trainer *tr, const loss_inputs *in) {
    tensor *total = NULL;
    for (int i = 0; i < tr->n_terms; i++) {
        loss_term *term = &tr->terms[i];
        if (term->weight == 0) continue;
        tensor *value = term->compute(term, in);
        if (trainer_metric(tr, term->name, value)) return NULL;
        tensor *weighted = op_mul_scalar(in->t, value, (real)term->weight);
        total = total ? op_add(in->t, total, weighted) : weighted;
        if (!total) return NULL;
    }
    return total;
}

tensor *trainer_batch_tensor(trainer *tr, const batch *b, const real *values, const char *name) {
    return tape_from_host(tr->t, 4, (int[]){b->n, 3, b->side, b->side}, values, name);
}

double trainer_progress(const trainer *tr) {
    return tr->total_steps > 1 ? (double)tr->step / (double)(tr->total_steps - 1) : 1.0;
}

double trainer_lr(const trainer *tr, const trainer_network *tn) {
    long epoch = tr->batches_per_epoch > 0 ? tr->step / tr->batches_per_epoch : 0;
    return optimizer_lr(&tn->opt, tr->step, epoch);
}

ganc_status trainer_update(trainer *tr, tensor *loss, const char *const *nets, int n_nets) {
    trainer_network *tns[TRAINER_MAX_NETWORKS];
    for (int i = 0; i < n_nets; i++) {
        tns[i] = find_trained(tr, nets[i]);
        if (!tns[i] || !tns[i]->trained)
            return GANC_ERR(GANC_ERR_ARG, "trainer: %s is not a trained network", nets[i]);
        params_zero_grad(&tns[i]->net->params);
    }
    /* Networks outside this update get no gradient from this pass (PyTorch's set_requires_grad(False)). */
    for (int i = 0; i < tr->n_nets; i++) {
        bool updated = false;
        for (int k = 0; k < n_nets; k++) updated |= tns[k] == &tr->nets[i];
        if (!updated) params_set_frozen(&tr->nets[i].net->params, true);
    }
    ganc_status st = tape_backward(tr->t, loss, NULL);
    for (int i = 0; i < tr->n_nets; i++)
        if (tr->nets[i].trained) params_set_frozen(&tr->nets[i].net->params, false);
    for (int i = 0; !st && i < n_nets; i++) st = optimizer_step(&tns[i]->opt, &tns[i]->net->params, trainer_lr(tr, tns[i]));
    return st;
}

/* Parameters and buffers of `ps` (named "NAME.rest") from the tensors
 * "SOURCE.rest" of `ck`. */
static ganc_status load_renamed(checkpoint *ck, const param_set *ps, const char *name, const char *source) {
    size_t prefix = strlen(name);
    for (size_t i = 0; i < ps->count; i++) {
        const param_entry *e = &ps->entries[i];
        char file_name[sizeof e->name + 64];
        snprintf(file_name, sizeof file_name, "%s%s", source, e->name + prefix);
        ganc_status st = checkpoint_get(ck, file_name, e->t->ndim, e->t->shape, e->t->data, e->name);
        if (st) return st;
    }
    return GANC_OK;
}

ganc_status trainer_add_frozen_networks(trainer *tr, bool load_weights) {
    const char *sections[TRAINER_MAX_NETWORKS + 1];
    int n = config_sections_with_prefix(tr->cfg, "frozen.", sections, TRAINER_MAX_NETWORKS + 1);
    if (n > TRAINER_MAX_NETWORKS) return GANC_ERR(GANC_ERR_ARG, "config: more than %d [frozen.*] sections", TRAINER_MAX_NETWORKS);
    for (int i = 0; i < n; i++) {
        const char *name = sections[i] + strlen("frozen."), *path, *source;
        ganc_status st = config_string(tr->cfg, sections[i], "checkpoint", NULL, &path);
        if (!st) st = config_string(tr->cfg, sections[i], "source", name, &source);
        if (st) return st;
        network *net = trainer_add_network(tr, sections[i], name, NULL);
        if (!net) return ganc_error_status();
        if (!load_weights) continue; /* a training checkpoint carries them */
        checkpoint *ck;
        if ((st = checkpoint_read(path, CHECKPOINT_ALLOW_NO_CRC, &ck))) return st;
        st = load_renamed(ck, &net->params, name, source);
        if (!st) st = load_renamed(ck, &net->buffers, name, source);
        checkpoint_free(ck);
        if (st) {
            char why[768];
            snprintf(why, sizeof why, "%s", ganc_error_message());
            return GANC_ERR(st, "[%s] checkpoint = %s: %s", sections[i], path, why);
        }
        network_set_training(net, false);
    }
    return GANC_OK;
}
