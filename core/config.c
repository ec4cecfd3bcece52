/*
 * core/config.c: INI files through inih, plus option-table validation.
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parse_state {
    struct intake_config *cfg;
    int line;             /* current line, counted by our reader */
    int section_line;     /* line of the last [section] header seen */
    const char *text_pos; /* when parsing a string */
    FILE *fp;             /* when parsing a file */
    struct intake_error *err;
    int failed;
};

/* inih's reader callback: one line at a time, so we know the line number. */
static char *reader(char *buf, int size, void *stream)
{
    struct parse_state *st = stream;
    char *r;
    int more; /* bytes follow what was read */
    if (st->fp) {
        r = fgets(buf, size, st->fp);
        int c = r ? fgetc(st->fp) : EOF;
        more = c != EOF;
        if (more)
            ungetc(c, st->fp);
    } else {
        const char *p = st->text_pos;
        if (!p || !*p)
            return NULL;
        int n = 0;
        while (p[n] && p[n] != '\n' && n < size - 1)
            n++;
        if (p[n] == '\n' && n < size - 1)
            n++;
        memcpy(buf, p, (size_t)n);
        buf[n] = '\0';
        st->text_pos = p + n;
        more = *st->text_pos != '\0';
        r = buf;
    }
    if (r) {
        st->line++;
        size_t n = strlen(r);
        /* inih's line buffer is fixed when it is built (200 in Debian): a
         * longer line would be split and its tail misread. Say so. */
        if (n == (size_t)size - 1 && r[n - 1] != '\n' && more) {
            INTAKE_ERR(st->err, INTAKE_ECONFIG, "%s:%d: line longer than %d bytes", st->cfg->path,
                       st->line, size - 2);
            st->failed = 1;
            return NULL;
        }
        const char *p = r;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '[')
            st->section_line = st->line;
    }
    return r;
}

/* Expand ${VAR} from the environment; an unset variable is an error. */
static char *expand_env(const char *v, const char **missing)
{
    size_t cap = strlen(v) + 1, n = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    for (const char *p = v; *p;) {
        const char *val = NULL;
        size_t vlen = 0, skip = 1;
        if (p[0] == '$' && p[1] == '{') {
            const char *end = strchr(p + 2, '}');
            if (end) {
                char name[128];
                size_t nl = (size_t)(end - (p + 2));
                if (nl == 0 || nl >= sizeof name) {
                    free(out);
                    *missing = "(bad name)";
                    return NULL;
                }
                memcpy(name, p + 2, nl);
                name[nl] = '\0';
                val = getenv(name);
                if (!val) {
                    free(out);
                    *missing = p; /* caller prints only the name part */
                    return NULL;
                }
                vlen = strlen(val);
                skip = nl + 3;
            }
        }
        if (!val) {
            val = p;
            vlen = 1;
        }
        if (n + vlen + 1 > cap) {
            cap = (n + vlen + 1) * 2;
            char *o = realloc(out, cap);
            if (!o) {
                free(out);
                return NULL;
            }
            out = o;
        }
        memcpy(out + n, val, vlen);
        n += vlen;
        p += skip;
    }
    out[n] = '\0';
    return out;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    struct parse_state *st = user;
    struct intake_config *cfg = st->cfg;
    if (st->failed)
        return 0;
    struct intake_cfg_section *sec = NULL;
    if (cfg->nsections && strcmp(cfg->sections[cfg->nsections - 1].name, section) == 0)
        sec = &cfg->sections[cfg->nsections - 1];
    if (!sec) {
        for (size_t i = 0; i < cfg->nsections; i++) {
            if (strcmp(cfg->sections[i].name, section) == 0) {
                INTAKE_ERR(st->err, INTAKE_ECONFIG,
                           "%s:%d: [%s] section appears twice (first at line %d)", cfg->path,
                           st->line, section, cfg->sections[i].line);
                st->failed = 1;
                return 0;
            }
        }
        struct intake_cfg_section *s =
            realloc(cfg->sections, (cfg->nsections + 1) * sizeof *cfg->sections);
        if (!s)
            goto oom;
        cfg->sections = s;
        sec = &s[cfg->nsections++];
        memset(sec, 0, sizeof *sec);
        sec->name = strdup(section);
        sec->line = st->section_line;
        if (!sec->name)
            goto oom;
    }
    if (!name) /* new section with no keys yet (INI_CALL_HANDLER_ON_NEW_SECTION) */
        return 1;
    if (section[0] == '\0') {
        INTAKE_ERR(st->err, INTAKE_ECONFIG, "%s:%d: key '%s' outside any section", cfg->path,
                   st->line, name);
        st->failed = 1;
        return 0;
    }
    for (size_t i = 0; i < sec->nentries; i++) {
        if (strcmp(sec->entries[i].key, name) == 0) {
            INTAKE_ERR(st->err, INTAKE_ECONFIG, "%s:%d: [%s] key '%s' set twice (first at line %d)",
                       cfg->path, st->line, section, name, sec->entries[i].line);
            st->failed = 1;
            return 0;
        }
    }
    struct intake_cfg_entry *e = realloc(sec->entries, (sec->nentries + 1) * sizeof *e);
    if (!e)
        goto oom;
    sec->entries = e;
    e = &e[sec->nentries];
    const char *missing = NULL;
    e->value = expand_env(value, &missing);
    if (!e->value) {
        if (missing) {
            const char *end = strchr(missing, '}');
            int len = end ? (int)(end - missing - 2) : 0;
            INTAKE_ERR(st->err, INTAKE_ECONFIG,
                       "%s:%d: [%s] %s: environment variable '%.*s' is not set", cfg->path,
                       st->line, section, name, len > 0 ? len : 0, missing + 2);
            st->failed = 1;
            return 0;
        }
        goto oom;
    }
    e->key = strdup(name);
    if (!e->key) {
        free(e->value);
        goto oom;
    }
    e->line = st->line;
    sec->nentries++;
    return 1;
oom:
    INTAKE_ERR(st->err, INTAKE_ENOMEM, "out of memory reading %s", cfg->path);
    st->failed = 1;
    return 0;
}

int intake_config_parse(const char *path, const char *text, struct intake_config **out,
                        struct intake_error *err)
{
    *out = NULL;
    struct intake_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg || !(cfg->path = strdup(path ? path : "(config)"))) {
        free(cfg);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    }
    struct parse_state st = {.cfg = cfg, .err = err, .text_pos = text};
    if (!text) {
        st.fp = fopen(path, "r");
        if (!st.fp) {
            int e = errno;
            intake_config_destroy(cfg);
            return INTAKE_ERR(err, INTAKE_ECONFIG, "%s: cannot open config: %s", path, strerror(e));
        }
    }
    int rc = ini_parse_stream(reader, &st, handler, &st);
    if (st.fp)
        fclose(st.fp);
    if (st.failed) {
        intake_config_destroy(cfg);
        return err ? err->code : INTAKE_ECONFIG;
    }
    if (rc != 0) {
        intake_config_destroy(cfg);
        return INTAKE_ERR(err, INTAKE_ECONFIG, "%s:%d: syntax error", path ? path : "(config)",
                          rc > 0 ? rc : 0);
    }
    *out = cfg;
    return INTAKE_OK;
}

void intake_config_destroy(struct intake_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->nsections; i++) {
        struct intake_cfg_section *s = &cfg->sections[i];
        for (size_t j = 0; j < s->nentries; j++) {
            free(s->entries[j].key);
            free(s->entries[j].value);
        }
        free(s->entries);
        free(s->name);
    }
    free(cfg->sections);
    free(cfg->path);
    free(cfg);
}

const struct intake_cfg_section *intake_config_section(const struct intake_config *cfg,
                                                       const char *name)
{
    for (size_t i = 0; cfg && i < cfg->nsections; i++)
        if (strcmp(cfg->sections[i].name, name) == 0)
            return &cfg->sections[i];
    return NULL;
}

const struct intake_cfg_entry *intake_cfg_get(const struct intake_cfg_section *sec, const char *key)
{
    for (size_t i = 0; sec && i < sec->nentries; i++)
        if (strcmp(sec->entries[i].key, key) == 0)
            return &sec->entries[i];
    return NULL;
}

int intake_parse_bool(const char *s, int *out)
{
    static const char *const t[] = {"true", "yes", "on", "1"}, *const f[] = {"false", "no", "off",
                                                                             "0"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, t[i]) == 0)
            return *out = 1, 0;
        if (strcmp(s, f[i]) == 0)
            return *out = 0, 0;
    }
    return -1;
}

/* A non-negative number followed by a unit from \p units; 0 on success. */
static int parse_scaled(const char *s, const char *const *units, const long long *mult,
                        long long *out)
{
    char *end;
    errno = 0;
    if (!(*s >= '0' && *s <= '9'))
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    for (int i = 0; units[i]; i++) {
        if (strcmp(end, units[i]) == 0) {
            if (v > (unsigned long long)(INT64_MAX / mult[i]))
                return -1;
            *out = (long long)v * mult[i];
            return 0;
        }
    }
    return -1;
}

int intake_parse_size(const char *s, long long *out)
{
    static const char *const u[] = {"", "k", "K", "M", "G", "KB", "MB", "GB", NULL};
    static const long long m[] = {1, 1024, 1024, 1 << 20, 1 << 30, 1024, 1 << 20, 1 << 30};
    return parse_scaled(s, u, m, out);
}

int intake_parse_duration_ms(const char *s, long long *out)
{
    static const char *const u[] = {"", "ms", "s", "m", "h", NULL};
    static const long long m[] = {1, 1, 1000, 60000, 3600000};
    return parse_scaled(s, u, m, out);
}

static const char *type_name(uint32_t t)
{
    switch (t) {
    case INTAKE_OPT_STR: return "string";
    case INTAKE_OPT_INT: return "integer";
    case INTAKE_OPT_BOOL: return "boolean";
    case INTAKE_OPT_SIZE: return "size (e.g. 64M)";
    case INTAKE_OPT_DURATION: return "duration (e.g. 30s)";
    case INTAKE_OPT_LIST: return "list";
    case INTAKE_OPT_PATH: return "path";
    case INTAKE_OPT_DOUBLE: return "number";
    default: return "?";
    }
}

/* Split "a, b ,c" into a NULL-terminated array of trimmed strings. */
static char **split_list(const char *s)
{
    size_t n = 1;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    char **v = calloc(n + 1, sizeof *v);
    if (!v)
        return NULL;
    size_t k = 0;
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len) {
            v[k] = strndup(p, len);
            if (!v[k]) {
                for (size_t i = 0; i < k; i++)
                    free(v[i]);
                free(v);
                return NULL;
            }
            k++;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return v;
}

/* Convert one value into the field at \p field; messages never echo sensitive values. */
static int set_value(const struct intake_config *cfg, const struct intake_cfg_section *sec,
                     const struct intake_option *o, const char *value, int line, void *field,
                     struct intake_error *err)
{
    const char *file = cfg ? cfg->path : "(config)";
    const char *shown = (o->flags & INTAKE_OPT_SENSITIVE) ? "(hidden)" : value;
    long long ll = 0;
    double d = 0;
    char *end;
    switch (o->type) {
    case INTAKE_OPT_STR:
    case INTAKE_OPT_PATH: {
        char *s = strdup(value);
        if (!s)
            return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
        free(*(char **)field);
        *(char **)field = s;
        return 0;
    }
    case INTAKE_OPT_LIST: {
        char **v = split_list(value);
        if (!v)
            return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
        char **old = *(char ***)field;
        for (size_t i = 0; old && old[i]; i++)
            free(old[i]);
        free(old);
        *(char ***)field = v;
        return 0;
    }
    case INTAKE_OPT_BOOL: {
        int b;
        if (intake_parse_bool(value, &b))
            goto bad;
        *(int32_t *)field = b;
        return 0;
    }
    case INTAKE_OPT_INT:
        errno = 0;
        ll = strtoll(value, &end, 10);
        if (errno || end == value || *end)
            goto bad;
        d = (double)ll;
        break;
    case INTAKE_OPT_SIZE:
        if (intake_parse_size(value, &ll))
            goto bad;
        d = (double)ll;
        break;
    case INTAKE_OPT_DURATION:
        if (intake_parse_duration_ms(value, &ll))
            goto bad;
        d = (double)ll;
        break;
    case INTAKE_OPT_DOUBLE:
        errno = 0;
        d = strtod(value, &end);
        if (errno || end == value || *end || !isfinite(d))
            goto bad;
        break;
    default:
        return INTAKE_ERR(err, INTAKE_EINTERNAL, "%s:%d: [%s] %s: option table has bad type %u",
                          file, line, sec->name, o->name, o->type);
    }
    if (o->min < o->max && (d < o->min || d > o->max))
        return INTAKE_ERR(err, INTAKE_ECONFIG, "%s:%d: [%s] %s = %s: must be between %g and %g",
                          file, line, sec->name, o->name, shown, o->min, o->max);
    if (o->type == INTAKE_OPT_DOUBLE)
        *(double *)field = d;
    else
        *(int64_t *)field = ll;
    return 0;
bad:
    return INTAKE_ERR(err, INTAKE_ECONFIG, "%s:%d: [%s] %s = %s: not a valid %s", file, line,
                      sec->name, o->name, shown, type_name(o->type));
}

int intake_options_apply(const struct intake_config *cfg, const struct intake_cfg_section *sec,
                         const struct intake_option *options, const char *const *core_keys,
                         void *out, struct intake_error *err)
{
    const char *file = cfg ? cfg->path : "(config)";
    for (size_t i = 0; sec && i < sec->nentries; i++) {
        const struct intake_cfg_entry *e = &sec->entries[i];
        int known = 0;
        for (size_t k = 0; core_keys && core_keys[k] && !known; k++)
            known = strcmp(core_keys[k], e->key) == 0;
        for (const struct intake_option *o = options; o && o->type && !known; o++)
            known = strcmp(o->name, e->key) == 0;
        if (!known)
            return INTAKE_ERR(err, INTAKE_ECONFIG, "%s:%d: [%s] unknown key '%s'", file, e->line,
                              sec->name, e->key);
    }
    for (const struct intake_option *o = options; o && o->type; o++) {
        const struct intake_cfg_entry *e = intake_cfg_get(sec, o->name);
        void *field = (char *)out + o->offset;
        int rc;
        if (e)
            rc = set_value(cfg, sec, o, e->value, e->line, field, err);
        else if (o->flags & INTAKE_OPT_REQUIRED)
            rc = INTAKE_ERR(err, INTAKE_ECONFIG, "%s:%d: [%s] required key '%s' is missing", file,
                            sec ? sec->line : 0, sec ? sec->name : "?", o->name);
        else if (o->def)
            rc = set_value(cfg, sec, o, o->def, 0, field, err);
        else
            rc = 0;
        if (rc)
            return rc;
    }
    return INTAKE_OK;
}

void intake_options_clear(const struct intake_option *options, void *out)
{
    for (const struct intake_option *o = options; o && o->type; o++) {
        void *field = (char *)out + o->offset;
        if (o->type == INTAKE_OPT_STR || o->type == INTAKE_OPT_PATH) {
            char *s = *(char **)field;
            if (s && (o->flags & INTAKE_OPT_SENSITIVE))
                explicit_bzero(s, strlen(s));
            free(s);
            *(char **)field = NULL;
        } else if (o->type == INTAKE_OPT_LIST) {
            char **v = *(char ***)field;
            for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
            free(v);
            *(char ***)field = NULL;
        }
    }
}

int intake_config_override(struct intake_cfg_section *sec, const char *key, const char *value)
{
    char *v = strdup(value);
    if (!v)
        return INTAKE_ENOMEM;
    for (size_t i = 0; i < sec->nentries; i++) {
        if (strcmp(sec->entries[i].key, key) == 0) {
            free(sec->entries[i].value);
            sec->entries[i].value = v;
            sec->entries[i].line = 0;
            return INTAKE_OK;
        }
    }
    struct intake_cfg_entry *e = realloc(sec->entries, (sec->nentries + 1) * sizeof *e);
    char *k = strdup(key);
    if (!e || !k) {
        if (e)
            sec->entries = e;
        free(v);
        free(k);
        return INTAKE_ENOMEM;
    }
    sec->entries = e;
    e[sec->nentries].key = k;
    e[sec->nentries].value = v;
    e[sec->nentries].line = 0;
    sec->nentries++;
    return INTAKE_OK;
}
