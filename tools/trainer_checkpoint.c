/* The trainer's full state in one checkpoint, and back: every network's
 * weights, buffers and dropout RNG, the optimizers' moments, the image
 * pools, the trainer's RNG, the step and the resolved config. The data
 * order and the lr schedule are functions of (seed, step), so nothing else
 * is needed for an exact resume. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/trainer.h"

#include <omp.h>

#include "core/cpu/conv_packed.h"

#define CHECKPOINT_FORMAT "ganc-train-1"

static void net_rng_name(const network *net, char *buf, size_t size) { snprintf(buf, size, "net.%s", net->name); }

/* The open log interval as text: "steps N", then "name<TAB>sum" per metric,
 * the sums with 17 digits so that they read back to the same doubles. */
static char *metrics_open_text(const trainer *tr) {
    size_t cap = 32 + (size_t)tr->n_metrics * 96;
    char *text = malloc(cap);
    if (!text) {
        GANC_ERR(GANC_ERR_MEMORY, "checkpoint: out of memory");
        return NULL;
    }
    size_t used = (size_t)snprintf(text, cap, "steps %ld\n", tr->metric_steps);
    for (int i = 0; i < tr->n_metrics; i++)
        used += (size_t)snprintf(text + used, cap - used, "%.47s\t%.17g\n", tr->metric_names[i], tr->metric_sums[i]);
    return text;
}

static ganc_status metrics_open_load(trainer *tr, const char *text, const char *origin) {
    int consumed = 0;
    if (sscanf(text, "steps %ld\n%n", &tr->metric_steps, &consumed) != 1 || tr->metric_steps < 0)
        return GANC_ERR(GANC_ERR_FORMAT, "checkpoint %s: metadata metrics_open does not start with \"steps N\"", origin);
    tr->n_resumed_metrics = 0;
    for (const char *p = text + consumed; *p;) {
        if (tr->n_resumed_metrics == TRAINER_MAX_METRICS)
            return GANC_ERR(GANC_ERR_FORMAT, "checkpoint %s: metrics_open has more than %d metrics", origin,
                            TRAINER_MAX_METRICS);
        int k = tr->n_resumed_metrics;
        if (sscanf(p, "%47[^\t\n]\t%lf\n%n", tr->resumed_metric_names[k], &tr->resumed_metric_sums[k], &consumed) != 2)
            return GANC_ERR(GANC_ERR_FORMAT, "checkpoint %s: metrics_open line \"%.40s\" is not \"name<TAB>sum\"",
                            origin, p);
        tr->n_resumed_metrics++;
        p += consumed;
    }
    return GANC_OK;
}

ganc_status trainer_save(trainer *tr) {
    char path[1100], rng_name[64];
    snprintf(path, sizeof path, "%s/checkpoints", tr->out_dir);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return GANC_ERR(GANC_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    checkpoint *ck = checkpoint_new();
    if (!ck) return ganc_error_status();
    char *config_text = config_resolved_text(tr->cfg);
    ganc_status st = config_text ? GANC_OK : ganc_error_status();
    for (int i = 0; !st && i < tr->n_nets; i++) {
        trainer_network *tn = &tr->nets[i];
        net_rng_name(tn->net, rng_name, sizeof rng_name);
        st = checkpoint_put_params(ck, &tn->net->params);
        if (!st && tn->net->buffers.count) st = checkpoint_put_params(ck, &tn->net->buffers);
        if (!st) st = checkpoint_put_rng(ck, rng_name, &tn->net->rng);
        if (!st && tn->trained) st = optimizer_save(&tn->opt, &tn->net->params, ck);
    }
    for (int i = 0; !st && i < tr->n_pools; i++) st = image_pool_save(&tr->pools[i], ck);
    if (!st) st = checkpoint_put_rng(ck, "trainer", &tr->rng);
    if (!st && tr->recipe->save) st = tr->recipe->save(tr, ck);
    if (!st) st = checkpoint_set_meta(ck, "format", CHECKPOINT_FORMAT);
    if (!st) st = checkpoint_set_meta(ck, "recipe", tr->recipe->name);
    if (!st) st = checkpoint_set_meta_u64(ck, "step", (uint64_t)tr->step);
    if (!st) st = checkpoint_set_meta(ck, "config", config_text);
    if (!st) st = checkpoint_set_meta(ck, "cpu_arithmetic", trainer_cpu_arithmetic());
    char *metrics_text = st ? NULL : metrics_open_text(tr);
    if (!st && !metrics_text) st = ganc_error_status();
    if (!st) st = checkpoint_set_meta(ck, "metrics_open", metrics_text);
    free(metrics_text);
    snprintf(path, sizeof path, "%s/checkpoints/latest.safetensors", tr->out_dir);
    if (!st) st = checkpoint_write(ck, path);
    free(config_text);
    checkpoint_free(ck);
    return st;
}

ganc_status trainer_remove_stale_temporaries(const trainer *tr) {
    char dir[1100], path[1400];
    snprintf(dir, sizeof dir, "%s/checkpoints", tr->out_dir);
    DIR *d = opendir(dir);
    if (!d) return errno == ENOENT ? GANC_OK : GANC_ERR(GANC_ERR_IO, "cannot read %s: %s", dir, strerror(errno));
    static const char prefix[] = "latest.safetensors.tmp.";
    ganc_status st = GANC_OK;
    for (struct dirent *e; !st && (e = readdir(d));) {
        if (strncmp(e->d_name, prefix, sizeof prefix - 1) != 0) continue;
        char *end;
        long pid = strtol(e->d_name + sizeof prefix - 1, &end, 10);
        if (*end || pid <= 0) continue;
        /* A live process other than this one may be writing it: leave it alone. */
        if (pid != (long)getpid() && !(kill((pid_t)pid, 0) != 0 && errno == ESRCH)) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0) st = GANC_ERR(GANC_ERR_IO, "cannot remove the stale %s: %s", path, strerror(errno));
        else printf("removed %s (left by a run killed while writing a checkpoint)\n", path);
    }
    closedir(d);
    return st;
}

/* What decides the summation order of the CPU kernels: the im2col + BLAS
 * path splits its work by thread, so there a resume on another thread count
 * does not continue bit for bit (the packed path and the CUDA backend do not
 * depend on it). */
const char *trainer_cpu_arithmetic(void) {
    static char text[64];
    if (conv_packed_enabled()) return "packed";
    snprintf(text, sizeof text, "blas, %d thread(s)", omp_get_max_threads());
    return text;
}

void trainer_warn_arithmetic_change(const checkpoint *ck) {
    const char *then = checkpoint_meta(ck, "cpu_arithmetic"), *now = trainer_cpu_arithmetic();
    if (then && strcmp(then, now) != 0)
        fprintf(stderr,
                "ganc train: warning: %s was written with CPU convolutions \"%s\", this run has \"%s\": the "
                "continuation is not bit for bit the run that was stopped (the results are as good; set "
                "OMP_NUM_THREADS or GANC_CPU_CONV as before for an exact resume)\n",
                checkpoint_origin(ck), then, now);
}

ganc_status trainer_check_recipe(const trainer *tr, const checkpoint *ck) {
    const char *recipe_name = checkpoint_meta(ck, "recipe");
    if (!recipe_name || strcmp(recipe_name, tr->recipe->name) != 0)
        return GANC_ERR(GANC_ERR_FORMAT, "checkpoint %s was written by recipe \"%s\", this run is \"%s\"",
                        checkpoint_origin(ck), recipe_name ? recipe_name : "(none)", tr->recipe->name);
    return GANC_OK;
}

/* Weights (and, for a training resume, the full state) from `ck`. */
ganc_status trainer_load_state(trainer *tr, checkpoint *ck, bool full) {
    char rng_name[64];
    uint64_t step = 0;
    ganc_status st = trainer_check_recipe(tr, ck);
    if (!st) st = checkpoint_meta_u64(ck, "step", &step);
    for (int i = 0; !st && i < tr->n_nets; i++) {
        trainer_network *tn = &tr->nets[i];
        st = checkpoint_get_params(ck, &tn->net->params);
        if (!st && tn->net->buffers.count) st = checkpoint_get_params(ck, &tn->net->buffers);
        if (!full) continue;
        net_rng_name(tn->net, rng_name, sizeof rng_name);
        if (!st) st = checkpoint_get_rng(ck, rng_name, &tn->net->rng);
        if (!st && tn->trained) st = optimizer_load(&tn->opt, &tn->net->params, ck);
    }
    if (!full) return st;
    for (int i = 0; !st && i < tr->n_pools; i++) st = image_pool_load(&tr->pools[i], ck);
    if (!st) st = checkpoint_get_rng(ck, "trainer", &tr->rng);
    if (!st && tr->recipe->load) st = tr->recipe->load(tr, ck);
    /* Checkpoints from before the open interval was kept start the interval afresh. */
    const char *metrics_text = checkpoint_meta(ck, "metrics_open");
    if (!st && metrics_text) st = metrics_open_load(tr, metrics_text, checkpoint_origin(ck));
    if (!st) st = checkpoint_check_all_used(ck);
    if (!st) tr->step = (long)step;
    return st;
}
