/* The training loop: opening a run (config, device, data, recipe,
 * logging, resume) and stepping it to the end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tools/trainer.h"
#include "tools/trainer_resume.h"

#include "core/cuda/cuda_backend.h"
#include "core/ops/spatial.h"
#include "data/image_grid.h"

#define SAMPLE_MIN_SIDE 96

static ganc_status make_dirs(const char *path) {
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        bool end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return GANC_ERR(GANC_ERR_IO, "cannot create output directory %s: %s", buf, strerror(errno));
            if (end) break;
            *p = '/';
        }
    }
    return GANC_OK;
}

static ganc_status read_config(trainer *tr, const trainer_options *o) {
    tr->cfg = config_new();
    if (!tr->cfg) return ganc_error_status();
    ganc_status st = config_load_file(tr->cfg, o->config_path);
    for (int i = 0; !st && i < o->n_overrides; i++) st = config_set(tr->cfg, o->overrides[i]);
    if (!st && o->skip_bad_images) st = config_set(tr->cfg, "data.skip_bad_images=true");
    return st;
}

static ganc_status read_experiment(trainer *tr) {
    const char *name;
    ganc_status st = config_string(tr->cfg, "experiment", "recipe", NULL, &name);
    if (st) return st;
    tr->recipe = recipe_find(name);
    if (!tr->recipe)
        return GANC_ERR(GANC_ERR_ARG, "[experiment] recipe = \"%s\": expected one of %s", name, recipe_names());
    return GANC_OK;
}

/* [train] keys; total steps from `steps` or from `epochs` and the data size. */
static ganc_status read_train_keys(trainer *tr, long *steps, long *epochs, const char **out, const char **device_text) {
    long seed = 0, batch_size = 0, log_every = 0, sample_every = 0, ck_every = 0;
    ganc_status st = config_int(tr->cfg, "train", "seed", 1, 0, 1L << 40, &seed);
    if (!st) st = config_int(tr->cfg, "train", "batch_size", 1, 1, 1024, &batch_size);
    if (!st) st = config_int(tr->cfg, "train", "steps", 0, 0, 1L << 40, steps);
    if (!st) st = config_int(tr->cfg, "train", "epochs", 1, 1, 1000000, epochs);
    if (!st) st = config_int(tr->cfg, "train", "log_every", 50, 1, 1L << 30, &log_every);
    if (!st) st = config_int(tr->cfg, "train", "sample_every", 500, 0, 1L << 30, &sample_every);
    if (!st) st = config_int(tr->cfg, "train", "checkpoint_every", 1000, 0, 1L << 30, &ck_every);
    if (!st) st = config_string(tr->cfg, "train", "out", NULL, out);
    if (!st) st = config_string(tr->cfg, "train", "device", "cpu", device_text);
    tr->seed = (uint64_t)seed;
    tr->batch_size = (int)batch_size;
    tr->log_every = (int)log_every;
    tr->sample_every = (int)sample_every;
    tr->checkpoint_every = (int)ck_every;
    return st;
}

static bool file_exists(const char *path) {
    struct stat s;
    return stat(path, &s) == 0;
}

static ganc_status resume_or_start(trainer *tr, const trainer_options *o) {
    bool resume = o->resume;
    char path[1100];
    snprintf(path, sizeof path, "%s/checkpoints/latest.safetensors", tr->out_dir);
    if (!resume) {
        if (file_exists(path))
            return GANC_ERR(GANC_ERR_ARG, "%s exists: pass --resume to continue that run, or set [train] out to a "
                            "new directory", path);
        return GANC_OK;
    }
    if (!file_exists(path)) return GANC_ERR(GANC_ERR_IO, "--resume: no checkpoint at %s", path);
    checkpoint *ck;
    ganc_status st = checkpoint_read(path, 0, &ck);
    if (st) return st;
    const char *stored_config = checkpoint_meta(ck, "config");
    st = trainer_check_recipe(tr, ck);
    if (!st && !stored_config) st = GANC_ERR(GANC_ERR_FORMAT, "%s has no config: not written by ganc train", path);
    if (!st) st = trainer_check_resume_config(tr->cfg, stored_config, path, o->allowed_changes, o->n_allowed_changes);
    if (!st) st = trainer_load_state(tr, ck, true);
    if (!st && tr->t->dev.kind == DEVICE_CPU) trainer_warn_arithmetic_change(ck);
    checkpoint_free(ck);
    if (!st) tr->saved_step = tr->step;
    return st;
}

static ganc_status open_logs(trainer *tr, bool resumed) {
    char path[1100];
    /* Rows up to the last closed interval stay; a partial last row is logged again in full (log_step).
     * That interval is the checkpoint's (its open steps), not this run's log_every, which may differ. */
    long keep = resumed ? tr->step - tr->metric_steps : -1;
    snprintf(path, sizeof path, "%s/metrics.csv", tr->out_dir);
    tr->csv = metrics_csv_open(path, keep);
    snprintf(path, sizeof path, "%s/tensorboard", tr->out_dir);
    if (tr->csv) tr->tb = tb_writer_open(path, keep);
    if (!tr->csv || !tr->tb) return ganc_error_status();
    progress_init(&tr->bar, stderr, tr->log_every);
    snprintf(path, sizeof path, "%s/config.ini", tr->out_dir);
    char *text = config_resolved_text(tr->cfg);
    FILE *f = text ? fopen(path, "w") : NULL;
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    if (text) printf("resolved config (also in %s):\n%s\n", path, text);
    free(text);
    return f ? GANC_OK : GANC_ERR(GANC_ERR_IO, "cannot write %s", path);
}

/* Full layer tables go to OUT/networks.txt; the terminal gets one line per network. */
static ganc_status write_summaries(trainer *tr) {
    char path[1100];
    snprintf(path, sizeof path, "%s/networks.txt", tr->out_dir);
    FILE *f = fopen(path, "w");
    if (!f) return GANC_ERR(GANC_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    for (int i = 0; i < tr->n_nets; i++) {
        network *net = tr->nets[i].net;
        int shape[4] = {1, 3, dataset_side(tr->data), dataset_side(tr->data)};
        if (tr->recipe->input_shape) tr->recipe->input_shape(tr, net, shape);
        network_print_summary(net, shape, f);
        printf("network %-6s %-18s %10zu parameters%s\n", net->name, net->arch, net->params.numel,
               tr->nets[i].trained ? "" : " (frozen)");
    }
    fclose(f);
    printf("layer tables: %s\n", path);
    return GANC_OK;
}

/* Networks and optimizers are built (and resumed) on the CPU, then move to
 * the run's device in one go. */
ganc_status trainer_move_to_device(trainer *tr) {
    device dev = tr->t->dev;
    if (dev.kind == DEVICE_CPU) return GANC_OK;
    ganc_status st = GANC_OK;
    for (int i = 0; !st && i < tr->n_nets; i++) {
        trainer_network *tn = &tr->nets[i];
        st = params_to_device(&tn->net->params, dev);
        if (!st) st = params_to_device(&tn->net->buffers, dev);
        if (!st && tn->trained) st = optimizer_to_device(&tn->opt, dev);
    }
    if (st) return st;
    char name[16], about[256];
    if (cuda_device_describe(dev.index, about, sizeof about, NULL, NULL) == GANC_OK)
        printf("device %s: %s\n", device_name(dev, name, sizeof name), about);
    else
        ganc_error_clear(); /* the description is a courtesy; the run goes on without it */
    return GANC_OK;
}

ganc_status trainer_open(trainer *tr, const trainer_options *o, volatile sig_atomic_t *stop_requested) {
    memset(tr, 0, sizeof *tr);
    tr->stop_requested = stop_requested;
    tr->saved_step = -1;
    long steps, epochs;
    const char *out, *device_text;
    ganc_status st = read_config(tr, o);
    if (!st) st = read_experiment(tr);
    if (!st) st = read_train_keys(tr, &steps, &epochs, &out, &device_text);
    if (st) return st;
    snprintf(tr->out_dir, sizeof tr->out_dir, "%s", out);
    device dev;
    char note[320];
    st = device_resolve(o->device ? o->device : device_text, &dev, note, sizeof note);
    if (st) return st;
    if (note[0]) fprintf(stderr, "ganc: %s\n", note);
    if (!(tr->t = tape_new(dev))) return ganc_error_status();
    rng_init(&tr->rng, tr->seed ^ 0x9e3779b97f4a7c15ull);
    if ((st = dataset_open(tr->cfg, "data", tr->seed, stderr, &tr->data))) return st;
    tr->batches_per_epoch = dataset_size(tr->data) / tr->batch_size;
    if (tr->batches_per_epoch < 1)
        return GANC_ERR(GANC_ERR_ARG, "[train] batch_size %d is larger than the dataset (%ld images)", tr->batch_size,
                        dataset_size(tr->data));
    tr->total_steps = steps > 0 ? steps : epochs * tr->batches_per_epoch;
    if ((st = tr->recipe->setup(tr))) return st;
    if ((st = trainer_add_frozen_networks(tr, true))) return st;
    if ((st = config_check_unused(tr->cfg))) return st;
    if ((st = make_dirs(tr->out_dir))) return st;
    if ((st = run_lock_take(tr->out_dir, &tr->lock))) return st;
    if ((st = trainer_remove_stale_temporaries(tr))) return st;
    if ((st = resume_or_start(tr, o))) return st;
    if ((st = trainer_move_to_device(tr))) return st;
    if ((st = open_logs(tr, o->resume))) return st;
    tr->loader = prefetch_new(tr->data, tr->batch_size, true, tr->step, 2);
    if (!tr->loader) return ganc_error_status();
    if ((st = write_summaries(tr))) return st;
    printf("%s: %ld steps (%ld per epoch), batch %d, %s, output %s%s\n", tr->recipe->name, tr->total_steps,
           tr->batches_per_epoch, tr->batch_size, dev.kind == DEVICE_CPU ? "cpu" : "cuda", tr->out_dir,
           o->resume ? " (resumed)" : "");
    if (o->resume) printf("resumed at step %ld\n", tr->step);
    printf("losses in the progress lines are means over the steps since the last log step (log_every = %d), "
           "as in metrics.csv\n",
           tr->log_every);
    return GANC_OK;
}

static ganc_status write_samples(trainer *tr, const batch *b) {
    tensor *rows[12];
    int n_rows = 0;
    tape_reset(tr->t);
    tape_no_grad_begin(tr->t);
    ganc_status st = tr->recipe->samples(tr, b, rows, &n_rows);
    /* Small images are enlarged (nearest) so a grid of 32x32 faces is readable. */
    int zoom = rows[0] && rows[0]->shape[2] < SAMPLE_MIN_SIDE ? SAMPLE_MIN_SIDE / rows[0]->shape[2] : 1;
    for (int i = 0; !st && zoom > 1 && i < n_rows; i++)
        if (!(rows[i] = op_upsample_nearest(tr->t, rows[i], rows[i]->shape[2] * zoom, rows[i]->shape[3] * zoom)))
            st = ganc_error_status();
    tape_no_grad_end(tr->t);
    if (st) return st;
    char path[1100];
    snprintf(path, sizeof path, "%s/samples", tr->out_dir);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) return GANC_ERR(GANC_ERR_IO, "cannot create %s", path);
    snprintf(path, sizeof path, "%s/samples/step_%08ld.png", tr->out_dir, tr->step);
    return image_grid_write_tensors(path, (const tensor *const *)rows, n_rows, 4);
}

/* The progress line, metrics.csv and TensorBoard all show the mean of each
 * metric over the open log interval (one step is too noisy to read). A run
 * that ends between two log steps writes a last, partial row but leaves
 * its interval open (and so in the checkpoint): a resumed run drops that
 * row (open_logs) and ends the interval as an uninterrupted run does. */
static ganc_status log_step(trainer *tr) {
    tr->metric_steps++;
    for (int i = 0; i < tr->n_metrics; i++) tr->metric_means[i] = tr->metric_sums[i] / (double)tr->metric_steps;
    tr->means_from = tr->step - tr->metric_steps + 1;
    long bpe = tr->batches_per_epoch;
    progress_set_epoch(&tr->bar, (tr->step - 1) / bpe + 1, (tr->total_steps + bpe - 1) / bpe);
    if (tr->finished[0]) progress_log_next(&tr->bar); /* the log gets the last row too */
    progress_update(&tr->bar, tr->step, tr->total_steps, tr->metric_names, tr->metric_means, tr->n_metrics);
    bool interval_ends = tr->step % tr->log_every == 0;
    tr->means_logged = interval_ends || tr->step == tr->total_steps || tr->finished[0];
    if (!tr->means_logged) return GANC_OK;
    if (interval_ends) {
        for (int i = 0; i < tr->n_metrics; i++) tr->metric_sums[i] = 0;
        tr->metric_steps = 0;
    }
    ganc_status st =
        metrics_csv_append(tr->csv, tr->step, (double)time(NULL), tr->metric_names, tr->metric_means, tr->n_metrics);
    if (!st) st = tb_add_scalars(tr->tb, tr->step, tr->metric_names, tr->metric_means, tr->n_metrics);
    if (!st) st = metrics_csv_flush(tr->csv);
    if (!st) st = tb_flush(tr->tb);
    return st;
}

/* "0.0002", or "0.0002/0.0001" when the trained networks differ: the rates
 * of the step about to run. */
static void show_lr(trainer *tr) {
    char text[sizeof tr->bar.lr] = "";
    double shown[TRAINER_MAX_NETWORKS];
    int n_shown = 0;
    size_t used = 0;
    for (int i = 0; i < tr->n_nets; i++) {
        if (!tr->nets[i].trained) continue;
        double lr = trainer_lr(tr, &tr->nets[i]);
        bool seen = false;
        for (int k = 0; k < n_shown; k++) seen |= shown[k] == lr;
        if (seen || used + 1 >= sizeof text) continue;
        shown[n_shown++] = lr;
        int n = snprintf(text + used, sizeof text - used, "%s%.3g", used ? "/" : "", lr);
        if (n > 0) used = used + (size_t)n < sizeof text ? used + (size_t)n : sizeof text - 1;
    }
    progress_set_lr(&tr->bar, text);
}

static double monotonic_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The end of a run that did not fail: what it did, how fast, where the losses stood. */
static void print_summary(const trainer *tr, long steps, double seconds) {
    long whole = (long)(seconds + 0.5);
    printf("summary: %ld step%s in %.*f s", steps, steps == 1 ? "" : "s", seconds < 10 ? 2 : 0, seconds);
    if (whole >= 3600) printf(" (%ldh%02ldm)", whole / 3600, whole / 60 % 60);
    else if (whole >= 60) printf(" (%ldm%02lds)", whole / 60, whole % 60);
    if (steps > 0 && seconds > 0) printf(" (%.3g steps/s)", (double)steps / seconds);
    printf("; %ld unreadable image%s skipped\n", dataset_bad_count(tr->data), dataset_bad_count(tr->data) == 1 ? "" : "s");
    if (steps == 0 || tr->n_metrics == 0) return;
    /* An interrupted run's open interval has no row yet: its checkpoint keeps it for the resumed run. */
    const char *where = tr->means_logged ? "as in metrics.csv" : "not in metrics.csv until resumed";
    if (tr->means_from == tr->step)
        printf("last losses (step %ld, %s):", tr->step, where);
    else
        printf("last losses (mean of steps %ld-%ld, %s):", tr->means_from, tr->step, where);
    for (int i = 0; i < tr->n_metrics; i++) printf(" %s %.4g", tr->metric_names[i], tr->metric_means[i]);
    printf("\n");
}

/* checkpoint_write is atomic, so a failed save (disk full, read-only
 * directory) leaves the previous checkpoint as it was: say which step it
 * holds, so the user knows what --resume will continue from. */
static ganc_status save(trainer *tr) {
    ganc_status st = trainer_save(tr);
    if (!st) {
        tr->saved_step = tr->step;
        return GANC_OK;
    }
    char cause[768];
    snprintf(cause, sizeof cause, "%s", ganc_error_message());
    if (tr->saved_step < 0)
        return GANC_ERR(st, "%s; training stopped at step %ld, before any checkpoint was written", cause, tr->step);
    return GANC_ERR(st, "%s; training stopped at step %ld, and the checkpoint of step %ld is unchanged", cause,
                    tr->step, tr->saved_step);
}

ganc_status trainer_run(trainer *tr) {
    ganc_status st = GANC_OK;
    double started = monotonic_seconds();
    long first_step = tr->step;
    bool interrupted = false;
    while (!st && tr->step < tr->total_steps) {
        if (*tr->stop_requested) {
            interrupted = true;
            break;
        }
        const batch *b;
        if ((st = prefetch_next(tr->loader, &b))) break;
        tape_reset(tr->t);
        show_lr(tr);
        if ((st = tr->recipe->train_step(tr, b))) break;
        if ((st = tr->t->be->sync())) break;
        tr->step++;
        st = log_step(tr);
        if (!st && tr->sample_every && tr->step % tr->sample_every == 0) st = write_samples(tr, b);
        if (!st && tr->checkpoint_every && tr->step % tr->checkpoint_every == 0) {
            st = save(tr);
            if (!st) progress_message(&tr->bar, "checkpoint saved at step %ld", tr->step);
        }
        if (!st && tr->finished[0]) {
            progress_message(&tr->bar, "stopping at step %ld: %s", tr->step, tr->finished);
            break;
        }
    }
    double seconds = monotonic_seconds() - started;
    if (!st) st = save(tr);
    if (!st && interrupted)
        progress_message(&tr->bar, "interrupted: checkpoint saved at step %ld (resume with --resume)", tr->step);
    progress_finish(&tr->bar);
    if (st) return st;
    if (!interrupted) printf("done: %ld steps; checkpoint %s/checkpoints/latest.safetensors\n", tr->step, tr->out_dir);
    print_summary(tr, tr->step - first_step, seconds);
    if (tr->t->dev.kind == DEVICE_CUDA) {
        cuda_memory_stats m = cuda_memory_stats_get();
        printf("GPU memory: peak %.1f MiB taken by ganc (step arena peak %.1f MiB); %zu cudaMalloc calls in all\n",
               m.peak_bytes / 1048576.0, tr->t->data.peak / 1048576.0, m.mallocs);
    }
    return GANC_OK;
}

void trainer_close(trainer *tr) {
    if (tr->recipe && tr->recipe->teardown) tr->recipe->teardown(tr);
    free(tr->recipe_state);
    prefetch_free(tr->loader);
    for (int i = 0; i < tr->n_terms; i++) loss_term_free(&tr->terms[i]);
    for (int i = 0; i < tr->n_pools; i++) image_pool_free(&tr->pools[i]);
    for (int i = 0; i < tr->n_nets; i++) {
        if (tr->nets[i].trained) optimizer_free(&tr->nets[i].opt);
        network_free(tr->nets[i].net);
    }
    metrics_csv_close(tr->csv);
    tb_close(tr->tb);
    dataset_free(tr->data);
    tape_free(tr->t);
    config_free(tr->cfg);
    run_lock_release(&tr->lock);
    memset(tr, 0, sizeof *tr);
}

ganc_status trainer_open_checkpoint(trainer *tr, const char *checkpoint_path) {
    memset(tr, 0, sizeof *tr);
    checkpoint *ck;
    ganc_status st = checkpoint_read(checkpoint_path, 0, &ck);
    if (st) return st;
    const char *text = checkpoint_meta(ck, "config");
    if (!text) st = GANC_ERR(GANC_ERR_FORMAT, "checkpoint %s has no config: not written by ganc train", checkpoint_path);
    if (!st && !(tr->cfg = config_new())) st = ganc_error_status();
    if (!st) st = config_parse_string(tr->cfg, text, checkpoint_path);
    long steps, epochs;
    const char *out, *device_text;
    if (!st) st = read_experiment(tr);
    if (!st) st = read_train_keys(tr, &steps, &epochs, &out, &device_text);
    if (!st && !(tr->t = tape_new(device_cpu()))) st = ganc_error_status();
    if (!st) st = tr->recipe->setup(tr);
    if (!st) st = trainer_add_frozen_networks(tr, false);
    if (!st) st = trainer_load_state(tr, ck, false);
    for (int i = 0; !st && i < tr->n_nets; i++) network_set_training(tr->nets[i].net, false);
    checkpoint_free(ck);
    return st;
}
