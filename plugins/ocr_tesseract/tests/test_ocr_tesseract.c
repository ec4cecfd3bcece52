/*
 * plugins/ocr_tesseract/tests/test_ocr_tesseract.c: the built plugin through
 * the core's loader, config and document model, on pages rendered at test
 * time from the texts/ folder (written for this test; the contact data in them is
 * invented). The host is the core's, with log and identify_lang wrapped so
 * the test can count OCR passes and warnings (log lines carry no content).
 *
 * OCR_QUICK=1, and any ASan build, keeps two languages and the edge cases.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <leptonica/allheaders.h>

#include "config.h"
#include "doc.h"
#include "log.h"
#include "plugin_loader.h"
#include "test.h"

static struct intake_host test_host; /* the core's table with log wrapped */
static int n_pass1, n_pass2, n_warn;
static char last_done[512];

static void test_log(const struct intake_context *ctx, const struct intake_doc *doc, int level,
                     const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    (void)ctx;
    (void)doc;
    if (strstr(line, "ocr pass 1"))
        n_pass1++;
    if (strstr(line, "ocr pass 2"))
        n_pass2++;
    if (strstr(line, "ocr done"))
        snprintf(last_done, sizeof last_done, "%s", line);
    if (level == INTAKE_LOG_WARN)
        n_warn++;
    if (getenv("OCR_TEST_VERBOSE"))
        TEST_NOTE("log: %s", line);
}
static int test_log_level(const struct intake_context *ctx)
{
    (void)ctx;
    return INTAKE_LOG_DEBUG;
}

struct fixture {
    struct intake_loaded_plugin *p;
    struct intake_config *cfg;
    void *options;
    void *inst, *worker;
    struct intake_context ctx;
};

static int setup(struct fixture *f, const char *conf, struct intake_error *err)
{
    memset(f, 0, sizeof *f);
    intake_error_clear(err);
    if (intake_plugin_load(getenv("OCR_TESSERACT_SO"), NULL, &f->p, err) ||
        intake_config_parse("test.conf", conf, &f->cfg, err))
        return -1;
    static const char *const core_keys[] = {"type", "log_level", "enabled", NULL};
    f->options = calloc(1, f->p->desc.config_size);
    int rc = intake_options_apply(f->cfg, intake_config_section(f->cfg, "ocr"), f->p->desc.options,
                                  core_keys, f->options, err);
    if (rc)
        return rc;
    f->ctx.type = "ocr_tesseract";
    f->ctx.name = "ocr";
    f->ctx.id = 2;
    f->ctx.level = INTAKE_LOG_DEBUG;
    if ((rc = f->p->desc.cb_init(&test_host, &f->ctx, f->options, &f->inst, err)))
        return rc;
    return f->p->desc.cb_worker_init(f->inst, &f->worker, err);
}

static void teardown(struct fixture *f)
{
    if (f->p) {
        if (f->worker)
            f->p->desc.cb_worker_exit(f->inst, f->worker);
        if (f->inst)
            f->p->desc.cb_exit(f->inst);
        intake_options_clear(f->p->desc.options, f->options);
    }
    free(f->options);
    intake_config_destroy(f->cfg);
    intake_plugin_unload(f->p);
}

static char tmpdir[] = "/tmp/intake-ocr-XXXXXX";

/* Render texts/<name>.txt (or \p text) as \p fmt; the path of the image. */
static const char *render(const char *name, const char *text, const char *fmt, const char *extra)
{
    static char out[512];
    char src[512], cmd[2048];
    if (text) {
        snprintf(src, sizeof src, "%s/%s.txt", tmpdir, name);
        FILE *fp = fopen(src, "wb");
        fputs(text, fp);
        fclose(fp);
    } else {
        snprintf(src, sizeof src, "%s/%s.txt", getenv("OCR_TEXTS"), name);
    }
    snprintf(out, sizeof out, "%s/%s.%s", tmpdir, name, fmt);
    /* pango and fontconfig keep caches to exit: no leak check for the renderer. */
    snprintf(cmd, sizeof cmd, "ASAN_OPTIONS=detect_leaks=0 '%s' --format %s %s --out '%s' '%s'",
             getenv("INTAKE_RENDER"), fmt, extra ? extra : "", out, src);
    return system(cmd) == 0 ? out : NULL;
}

/* Add \p pix (8 bpp) to \p doc as an image page. */
static int add_pix(struct intake_doc *doc, PIX *pix)
{
    PIX *g = pixConvertTo8(pix, 0);
    int w = pixGetWidth(g), h = pixGetHeight(g), wpl = pixGetWpl(g);
    unsigned char *buf = malloc((size_t)w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            buf[(size_t)y * w + x] = GET_DATA_BYTE(pixGetData(g) + (size_t)y * wpl, x);
    struct intake_image img = {.width = (uint32_t)w,
                               .height = (uint32_t)h,
                               .stride = (uint32_t)w,
                               .channels = 1,
                               .dpi = 300,
                               .pixels = buf};
    int rc = intake_doc_add_image_page(doc, &img, 0, 0, NULL);
    free(buf);
    pixDestroy(&g);
    return rc;
}

static struct intake_doc *doc_from(const char *path, int quads)
{
    PIX *pix = path ? pixRead(path) : NULL;
    if (!pix)
        return NULL;
    if (quads) {
        PIX *r = pixRotateOrth(pix, quads);
        pixDestroy(&pix);
        pix = r;
    }
    struct intake_doc *doc = intake_doc_create("x", 1, "image/png");
    add_pix(doc, pix);
    pixDestroy(&pix);
    return doc;
}

static int process(struct fixture *f, struct intake_doc *doc, struct intake_error *err)
{
    intake_error_clear(err);
    return f->p->desc.cb_process(f->inst, f->worker, doc, err);
}

/* The text of page \p i (borrowed pointer into the document, and its length). */
static const char *page_text(struct intake_doc *doc, uint32_t i, size_t *len)
{
    uint64_t s = 0, e = 0;
    size_t n = 0;
    const char *t = intake_doc_text(doc, &n);
    intake_doc_page_range(doc, i, &s, &e);
    *len = (size_t)(e - s);
    return t + s;
}

static int has(const char *t, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; n >= m && i <= n - m; i++)
        if (memcmp(t + i, needle, m) == 0)
            return 1;
    return 0;
}

/* Boxes lie inside the page text, on word bytes, inside the page. */
static int boxes_ok(struct intake_doc *doc, uint32_t i)
{
    size_t n = 0, len = 0;
    const struct intake_box *b = intake_doc_page_boxes(doc, i, &n);
    const char *t = page_text(doc, i, &len);
    double w = 0, h = 0;
    intake_doc_page_size(doc, i, &w, &h);
    for (size_t k = 0; k < n; k++) {
        if (b[k].end > len || b[k].start >= b[k].end || t[b[k].start] == ' ' ||
            t[b[k].end - 1] == ' ' || b[k].x0 < 0 || b[k].x1 > w + 0.5 || b[k].y1 > h + 0.5 ||
            b[k].x0 >= b[k].x1 || b[k].y0 >= b[k].y1 || b[k].conf < 0 || b[k].conf > 100)
            return 0;
    }
    return n > 0;
}

/* Share of dark pixels of the ORIGINAL page image inside the box of the
 * word \p word: boxes mapped back through deskew and turns cover ink. */
static double ink_under(struct intake_doc *doc, uint32_t i, const char *word)
{
    size_t n = 0, len = 0;
    const struct intake_box *b = intake_doc_page_boxes(doc, i, &n);
    const char *t = page_text(doc, i, &len);
    struct intake_image img;
    double w = 0, h = 0;
    intake_doc_page_size(doc, i, &w, &h);
    if (intake_doc_page_image(doc, i, &img))
        return -1;
    size_t wl = strlen(word);
    for (size_t k = 0; k < n; k++) {
        if (b[k].end - b[k].start != wl || memcmp(t + b[k].start, word, wl) != 0)
            continue;
        double sx = img.width / w, sy = img.height / h;
        int x0 = (int)(b[k].x0 * sx), x1 = (int)(b[k].x1 * sx);
        int y0 = (int)(b[k].y0 * sy), y1 = (int)(b[k].y1 * sy);
        size_t dark = 0, all = 0;
        for (int y = y0; y < y1 && y < (int)img.height; y++)
            for (int x = x0; x < x1 && x < (int)img.width; x++, all++)
                dark += img.pixels[(size_t)y * img.stride + x] < 100;
        return all ? (double)dark / all : 0;
    }
    return -1;
}

struct lang_case {
    const char *name;
    const char *words[3]; /* non-personal words that must come out */
};

static const struct lang_case cases[] = {
    {"ru", {"работодателем", "потерпевшая", "швейном"}},
    {"kk", {"жалақы", "құжаттарының", "жүргізді"}},
    {"en", {"warehouse", "employer", "inspection"}},
    {"tk", {"myhmanhanada", "pasportynyň", "teswirnamasy"}},
    {"uz", {"korxonasida", "tikuvchilik", "saqlangan"}},
    {"ky", {"курулушта", "сакталып", "тергөө"}},
};

int main(void)
{
    struct fixture f;
    struct intake_error err;
    const char *r = getenv("INTAKE_RENDER");
    if (!r || access(r, X_OK) || !mkdtemp(tmpdir)) {
        printf("1..0 # SKIP no renderer\n");
        return 0;
    }
    int quick = getenv("OCR_QUICK") && atoi(getenv("OCR_QUICK"));
#if defined(__SANITIZE_ADDRESS__)
    quick = 1; /* Tesseract under ASan is slow: the sanitizer run keeps the edge cases */
#endif
    test_host = *intake_core_host();
    test_host.log = test_log;
    test_host.log_level = test_log_level;

    int rc = setup(&f, "[ocr]\ntype = ocr_tesseract\n", &err);
    TEST_EQ_INT(rc, 0, "auto: worker loads its models: %s", err.msg);
    if (rc)
        return test_done();

    /* Every language, clean 300-dpi render, languages = auto. */
    size_t ncases = quick ? 2 : sizeof cases / sizeof cases[0];
    for (size_t c = 0; c < ncases; c++) {
        struct intake_doc *doc = doc_from(render(cases[c].name, NULL, "png", NULL), 0);
        n_pass1 = 0;
        rc = process(&f, doc, &err);
        TEST_EQ_INT(rc, 0, "%s: OCR ok: %s", cases[c].name, err.msg);
        size_t len = 0;
        const char *t = page_text(doc, 0, &len);
        for (int k = 0; k < 3; k++)
            TEST_OK(has(t, len, cases[c].words[k]), "%s: reads '%s'", cases[c].name,
                    cases[c].words[k]);
        TEST_OK(has(t, len, "demo@example.org"), "%s: the e-mail survives OCR", cases[c].name);
        TEST_OK(intake_doc_page_flags(doc, 0) & INTAKE_PAGE_OCR_DONE, "%s: page flagged OCR_DONE",
                cases[c].name);
        TEST_OK(boxes_ok(doc, 0), "%s: word boxes inside the text and the page", cases[c].name);
        TEST_EQ_INT(n_pass1, 1, "%s: one first pass", cases[c].name);
        TEST_NOTE("%s: %s", cases[c].name, last_done);
        intake_doc_destroy(doc);
    }

    /* A rotated, noisy scan still reads; boxes are in the original image. */
    struct intake_doc *doc = doc_from(render("ru", NULL, "scan", "--angle 3"), 0);
    rc = process(&f, doc, &err);
    size_t len = 0;
    const char *t = page_text(doc, 0, &len);
    TEST_EQ_INT(rc, 0, "scan: OCR ok");
    TEST_OK(has(t, len, "работодателем") && has(t, len, "потерпевшая"), "scan: reads the words");
    TEST_OK(has(t, len, "940312418576"), "scan: the IIN survives");
    double ink = ink_under(doc, 0, "работодателем");
    TEST_OK(ink > 0.05, "scan: the box of a word covers its ink in the original image (%.3f)", ink);
    TEST_NOTE("scan: %s", last_done);
    intake_doc_destroy(doc);

    /* A page turned by 90 degrees: OSD turns it back; boxes map to the turned image. */
    doc = doc_from(render("en", NULL, "png", NULL), 1);
    rc = process(&f, doc, &err);
    t = page_text(doc, 0, &len);
    TEST_EQ_INT(rc, 0, "turned page: OCR ok");
    TEST_OK(has(t, len, "warehouse") && has(t, len, "employer"), "turned page: reads the words");
    ink = ink_under(doc, 0, "warehouse");
    TEST_OK(ink > 0.05, "turned page: the box covers ink in the turned image (%.3f)", ink);
    TEST_NOTE("turned: %s", last_done);
    intake_doc_destroy(doc);

    /* Only NEEDS_OCR pages are read: image, text, image -> two passes, the
     * text page untouched. */
    doc = intake_doc_create("x", 1, "image/tiff");
    PIX *pix = pixRead(render("p1", "First page about the warehouse.", "png", NULL));
    add_pix(doc, pix);
    pixDestroy(&pix);
    intake_doc_add_page(doc, "A page from a text layer.", 25, NULL);
    pix = pixRead(render("p3", "Third page about the employer.", "png", NULL));
    add_pix(doc, pix);
    pixDestroy(&pix);
    n_pass1 = 0;
    rc = process(&f, doc, &err);
    TEST_EQ_INT(rc, 0, "mixed pages: OCR ok");
    TEST_EQ_INT(n_pass1, 2, "mixed pages: OCR ran on the two image pages only");
    t = page_text(doc, 1, &len);
    TEST_OK(len == 25 && memcmp(t, "A page from a text layer.", 25) == 0,
            "mixed pages: text page untouched");
    TEST_OK(!(intake_doc_page_flags(doc, 1) & INTAKE_PAGE_OCR_DONE), "text page not flagged");
    t = page_text(doc, 2, &len);
    TEST_OK(has(t, len, "employer"), "mixed pages: third page read");
    n_pass1 = 0;
    rc = process(&f, doc, &err);
    TEST_EQ_INT(n_pass1, 0, "a second run reads nothing again (OCR_DONE)");
    intake_doc_destroy(doc);
    teardown(&f);

    /* Deadline: 1 ms per page; the page is flagged partial and warned about. */
    rc = setup(&f, "[ocr]\ntype = ocr_tesseract\nlanguages = eng\npage_deadline = 1ms\n", &err);
    TEST_EQ_INT(rc, 0, "deadline config loads: %s", err.msg);
    doc = doc_from(render("en", NULL, "png", NULL), 0);
    n_warn = 0;
    rc = process(&f, doc, &err);
    TEST_EQ_INT(rc, 0, "deadline: not an error");
    TEST_OK(intake_doc_page_flags(doc, 0) & INTAKE_PAGE_OCR_PARTIAL, "deadline: page flagged "
                                                                     "partial");
    TEST_OK(intake_doc_page_flags(doc, 0) & INTAKE_PAGE_OCR_DONE, "deadline: and done");
    TEST_EQ_INT(n_warn, 1, "deadline: one warning");
    intake_doc_destroy(doc);
    teardown(&f);

    /* Pinned languages, and bad ones. */
    rc = setup(&f, "[ocr]\ntype = ocr_tesseract\nlanguages = kaz+eng\norientation = false\n", &err);
    TEST_EQ_INT(rc, 0, "pinned kaz+eng loads");
    if (!quick) {
        doc = doc_from(render("kk", NULL, "png", NULL), 0);
        n_pass2 = 0;
        rc = process(&f, doc, &err);
        t = page_text(doc, 0, &len);
        TEST_OK(rc == 0 && has(t, len, "жалақы"), "pinned: reads");
        TEST_EQ_INT(n_pass2, 0, "pinned: never a second pass");
        intake_doc_destroy(doc);
    }
    teardown(&f);

    /* Pinned with orientation on: OSD only after a poor read. An upright
     * page is read once; a page upside down reads poorly, OSD turns it and
     * the second pass wins. */
    rc = setup(&f, "[ocr]\ntype = ocr_tesseract\nlanguages = eng\n", &err);
    TEST_EQ_INT(rc, 0, "pinned eng with orientation loads");
    doc = doc_from(render("en", NULL, "png", NULL), 0);
    n_pass2 = 0;
    rc = process(&f, doc, &err);
    t = page_text(doc, 0, &len);
    TEST_OK(rc == 0 && has(t, len, "warehouse"), "pinned upright: reads");
    TEST_EQ_INT(n_pass2, 0, "pinned upright: no OSD, no second pass");
    intake_doc_destroy(doc);
    doc = doc_from(render("en", NULL, "png", NULL), 2);
    n_pass2 = 0;
    rc = process(&f, doc, &err);
    t = page_text(doc, 0, &len);
    TEST_OK(rc == 0 && has(t, len, "warehouse") && has(t, len, "employer"),
            "pinned upside down: OSD turns it and the words read");
    TEST_EQ_INT(n_pass2, 1, "pinned upside down: one second pass");
    ink = ink_under(doc, 0, "warehouse");
    TEST_OK(ink > 0.05, "pinned upside down: the box covers ink in the turned image (%.3f)", ink);
    intake_doc_destroy(doc);
    teardown(&f);

    rc = setup(&f, "[ocr]\ntype = ocr_tesseract\nlanguages = rus;rm -rf\n", &err);
    TEST_EQ_INT(rc, INTAKE_ECONFIG, "odd language string refused: %s", err.msg);
    teardown(&f);
    rc = setup(&f, "[ocr]\ntype = ocr_tesseract\nlanguages = xyz\n", &err);
    TEST_EQ_INT(rc, INTAKE_ECONFIG, "missing model refused at worker start: %s", err.msg);
    teardown(&f);

    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        TEST_NOTE("could not remove %s", tmpdir);
    return test_done();
}
