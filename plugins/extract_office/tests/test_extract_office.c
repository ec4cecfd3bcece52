/*
 * plugins/extract_office/tests/test_extract_office.c: THE WALK and the
 * package limits (office.c), on packages made at test time: every planted
 * corner on its page; zip bombs (declared size, real 64 MiB of zeros, too
 * many members) refused, and how fast; truncated zip, malformed XML, a DTD,
 * duplicate names, not an office package refused with their reasons; the
 * probe.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "office.h"
#include "office_fixture.h"
#include "test.h"

static const struct office_limits lim_default = {256 << 20, 10000, 100, 4 << 20};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int page_has(const struct office_text *t, int page, const char *s)
{
    return t->page[page].p && strstr(t->page[page].p, s) != NULL;
}

static int read_zip(const unsigned char *z, size_t len, const struct office_limits *lim,
                    struct intake_error *err)
{
    struct office_pkg pkg;
    memset(err, 0, sizeof *err);
    int rc = office_pkg_read(z, len, lim, &pkg, err);
    if (rc == INTAKE_OK) {
        struct office_text t;
        memset(&t, 0, sizeof t);
        rc = office_walk(&pkg, &t, err);
        office_text_clear(&t);
        office_pkg_clear(&pkg);
    }
    return rc;
}

static void test_corners(void)
{
    size_t len = 0;
    unsigned char *z = fx_docx_zip(&len, NULL);
    TEST_OK(z != NULL, "fixture DOCX written");
    TEST_OK(office_probe(z, len), "probe recognises the DOCX");
    struct office_pkg pkg;
    struct intake_error err = {0};
    int rc = office_pkg_read(z, len, &lim_default, &pkg, &err);
    TEST_EQ_INT(rc, INTAKE_OK, "package read (%s)", err.msg);
    TEST_EQ_STR(office_format_name(pkg.format), "docx", "format");
    struct office_text t;
    memset(&t, 0, sizeof t);
    rc = office_walk(&pkg, &t, &err);
    TEST_EQ_INT(rc, INTAKE_OK, "walk (%s)", err.msg);
    for (size_t i = 0; i < FX_NPLANTS; i++)
        TEST_OK(page_has(&t, fx_plants[i].page, fx_plants[i].value), "%s on page kind %d",
                fx_plants[i].corner, fx_plants[i].page);
    TEST_OK(page_has(&t, OFFICE_PAGE_BODY, FX_KEEP), "body text in the body page");
    TEST_OK(!page_has(&t, OFFICE_PAGE_BODY, fx_plants[8].value) &&
                !page_has(&t, OFFICE_PAGE_BODY, fx_plants[9].value),
            "deleted and hidden text not in the body page");
    /* every segment names the bytes it was read from */
    int segs_ok = 1;
    for (size_t i = 0; i < t.nseg; i++) {
        const struct office_seg *s = &t.seg[i];
        if (!s->node)
            continue;
        segs_ok &=
            s->node->content && memcmp(t.page[s->page].p + s->off, s->node->content, s->len) == 0;
    }
    TEST_OK(segs_ok && t.nseg > 20, "%zu segments, each the text of its node", t.nseg);
    int ends_nl = 1;
    for (int k = 0; k < OFFICE_PAGE_COUNT; k++)
        if (t.page_no[k] >= 0)
            ends_nl &= t.page[k].p[t.page[k].len - 1] == '\n';
    TEST_OK(ends_nl && t.npages >= 6, "%u pages, each ending with a line break", t.npages);
    /* the walk is deterministic: a second one gives the same pages */
    struct office_pkg pkg2;
    struct office_text t2;
    memset(&t2, 0, sizeof t2);
    int same = office_pkg_read(z, len, &lim_default, &pkg2, &err) == INTAKE_OK &&
               office_walk(&pkg2, &t2, &err) == INTAKE_OK && t2.npages == t.npages;
    for (int k = 0; same && k < OFFICE_PAGE_COUNT; k++)
        same = t.page[k].len == t2.page[k].len &&
               (!t.page[k].len || memcmp(t.page[k].p, t2.page[k].p, t.page[k].len) == 0);
    TEST_OK(same, "a second walk gives the same pages");
    office_text_clear(&t2);
    office_pkg_clear(&pkg2);
    /* export: the cleanup removes the hidden corners from the XML */
    rc = office_clean(&pkg);
    xmlChar *mem = NULL;
    int n = 0;
    for (size_t i = 0; i < pkg.n; i++)
        if (!strcmp(pkg.m[i].name, "word/document.xml"))
            xmlDocDumpMemory(pkg.m[i].xml, &mem, &n);
    const char *d = (const char *)mem;
    TEST_OK(rc == INTAKE_OK && d && !strstr(d, fx_plants[8].value) &&
                !strstr(d, fx_plants[9].value) && strstr(d, fx_plants[3].value) &&
                !strstr(d, "<w:ins ") && !strstr(d, "commentRangeStart") && strstr(d, FX_KEEP),
            "cleanup: deletion and hidden run gone, insertion accepted, comment anchors gone");
    xmlFree(mem);
    office_text_clear(&t);
    office_pkg_clear(&pkg);
    free(z);
}

/* A zip whose one member declares \p usize bytes (patched headers). */
static unsigned char *declared_bomb(size_t *len)
{
    size_t n = 0;
    unsigned char *z = fx_docx_zip(&n, NULL);
    /* patch every local and central header's uncompressed size */
    for (size_t i = 0; z && i + 46 < n; i++) {
        if (!memcmp(z + i, "PK\3\4", 4))
            memcpy(z + i + 22, "\xF0\xFF\xFF\xFF", 4);
        else if (!memcmp(z + i, "PK\1\2", 4))
            memcpy(z + i + 24, "\xF0\xFF\xFF\xFF", 4);
    }
    *len = n;
    return z;
}

static void test_limits(void)
{
    struct intake_error err;
    size_t len = 0;

    unsigned char *z = declared_bomb(&len);
    double t0 = now_ms();
    int rc = read_zip(z, len, &lim_default, &err);
    double ms = now_ms() - t0;
    TEST_OK(rc == INTAKE_EFORMAT && strstr(err.msg, "zip bomb"),
            "members declaring 4 GiB each: refused as a zip bomb (%s)", err.msg);
    TEST_NOTE("declared-size bomb refused in %.2f ms", ms);
    free(z);

    /* 64 MiB of zeros deflate to ~64 kB: refused by the ratio after 4 MB */
    size_t big = 64u << 20;
    unsigned char *zeros = calloc(1, big);
    struct office_out m[] = {{"[Content_Types].xml", (const unsigned char *)"<Types/>", 8, 0},
                             {"word/document.xml", (const unsigned char *)"<w:document/>", 13, 0},
                             {"word/media/image1.png", zeros, big, 0}};
    z = NULL;
    TEST_OK(zeros && office_zip_write(m, 3, &z, &len) == INTAKE_OK,
            "64 MiB zeros zipped to %zu bytes", len);
    t0 = now_ms();
    rc = read_zip(z, len, &lim_default, &err);
    ms = now_ms() - t0;
    TEST_OK(rc == INTAKE_EFORMAT && strstr(err.msg, "zip bomb"), "ratio bomb refused (%s)",
            err.msg);
    TEST_NOTE("64 MiB ratio bomb refused in %.1f ms", ms);
    TEST_OK(ms < 1000, "within a second (%.1f ms)", ms);
    struct office_limits small = {16 << 20, 10000, 1e9, 1e9};
    rc = read_zip(z, len, &small, &err);
    TEST_OK(rc == INTAKE_EFORMAT && strstr(err.msg, "max_uncompressed"),
            "over max_uncompressed refused (%s)", err.msg);
    free(z);
    free(zeros);

    struct office_limits few = {256 << 20, 5, 100, 4 << 20};
    z = fx_docx_zip(&len, NULL);
    rc = read_zip(z, len, &few, &err);
    TEST_OK(rc == INTAKE_EFORMAT && strstr(err.msg, "max_members"), "too many members (%s)",
            err.msg);

    for (size_t cut = len / 4; cut < len; cut += len / 4) {
        rc = read_zip(z, cut, &lim_default, &err);
        TEST_OK(rc == INTAKE_EFORMAT && strstr(err.msg, "truncated"),
                "cut at %zu of %zu bytes: refused (%s)", cut, len, err.msg);
    }
    rc = read_zip(z, len - 1, &lim_default, &err);
    TEST_OK(rc == INTAKE_EFORMAT, "one byte short: refused (%s)", err.msg);
    free(z);

    z = fx_docx_zip(&len, FX_XML "<w:document " FX_W "><w:body><w:p></w:body></w:document>");
    rc = read_zip(z, len, &lim_default, &err);
    TEST_OK(rc == INTAKE_EFORMAT && !strcmp(err.msg, "malformed XML in word/document.xml"),
            "malformed XML refused (%s)", err.msg);
    free(z);
    z = fx_docx_zip(&len,
                    FX_XML "<!DOCTYPE d [<!ENTITY e \"+7 701 000 00 00\">]>"
                           "<w:document " FX_W "><w:body>" FX_P("&e;") "</w:body></w:document>");
    rc = read_zip(z, len, &lim_default, &err);
    TEST_OK(rc == INTAKE_EFORMAT && strstr(err.msg, "DTD"), "XML with a DTD refused (%s)", err.msg);
    free(z);

    struct office_out dup[] = {{"[Content_Types].xml", (const unsigned char *)"<Types/>", 8, 0},
                               {"word/document.xml", (const unsigned char *)"<a/>", 4, 0},
                               {"word/document.xml", (const unsigned char *)"<b/>", 4, 0}};
    z = NULL;
    office_zip_write(dup, 3, &z, &len);
    rc = read_zip(z, len, &lim_default, &err);
    TEST_OK(rc == INTAKE_EFORMAT && strstr(err.msg, "same name"), "duplicate member names (%s)",
            err.msg);
    TEST_OK(!office_probe(z + 1, len - 1), "probe: not a zip");
    free(z);
    struct office_out plain[] = {{"a.txt", (const unsigned char *)"hello", 5, 0}};
    z = NULL;
    office_zip_write(plain, 1, &z, &len);
    rc = read_zip(z, len, &lim_default, &err);
    TEST_OK(rc == INTAKE_EFORMAT && strstr(err.msg, "not a word-processing"),
            "a zip that is no office package (%s)", err.msg);
    TEST_OK(!office_probe(z, len), "probe: a plain zip is not ours");
    free(z);
}

int main(void)
{
    xmlInitParser();
    test_corners();
    test_limits();
    xmlCleanupParser();
    return test_done();
}
