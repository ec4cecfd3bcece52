/*
 * plugins/extract_pdf/extract_pdf.c: PDF pages as text with word boxes, or
 * as 300-dpi images for OCR, through poppler-glib.
 *
 * Per page, in order (mixed PDFs are decided page by page):
 *
 *   text-layer page  its text (poppler_page_get_text) ends with "\n" and is
 *                    added with doc_add_page, flag INTAKE_PAGE_TEXT_LAYER,
 *                    the page size in points, and one box per word (runs of
 *                    non-space characters; the union of poppler's character
 *                    rectangles, points from the top-left corner).
 *   image page       rendered at `render_dpi` (annotations and form fields
 *                    included: what a reader sees is what OCR reads), 8-bit
 *                    gray, added with doc_add_image_page (flags IMAGE and
 *                    NEEDS_OCR). Its text comes from the OCR stage.
 *
 * THE RULE. A page's text layer is used only when all three hold:
 *   1. good >= min_chars_per_sq_inch * page area in square inches, where
 *      good counts the non-space characters that are not bad;
 *   2. bad <= max_bad_ratio * (good + bad), where bad counts U+FFFD,
 *      private-use, control (other than white space), unassigned and
 *      surrogate code points: what unmapped glyphs come out as;
 *   3. the page's images cover less than max_image_area of the page (a
 *      scan with a stamped header line, or an ID card pasted into a typed
 *      page, has text the text layer does not hold).
 * Defaults 0.2 char/in^2 (19 on A4: a page number or a stamp line alone
 * is not a text layer, the short last page of a typed statement is), 0.10
 * and 0.10. Rule 3 is what catches a scan with a partial text layer; rule 1
 * a page of outlined (vector) text with little real text. When in doubt
 * the page is OCRed: reading too much costs time, too little leaks a name.
 *
 * Everything that is not page content (document info: title, author,
 * subject, keywords, creator, producer; annotation contents and labels; form
 * field values; outline titles; attachment names and descriptions) is,
 * with `extra_text` on (default), appended as ONE last page with no page
 * flags, so it goes through detection and only its redacted form is stored;
 * attachment contents are dropped. With `extra_text` off all of it is
 * dropped.
 *
 * Refused with INTAKE_EFORMAT (the core quarantines): encrypted without the
 * right `password`, damaged (poppler cannot open it), truncated (no %%EOF in
 * the last 1024 bytes: poppler would silently reconstruct a partial file),
 * no pages, more than `max_pages`, a page over `max_page_pixels` at
 * render_dpi. Reasons carry counts and page numbers, never content.
 *
 * Lifetimes: the instance is read-only options. poppler is not fork-safe
 * for documents and caches, so nothing poppler is created before the fork
 * or kept between calls: each cb_process opens and frees its own document.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <gio/gio.h>
#include <glib.h>
#include <poppler.h>

#include <intake/intake.h>

#define EXTRACT_PDF_VERSION "0.1.0"
#define EOF_WINDOW          1024 /* %%EOF must lie in the last this many bytes */

/** Options, filled by the core from the option table below. */
struct extract_pdf_config {
    const char *password;         /* user or owner password, or NULL */
    int64_t max_pages;            /* more pages: refused */
    double min_chars_per_sq_inch; /* rule 1 */
    double max_bad_ratio;         /* rule 2 */
    double max_image_area;        /* rule 3 */
    int64_t render_dpi;           /* image pages for OCR */
    int64_t max_page_pixels;      /* one rendered page, at render_dpi */
    int32_t extra_text;           /* metadata etc. as a last page */
};

static const struct intake_option extract_pdf_options[] = {
    {INTAKE_OPT_STR, "password", NULL, INTAKE_OPT_SENSITIVE,
     offsetof(struct extract_pdf_config, password),
     "password for encrypted PDFs; without it they are refused", 0, 0},
    {INTAKE_OPT_INT, "max_pages", "5000", 0, offsetof(struct extract_pdf_config, max_pages),
     "PDFs with more pages are refused", 1, 1000000},
    {INTAKE_OPT_DOUBLE, "min_chars_per_sq_inch", "0.2", 0,
     offsetof(struct extract_pdf_config, min_chars_per_sq_inch),
     "a text layer with fewer usable characters per square inch of page is OCRed instead", 0, 1000},
    {INTAKE_OPT_DOUBLE, "max_bad_ratio", "0.10", 0,
     offsetof(struct extract_pdf_config, max_bad_ratio),
     "a text layer with a larger share of U+FFFD, private-use, control or unassigned characters "
     "is OCRed instead",
     0, 1},
    {INTAKE_OPT_DOUBLE, "max_image_area", "0.10", 0,
     offsetof(struct extract_pdf_config, max_image_area),
     "a page whose images cover this share of its area or more is OCRed, text layer or not", 0, 1},
    {INTAKE_OPT_INT, "render_dpi", "300", 0, offsetof(struct extract_pdf_config, render_dpi),
     "resolution of the page images handed to OCR", 72, 1200},
    {INTAKE_OPT_INT, "max_page_pixels", "200000000", 0,
     offsetof(struct extract_pdf_config, max_page_pixels),
     "a page larger than this at render_dpi is refused (decompression bombs)", 1, 4e9},
    {INTAKE_OPT_BOOL, "extra_text", "true", 0, offsetof(struct extract_pdf_config, extra_text),
     "metadata, annotations, form fields, outlines, attachment names as one last page "
     "(detected and redacted); false drops them",
     0, 0},
    {0},
};

struct extract_pdf_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    struct extract_pdf_config cfg; /* strings borrowed from the core, valid until cb_exit */
};

/* ------------------------------------------------------------------ */
/* lifetimes                                                          */
/* ------------------------------------------------------------------ */

static int cb_extract_pdf_init(const struct intake_host *host, const struct intake_context *ctx,
                               const void *config, void **instance, struct intake_error *err)
{
    const struct extract_pdf_config *cfg = config;
    intake_return_val_if_fail(host && instance && cfg, INTAKE_EINVAL);
    if (!INTAKE_HOST_HAS(host, doc_add_boxes) || !INTAKE_HOST_HAS(host, doc_add_image_page))
        return INTAKE_ERR(err, INTAKE_EABI, "the core lacks ABI 1.1 (page images and boxes)");
    struct extract_pdf_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    in->host = host;
    in->ctx = ctx;
    in->cfg = *cfg;
    *instance = in;
    return INTAKE_OK;
}

static void cb_extract_pdf_exit(void *instance)
{
    struct extract_pdf_instance *in = instance;
    if (in)
        in->host->free(in);
}

/* ------------------------------------------------------------------ */
/* the rule                                                           */
/* ------------------------------------------------------------------ */

/* A code point an unmapped or broken glyph comes out as. */
static int bad_char(gunichar c)
{
    if (c == 0xFFFD)
        return 1;
    switch (g_unichar_type(c)) {
    case G_UNICODE_PRIVATE_USE:
    case G_UNICODE_CONTROL:
    case G_UNICODE_UNASSIGNED:
    case G_UNICODE_SURROGATE: return 1;
    default: return 0;
    }
}

struct page_stats {
    size_t good, bad;   /* non-space characters, by bad_char() */
    double area_sq_in;  /* page area */
    double image_ratio; /* share of the page covered by images (overlaps counted twice) */
};

/* Why a page's text layer is not used, or NULL when it is (THE RULE). */
static const char *page_rule(const struct extract_pdf_config *cfg, const struct page_stats *s)
{
    if (s->image_ratio >= cfg->max_image_area)
        return "images cover the page";
    if ((double)s->good < cfg->min_chars_per_sq_inch * s->area_sq_in)
        return "too few characters";
    if ((double)s->bad > cfg->max_bad_ratio * (double)(s->good + s->bad))
        return "too many unmapped characters";
    return NULL;
}

static void count_chars(const char *text, struct page_stats *s)
{
    for (const char *p = text; p && *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (g_unichar_isspace(c))
            continue;
        if (bad_char(c))
            s->bad++;
        else
            s->good++;
    }
}

static double image_ratio(PopplerPage *page, double w, double h)
{
    double covered = 0;
    GList *maps = poppler_page_get_image_mapping(page);
    for (GList *l = maps; l; l = l->next) {
        const PopplerImageMapping *m = l->data;
        double x0 = fmax(0, fmin(m->area.x1, m->area.x2)),
               x1 = fmin(w, fmax(m->area.x1, m->area.x2));
        double y0 = fmax(0, fmin(m->area.y1, m->area.y2)),
               y1 = fmin(h, fmax(m->area.y1, m->area.y2));
        if (x1 > x0 && y1 > y0)
            covered += (x1 - x0) * (y1 - y0);
    }
    poppler_page_free_image_mapping(maps);
    return w > 0 && h > 0 ? covered / (w * h) : 1.0;
}

/* ------------------------------------------------------------------ */
/* text-layer pages                                                   */
/* ------------------------------------------------------------------ */

/*
 * Add \p text (poppler's, plus a final "\n") as a text-layer page with one
 * box per run of non-space characters. poppler gives one rectangle per
 * character of the text it returns; if the counts disagree the boxes
 * cannot be trusted and the caller OCRs the page instead (returns 1).
 */
static int add_text_page(const struct extract_pdf_instance *in, struct intake_doc *doc,
                         PopplerPage *page, const char *text, double w, double h,
                         struct intake_error *err)
{
    const struct intake_host *host = in->host;
    PopplerRectangle *rects = NULL;
    guint nrects = 0;
    size_t len = strlen(text);
    glong nchars = g_utf8_strlen(text, (gssize)len);
    if (!poppler_page_get_text_layout(page, &rects, &nrects) || (glong)nrects != nchars) {
        g_free(rects);
        return 1;
    }
    /* The page text, ending with a line break so pages never glue words. */
    int nl = len == 0 || text[len - 1] != '\n';
    char *buf = host->alloc(len + 2);
    struct intake_box *boxes = host->alloc(((size_t)nchars + 1) * sizeof *boxes);
    if (!buf || !boxes) {
        host->free(buf);
        host->free(boxes);
        g_free(rects);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for a page");
    }
    memcpy(buf, text, len);
    if (nl)
        buf[len++] = '\n';
    buf[len] = '\0';

    size_t nbox = 0;
    struct intake_box *cur = NULL;
    guint k = 0;
    for (const char *p = text; *p; p = g_utf8_next_char(p), k++) {
        gunichar c = g_utf8_get_char(p);
        const PopplerRectangle *r = &rects[k];
        if (g_unichar_isspace(c)) {
            cur = NULL;
            continue;
        }
        float x0 = (float)fmin(r->x1, r->x2), x1 = (float)fmax(r->x1, r->x2);
        float y0 = (float)fmin(r->y1, r->y2), y1 = (float)fmax(r->y1, r->y2);
        uint32_t start = (uint32_t)(p - text), end = (uint32_t)(g_utf8_next_char(p) - text);
        /* A new word also starts where the next character jumps back or
         * down a line without a space between them (poppler joins some). */
        if (cur && (x0 < cur->x0 - 1.0f || y0 > cur->y1))
            cur = NULL;
        if (!cur) {
            cur = &boxes[nbox++];
            *cur = (struct intake_box){start, end, x0, y0, x1, y1, -1.0f, 0};
            continue;
        }
        cur->end = end;
        cur->x0 = fminf(cur->x0, x0);
        cur->y0 = fminf(cur->y0, y0);
        cur->x1 = fmaxf(cur->x1, x1);
        cur->y1 = fmaxf(cur->y1, y1);
    }
    g_free(rects);

    int rc = host->doc_add_page(doc, buf, len, err);
    uint32_t i = host->doc_page_count(doc) - 1;
    if (rc == INTAKE_OK)
        rc = host->doc_set_page_size(doc, i, w, h);
    if (rc == INTAKE_OK)
        rc = host->doc_set_page_flags(doc, i, INTAKE_PAGE_TEXT_LAYER);
    if (rc == INTAKE_OK && nbox)
        rc = host->doc_add_boxes(doc, i, boxes, nbox, err);
    memset(buf, 0, len); /* page text is personal data */
    host->free(buf);
    host->free(boxes);
    if (rc && !err->msg[0])
        return INTAKE_ERR(err, rc, "cannot add page %u", i + 1);
    return rc;
}

/* ------------------------------------------------------------------ */
/* image pages                                                        */
/* ------------------------------------------------------------------ */

/* Render \p page at render_dpi on white, as 8-bit gray, and add it for OCR. */
static int add_image_page(const struct extract_pdf_instance *in, struct intake_doc *doc,
                          PopplerPage *page, uint32_t pno, double w, double h,
                          struct intake_error *err)
{
    const struct intake_host *host = in->host;
    double scale = (double)in->cfg.render_dpi / 72.0;
    double pw = ceil(w * scale), ph = ceil(h * scale);
    if (pw < 1 || ph < 1 || pw > 32767 || ph > 32767 || pw * ph > (double)in->cfg.max_page_pixels)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "page %u is too large to render (%.0f x %.0f pixels at %d dpi)", pno, pw,
                          ph, (int)in->cfg.render_dpi);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)pw, (int)ph);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "cannot allocate page %u's image", pno);
    }
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, scale, scale);
    poppler_page_render(page, cr);
    cairo_destroy(cr);
    cairo_surface_flush(s);

    int W = cairo_image_surface_get_width(s), H = cairo_image_surface_get_height(s);
    int sstride = cairo_image_surface_get_stride(s);
    const unsigned char *src = cairo_image_surface_get_data(s);
    unsigned char *gray = host->alloc((size_t)W * (size_t)H);
    if (!gray) {
        cairo_surface_destroy(s);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for page %u's image", pno);
    }
    for (int y = 0; y < H; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(src + (size_t)y * sstride);
        unsigned char *out = gray + (size_t)y * W;
        for (int x = 0; x < W; x++) {
            uint32_t v = row[x]; /* xRGB, native endian */
            unsigned r = (v >> 16) & 0xff, g = (v >> 8) & 0xff, b = v & 0xff;
            out[x] = (unsigned char)((r * 77 + g * 150 + b * 29 + 128) >> 8);
        }
    }
    cairo_surface_destroy(s);
    struct intake_image img = {
        (uint32_t)W, (uint32_t)H, (uint32_t)W, 1, (uint32_t)in->cfg.render_dpi, 0, gray};
    int rc = host->doc_add_image_page(doc, &img, w, h, err);
    memset(gray, 0, (size_t)W * H);
    host->free(gray);
    return rc;
}

/* ------------------------------------------------------------------ */
/* everything that is not page content                                */
/* ------------------------------------------------------------------ */

/* Append \p s (may be NULL, or not UTF-8) and a line break to \p out. */
static void extra_add(GString *out, const char *s)
{
    if (!s || !*s)
        return;
    char *v = g_utf8_make_valid(s, -1);
    g_string_append(out, v);
    g_string_append_c(out, '\n');
    g_free(v);
}

static void extra_add_owned(GString *out, char *s)
{
    extra_add(out, s);
    g_free(s);
}

static void extra_outline(GString *out, PopplerIndexIter *it, int depth)
{
    if (!it || depth > 64)
        return;
    do {
        PopplerAction *a = poppler_index_iter_get_action(it);
        if (a) {
            extra_add(out, a->any.title);
            poppler_action_free(a);
        }
        PopplerIndexIter *child = poppler_index_iter_get_child(it);
        extra_outline(out, child, depth + 1);
        if (child)
            poppler_index_iter_free(child);
    } while (poppler_index_iter_next(it));
}

static void extra_page(GString *out, PopplerPage *page)
{
    GList *annots = poppler_page_get_annot_mapping(page);
    for (GList *l = annots; l; l = l->next) {
        PopplerAnnot *a = ((PopplerAnnotMapping *)l->data)->annot;
        extra_add_owned(out, poppler_annot_get_contents(a));
        if (POPPLER_IS_ANNOT_MARKUP(a)) {
            extra_add_owned(out, poppler_annot_markup_get_label(POPPLER_ANNOT_MARKUP(a)));
            extra_add_owned(out, poppler_annot_markup_get_subject(POPPLER_ANNOT_MARKUP(a)));
        }
    }
    poppler_page_free_annot_mapping(annots);
    GList *fields = poppler_page_get_form_field_mapping(page);
    for (GList *l = fields; l; l = l->next) {
        PopplerFormField *f = ((PopplerFormFieldMapping *)l->data)->field;
        if (poppler_form_field_get_field_type(f) == POPPLER_FORM_FIELD_TEXT)
            extra_add_owned(out, poppler_form_field_text_get_text(f));
        else if (poppler_form_field_get_field_type(f) == POPPLER_FORM_FIELD_CHOICE)
            extra_add_owned(out, poppler_form_field_choice_get_text(f));
    }
    poppler_page_free_form_field_mapping(fields);
}

static void extra_document(GString *out, PopplerDocument *pd)
{
    extra_add_owned(out, poppler_document_get_title(pd));
    extra_add_owned(out, poppler_document_get_author(pd));
    extra_add_owned(out, poppler_document_get_subject(pd));
    extra_add_owned(out, poppler_document_get_keywords(pd));
    extra_add_owned(out, poppler_document_get_creator(pd));
    extra_add_owned(out, poppler_document_get_producer(pd));
    PopplerIndexIter *it = poppler_index_iter_new(pd);
    extra_outline(out, it, 0);
    if (it)
        poppler_index_iter_free(it);
    GList *atts = poppler_document_get_attachments(pd);
    for (GList *l = atts; l; l = l->next) {
        PopplerAttachment *a = l->data;
        extra_add(out, a->name);
        extra_add(out, a->description);
        g_object_unref(a);
    }
    g_list_free(atts);
}

/* ------------------------------------------------------------------ */
/* process                                                            */
/* ------------------------------------------------------------------ */

/* A PDF cut short has no %%EOF near its end; poppler would reconstruct
 * what it can and hand over part of the document as if it were whole. */
static int has_eof_marker(const unsigned char *b, size_t len)
{
    for (size_t i = len > EOF_WINDOW ? len - EOF_WINDOW : 0; i + 5 <= len; i++)
        if (memcmp(b + i, "%%EOF", 5) == 0)
            return 1;
    return 0;
}

static int open_error(const struct extract_pdf_instance *in, GError *gerr, struct intake_error *err)
{
    /* poppler's message is not passed on: it may quote the file. */
    int code = gerr && gerr->domain == POPPLER_ERROR ? gerr->code : -1;
    if (code == POPPLER_ERROR_ENCRYPTED)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          in->cfg.password
                              ? "encrypted PDF: the configured password does not open it"
                              : "encrypted PDF: no password configured");
    return INTAKE_ERR(err, INTAKE_EFORMAT, "damaged PDF: it cannot be opened");
}

static int cb_extract_pdf_process(void *instance, void *worker, struct intake_doc *doc,
                                  struct intake_error *err)
{
    struct extract_pdf_instance *in = instance;
    (void)worker;
    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    const struct intake_host *host = in->host;
    size_t len = 0;
    const unsigned char *src = host->doc_source(doc, &len);
    if (!src || len < 8 || memcmp(src, "%PDF-", 5) != 0)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "not a PDF (no %%PDF- header)");
    if (!has_eof_marker(src, len))
        return INTAKE_ERR(err, INTAKE_EFORMAT, "truncated PDF: no %%%%EOF marker at the end");

    /* Borrowed bytes: the document lives only for this call. With a
     * password, poppler 22.12's new_from_bytes crashes on a wrong one (it
     * retries on a stream it has already freed); new_from_stream does not. */
    GBytes *bytes = g_bytes_new_static(src, len);
    GError *gerr = NULL;
    PopplerDocument *pd = NULL;
    if (!in->cfg.password) {
        pd = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    } else {
        GInputStream *st = g_memory_input_stream_new_from_bytes(bytes);
        pd = poppler_document_new_from_stream(st, (goffset)len, in->cfg.password, NULL, &gerr);
        g_object_unref(st);
    }
    if (!pd) {
        int rc = open_error(in, gerr, err);
        g_clear_error(&gerr);
        g_bytes_unref(bytes);
        return rc;
    }
    int n = poppler_document_get_n_pages(pd);
    int rc = INTAKE_OK;
    if (n <= 0)
        rc = INTAKE_ERR(err, INTAKE_EFORMAT, "damaged PDF: no pages");
    else if (n > in->cfg.max_pages)
        rc = INTAKE_ERR(err, INTAKE_EFORMAT, "PDF has %d pages, more than max_pages (%d)", n,
                        (int)in->cfg.max_pages);

    GString *extra = in->cfg.extra_text ? g_string_new(NULL) : NULL;
    unsigned ntext = 0, nimage = 0;
    for (int i = 0; rc == INTAKE_OK && i < n; i++) {
        PopplerPage *page = poppler_document_get_page(pd, i);
        if (!page) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT, "damaged PDF: page %d cannot be read", i + 1);
            break;
        }
        double w = 0, h = 0;
        poppler_page_get_size(page, &w, &h);
        if (!(w > 0 && h > 0 && w < 1e6 && h < 1e6)) {
            g_object_unref(page);
            rc = INTAKE_ERR(err, INTAKE_EFORMAT, "damaged PDF: page %d has no size", i + 1);
            break;
        }
        char *text = poppler_page_get_text(page);
        struct page_stats st = {0, 0, w * h / (72.0 * 72.0), image_ratio(page, w, h)};
        count_chars(text, &st);
        const char *why = page_rule(&in->cfg, &st);
        int ocr = why != NULL;
        if (!ocr) {
            rc = add_text_page(in, doc, page, text ? text : "", w, h, err);
            if (rc == 1) { /* boxes cannot be trusted */
                why = "character boxes do not match the text";
                ocr = 1;
                rc = INTAKE_OK;
            }
        }
        if (ocr && rc == INTAKE_OK)
            rc = add_image_page(in, doc, page, (uint32_t)i + 1, w, h, err);
        intake_log_debug(host, in->ctx, doc,
                         "page %d: %zu characters, %zu unmapped, %.1f per sq in, images %.0f%%: %s",
                         i + 1, st.good, st.bad, st.area_sq_in > 0 ? st.good / st.area_sq_in : 0,
                         100 * st.image_ratio, ocr ? why : "text layer");
        ntext += !ocr;
        nimage += ocr;
        if (extra)
            extra_page(extra, page);
        if (text) {
            memset(text, 0, strlen(text));
            g_free(text);
        }
        g_object_unref(page);
    }
    if (rc == INTAKE_OK && extra) {
        extra_document(extra, pd);
        if (extra->len > 0) {
            rc = host->doc_add_page(doc, extra->str, extra->len, err);
            if (rc == INTAKE_OK) {
                char num[16];
                snprintf(num, sizeof num, "%u", host->doc_page_count(doc));
                rc = host->doc_meta_set(doc, "pdf_extra_page", num, err);
            }
        }
    }
    if (extra) {
        memset(extra->str, 0, extra->len);
        g_string_free(extra, TRUE);
    }
    if (rc == INTAKE_OK)
        intake_log_debug(host, in->ctx, doc, "%u text-layer page(s), %u page(s) for OCR", ntext,
                         nimage);
    g_object_unref(pd);
    g_bytes_unref(bytes);
    return rc;
}

static const char *const extract_pdf_mime_types[] = {"application/pdf", NULL};

static const struct intake_plugin extract_pdf_plugin = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_EXTRACT,
    .name = "extract_pdf",
    .version = EXTRACT_PDF_VERSION,
    .description = "PDF text layers with word boxes; pages without a usable one rendered for OCR",
    .options = extract_pdf_options,
    .config_size = sizeof(struct extract_pdf_config),
    .mime_types = extract_pdf_mime_types,
    .cb_init = cb_extract_pdf_init,
    .cb_process = cb_extract_pdf_process,
    .cb_exit = cb_extract_pdf_exit,
};

INTAKE_PLUGIN_DEFINE(extract_pdf, extract_pdf_plugin)
