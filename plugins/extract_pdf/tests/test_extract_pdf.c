/*
 * plugins/extract_pdf/tests/test_extract_pdf.c: the built plugin, loaded
 * through the core's loader, reading PDFs made at test time into the
 * core's document model: text-layer pages and their word boxes, the rule
 * that sends a page to OCR (at and around each threshold), mixed PDFs,
 * encrypted, truncated and damaged files, metadata, limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "doc.h"
#include "log.h"
#include "pdf_fixtures.h"
#include "plugin_loader.h"
#include "test.h"

struct fixture {
    struct intake_loaded_plugin *p;
    struct intake_config *cfg;
    void *options;
    void *inst;
    struct intake_context ctx;
};

static char tmpdir[64];

static int setup(struct fixture *f, const char *conf, struct intake_error *err)
{
    memset(f, 0, sizeof *f);
    intake_error_clear(err);
    if (intake_plugin_load(getenv("EXTRACT_PDF_SO"), NULL, &f->p, err) ||
        intake_config_parse("test.conf", conf, &f->cfg, err))
        return -1;
    static const char *const core_keys[] = {"type", "log_level", "enabled", NULL};
    f->options = calloc(1, f->p->desc.config_size);
    int rc = intake_options_apply(f->cfg, intake_config_section(f->cfg, "pdf"), f->p->desc.options,
                                  core_keys, f->options, err);
    if (rc)
        return rc;
    f->ctx.type = "extract_pdf";
    f->ctx.name = "pdf";
    f->ctx.id = 1;
    f->ctx.level = INTAKE_LOG_WARN;
    return f->p->desc.cb_init(intake_core_host(), &f->ctx, f->options, &f->inst, err);
}

static void teardown(struct fixture *f)
{
    if (f->p) {
        if (f->inst)
            f->p->desc.cb_exit(f->inst);
        intake_options_clear(f->p->desc.options, f->options);
    }
    free(f->options);
    intake_config_destroy(f->cfg);
    intake_plugin_unload(f->p);
}

/* Extract \p path into a new document (returned even on failure, for inspection). */
static struct intake_doc *extract(struct fixture *f, const char *path, int *rc,
                                  struct intake_error *err)
{
    size_t len = 0;
    char *bytes = fx_slurp(path, &len);
    struct intake_doc *doc =
        intake_doc_create(bytes ? bytes : "", bytes ? len : 0, "application/pdf");
    free(bytes);
    intake_error_clear(err);
    *rc = f->p->desc.cb_process(f->inst, NULL, doc, err);
    return doc;
}

static const char *tpath(const char *name)
{
    static char buf[8][160];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

/* The page text of page \p i (borrowed from \p doc's text, with its length). */
static const char *page_text(struct intake_doc *doc, uint32_t i, size_t *len)
{
    uint64_t s = 0, e = 0;
    size_t n = 0;
    const char *t = intake_doc_text(doc, &n);
    if (intake_doc_page_range(doc, i, &s, &e))
        return NULL;
    *len = (size_t)(e - s);
    return t + s;
}

/* ------------------------------------------------------------------ */

/* Texts written for these tests; names, numbers and addresses invented. */
static const struct fx_line statement[] = {
    {60, 80, "Потерпевшая Белоусова Зарина Олеговна, тел. +7 701 555 23 19.", 0},
    {60, 100, "Куәгер Тұрсынбаева Әсем, пошта asem.tursynbaeva@example.kz", 0},
    {60, 120, "Şaýat Öwezmyradowa Jeren, telefon +993 65 41 22 87, Aşgabat.", 0},
    {60, 140, "Guvoh Raxmonqulova Dilnoza, pasport AB1234567, Samarqand.", 0},
    {60, 160, "Witness Harriet Pemberton-Oakes, email h.pemberton@example.org", 0},
    {60, 180, "The statement was taken at the regional prosecutor's office and read back.", 0},
    {60, 200, "Протокол допроса составлен следователем и прочитан вслух свидетелю.", 0},
};

static void test_text_layer(struct fixture *f)
{
    struct intake_error err;
    int rc;
    struct fx_page pg = {595, 842, statement, 7, 0, 0};
    TEST_OK(fx_make_pdf(tpath("text.pdf"), &pg, 1, NULL, NULL) == 0, "text PDF made");
    struct intake_doc *doc = extract(f, tpath("text.pdf"), &rc, &err);
    TEST_EQ_INT(rc, 0, "text-layer PDF extracted: %s", err.msg);
    TEST_EQ_INT(intake_doc_page_count(doc), 2,
                "two pages: the page and the metadata (cairo's Producer)");
    uint32_t fl = intake_doc_page_flags(doc, 0);
    TEST_OK(fl & INTAKE_PAGE_TEXT_LAYER, "page flagged TEXT_LAYER");
    TEST_OK(!(fl & (INTAKE_PAGE_NEEDS_OCR | INTAKE_PAGE_IMAGE)), "... not flagged for OCR");
    struct intake_image img;
    TEST_OK(intake_doc_page_image(doc, 0, &img) != 0, "... and has no image");
    double w = 0, h = 0;
    intake_doc_page_size(doc, 0, &w, &h);
    TEST_OK(w == 595 && h == 842, "page size in points (%g x %g)", w, h);
    size_t plen = 0;
    const char *pt = page_text(doc, 0, &plen);
    TEST_OK(pt && fx_contains(pt, plen, "Белоусова Зарина") &&
                fx_contains(pt, plen, "asem.tursynbaeva@example.kz") &&
                fx_contains(pt, plen, "Öwezmyradowa") && fx_contains(pt, plen, "AB1234567") &&
                fx_contains(pt, plen, "Pemberton-Oakes"),
            "page text holds every line, in every script");
    TEST_OK(plen > 0 && pt[plen - 1] == '\n', "page text ends with a line break");

    size_t nb = 0;
    const struct intake_box *b = intake_doc_page_boxes(doc, 0, &nb);
    TEST_OK(nb >= 50, "one box per word (%zu)", nb);
    int found = 0, inside = 1, nonspace = 1;
    for (size_t i = 0; i < nb; i++) {
        if (b[i].end > plen || b[i].start >= b[i].end)
            inside = 0;
        for (uint32_t k = b[i].start; k < b[i].end && inside; k++)
            if (pt[k] == ' ' || pt[k] == '\n')
                nonspace = 0;
        if (b[i].end - b[i].start == strlen("Белоусова") &&
            memcmp(pt + b[i].start, "Белоусова", strlen("Белоусова")) == 0) {
            found = 1;
            TEST_OK(b[i].x0 > 60 && b[i].x0 < 160 && b[i].x1 > b[i].x0 + 30 && b[i].x1 < 260,
                    "word box x in points (%g..%g)", b[i].x0, b[i].x1);
            TEST_OK(b[i].y0 > 64 && b[i].y0 < 80 && b[i].y1 > 78 && b[i].y1 < 86,
                    "word box y from the top, around the baseline at 80 (%g..%g)", b[i].y0,
                    b[i].y1);
            TEST_OK(b[i].conf < 0, "text-layer confidence unknown");
        }
    }
    TEST_OK(inside, "boxes lie inside the page text");
    TEST_OK(nonspace, "boxes hold no white space");
    TEST_OK(found, "a box selects exactly the surname");
    intake_doc_destroy(doc);
}

/* Rule 1 at its edge: 100 square inches, default 0.2 char per square inch. */
static void test_density_edges(struct fixture *f)
{
    struct intake_error err;
    int rc;
    const int counts[] = {19, 20, 21};
    for (int k = 0; k < 3; k++) {
        char *s = fx_letters(counts[k], 10);
        struct fx_line ln[] = {{20, 40, s, 0}};
        struct fx_page pg = {720, 720, ln, 1, 0, 6};
        char name[32];
        snprintf(name, sizeof name, "dens%d.pdf", counts[k]);
        fx_make_pdf(tpath(name), &pg, 1, NULL, NULL);
        struct intake_doc *doc = extract(f, tpath(name), &rc, &err);
        uint32_t fl = intake_doc_page_flags(doc, 0);
        size_t plen = 0;
        page_text(doc, 0, &plen);
        if (counts[k] < 20) {
            TEST_OK(rc == 0 && (fl & INTAKE_PAGE_NEEDS_OCR) && !(fl & INTAKE_PAGE_TEXT_LAYER),
                    "%d characters on 100 in^2 (below 0.2/in^2): sent to OCR", counts[k]);
            struct intake_image img;
            TEST_OK(intake_doc_page_image(doc, 0, &img) == 0 && img.width == 3000 &&
                        img.height == 3000 && img.dpi == 300 && img.channels == 1,
                    "... rendered at 300 dpi, 8-bit gray (%ux%u)", img.width, img.height);
            TEST_EQ_INT(plen, 0, "... with no text until OCR");
        } else {
            TEST_OK(rc == 0 && (fl & INTAKE_PAGE_TEXT_LAYER) && !(fl & INTAKE_PAGE_NEEDS_OCR),
                    "%d characters on 100 in^2 (at or above 0.2/in^2): text layer", counts[k]);
        }
        intake_doc_destroy(doc);
        free(s);
    }
}

/* Rule 2 at its edge: 200 non-space characters, default 10% may be bad. */
static void test_bad_edges(struct fixture *f)
{
    struct intake_error err;
    int rc;
    const struct {
        int bad, kind;
    } cases[] = {{20, 1}, {21, 1}, {20, 2}, {21, 2}};
    for (int k = 0; k < 4; k++) {
        char *good = fx_letters(200 - cases[k].bad, 10), *bad = fx_letters(cases[k].bad, 0);
        struct fx_line ln[] = {{20, 40, good, 0}, {20, 60, bad, cases[k].kind}};
        struct fx_page pg = {720, 720, ln, 2, 0, 6};
        char name[32];
        snprintf(name, sizeof name, "bad%d-%d.pdf", cases[k].bad, cases[k].kind);
        fx_make_pdf(tpath(name), &pg, 1, NULL, NULL);
        struct intake_doc *doc = extract(f, tpath(name), &rc, &err);
        uint32_t fl = intake_doc_page_flags(doc, 0);
        const char *what = cases[k].kind == 1 ? "U+E000" : "U+FFFD";
        if (cases[k].bad <= 20) {
            size_t plen = 0;
            const char *pt = page_text(doc, 0, &plen);
            TEST_OK(rc == 0 && (fl & INTAKE_PAGE_TEXT_LAYER),
                    "%d of 200 characters %s (10%%): text layer", cases[k].bad, what);
            TEST_OK(pt &&
                        fx_contains(pt, plen, cases[k].kind == 1 ? "\xee\x80\x80" : "\xef\xbf\xbd"),
                    "... the fixture really plants %s", what);
        } else {
            TEST_OK(rc == 0 && (fl & INTAKE_PAGE_NEEDS_OCR) && !(fl & INTAKE_PAGE_TEXT_LAYER),
                    "%d of 200 characters %s (over 10%%): sent to OCR", cases[k].bad, what);
        }
        intake_doc_destroy(doc);
        free(good);
        free(bad);
    }
}

/* Rule 3 at its edge: an image covering 9% or 11.6% of a page full of text. */
static void test_image_edges(struct fixture *f)
{
    struct intake_error err;
    int rc;
    const double frac[] = {0.30, 0.34};
    for (int k = 0; k < 2; k++) {
        struct fx_page pg = {595, 842, statement, 7, frac[k], 0};
        char name[32];
        snprintf(name, sizeof name, "img%d.pdf", k);
        fx_make_pdf(tpath(name), &pg, 1, NULL, NULL);
        struct intake_doc *doc = extract(f, tpath(name), &rc, &err);
        uint32_t fl = intake_doc_page_flags(doc, 0);
        if (k == 0)
            TEST_OK(rc == 0 && (fl & INTAKE_PAGE_TEXT_LAYER),
                    "image over 9%% of the page: text layer used");
        else
            TEST_OK(rc == 0 && (fl & INTAKE_PAGE_NEEDS_OCR) && !(fl & INTAKE_PAGE_TEXT_LAYER),
                    "image over 11.6%% of the page: OCRed despite its text layer");
        intake_doc_destroy(doc);
    }
}

static void test_mixed(struct fixture *f)
{
    struct intake_error err;
    int rc;
    struct fx_page pg[3] = {
        {595, 842, statement, 7, 0, 0}, {595, 842, NULL, 0, 0, 0}, {420, 595, statement, 7, 0, 0}};
    fx_make_pdf(tpath("mixed.pdf"), pg, 3, NULL, NULL);
    struct intake_doc *doc = extract(f, tpath("mixed.pdf"), &rc, &err);
    TEST_EQ_INT(rc, 0, "mixed PDF: %s", err.msg);
    TEST_EQ_INT(intake_doc_page_count(doc), 4, "three pages and the metadata page");
    TEST_OK((intake_doc_page_flags(doc, 0) & INTAKE_PAGE_TEXT_LAYER) &&
                (intake_doc_page_flags(doc, 1) & INTAKE_PAGE_NEEDS_OCR) &&
                (intake_doc_page_flags(doc, 2) & INTAKE_PAGE_TEXT_LAYER),
            "decided page by page: text, OCR, text");
    size_t nb = 0;
    intake_doc_page_boxes(doc, 2, &nb);
    double w = 0, h = 0;
    intake_doc_page_size(doc, 2, &w, &h);
    TEST_OK(nb > 0 && w == 420 && h == 595, "third page has its own boxes and size");
    struct intake_image img;
    TEST_OK(intake_doc_page_image(doc, 1, &img) == 0 && img.width == 2480 && img.height == 3509,
            "blank page rendered at 300 dpi (%ux%u)", img.width, img.height);
    intake_doc_destroy(doc);
}

/* PDFs from tests/fixtures/render (pango, real fonts), when it was built. */
static void test_rendered(struct fixture *f)
{
    const char *render = getenv("INTAKE_RENDER");
    if (!render || access(render, X_OK) != 0) {
        TEST_NOTE("intake-render not built: rendered fixtures skipped");
        return;
    }
    FILE *fp = fopen(tpath("render.txt"), "w");
    fputs("Заявление потерпевшей Кайыпбековой Нургуль, ИИН 900215450321.\n"
          "She was taken to a flat at 14 Abay Avenue, Almaty.\f"
          "Second page: the witness Ovezova Maral, phone +993 61 22 33 44.\n",
          fp);
    fclose(fp);
    char cmd[512];
    struct intake_error err;
    int rc;
    snprintf(cmd, sizeof cmd,
             "ASAN_OPTIONS=detect_leaks=0 %s --format pdf-text --out %s %s && "
             "ASAN_OPTIONS=detect_leaks=0 %s --format pdf-image --dpi 100 --out %s %s",
             render, tpath("r-text.pdf"), tpath("render.txt"), render, tpath("r-image.pdf"),
             tpath("render.txt"));
    TEST_OK(system(cmd) == 0, "intake-render made a text-layer and an image-only PDF");
    struct intake_doc *doc = extract(f, tpath("r-text.pdf"), &rc, &err);
    size_t plen = 0;
    const char *pt = page_text(doc, 1, &plen);
    TEST_OK(rc == 0 && intake_doc_page_count(doc) == 3 &&
                (intake_doc_page_flags(doc, 0) & INTAKE_PAGE_TEXT_LAYER) &&
                (intake_doc_page_flags(doc, 1) & INTAKE_PAGE_TEXT_LAYER),
            "rendered text-layer PDF: two text-layer pages (page 2 has few characters but is "
            "only as tall as its text)");
    TEST_OK(pt && fx_contains(pt, plen, "Ovezova Maral"), "... page 2 text");
    intake_doc_destroy(doc);
    doc = extract(f, tpath("r-image.pdf"), &rc, &err);
    TEST_OK(rc == 0 && intake_doc_page_count(doc) == 3 &&
                (intake_doc_page_flags(doc, 0) & INTAKE_PAGE_NEEDS_OCR) &&
                (intake_doc_page_flags(doc, 1) & INTAKE_PAGE_NEEDS_OCR),
            "rendered image-only PDF: both pages flagged for OCR");
    intake_doc_destroy(doc);
}

static void test_refused(struct fixture *f)
{
    struct intake_error err;
    int rc;
    /* Encrypted, no password configured. */
    fx_make_encrypted_pdf(tpath("enc.pdf"), "Kilt-7-Orca", "owner-pw", "Secret witness Nadira");
    struct intake_doc *doc = extract(f, tpath("enc.pdf"), &rc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "encrypted PDF without a password: refused");
    TEST_EQ_STR(err.msg, "encrypted PDF: no password configured", "... with a clear reason");
    TEST_EQ_INT(intake_doc_page_count(doc), 0, "... and no pages");
    intake_doc_destroy(doc);

    /* Truncated: a good PDF cut in the middle. */
    struct fx_page pg = {595, 842, statement, 7, 0, 0};
    fx_make_pdf(tpath("full.pdf"), &pg, 1, NULL, NULL);
    size_t len = 0;
    char *b = fx_slurp(tpath("full.pdf"), &len);
    FILE *fp = fopen(tpath("cut.pdf"), "wb");
    fwrite(b, 1, len * 6 / 10, fp);
    fclose(fp);
    doc = extract(f, tpath("cut.pdf"), &rc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "truncated PDF: refused");
    TEST_EQ_STR(err.msg, "truncated PDF: no %%EOF marker at the end", "... with a clear reason");
    intake_doc_destroy(doc);

    /* Damaged: header and trailer marker, garbage between. */
    fp = fopen(tpath("junk.pdf"), "wb");
    fputs("%PDF-1.7\n", fp);
    for (int i = 0; i < 4000; i++)
        fputc("Aq7 )(<</>>"[i % 11], fp);
    fputs("\n%%EOF\n", fp);
    fclose(fp);
    doc = extract(f, tpath("junk.pdf"), &rc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "damaged PDF: refused");
    TEST_OK(strncmp(err.msg, "damaged PDF", 11) == 0, "... reason: %s", err.msg);
    intake_doc_destroy(doc);

    /* Not a PDF at all. */
    fp = fopen(tpath("nopdf.pdf"), "wb");
    fputs("Свидетель Ахмедова\n", fp);
    fclose(fp);
    doc = extract(f, tpath("nopdf.pdf"), &rc, &err);
    TEST_OK(rc == INTAKE_EFORMAT && !strstr(err.msg, "Ахмедова"), "not a PDF: refused (%s)",
            err.msg);
    intake_doc_destroy(doc);
    free(b);
}

static void test_password(void)
{
    struct fixture f;
    struct intake_error err;
    int rc = setup(&f, "[pdf]\ntype = extract_pdf\npassword = Kilt-7-Orca\n", &err);
    TEST_EQ_INT(rc, 0, "loads with a password: %s", err.msg);
    struct intake_doc *doc = extract(&f, tpath("enc.pdf"), &rc, &err);
    TEST_EQ_INT(rc, 0, "encrypted PDF with the configured password: read (%s)", err.msg);
    size_t plen = 0;
    const char *pt = doc && intake_doc_page_count(doc) ? page_text(doc, 0, &plen) : NULL;
    TEST_OK(pt && fx_contains(pt, plen, "Secret witness Nadira"), "... its text decrypted");
    intake_doc_destroy(doc);
    teardown(&f);

    rc = setup(&f, "[pdf]\ntype = extract_pdf\npassword = wrong\n", &err);
    doc = extract(&f, tpath("enc.pdf"), &rc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "wrong password: refused");
    TEST_EQ_STR(err.msg, "encrypted PDF: the configured password does not open it",
                "... with a clear reason");
    intake_doc_destroy(doc);
    teardown(&f);
}

static void test_metadata(void)
{
    struct fixture f;
    struct intake_error err;
    int rc;
    struct fx_page pg = {595, 842, statement, 7, 0, 0};
    fx_make_pdf(tpath("meta.pdf"), &pg, 1, "Показания Исмаиловой Гульнары", "Yusupova Shahnoza");
    setup(&f, "[pdf]\ntype = extract_pdf\n", &err);
    struct intake_doc *doc = extract(&f, tpath("meta.pdf"), &rc, &err);
    TEST_EQ_INT(rc, 0, "PDF with title and author: %s", err.msg);
    TEST_EQ_INT(intake_doc_page_count(doc), 2, "extra_text on: metadata as one more page");
    size_t plen = 0;
    const char *pt = page_text(doc, 1, &plen);
    TEST_OK(pt && fx_contains(pt, plen, "Исмаиловой Гульнары") &&
                fx_contains(pt, plen, "Yusupova Shahnoza"),
            "... holding title and author, for detection");
    TEST_EQ_INT(intake_doc_page_flags(doc, 1), 0, "... a page with no flags (not rendered)");
    TEST_EQ_STR(intake_doc_meta_get(doc, "pdf_extra_page"), "2", "... named by pdf_extra_page");
    TEST_EQ_STR(intake_doc_meta_get(doc, "title"), NULL, "no raw metadata key set");
    intake_doc_destroy(doc);
    teardown(&f);

    setup(&f, "[pdf]\ntype = extract_pdf\nextra_text = false\n", &err);
    doc = extract(&f, tpath("meta.pdf"), &rc, &err);
    size_t n = 0;
    const char *t = intake_doc_text(doc, &n);
    TEST_OK(rc == 0 && intake_doc_page_count(doc) == 1 && !fx_contains(t, n, "Исмаиловой") &&
                !fx_contains(t, n, "Yusupova"),
            "extra_text off: metadata dropped");
    intake_doc_destroy(doc);
    teardown(&f);
}

static void test_limits(void)
{
    struct fixture f;
    struct intake_error err;
    int rc;
    setup(&f, "[pdf]\ntype = extract_pdf\nmax_pages = 2\n", &err);
    struct intake_doc *doc = extract(&f, tpath("mixed.pdf"), &rc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "3 pages with max_pages = 2: refused");
    TEST_EQ_STR(err.msg, "PDF has 3 pages, more than max_pages (2)", "... with the reason");
    intake_doc_destroy(doc);
    teardown(&f);

    setup(&f, "[pdf]\ntype = extract_pdf\nmax_page_pixels = 1000000\n", &err);
    doc = extract(&f, tpath("mixed.pdf"), &rc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "a page over max_page_pixels at 300 dpi: refused");
    TEST_OK(strstr(err.msg, "page 2 is too large") != NULL, "... naming the page: %s", err.msg);
    intake_doc_destroy(doc);
    teardown(&f);

    TEST_OK(setup(&f, "[pdf]\ntype = extract_pdf\nmax_bad_ratio = 2\n", &err) == INTAKE_ECONFIG,
            "bounds checked: max_bad_ratio = 2 refused");
    teardown(&f);
}

int main(void)
{
    intake_log_set_level(INTAKE_LOG_ERROR);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/intake-xpdf-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    struct fixture f;
    struct intake_error err;
    int rc = setup(&f, "[pdf]\ntype = extract_pdf\n", &err);
    TEST_EQ_INT(rc, 0, "loads with default options: %s", err.msg);
    if (rc == 0) {
        TEST_EQ_INT(f.p->desc.stage, INTAKE_STAGE_EXTRACT, "extract stage");
        TEST_EQ_STR(f.p->desc.mime_types[0], "application/pdf", "claims application/pdf");
        test_text_layer(&f);
        test_density_edges(&f);
        test_bad_edges(&f);
        test_image_edges(&f);
        test_mixed(&f);
        test_rendered(&f);
        test_refused(&f);
    }
    teardown(&f);
    test_password();
    test_metadata();
    test_limits();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        TEST_NOTE("could not remove %s", tmpdir);
    return test_done();
}
