/*
 * plugins/extract_image/tests/test_extract_image.c: the built plugin through
 * the core's loader, config and document model: every format gives its
 * pages, limits refuse bombs before decoding, broken files are refused.
 */
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

struct fixture {
    struct intake_loaded_plugin *p;
    struct intake_config *cfg;
    void *options;
    void *inst;
    struct intake_context ctx;
};

static int setup(struct fixture *f, const char *conf, struct intake_error *err)
{
    memset(f, 0, sizeof *f);
    intake_error_clear(err);
    if (intake_plugin_load(getenv("EXTRACT_IMAGE_SO"), NULL, &f->p, err) ||
        intake_config_parse("test.conf", conf, &f->cfg, err))
        return -1;
    static const char *const core_keys[] = {"type", "log_level", "enabled", NULL};
    f->options = calloc(1, f->p->desc.config_size);
    int rc = intake_options_apply(f->cfg, intake_config_section(f->cfg, "image"),
                                  f->p->desc.options, core_keys, f->options, err);
    if (rc)
        return rc;
    f->ctx.type = "extract_image";
    f->ctx.name = "image";
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

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    unsigned char *buf = malloc(cap);
    while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(fp);
    *len = n;
    return buf;
}

/* Run the plugin on \p bytes; returns the status, *out the document (or NULL). */
static int run(struct fixture *f, const unsigned char *bytes, size_t len, const char *mime,
               struct intake_doc **out, struct intake_error *err)
{
    intake_error_clear(err);
    struct intake_doc *doc = intake_doc_create(bytes, len, mime);
    int rc = f->p->desc.cb_process(f->inst, NULL, doc, err);
    *out = doc;
    return rc;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int render(const char *fmt, const char *text, const char *out)
{
    const char *r = getenv("INTAKE_RENDER");
    char txt[256], cmd[1024];
    snprintf(txt, sizeof txt, "%s.txt", out);
    FILE *fp = fopen(txt, "wb");
    if (!fp)
        return -1;
    fputs(text, fp);
    fclose(fp);
    /* pango and fontconfig keep caches to exit: no leak check for the renderer. */
    snprintf(cmd, sizeof cmd, "ASAN_OPTIONS=detect_leaks=0 '%s' --format %s --out '%s' '%s'", r,
             fmt, out, txt);
    int rc = system(cmd);
    unlink(txt);
    return rc;
}

/* A PNG signature and IHDR claiming width x height, then nothing: a bomb's header. */
static size_t png_bomb(unsigned char *b, uint32_t w, uint32_t h)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(b, sig, 8);
    unsigned char ihdr[] = {0,
                            0,
                            0,
                            13,
                            'I',
                            'H',
                            'D',
                            'R',
                            (unsigned char)(w >> 24),
                            (unsigned char)(w >> 16),
                            (unsigned char)(w >> 8),
                            (unsigned char)w,
                            (unsigned char)(h >> 24),
                            (unsigned char)(h >> 16),
                            (unsigned char)(h >> 8),
                            (unsigned char)h,
                            8,
                            0,
                            0,
                            0,
                            0};
    memcpy(b + 8, ihdr, sizeof ihdr);
    memset(b + 8 + sizeof ihdr, 0, 64); /* CRC and an empty, bogus IDAT area */
    return 8 + sizeof ihdr + 64;
}

int main(void)
{
    struct fixture f;
    struct intake_error err;
    char dir[] = "/tmp/intake-ei-XXXXXX";
    if (!mkdtemp(dir) || !getenv("INTAKE_RENDER") || access(getenv("INTAKE_RENDER"), X_OK)) {
        printf("1..0 # SKIP no renderer or temp dir\n");
        return 0;
    }
    int rc = setup(&f, "[image]\ntype = extract_image\n", &err);
    TEST_EQ_INT(rc, 0, "loads with default options: %s", err.msg);
    if (rc)
        return test_done();

    /* PNG: one gray page, 300 dpi kept, A4 width in points. */
    char png[256], tiff[256];
    snprintf(png, sizeof png, "%s/page.png", dir);
    snprintf(tiff, sizeof tiff, "%s/pages.tiff", dir);
    TEST_EQ_INT(render("png", "Протокол осмотра. Inspection record.", png), 0, "render png");
    size_t n = 0;
    unsigned char *bytes = slurp(png, &n);
    struct intake_doc *doc;
    rc = run(&f, bytes, n, "image/png", &doc, &err);
    TEST_EQ_INT(rc, 0, "png extracts: %s", err.msg);
    TEST_EQ_INT(intake_doc_page_count(doc), 1, "png: one page");
    struct intake_image img;
    TEST_EQ_INT(intake_doc_page_image(doc, 0, &img), 0, "png: page has an image");
    TEST_EQ_INT(img.channels, 1, "png: gray stays gray");
    TEST_EQ_INT(img.width, 2480, "png: width 2480 px (595 pt at 300 dpi)");
    TEST_EQ_INT(img.dpi, 300, "png: dpi kept");
    TEST_EQ_INT(intake_doc_page_flags(doc, 0), INTAKE_PAGE_IMAGE | INTAKE_PAGE_NEEDS_OCR,
                "png: page flagged IMAGE|NEEDS_OCR");
    double wpt = 0, hpt = 0;
    intake_doc_page_size(doc, 0, &wpt, &hpt);
    TEST_OK(wpt > 594 && wpt < 596, "png: page is 595 pt wide (%.1f)", wpt);
    size_t tl = 99;
    intake_doc_text(doc, &tl);
    TEST_EQ_INT(tl, 0, "png: no text before OCR");
    intake_doc_destroy(doc);

    /* The same page through Leptonica into every other format. */
    PIX *pix = pixRead(png);
    struct {
        int fmt;
        const char *mime, *name;
        int channels;
    } conv[] = {{IFF_JFIF_JPEG, "image/jpeg", "jpeg", 1},
                {IFF_BMP, "image/bmp", "bmp", 1},
                {IFF_WEBP, "image/webp", "webp", 3},
                {IFF_GIF, "image/gif", "gif", 1},
                {IFF_TIFF_G4, "image/tiff", "tiff-g4", 1}};
    for (size_t i = 0; i < sizeof conv / sizeof conv[0]; i++) {
        PIX *src = conv[i].fmt == IFF_TIFF_G4 ? pixConvertTo1(pix, 128) : pixClone(pix);
        l_uint8 *data = NULL;
        size_t dlen = 0;
        int wr = pixWriteMem(&data, &dlen, src, conv[i].fmt);
        pixDestroy(&src);
        TEST_EQ_INT(wr, 0, "%s: written by Leptonica", conv[i].name);
        rc = run(&f, data, dlen, conv[i].mime, &doc, &err);
        TEST_EQ_INT(rc, 0, "%s extracts: %s", conv[i].name, err.msg);
        TEST_EQ_INT(intake_doc_page_count(doc), 1, "%s: one page", conv[i].name);
        memset(&img, 0, sizeof img);
        intake_doc_page_image(doc, 0, &img);
        TEST_EQ_INT(img.width, 2480, "%s: width kept", conv[i].name);
        TEST_OK(img.channels == 1 || img.channels == 3, "%s: gray or RGB (%u)", conv[i].name,
                img.channels);
        intake_doc_destroy(doc);
        free(data);
    }

    /* Truncated PNG: refused, not crashed. */
    rc = run(&f, bytes, n / 3, "image/png", &doc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "truncated png refused");
    TEST_OK(err.msg[0] != '\0', "with a reason: %s", err.msg);
    intake_doc_destroy(doc);
    free(bytes);
    pixDestroy(&pix);

    /* Multi-page TIFF: one page per directory. */
    TEST_EQ_INT(render("tiff", "Page one.\fPage two.\fPage three.", tiff), 0, "render tiff");
    bytes = slurp(tiff, &n);
    rc = run(&f, bytes, n, "image/tiff", &doc, &err);
    TEST_EQ_INT(rc, 0, "tiff extracts: %s", err.msg);
    TEST_EQ_INT(intake_doc_page_count(doc), 3, "tiff: three pages");
    for (uint32_t i = 0; i < 3; i++)
        TEST_OK(intake_doc_page_flags(doc, i) & INTAKE_PAGE_NEEDS_OCR, "tiff page %u needs OCR",
                i + 1);
    intake_doc_destroy(doc);

    /* Decompression bomb: a PNG header claiming 100000 x 100000. */
    unsigned char bomb[256];
    size_t blen = png_bomb(bomb, 100000, 100000);
    double t0 = now_ms();
    rc = run(&f, bomb, blen, "image/png", &doc, &err);
    double dt = now_ms() - t0;
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "png bomb refused");
    TEST_OK(strstr(err.msg, "max_pixels") != NULL, "reason names the limit: %s", err.msg);
    TEST_OK(dt < 100, "refused quickly (%.1f ms)", dt);
    TEST_EQ_INT(intake_doc_page_count(doc), 0, "bomb: no page added");
    intake_doc_destroy(doc);

    /* A BMP and a GIF header claiming the same. */
    unsigned char bmp[64] = {'B', 'M'};
    bmp[14] = 40;
    bmp[18] = 0xa0, bmp[19] = 0x86, bmp[20] = 0x01; /* 100000 */
    bmp[22] = 0xa0, bmp[23] = 0x86, bmp[24] = 0x01;
    bmp[26] = 1, bmp[28] = 24;
    rc = run(&f, bmp, sizeof bmp, "image/bmp", &doc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "bmp bomb refused: %s", err.msg);
    intake_doc_destroy(doc);
    /* Screen and one frame of 65535 x 65535, an LZW code size, no data. */
    unsigned char gif[64] = {'G',  'I', 'F', '8', '9', 'a',  0xff, 0xff, 0xff, 0xff, 0, 0, 0,
                             0x2c, 0,   0,   0,   0,   0xff, 0xff, 0xff, 0xff, 0,    2, 0, 0x3b};
    rc = run(&f, gif, sizeof gif, "image/gif", &doc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "gif bomb refused: %s", err.msg);
    TEST_OK(strstr(err.msg, "max_pixels") != NULL, "gif: for its size");
    intake_doc_destroy(doc);
    teardown(&f);

    /* max_pages: the three-page TIFF is over a limit of two. */
    rc = setup(&f, "[image]\ntype = extract_image\nmax_pages = 2\n", &err);
    TEST_EQ_INT(rc, 0, "loads with max_pages = 2");
    rc = run(&f, bytes, n, "image/tiff", &doc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "tiff over max_pages refused");
    TEST_OK(strstr(err.msg, "max_pages") != NULL, "reason names the limit: %s", err.msg);
    TEST_EQ_INT(intake_doc_page_count(doc), 0, "no page added before the refusal");
    intake_doc_destroy(doc);
    /* A TIFF whose first directory points back at itself: refused, no loop. */
    unsigned char *loop = malloc(n);
    memcpy(loop, bytes, n);
    uint32_t first = loop[4] | loop[5] << 8 | (uint32_t)loop[6] << 16 | (uint32_t)loop[7] << 24;
    uint32_t cnt = loop[first] | loop[first + 1] << 8;
    memcpy(loop + first + 2 + cnt * 12, loop + 4, 4);
    rc = run(&f, loop, n, "image/tiff", &doc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "tiff with a directory loop refused: %s", err.msg);
    intake_doc_destroy(doc);
    free(loop);
    free(bytes);
    teardown(&f);

    /* Config bounds are checked by the core. */
    rc = setup(&f, "[image]\ntype = extract_image\nmax_pixels = 0\n", &err);
    TEST_OK(rc != 0, "max_pixels = 0 is refused: %s", err.msg);
    teardown(&f);

    unlink(png);
    unlink(tiff);
    rmdir(dir);
    return test_done();
}
