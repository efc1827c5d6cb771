/* --resume continues the run it names: a changed learning rate, seed, batch
 * size, crop or loss weight would silently make it another run. */
#include "tools/trainer_resume.h"

#include <stdio.h>
#include <string.h>

/* [train] keys that steer the run but not what a step computes. */
static const char *const free_keys[] = {"steps", "epochs", "device", "out", "log_every", "sample_every",
                                        "checkpoint_every"};

static bool changes_freely(const char *section, const char *key) {
    if (strcmp(section, "train") != 0) return false;
    for (size_t i = 0; i < sizeof free_keys / sizeof free_keys[0]; i++)
        if (strcmp(key, free_keys[i]) == 0) return true;
    return false;
}

static bool is_allowed(const char *section, const char *key, const char *const *allowed, int n_allowed) {
    for (int i = 0; i < n_allowed; i++) {
        size_t n = strlen(section);
        if (strcmp(allowed[i], section) == 0) return true;
        if (strncmp(allowed[i], section, n) == 0 && allowed[i][n] == '.' && strcmp(allowed[i] + n + 1, key) == 0)
            return true;
    }
    return false;
}

static const char *resolved_value(const config *c, const char *section, const char *key) {
    for (size_t i = 0; i < config_resolved_count(c); i++) {
        const char *s, *k, *v;
        config_resolved_at(c, i, &s, &k, &v);
        if (strcmp(s, section) == 0 && strcmp(k, key) == 0) return v;
    }
    return NULL;
}

typedef struct {
    char refused[2048], names[1024];
    size_t used, names_used;
    bool truncated;
} change_list;

static void note_change(change_list *l, const char *section, const char *key, const char *old_value,
                        const char *new_value, const char *const *allowed, int n_allowed) {
    if (changes_freely(section, key)) return;
    const char *was = old_value ? old_value : "(absent)", *now = new_value ? new_value : "(absent)";
    if (is_allowed(section, key, allowed, n_allowed)) {
        printf("resume: [%s] %s changed from %s to %s (allowed by --allow-change)\n", section, key, was, now);
        return;
    }
    int n = snprintf(l->refused + l->used, sizeof l->refused - l->used, "%s[%s] %s: %s -> %s", l->used ? "; " : "",
                     section, key, was, now);
    int m = snprintf(l->names + l->names_used, sizeof l->names - l->names_used, "%s%s.%s", l->names_used ? "," : "",
                     section, key);
    if (n < 0 || (size_t)n >= sizeof l->refused - l->used || m < 0 || (size_t)m >= sizeof l->names - l->names_used) {
        l->truncated = true;
        return;
    }
    l->used += (size_t)n;
    l->names_used += (size_t)m;
}

ganc_status trainer_check_resume_config(const config *now, const char *stored_text, const char *origin,
                                        const char *const *allowed, int n_allowed) {
    config *stored = config_new();
    if (!stored) return ganc_error_status();
    ganc_status st = config_parse_string(stored, stored_text, origin);
    if (st) {
        config_free(stored);
        return st;
    }
    change_list l = {.used = 0};
    for (size_t i = 0; i < config_resolved_count(now); i++) {
        const char *section, *key, *value;
        config_resolved_at(now, i, &section, &key, &value);
        const char *old_value = config_peek(stored, section, key);
        if (!old_value || strcmp(old_value, value) != 0)
            note_change(&l, section, key, old_value, value, allowed, n_allowed);
    }
    for (size_t i = 0; i < config_entry_count(stored); i++) {
        const char *section, *key, *value;
        config_entry_at(stored, i, &section, &key, &value);
        if (!resolved_value(now, section, key)) note_change(&l, section, key, value, NULL, allowed, n_allowed);
    }
    config_free(stored);
    if (!l.used && !l.truncated) return GANC_OK;
    return GANC_ERR(GANC_ERR_ARG,
                    "--resume: this config differs from the one %s was trained with: %s%s. Resuming with other "
                    "values would not continue that run; name each change to accept it (--allow-change %s), or "
                    "train into a new [train] out",
                    origin, l.refused, l.truncated ? "; and more" : "", l.names);
}
