/* ganc bench synth [--size S] [--seconds T] [--style NAME]: images per second of the
 * synthetic face renderer, per style, in memory, on one core (the renderer
 * itself is single-threaded; the dataset writer runs one per thread). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/synth/synth.h"
#include "tools/commands.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int bench_synth(int argc, char **argv) {
    int size = 128;
    double seconds = 1.0;
    int only = -1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
            size = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else if (strcmp(argv[i], "--style") == 0 && i + 1 < argc) {
            synth_style st;
            if (synth_style_parse(argv[++i], &st)) {
                fprintf(stderr, "bench synth: --style: %s\n", ganc_error_message());
                return 2;
            }
            only = (int)st;
        } else {
            fprintf(stderr,
                    "bench synth: unknown argument %s (usage: ganc bench synth [--size S] [--seconds T] [--style NAME])\n",
                    argv[i]);
            return 2;
        }
    }
    if (size < 16 || size > 4096) {
        fprintf(stderr, "bench synth: --size must be 16..4096, got %d\n", size);
        return 2;
    }
    if (!(seconds > 0)) {
        fprintf(stderr, "bench synth: --seconds must be positive\n");
        return 2;
    }
    synth_renderer *r = synth_renderer_new(size, size);
    uint8_t *rgb = malloc((size_t)size * size * 3), *mask = malloc((size_t)size * size);
    if (!r || !rgb || !mask) {
        fprintf(stderr, "bench synth: %s\n", r ? "out of memory" : ganc_error_message());
        synth_renderer_free(r);
        free(rgb);
        free(mask);
        return 1;
    }
    printf("synth render, %dx%d, one core, image + mask + labels in memory:\n", size, size);
    int status = 0;
    for (int s = 0; s < SYNTH_STYLE_COUNT && !status; s++) {
        if (only >= 0 && s != only) continue;
        long n = 0;
        double t0 = now_s(), t = t0;
        while (t - t0 < seconds) {
            for (int k = 0; k < 16; k++, n++) {
                synth_face face;
                synth_labels labels;
                synth_face_sample(1, (uint32_t)n, 0, &face);
                if (synth_render(r, (synth_style)s, &face, rgb, mask, &labels)) {
                    fprintf(stderr, "bench synth: %s\n", ganc_error_message());
                    status = 1;
                    break;
                }
            }
            t = now_s();
        }
        printf("  %-8s %8.0f images/s  (%.3f ms/image)\n", synth_style_name((synth_style)s), (double)n / (t - t0),
               1e3 * (t - t0) / (double)n);
    }
    synth_renderer_free(r);
    free(rgb);
    free(mask);
    return status;
}
