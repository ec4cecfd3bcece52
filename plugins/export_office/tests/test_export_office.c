/*
 * plugins/export_office/tests/test_export_office.c: the core's engine
 * (extract_office, detect_patterns, export_text, export_office as built,
 * from INTAKE_PLUGIN_PATH) on the DOCX of office_fixture.h, made at test
 * time: no planted value in any file of the store (raw bytes) nor in any
 * member of the exported DOCX; the placeholders and the kept text there;
 * the export reads back as a package whose walk has no hidden corners left;
 * a document whose pages do not match the walk is refused; `intake redact`
 * (no store) writes nothing.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doc.h"
#include "engine.h"
#include "log.h"
#include "office.h"
#include "office_fixture.h"
#include "test.h"

static char tmpdir[64], store[96];

static const char conf[] = "[office]\ntype = extract_office\nimages = drop\n"
                           "[ids]\ntype = detect_patterns\n"
                           "[export]\ntype = export_text\n"
                           "[office_export]\ntype = export_office\n";

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b)
        b[n] = 0;
    *len = (size_t)n;
    return b;
}

static int has(const unsigned char *b, size_t n, const char *s)
{
    return memmem(b, n, s, strlen(s)) != NULL;
}

/* Planted values found in \p b (a file or a member), reported by name. */
static int leaks(const char *where, const unsigned char *b, size_t n)
{
    int found = 0;
    for (size_t i = 0; i < FX_NPLANTS; i++)
        if (has(b, n, fx_plants[i].value)) {
            TEST_NOTE("%s holds the %s value", where, fx_plants[i].corner);
            found++;
        }
    return found;
}

static void test_export(void)
{
    struct intake_engine *e = NULL;
    struct intake_error err = {0};
    int rc = intake_engine_create("test.conf", conf, &e, &err);
    if (rc == 0)
        rc = intake_engine_worker_init(e, &err);
    TEST_EQ_INT(rc, 0, "engine (%s)", err.msg);
    if (rc)
        return;
    intake_engine_set_store(e, store);
    size_t len = 0;
    unsigned char *z = fx_docx_zip(&len, NULL);
    struct intake_doc *doc = NULL;
    rc = intake_engine_run(e, z, len, &doc, &err);
    TEST_EQ_INT(rc, 0, "extract and detect (%s)", err.msg);
    if (rc == 0)
        rc = intake_engine_finish(e, doc, NULL, &err);
    TEST_EQ_INT(rc, 0, "anonymise and export (%s)", err.msg);
    char path[256];
    snprintf(path, sizeof path, "%s/redacted/%s.docx", store, doc ? intake_doc_id(doc) : "?");
    size_t olen = 0;
    unsigned char *out = slurp(path, &olen);
    TEST_OK(out != NULL, "redacted DOCX written");

    /* raw bytes of every file in the store */
    int nleaks = 0, nfiles = 0;
    char dir[160];
    snprintf(dir, sizeof dir, "%s/redacted", store);
    DIR *d = opendir(dir);
    for (struct dirent *de; d && (de = readdir(d));) {
        if (de->d_name[0] == '.')
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        size_t n = 0;
        unsigned char *b = slurp(p, &n);
        if (b) {
            nleaks += leaks(de->d_name, b, n);
            nfiles++;
        }
        free(b);
    }
    if (d)
        closedir(d);
    TEST_OK(nfiles >= 3 && nleaks == 0, "no planted value in %d store files (raw bytes)", nfiles);

    /* every member of the export, uncompressed */
    struct office_limits lim = {256 << 20, 10000, 100, 4 << 20};
    struct office_pkg pkg;
    rc = out ? office_pkg_read(out, olen, &lim, &pkg, &err) : -1;
    TEST_EQ_INT(rc, 0, "the export reads back as a package (%s)", err.msg);
    if (rc == 0) {
        int ml = 0, placeholders = 0, keep = 0;
        for (size_t i = 0; i < pkg.n; i++) {
            ml += leaks(pkg.m[i].name, pkg.m[i].data, pkg.m[i].len);
            if (!strcmp(pkg.m[i].name, "word/document.xml")) {
                placeholders = has(pkg.m[i].data, pkg.m[i].len, "[PHONE]") &&
                               has(pkg.m[i].data, pkg.m[i].len, "[EMAIL]");
                keep = has(pkg.m[i].data, pkg.m[i].len, FX_KEEP);
            }
        }
        TEST_OK(ml == 0, "no planted value in any of the export's %zu members", pkg.n);
        TEST_OK(placeholders && keep, "placeholders and the kept text in word/document.xml");
        struct office_text t;
        memset(&t, 0, sizeof t);
        rc = office_walk(&pkg, &t, &err);
        TEST_OK(
            rc == 0 && t.page_no[OFFICE_PAGE_COMMENTS] < 0 &&
                !strstr(t.page[OFFICE_PAGE_HIDDEN].p ? t.page[OFFICE_PAGE_HIDDEN].p : "", "old "),
            "the export has no comments and no deleted text left");
        office_text_clear(&t);
        office_pkg_clear(&pkg);
    }
    free(out);
    if (doc)
        intake_doc_destroy(doc);
    free(z);

    /* no store: nothing written, no error */
    intake_engine_set_store(e, NULL);
    z = fx_docx_zip(&len, NULL);
    doc = NULL;
    unlink(path);
    rc = intake_engine_run(e, z, len, &doc, &err);
    if (rc == 0)
        rc = intake_engine_finish(e, doc, NULL, &err);
    TEST_OK(rc == 0 && access(path, F_OK) != 0, "without a store nothing is written");
    if (doc)
        intake_doc_destroy(doc);
    free(z);
    intake_engine_destroy(e);
}

int main(void)
{
    intake_log_set_level(INTAKE_LOG_ERROR);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/intake-eoffice-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    snprintf(store, sizeof store, "%s/store", tmpdir);
    mkdir(store, 0700);
    test_export();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        TEST_NOTE("could not remove %s", tmpdir);
    return test_done();
}
