/*
 * plugins/extract_office/extract_office.c: DOCX, ODT, XLSX and ODS as pages
 * of text, their pictures as pages for OCR, their embedded files as child
 * documents.
 *
 * Everything in the package that is text goes through detection: the page
 * model and the reading order are THE WALK in office.c (shared with
 * export_office). In short, pages in this order, empty ones left out:
 * body; headers and footers; footnotes and endnotes; comments; hidden
 * (tracked deletions, hidden text, field codes, fallbacks, alt text, link
 * targets, form values, formulas); other XML parts; document properties
 * (core/app/custom.xml, meta.xml, authors, sheet names, member names).
 * meta "office_format" (docx, docm, odt, xlsx, ods) and "office_text_pages"
 * (how many of the first pages are the walk's) tell export_office what to
 * re-walk.
 *
 * Pictures (word/media, xl/media, Pictures/): when `images = ocr`, each one
 * Leptonica can decode, whose header says at most max_image_pixels and at
 * least min_image_side pixels a side, becomes an image page (8-bit gray)
 * for the OCR stage, up to max_images; the rest are dropped (counted in
 * meta "office_images_dropped"). Thumbnails and object previews render text
 * the walk already has: dropped. Never is a picture's byte passed on.
 *
 * Embedded files (word/embeddings, ODF objects that are not XML): child
 * documents (host->doc_add_child, ABI 1.2) that the core runs through the
 * whole pipeline; with `embedded = drop`, or a core without child
 * documents, they are dropped and counted (meta "office_embedded_dropped").
 * Other binary members (printer settings, macros, caches) are dropped.
 *
 * Refused with INTAKE_EFORMAT: not a zip, truncated (no central
 * directory), encrypted, duplicate member names, more than max_members,
 * more than max_uncompressed, a ratio over max_ratio (past 4 MB of
 * output), malformed XML, XML with a DTD. Reasons name fixed part names
 * ("word/document.xml") or member numbers, never content.
 *
 * Lifetimes: the instance is read-only options; libxml2 and libarchive
 * objects live only inside one cb_process.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>
#include <libxml/parser.h>

#include "office.h"

#define EXTRACT_OFFICE_VERSION "0.1.0"

struct extract_office_config {
    int64_t max_uncompressed; /* bytes */
    int64_t max_members;
    double max_ratio;
    const char *images;       /* "ocr" | "drop" */
    int64_t max_image_pixels; /* one picture */
    int64_t min_image_side;   /* smaller pictures are icons and rules: dropped */
    int64_t max_images;       /* pictures sent to OCR per document */
    const char *embedded;     /* "child" | "drop" */
};

static const struct intake_option extract_office_options[] = {
    {INTAKE_OPT_SIZE, "max_uncompressed", "256M", 0,
     offsetof(struct extract_office_config, max_uncompressed),
     "a package whose members hold more bytes is refused (zip bombs)", 1024, 1LL << 40},
    {INTAKE_OPT_INT, "max_members", "10000", 0, offsetof(struct extract_office_config, max_members),
     "a package with more members is refused", 1, 1000000},
    {INTAKE_OPT_DOUBLE, "max_ratio", "100", 0, offsetof(struct extract_office_config, max_ratio),
     "a package that uncompresses to more than this many times its size is refused (checked "
     "past 4 MB of output)",
     1, 1e9},
    {INTAKE_OPT_STR, "images", "ocr", 0, offsetof(struct extract_office_config, images),
     "ocr: pictures become image pages for the OCR stage; drop: pictures are dropped", 0, 0},
    {INTAKE_OPT_INT, "max_image_pixels", "40000000", 0,
     offsetof(struct extract_office_config, max_image_pixels),
     "a larger picture (by its header) is dropped, not decoded", 1, 4e9},
    {INTAKE_OPT_INT, "min_image_side", "32", 0,
     offsetof(struct extract_office_config, min_image_side),
     "a picture narrower or lower than this many pixels is dropped", 1, 100000},
    {INTAKE_OPT_INT, "max_images", "100", 0, offsetof(struct extract_office_config, max_images),
     "at most this many pictures per document go to OCR; the rest are dropped", 0, 100000},
    {INTAKE_OPT_STR, "embedded", "child", 0, offsetof(struct extract_office_config, embedded),
     "child: embedded files become child documents; drop: they are dropped", 0, 0},
    {0},
};

struct extract_office_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    struct extract_office_config cfg;
    int ocr, child;
};

static int cb_extract_office_init(const struct intake_host *host, const struct intake_context *ctx,
                                  const void *config, void **instance, struct intake_error *err)
{
    const struct extract_office_config *cfg = config;
    intake_return_val_if_fail(host && instance && cfg, INTAKE_EINVAL);
    if (!INTAKE_HOST_HAS(host, doc_add_image_page))
        return INTAKE_ERR(err, INTAKE_EABI, "the core lacks ABI 1.1 (page images)");
    if (!cfg->images || (strcmp(cfg->images, "ocr") && strcmp(cfg->images, "drop")))
        return INTAKE_ERR(err, INTAKE_ECONFIG, "images must be ocr or drop");
    if (!cfg->embedded || (strcmp(cfg->embedded, "child") && strcmp(cfg->embedded, "drop")))
        return INTAKE_ERR(err, INTAKE_ECONFIG, "embedded must be child or drop");
    struct extract_office_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    in->host = host;
    in->ctx = ctx;
    in->cfg = *cfg;
    in->ocr = strcmp(cfg->images, "ocr") == 0;
    in->child = strcmp(cfg->embedded, "child") == 0;
    *instance = in;
    return INTAKE_OK;
}

static void cb_extract_office_exit(void *instance)
{
    struct extract_office_instance *in = instance;
    if (in)
        in->host->free(in);
}

static int cb_extract_office_probe(void *instance, const unsigned char *bytes, size_t len,
                                   const char *mime)
{
    (void)instance;
    (void)mime;
    return office_probe(bytes, len) ? 90 : 0;
}

/*
 * One picture as an image page: 1 when it was added, 0 when dropped (not
 * decodable, too large, too small), or an error.
 */
static int add_picture(const struct extract_office_instance *in, struct intake_doc *doc,
                       const struct office_member *m, struct intake_error *err)
{
    const struct intake_host *host = in->host;
    l_int32 fmt = 0, w = 0, h = 0, bps = 0, spp = 0, cmap = 0;
    if (m->len == 0 || pixReadHeaderMem(m->data, m->len, &fmt, &w, &h, &bps, &spp, &cmap) != 0)
        return 0;
    if (w < in->cfg.min_image_side || h < in->cfg.min_image_side ||
        (double)w * (double)h > (double)in->cfg.max_image_pixels)
        return 0;
    PIX *pix = pixReadMem(m->data, m->len);
    if (!pix)
        return 0;
    PIX *g = pixConvertTo8(pix, 0);
    pixDestroy(&pix);
    if (!g)
        return 0;
    uint32_t W = (uint32_t)pixGetWidth(g), H = (uint32_t)pixGetHeight(g);
    l_int32 wpl = pixGetWpl(g);
    l_uint32 *data = pixGetData(g);
    unsigned char *px = host->alloc((size_t)W * H);
    if (!px) {
        pixDestroy(&g);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for a picture");
    }
    for (uint32_t y = 0; y < H; y++) {
        l_uint32 *line = data + (size_t)y * (size_t)wpl;
        for (uint32_t x = 0; x < W; x++)
            px[(size_t)y * W + x] = (unsigned char)GET_DATA_BYTE(line, x);
    }
    l_int32 xres = pixGetXRes(g);
    pixDestroy(&g);
    struct intake_image img = {W, H, W, 1, xres > 0 && xres < 5000 ? (uint32_t)xres : 0, 0, px};
    int rc = host->doc_add_image_page(doc, &img, 0, 0, err);
    memset(px, 0, (size_t)W * H);
    host->free(px);
    return rc == INTAKE_OK ? 1 : rc;
}

static int set_num(const struct intake_host *host, struct intake_doc *doc, const char *key,
                   unsigned long v, struct intake_error *err)
{
    char num[24];
    snprintf(num, sizeof num, "%lu", v);
    return host->doc_meta_set(doc, key, num, err);
}

static int cb_extract_office_process(void *instance, void *worker, struct intake_doc *doc,
                                     struct intake_error *err)
{
    struct extract_office_instance *in = instance;
    (void)worker;
    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    const struct intake_host *host = in->host;
    size_t len = 0;
    const unsigned char *src = host->doc_source(doc, &len);
    struct office_limits lim = {in->cfg.max_uncompressed, in->cfg.max_members, in->cfg.max_ratio,
                                4 << 20};
    struct office_pkg pkg;
    int rc = office_pkg_read(src, len, &lim, &pkg, err);
    if (rc)
        return rc;
    struct office_text t;
    memset(&t, 0, sizeof t);
    rc = office_walk(&pkg, &t, err);
    for (int k = 0; rc == INTAKE_OK && k < OFFICE_PAGE_COUNT; k++)
        if (t.page_no[k] >= 0)
            rc = host->doc_add_page(doc, t.page[k].p, t.page[k].len, err);
    if (rc == INTAKE_OK)
        rc = host->doc_meta_set(doc, "office_format", office_format_name(pkg.format), err);
    if (rc == INTAKE_OK)
        rc = set_num(host, doc, "office_text_pages", t.npages, err);
    unsigned long images = 0, img_dropped = 0, emb_dropped = 0, other_dropped = 0;
    int can_child = in->child && INTAKE_HOST_HAS(host, doc_add_child);
    for (size_t i = 0; rc == INTAKE_OK && i < pkg.n; i++) {
        const struct office_member *m = &pkg.m[i];
        if (m->role == OFFICE_ROLE_MEDIA) {
            int r = 0;
            if (in->ocr && images < (unsigned long)in->cfg.max_images)
                r = add_picture(in, doc, m, err);
            if (r < 0)
                rc = r;
            else if (r == 1)
                images++;
            else
                img_dropped++;
        } else if (m->role == OFFICE_ROLE_THUMB) {
            img_dropped++;
        } else if (m->role == OFFICE_ROLE_EMBED && m->len > 0) {
            int r = INTAKE_EINVAL;
            if (can_child) {
                struct intake_error e2 = {0};
                r = host->doc_add_child(doc, m->data, m->len, m->name, &e2);
                if (r != INTAKE_OK && r != INTAKE_EINVAL) {
                    *err = e2;
                    rc = r;
                }
            }
            emb_dropped += r != INTAKE_OK;
        } else if (m->role == OFFICE_ROLE_BINARY) {
            other_dropped++;
        }
    }
    if (rc == INTAKE_OK && img_dropped)
        rc = set_num(host, doc, "office_images_dropped", img_dropped, err);
    if (rc == INTAKE_OK && emb_dropped)
        rc = set_num(host, doc, "office_embedded_dropped", emb_dropped, err);
    if (rc == INTAKE_OK)
        intake_log_debug(host, in->ctx, doc,
                         "%s: %u text page(s), %lu picture(s) for OCR, %lu picture(s), %lu "
                         "embedded and %lu other member(s) dropped",
                         office_format_name(pkg.format), t.npages, images, img_dropped, emb_dropped,
                         other_dropped);
    office_text_clear(&t);
    office_pkg_clear(&pkg);
    return rc;
}

static const char *const extract_office_mime_types[] = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.*",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.*",
    "application/vnd.ms-word.document.macroEnabled.12",
    "application/vnd.ms-excel.sheet.macroEnabled.12",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.text-template",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.spreadsheet-template",
    NULL};

static const struct intake_plugin extract_office_plugin = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_EXTRACT,
    .name = "extract_office",
    .version = EXTRACT_OFFICE_VERSION,
    .description = "DOCX, ODT, XLSX, ODS: every text corner as pages, pictures for OCR",
    .options = extract_office_options,
    .config_size = sizeof(struct extract_office_config),
    .mime_types = extract_office_mime_types,
    .cb_init = cb_extract_office_init,
    .cb_process = cb_extract_office_process,
    .cb_exit = cb_extract_office_exit,
    .cb_probe = cb_extract_office_probe,
};

INTAKE_PLUGIN_DEFINE(extract_office, extract_office_plugin)
