/*
 * plugins/extract_rtf/extract_rtf.c: RTF in, UTF-8 pages out.
 *
 * The reader is rtf_parse.c (native, no library). Pages: the body; then,
 * when there are any, the notes (headers, footers, footnotes, annotations
 * and their authors); then the document information (\info fields,
 * revision authors, custom properties, field instructions such as
 * HYPERLINK "mailto:..."). Every page goes through detection like the body.
 * Pictures and embedded object data are dropped (counted in the metadata,
 * logged). Malformed or truncated RTF, and RTF past a limit, is refused with
 * INTAKE_EFORMAT and a content-free reason.
 *
 * Lifetimes: the instance holds only its options; there is no worker
 * state (iconv handles live for one document).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intake/intake.h>

#include "rtf_parse.h"

#define EXTRACT_RTF_VERSION "0.1.0"

struct extract_rtf_config {
    int64_t max_bytes; /* larger files are refused */
    int64_t max_depth; /* deepest group nesting */
    int64_t max_text;  /* most bytes of extracted text */
    int32_t info;      /* document information as a page (else dropped) */
    int32_t notes;     /* notes as a page (else dropped) */
};

static const struct intake_option extract_rtf_options[] = {
    {INTAKE_OPT_SIZE, "max_bytes", "64M", 0, offsetof(struct extract_rtf_config, max_bytes),
     "RTF files larger than this are refused", 1, 4294967295.0},
    {INTAKE_OPT_INT, "max_depth", "512", 0, offsetof(struct extract_rtf_config, max_depth),
     "groups nested deeper than this refuse the file", 8, 100000},
    {INTAKE_OPT_SIZE, "max_text", "256M", 0, offsetof(struct extract_rtf_config, max_text),
     "more extracted text than this refuses the file", 1, 4294967295.0},
    {INTAKE_OPT_BOOL, "info", "true", 0, offsetof(struct extract_rtf_config, info),
     "document information (\\info: title, author, operator ...; revision authors, custom "
     "properties, field instructions) as a last page for detection; false drops it",
     0, 0},
    {INTAKE_OPT_BOOL, "notes", "true", 0, offsetof(struct extract_rtf_config, notes),
     "headers, footers, footnotes and annotations as a page after the body; false drops them", 0,
     0},
    {0},
};

struct extract_rtf_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    size_t max_bytes;
    struct rtf_limits lim;
    int info, notes;
};

static int cb_extract_rtf_init(const struct intake_host *host, const struct intake_context *ctx,
                               const void *config, void **instance, struct intake_error *err)
{
    const struct extract_rtf_config *cfg = config;
    intake_return_val_if_fail(host && instance, INTAKE_EINVAL);
    struct extract_rtf_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "extract_rtf: no memory for the instance");
    memset(in, 0, sizeof *in);
    in->host = host;
    in->ctx = ctx;
    in->max_bytes = (size_t)64 << 20;
    in->lim.max_depth = 512;
    in->lim.max_text = (size_t)256 << 20;
    in->info = in->notes = 1;
    if (cfg) {
        if (cfg->max_bytes <= 0 || cfg->max_depth < 8 || cfg->max_text <= 0) {
            host->free(in);
            return INTAKE_ERR(err, INTAKE_ECONFIG,
                              "extract_rtf: max_bytes and max_text must be positive, max_depth "
                              "at least 8");
        }
        in->max_bytes = (size_t)cfg->max_bytes;
        in->lim.max_depth = (unsigned)cfg->max_depth;
        in->lim.max_text = (size_t)cfg->max_text;
        in->info = cfg->info != 0;
        in->notes = cfg->notes != 0;
    }
    *instance = in;
    return INTAKE_OK;
}

static void cb_extract_rtf_exit(void *instance)
{
    struct extract_rtf_instance *in = instance;
    if (in)
        in->host->free(in);
}

/* Add \p b as a page, ending with a newline so pages do not run together. */
static int add_page(const struct intake_host *h, struct intake_doc *doc, struct rtf_buf *b,
                    int last, struct intake_error *err)
{
    if (!last && b->len && b->p[b->len - 1] != '\n') {
        /* put() keeps one spare byte for the NUL: room for the newline */
        if (b->len + 1 < b->cap) {
            b->p[b->len++] = '\n';
            b->p[b->len] = '\0';
        }
    }
    return h->doc_add_page(doc, b->p ? b->p : "", b->len, err);
}

static int cb_extract_rtf_process(void *instance, void *worker, struct intake_doc *doc,
                                  struct intake_error *err)
{
    struct extract_rtf_instance *in = instance;
    const struct intake_host *h;
    const unsigned char *src;
    size_t len = 0;
    struct rtf_result r;
    char num[32];
    int rc;
    (void)worker;

    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    h = in->host;
    src = h->doc_source(doc, &len);
    if (!src || len == 0)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "extract_rtf: empty file");
    if (len > in->max_bytes)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "extract_rtf: file too large (%zu bytes, max_bytes is %zu)", len,
                          in->max_bytes);
    rc = rtf_parse(src, len, &in->lim, &r);
    switch (rc) {
    case RTF_OK: break;
    case RTF_ENOMEM: return INTAKE_ERR(err, INTAKE_ENOMEM, "extract_rtf: %s", r.why);
    default:
        return INTAKE_ERR(err, INTAKE_EFORMAT, "extract_rtf: %s (byte offset %zu)", r.why,
                          r.offset);
    }

    int want_notes = in->notes && r.notes.len > 0;
    int want_info = in->info && r.info.len > 0;
    uint32_t pages = 1;
    rc = add_page(h, doc, &r.body, !want_notes && !want_info, err);
    if (rc == INTAKE_OK && want_notes) {
        rc = add_page(h, doc, &r.notes, !want_info, err);
        pages++;
    }
    if (rc == INTAKE_OK && want_info) {
        rc = add_page(h, doc, &r.info, 1, err);
        pages++;
    }
    if (rc == INTAKE_OK) {
        snprintf(num, sizeof num, "%d", r.codepage);
        rc = h->doc_meta_set(doc, "codepage", num, err);
    }
    if (rc == INTAKE_OK && (r.pictures || r.objects)) {
        snprintf(num, sizeof num, "%u", r.pictures + r.objects);
        rc = h->doc_meta_set(doc, "dropped_pictures", num, err);
    }
    if (rc == INTAKE_OK && want_notes) {
        snprintf(num, sizeof num, "%u", 2u);
        rc = h->doc_meta_set(doc, "notes_page", num, err);
    }
    if (rc == INTAKE_OK && want_info) {
        snprintf(num, sizeof num, "%u", pages);
        rc = h->doc_meta_set(doc, "info_page", num, err);
    }
    if (rc == INTAKE_OK)
        intake_log_debug(h, in->ctx, doc,
                         "code page %d; %zu body, %zu notes, %zu info bytes%s%s; %u pictures, "
                         "%u objects dropped, %u destinations skipped",
                         r.codepage, r.body.len, r.notes.len, r.info.len,
                         r.notes.len && !in->notes ? " (notes dropped)" : "",
                         r.info.len && !in->info ? " (info dropped)" : "", r.pictures, r.objects,
                         r.skipped);
    rtf_result_clear(&r);
    return rc;
}

static int cb_extract_rtf_probe(void *instance, const unsigned char *bytes, size_t len,
                                const char *mime)
{
    (void)instance;
    (void)mime;
    return bytes && rtf_looks_like(bytes, len) ? 95 : 0;
}

static const char *const extract_rtf_mime_types[] = {
    "text/rtf",
    "application/rtf",
    NULL,
};

static const struct intake_plugin extract_rtf_descriptor = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_EXTRACT,
    .flags = 0,
    .name = "extract_rtf",
    .version = EXTRACT_RTF_VERSION,
    .description = "RTF: body, tables, hidden text, notes and document information; code pages "
                   "and \\uN",
    .options = extract_rtf_options,
    .config_size = sizeof(struct extract_rtf_config),
    .mime_types = extract_rtf_mime_types,
    .cb_init = cb_extract_rtf_init,
    .cb_process = cb_extract_rtf_process,
    .cb_exit = cb_extract_rtf_exit,
    .cb_probe = cb_extract_rtf_probe,
};

INTAKE_PLUGIN_DEFINE(extract_rtf, extract_rtf_descriptor)
