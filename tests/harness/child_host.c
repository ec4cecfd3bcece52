/* See child_host.h. */
#include "child_host.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t max_depth = 5, max_children = 10000;
static child_hook_fn hook;
static void *hook_user;
static size_t total_children;

static void h_log(const struct intake_context *ctx, const struct intake_doc *doc, int level,
                  const char *fmt, ...)
{
    (void)ctx;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "# [plugin] level=%d depth=%u ", level, doc ? doc->depth : 0);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int h_log_level(const struct intake_context *ctx)
{
    (void)ctx;
    const char *e = getenv("INTAKE_TEST_LOG_LEVEL");
    return e ? atoi(e) : INTAKE_LOG_WARN;
}

static void *h_alloc(size_t n)
{
    return malloc(n ? n : 1);
}

static const char *h_doc_id(const struct intake_doc *doc)
{
    (void)doc;
    return "0000000000000000000000000000000000000000000000000000000000000000";
}

static const char *h_doc_mime(const struct intake_doc *doc)
{
    return doc->mime;
}

static const unsigned char *h_doc_source(const struct intake_doc *doc, size_t *len)
{
    *len = doc->len;
    return doc->src;
}

static const char *h_doc_text(const struct intake_doc *doc, size_t *len)
{
    if (len)
        *len = doc->tlen;
    return doc->text ? doc->text : "";
}

/* Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF), as the core checks. */
static int utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3, min = 0x10000, c &= 0x07;
        } else {
            return 0;
        }
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80)
                return 0;
            c = c << 6 | (s[i + j] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
        i += k + 1;
    }
    return 1;
}

static int h_doc_add_page(struct intake_doc *doc, const char *utf8, size_t len,
                          struct intake_error *err)
{
    if (!utf8_ok((const unsigned char *)utf8, len))
        return INTAKE_ERR(err, INTAKE_EINVAL, "test host: page %u is not UTF-8", doc->npages + 1);
    char *t = realloc(doc->text, doc->tlen + len + 1);
    size_t *pe = realloc(doc->page_end, (doc->npages + 1) * sizeof *pe);
    if (t)
        doc->text = t;
    if (pe)
        doc->page_end = pe;
    if (!t || !pe)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "test host: out of memory");
    memcpy(t + doc->tlen, utf8, len);
    doc->tlen += len;
    t[doc->tlen] = '\0';
    doc->page_end[doc->npages++] = doc->tlen;
    return INTAKE_OK;
}

static uint32_t h_doc_page_count(const struct intake_doc *doc)
{
    return doc->npages;
}

static int h_doc_page_range(const struct intake_doc *doc, uint32_t i, uint64_t *start,
                            uint64_t *end)
{
    if (i >= doc->npages)
        return INTAKE_EINVAL;
    *start = i ? doc->page_end[i - 1] : 0;
    *end = doc->page_end[i];
    return INTAKE_OK;
}

static int h_doc_meta_set(struct intake_doc *doc, const char *key, const char *value,
                          struct intake_error *err)
{
    char **m = realloc(doc->meta, (doc->nmeta + 2) * sizeof *m);
    if (!m)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "test host: out of memory");
    doc->meta = m;
    m[doc->nmeta++] = strdup(key);
    m[doc->nmeta++] = strdup(value);
    return INTAKE_OK;
}

static const char *h_doc_meta_get(const struct intake_doc *doc, const char *key)
{
    const char *v = NULL;
    for (size_t i = 0; i + 1 < doc->nmeta; i += 2)
        if (strcmp(doc->meta[i], key) == 0)
            v = doc->meta[i + 1];
    return v;
}

static int h_doc_add_child(struct intake_doc *doc, const void *bytes, size_t len, const char *name,
                           struct intake_error *err)
{
    if (!doc || (!bytes && len) || !name)
        return INTAKE_ERR(err, INTAKE_EINVAL, "test host: bad child");
    if (!utf8_ok((const unsigned char *)name, strlen(name)))
        return INTAKE_ERR(err, INTAKE_EINVAL, "test host: child name is not UTF-8");
    if (doc->depth + 1 > max_depth)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "nested deeper than [pipeline] max_depth = %u",
                          max_depth);
    if (doc->nkids + 1 > max_children)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "more than [pipeline] max_children = %u children",
                          max_children);
    struct child_rec *k = realloc(doc->kids, (doc->nkids + 1) * sizeof *k);
    if (!k)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "test host: out of memory");
    doc->kids = k;
    struct child_rec *r = &k[doc->nkids];
    r->name = strdup(name);
    r->bytes = malloc(len ? len : 1);
    r->len = len;
    if (!r->name || !r->bytes) {
        free(r->name);
        free(r->bytes);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "test host: out of memory");
    }
    if (len)
        memcpy(r->bytes, bytes, len);
    doc->nkids++;
    total_children++;
    return hook ? hook(hook_user, doc, r, err) : INTAKE_OK;
}

static uint32_t h_doc_depth(const struct intake_doc *doc)
{
    return doc->depth;
}

static const struct intake_host host = {
    .abi_major = INTAKE_PLUGIN_ABI_MAJOR,
    .abi_minor = INTAKE_PLUGIN_ABI_MINOR,
    .struct_size = sizeof(struct intake_host),
    .log = h_log,
    .log_level = h_log_level,
    .alloc = h_alloc,
    .free = free,
    .doc_id = h_doc_id,
    .doc_mime = h_doc_mime,
    .doc_source = h_doc_source,
    .doc_text = h_doc_text,
    .doc_add_page = h_doc_add_page,
    .doc_page_count = h_doc_page_count,
    .doc_page_range = h_doc_page_range,
    .doc_meta_set = h_doc_meta_set,
    .doc_meta_get = h_doc_meta_get,
    .doc_add_child = h_doc_add_child,
    .doc_depth = h_doc_depth,
};

const struct intake_host *child_host(void)
{
    return &host;
}

void child_host_limits(uint32_t depth, uint32_t children)
{
    max_depth = depth;
    max_children = children;
}

void child_host_hook(child_hook_fn fn, void *user)
{
    hook = fn;
    hook_user = user;
}

size_t child_host_total_children(void)
{
    return total_children;
}

struct intake_doc *child_doc_create(const void *bytes, size_t len, const char *mime, uint32_t depth)
{
    struct intake_doc *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->src = malloc(len ? len : 1);
    if (!d->src) {
        free(d);
        return NULL;
    }
    if (len)
        memcpy(d->src, bytes, len);
    d->len = len;
    snprintf(d->mime, sizeof d->mime, "%s", mime ? mime : "application/octet-stream");
    d->depth = depth;
    return d;
}

void child_doc_destroy(struct intake_doc *doc)
{
    if (!doc)
        return;
    for (size_t i = 0; i < doc->nkids; i++) {
        free(doc->kids[i].name);
        free(doc->kids[i].bytes);
    }
    for (size_t i = 0; i < doc->nmeta; i++)
        free(doc->meta[i]);
    free(doc->meta);
    free(doc->kids);
    free(doc->page_end);
    free(doc->text);
    free(doc->src);
    free(doc);
}

const struct child_rec *child_doc_find(const struct intake_doc *doc, const char *name)
{
    for (size_t i = 0; i < doc->nkids; i++)
        if (strcmp(doc->kids[i].name, name) == 0)
            return &doc->kids[i];
    return NULL;
}
