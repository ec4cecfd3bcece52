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

struct page_extra {
    unsigned char *pixels; /* owned copy; document content, zeroed on free */
    size_t pixels_len;
    struct intake_image image;
    double width_pt, height_pt;
    uint32_t flags;
    struct intake_box *boxes;
    size_t nboxes, box_cap;
};

struct doc_child {
    unsigned char *bytes;
    size_t len;
    char *name;
};

struct intake_doc {
    char id[65];
    char *mime;
    unsigned char *src;
    size_t src_len;

    char *text; /* NUL-terminated UTF-8 */
    size_t text_len, text_cap;
    int frozen; /* detection has started: text is immutable */

    uint64_t *page_end;    /* page i is [page_end[i-1] or 0, page_end[i]) */
    struct page_extra *px; /* parallel to page_end */
    uint32_t npages, page_cap;

    struct intake_block *blocks;
    size_t nblocks, block_cap;
    uint64_t *rmap; /* per entity: start, end in the original, start, end in the redacted */
    struct intake_doubt *doubts;
    size_t ndoubts;

    /* children (attachments, archive members): copies, zeroed on free */
    struct doc_child *kids;
    size_t nkids, kids_cap;
    uint32_t depth, max_depth, max_children;

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
    for (uint32_t i = 0; d->px && i < d->npages; i++) {
        zero_free(d->px[i].pixels, d->px[i].pixels_len);
        free(d->px[i].boxes);
    }
    free(d->px);
    free(d->blocks);
    free(d->rmap);
    free(d->doubts);
    for (size_t i = 0; i < d->nkids; i++) {
        zero_free(d->kids[i].bytes, d->kids[i].len);
        zero_free(d->kids[i].name, strlen(d->kids[i].name));
    }
    free(d->kids);
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

/* Room for one more page in page_end and px (px zeroed). */
static int reserve_page(struct intake_doc *d)
{
    if (d->npages < d->page_cap)
        return 0;
    size_t pc = d->page_cap, xc = d->page_cap;
    if (grow((void **)&d->page_end, &pc, d->npages + 1, sizeof *d->page_end))
        return -1;
    if (grow((void **)&d->px, &xc, d->npages + 1, sizeof *d->px))
        return -1;
    memset(d->px + d->npages, 0, (xc - d->npages) * sizeof *d->px);
    d->page_cap = (uint32_t)(pc < xc ? pc : xc);
    return 0;
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
    if (reserve_page(d))
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for pages");
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

/* ---- ABI 1.1: page images, boxes, blocks, redaction map ---- */

int intake_doc_add_image_page(struct intake_doc *d, const struct intake_image *img, double width_pt,
                              double height_pt, struct intake_error *err)
{
    intake_return_val_if_fail(d && img && img->pixels, INTAKE_EINVAL);
    if (d->frozen)
        return INTAKE_ERR(err, INTAKE_EINVAL, "pages are frozen once detection has started");
    if (!img->width || !img->height || (img->channels != 1 && img->channels != 3) ||
        img->stride < (uint64_t)img->width * img->channels)
        return INTAKE_ERR(err, INTAKE_EINVAL, "page image has an invalid geometry");
    size_t row = (size_t)img->width * img->channels;
    if (img->height > SIZE_MAX / row)
        return INTAKE_ERR(err, INTAKE_EINVAL, "page image too large");
    size_t n = row * img->height;
    unsigned char *pix = malloc(n);
    if (!pix)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for a page image");
    for (uint32_t y = 0; y < img->height; y++)
        memcpy(pix + (size_t)y * row, img->pixels + (size_t)y * img->stride, row);
    int rc = intake_doc_add_page(d, "", 0, err);
    if (rc) {
        zero_free(pix, n);
        return rc;
    }
    struct page_extra *p = &d->px[d->npages - 1];
    p->pixels = pix;
    p->pixels_len = n;
    p->image = *img;
    p->image.stride = (uint32_t)row;
    p->image.pixels = pix;
    double dpi = img->dpi ? img->dpi : 300.0;
    p->width_pt = width_pt > 0 ? width_pt : img->width * 72.0 / dpi;
    p->height_pt = height_pt > 0 ? height_pt : img->height * 72.0 / dpi;
    p->flags = INTAKE_PAGE_IMAGE | INTAKE_PAGE_NEEDS_OCR;
    return INTAKE_OK;
}

int intake_doc_page_image(const struct intake_doc *d, uint32_t i, struct intake_image *out)
{
    intake_return_val_if_fail(d && out && i < d->npages, INTAKE_EINVAL);
    if (!d->px[i].pixels)
        return INTAKE_EINVAL;
    *out = d->px[i].image;
    return INTAKE_OK;
}

int intake_doc_set_page_text(struct intake_doc *d, uint32_t i, const char *utf8, size_t len,
                             struct intake_error *err)
{
    intake_return_val_if_fail(d && i < d->npages && (utf8 || len == 0), INTAKE_EINVAL);
    if (d->frozen)
        return INTAKE_ERR(err, INTAKE_EINVAL, "text is frozen once detection has started");
    if (!intake_utf8_valid(utf8, len))
        return INTAKE_ERR(err, INTAKE_EFORMAT, "page text is not valid UTF-8");
    uint64_t start = i ? d->page_end[i - 1] : 0, end = d->page_end[i];
    size_t nlen = d->text_len - (size_t)(end - start) + len;
    size_t cap = nlen + 1 > d->text_cap ? nlen + 1 : d->text_cap;
    char *t = malloc(cap);
    if (!t)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for document text");
    memcpy(t, d->text, (size_t)start);
    if (len)
        memcpy(t + start, utf8, len);
    memcpy(t + start + len, d->text + end, d->text_len - (size_t)end);
    t[nlen] = '\0';
    zero_free(d->text, d->text_cap);
    d->text = t;
    d->text_cap = cap;
    d->text_len = nlen;
    int64_t delta = (int64_t)len - (int64_t)(end - start);
    for (uint32_t k = i; k < d->npages; k++)
        d->page_end[k] = (uint64_t)((int64_t)d->page_end[k] + delta);
    d->px[i].nboxes = 0;
    return INTAKE_OK;
}

int intake_doc_set_page_size(struct intake_doc *d, uint32_t i, double w, double h)
{
    intake_return_val_if_fail(d && i < d->npages && w >= 0 && h >= 0, INTAKE_EINVAL);
    d->px[i].width_pt = w;
    d->px[i].height_pt = h;
    return INTAKE_OK;
}

int intake_doc_page_size(const struct intake_doc *d, uint32_t i, double *w, double *h)
{
    intake_return_val_if_fail(d && i < d->npages, INTAKE_EINVAL);
    if (w)
        *w = d->px[i].width_pt;
    if (h)
        *h = d->px[i].height_pt;
    return INTAKE_OK;
}

uint32_t intake_doc_page_flags(const struct intake_doc *d, uint32_t i)
{
    return d && i < d->npages ? d->px[i].flags : 0;
}

int intake_doc_set_page_flags(struct intake_doc *d, uint32_t i, uint32_t flags)
{
    intake_return_val_if_fail(d && i < d->npages, INTAKE_EINVAL);
    d->px[i].flags |= flags;
    return INTAKE_OK;
}

int intake_doc_add_boxes(struct intake_doc *d, uint32_t i, const struct intake_box *b, size_t n,
                         struct intake_error *err)
{
    intake_return_val_if_fail(d && i < d->npages && (b || n == 0), INTAKE_EINVAL);
    if (d->frozen)
        return INTAKE_ERR(err, INTAKE_EINVAL, "pages are frozen once detection has started");
    uint64_t plen = d->page_end[i] - (i ? d->page_end[i - 1] : 0);
    for (size_t k = 0; k < n; k++)
        if (b[k].start > b[k].end || b[k].end > plen)
            return INTAKE_ERR(err, INTAKE_EINVAL, "box %zu lies outside its page's text", k);
    struct page_extra *p = &d->px[i];
    if (grow((void **)&p->boxes, &p->box_cap, p->nboxes + n, sizeof *p->boxes))
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for word boxes");
    if (n)
        memcpy(p->boxes + p->nboxes, b, n * sizeof *b);
    p->nboxes += n;
    return INTAKE_OK;
}

const struct intake_box *intake_doc_page_boxes(const struct intake_doc *d, uint32_t i,
                                               size_t *count)
{
    if (count)
        *count = d && i < d->npages ? d->px[i].nboxes : 0;
    return d && i < d->npages ? d->px[i].boxes : NULL;
}

int intake_doc_add_block(struct intake_doc *d, const struct intake_block *b,
                         struct intake_error *err)
{
    intake_return_val_if_fail(d && b, INTAKE_EINVAL);
    if (b->start > b->end || b->end > d->text_len)
        return INTAKE_ERR(err, INTAKE_EINVAL, "block lies outside the text");
    if (memchr(b->lang, '\0', sizeof b->lang) == NULL ||
        memchr(b->script, '\0', sizeof b->script) == NULL)
        return INTAKE_ERR(err, INTAKE_EINVAL, "block language or script is not terminated");
    if (grow((void **)&d->blocks, &d->block_cap, d->nblocks + 1, sizeof *d->blocks))
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for blocks");
    d->blocks[d->nblocks++] = *b;
    return INTAKE_OK;
}

const struct intake_block *intake_doc_blocks(const struct intake_doc *d, size_t *count)
{
    if (count)
        *count = d ? d->nblocks : 0;
    return d ? d->blocks : NULL;
}

int intake_doc_set_redaction_map(struct intake_doc *d, const uint64_t *map, size_t nentities)
{
    uint64_t *m = malloc((nentities ? nentities : 1) * 4 * sizeof *m);
    if (!m)
        return INTAKE_ENOMEM;
    if (nentities)
        memcpy(m, map, nentities * 4 * sizeof *m);
    free(d->rmap);
    d->rmap = m;
    return INTAKE_OK;
}

/* Where original offset p lands in the redacted text. Inside an entity it
 * lands on the replacement's start (side 0) or end (side 1). */
static uint64_t map_offset(const struct intake_doc *d, uint64_t p, int side)
{
    int64_t delta = 0;
    for (size_t k = 0; k < d->nentities; k++) {
        const uint64_t *m = d->rmap + 4 * k;
        if (p <= m[0])
            break;
        if (p < m[1])
            return side ? m[3] : m[2];
        delta = (int64_t)m[3] - (int64_t)m[1];
    }
    return (uint64_t)((int64_t)p + delta);
}

int intake_doc_redacted_range(const struct intake_doc *d, uint64_t start, uint64_t end,
                              uint64_t *rstart, uint64_t *rend)
{
    intake_return_val_if_fail(d && start <= end && end <= d->text_len, INTAKE_EINVAL);
    if (!d->redacted || (d->nentities && !d->rmap))
        return INTAKE_EINVAL;
    uint64_t a = map_offset(d, start, 0), b = map_offset(d, end, 1);
    if (rstart)
        *rstart = a;
    if (rend)
        *rend = b < a ? a : b;
    return INTAKE_OK;
}

int intake_doc_set_doubts(struct intake_doc *d, const struct intake_doubt *v, size_t n)
{
    struct intake_doubt *c = malloc((n ? n : 1) * sizeof *c);
    if (!c)
        return INTAKE_ENOMEM;
    if (n)
        memcpy(c, v, n * sizeof *c);
    free(d->doubts);
    d->doubts = c;
    d->ndoubts = n;
    return INTAKE_OK;
}

const struct intake_doubt *intake_doc_doubts(const struct intake_doc *d, size_t *count)
{
    if (count)
        *count = d ? d->ndoubts : 0;
    return d ? d->doubts : NULL;
}

void intake_doc_set_depth(struct intake_doc *d, uint32_t depth, uint32_t max_depth,
                          uint32_t max_children)
{
    d->depth = depth;
    d->max_depth = max_depth;
    d->max_children = max_children;
}

uint32_t intake_doc_depth(const struct intake_doc *d)
{
    return d ? d->depth : 0;
}

int intake_doc_add_child(struct intake_doc *d, const void *bytes, size_t len, const char *name,
                         struct intake_error *err)
{
    intake_return_val_if_fail(d && (bytes || len == 0), INTAKE_EINVAL);
    if (d->frozen)
        return INTAKE_ERR(err, INTAKE_EINVAL, "children are added by the extract stage");
    if (d->depth + 1 > d->max_depth)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "nested deeper than [pipeline] max_depth = %u (an archive or "
                          "attachment bomb?)",
                          d->max_depth);
    if (d->nkids + 1 > d->max_children)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "more than [pipeline] max_children = %u children",
                          d->max_children);
    if (grow((void **)&d->kids, &d->kids_cap, d->nkids + 1, sizeof *d->kids))
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for a child document");
    struct doc_child *c = &d->kids[d->nkids];
    c->bytes = malloc(len ? len : 1);
    c->name = strdup(name && *name ? name : "attachment");
    if (!c->bytes || !c->name) {
        free(c->bytes);
        free(c->name);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for a child document");
    }
    if (len)
        memcpy(c->bytes, bytes, len);
    c->len = len;
    d->nkids++;
    return INTAKE_OK;
}

size_t intake_doc_child_count(const struct intake_doc *d)
{
    return d ? d->nkids : 0;
}

int intake_doc_child(const struct intake_doc *d, size_t i, const unsigned char **bytes, size_t *len,
                     const char **name)
{
    intake_return_val_if_fail(d && i < d->nkids, INTAKE_EINVAL);
    *bytes = d->kids[i].bytes;
    *len = d->kids[i].len;
    *name = d->kids[i].name;
    return INTAKE_OK;
}
