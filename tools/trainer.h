#ifndef GANC_TOOLS_TRAINER_H
#define GANC_TOOLS_TRAINER_H

/* The training loop shared by every experiment: config, data, networks
 * with their optimizers, loss terms, logging, samples, checkpoints and
 * exact resume. What one step computes is the recipe's business
 * (experiments/recipe.h). */

#include <signal.h>
#include <stdio.h>

#include "core/checkpoint.h"
#include "core/config.h"
#include "data/metrics_csv.h"
#include "data/prefetch.h"
#include "data/tensorboard.h"
#include "experiments/recipe.h"
#include "losses/loss.h"
#include "optim/image_pool.h"
#include "tools/run_lock.h"
#include "optim/optimizer.h"
#include "tools/progress.h"

#define TRAINER_MAX_NETWORKS 8
#define TRAINER_MAX_TERMS 16
#define TRAINER_MAX_POOLS 4
#define TRAINER_MAX_METRICS 32

typedef struct {
    network *net;
    optimizer opt;
    bool trained; /* false: frozen, loaded from a checkpoint, no optimizer */
} trainer_network;

typedef struct trainer {
    config *cfg;
    const recipe *recipe;
    void *recipe_state; /* malloc'd by the recipe's setup, freed by trainer_close */
    char out_dir[1024];
    run_lock lock; /* held on out_dir for the whole run */
    tape *t;
    uint64_t seed;
    rng rng; /* the recipe's own draws; checkpointed */

    /* data */
    dataset *data;
    prefetch *loader;
    int batch_size;
    long batches_per_epoch;

    /* progress: step counts finished steps; total from [train] */
    long step, total_steps;
    long saved_step; /* step of the checkpoint on disk; -1 while there is none */
    int log_every, sample_every, checkpoint_every;

    trainer_network nets[TRAINER_MAX_NETWORKS];
    int n_nets;
    loss_term terms[TRAINER_MAX_TERMS];
    int n_terms;
    image_pool pools[TRAINER_MAX_POOLS];
    int n_pools;

    /* metrics in the order first reported: the latest step's values (for
     * benchmarks), sums over the open log interval (metric_steps steps) and
     * their means up to the latest step, which the progress line, the CSV
     * and TensorBoard show (less noisy than one step); the means are over
     * steps means_from to step */
    int n_metrics;
    const char *metric_names[TRAINER_MAX_METRICS];
    double metric_values[TRAINER_MAX_METRICS];
    double metric_sums[TRAINER_MAX_METRICS];
    long metric_steps;
    double metric_means[TRAINER_MAX_METRICS];
    long means_from;
    bool means_logged; /* those means are metrics.csv's last row */
    /* The open log interval of the checkpoint resumed from, by name: a metric
     * first recorded after the resume starts from its sum, so the first row
     * after a resume equals an uninterrupted run's. */
    char resumed_metric_names[TRAINER_MAX_METRICS][48];
    double resumed_metric_sums[TRAINER_MAX_METRICS];
    int n_resumed_metrics;

    metrics_csv *csv;
    tb_writer *tb;
    progress bar;
    volatile sig_atomic_t *stop_requested;
    /* Set by a recipe's step to end the run after it (early stopping): why. */
    char finished[160];
} trainer;

/* For recipes: */
/* Builds network `name` from config section `section`; with optim_section
 * it is trained by an optimizer from that section. */
network *trainer_add_network(trainer *tr, const char *section, const char *name, const char *optim_section);
network *trainer_network_named(trainer *tr, const char *name);
image_pool *trainer_add_pool(trainer *tr, const char *name, int capacity);
/* Frozen networks from [frozen.NAME] sections: the architecture keys of
 * the network, `checkpoint = FILE` and `source = NAME in FILE` (default
 * NAME). They run in eval mode and get no gradient, but pass gradients to
 * their inputs (attribute regressors, face-ID nets). Called by the trainer
 * after the recipe's setup; load_weights false when a training checkpoint
 * will supply them. */
ganc_status trainer_add_frozen_networks(trainer *tr, bool load_weights);
/* Builds a loss term for every [loss.*] section. */
ganc_status trainer_add_loss_terms(trainer *tr);
/* Sum of weight * value of every term on `in`, each logged as a metric. */
tensor *trainer_loss_terms(trainer *tr, const loss_inputs *in);
/* Records a scalar for the logs; a NaN or Inf stops the run with the name. */
ganc_status trainer_metric(trainer *tr, const char *name, const tensor *value /* (1) */);
/* Zero-grad, backward, optimizer step of the named trained networks. */
ganc_status trainer_update(trainer *tr, tensor *loss, const char *const *nets, int n_nets);
double trainer_lr(const trainer *tr, const trainer_network *tn);
double trainer_progress(const trainer *tr);
/* A batch's A or B images as a (N,3,S,S) tensor of the step. */
tensor *trainer_batch_tensor(trainer *tr, const batch *b, const real *values, const char *name);

/* For the commands: */
typedef struct {
    const char *config_path;
    const char *const *overrides; /* "section.key=value" */
    int n_overrides;
    bool resume;
    /* Config keys ("optim.lr") or sections ("loss.edge") --resume may change. */
    const char *const *allowed_changes;
    int n_allowed_changes;
    const char *device;
    bool skip_bad_images;
} trainer_options;

ganc_status trainer_open(trainer *tr, const trainer_options *o, volatile sig_atomic_t *stop_requested);
/* Runs to total_steps or until *stop_requested; saves on the way out. */
ganc_status trainer_run(trainer *tr);
void trainer_close(trainer *tr);
/* Moves every network (and its optimizer) from the CPU, where they are
 * built, to the tape's device; a no-op on the CPU. */
ganc_status trainer_move_to_device(trainer *tr);
/* Writes the full state to DIR/checkpoints/latest.safetensors. */
ganc_status trainer_save(trainer *tr);
/* Deletes OUT/checkpoints/latest.safetensors.tmp.<pid> files left by runs
 * killed inside a checkpoint write (their pid no longer exists), and says
 * so on stdout. */
ganc_status trainer_remove_stale_temporaries(const trainer *tr);

/* "packed, 2 threads": the CPU convolution path and thread count, stored in
 * checkpoints; a resume that differs gets a warning (not bit-exact). */
const char *trainer_cpu_arithmetic(void);
void trainer_warn_arithmetic_change(const checkpoint *ck);
/* GANC_ERR_FORMAT when `ck` was written by another recipe than this run's. */
ganc_status trainer_check_recipe(const trainer *tr, const checkpoint *ck);
/* Restores weights from `ck`; with `full`, also optimizers, pools, RNGs
 * and the step, and requires every entry of the file to be used. */
ganc_status trainer_load_state(trainer *tr, checkpoint *ck, bool full);

/* For translate and info: networks of a checkpoint, rebuilt from the
 * config it carries, weights loaded, in eval mode, no data. */
ganc_status trainer_open_checkpoint(trainer *tr, const char *checkpoint_path);

#endif
