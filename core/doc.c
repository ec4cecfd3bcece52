/*
 * core/doc.c: the document model behind the host table's doc_* functions.
 */
#include "doc.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

struct arena_block {
    struct arena_block *next;
    size_t size;
    max_align_t data[]; /* plugin scratch memory */
};

struct meta_entry {
    char *key;
    char *value;
};

struct intake_doc {
    char id[65];
    char *mime;
    unsigned char *src;
    size_t src_len;

    char *text; /* NUL-terminated UTF-8 */
    size_t text_len, text_cap;
    int frozen; /* detection has started: text is immutable */

    uint64_t *page_end; /* page i is [page_end[i-1] or 0, page_end[i]) */
    uint32_t npages, page_cap;

    struct meta_entry *meta;
    size_t nmeta, meta_cap;

    char lang[36];

    struct intake_span *spans;
    size_t nspans, span_cap;
    uint32_t source;

    char *redacted; /* set by the anonymiser only */
    size_t redacted_len;
    struct intake_span *entities;
    size_t nentities;
    char *source_name;                 /* redacted */
    const char *const *detector_names; /* borrowed from the engine */
    uint32_t ndetectors;

    struct arena_block *arena;
};

/* Grow *buf to hold at least n elements of size sz; doubles to stay amortised O(1). */
static int grow(void **buf, size_t *cap, size_t n, size_t sz)
{
    if (n <= *cap)
        return 0;
    size_t c = *cap ? *cap : 8;
    while (c < n)
        c *= 2;
    void *p = realloc(*buf, c * sz);
    if (!p)
        return -1;
    *buf = p;
    *cap = c;
    return 0;
}

static void zero_free(void *p, size_t n)
{
    if (p) {
        explicit_bzero(p, n);
        free(p);
    }
}

int intake_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned min;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            min = 0x10000;
        } else {
            return 0;
        }
        if (n >= len - i) /* the sequence needs bytes i..i+n */
            return 0;
        unsigned cp = c & (0x3F >> n);
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

struct intake_doc *intake_doc_create(const void *bytes, size_t len, const char *mime)
{
    struct intake_doc *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->src = malloc(len ? len : 1);
    d->text = calloc(1, 1);
    d->text_cap = 1;
    if (!d->src || !d->text)
        goto fail;
    if (len)
        memcpy(d->src, bytes, len);
    d->src_len = len;
    if (mime && intake_doc_set_mime(d, mime) != 0)
        goto fail;
    strcpy(d->lang, "und");

    unsigned char md[32];
    unsigned int mdlen = 0;
    if (!EVP_Digest(bytes ? bytes : "", len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
        goto fail;
    for (int i = 0; i < 32; i++) {
        static const char hex[] = "0123456789abcdef";
        d->id[2 * i] = hex[md[i] >> 4];
        d->id[2 * i + 1] = hex[md[i] & 15];
    }
    d->id[64] = '\0';
    return d;
fail:
    intake_doc_destroy(d);
    return NULL;
}

struct intake_doc *intake_doc_create_with_id(const char *id, const char *mime)
{
    if (!id || strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64)
        return NULL;
    struct intake_doc *d = intake_doc_create("", 0, mime);
    if (d)
        memcpy(d->id, id, 65);
    return d;
}

void intake_doc_destroy(struct intake_doc *d)
{
    if (!d)
        return;
    zero_free(d->src, d->src_len);
    zero_free(d->text, d->text_cap);
    free(d->mime);
    free(d->page_end);
    for (size_t i = 0; i < d->nmeta; i++) {
        free(d->meta[i].key);
        if (d->meta[i].value)
            zero_free(d->meta[i].value, strlen(d->meta[i].value));
    }
    free(d->meta);
    free(d->spans);
    zero_free(d->redacted, d->redacted_len + 1);
    free(d->entities);
    free(d->source_name);
    for (struct arena_block *b = d->arena, *n; b; b = n) {
        n = b->next;
        zero_free(b, sizeof *b + b->size);
    }
    free(d);
}

int intake_doc_set_mime(struct intake_doc *d, const char *mime)
{
    char *m = strdup(mime);
    if (!m)
        return INTAKE_ENOMEM;
    free(d->mime);
    d->mime = m;
    return 0;
}

void intake_doc_freeze_text(struct intake_doc *d)
{
    d->frozen = 1;
}
void intake_doc_set_source(struct intake_doc *d, uint32_t source)
{
    d->source = source;
}

const char *intake_doc_id(const struct intake_doc *d)
{
    return d ? d->id : "";
}
const char *intake_doc_mime(const struct intake_doc *d)
{
    return d && d->mime ? d->mime : "application/octet-stream";
}

const unsigned char *intake_doc_source(const struct intake_doc *d, size_t *len)
{
    if (len)
        *len = d ? d->src_len : 0;
    return d ? d->src : NULL;
}

const char *intake_doc_text(const struct intake_doc *d, size_t *len)
{
    if (len)
        *len = d ? d->text_len : 0;
    return d ? d->text : "";
}

int intake_doc_add_page(struct intake_doc *d, const char *utf8, size_t len,
                        struct intake_error *err)
{
    intake_return_val_if_fail(d && (utf8 || len == 0), INTAKE_EINVAL);
    if (d->frozen)
        return INTAKE_ERR(err, INTAKE_EINVAL, "text is frozen once detection has started");
    if (!intake_utf8_valid(utf8, len))
        return INTAKE_ERR(err, INTAKE_EFORMAT, "extracted text is not valid UTF-8");
    size_t need = d->text_len + len + 1;
    if (need > d->text_cap) {
        /* Not realloc: the old buffer holds document text and must be zeroed. */
        size_t cap = d->text_cap * 2 > need ? d->text_cap * 2 : need;
        char *t = malloc(cap);
        if (!t)
            return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for document text");
        memcpy(t, d->text, d->text_len + 1);
        zero_free(d->text, d->text_cap);
        d->text = t;
        d->text_cap = cap;
    }
    size_t pc = d->page_cap;
    if (grow((void **)&d->page_end, &pc, d->npages + 1, sizeof *d->page_end))
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for pages");
    d->page_cap = (uint32_t)pc;
    if (len)
        memcpy(d->text + d->text_len, utf8, len);
    d->text_len += len;
    d->text[d->text_len] = '\0';
    d->page_end[d->npages++] = d->text_len;
    return INTAKE_OK;
}

uint32_t intake_doc_page_count(const struct intake_doc *d)
{
    return d ? d->npages : 0;
}

int intake_doc_page_range(const struct intake_doc *d, uint32_t i, uint64_t *start, uint64_t *end)
{
    intake_return_val_if_fail(d && i < d->npages, INTAKE_EINVAL);
    if (start)
        *start = i ? d->page_end[i - 1] : 0;
    if (end)
        *end = d->page_end[i];
    return INTAKE_OK;
}

int intake_doc_meta_set(struct intake_doc *d, const char *key, const char *value,
                        struct intake_error *err)
{
    intake_return_val_if_fail(d && key && value, INTAKE_EINVAL);
    char *v = strdup(value);
    if (!v)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for metadata");
    for (size_t i = 0; i < d->nmeta; i++) {
        if (strcmp(d->meta[i].key, key) == 0) {
            zero_free(d->meta[i].value, strlen(d->meta[i].value));
            d->meta[i].value = v;
            return INTAKE_OK;
        }
    }
    char *k = strdup(key);
    if (!k || grow((void **)&d->meta, &d->meta_cap, d->nmeta + 1, sizeof *d->meta)) {
        free(k);
        free(v);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for metadata");
    }
    d->meta[d->nmeta].key = k;
    d->meta[d->nmeta].value = v;
    d->nmeta++;
    return INTAKE_OK;
}

const char *intake_doc_meta_get(const struct intake_doc *d, const char *key)
{
    for (size_t i = 0; d && key && i < d->nmeta; i++)
        if (strcmp(d->meta[i].key, key) == 0)
            return d->meta[i].value;
    return NULL;
}

int intake_doc_meta_at(const struct intake_doc *d, size_t i, const char **key, const char **value)
{
    if (!d || i >= d->nmeta)
        return 0;
    *key = d->meta[i].key;
    *value = d->meta[i].value;
    return 1;
}

const char *intake_doc_lang(const struct intake_doc *d)
{
    return d ? d->lang : "und";
}

int intake_doc_set_lang(struct intake_doc *d, const char *lang, struct intake_error *err)
{
    intake_return_val_if_fail(d && lang, INTAKE_EINVAL);
    size_t n = strlen(lang);
    if (n == 0 || n >= sizeof d->lang)
        return INTAKE_ERR(err, INTAKE_EINVAL, "language tag must be 1..%zu bytes",
                          sizeof d->lang - 1);
    for (size_t i = 0; i < n; i++) {
        char c = lang[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return INTAKE_ERR(err, INTAKE_EINVAL, "language tag is not BCP 47");
    }
    memcpy(d->lang, lang, n + 1);
    return INTAKE_OK;
}

/* Byte i starts a UTF-8 sequence (or is the end of the text). */
static int on_boundary(const struct intake_doc *d, uint64_t i)
{
    return i >= d->text_len || ((unsigned char)d->text[i] & 0xC0) != 0x80;
}

int intake_doc_add_span(struct intake_doc *d, const struct intake_span *span,
                        struct intake_error *err)
{
    intake_return_val_if_fail(d && span, INTAKE_EINVAL);
    if (span->start >= span->end || span->end > d->text_len)
        return INTAKE_ERR(err, INTAKE_EINVAL, "span [%llu,%llu) outside text of %zu bytes",
                          (unsigned long long)span->start, (unsigned long long)span->end,
                          d->text_len);
    if (!on_boundary(d, span->start) || !on_boundary(d, span->end))
        return INTAKE_ERR(err, INTAKE_EINVAL, "span [%llu,%llu) splits a UTF-8 character",
                          (unsigned long long)span->start, (unsigned long long)span->end);
    if (span->label == INTAKE_LABEL_NONE || span->label >= INTAKE_LABEL_COUNT)
        return INTAKE_ERR(err, INTAKE_EINVAL, "span has unknown label %u", span->label);
    if (!(span->score >= 0.0f && span->score <= 1.0f))
        return INTAKE_ERR(err, INTAKE_EINVAL, "span score outside [0,1]");
    if (grow((void **)&d->spans, &d->span_cap, d->nspans + 1, sizeof *d->spans))
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for spans");
    d->spans[d->nspans] = *span;
    d->spans[d->nspans].source = d->source;
    d->nspans++;
    return INTAKE_OK;
}

const struct intake_span *intake_doc_spans(const struct intake_doc *d, size_t *count)
{
    if (count)
        *count = d ? d->nspans : 0;
    return d ? d->spans : NULL;
}

void *intake_doc_alloc(struct intake_doc *d, size_t size)
{
    if (!d || size > SIZE_MAX / 2)
        return NULL;
    struct arena_block *b = calloc(1, sizeof *b + size);
    if (!b)
        return NULL;
    b->size = size;
    b->next = d->arena;
    d->arena = b;
    return b->data;
}

int intake_doc_set_redaction(struct intake_doc *d, const char *text, size_t len,
                             const struct intake_span *entities, size_t n)
{
    char *t = malloc(len + 1);
    struct intake_span *e = malloc((n ? n : 1) * sizeof *e);
    if (!t || !e) {
        free(t);
        free(e);
        return INTAKE_ENOMEM;
    }
    memcpy(t, text, len);
    t[len] = '\0';
    if (n)
        memcpy(e, entities, n * sizeof *e);
    zero_free(d->redacted, d->redacted_len + 1);
    free(d->entities);
    d->redacted = t;
    d->redacted_len = len;
    d->entities = e;
    d->nentities = n;
    return INTAKE_OK;
}

int intake_doc_set_source_name(struct intake_doc *d, const char *name)
{
    char *n = name ? strdup(name) : NULL;
    if (name && !n)
        return INTAKE_ENOMEM;
    free(d->source_name);
    d->source_name = n;
    return INTAKE_OK;
}

void intake_doc_set_detector_names(struct intake_doc *d, const char *const *names, uint32_t n)
{
    d->detector_names = names;
    d->ndetectors = n;
}

const char *intake_doc_redacted_text(const struct intake_doc *d, size_t *len)
{
    if (len)
        *len = d && d->redacted ? d->redacted_len : 0;
    return d ? d->redacted : NULL;
}

const struct intake_span *intake_doc_entities(const struct intake_doc *d, size_t *count)
{
    if (count)
        *count = d && d->redacted ? d->nentities : 0;
    return d ? d->entities : NULL;
}

const char *intake_doc_detector_name(const struct intake_doc *d, uint32_t source)
{
    if (d && source >= 1 && source <= d->ndetectors && d->detector_names[source - 1])
        return d->detector_names[source - 1];
    return "?";
}

const char *intake_doc_source_name(const struct intake_doc *d)
{
    return d ? d->source_name : NULL;
}
