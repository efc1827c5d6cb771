/* ganc bench synth [--size S] [--seconds T] [--style NAME]: images per
 * second of the synthetic face renderer, per style, on one core: rendered in
 * memory (what training uses), and with PNG encoding of image and mask (what
 * `ganc synth` does per thread). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stb_image_write.h>

#include "data/synth/synth.h"
#include "tools/bench.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void count_bytes(void *context, void *data, int size) {
    (void)data;
    *(size_t *)context += (size_t)size;
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
    printf("synth, %dx%d, one core: image + mask + labels in memory, and with both encoded as PNG\n", size, size);
    int status = 0;
    for (int s = 0; s < SYNTH_STYLE_COUNT && !status; s++) {
        if (only >= 0 && s != only) continue;
        double rate[2];
        for (int png = 0; png < 2 && !status; png++) {
            long n = 0;
            double t0 = now_s(), t = t0;
            while (t - t0 < seconds * (png ? 0.5 : 1)) {
                for (int k = 0; k < 8; k++, n++) {
                    synth_face face;
                    synth_labels labels;
                    synth_face_sample(1, (uint32_t)n, 0, &face);
                    if (synth_render(r, (synth_style)s, &face, rgb, mask, &labels)) {
                        fprintf(stderr, "bench synth: %s\n", ganc_error_message());
                        status = 1;
                        break;
                    }
                    if (png) {
                        size_t bytes = 0;
                        stbi_write_png_to_func(count_bytes, &bytes, size, size, 3, rgb, size * 3);
                        stbi_write_png_to_func(count_bytes, &bytes, size, size, 1, mask, size);
                    }
                }
                t = now_s();
            }
            rate[png] = (double)n / (t - t0);
        }
        printf("  %-8s %7.0f images/s rendered (%.3f ms each), %6.0f images/s with PNG\n",
               synth_style_name((synth_style)s), rate[0], 1e3 / rate[0], rate[1]);
    }
    synth_renderer_free(r);
    free(rgb);
    free(mask);
    return status;
}
