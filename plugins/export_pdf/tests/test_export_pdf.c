/*
 * plugins/export_pdf/tests/test_export_pdf.c: redacted PDFs made by the
 * core's engine (extract_pdf, detect_patterns, detect_names, export_pdf as
 * built) from PDFs and page images made at test time, then read back with
 * poppler and poppler-utils: no planted value in the extractable text or in
 * the file, placeholders present, every entity box black in the pixels,
 * one image per page, no metadata; and the cases that must fail closed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <poppler.h>

#include "doc.h"
#include "engine.h"
#include "log.h"
#include "pdf_fixtures.h"
#include "test.h"

static char tmpdir[64], store[96];

static const char *tpath(const char *name)
{
    static char buf[8][192];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static const char conf_default[] = "[pdf]\ntype = extract_pdf\n"
                                   "[ids]\ntype = detect_patterns\n"
                                   "[names]\ntype = detect_names\n"
                                   "[export_pdf]\ntype = export_pdf\n";

/* Texts written for these tests; names, numbers and addresses invented. */
static const struct fx_line statement[] = {
    {60, 80, "Протокол допроса свидетеля по уголовному делу.", 0},
    {60, 100, "Свидетель Белоусова Зарина Олеговна, тел. +7 701 555 23 19.", 0},
    {60, 120, "Куәгер хаты: asem.tursynbaeva@example.kz арқылы жіберілді.", 0},
    {60, 140, "Şaýat telefon belgisi +993 65 41 22 87 boýunça jaň etdi.", 0},
    {60, 160, "Guvoh pochtasi dilnoza.rahmon@example.uz orqali yozdi.", 0},
    {60, 180, "Witness e-mail h.pemberton@example.org, phone +44 20 7946 0958.", 0},
    {60, 200, "The statement was read back at the regional prosecutor's office.", 0},
};
static const char *const planted[] = {
    "+7 701 555 23 19", "701 555",     "asem.tursynbaeva", "+993 65 41 22 87",
    "dilnoza.rahmon",   "h.pemberton", "7946 0958",        "Белоусова",
};

static char *run_cmd(const char *cmd, size_t *len)
{
    char out[256];
    snprintf(out, sizeof out, "%s/cmd.out", tmpdir);
    char full[1024];
    snprintf(full, sizeof full, "%s > %s 2>/dev/null", cmd, out);
    if (system(full) != 0)
        return NULL;
    return fx_slurp(out, len);
}

struct run {
    struct intake_engine *e;
    struct intake_doc *doc;
    int rc;
    struct intake_error err;
    char out[256]; /* the redacted PDF's path */
};

/* Run the engine on \p path (or on \p doc already built) and export. */
static void run_engine(struct run *r, const char *conf, const char *path, struct intake_doc *doc)
{
    memset(r, 0, sizeof *r);
    r->rc = intake_engine_create("test.conf", conf, &r->e, &r->err);
    if (r->rc == 0)
        r->rc = intake_engine_worker_init(r->e, &r->err);
    if (r->rc) {
        TEST_NOTE("engine: %s", r->err.msg);
        return;
    }
    intake_engine_set_store(r->e, store);
    if (path) {
        size_t len = 0;
        char *bytes = fx_slurp(path, &len);
        r->rc = intake_engine_run(r->e, bytes, len, &r->doc, &r->err);
        free(bytes);
    } else {
        r->doc = doc;
        r->rc = intake_engine_detect(r->e, doc, &r->err);
    }
    if (r->doc) { /* documents made alike share an id: start without an output */
        snprintf(r->out, sizeof r->out, "%s/redacted/%s.pdf", store, intake_doc_id(r->doc));
        unlink(r->out);
    }
    if (r->rc == 0)
        r->rc = intake_engine_finish(r->e, r->doc, NULL, &r->err);
}

static void run_clear(struct run *r)
{
    if (r->doc)
        intake_doc_destroy(r->doc);
    if (r->e)
        intake_engine_destroy(r->e);
}

/*
 * Every box an entity touches on a drawn page is black in the output: the
 * output page rendered at \p dpi (that of its image), the box's inside
 * (less \p margin pixels for JPEG edges) darker than \p dark.
 */
static int boxes_black(struct intake_doc *doc, const char *pdf, double dpi, int margin, int dark,
                       int *nchecked)
{
    GError *ge = NULL;
    char *uri = g_filename_to_uri(pdf, NULL, NULL);
    PopplerDocument *pd = uri ? poppler_document_new_from_file(uri, NULL, &ge) : NULL;
    g_free(uri);
    g_clear_error(&ge);
    if (!pd)
        return 0;
    size_t ne = 0;
    const struct intake_span *ents = intake_doc_entities(doc, &ne);
    int ok = 1, outpage = 0;
    *nchecked = 0;
    for (uint32_t i = 0; i < intake_doc_page_count(doc); i++) {
        uint32_t fl = intake_doc_page_flags(doc, i);
        if (!(fl & (INTAKE_PAGE_IMAGE | INTAKE_PAGE_TEXT_LAYER)))
            continue;
        PopplerPage *pg = poppler_document_get_page(pd, outpage++);
        if (!pg)
            return 0;
        double w, h;
        poppler_page_get_size(pg, &w, &h);
        double s = dpi / 72.0;
        cairo_surface_t *img =
            cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(w * s), (int)ceil(h * s));
        cairo_t *cr = cairo_create(img);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_paint(cr);
        cairo_scale(cr, s, s);
        poppler_page_render(pg, cr);
        cairo_destroy(cr);
        cairo_surface_flush(img);
        const unsigned char *px = cairo_image_surface_get_data(img);
        int stride = cairo_image_surface_get_stride(img);
        int W = cairo_image_surface_get_width(img), H = cairo_image_surface_get_height(img);
        uint64_t ps = 0, pe = 0;
        intake_doc_page_range(doc, i, &ps, &pe);
        size_t nb = 0;
        const struct intake_box *bx = intake_doc_page_boxes(doc, i, &nb);
        for (size_t j = 0; j < nb; j++) {
            int hit = 0;
            for (size_t k = 0; k < ne && !hit; k++)
                hit = ents[k].start < ps + bx[j].end && ps + bx[j].start < ents[k].end;
            if (!hit)
                continue;
            (*nchecked)++;
            int x0 = (int)(bx[j].x0 * s) + margin, x1 = (int)(bx[j].x1 * s) - margin;
            int y0 = (int)(bx[j].y0 * s) + margin, y1 = (int)(bx[j].y1 * s) - margin;
            for (int y = y0 > 0 ? y0 : 0; y < y1 && y < H; y++)
                for (int x = x0 > 0 ? x0 : 0; x < x1 && x < W; x++) {
                    uint32_t v = ((const uint32_t *)(const void *)(px + (size_t)y * stride))[x];
                    if ((int)((v >> 16) & 0xff) > dark || (int)((v >> 8) & 0xff) > dark ||
                        (int)(v & 0xff) > dark) {
                        if (ok)
                            TEST_NOTE("page %u box %zu pixel (%d,%d) = %06x", i + 1, j, x, y,
                                      v & 0xffffff);
                        ok = 0;
                    }
                }
        }
        cairo_surface_destroy(img);
        g_object_unref(pg);
    }
    g_object_unref(pd);
    return ok;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

/* pdftotext, pdfimages and pdfinfo on the output; the planted values nowhere. */
static void check_output(const char *what, const char *pdf, int pages, const char *const *secrets,
                         size_t nsecrets, const char *const *placeholders, size_t nph)
{
    char cmd[512];
    size_t tl = 0, fl = 0, il = 0, ml = 0;
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", pdf);
    char *txt = run_cmd(cmd, &tl);
    char *raw = fx_slurp(pdf, &fl);
    TEST_OK(txt != NULL, "%s: pdftotext reads the redacted PDF", what);
    for (size_t i = 0; i < nsecrets; i++) {
        TEST_OK(txt && !fx_contains(txt, tl, secrets[i]), "%s: planted value %zu not in its text",
                what, i);
        TEST_OK(raw && !fx_contains(raw, fl, secrets[i]), "%s: planted value %zu not in its bytes",
                what, i);
    }
    for (size_t i = 0; i < nph; i++)
        TEST_OK(txt && fx_contains(txt, tl, placeholders[i]), "%s: text has placeholder %s", what,
                placeholders[i]);
    if (txt && getenv("EXPORT_PDF_VERBOSE"))
        printf("# --- pdftotext ---\n%s\n", txt);
    snprintf(cmd, sizeof cmd, "pdfimages -list '%s'", pdf);
    char *imgs = run_cmd(cmd, &il);
    TEST_EQ_INT(count_lines(imgs) - 2, pages, "%s: pdfimages lists one image per page", what);
    snprintf(cmd, sizeof cmd, "pdfinfo '%s'", pdf);
    char *info = run_cmd(cmd, &ml);
    TEST_OK(info && !strstr(info, "Title:") && !strstr(info, "Author:") &&
                !strstr(info, "Subject:") && !strstr(info, "Keywords:") &&
                strstr(info, "Creator:         intake\n"),
            "%s: pdfinfo shows no title, author, subject, keywords; Creator intake", what);
    char want[32];
    snprintf(want, sizeof want, "Pages:           %d\n", pages);
    TEST_OK(info && strstr(info, want), "%s: %d page(s)", what, pages);
    free(txt);
    free(raw);
    free(imgs);
    free(info);
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* ------------------------------------------------------------------ */

static void test_text_pdf(void)
{
    struct fx_page pg[2] = {{595, 842, statement, 7, 0, 0}, {595, 842, statement + 3, 4, 0, 0}};
    fx_make_pdf(tpath("stmt.pdf"), pg, 2, "Допрос Белоусовой", "h.pemberton@example.org");
    struct run r;
    run_engine(&r, conf_default, tpath("stmt.pdf"), NULL);
    TEST_EQ_INT(r.rc, 0, "text-layer PDF through extract, detect, anonymise, export: %s",
                r.err.msg);
    TEST_OK(r.doc && file_exists(r.out), "redacted/<id>.pdf written");
    size_t ne = 0;
    intake_doc_entities(r.doc, &ne);
    TEST_OK(ne >= 8, "entities found (%zu)", ne);
    static const char *const ph[] = {"[PHONE]", "[EMAIL]", "[PERSON-1]"};
    check_output("text PDF", r.out, 2, planted, sizeof planted / sizeof *planted, ph, 3);
    size_t tl = 0;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", r.out);
    char *txt = run_cmd(cmd, &tl);
    TEST_OK(txt && fx_contains(txt, tl, "prosecutor's") && fx_contains(txt, tl, "Протокол"),
            "the words around the entities are in the text layer");
    const char *p = txt ? strstr(txt, "[PERSON-1]") : NULL;
    TEST_OK(p && !strstr(p + 1, "[PERSON-1] [PERSON-1]"),
            "a replacement spanning several words appears once");
    free(txt);
    int n = 0;
    TEST_OK(boxes_black(r.doc, r.out, 150, 1, 8, &n) && n >= 10,
            "pixels inside every entity's word boxes are black (%d boxes)", n);
    struct stat st;
    stat(r.out, &st);
    TEST_NOTE("text PDF: input %ld bytes, redacted PDF %ld bytes", (long)0, (long)st.st_size);
    run_clear(&r);
}

/*
 * A page image with typed text whose word boxes we know, as an OCR plugin
 * would leave it: text set, boxes added, OCR_DONE.
 */
static struct intake_doc *ocred_doc(int with_ocr, int with_boxes)
{
    const char *words[] = {"Свидетель",
                           "Гулбахор",
                           "Эргашева,",
                           "тел.",
                           "+998",
                           "90",
                           "123",
                           "45",
                           "67,",
                           "пишет",
                           "на",
                           "почту",
                           "gulbahor.ergasheva@example.uz"};
    const int nw = 13, dpi = 200;
    double wpt = 595, hpt = 300, s = dpi / 72.0;
    int W = (int)(wpt * s), H = (int)(hpt * s);
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(img);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, s, s);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_select_font_face(cr, "DejaVu Sans", 0, 0);
    cairo_set_font_size(cr, 12);
    struct intake_box boxes[13];
    char text[512] = "";
    double x = 40, y = 100;
    for (int i = 0; i < nw; i++) {
        cairo_text_extents_t ext;
        cairo_text_extents(cr, words[i], &ext);
        if (x + ext.x_advance > wpt - 40)
            x = 40, y += 30;
        cairo_move_to(cr, x, y);
        cairo_show_text(cr, words[i]);
        uint32_t start = (uint32_t)strlen(text);
        strcat(text, words[i]);
        boxes[i] = (struct intake_box){start,
                                       (uint32_t)strlen(text),
                                       (float)x,
                                       (float)(y - 10),
                                       (float)(x + ext.x_advance),
                                       (float)(y + 3),
                                       90.0f,
                                       0};
        strcat(text, i + 1 < nw ? " " : "\n");
        x += ext.x_advance + 6;
    }
    cairo_destroy(cr);
    cairo_surface_flush(img);
    unsigned char *gray = malloc((size_t)W * H);
    const unsigned char *src = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int yy = 0; yy < H; yy++)
        for (int xx = 0; xx < W; xx++)
            gray[(size_t)yy * W + xx] = src[(size_t)yy * stride + 4 * xx + 1];
    cairo_surface_destroy(img);
    struct intake_image im = {(uint32_t)W, (uint32_t)H, (uint32_t)W, 1, (uint32_t)dpi, 0, gray};
    struct intake_doc *doc = intake_doc_create(gray, 256, "image/png");
    intake_doc_add_image_page(doc, &im, wpt, hpt, NULL);
    free(gray);
    if (with_ocr) {
        intake_doc_set_page_text(doc, 0, text, strlen(text), NULL);
        if (with_boxes)
            intake_doc_add_boxes(doc, 0, boxes, with_boxes == 1 ? (size_t)nw : 4, NULL);
        intake_doc_set_page_flags(doc, 0, INTAKE_PAGE_OCR_DONE);
    }
    return doc;
}

static void test_image_page(void)
{
    struct run r;
    run_engine(&r, conf_default, NULL, ocred_doc(1, 1));
    TEST_EQ_INT(r.rc, 0, "OCRed image page exported: %s", r.err.msg);
    static const char *const sec[] = {"Эргашева", "Гулбахор", "123 45", "+998 90",
                                      "gulbahor.ergasheva"};
    static const char *const ph[] = {"[PHONE]", "[EMAIL]", "[PERSON-1]", "пишет"};
    check_output("image page", r.out, 1, sec, 5, ph, 4);
    int n = 0;
    TEST_OK(boxes_black(r.doc, r.out, 200, 3, 60, &n) && n >= 7,
            "JPEG page: pixels inside every entity's word boxes are black (%d boxes)", n);
    char cmd[512];
    size_t il = 0;
    snprintf(cmd, sizeof cmd, "pdfimages -list '%s'", r.out);
    char *imgs = run_cmd(cmd, &il);
    TEST_OK(imgs && strstr(imgs, "jpeg") && strstr(imgs, "gray"),
            "image page stored as gray JPEG at its own resolution");
    TEST_OK(imgs && strstr(imgs, " 200   200 "), "... 200 dpi kept");
    free(imgs);
    run_clear(&r);
}

static void test_fail_closed(void)
{
    struct run r;
    run_engine(&r, conf_default, NULL, ocred_doc(0, 0));
    TEST_EQ_INT(r.rc, INTAKE_EFORMAT, "image page never OCRed: refused");
    TEST_OK(strstr(r.err.msg, "never OCRed") != NULL, "... reason: %s", r.err.msg);
    TEST_OK(!file_exists(r.out), "... and no PDF written");
    run_clear(&r);

    run_engine(&r, conf_default, NULL, ocred_doc(1, 2));
    TEST_EQ_INT(r.rc, INTAKE_EFORMAT, "entity outside every word box: refused");
    TEST_OK(strstr(r.err.msg, "cannot be burned") != NULL, "... reason: %s", r.err.msg);
    TEST_OK(!file_exists(r.out), "... and no PDF written");
    run_clear(&r);

    char conf[512];
    snprintf(conf, sizeof conf, "%s%s", conf_default, "scanned = false\n");
    run_engine(&r, conf, NULL, ocred_doc(1, 1));
    TEST_OK(r.rc == 0 && !file_exists(r.out), "scanned = false: nothing written for scans");
    run_clear(&r);

    /* plain text: skipped */
    FILE *fp = fopen(tpath("plain.txt"), "w");
    fputs("Свидетель пишет на почту test.person@example.kz\n", fp);
    fclose(fp);
    char conf2[512];
    snprintf(conf2, sizeof conf2, "[text]\ntype = extract_text\n%s", conf_default);
    run_engine(&r, conf2, tpath("plain.txt"), NULL);
    TEST_OK(r.rc == 0 && !file_exists(r.out), "plain text document: no PDF");
    run_clear(&r);
}

/* A PDF from tests/fixtures/render (pango text layer), when it was built. */
static void test_rendered(void)
{
    const char *render = getenv("INTAKE_RENDER");
    if (!render || access(render, X_OK) != 0) {
        TEST_NOTE("intake-render not built: rendered fixture skipped");
        return;
    }
    FILE *fp = fopen(tpath("r.txt"), "w");
    fputs("Жәбірленуші Қайыпбекова Нұргүл, телефон +7 705 318 44 02.\n"
          "Ol Aşgabat şäherinde ýaşaýar, e-poçta jeren.owezowa@example.tm.\n"
          "The case was referred to the court on the same day.\n",
          fp);
    fclose(fp);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ASAN_OPTIONS=detect_leaks=0 %s --format pdf-text --out '%s' '%s'",
             render, tpath("r.pdf"), tpath("r.txt"));
    TEST_OK(system(cmd) == 0, "intake-render made a text-layer PDF");
    struct run r;
    run_engine(&r, conf_default, tpath("r.pdf"), NULL);
    TEST_EQ_INT(r.rc, 0, "rendered PDF exported: %s", r.err.msg);
    static const char *const sec[] = {"705 318", "jeren.owezowa"};
    static const char *const ph[] = {"[PHONE]", "[EMAIL]", "court"};
    check_output("rendered PDF", r.out, 1, sec, 2, ph, 3);
    int n = 0;
    TEST_OK(boxes_black(r.doc, r.out, 150, 1, 8, &n) && n >= 2,
            "rendered PDF: entity boxes black (%d)", n);
    run_clear(&r);
}

/* A small image on a text-layer page (4% of it: the page stays text, the
 * image is never OCRed) must come out black, not as it was. */
static void test_small_image(void)
{
    struct fx_page pg[1] = {{595, 842, statement, 7, 0.2, 0}};
    fx_make_pdf(tpath("small-image.pdf"), pg, 1, NULL, NULL);
    struct run r;
    run_engine(&r, conf_default, tpath("small-image.pdf"), NULL);
    TEST_EQ_INT(r.rc, 0, "text-layer PDF with a small image: %s", r.err.msg);
    TEST_OK(r.doc && (intake_doc_page_flags(r.doc, 0) & INTAKE_PAGE_TEXT_LAYER),
            "the page is read from its text layer (the image is not OCRed)");
    GError *ge = NULL;
    char *uri = g_filename_to_uri(r.out, NULL, NULL);
    PopplerDocument *pd = uri ? poppler_document_new_from_file(uri, NULL, &ge) : NULL;
    g_free(uri);
    g_clear_error(&ge);
    PopplerPage *page = pd ? poppler_document_get_page(pd, 0) : NULL;
    int dark = 0, total = 0;
    if (page) {
        cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 595, 842);
        cairo_t *cr = cairo_create(img);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_paint(cr);
        poppler_page_render(page, cr);
        cairo_destroy(cr);
        cairo_surface_flush(img);
        const unsigned char *px = cairo_image_surface_get_data(img);
        int stride = cairo_image_surface_get_stride(img);
        /* the image's inside: bottom-right 119 x 168 pt, less a margin */
        for (int y = 842 - 160; y < 842 - 10; y += 5)
            for (int x = 595 - 110; x < 595 - 10; x += 5) {
                uint32_t v = ((const uint32_t *)(const void *)(px + (size_t)y * stride))[x];
                total++;
                dark += ((v >> 16) & 0xff) < 40 && ((v >> 8) & 0xff) < 40 && (v & 0xff) < 40;
            }
        cairo_surface_destroy(img);
        g_object_unref(page);
    }
    if (pd)
        g_object_unref(pd);
    TEST_OK(total > 0 && dark == total, "the image's area is black in the export (%d/%d)", dark,
            total);
    run_clear(&r);
}

int main(void)
{
    intake_log_set_level(INTAKE_LOG_ERROR);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/intake-epdf-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    snprintf(store, sizeof store, "%s/store", tmpdir);
    mkdir(store, 0700);
    test_text_pdf();
    test_image_page();
    test_fail_closed();
    test_rendered();
    test_small_image();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (!getenv("EXPORT_PDF_KEEP") && system(cmd) != 0)
        TEST_NOTE("could not remove %s", tmpdir);
    else if (getenv("EXPORT_PDF_KEEP"))
        TEST_NOTE("kept %s", tmpdir);
    return test_done();
}
