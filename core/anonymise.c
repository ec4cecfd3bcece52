/*
 * core/anonymise.c: merge spans, apply the policy, write redacted text.
 */
#include "anonymise.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unicode/ucasemap.h>

static const char *const op_names[] = {"keep", "replace", "pseudonym", "mask", "redact"};

const char *intake_op_name(int op)
{
    return op >= 0 && op <= 4 ? op_names[op] : "?";
}

void intake_policy_default(struct intake_policy *p)
{
    for (int l = 0; l < INTAKE_LABEL_COUNT; l++) {
        p->op[l] = INTAKE_OP_REPLACE;
        p->threshold[l] = 0.5;
    }
    p->op[INTAKE_LABEL_NONE] = INTAKE_OP_KEEP;
    p->op[INTAKE_LABEL_PERSON] = INTAKE_OP_PSEUDONYM;
    p->op[INTAKE_LABEL_ORGANISATION] = INTAKE_OP_KEEP;
    p->scope = INTAKE_SCOPE_DOCUMENT;
    p->key_len = 0;
    p->key_path[0] = '\0';
}

void intake_policy_clear(struct intake_policy *p)
{
    explicit_bzero(p->key, sizeof p->key);
    p->key_len = 0;
}

int intake_policy_key_inside(const struct intake_policy *p, const char *dir)
{
    if (!p->key_path[0] || !dir)
        return 0;
    char d[PATH_MAX];
    if (!realpath(dir, d))
        return 0;
    size_t n = strlen(d);
    return strncmp(p->key_path, d, n) == 0 && (p->key_path[n] == '/' || d[n - 1] == '/');
}

/* Read the pseudonym key: a regular file, not readable by others, of 16
 * bytes or more (longer keys are hashed, as HMAC would). The message
 * names the file, never its bytes. */
static int read_key(struct intake_policy *p, const char *file, int line, const char *path,
                    struct intake_error *err)
{
    char real[PATH_MAX];
    if (!realpath(path, real))
        return INTAKE_ERR(err, INTAKE_ECONFIG, "%s:%d: [policy] pseudonym_key %s: %s", file, line,
                          path, strerror(errno));
    int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return INTAKE_ERR(err, INTAKE_ECONFIG, "%s:%d: [policy] pseudonym_key %s: %s", file, line,
                          path, strerror(e));
    }
    if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IROTH | S_IWOTH))) {
        close(fd);
        return INTAKE_ERR(err, INTAKE_ECONFIG,
                          "%s:%d: [policy] pseudonym_key %s must be a regular file that others "
                          "cannot read (chmod 600)",
                          file, line, path);
    }
    unsigned char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n < 16) {
        explicit_bzero(buf, sizeof buf);
        return INTAKE_ERR(err, INTAKE_ECONFIG,
                          "%s:%d: [policy] pseudonym_key %s holds fewer than 16 bytes "
                          "(make one: head -c 32 /dev/urandom > FILE)",
                          file, line, path);
    }
    if ((size_t)n > sizeof p->key) {
        unsigned int md = 0;
        EVP_Digest(buf, (size_t)n, p->key, &md, EVP_sha256(), NULL);
        p->key_len = md;
    } else {
        memcpy(p->key, buf, (size_t)n);
        p->key_len = (size_t)n;
    }
    explicit_bzero(buf, sizeof buf);
    snprintf(p->key_path, sizeof p->key_path, "%s", real);
    return INTAKE_OK;
}

static int parse_threshold(const char *v, double *out)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !(d >= 0.0 && d <= 1.0))
        return -1;
    *out = d;
    return 0;
}

int intake_policy_configure(struct intake_policy *p, const struct intake_config *cfg,
                            const struct intake_cfg_section *sec, struct intake_error *err)
{
    const char *file = cfg ? cfg->path : "(config)";
    for (size_t i = 0; sec && i < sec->nentries; i++) {
        const struct intake_cfg_entry *e = &sec->entries[i];
        if (strcmp(e->key, "threshold") == 0) {
            double d;
            if (parse_threshold(e->value, &d))
                return INTAKE_ERR(err, INTAKE_ECONFIG,
                                  "%s:%d: [policy] threshold = %s: must be a number in [0,1]", file,
                                  e->line, e->value);
            for (int l = 0; l < INTAKE_LABEL_COUNT; l++)
                p->threshold[l] = d;
        }
    }
    /* Per-type settings after the global threshold, whatever their order. */
    for (size_t i = 0; sec && i < sec->nentries; i++) {
        const struct intake_cfg_entry *e = &sec->entries[i];
        if (strcmp(e->key, "threshold") == 0)
            continue;
        if (strcmp(e->key, "pseudonym_scope") == 0) {
            static const char *const scopes[] = {"document", "case", "corpus"};
            p->scope = -1;
            for (int k = 0; k < 3; k++)
                if (strcmp(e->value, scopes[k]) == 0)
                    p->scope = k;
            if (p->scope < 0)
                return INTAKE_ERR(err, INTAKE_ECONFIG,
                                  "%s:%d: [policy] pseudonym_scope = %s: must be document, case "
                                  "or corpus",
                                  file, e->line, e->value);
            continue;
        }
        if (strcmp(e->key, "pseudonym_key") == 0) {
            int rc = read_key(p, file, e->line, e->value, err);
            if (rc)
                return rc;
            continue;
        }
        if (strncmp(e->key, "threshold.", 10) == 0) {
            uint32_t l = intake_label_from_name(e->key + 10);
            double d;
            if (!l)
                return INTAKE_ERR(err, INTAKE_ECONFIG, "%s:%d: [policy] unknown entity type '%s'",
                                  file, e->line, e->key + 10);
            if (parse_threshold(e->value, &d))
                return INTAKE_ERR(err, INTAKE_ECONFIG,
                                  "%s:%d: [policy] %s = %s: must be a number in [0,1]", file,
                                  e->line, e->key, e->value);
            p->threshold[l] = d;
            continue;
        }
        uint32_t l = intake_label_from_name(e->key);
        if (!l)
            return INTAKE_ERR(err, INTAKE_ECONFIG,
                              "%s:%d: [policy] unknown key '%s' (entity types are upper case, "
                              "e.g. PERSON)",
                              file, e->line, e->key);
        int op = -1;
        for (int k = 0; k <= 4; k++)
            if (strcmp(e->value, op_names[k]) == 0)
                op = k;
        if (op < 0)
            return INTAKE_ERR(err, INTAKE_ECONFIG,
                              "%s:%d: [policy] %s = %s: operator must be replace, pseudonym, "
                              "mask, redact or keep",
                              file, e->line, e->key, e->value);
        p->op[l] = op;
    }
    if (p->scope != INTAKE_SCOPE_DOCUMENT && !p->key_len)
        return INTAKE_ERR(err, INTAKE_ECONFIG,
                          "%s: [policy] pseudonym_scope = %s needs pseudonym_key = FILE (a secret "
                          "kept outside the store)",
                          file, p->scope == INTAKE_SCOPE_CASE ? "case" : "corpus");
    return INTAKE_OK;
}

static int cmp_span(const void *a, const void *b)
{
    const struct intake_span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return 0;
}

/* Does \p a beat \p b as the label of a merged entity? */
static int better(const struct intake_span *a, const struct intake_span *b)
{
    uint64_t la = a->end - a->start, lb = b->end - b->start;
    if (la != lb)
        return la > lb;
    if (a->score != b->score)
        return a->score > b->score;
    return a->label < b->label;
}

/* FNV-1a over the case-folded surface with whitespace runs collapsed, so
 * "Ivanova  Maria" and "IVANOVA Maria" are one entity. */
static uint64_t surface_key(const char *s, size_t n)
{
    UErrorCode ec = U_ZERO_ERROR;
    char stackbuf[512];
    char *fold = stackbuf;
    int32_t flen = 0;
    UCaseMap *cm = ucasemap_open("", U_FOLD_CASE_DEFAULT, &ec);
    if (U_SUCCESS(ec) && n < (size_t)INT32_MAX / 3) {
        int32_t cap = (int32_t)n * 3 + 4;
        if ((size_t)cap > sizeof stackbuf)
            fold = malloc((size_t)cap);
        if (fold)
            flen = ucasemap_utf8FoldCase(cm, fold, cap, s, (int32_t)n, &ec);
        if (!fold || U_FAILURE(ec))
            flen = -1;
    } else {
        flen = -1;
    }
    ucasemap_close(cm);
    const char *p = flen >= 0 ? fold : s;
    size_t len = flen >= 0 ? (size_t)flen : n;
    uint64_t h = 1469598103934665603ull;
    int space = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = 1;
            continue;
        }
        if (space) {
            h = (h ^ ' ') * 1099511628211ull;
            space = 0;
        }
        h = (h ^ c) * 1099511628211ull;
    }
    if (fold && fold != stackbuf) {
        explicit_bzero(fold, (size_t)(flen > 0 ? flen : 0));
        free(fold);
    }
    return h ? h : 1;
}

struct outbuf {
    char *p;
    size_t n, cap;
};

static int put(struct outbuf *o, const void *s, size_t n)
{
    if (o->n + n + 1 > o->cap) {
        size_t cap = (o->n + n + 1) * 2;
        char *q = malloc(cap);
        if (!q)
            return -1;
        if (o->p) {
            memcpy(q, o->p, o->n);
            explicit_bzero(o->p, o->cap);
            free(o->p);
        }
        o->p = q;
        o->cap = cap;
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
    o->p[o->n] = '\0';
    return 0;
}

static size_t count_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static int write_entity(struct outbuf *o, const char *text, const struct intake_entity *e)
{
    const char *s = text + e->start;
    size_t n = (size_t)(e->end - e->start);
    char tag[64];
    switch (e->op) {
    case INTAKE_OP_KEEP: return put(o, s, n);
    case INTAKE_OP_REPLACE:
        snprintf(tag, sizeof tag, "[%s]", intake_label_name(e->label));
        return put(o, tag, strlen(tag));
    case INTAKE_OP_PSEUDONYM:
        if (e->tag[0])
            snprintf(tag, sizeof tag, "[%s-%s]", intake_label_name(e->label), e->tag);
        else
            snprintf(tag, sizeof tag, "[%s-%u]", intake_label_name(e->label), e->number);
        return put(o, tag, strlen(tag));
    case INTAKE_OP_MASK: {
        size_t chars = count_chars(s, n), keep = chars >= 6 ? 2 : 0, i = 0, c = 0;
        for (; c < chars - keep; i++) {
            if (((unsigned char)s[i] & 0xC0) != 0x80) {
                c++;
                if (put(o, "*", 1))
                    return -1;
            }
        }
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        return put(o, s + i, n - i);
    }
    case INTAKE_OP_REDACT:
        for (size_t c = count_chars(s, n); c; c--)
            if (put(o, "\xE2\x96\x88", 3)) /* U+2588 FULL BLOCK */
                return -1;
        return 0;
    }
    return -1;
}

/* The case- or corpus-wide pseudonym of an entity: 8 hex digits of
 * HMAC-SHA256(key, type, scope, person key). Without the key the tag tells
 * nothing; with it, the same person gets the same tag in every document. */
static void hmac_tag(const struct intake_policy *p, uint32_t label, const char *scope, uint64_t key,
                     char out[9])
{
    unsigned char msg[512], md[EVP_MAX_MD_SIZE];
    const char *ln = intake_label_name(label);
    size_t n = 0, ll = strlen(ln), sl = scope ? strlen(scope) : 0;
    if (sl > sizeof msg - 64)
        sl = sizeof msg - 64;
    memcpy(msg, ln, ll);
    n = ll;
    msg[n++] = 0;
    if (sl)
        memcpy(msg + n, scope, sl);
    n += sl;
    msg[n++] = 0;
    for (int i = 0; i < 8; i++)
        msg[n++] = (unsigned char)(key >> (8 * i));
    unsigned int mdl = 0;
    HMAC(EVP_sha256(), p->key, (int)p->key_len, msg, n, md, &mdl);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 4; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[8] = '\0';
}

int intake_anonymise(const char *text, size_t len, const struct intake_span *spans, size_t nspans,
                     const struct intake_policy *policy, struct intake_redaction *out,
                     struct intake_error *err)
{
    return intake_anonymise_scoped(text, len, spans, nspans, policy, NULL, out, err);
}

int intake_anonymise_scoped(const char *text, size_t len, const struct intake_span *spans,
                            size_t nspans, const struct intake_policy *policy, const char *scope,
                            struct intake_redaction *out, struct intake_error *err)
{
    memset(out, 0, sizeof *out);
    struct intake_span *v = malloc((nspans ? nspans : 1) * sizeof *v);
    struct intake_entity *ents = malloc((nspans ? nspans : 1) * sizeof *ents);
    uint64_t *keys = malloc((nspans ? nspans : 1) * sizeof *keys);
    struct outbuf o = {0};
    if (!v || !ents || !keys)
        goto oom;
    size_t n = 0;
    for (size_t i = 0; i < nspans; i++) {
        const struct intake_span *s = &spans[i];
        if (s->label == INTAKE_LABEL_NONE || s->label >= INTAKE_LABEL_COUNT || s->end > len ||
            s->start >= s->end) {
            free(v);
            free(ents);
            free(keys);
            return INTAKE_ERR(err, INTAKE_EINTERNAL, "span %zu is invalid", i);
        }
        if (policy->op[s->label] == INTAKE_OP_KEEP || s->score < policy->threshold[s->label])
            continue;
        v[n++] = *s;
    }
    qsort(v, n, sizeof *v, cmp_span);

    size_t ne = 0;
    for (size_t i = 0; i < n;) {
        struct intake_span win = v[i];
        uint64_t start = v[i].start, end = v[i].end;
        size_t j = i + 1;
        for (; j < n && v[j].start < end; j++) {
            if (v[j].end > end)
                end = v[j].end;
            if (better(&v[j], &win))
                win = v[j];
        }
        struct intake_entity *e = &ents[ne];
        e->start = start;
        e->end = end;
        e->label = win.label;
        e->source = win.source;
        e->score = win.score;
        e->op = policy->op[win.label];
        e->number = 0;
        e->tag[0] = '\0';
        e->cues = win.cues;
        /* The detector's key only names the entity when its span is the whole entity. */
        keys[ne] = (win.key && win.start == start && win.end == end)
                       ? win.key
                       : surface_key(text + start, (size_t)(end - start));
        e->key = keys[ne];
        ne++;
        i = j;
    }

    /* Pseudonym numbers in order of first appearance, per label; or, for a
     * case or the corpus, keyed tags. */
    uint32_t next[INTAKE_LABEL_COUNT] = {0};
    for (size_t i = 0; i < ne; i++) {
        if (ents[i].op != INTAKE_OP_PSEUDONYM)
            continue;
        if (policy->scope != INTAKE_SCOPE_DOCUMENT && policy->key_len) {
            hmac_tag(policy, ents[i].label, policy->scope == INTAKE_SCOPE_CASE ? scope : NULL,
                     keys[i], ents[i].tag);
            continue;
        }
        for (size_t k = 0; k < i; k++) {
            if (ents[k].op == INTAKE_OP_PSEUDONYM && ents[k].label == ents[i].label &&
                keys[k] == keys[i]) {
                ents[i].number = ents[k].number;
                break;
            }
        }
        if (!ents[i].number)
            ents[i].number = ++next[ents[i].label];
    }

    size_t pos = 0;
    if (put(&o, "", 0))
        goto oom;
    for (size_t i = 0; i < ne; i++) {
        if (put(&o, text + pos, (size_t)(ents[i].start - pos)))
            goto oom;
        ents[i].rstart = o.n;
        if (write_entity(&o, text, &ents[i]))
            goto oom;
        ents[i].rend = o.n;
        pos = (size_t)ents[i].end;
    }
    if (put(&o, text + pos, len - pos))
        goto oom;

    free(v);
    free(keys);
    out->text = o.p;
    out->len = o.n;
    out->entities = ents;
    out->nentities = ne;
    return INTAKE_OK;
oom:
    free(v);
    free(ents);
    free(keys);
    if (o.p) {
        explicit_bzero(o.p, o.cap);
        free(o.p);
    }
    return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory while redacting");
}

void intake_redaction_clear(struct intake_redaction *r)
{
    if (!r)
        return;
    if (r->text) {
        explicit_bzero(r->text, r->len);
        free(r->text);
    }
    free(r->entities);
    memset(r, 0, sizeof *r);
}
