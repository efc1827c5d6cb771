/* ganc bench train / ganc bench infer: the time of one training step of a
 * recipe (the CycleGAN step by default), and of one generator forward pass.
 * The step is the recipe's own train_step on a trainer set up as
 * `ganc train` sets it up, minus the data loader: the batch is fixed
 * (random or read from --inputs), so what is timed is what users run. The
 * image pool is off (pool_size 0): a pool swaps images at random, which a
 * reference implementation could not reproduce. docs/bench.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <cblas.h>

#include "core/cpu/conv_packed.h"
#include "core/cuda/cuda_backend.h"
#include "tools/bench.h"
#include "tools/cli_args.h"
#include "tools/export.h"
#include "tools/trainer.h"

#define BENCH_MAX_ITERS 10000
#define BENCH_MAX_SETS 32

/* The paper's CycleGAN (experiments/cyclegan/cyclegan.ini) at the CPU
 * benchmark's size: ResNet-6 ngf 32 generators, 70x70 PatchGANs. */
static const char BENCH_CONFIG[] = "[experiment]\nrecipe = cyclegan\n"
                                   "[train]\nseed = 1\n"
                                   "[G]\narch = resnet_generator\nngf = 32\nn_blocks = 6\nnorm = instance\n"
                                   "[D]\narch = patchgan\nndf = 64\nn_layers = 3\nnorm = instance\n"
                                   "[optim]\nkind = adam\nlr = 0.0002\nbeta1 = 0.5\nbeta2 = 0.999\n"
                                   "[cyclegan]\ngan_mode = lsgan\npool_size = 0\n"
                                   "[loss.cycle]\nkind = cycle\nweight = 10\n"
                                   "[loss.identity]\nkind = identity\nweight = 5\n";

typedef struct {
    const char *config_path, *device, *init, *inputs, *dump_init;
    const char *sets[BENCH_MAX_SETS];
    int n_sets;
    int size, batch, iters, warmup;
    bool json, tf32;
} bench_opts;

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* User + system time of all the process's threads: under load from other
 * processes it tracks the work done better than the wall clock does. */
static double cpu_seconds(void) {
    struct rusage u;
    if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
    return (double)u.ru_utime.tv_sec + (double)u.ru_stime.tv_sec + 1e-6 * (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    double median, min, mean;
} time_summary;

static time_summary summarize(const double *times, int n) {
    double *v = malloc((size_t)n * sizeof *v);
    time_summary s = {0, times[0], 0};
    for (int i = 0; i < n; i++) {
        s.mean += times[i] / n;
        if (times[i] < s.min) s.min = times[i];
    }
    if (v) {
        memcpy(v, times, (size_t)n * sizeof *v);
        qsort(v, (size_t)n, sizeof *v, by_value);
        s.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
        free(v);
    }
    return s;
}

static int usage(const char *what) {
    fprintf(stderr,
            "usage: ganc bench %s [--config FILE.ini] [--set section.key=value ...] [--device cpu|cuda[:N]] [--tf32]\n"
            "                  [--size 128] [--blocks 6] [--ngf 32] [--ndf 64] [--batch 1] [--iters 20] [--warmup 3]\n"
            "                  [--seed S] [--init CHECKPOINT] [--inputs FILE.safetensors] [--dump-init DIR] [--json]\n",
            what);
    return 2;
}

/* Integer argument in [lo, hi]; false (with a message) otherwise. */
static bool int_arg(const char *flag, const char *text, int lo, int hi, int *out) {
    long v;
    if (!cli_parse_long(text, lo, hi, &v)) {
        fprintf(stderr, "ganc bench: %s %s: expected an integer from %d to %d\n", flag, text, lo, hi);
        return false;
    }
    *out = (int)v;
    return true;
}

/* --blocks, --ngf, --ndf and --seed become config overrides, kept in `storage`. */
static int parse(int argc, char **argv, bench_opts *o, char storage[4][64]) {
    *o = (bench_opts){.device = "cpu", .size = 128, .batch = 1, .iters = 20, .warmup = 3};
    int n_storage = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int n;
        if (strcmp(a, "--json") == 0) { o->json = true; continue; }
        if (strcmp(a, "--tf32") == 0) { o->tf32 = true; continue; }
        if (!v) {
            static const char *const valued = " --config --device --init --inputs --dump-init --set --size --batch "
                                              "--iters --warmup --blocks --ngf --ndf --seed ";
            char padded[80];
            snprintf(padded, sizeof padded, " %.70s ", a);
            fprintf(stderr, "ganc bench %s: %s %s\n", argv[0], strstr(valued, padded) ? "a value is missing after"
                                                                                       : "unknown option", a);
            return usage(argv[0]);
        }
        i++;
        if (strcmp(a, "--config") == 0) o->config_path = v;
        else if (strcmp(a, "--device") == 0) o->device = v;
        else if (strcmp(a, "--init") == 0) o->init = v;
        else if (strcmp(a, "--inputs") == 0) o->inputs = v;
        else if (strcmp(a, "--dump-init") == 0) o->dump_init = v;
        else if (strcmp(a, "--set") == 0 && o->n_sets < BENCH_MAX_SETS - 4) o->sets[o->n_sets++] = v;
        else if (strcmp(a, "--size") == 0) { if (!int_arg(a, v, 4, 4096, &o->size)) return 2; }
        else if (strcmp(a, "--batch") == 0) { if (!int_arg(a, v, 1, 1024, &o->batch)) return 2; }
        else if (strcmp(a, "--iters") == 0) { if (!int_arg(a, v, 1, BENCH_MAX_ITERS, &o->iters)) return 2; }
        else if (strcmp(a, "--warmup") == 0) { if (!int_arg(a, v, 0, 1000, &o->warmup)) return 2; }
        else if (strcmp(a, "--blocks") == 0 || strcmp(a, "--ngf") == 0 || strcmp(a, "--ndf") == 0 ||
                 strcmp(a, "--seed") == 0) {
            if (n_storage == 4) return usage(argv[0]);
            if (!int_arg(a, v, strcmp(a, "--blocks") == 0 ? 0 : 1, 1 << 30, &n)) return 2;
            const char *key = strcmp(a, "--blocks") == 0 ? "G.n_blocks"
                              : strcmp(a, "--ngf") == 0  ? "G.ngf"
                              : strcmp(a, "--ndf") == 0  ? "D.ndf"
                                                         : "train.seed";
            snprintf(storage[n_storage], 64, "%s=%d", key, n);
            o->sets[o->n_sets++] = storage[n_storage++];
        } else {
            fprintf(stderr, "ganc bench %s: unknown argument %s\n", argv[0], a);
            return usage(argv[0]);
        }
    }
    return 0;
}

static ganc_status read_inputs(const char *path, real *a, real *b, int n, int size) {
    checkpoint *ck;
    ganc_status st = checkpoint_read(path, CHECKPOINT_ALLOW_NO_CRC, &ck);
    if (st) return st;
    int shape[4] = {n, 3, size, size};
    st = checkpoint_get(ck, "real_A", 4, shape, a, "--inputs real_A");
    if (!st) st = checkpoint_get(ck, "real_B", 4, shape, b, "--inputs real_B");
    checkpoint_free(ck);
    return st;
}

/* DIR/<net>.safetensors under PyTorch's state_dict names (the export's
 * format) for every network, and DIR/inputs.safetensors (real_A, real_B). */
static ganc_status dump_init(trainer *tr, const batch *b, const char *dir) {
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return GANC_ERR(GANC_ERR_IO, "--dump-init %s: cannot create the directory: %s", dir, strerror(errno));
    char path[1100];
    char *text = config_resolved_text(tr->cfg);
    ganc_status st = GANC_OK;
    for (int i = 0; !st && i < tr->n_nets; i++) {
        snprintf(path, sizeof path, "%s/%s.safetensors", dir, tr->nets[i].net->name);
        st = safetensors_export_network(tr->nets[i].net, text, path);
    }
    free(text);
    if (st) return st;
    checkpoint *ck = checkpoint_new();
    if (!ck) return ganc_error_status();
    int shape[4] = {b->n, 3, b->side, b->side};
    st = checkpoint_add(ck, "real_A", 4, shape, b->a);
    if (!st) st = checkpoint_add(ck, "real_B", 4, shape, b->b);
    snprintf(path, sizeof path, "%s/inputs.safetensors", dir);
    if (!st) st = checkpoint_write(ck, path);
    checkpoint_free(ck);
    return st;
}

/* A trainer as `ganc train` opens one, without data: config (built in or
 * --config, then overrides), device, recipe networks and terms, optional
 * weights from a checkpoint; and the fixed batch. */
static ganc_status open_bench(trainer *tr, batch *b, const bench_opts *o) {
    memset(tr, 0, sizeof *tr);
    memset(b, 0, sizeof *b);
    if (!(tr->cfg = config_new())) return ganc_error_status();
    ganc_status st = o->config_path ? config_load_file(tr->cfg, o->config_path)
                                    : config_parse_string(tr->cfg, BENCH_CONFIG, "(built-in bench config)");
    if (!st) st = config_set(tr->cfg, "cyclegan.pool_size=0");
    for (int i = 0; !st && i < o->n_sets; i++) st = config_set(tr->cfg, o->sets[i]);
    const char *name;
    long seed;
    if (!st) st = config_string(tr->cfg, "experiment", "recipe", "cyclegan", &name);
    if (!st) st = config_int(tr->cfg, "train", "seed", 1, 0, 1L << 40, &seed);
    if (st) return st;
    if (!(tr->recipe = recipe_find(name)))
        return GANC_ERR(GANC_ERR_ARG, "[experiment] recipe = \"%s\": expected one of %s", name, recipe_names());
    device dev;
    char note[320];
    if ((st = device_resolve(o->device, &dev, note, sizeof note))) return st;
    if (note[0]) fprintf(stderr, "ganc bench: %s\n", note);
    if (o->tf32 && dev.kind != DEVICE_CUDA) return GANC_ERR(GANC_ERR_ARG, "--tf32 is for --device cuda");
    if (dev.kind == DEVICE_CUDA) cuda_set_tf32(o->tf32);
    if (!(tr->t = tape_new(dev))) return ganc_error_status();
    tr->seed = (uint64_t)seed;
    rng_init(&tr->rng, tr->seed ^ 0x9e3779b97f4a7c15ull);
    tr->batch_size = o->batch;
    tr->total_steps = o->warmup + o->iters;
    tr->log_every = 1;
    if ((st = tr->recipe->setup(tr)) || (st = trainer_add_frozen_networks(tr, true))) return st;
    if (o->init) {
        checkpoint *ck;
        if ((st = checkpoint_read(o->init, CHECKPOINT_ALLOW_NO_CRC, &ck))) return st;
        st = trainer_load_state(tr, ck, false);
        checkpoint_free(ck);
        if (st) return st;
    }

    size_t numel = (size_t)o->batch * 3 * o->size * o->size;
    *b = (batch){.n = o->batch, .capacity = o->batch, .side = o->size};
    b->a = malloc(numel * sizeof(real));
    b->b = malloc(numel * sizeof(real));
    if (!b->a || !b->b) return GANC_ERR(GANC_ERR_MEMORY, "bench: out of memory for a (%d,3,%d,%d) batch", o->batch, o->size, o->size);
    if (o->inputs) {
        if ((st = read_inputs(o->inputs, b->a, b->b, o->batch, o->size))) return st;
    } else {
        rng r;
        rng_init(&r, tr->seed + 12345u);
        for (size_t i = 0; i < numel; i++) b->a[i] = (real)(2 * rng_uniform(&r) - 1);
        for (size_t i = 0; i < numel; i++) b->b[i] = (real)(2 * rng_uniform(&r) - 1);
    }
    if (o->dump_init && (st = dump_init(tr, b, o->dump_init))) return st;
    return trainer_move_to_device(tr);
}

static void close_bench(trainer *tr, batch *b) {
    free(b->a);
    free(b->b);
    trainer_close(tr);
}

/* OpenBLAS's kernel set ("Cooperlake", "Haswell"): OPENBLAS_CORETYPE can force a narrower one than the CPU has. */
static const char *blas_core(void) {
#ifdef OPENBLAS_CONFIG_H
    return openblas_get_corename();
#else
    return "unknown";
#endif
}

/* The CPU's convolution path (core/cpu/conv_packed.h): GANC_CPU_CONV=blas or a CPU without AVX-512 picks BLAS. */
static const char *cpu_conv(void) { return conv_packed_enabled() ? "packed" : "blas"; }

static int threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* Peak resident memory of this program: VmHWM of /proc/self/status, which
 * starts afresh at exec (getrusage's ru_maxrss carries the parent's peak
 * across exec, so a small program run from a big one reports the big one's). */
static double max_rss_bytes(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %lf kB", &kib) == 1) break;
    if (f) fclose(f);
    if (kib > 0) return 1024 * kib;
    struct rusage u;
    return getrusage(RUSAGE_SELF, &u) == 0 ? 1024.0 * (double)u.ru_maxrss : 0;
}

/* Bytes of parameters, gradients and optimizer state of every network. */
static double state_bytes(const trainer *tr) {
    double bytes = 0;
    for (int i = 0; i < tr->n_nets; i++) {
        const trainer_network *tn = &tr->nets[i];
        bytes += (double)params_bytes(&tn->net->params) + (double)params_bytes(&tn->net->buffers);
        if (tn->trained) bytes += 2.0 * (double)tn->net->params.numel * sizeof(real); /* Adam's two moments */
    }
    return bytes;
}

static void print_config(const trainer *tr, const bench_opts *o, const char *what, FILE *f, bool json) {
    long ngf = 0, blocks = 0, ndf = 0;
    config_int(tr->cfg, "G", "ngf", 64, 1, 4096, &ngf);
    config_int(tr->cfg, "G", "n_blocks", 9, 0, 1000, &blocks);
    config_int(tr->cfg, "D", "ndf", 64, 1, 4096, &ndf);
    bool cuda = tr->t->dev.kind == DEVICE_CUDA;
    if (json)
        fprintf(f, "\"command\": \"%s\", \"recipe\": \"%s\", \"device\": \"%s\", \"tf32\": %s, \"threads\": %d, \"blas\": \"%s\", "
                   "\"cpu_conv\": \"%s\", \"size\": %d, \"batch\": %d, \"blocks\": %ld, \"ngf\": %ld, \"ndf\": %ld, \"warmup\": %d, "
                   "\"iters\": %d",
                what, tr->recipe->name, cuda ? "cuda" : "cpu", o->tf32 ? "true" : "false", threads(), blas_core(),
                cpu_conv(), o->size, o->batch,
                blocks, ngf, ndf, o->warmup, o->iters);
    else
        fprintf(f, "ganc bench %s: %s %dx%d, batch %d, G ngf %ld %ld blocks, D ndf %ld; %s%s, %d threads, OpenBLAS %s, "
                   "CPU convolutions %s; median of %d after %d warm-up\n",
                what, tr->recipe->name, o->size, o->size, o->batch, ngf, blocks, ndf, cuda ? "cuda" : "cpu",
                cuda ? (o->tf32 ? " TF32 on" : " TF32 off") : "", threads(), blas_core(), cpu_conv(), o->iters,
                o->warmup);
}

/* times: wall seconds per iteration; cpu: CPU seconds of the process per iteration. */
static void print_times(const double *times, const double *cpu, int n, int batch_size, bool json) {
    time_summary s = summarize(times, n), c = summarize(cpu, n);
    if (json) {
        printf(", \"ms_median\": %.4f, \"ms_min\": %.4f, \"ms_mean\": %.4f, \"images_per_s\": %.4f, "
               "\"cpu_ms_median\": %.4f, \"times_ms\": [",
               1e3 * s.median, 1e3 * s.min, 1e3 * s.mean, batch_size / s.median, 1e3 * c.median);
        for (int i = 0; i < n; i++) printf("%s%.4f", i ? ", " : "", 1e3 * times[i]);
        printf("], \"cpu_ms\": [");
        for (int i = 0; i < n; i++) printf("%s%.4f", i ? ", " : "", 1e3 * cpu[i]);
        printf("]");
    } else {
        printf("  ms/iter   %.2f median (min %.2f, mean %.2f); CPU time %.2f ms/iter (median, all threads)\n"
               "  images/s  %.2f\n", 1e3 * s.median, 1e3 * s.min, 1e3 * s.mean, 1e3 * c.median, batch_size / s.median);
    }
}

static void print_memory(const trainer *tr, bool json) {
    const tape *t = tr->t;
    double arena_bytes = (double)t->data.peak + (double)t->meta.peak, rss = max_rss_bytes(), state = state_bytes(tr);
    bool cuda = t->dev.kind == DEVICE_CUDA;
    double device_peak = cuda ? (double)cuda_memory_stats_get().peak_bytes : 0;
    if (json) {
        printf(", \"arena_peak_bytes\": %.0f, \"state_bytes\": %.0f, \"max_rss_bytes\": %.0f, \"device_peak_bytes\": %.0f",
               arena_bytes, state, rss, device_peak);
        return;
    }
    const double mib = 1048576.0;
    printf("  memory    step arena peak %.1f MiB (%s), parameters+gradients+Adam %.1f MiB, max RSS %.1f MiB", arena_bytes / mib,
           cuda ? "device" : "host", state / mib, rss / mib);
    if (cuda) printf(", device peak %.1f MiB (all cudaMalloc by ganc)", device_peak / mib);
    printf("\n");
}

static void print_losses(const char *label, const char *const *names, const double *values, int n, bool json) {
    if (json) {
        printf(", \"%s\": {", label);
        for (int i = 0; i < n; i++) printf("%s\"%s\": %.9g", i ? ", " : "", names[i], values[i]);
        printf("}");
        return;
    }
    printf("  %-9s", label);
    for (int i = 0; i < n; i++) printf(" %s %.6g", names[i], values[i]);
    printf("\n");
}

/* Wall and CPU seconds of each timed iteration, in one block: *cpu = the second half. */
static double *alloc_times(int iters, double **cpu) {
    double *times = malloc(2 * (size_t)iters * sizeof *times);
    *cpu = times ? times + iters : NULL;
    return times;
}

/* The report's part common to train and infer: opens the JSON object. */
static void print_report_head(const trainer *tr, const bench_opts *o, const char *what, const double *times,
                              const double *cpu) {
    if (o->json) printf("{");
    print_config(tr, o, what, stdout, o->json);
    print_times(times, cpu, o->iters, o->batch, o->json);
    print_memory(tr, o->json);
}

int bench_train(int argc, char **argv) {
    bench_opts o;
    char storage[4][64];
    int rc = parse(argc, argv, &o, storage);
    if (rc) return rc;
    trainer tr;
    batch b;
    ganc_status st = open_bench(&tr, &b, &o);
    double *cpu, *times = alloc_times(o.iters, &cpu);
    double first[TRAINER_MAX_METRICS], second[TRAINER_MAX_METRICS];
    int n_first = 0, n_second = 0;
    if (!st && !times) st = GANC_ERR(GANC_ERR_MEMORY, "bench: out of memory");
    for (int k = 0; !st && k < o.warmup + o.iters; k++) {
        double start = now_seconds(), cpu_start = cpu_seconds();
        tape_reset(tr.t);
        st = tr.recipe->train_step(&tr, &b);
        if (!st) st = tr.t->be->sync();
        double seconds = now_seconds() - start, cpu_used = cpu_seconds() - cpu_start;
        tr.step++;
        if (k >= o.warmup) times[k - o.warmup] = seconds, cpu[k - o.warmup] = cpu_used;
        /* The first two steps' losses: the second depends on the first update, so comparing it checks the optimizer too. */
        if (k == 0) memcpy(first, tr.metric_values, (size_t)(n_first = tr.n_metrics) * sizeof *first);
        if (k == 1) memcpy(second, tr.metric_values, (size_t)(n_second = tr.n_metrics) * sizeof *second);
    }
    if (!st) {
        print_report_head(&tr, &o, "train", times, cpu);
        print_losses("losses", tr.metric_names, first, n_first, o.json);
        if (n_second) print_losses("losses_2", tr.metric_names, second, n_second, o.json);
        if (o.json) printf("}\n");
        fflush(stdout);
    } else {
        fprintf(stderr, "ganc bench train: %s\n", ganc_error_message());
    }
    free(times);
    close_bench(&tr, &b);
    return st ? 1 : 0;
}

int bench_infer(int argc, char **argv) {
    bench_opts o;
    char storage[4][64];
    int rc = parse(argc, argv, &o, storage);
    if (rc) return rc;
    trainer tr;
    batch b;
    ganc_status st = open_bench(&tr, &b, &o);
    const char *g_name = !st && tr.recipe->generator_for ? tr.recipe->generator_for("AtoB") : NULL;
    network *g = g_name ? trainer_network_named(&tr, g_name) : NULL;
    if (!st && !g) st = GANC_ERR(GANC_ERR_ARG, "bench infer: recipe %s has no AtoB generator", tr.recipe->name);
    double *cpu, *times = alloc_times(o.iters, &cpu);
    if (!st && !times) st = GANC_ERR(GANC_ERR_MEMORY, "bench: out of memory");
    if (!st) network_set_training(g, false);
    double checksum = 0;
    for (int k = 0; !st && k < o.warmup + o.iters; k++) {
        tape_reset(tr.t);
        tape_no_grad_begin(tr.t);
        /* The input is on the device before the clock starts: this is the network's latency. */
        tensor *x = trainer_batch_tensor(&tr, &b, b.a, "real_A");
        double start = now_seconds(), cpu_start = cpu_seconds();
        tensor *y = network_forward(g, tr.t, x);
        tape_no_grad_end(tr.t);
        st = y ? tr.t->be->sync() : ganc_error_status();
        double seconds = now_seconds() - start, cpu_used = cpu_seconds() - cpu_start;
        if (k >= o.warmup) times[k - o.warmup] = seconds, cpu[k - o.warmup] = cpu_used;
        /* The output's mean, so a reference can check it ran the same network. */
        if (!st && k == 0) {
            real *host = malloc(y->numel * sizeof *host);
            if (!host) st = GANC_ERR(GANC_ERR_MEMORY, "bench: out of memory");
            if (host) tr.t->be->download(host, y->data, y->numel * sizeof *host);
            for (size_t i = 0; host && i < y->numel; i++) checksum += (double)host[i] / (double)y->numel;
            free(host);
        }
    }
    if (!st) {
        print_report_head(&tr, &o, "infer", times, cpu);
        if (o.json) printf(", \"output_mean\": %.9g}\n", checksum);
        else printf("  output    mean %.9g (%s, eval mode, no gradient)\n", checksum, g_name);
        fflush(stdout);
    } else {
        fprintf(stderr, "ganc bench infer: %s\n", ganc_error_message());
    }
    free(times);
    close_bench(&tr, &b);
    return st ? 1 : 0;
}
