#ifndef GANC_CONFIG_H
#define GANC_CONFIG_H

/* INI configuration: `[section]` headers, `key = value` lines, `#` or `;`
 * comments. Sections may contain dots (`[loss.cycle]`). Every key is read
 * through a typed getter that states its default and its valid values; a
 * bad value is an error naming the file, the line, the key and what was
 * expected. After all readers ran, config_check_unused reports any key no
 * one asked for, with the keys that section does know. The resolved
 * config (every key asked for, with its value or default) is what a run
 * prints and stores in its checkpoints. */

#include <stdbool.h>
#include <stdio.h>

#include "core/error.h"

typedef struct config config;

config *config_new(void);
void config_free(config *c);
ganc_status config_load_file(config *c, const char *path);
/* `origin` names the text in errors (a file name, "checkpoint"). */
ganc_status config_parse_string(config *c, const char *text, const char *origin);
/* "section.key=value" from the command line; overrides the file. */
ganc_status config_set(config *c, const char *assignment);

bool config_has_section(const config *c, const char *section);
/* Names of the sections starting with `prefix` (e.g. "loss."), in file
 * order; returns how many there are (at most `max` are stored). */
int config_sections_with_prefix(const config *c, const char *prefix, const char **out, int max);

/* Getters: the value of [section] key, or `def` when absent. */
ganc_status config_int(config *c, const char *section, const char *key, long def, long lo, long hi, long *out);
ganc_status config_real(config *c, const char *section, const char *key, double def, double lo, double hi,
                        double *out);
ganc_status config_bool(config *c, const char *section, const char *key, bool def, bool *out);
/* def == NULL makes the key required. The string lives as long as c. */
ganc_status config_string(config *c, const char *section, const char *key, const char *def, const char **out);
/* One of the NULL-terminated `choices`; *out is its index. */
ganc_status config_choice(config *c, const char *section, const char *key, const char *def,
                          const char *const *choices, int *out);

/* Error for the first key or section that no getter asked for. */
ganc_status config_check_unused(const config *c);
/* The resolved config as INI text: malloc'd, NULL with an error when out of memory. */
char *config_resolved_text(const config *c);
/* The keys getters asked for, in the order asked, with their resolved values:
 * i from 0 to config_resolved_count() - 1. */
size_t config_resolved_count(const config *c);
void config_resolved_at(const config *c, size_t i, const char **section, const char **key, const char **value);
/* The value of [section] key as written (NULL when absent), without marking it used. */
const char *config_peek(const config *c, const char *section, const char *key);
/* Every (section, key) written in c, in file order, for comparing configs. */
size_t config_entry_count(const config *c);
void config_entry_at(const config *c, size_t i, const char **section, const char **key, const char **value);

#endif
