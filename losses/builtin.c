#include "losses/builtin.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/ops/elementwise.h"
#include "losses/canny.h"
#include "losses/feature.h"
#include "losses/gan.h"
#include "losses/pixel.h"

/* A term compares tensor a_i with b_i for each of up to PAIRS_MAX pairs
 * (`a = rec_A, rec_B` / `b = real_A, real_B`) and sums the results, so one
 * section covers both directions of a CycleGAN. */
#define PAIRS_MAX 4
#define NAME_MAX_LEN 32

typedef struct kind_def kind_def;

typedef struct {
    const kind_def *def;
    int n_pairs;
    char a[PAIRS_MAX][NAME_MAX_LEN], b[PAIRS_MAX][NAME_MAX_LEN];
    char net[2][NAME_MAX_LEN];
    loss_dist dist;
    int size;
    double crop;
    bool gram;
    canny_loss_params canny;
    bool scheduled;
    double lambda, gamma;
    double bce_weight, dice_weight, smooth;
} term;

struct kind_def {
    const char *name;
    const char *def_a, *def_b;
    ganc_status (*read)(config *c, const char *section, term *s);
    tensor *(*pair)(const term *s, const loss_inputs *in, const tensor *a, const tensor *b);
};

/* ---- keys shared by several kinds ---- */

static ganc_status read_names(config *c, const char *section, const char *key, const char *def,
                              char out[PAIRS_MAX][NAME_MAX_LEN], int *n) {
    const char *text;
    ganc_status st = config_string(c, section, key, def, &text);
    if (st) return st;
    *n = 0;
    for (const char *p = text;;) {
        while (isspace((unsigned char)*p)) p++;
        const char *end = p;
        while (*end && *end != ',') end++;
        size_t len = (size_t)(end - p);
        while (len > 0 && isspace((unsigned char)p[len - 1])) len--;
        if (len == 0 || len >= NAME_MAX_LEN || *n == PAIRS_MAX)
            return GANC_ERR(GANC_ERR_ARG,
                            "config: [%s] %s = \"%s\": expected 1 to %d tensor names of at most %d "
                            "characters, separated by commas",
                            section, key, text, PAIRS_MAX, NAME_MAX_LEN - 1);
        memcpy(out[*n], p, len);
        out[(*n)++][len] = '\0';
        if (!*end) return GANC_OK;
        p = end + 1;
    }
}

static ganc_status read_pairs(config *c, const char *section, const kind_def *k, term *s) {
    int na, nb;
    ganc_status st = read_names(c, section, "a", k->def_a, s->a, &na);
    if (st || (st = read_names(c, section, "b", k->def_b, s->b, &nb))) return st;
    if (na != nb)
        return GANC_ERR(GANC_ERR_ARG, "config: [%s] a lists %d tensors and b lists %d; they pair up one to one",
                        section, na, nb);
    s->n_pairs = na;
    return GANC_OK;
}

static ganc_status read_dist(config *c, const char *section, const char *def, term *s) {
    int d = 0;
    ganc_status st = config_choice(c, section, "distance", def, loss_dist_names, &d);
    s->dist = (loss_dist)d;
    return st;
}

static ganc_status read_net(config *c, const char *section, const char *key, const char *def, char *out) {
    const char *name;
    ganc_status st = config_string(c, section, key, def, &name);
    if (st) return st;
    if (!name[0] || strlen(name) >= NAME_MAX_LEN)
        return GANC_ERR(GANC_ERR_ARG, "config: [%s] %s = \"%s\": expected a network name of 1 to %d characters",
                        section, key, name, NAME_MAX_LEN - 1);
    strcpy(out, name);
    return GANC_OK;
}

/* ---- the kinds ---- */

static ganc_status read_l1(config *c, const char *section, term *s) { return read_dist(c, section, "l1", s); }

/* Images value by value; l2 is the mean Euclidean distance of the pixels' colour vectors. */
static tensor *pair_pixels(const term *s, const loss_inputs *in, const tensor *a, const tensor *b) {
    return loss_distance(in->t, a, b, s->dist, a && a->ndim > 1 ? 1u << 1 : 1u);
}

static ganc_status read_color(config *c, const char *section, term *s) {
    long size = 0;
    ganc_status st = config_int(c, section, "size", 16, 1, 4096, &size);
    s->size = (int)size;
    return st ? st : read_dist(c, section, "l2", s);
}

static tensor *pair_color(const term *s, const loss_inputs *in, const tensor *a, const tensor *b) {
    return loss_color(in->t, a, b, s->size, s->size, s->dist);
}

static ganc_status read_canny(config *c, const char *section, term *s) {
    static const char *const ranges[] = {"-1..1", "0..1", NULL};
    canny_loss_params *p = &s->canny;
    long blur = 0;
    int range = 0;
    ganc_status st = config_real(c, section, "low", 100, 0, 1e5, &p->canny.low);
    if (!st) st = config_real(c, section, "high", 200, 0, 1e5, &p->canny.high);
    if (!st) st = config_bool(c, section, "l2_gradient", false, &p->canny.l2_gradient);
    if (!st) st = config_int(c, section, "blur", 5, 0, 31, &blur);
    if (!st && blur > 1 && blur % 2 == 0)
        st =
            GANC_ERR(GANC_ERR_ARG, "config: [%s] blur = %ld: expected an odd size 3..31, or 0 for none", section, blur);
    p->canny.blur_ksize = (int)blur;
    if (!st) st = config_real(c, section, "sigma", 0, 0, 100, &p->canny.blur_sigma);
    if (!st) st = config_real(c, section, "temperature", 0, 0, 1e5, &p->temperature);
    if (!st) st = config_choice(c, section, "range", "-1..1", ranges, &range);
    p->signed_range = range == 0;
    if (!st) st = read_dist(c, section, "l2", s);
    p->distance = s->dist;
    return st;
}

static tensor *pair_canny(const term *s, const loss_inputs *in, const tensor *a, const tensor *b) {
    return loss_canny(in->t, a, b, &s->canny);
}

static ganc_status read_attribute(config *c, const char *section, term *s) {
    ganc_status st = read_net(c, section, "e1", "E1", s->net[0]);
    if (!st) st = read_net(c, section, "e2", "E2", s->net[1]);
    return st ? st : read_dist(c, section, "l2", s);
}

static tensor *pair_attribute(const term *s, const loss_inputs *in, const tensor *a, const tensor *b) {
    network *e1 = loss_inputs_network(in, s->net[0]), *e2 = e1 ? loss_inputs_network(in, s->net[1]) : NULL;
    return e2 ? loss_attribute(in->t, in->forward, e1, a, e2, b, s->dist) : NULL;
}

static ganc_status read_id(config *c, const char *section, term *s) {
    long size = 0;
    ganc_status st = read_net(c, section, "net", "ID", s->net[0]);
    if (!st) st = config_real(c, section, "crop", 1, 1e-3, 1, &s->crop);
    if (!st) st = config_int(c, section, "size", 0, 0, 4096, &size);
    s->size = (int)size;
    return st;
}

static tensor *pair_id(const term *s, const loss_inputs *in, const tensor *a, const tensor *b) {
    network *net = loss_inputs_network(in, s->net[0]);
    return net ? loss_id(in->t, in->forward, net, a, b, s->crop, s->size) : NULL;
}

static ganc_status read_style(config *c, const char *section, term *s) {
    static const char *const compares[] = {"features", "gram", NULL};
    int compare = 0;
    ganc_status st = read_net(c, section, "net", "C", s->net[0]);
    if (!st) st = config_choice(c, section, "compare", "features", compares, &compare);
    s->gram = compare == 1;
    return st ? st : read_dist(c, section, "mse", s);
}

static tensor *pair_style(const term *s, const loss_inputs *in, const tensor *a, const tensor *b) {
    network *net = loss_inputs_network(in, s->net[0]);
    return net ? loss_style(in->t, in->forward, net, a, b, s->gram, s->dist) : NULL;
}

static ganc_status read_domain(config *c, const char *section, term *s) {
    static const char *const schedules[] = {"fixed", "ganin", NULL};
    int schedule = 0;
    ganc_status st = read_net(c, section, "net", "domain", s->net[0]);
    if (!st) st = config_real(c, section, "lambda", 1, 0, 1e3, &s->lambda);
    if (!st) st = config_choice(c, section, "schedule", "ganin", schedules, &schedule);
    s->scheduled = schedule == 1;
    if (!st) st = config_real(c, section, "gamma", 10, 0, 1e3, &s->gamma);
    return st;
}

static tensor *pair_domain(const term *s, const loss_inputs *in, const tensor *a, const tensor *b) {
    network *net = loss_inputs_network(in, s->net[0]);
    double lambda = loss_domain_lambda(s->scheduled, s->lambda, s->gamma, in->progress);
    return net ? loss_domain(in->t, in->forward, net, a, b, (real)lambda) : NULL;
}

static tensor *pair_cam(const term *s, const loss_inputs *in, const tensor *a, const tensor *b) {
    return gan_cam_loss_g(in->t, a, b);
}

static ganc_status read_segmentation(config *c, const char *section, term *s) {
    ganc_status st = config_real(c, section, "bce_weight", 1, 0, 1e6, &s->bce_weight);
    if (!st) st = config_real(c, section, "dice_weight", 1, 0, 1e6, &s->dice_weight);
    if (!st) st = config_real(c, section, "smooth", 1, 1e-6, 1e6, &s->smooth);
    return st;
}

static tensor *pair_segmentation(const term *s, const loss_inputs *in, const tensor *a, const tensor *b) {
    return loss_segmentation(in->t, a, b, (real)s->bce_weight, (real)s->dice_weight, (real)s->smooth);
}

static const kind_def kinds[] = {
    {"cycle", "rec_A,rec_B", "real_A,real_B", read_l1, pair_pixels},
    {"identity", "idt_A,idt_B", "real_B,real_A", read_l1, pair_pixels},
    {"paired", "fake_B", "real_B", read_l1, pair_pixels},
    {"color", "fake_B,fake_A", "real_A,real_B", read_color, pair_color},
    {"canny", "real_A,real_B", "fake_B,fake_A", read_canny, pair_canny},
    {"attribute", "real_A", "fake_B", read_attribute, pair_attribute},
    {"domain", "feat_source", "feat_target", read_domain, pair_domain},
    {"id", "real_A", "fake_B", read_id, pair_id},
    {"cam", "cam_A2B,cam_B2A", "cam_B2B,cam_A2A", NULL, pair_cam},
    {"style", "real_A", "fake_B", read_style, pair_style},
    {"segmentation", "seg_logits", "seg_mask", read_segmentation, pair_segmentation},
};
#define N_KINDS (int)(sizeof kinds / sizeof kinds[0])

int loss_builtin_count(void) { return N_KINDS; }
const char *loss_builtin_name(int kind) { return kind >= 0 && kind < N_KINDS ? kinds[kind].name : NULL; }

ganc_status loss_builtin_create(int kind, config *c, const char *section, void **state) {
    *state = NULL;
    if (kind < 0 || kind >= N_KINDS) return GANC_ERR(GANC_ERR_ARG, "loss term [%s]: unknown kind %d", section, kind);
    term *s = calloc(1, sizeof *s);
    if (!s) return GANC_ERR(GANC_ERR_MEMORY, "loss term [%s]: out of memory", section);
    s->def = &kinds[kind];
    ganc_status st = read_pairs(c, section, s->def, s);
    if (!st && s->def->read) st = s->def->read(c, section, s);
    if (st) {
        free(s);
        return st;
    }
    *state = s;
    return GANC_OK;
}

tensor *loss_builtin_compute(void *state, const loss_inputs *in) {
    const term *s = state;
    tensor *sum = NULL;
    for (int i = 0; i < s->n_pairs; i++) {
        tensor *a = loss_inputs_tensor(in, s->a[i]);
        tensor *b = a ? loss_inputs_tensor(in, s->b[i]) : NULL;
        tensor *v = b ? s->def->pair(s, in, a, b) : NULL;
        if (!v) return NULL;
        sum = sum ? op_add(in->t, sum, v) : v;
    }
    return sum;
}

void loss_builtin_destroy(void *state) { free(state); }
