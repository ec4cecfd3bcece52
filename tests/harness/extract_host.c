/* See extract_host.h. Test code: simple, not thread-safe, globals are fine here. */
#include "extract_host.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XMAX_PAGES 64
#define XMAX_META  16

struct intake_doc {
    unsigned char *src;
    size_t len;
    char *mime;
    char *text;
    size_t tlen;
    unsigned npages;
    size_t page_end[XMAX_PAGES];
    unsigned nmeta;
    char *meta_key[XMAX_META];
    char *meta_val[XMAX_META];
};

static char log_buf[65536];
static size_t log_len;
static long live;
static int fail_at;

static void x_log(const struct intake_context *ctx, const struct intake_doc *doc, int level,
                  const char *fmt, ...)
{
    va_list ap;
    (void)ctx;
    (void)doc;
    if (log_len + 2 >= sizeof log_buf)
        return;
    log_len += (size_t)snprintf(log_buf + log_len, sizeof log_buf - log_len, "[%d] ", level);
    va_start(ap, fmt);
    int n = vsnprintf(log_buf + log_len, sizeof log_buf - log_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        log_len += (size_t)n < sizeof log_buf - log_len ? (size_t)n : sizeof log_buf - log_len - 1;
    if (log_len + 1 < sizeof log_buf)
        log_buf[log_len++] = '\n';
    log_buf[log_len] = '\0';
}

static int x_log_level(const struct intake_context *ctx)
{
    (void)ctx;
    return INTAKE_LOG_TRACE;
}

static void *x_alloc(size_t n)
{
    if (fail_at > 0 && --fail_at == 0)
        return NULL;
    void *p = malloc(n ? n : 1);
    if (p)
        live++;
    return p;
}

static void x_free(void *p)
{
    if (p)
        live--;
    free(p);
}

static const char *x_doc_id(const struct intake_doc *doc)
{
    (void)doc;
    return "0000000000000000000000000000000000000000000000000000000000000000";
}

static const char *x_doc_mime(const struct intake_doc *doc)
{
    return doc->mime ? doc->mime : "application/octet-stream";
}

static const unsigned char *x_doc_source(const struct intake_doc *doc, size_t *len)
{
    *len = doc->len;
    return doc->src;
}

static const char *x_doc_text(const struct intake_doc *doc, size_t *len)
{
    if (len)
        *len = doc->tlen;
    return doc->text ? doc->text : "";
}

/* Checks UTF-8 as the core does (structure only). */
static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 9;
        if (k == 9 || k > n - i - 1)
            return 0;
        for (size_t j = 1; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
        i += k + 1;
    }
    return 1;
}

static int x_doc_add_page(struct intake_doc *doc, const char *utf8, size_t len,
                          struct intake_error *err)
{
    if (doc->npages >= XMAX_PAGES)
        return INTAKE_ERR(err, INTAKE_EINVAL, "xhost: too many pages");
    if (!valid_utf8((const unsigned char *)utf8, len))
        return INTAKE_ERR(err, INTAKE_EINVAL, "xhost: page is not valid UTF-8");
    char *t = realloc(doc->text, doc->tlen + len + 1);
    if (!t)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "xhost: no memory");
    memcpy(t + doc->tlen, utf8, len);
    doc->tlen += len;
    t[doc->tlen] = '\0';
    doc->text = t;
    doc->page_end[doc->npages++] = doc->tlen;
    return INTAKE_OK;
}

static uint32_t x_doc_page_count(const struct intake_doc *doc)
{
    return doc->npages;
}

static int x_doc_page_range(const struct intake_doc *doc, uint32_t i, uint64_t *start,
                            uint64_t *end)
{
    if (i >= doc->npages)
        return INTAKE_EINVAL;
    *start = i ? doc->page_end[i - 1] : 0;
    *end = doc->page_end[i];
    return INTAKE_OK;
}

static int x_doc_meta_set(struct intake_doc *doc, const char *key, const char *value,
                          struct intake_error *err)
{
    for (unsigned i = 0; i < doc->nmeta; i++)
        if (strcmp(doc->meta_key[i], key) == 0) {
            free(doc->meta_val[i]);
            doc->meta_val[i] = strdup(value);
            return INTAKE_OK;
        }
    if (doc->nmeta >= XMAX_META)
        return INTAKE_ERR(err, INTAKE_EINVAL, "xhost: too much metadata");
    doc->meta_key[doc->nmeta] = strdup(key);
    doc->meta_val[doc->nmeta++] = strdup(value);
    return INTAKE_OK;
}

static const char *x_doc_meta_get(const struct intake_doc *doc, const char *key)
{
    for (unsigned i = 0; i < doc->nmeta; i++)
        if (strcmp(doc->meta_key[i], key) == 0)
            return doc->meta_val[i];
    return NULL;
}

static const struct intake_host host = {
    .abi_major = INTAKE_PLUGIN_ABI_MAJOR,
    .abi_minor = INTAKE_PLUGIN_ABI_MINOR,
    .struct_size = sizeof(struct intake_host),
    .log = x_log,
    .log_level = x_log_level,
    .alloc = x_alloc,
    .free = x_free,
    .doc_id = x_doc_id,
    .doc_mime = x_doc_mime,
    .doc_source = x_doc_source,
    .doc_text = x_doc_text,
    .doc_add_page = x_doc_add_page,
    .doc_page_count = x_doc_page_count,
    .doc_page_range = x_doc_page_range,
    .doc_meta_set = x_doc_meta_set,
    .doc_meta_get = x_doc_meta_get,
};

const struct intake_host *xhost(void)
{
    return &host;
}

struct intake_doc *xdoc_create(const void *bytes, size_t len, const char *mime)
{
    struct intake_doc *d = calloc(1, sizeof *d);
    d->src = malloc(len ? len : 1);
    memcpy(d->src, bytes, len);
    d->len = len;
    d->mime = mime ? strdup(mime) : NULL;
    return d;
}

void xdoc_destroy(struct intake_doc *d)
{
    if (!d)
        return;
    for (unsigned i = 0; i < d->nmeta; i++) {
        free(d->meta_key[i]);
        free(d->meta_val[i]);
    }
    free(d->text);
    free(d->src);
    free(d->mime);
    free(d);
}

const char *xdoc_text(const struct intake_doc *doc)
{
    return doc->text ? doc->text : "";
}

unsigned xdoc_pages(const struct intake_doc *doc)
{
    return doc->npages;
}

char *xdoc_page_dup(const struct intake_doc *doc, unsigned i)
{
    if (i >= doc->npages)
        return strdup("");
    size_t s = i ? doc->page_end[i - 1] : 0, e = doc->page_end[i];
    char *p = malloc(e - s + 1);
    memcpy(p, doc->text + s, e - s);
    p[e - s] = '\0';
    return p;
}

const char *xdoc_meta(const struct intake_doc *doc, const char *key)
{
    return x_doc_meta_get(doc, key);
}

const char *xhost_log(void)
{
    return log_buf;
}

void xhost_log_clear(void)
{
    log_len = 0;
    log_buf[0] = '\0';
}

long xhost_live_allocs(void)
{
    return live;
}

int xhost_run(const struct intake_plugin *p, void *instance, struct intake_doc *doc,
              struct intake_error *err)
{
    void *w = NULL;
    intake_error_clear(err);
    if (p->cb_worker_init) {
        int rc = p->cb_worker_init(instance, &w, err);
        if (rc != INTAKE_OK)
            return rc;
    }
    int rc = p->cb_process(instance, w, doc, err);
    if (p->cb_worker_exit)
        p->cb_worker_exit(instance, w);
    return rc;
}

void xhost_fail_alloc(int n)
{
    fail_at = n;
}

size_t xdoc_text_len(const struct intake_doc *doc)
{
    return doc->tlen;
}
