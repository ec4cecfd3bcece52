/* See mock_host.h. Test code: simple, not thread-safe, globals are fine here. */
#include "mock_host.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char log_buf[65536];
static size_t log_len;
static int fail_at;
static long live;

static void m_log(const struct intake_context *ctx, const struct intake_doc *doc, int level,
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

static int m_log_level(const struct intake_context *ctx)
{
    (void)ctx;
    return INTAKE_LOG_TRACE;
}

static void *m_alloc(size_t n)
{
    if (fail_at > 0 && --fail_at == 0)
        return NULL;
    void *p = malloc(n ? n : 1);
    if (p)
        live++;
    return p;
}

static void m_free(void *p)
{
    if (p)
        live--;
    free(p);
}

static const unsigned char *m_doc_source(const struct intake_doc *doc, size_t *len)
{
    *len = doc->len;
    return doc->src;
}

static const char *m_doc_text(const struct intake_doc *doc, size_t *len)
{
    if (len)
        *len = doc->tlen;
    return doc->text ? doc->text : "";
}

static int m_doc_add_page(struct intake_doc *doc, const char *utf8, size_t len,
                          struct intake_error *err)
{
    if (doc->npages >= MOCK_MAX_PAGES)
        return INTAKE_ERR(err, INTAKE_EINVAL, "mock: too many pages");
    char *t = realloc(doc->text, doc->tlen + len + 1);
    if (!t)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "mock: no memory");
    memcpy(t + doc->tlen, utf8, len);
    doc->tlen += len;
    t[doc->tlen] = '\0';
    doc->text = t;
    doc->page_end[doc->npages++] = doc->tlen;
    return INTAKE_OK;
}

static uint32_t m_doc_page_count(const struct intake_doc *doc)
{
    return doc->npages;
}

static int m_doc_page_range(const struct intake_doc *doc, uint32_t i, uint64_t *start,
                            uint64_t *end)
{
    if (i >= doc->npages)
        return INTAKE_EINVAL;
    *start = i ? doc->page_end[i - 1] : 0;
    *end = doc->page_end[i];
    return INTAKE_OK;
}

static int m_doc_meta_set(struct intake_doc *doc, const char *key, const char *value,
                          struct intake_error *err)
{
    for (unsigned i = 0; i < doc->nmeta; i++)
        if (strcmp(doc->meta_key[i], key) == 0) {
            free(doc->meta_val[i]);
            doc->meta_val[i] = strdup(value);
            return INTAKE_OK;
        }
    if (doc->nmeta >= MOCK_MAX_META)
        return INTAKE_ERR(err, INTAKE_EINVAL, "mock: too much metadata");
    doc->meta_key[doc->nmeta] = strdup(key);
    doc->meta_val[doc->nmeta++] = strdup(value);
    return INTAKE_OK;
}

static const char *m_doc_meta_get(const struct intake_doc *doc, const char *key)
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
    .log = m_log,
    .log_level = m_log_level,
    .alloc = m_alloc,
    .free = m_free,
    .doc_source = m_doc_source,
    .doc_text = m_doc_text,
    .doc_add_page = m_doc_add_page,
    .doc_page_count = m_doc_page_count,
    .doc_page_range = m_doc_page_range,
    .doc_meta_set = m_doc_meta_set,
    .doc_meta_get = m_doc_meta_get,
};

const struct intake_host *mock_host(void)
{
    return &host;
}

struct intake_doc *mock_doc_create(const void *bytes, size_t len)
{
    struct intake_doc *d = calloc(1, sizeof *d);
    d->src = malloc(len ? len : 1);
    memcpy(d->src, bytes, len);
    d->len = len;
    return d;
}

void mock_doc_destroy(struct intake_doc *d)
{
    if (!d)
        return;
    for (unsigned i = 0; i < d->nmeta; i++) {
        free(d->meta_key[i]);
        free(d->meta_val[i]);
    }
    free(d->text);
    free(d->src);
    free(d);
}

const char *mock_log(void)
{
    return log_buf;
}

void mock_log_clear(void)
{
    log_len = 0;
    log_buf[0] = '\0';
}

void mock_fail_alloc(int n)
{
    fail_at = n;
}

long mock_live_allocs(void)
{
    return live;
}
