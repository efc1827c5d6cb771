#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/file_open.h"

#define NAME_MAX_LEN 96
#define VALUE_MAX_LEN 1024

typedef struct {
    char section[NAME_MAX_LEN], key[NAME_MAX_LEN], value[VALUE_MAX_LEN];
    char origin[256];
    int line;
    bool used;
} entry;

/* A key some getter asked for, with the value it resolved to. */
typedef struct {
    char section[NAME_MAX_LEN], key[NAME_MAX_LEN], value[VALUE_MAX_LEN];
} resolved;

struct config {
    entry *entries;
    size_t n_entries, cap_entries;
    resolved *asked;
    size_t n_asked, cap_asked;
};

config *config_new(void) {
    config *c = calloc(1, sizeof *c);
    if (!c) GANC_ERR(GANC_ERR_MEMORY, "config: out of memory");
    return c;
}

void config_free(config *c) {
    if (!c) return;
    free(c->entries);
    free(c->asked);
    free(c);
}

static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1])) *--end = '\0';
    return s;
}

static entry *find_entry(const config *c, const char *section, const char *key) {
    for (size_t i = c->n_entries; i-- > 0;) /* last one wins: --set overrides the file */
        if (strcmp(c->entries[i].section, section) == 0 && strcmp(c->entries[i].key, key) == 0)
            return &c->entries[i];
    return NULL;
}

static ganc_status add_entry(config *c, const char *section, const char *key, const char *value, const char *origin,
                             int line) {
    if (strlen(section) >= NAME_MAX_LEN)
        return GANC_ERR(GANC_ERR_FORMAT, "%s:%d: the section name is %zu characters long: at most %d", origin, line,
                        strlen(section), NAME_MAX_LEN - 1);
    if (strlen(key) >= NAME_MAX_LEN)
        return GANC_ERR(GANC_ERR_FORMAT, "%s:%d: the key is %zu characters long: at most %d", origin, line,
                        strlen(key), NAME_MAX_LEN - 1);
    if (strlen(value) >= VALUE_MAX_LEN)
        return GANC_ERR(GANC_ERR_FORMAT, "%s:%d: the value of %s is %zu characters long: at most %d", origin, line,
                        key, strlen(value), VALUE_MAX_LEN - 1);
    if (c->n_entries == c->cap_entries) {
        size_t cap = c->cap_entries ? 2 * c->cap_entries : 32;
        entry *grown = realloc(c->entries, cap * sizeof *grown);
        if (!grown) return GANC_ERR(GANC_ERR_MEMORY, "config: out of memory");
        c->entries = grown;
        c->cap_entries = cap;
    }
    entry *e = &c->entries[c->n_entries++];
    memset(e, 0, sizeof *e);
    snprintf(e->section, sizeof e->section, "%s", section);
    snprintf(e->key, sizeof e->key, "%s", key);
    snprintf(e->value, sizeof e->value, "%s", value);
    snprintf(e->origin, sizeof e->origin, "%s", origin);
    e->line = line;
    return GANC_OK;
}

static bool valid_name(const char *s) {
    if (!*s) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-') return false;
    return true;
}

static ganc_status parse_line(config *c, char *line, const char *origin, int number, char *section) {
    char *s = trim(line);
    if (*s == '\0' || *s == '#' || *s == ';') return GANC_OK;
    if (*s == '[') {
        char *close = strchr(s, ']');
        if (!close || *trim(close + 1) != '\0')
            return GANC_ERR(GANC_ERR_FORMAT, "%s:%d: malformed section header \"%s\" (expected [name])", origin,
                            number, s);
        *close = '\0';
        char *name = trim(s + 1);
        if (!valid_name(name) || strlen(name) >= NAME_MAX_LEN)
            return GANC_ERR(GANC_ERR_FORMAT, "%s:%d: bad section name \"%s\" (letters, digits, _ . - only)", origin,
                            number, name);
        strcpy(section, name);
        return GANC_OK;
    }
    char *eq = strchr(s, '=');
    if (!eq) return GANC_ERR(GANC_ERR_FORMAT, "%s:%d: expected key = value, got \"%s\"", origin, number, s);
    *eq = '\0';
    char *key = trim(s), *value = trim(eq + 1);
    /* An inline comment needs whitespace before it, so values like "a#b" survive. */
    for (char *p = value; *p; p++)
        if ((*p == '#' || *p == ';') && p > value && isspace((unsigned char)p[-1])) {
            *p = '\0';
            value = trim(value);
            break;
        }
    if (!section[0]) return GANC_ERR(GANC_ERR_FORMAT, "%s:%d: key \"%s\" comes before any [section]", origin, number, key);
    if (!valid_name(key)) return GANC_ERR(GANC_ERR_FORMAT, "%s:%d: bad key name \"%s\"", origin, number, key);
    const entry *dup = find_entry(c, section, key);
    if (dup && strcmp(dup->origin, origin) == 0)
        return GANC_ERR(GANC_ERR_FORMAT, "%s:%d: key \"%s\" in [%s] already set on line %d", origin, number, key,
                        section, dup->line);
    return add_entry(c, section, key, value, origin, number);
}

/* The length of a line without its comment: 0 for a comment line, the
 * text before an inline comment (a # or ; after whitespace, as parse_line
 * cuts it) otherwise. Long comments never make a line too long. */
static size_t content_length(const char *p, size_t len) {
    size_t i = 0;
    while (i < len && isspace((unsigned char)p[i])) i++;
    if (i < len && (p[i] == '#' || p[i] == ';')) return 0;
    for (; i < len; i++)
        if ((p[i] == '#' || p[i] == ';') && i > 0 && isspace((unsigned char)p[i - 1])) return i;
    return len;
}

/* What is too long on a line that does not fit the line buffer: the
 * section name, the key or the value, each with its limit. */
static ganc_status line_too_long(const char *p, size_t len, const char *origin, int number) {
    size_t start = 0, end = len;
    while (start < len && isspace((unsigned char)p[start])) start++;
    while (end > start && isspace((unsigned char)p[end - 1])) end--;
    if (p[start] == '[')
        return GANC_ERR(GANC_ERR_FORMAT, "%s:%d: the section name is %zu characters long: at most %d", origin, number,
                        end - start, NAME_MAX_LEN - 1);
    const char *eq = memchr(p, '=', len);
    if (!eq)
        return GANC_ERR(GANC_ERR_FORMAT, "%s:%d: a line of %zu characters without '=': expected key = value", origin,
                        number, len);
    size_t key_len = (size_t)(eq - p) - start;
    while (key_len && isspace((unsigned char)p[start + key_len - 1])) key_len--;
    if (key_len >= NAME_MAX_LEN)
        return GANC_ERR(GANC_ERR_FORMAT, "%s:%d: the key is %zu characters long: at most %d", origin, number, key_len,
                        NAME_MAX_LEN - 1);
    const char *value = eq + 1;
    while (value < p + end && isspace((unsigned char)*value)) value++;
    return GANC_ERR(GANC_ERR_FORMAT, "%s:%d: the value of %.*s is %zu characters long: at most %d", origin, number,
                    (int)key_len, p + start, (size_t)(p + end - value), VALUE_MAX_LEN - 1);
}

ganc_status config_parse_string(config *c, const char *text, const char *origin) {
    char section[NAME_MAX_LEN] = "", line[VALUE_MAX_LEN + 2 * NAME_MAX_LEN];
    int number = 0;
    /* A UTF-8 byte order mark, as Windows editors write, is not part of the first line. */
    if (strncmp(text, "\xEF\xBB\xBF", 3) == 0) text += 3;
    for (const char *p = text; *p;) {
        /* Lines end in LF, CRLF or a lone CR (old Mac editors). */
        size_t len = strcspn(p, "\r\n");
        size_t next = len + (p[len] == '\r' && p[len + 1] == '\n' ? 2 : p[len] ? 1 : 0);
        number++;
        size_t used = content_length(p, len);
        if (used >= sizeof line) return line_too_long(p, used, origin, number);
        memcpy(line, p, used);
        line[used] = '\0';
        ganc_status st = parse_line(c, line, origin, number, section);
        if (st) return st;
        p += next;
    }
    return GANC_OK;
}

ganc_status config_load_file(config *c, const char *path) {
    FILE *f = file_open_read(path);
    if (!f) return GANC_ERR(GANC_ERR_IO, "config %s: cannot open: %s", path, strerror(errno));
    char *text = NULL;
    size_t size = 0, cap = 0;
    for (;;) {
        if (size + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 8192;
            char *grown = realloc(text, cap);
            if (!grown) {
                free(text);
                fclose(f);
                return GANC_ERR(GANC_ERR_MEMORY, "config %s: out of memory", path);
            }
            text = grown;
        }
        size_t got = fread(text + size, 1, 4096, f);
        size += got;
        if (got < 4096) break;
    }
    bool failed = ferror(f);
    fclose(f);
    text[size] = '\0';
    ganc_status st = failed ? GANC_ERR(GANC_ERR_IO, "config %s: read error", path)
                     : strlen(text) != size ? GANC_ERR(GANC_ERR_FORMAT, "config %s: contains a NUL byte (not a text file?)", path)
                                            : config_parse_string(c, text, path);
    free(text);
    return st;
}

ganc_status config_set(config *c, const char *assignment) {
    const char *eq = strchr(assignment, '=');
    char name[2 * NAME_MAX_LEN];
    size_t len = eq ? (size_t)(eq - assignment) : 0;
    if (!eq || len == 0 || len >= sizeof name)
        return GANC_ERR(GANC_ERR_ARG, "--set %s: expected section.key=value", assignment);
    memcpy(name, assignment, len);
    name[len] = '\0';
    char *dot = strrchr(name, '.');
    if (!dot || dot == name || !dot[1])
        return GANC_ERR(GANC_ERR_ARG, "--set %s: expected section.key=value (e.g. train.lr=0.001)", assignment);
    *dot = '\0';
    char value[VALUE_MAX_LEN];
    if (strlen(eq + 1) >= sizeof value)
        return GANC_ERR(GANC_ERR_ARG, "--set %s.%s: the value is %zu characters long: at most %d", trim(name),
                        trim(dot + 1), strlen(eq + 1), VALUE_MAX_LEN - 1);
    snprintf(value, sizeof value, "%s", eq + 1);
    return add_entry(c, trim(name), trim(dot + 1), trim(value), "--set", 0);
}

bool config_has_section(const config *c, const char *section) {
    for (size_t i = 0; i < c->n_entries; i++)
        if (strcmp(c->entries[i].section, section) == 0) return true;
    return false;
}

int config_sections_with_prefix(const config *c, const char *prefix, const char **out, int max) {
    int n = 0;
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < c->n_entries; i++) {
        const char *s = c->entries[i].section;
        if (strncmp(s, prefix, plen) != 0) continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) seen = strcmp(c->entries[j].section, s) == 0;
        if (seen) continue;
        if (n < max) out[n] = s;
        n++;
    }
    return n;
}

/* Remembers that [section] key was asked for and what it resolved to. */
static ganc_status note_asked(config *c, const char *section, const char *key, const char *value) {
    for (size_t i = 0; i < c->n_asked; i++)
        if (strcmp(c->asked[i].section, section) == 0 && strcmp(c->asked[i].key, key) == 0) {
            snprintf(c->asked[i].value, sizeof c->asked[i].value, "%s", value);
            return GANC_OK;
        }
    if (c->n_asked == c->cap_asked) {
        size_t cap = c->cap_asked ? 2 * c->cap_asked : 32;
        resolved *grown = realloc(c->asked, cap * sizeof *grown);
        if (!grown) return GANC_ERR(GANC_ERR_MEMORY, "config: out of memory");
        c->asked = grown;
        c->cap_asked = cap;
    }
    resolved *r = &c->asked[c->n_asked++];
    snprintf(r->section, sizeof r->section, "%s", section);
    snprintf(r->key, sizeof r->key, "%s", key);
    snprintf(r->value, sizeof r->value, "%s", value);
    return GANC_OK;
}

/* The entry for the key (marked used), or NULL when absent. */
static entry *lookup(config *c, const char *section, const char *key) {
    entry *e = find_entry(c, section, key);
    if (e)
        for (size_t i = 0; i < c->n_entries; i++)
            if (strcmp(c->entries[i].section, section) == 0 && strcmp(c->entries[i].key, key) == 0)
                c->entries[i].used = true;
    return e;
}

static ganc_status bad_value(const entry *e, const char *expected) {
    return GANC_ERR(GANC_ERR_ARG, "%s:%d: [%s] %s = \"%s\": expected %s", e->origin, e->line, e->section, e->key,
                    e->value, expected);
}

ganc_status config_int(config *c, const char *section, const char *key, long def, long lo, long hi, long *out) {
    entry *e = lookup(c, section, key);
    long v = def;
    if (e) {
        char *end;
        errno = 0;
        v = strtol(e->value, &end, 10);
        char expected[96];
        snprintf(expected, sizeof expected, "an integer in %ld..%ld", lo, hi);
        if (!e->value[0] || *end || errno || v < lo || v > hi) return bad_value(e, expected);
    }
    char text[32];
    snprintf(text, sizeof text, "%ld", v);
    *out = v;
    return note_asked(c, section, key, text);
}

ganc_status config_real(config *c, const char *section, const char *key, double def, double lo, double hi,
                        double *out) {
    entry *e = lookup(c, section, key);
    double v = def;
    if (e) {
        char *end;
        errno = 0;
        v = strtod(e->value, &end);
        char expected[96];
        snprintf(expected, sizeof expected, "a number in %g..%g", lo, hi);
        if (!e->value[0] || *end || errno || !isfinite(v) || v < lo || v > hi) return bad_value(e, expected);
    }
    char text[32];
    snprintf(text, sizeof text, "%.17g", v);
    *out = v;
    return note_asked(c, section, key, text);
}

ganc_status config_bool(config *c, const char *section, const char *key, bool def, bool *out) {
    /* Any case: INI files written by hand or by Python say True and FALSE too. */
    static const char *const choices[] = {"false", "true", "no", "yes", "0", "1", "off", "on"};
    entry *e = lookup(c, section, key);
    *out = def;
    if (e) {
        size_t i = 0;
        while (i < sizeof choices / sizeof choices[0] && strcasecmp(e->value, choices[i]) != 0) i++;
        if (i == sizeof choices / sizeof choices[0])
            return bad_value(e, "true or false (also yes/no, on/off, 1/0, in any case)");
        *out = i % 2 == 1;
    }
    return note_asked(c, section, key, *out ? "true" : "false");
}

ganc_status config_string(config *c, const char *section, const char *key, const char *def, const char **out) {
    entry *e = lookup(c, section, key);
    if (!e && !def) return GANC_ERR(GANC_ERR_ARG, "config: [%s] needs the key \"%s\"", section, key);
    *out = e ? e->value : def;
    return note_asked(c, section, key, *out);
}

ganc_status config_choice(config *c, const char *section, const char *key, const char *def,
                          const char *const *choices, int *out) {
    const char *value;
    ganc_status st = config_string(c, section, key, def, &value);
    if (st) return st;
    for (int i = 0; choices[i]; i++)
        if (strcmp(value, choices[i]) == 0) {
            *out = i;
            return GANC_OK;
        }
    char expected[512] = "one of";
    for (int i = 0; choices[i]; i++)
        snprintf(expected + strlen(expected), sizeof expected - strlen(expected), " %s", choices[i]);
    entry *e = find_entry(c, section, key);
    if (e) return bad_value(e, expected);
    return GANC_ERR(GANC_ERR_ARG, "config: default \"%s\" of [%s] %s is not %s", value, section, key, expected);
}

ganc_status config_check_unused(const config *c) {
    for (size_t i = 0; i < c->n_entries; i++) {
        const entry *e = &c->entries[i];
        if (e->used) continue;
        char known[768] = "";
        for (size_t j = 0; j < c->n_asked; j++)
            if (strcmp(c->asked[j].section, e->section) == 0 && strlen(known) + strlen(c->asked[j].key) + 3 < sizeof known)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", known[0] ? ", " : "",
                         c->asked[j].key);
        if (known[0])
            return GANC_ERR(GANC_ERR_ARG, "%s:%d: unknown key \"%s\" in [%s]; valid keys: %s", e->origin, e->line,
                            e->key, e->section, known);
        char sections[768] = "";
        for (size_t j = 0; j < c->n_asked; j++) {
            bool seen = false;
            for (size_t k = 0; k < j && !seen; k++) seen = strcmp(c->asked[k].section, c->asked[j].section) == 0;
            if (!seen && strlen(sections) + strlen(c->asked[j].section) + 5 < sizeof sections)
                snprintf(sections + strlen(sections), sizeof sections - strlen(sections), "%s[%s]",
                         sections[0] ? ", " : "", c->asked[j].section);
        }
        return GANC_ERR(GANC_ERR_ARG, "%s:%d: unknown section [%s]; valid sections: %s", e->origin, e->line,
                        e->section, sections[0] ? sections : "(none)");
    }
    return GANC_OK;
}

char *config_resolved_text(const config *c) {
    size_t cap = 64;
    for (size_t i = 0; i < c->n_asked; i++)
        cap += strlen(c->asked[i].section) + strlen(c->asked[i].key) + strlen(c->asked[i].value) + 16;
    char *text = malloc(cap);
    if (!text) {
        GANC_ERR(GANC_ERR_MEMORY, "config: out of memory");
        return NULL;
    }
    size_t used = 0;
    text[0] = '\0';
    for (size_t i = 0; i < c->n_asked; i++) {
        const resolved *r = &c->asked[i];
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) seen = strcmp(c->asked[j].section, r->section) == 0;
        if (seen) continue;
        used += (size_t)snprintf(text + used, cap - used, "%s[%s]\n", used ? "\n" : "", r->section);
        for (size_t j = i; j < c->n_asked; j++)
            if (strcmp(c->asked[j].section, r->section) == 0)
                used += (size_t)snprintf(text + used, cap - used, "%s = %s\n", c->asked[j].key, c->asked[j].value);
    }
    return text;
}

size_t config_resolved_count(const config *c) { return c->n_asked; }

void config_resolved_at(const config *c, size_t i, const char **section, const char **key, const char **value) {
    *section = c->asked[i].section;
    *key = c->asked[i].key;
    *value = c->asked[i].value;
}

const char *config_peek(const config *c, const char *section, const char *key) {
    const entry *e = find_entry(c, section, key);
    return e ? e->value : NULL;
}

size_t config_entry_count(const config *c) { return c->n_entries; }

void config_entry_at(const config *c, size_t i, const char **section, const char **key, const char **value) {
    *section = c->entries[i].section;
    *key = c->entries[i].key;
    *value = c->entries[i].value;
}
