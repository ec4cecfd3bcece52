/*
 * The detect plugins' test host: see mock_host.h.
 */
#include "mock_host.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct intake_doc {
    char *text;
    size_t len;
    struct intake_span *spans;
    size_t n, cap;
    int count_only;
};

INTAKE_PRINTF(4, 5)
static void mock_log(const struct intake_context *ctx, const struct intake_doc *doc, int level,
                     const char *fmt, ...)
{
    (void)ctx;
    (void)doc;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "# [plugin] level=%d ", level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int mock_log_level(const struct intake_context *ctx)
{
    (void)ctx;
    const char *e = getenv("INTAKE_TEST_LOG_LEVEL");
    return e ? atoi(e) : INTAKE_LOG_WARN;
}

static const char *mock_doc_text(const struct intake_doc *doc, size_t *len)
{
    if (len)
        *len = doc->len;
    return doc->text;
}

/* UTF-8 boundary: not a continuation byte. */
static int on_boundary(const struct intake_doc *doc, uint64_t off)
{
    return off == doc->len || ((unsigned char)doc->text[off] & 0xC0) != 0x80;
}

static int mock_add_span(struct intake_doc *doc, const struct intake_span *sp,
                         struct intake_error *err)
{
    /* The checks the core makes: offsets inside the text, on boundaries. */
    if (sp->start >= sp->end || sp->end > doc->len || !on_boundary(doc, sp->start) ||
        !on_boundary(doc, sp->end) || sp->label == 0 || sp->label >= INTAKE_LABEL_COUNT ||
        !(sp->score >= 0.0f && sp->score <= 1.0f))
        return INTAKE_ERR(err, INTAKE_EINVAL, "bad span [%llu,%llu) label %u",
                          (unsigned long long)sp->start, (unsigned long long)sp->end, sp->label);
    if (doc->count_only) {
        doc->n++;
        return INTAKE_OK;
    }
    if (doc->n == doc->cap) {
        size_t ncap = doc->cap ? doc->cap * 2 : 64;
        struct intake_span *nv = realloc(doc->spans, ncap * sizeof *nv);
        if (!nv)
            return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
        doc->spans = nv;
        doc->cap = ncap;
    }
    doc->spans[doc->n++] = *sp;
    return INTAKE_OK;
}

static const struct intake_span *mock_doc_spans(const struct intake_doc *doc, size_t *count)
{
    *count = doc->n;
    return doc->spans;
}

static const struct intake_host mock_host = {
    .abi_major = INTAKE_PLUGIN_ABI_MAJOR,
    .abi_minor = INTAKE_PLUGIN_ABI_MINOR,
    .struct_size = sizeof(struct intake_host),
    .log = mock_log,
    .log_level = mock_log_level,
    .alloc = malloc,
    .free = free,
    .doc_text = mock_doc_text,
    .doc_add_span = mock_add_span,
    .doc_spans = mock_doc_spans,
};

const struct intake_host *harness_host(void)
{
    return &mock_host;
}

struct intake_doc *harness_doc_create(const char *text, size_t len)
{
    struct intake_doc *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->text = malloc(len + 1);
    if (!d->text) {
        free(d);
        return NULL;
    }
    memcpy(d->text, text, len);
    d->text[len] = '\0';
    d->len = len;
    return d;
}

void harness_doc_destroy(struct intake_doc *doc)
{
    if (!doc)
        return;
    free(doc->text);
    free(doc->spans);
    free(doc);
}

void harness_doc_clear_spans(struct intake_doc *doc)
{
    doc->n = 0;
}

const struct intake_span *harness_doc_spans(const struct intake_doc *doc, size_t *n)
{
    *n = doc->n;
    return doc->spans;
}

void harness_doc_count_only(struct intake_doc *doc, int on)
{
    doc->count_only = on;
}

int harness_load(intake_plugin_entry_fn entry, const struct intake_plugin **out)
{
    return entry(&mock_host, out);
}
