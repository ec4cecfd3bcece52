/*
 * plugins/export_pdf/export_pdf.c: a redacted PDF per document with pages,
 * built only from burned page images and the redacted text.
 *
 * For a document with image pages (scans, photos, PDF pages sent to OCR)
 * or text-layer pages (from extract_pdf), it writes <store>/<dir>/<id>.pdf:
 *
 *   - one PDF page per such page (pages with neither flag, like
 *     extract_pdf's metadata page, are not drawn), of the same size;
 *   - its pixels: the page image (doc_page_image, native resolution) or,
 *     for a text-layer page, the original PDF page rendered with poppler at
 *     `dpi` (markup annotations left out, form fields blacked out whole:
 *     their values have no word boxes); a private copy, in which every word
 *     box that an entity touches is filled opaque black. The page is ONE
 *     image: no original underneath, no layers, no vector text of the
 *     original;
 *   - an invisible text layer of the *redacted* text at the words' places
 *     (for each box its doc_redacted_range, each redacted byte at most
 *     once), drawn BEFORE the image so the image hides it: cairo drops text
 *     drawn with zero alpha and cannot reach render mode 3, while pdftotext
 *     and viewers' search and selection read text under an image;
 *   - no title, author, subject or keywords; Creator "intake"; cairo's
 *     Producer and creation date only.
 *
 * Fail closed (the document is quarantined, nothing written): a page that
 * needed OCR and was not (or only partly) OCRed; an entity with a
 * non-space byte on a drawn page that no word box covers (it could not be
 * burned); a text-layer page of a document that is not a PDF poppler can
 * open. Image pages are stored as JPEG (`jpeg_quality`, 0 = lossless
 * Flate); rendered text pages as Flate, which cairo writes as DeviceGray
 * when the page has no colour.
 *
 * The original text is read (doc_text) only to tell white space inside an
 * entity from a byte no box covers; nothing of it is written.
 *
 * The PDF is made in memory and stored with host->store_write (atomic and
 * durable). poppler documents are opened per call (not fork-safe).
 * Lifetimes: the instance is read-only options; no worker state.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <gio/gio.h>
#include <glib.h>
#include <jpeglib.h>
#include <poppler.h>

#include <intake/intake.h>

#define EXPORT_PDF_VERSION "0.1.0"
#define DOC_ID_LEN         64
#define BURN_PAD_PT        1.0 /* glyphs overshoot their boxes a little */

/** Options, filled by the core from the option table below. */
struct export_pdf_config {
    const char *dir;      /* relative to the store */
    int64_t dpi;          /* text-layer pages */
    int64_t jpeg_quality; /* image pages; 0 = Flate */
    int32_t scanned;      /* export documents with image pages */
    int32_t text;         /* export documents with text-layer pages only */
    const char *password; /* to reopen encrypted PDFs */
    const char *font;     /* of the invisible text */
};

static const struct intake_option export_pdf_options[] = {
    {INTAKE_OPT_STR, "dir", "redacted", 0, offsetof(struct export_pdf_config, dir),
     "folder for the PDFs, relative to the store (no '..', not absolute)", 0, 0},
    {INTAKE_OPT_INT, "dpi", "150", 0, offsetof(struct export_pdf_config, dpi),
     "resolution of rendered text-layer pages (image pages keep theirs)", 50, 600},
    {INTAKE_OPT_INT, "jpeg_quality", "75", 0, offsetof(struct export_pdf_config, jpeg_quality),
     "JPEG quality of image pages (scans); 0 stores them lossless (Flate)", 0, 100},
    {INTAKE_OPT_BOOL, "scanned", "true", 0, offsetof(struct export_pdf_config, scanned),
     "export documents that have image pages (scans, images, OCRed PDF pages)", 0, 0},
    {INTAKE_OPT_BOOL, "text", "true", 0, offsetof(struct export_pdf_config, text),
     "export PDFs whose pages all have a text layer", 0, 0},
    {INTAKE_OPT_STR, "password", NULL, INTAKE_OPT_SENSITIVE,
     offsetof(struct export_pdf_config, password),
     "password to reopen encrypted PDFs (as extract_pdf's)", 0, 0},
    {INTAKE_OPT_STR, "font", "DejaVu Sans", 0, offsetof(struct export_pdf_config, font),
     "font of the invisible text layer (fontconfig name; needs Cyrillic and Latin)", 0, 0},
    {0},
};

struct export_pdf_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    struct export_pdf_config cfg; /* strings borrowed from the core, valid until cb_exit */
};

/* ------------------------------------------------------------------ */
/* lifetimes                                                          */
/* ------------------------------------------------------------------ */

static int cb_export_pdf_init(const struct intake_host *host, const struct intake_context *ctx,
                              const void *config, void **instance, struct intake_error *err)
{
    const struct export_pdf_config *cfg = config;
    intake_return_val_if_fail(host && instance && cfg, INTAKE_EINVAL);
    if (!INTAKE_HOST_HAS(host, doc_redacted_range))
        return INTAKE_ERR(err, INTAKE_EABI, "the core lacks ABI 1.1 (page images and boxes)");
    if (!INTAKE_HOST_HAS(host, store_write))
        return INTAKE_ERR(err, INTAKE_EABI, "the core lacks host->store_write (ABI 1.2)");
    if (!host->store_dir_ok(cfg->dir))
        return INTAKE_ERR(err, INTAKE_ECONFIG,
                          "dir must be a relative folder inside the store, without '..'");
    struct export_pdf_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    in->host = host;
    in->ctx = ctx;
    in->cfg = *cfg;
    *instance = in;
    return INTAKE_OK;
}

static void cb_export_pdf_exit(void *instance)
{
    struct export_pdf_instance *in = instance;
    if (in)
        in->host->free(in);
}

/* ------------------------------------------------------------------ */
/* files                                                              */
/* ------------------------------------------------------------------ */

/* The PDF as cairo writes it, in memory until host->store_write. */
struct out_buf {
    unsigned char *p;
    size_t n, cap;
    int oom;
};

static cairo_status_t write_cb(void *closure, const unsigned char *data, unsigned int length)
{
    struct out_buf *o = closure;
    if (o->oom)
        return CAIRO_STATUS_NO_MEMORY;
    if (o->n + length > o->cap) {
        size_t cap = o->cap ? o->cap : 1 << 16;
        while (cap < o->n + length)
            cap *= 2;
        unsigned char *q = realloc(o->p, cap);
        if (!q) {
            o->oom = 1;
            return CAIRO_STATUS_NO_MEMORY;
        }
        o->p = q;
        o->cap = cap;
    }
    memcpy(o->p + o->n, data, length);
    o->n += length;
    return CAIRO_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* pages                                                              */
/* ------------------------------------------------------------------ */

/* One page being drawn: our own pixels (xRGB), their scale, the page. */
struct canvas {
    cairo_surface_t *img; /* owned */
    double w_pt, h_pt;    /* page size */
    double sx, sy;        /* pixels per point */
    int gray;             /* every pixel gray (for the JPEG) */
};

/* The page image of an image page, copied into a surface we may burn. */
static int canvas_from_image(const struct intake_image *im, double w, double h, struct canvas *c)
{
    cairo_surface_t *s =
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)im->width, (int)im->height);
    if (cairo_surface_status(s)) {
        cairo_surface_destroy(s);
        return INTAKE_ENOMEM;
    }
    cairo_surface_flush(s);
    unsigned char *dst = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (uint32_t y = 0; y < im->height; y++) {
        const unsigned char *row = im->pixels + (size_t)y * im->stride;
        uint32_t *out = (uint32_t *)(void *)(dst + (size_t)y * stride);
        for (uint32_t x = 0; x < im->width; x++) {
            uint32_t r, g, b;
            if (im->channels == 1)
                r = g = b = row[x];
            else
                r = row[3 * x], g = row[3 * x + 1], b = row[3 * x + 2];
            out[x] = 0xff000000u | r << 16 | g << 8 | b;
        }
    }
    cairo_surface_mark_dirty(s);
    c->img = s;
    c->w_pt = w > 0 ? w : im->width * 72.0 / (im->dpi ? im->dpi : 300);
    c->h_pt = h > 0 ? h : im->height * 72.0 / (im->dpi ? im->dpi : 300);
    c->sx = im->width / c->w_pt;
    c->sy = im->height / c->h_pt;
    c->gray = im->channels == 1;
    return INTAKE_OK;
}

/*
 * A text-layer page rendered from the original PDF at \p dpi: page content
 * and form fields (poppler always prints those), no markup annotations;
 * then every form field's area is filled black, since its value is in
 * no word box, and so is every image: on a text-layer page no image was
 * read by OCR, so nothing in it was checked (a passport photo or a scanned
 * signature pasted into a typed page must not pass through).
 */
static int canvas_from_pdf(PopplerPage *page, double dpi, struct canvas *c)
{
    double w = 0, h = 0;
    poppler_page_get_size(page, &w, &h);
    double scale = dpi / 72.0;
    int pw = (int)ceil(w * scale), ph = (int)ceil(h * scale);
    if (pw < 1 || ph < 1 || pw > 32767 || ph > 32767)
        return INTAKE_EFORMAT;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, pw, ph);
    if (cairo_surface_status(s)) {
        cairo_surface_destroy(s);
        return INTAKE_ENOMEM;
    }
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, scale, scale);
    poppler_page_render_for_printing_with_options(page, cr, POPPLER_PRINT_DOCUMENT);
    GList *fields = poppler_page_get_form_field_mapping(page);
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (GList *l = fields; l; l = l->next) {
        const PopplerRectangle *a = &((PopplerFormFieldMapping *)l->data)->area;
        /* form field areas are in PDF space (origin bottom-left) */
        double x0 = fmin(a->x1, a->x2), x1 = fmax(a->x1, a->x2);
        double y0 = h - fmax(a->y1, a->y2), y1 = h - fmin(a->y1, a->y2);
        cairo_rectangle(cr, x0 - BURN_PAD_PT, y0 - BURN_PAD_PT, x1 - x0 + 2 * BURN_PAD_PT,
                        y1 - y0 + 2 * BURN_PAD_PT);
        cairo_fill(cr);
    }
    poppler_page_free_form_field_mapping(fields);
    GList *images = poppler_page_get_image_mapping(page);
    for (GList *l = images; l; l = l->next) {
        const PopplerRectangle *a = &((PopplerImageMapping *)l->data)->area;
        /* image areas are already top-left based (measured with poppler 22.12) */
        double x0 = fmin(a->x1, a->x2), x1 = fmax(a->x1, a->x2);
        double y0 = fmin(a->y1, a->y2), y1 = fmax(a->y1, a->y2);
        cairo_rectangle(cr, x0 - BURN_PAD_PT, y0 - BURN_PAD_PT, x1 - x0 + 2 * BURN_PAD_PT,
                        y1 - y0 + 2 * BURN_PAD_PT);
        cairo_fill(cr);
    }
    poppler_page_free_image_mapping(images);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    c->img = s;
    c->w_pt = w;
    c->h_pt = h;
    c->sx = pw / w;
    c->sy = ph / h;
    c->gray = 0;
    return INTAKE_OK;
}

/* Fill box \p b (points), padded, with opaque black in our own pixels. */
static void burn(struct canvas *c, const struct intake_box *b)
{
    cairo_surface_flush(c->img);
    int W = cairo_image_surface_get_width(c->img), H = cairo_image_surface_get_height(c->img);
    int stride = cairo_image_surface_get_stride(c->img);
    unsigned char *px = cairo_image_surface_get_data(c->img);
    int x0 = (int)floor((b->x0 - BURN_PAD_PT) * c->sx),
        x1 = (int)ceil((b->x1 + BURN_PAD_PT) * c->sx);
    int y0 = (int)floor((b->y0 - BURN_PAD_PT) * c->sy),
        y1 = (int)ceil((b->y1 + BURN_PAD_PT) * c->sy);
    x0 = x0 < 0 ? 0 : x0;
    y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > W ? W : x1;
    y1 = y1 > H ? H : y1;
    for (int y = y0; y < y1; y++) {
        uint32_t *row = (uint32_t *)(void *)(px + (size_t)y * stride);
        for (int x = x0; x < x1; x++)
            row[x] = 0xff000000u;
    }
    cairo_surface_mark_dirty(c->img);
}

/* Encode the canvas as JPEG (gray when it is); 0 on success, *out malloc'ed. */
static int encode_jpeg(const struct canvas *c, int quality, unsigned char **out,
                       unsigned long *outlen)
{
    int W = cairo_image_surface_get_width(c->img), H = cairo_image_surface_get_height(c->img);
    int stride = cairo_image_surface_get_stride(c->img);
    const unsigned char *px = cairo_image_surface_get_data(c->img);
    int comps = c->gray ? 1 : 3;
    unsigned char *row = malloc((size_t)W * 3);
    if (!row)
        return -1;
    struct jpeg_compress_struct cinfo;
    struct jpeg_error_mgr jerr;
    cinfo.err = jpeg_std_error(&jerr); /* errors exit(): only on out-of-memory here */
    jpeg_create_compress(&cinfo);
    *out = NULL;
    *outlen = 0;
    jpeg_mem_dest(&cinfo, out, outlen);
    cinfo.image_width = (JDIMENSION)W;
    cinfo.image_height = (JDIMENSION)H;
    cinfo.input_components = comps;
    cinfo.in_color_space = comps == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    for (int y = 0; y < H; y++) {
        const uint32_t *src = (const uint32_t *)(const void *)(px + (size_t)y * stride);
        for (int x = 0; x < W; x++) {
            if (comps == 1) {
                row[x] = (unsigned char)(src[x] & 0xff);
            } else {
                row[3 * x] = (unsigned char)(src[x] >> 16);
                row[3 * x + 1] = (unsigned char)(src[x] >> 8);
                row[3 * x + 2] = (unsigned char)src[x];
            }
        }
        JSAMPROW rp = row;
        jpeg_write_scanlines(&cinfo, &rp, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    free(row);
    return 0;
}

/* Draw \p s (redacted bytes; controls become spaces) into box \p b, stretched to its width. */
static void draw_text(cairo_t *cr, const char *font, const char *s, size_t n,
                      const struct intake_box *b)
{
    char buf[512];
    if (n >= sizeof buf) { /* cut, but never inside a UTF-8 sequence */
        n = sizeof buf - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
    buf[n] = '\0';
    double bw = b->x1 - b->x0, bh = b->y1 - b->y0;
    if (bw <= 0 || bh <= 0 || !g_utf8_validate(buf, (gssize)n, NULL))
        return;
    cairo_save(cr);
    cairo_select_font_face(cr, font, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, bh * 0.85);
    cairo_text_extents_t ext;
    cairo_text_extents(cr, buf, &ext);
    double sx = ext.x_advance > 0 ? bw / ext.x_advance : 1.0;
    cairo_translate(cr, b->x0, b->y1 - bh * 0.2);
    cairo_scale(cr, sx, 1.0);
    cairo_move_to(cr, 0, 0);
    cairo_show_text(cr, buf);
    cairo_restore(cr);
}

/* ------------------------------------------------------------------ */
/* process                                                            */
/* ------------------------------------------------------------------ */

#define DRAWN(fl) ((fl) & (INTAKE_PAGE_IMAGE | INTAKE_PAGE_TEXT_LAYER))

/*
 * Fail closed before anything is drawn: every page that needed OCR got it
 * whole, and every non-space byte of every entity on a drawn page lies in
 * a word box (else it could not be burned).
 */
static int check_burnable(const struct export_pdf_instance *in, struct intake_doc *doc,
                          struct intake_error *err)
{
    const struct intake_host *host = in->host;
    uint32_t np = host->doc_page_count(doc);
    for (uint32_t i = 0; i < np; i++) {
        uint32_t fl = host->doc_page_flags(doc, i);
        if ((fl & INTAKE_PAGE_NEEDS_OCR) && !(fl & INTAKE_PAGE_OCR_DONE))
            return INTAKE_ERR(err, INTAKE_EFORMAT,
                              "page %u was never OCRed (is an OCR plugin configured?): no "
                              "redacted PDF can be made",
                              i + 1);
        if (fl & INTAKE_PAGE_OCR_PARTIAL)
            return INTAKE_ERR(err, INTAKE_EFORMAT,
                              "page %u was only partly OCRed: no redacted PDF can be made", i + 1);
    }
    size_t ne = 0, tlen = 0;
    const struct intake_span *ents = host->doc_entities(doc, &ne);
    const char *text = host->doc_text(doc, &tlen);
    for (uint32_t i = 0; i < np; i++) {
        if (!DRAWN(host->doc_page_flags(doc, i)))
            continue;
        uint64_t ps = 0, pe = 0;
        host->doc_page_range(doc, i, &ps, &pe);
        size_t nb = 0;
        const struct intake_box *bx = host->doc_page_boxes(doc, i, &nb);
        for (size_t k = 0; k < ne; k++) {
            uint64_t a = ents[k].start > ps ? ents[k].start : ps;
            uint64_t e = ents[k].end < pe ? ents[k].end : pe;
            for (uint64_t p = a; p < e && p < tlen; p++) {
                unsigned char ch = (unsigned char)text[p];
                if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == '\f')
                    continue;
                int covered = 0;
                for (size_t j = 0; j < nb && !covered; j++)
                    covered = ps + bx[j].start <= p && p < ps + bx[j].end;
                if (!covered)
                    return INTAKE_ERR(err, INTAKE_EFORMAT,
                                      "entity %zu on page %u lies outside every word box: it "
                                      "cannot be burned",
                                      k + 1, i + 1);
            }
        }
    }
    return INTAKE_OK;
}

static PopplerDocument *open_source(const struct export_pdf_instance *in, struct intake_doc *doc,
                                    GBytes **bytes)
{
    size_t len = 0;
    const unsigned char *src = in->host->doc_source(doc, &len);
    const char *mime = in->host->doc_mime(doc);
    if (!src || !mime || strcmp(mime, "application/pdf") != 0)
        return NULL;
    *bytes = g_bytes_new_static(src, len);
    /* new_from_stream: poppler 22.12's new_from_bytes crashes on a wrong password */
    GInputStream *st = g_memory_input_stream_new_from_bytes(*bytes);
    PopplerDocument *pd =
        poppler_document_new_from_stream(st, (goffset)len, in->cfg.password, NULL, NULL);
    g_object_unref(st);
    return pd;
}

/* Draw page \p i of \p doc onto the PDF: text under, burned image over. */
static int draw_page(const struct export_pdf_instance *in, struct intake_doc *doc, uint32_t i,
                     PopplerDocument *pd, cairo_surface_t *pdf, uint64_t *last_end,
                     struct intake_error *err)
{
    const struct intake_host *host = in->host;
    uint32_t fl = host->doc_page_flags(doc, i);
    struct canvas c = {0};
    double w = 0, h = 0;
    host->doc_page_size(doc, i, &w, &h);
    struct intake_image im;
    int rc;
    int is_image = (fl & INTAKE_PAGE_IMAGE) && host->doc_page_image(doc, i, &im) == INTAKE_OK;
    if (is_image) {
        rc = canvas_from_image(&im, w, h, &c);
    } else {
        PopplerPage *page = pd ? poppler_document_get_page(pd, (int)i) : NULL;
        if (!page)
            return INTAKE_ERR(err, INTAKE_EFORMAT,
                              "text-layer page %u cannot be rendered from the original", i + 1);
        rc = canvas_from_pdf(page, (double)in->cfg.dpi, &c);
        g_object_unref(page);
    }
    if (rc)
        return INTAKE_ERR(err, rc, "cannot make the image of page %u", i + 1);

    uint64_t ps = 0, pe = 0;
    host->doc_page_range(doc, i, &ps, &pe);
    size_t nb = 0, ne = 0, rlen = 0;
    const struct intake_box *bx = host->doc_page_boxes(doc, i, &nb);
    const struct intake_span *ents = host->doc_entities(doc, &ne);
    const char *red = host->doc_redacted_text(doc, &rlen);
    unsigned burned = 0;
    for (size_t j = 0; j < nb; j++) {
        uint64_t bs = ps + bx[j].start, be = ps + bx[j].end;
        for (size_t k = 0; k < ne; k++)
            if (ents[k].start < be && bs < ents[k].end) {
                burn(&c, &bx[j]);
                burned++;
                break;
            }
    }

    cairo_pdf_surface_set_size(pdf, c.w_pt, c.h_pt);
    cairo_t *cr = cairo_create(pdf);
    /* 1. the redacted text, each redacted byte at most once */
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (size_t j = 0; j < nb; j++) {
        uint64_t rs = 0, re = 0;
        if (host->doc_redacted_range(doc, ps + bx[j].start, ps + bx[j].end, &rs, &re) != 0)
            continue;
        if (rs < *last_end)
            rs = *last_end;
        if (re > rlen)
            re = rlen;
        if (re <= rs)
            continue;
        draw_text(cr, in->cfg.font, red + rs, (size_t)(re - rs), &bx[j]);
        *last_end = re;
    }
    /* 2. the burned image over it, the only picture on the page */
    unsigned char *jpg = NULL;
    unsigned long jlen = 0;
    if (is_image && in->cfg.jpeg_quality > 0 &&
        encode_jpeg(&c, (int)in->cfg.jpeg_quality, &jpg, &jlen) == 0 && jpg)
        cairo_surface_set_mime_data(c.img, CAIRO_MIME_TYPE_JPEG, jpg, jlen, free, jpg);
    cairo_scale(cr, 1.0 / c.sx, 1.0 / c.sy);
    cairo_set_source_surface(cr, c.img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_paint(cr);
    cairo_destroy(cr);
    cairo_surface_show_page(pdf);
    cairo_surface_destroy(c.img);
    intake_log_trace(host, in->ctx, doc, "page %u: %zu boxes, %u burned", i + 1, nb, burned);
    return INTAKE_OK;
}

static int cb_export_pdf_process(void *instance, void *worker, struct intake_doc *doc,
                                 struct intake_error *err)
{
    struct export_pdf_instance *in = instance;
    (void)worker;
    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    const struct intake_host *host = in->host;
    if (!host->store_dir(in->ctx))
        return INTAKE_OK; /* `intake redact`: nothing is written */

    uint32_t np = host->doc_page_count(doc), ndrawn = 0, nimage = 0;
    for (uint32_t i = 0; i < np; i++) {
        uint32_t fl = host->doc_page_flags(doc, i);
        ndrawn += DRAWN(fl) != 0;
        nimage += (fl & INTAKE_PAGE_IMAGE) != 0;
    }
    if (ndrawn == 0 || (nimage ? !in->cfg.scanned : !in->cfg.text))
        return INTAKE_OK; /* plain text, or this kind is not exported */

    size_t rlen = 0;
    if (!host->doc_redacted_text(doc, &rlen)) /* fail closed: no anonymiser run */
        return INTAKE_ERR(err, INTAKE_EINVAL, "document has no redacted text");
    int rc = check_burnable(in, doc, err);
    if (rc)
        return rc;

    GBytes *bytes = NULL;
    PopplerDocument *pd = nimage < ndrawn ? open_source(in, doc, &bytes) : NULL;
    if (nimage < ndrawn && !pd) {
        if (bytes)
            g_bytes_unref(bytes);
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "the original PDF cannot be reopened to render its text-layer pages");
    }

    struct out_buf ob = {0};
    cairo_surface_t *pdf = cairo_pdf_surface_create_for_stream(write_cb, &ob, 595, 842);
    /* No title, author, subject, keywords: cairo sets none unless asked. */
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATOR, "intake");
    uint64_t last_end = 0;
    for (uint32_t i = 0; rc == INTAKE_OK && i < np; i++)
        if (DRAWN(host->doc_page_flags(doc, i)))
            rc = draw_page(in, doc, i, pd, pdf, &last_end, err);
    cairo_surface_finish(pdf);
    cairo_status_t st = cairo_surface_status(pdf);
    cairo_surface_destroy(pdf);
    char name[DOC_ID_LEN + 8];
    snprintf(name, sizeof name, "%s.pdf", host->doc_id(doc));
    if (rc == INTAKE_OK && (ob.oom || st))
        rc = INTAKE_ERR(err, ob.oom ? INTAKE_ENOMEM : INTAKE_EIO, "cannot make %s: %s", name,
                        ob.oom ? "out of memory" : cairo_status_to_string(st));
    if (rc == INTAKE_OK)
        rc = host->store_write(in->ctx, in->cfg.dir, name, ob.p, ob.n, err);
    free(ob.p); /* the redacted PDF only: no original content */
    if (pd)
        g_object_unref(pd);
    if (bytes)
        g_bytes_unref(bytes);
    if (rc == INTAKE_OK)
        intake_log_debug(host, in->ctx, doc, "redacted PDF: %u page(s), %u from images", ndrawn,
                         nimage);
    return rc;
}

static const struct intake_plugin export_pdf_plugin = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_EXPORT,
    .name = "export_pdf",
    .version = EXPORT_PDF_VERSION,
    .description = "redacted PDF per paged document: burned page images, invisible redacted text",
    .options = export_pdf_options,
    .config_size = sizeof(struct export_pdf_config),
    .cb_init = cb_export_pdf_init,
    .cb_process = cb_export_pdf_process,
    .cb_exit = cb_export_pdf_exit,
};

INTAKE_PLUGIN_DEFINE(export_pdf, export_pdf_plugin)
