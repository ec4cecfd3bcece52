/*
 * The whole extract_text plugin, linked statically (-DINTAKE_STATIC_PLUGIN)
 * and driven through its descriptor against tests/harness/extract_host.c.
 * argv[1] is tests/fixtures (for samples/).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intake/intake.h>

#include "encoding.h"
#include "extract_host.h"
#include "test.h"

int intake_plugin_entry_extract_text(const struct intake_host *host,
                                     const struct intake_plugin **out);

/* Mirror of the plugin's config struct (its layout is the option table's business). */
struct cfg {
    const char *const *encodings;
    const char *fallback_encoding;
    int64_t max_bytes;
    int32_t split_pages;
    int32_t accept_empty;
};

static const struct intake_plugin *P;

static struct cfg defaults(void)
{
    struct cfg c = {NULL, NULL, 64ll << 20, 1, 0};
    return c;
}

static void *instance(const struct cfg *c)
{
    void *in = NULL;
    struct intake_error err;
    intake_error_clear(&err);
    int rc = P->cb_init(xhost(), NULL, c, &in, &err);
    return rc == INTAKE_OK ? in : NULL;
}

/* Run one document through worker init, process, worker exit. */
static int run(void *in, struct intake_doc *doc, struct intake_error *err)
{
    void *w = NULL;
    intake_error_clear(err);
    int rc = P->cb_worker_init(in, &w, err);
    if (rc != INTAKE_OK)
        return rc;
    rc = P->cb_process(in, w, doc, err);
    P->cb_worker_exit(in, w);
    return rc;
}

static const char *meta(struct intake_doc *d, const char *k)
{
    return xhost()->doc_meta_get(d, k);
}

static void test_descriptor(void)
{
    struct intake_host bad = *xhost();
    const struct intake_plugin *p = NULL;
    bad.abi_major = 2;
    TEST_EQ_INT(intake_plugin_entry_extract_text(&bad, &p), INTAKE_EABI, "entry refuses ABI 2");
    TEST_EQ_INT(intake_plugin_entry_extract_text(xhost(), &P), INTAKE_OK, "entry");
    TEST_EQ_STR(P->name, "extract_text", "name");
    TEST_EQ_INT(P->stage, INTAKE_STAGE_EXTRACT, "stage");
    TEST_EQ_INT(P->struct_size, sizeof(struct intake_plugin), "struct_size");
    TEST_OK(P->cb_probe && P->cb_worker_init && P->cb_worker_exit, "optional callbacks set");
    TEST_EQ_STR(P->mime_types[0], "text/*", "claims text/*");
    TEST_EQ_INT(P->config_size, sizeof(struct cfg), "config_size matches the mirror");
    int n = 0;
    for (const struct intake_option *o = P->options; o->type != INTAKE_OPT_END; o++, n++)
        TEST_OK(o->name && o->description && o->offset < P->config_size, "option %s", o->name);
    TEST_EQ_INT(n, 5, "five options");
}

static void test_config(void)
{
    struct intake_error err;
    void *in = NULL;
    TEST_EQ_INT(P->cb_init(xhost(), NULL, NULL, &in, &err), INTAKE_OK, "NULL config: defaults");
    P->cb_exit(in);

    static const char *const bad_list[] = {"windows-1251", "ebcdic", NULL};
    struct cfg c = defaults();
    c.encodings = bad_list;
    in = NULL;
    TEST_EQ_INT(P->cb_init(xhost(), NULL, &c, &in, &err), INTAKE_ECONFIG,
                "unknown encoding refused: %s", err.msg);
    TEST_OK(in == NULL, "no instance on error");
    static const char *const utf8_list[] = {"utf-8", NULL};
    c.encodings = utf8_list;
    TEST_EQ_INT(P->cb_init(xhost(), NULL, &c, &in, &err), INTAKE_ECONFIG,
                "utf-8 is not an 8-bit candidate");
    c = defaults();
    c.fallback_encoding = "klingon";
    TEST_EQ_INT(P->cb_init(xhost(), NULL, &c, &in, &err), INTAKE_ECONFIG,
                "unknown fallback refused");
    c = defaults();
    c.max_bytes = 0;
    TEST_EQ_INT(P->cb_init(xhost(), NULL, &c, &in, &err), INTAKE_ECONFIG, "max_bytes 0");
    xhost_fail_alloc(1);
    c = defaults();
    TEST_EQ_INT(P->cb_init(xhost(), NULL, &c, &in, &err), INTAKE_ENOMEM, "init ENOMEM");
    xhost_fail_alloc(0);
}

static void test_basics(void)
{
    struct cfg c = defaults();
    void *in = instance(&c);
    struct intake_error err;
    TEST_OK(in != NULL, "instance");

    const char *t = "page one\fpage two\fpage three";
    struct intake_doc *d = xdoc_create(t, strlen(t), NULL);
    TEST_EQ_INT(run(in, d, &err), INTAKE_OK, "utf-8 with form feeds");
    TEST_EQ_INT(xdoc_pages(d), 3, "three pages");
    char *p0 = xdoc_page_dup(d, 0);
    TEST_EQ_INT(p0 ? strlen(p0) : 0, 9, "first page ends after its \\f");
    free(p0);
    TEST_OK(xdoc_text_len(d) == strlen(t) && memcmp(xdoc_text(d), t, strlen(t)) == 0,
            "pages concatenate to text");
    TEST_EQ_STR(meta(d, "encoding"), "utf-8", "meta encoding");
    TEST_OK(meta(d, "bom") == NULL, "no bom meta");
    xdoc_destroy(d);

    d = xdoc_create("a\fb\f", 4, NULL);
    run(in, d, &err);
    TEST_EQ_INT(xdoc_pages(d), 2, "trailing \\f makes no empty page");
    xdoc_destroy(d);

    d = xdoc_create("\xEF\xBB\xBFtext", 7, NULL);
    TEST_EQ_INT(run(in, d, &err), INTAKE_OK, "utf-8 BOM");
    TEST_EQ_STR(xdoc_text(d), "text", "BOM stripped");
    TEST_EQ_STR(meta(d, "bom"), "yes", "bom meta");
    xdoc_destroy(d);

    d = xdoc_create("", 0, NULL);
    TEST_EQ_INT(run(in, d, &err), INTAKE_EFORMAT, "empty file refused: %s", err.msg);
    xdoc_destroy(d);

    static const unsigned char png[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0};
    d = xdoc_create(png, sizeof png, NULL);
    TEST_EQ_INT(run(in, d, &err), INTAKE_EFORMAT, "PNG refused: %s", err.msg);
    TEST_EQ_INT(xdoc_pages(d), 0, "no page added on refusal");
    xdoc_destroy(d);

    static const unsigned char odd16[] = {0xFF, 0xFE, 'a', 0, 'b'};
    d = xdoc_create(odd16, sizeof odd16, NULL);
    TEST_EQ_INT(run(in, d, &err), INTAKE_EFORMAT, "odd UTF-16 refused: %s", err.msg);
    xdoc_destroy(d);

    /* Allocation failure while converting: ENOMEM, nothing leaked. */
    static const unsigned char cp[] =
        "\xcf\xf0\xee\xf2\xee\xea\xee\xeb \xe4\xee\xef\xf0\xee\xf1\xe0";
    d = xdoc_create(cp, sizeof cp - 1, NULL);
    void *w = NULL;
    P->cb_worker_init(in, &w, &err);
    long live = xhost_live_allocs();
    xhost_fail_alloc(1);
    TEST_EQ_INT(P->cb_process(in, w, d, &err), INTAKE_ENOMEM, "conversion buffer ENOMEM");
    xhost_fail_alloc(0);
    TEST_EQ_INT(xhost_live_allocs(), live, "nothing leaked");
    TEST_EQ_INT(P->cb_process(in, w, d, &err), INTAKE_OK, "then it works");
    TEST_EQ_STR(xdoc_text(d), "Протокол допроса", "cp1251 converted");
    TEST_EQ_STR(meta(d, "encoding"), "windows-1251", "meta windows-1251");
    /* No worker (a core that skipped cb_worker_init) still works. */
    struct intake_doc *d2 = xdoc_create(cp, sizeof cp - 1, NULL);
    TEST_EQ_INT(P->cb_process(in, NULL, d2, &err), INTAKE_OK, "process without a worker");
    xdoc_destroy(d2);
    P->cb_worker_exit(in, w);
    xdoc_destroy(d);

    TEST_EQ_INT(P->cb_probe(in, png, sizeof png, "image/png"), 0, "probe PNG 0");
    TEST_EQ_INT(P->cb_probe(in, (const unsigned char *)"", 0, "application/x-empty"), 0,
                "probe empty 0");
    P->cb_exit(in);

    c = defaults();
    c.accept_empty = 1;
    c.split_pages = 0;
    c.max_bytes = 16;
    in = instance(&c);
    d = xdoc_create("", 0, NULL);
    TEST_EQ_INT(run(in, d, &err), INTAKE_OK, "accept_empty");
    TEST_EQ_INT(xdoc_pages(d), 1, "one empty page");
    xdoc_destroy(d);
    d = xdoc_create("a\fb", 3, NULL);
    run(in, d, &err);
    TEST_EQ_INT(xdoc_pages(d), 1, "split_pages=false: one page");
    xdoc_destroy(d);
    d = xdoc_create("seventeen bytes!!", 17, NULL);
    TEST_EQ_INT(run(in, d, &err), INTAKE_EFORMAT, "max_bytes: %s", err.msg);
    TEST_OK(strstr(err.msg, "too large") != NULL, "reason says too large");
    xdoc_destroy(d);
    P->cb_exit(in);
    TEST_EQ_INT(xhost_live_allocs(), 0, "every alloc freed");
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Every file in samples/: <base>.txt is UTF-8 and must pass byte for byte;
 * <base>.<tag>.txt is the same text in another encoding and must come out
 * as the bytes of <base>.txt, with the right "encoding" meta.
 */
static void test_samples(const char *fixtures)
{
    char dir[4096], path[8192];
    snprintf(dir, sizeof dir, "%s/samples", fixtures);
    DIR *dp = opendir(dir);
    TEST_OK(dp != NULL, "open samples/");
    if (!dp)
        return;
    char *names[256];
    size_t nn = 0;
    struct dirent *de;
    while ((de = readdir(dp)) && nn < 256) {
        size_t l = strlen(de->d_name);
        if (l > 4 && strcmp(de->d_name + l - 4, ".txt") == 0)
            names[nn++] = strdup(de->d_name);
    }
    closedir(dp);
    qsort(names, nn, sizeof names[0], cmp_str);

    struct cfg c = defaults();
    void *in = instance(&c);
    struct intake_error err;
    int plain = 0, encoded = 0;
    for (size_t i = 0; i < nn; i++) {
        char base[512], tag[64] = "";
        snprintf(base, sizeof base, "%s", names[i]);
        base[strlen(base) - 4] = '\0';
        char *dot = strchr(base, '.');
        if (dot) {
            snprintf(tag, sizeof tag, "%s", dot + 1);
            *dot = '\0';
        }
        size_t len = 0, want_len = 0;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unsigned char *b = slurp(path, &len);
        snprintf(path, sizeof path, "%s/%s.txt", dir, base);
        unsigned char *want = slurp(path, &want_len);
        if (!b || !want) {
            TEST_OK(0, "%s: readable, with %s.txt beside it", names[i], base);
            free(b);
            free(want);
            continue;
        }
        const char *want_enc = "utf-8";
        int want_bom = 0;
        if (strcmp(tag, "utf-8-bom") == 0)
            want_bom = 1;
        else if (tag[0])
            want_enc = et_enc_name(et_enc_from_name(tag));
        if (strcmp(tag, "utf-16le") == 0 || strcmp(tag, "utf-16be") == 0)
            want_bom = 1;

        struct intake_doc *d = xdoc_create(b, len, NULL);
        int rc = run(in, d, &err);
        TEST_EQ_INT(rc, INTAKE_OK, "%s: extracted%s%s", names[i], rc ? ": " : "",
                    rc ? err.msg : "");
        TEST_OK(xdoc_text_len(d) == want_len && xdoc_text(d) &&
                    memcmp(xdoc_text(d), want, want_len) == 0,
                "%s: text is exactly %s.txt", names[i], base);
        TEST_EQ_STR(meta(d, "encoding"), want_enc, "%s: encoding", names[i]);
        TEST_OK(!want_bom == !meta(d, "bom"), "%s: bom meta", names[i]);
        /* libmagic calls the English samples HP-GL: the probe must claim them. */
        int hpgl = strncmp(base, "en-", 3) == 0;
        int conf = P->cb_probe(in, b, len, hpgl ? "application/vnd.hp-HPGL" : "text/plain");
        TEST_OK(conf >= (hpgl ? 80 : 60), "%s: probe %d", names[i], conf);
        if (tag[0])
            encoded++;
        else
            plain++;
        xdoc_destroy(d);
        free(b);
        free(want);
        free(names[i]);
    }
    TEST_NOTE("samples: %d UTF-8 files, %d encoded copies", plain, encoded);
    TEST_OK(plain >= 6 && encoded >= 5, "enough samples");
    P->cb_exit(in);
}

/* Errors and logs carry no document content. */
static void test_no_content_in_messages(void)
{
    struct cfg c = defaults();
    void *in = instance(&c);
    struct intake_error err;
    xhost_log_clear();
    const char *canary = "Zyxwvutsrova";
    char bad[128];
    snprintf(bad, sizeof bad, "%s \x01 text", canary);
    struct intake_doc *d = xdoc_create(bad, strlen(bad), NULL);
    TEST_EQ_INT(run(in, d, &err), INTAKE_EFORMAT, "control byte refused");
    TEST_OK(strstr(err.msg, canary) == NULL, "error message has no content: %s", err.msg);
    xdoc_destroy(d);
    static const unsigned char cp[] = "\xc7\xfb\xf5\xe2\xf3\xf2\xf1\xf0\xee\xe2\xe0 \xef\xf0\xee"
                                      "\xf2\xee\xea\xee\xeb";
    d = xdoc_create(cp, sizeof cp - 1, NULL);
    TEST_EQ_INT(run(in, d, &err), INTAKE_OK, "cp1251 canary document");
    TEST_OK(strstr(xhost_log(), "Зыхвутсрова") == NULL && strstr(xhost_log(), canary) == NULL,
            "debug log has no content");
    TEST_OK(strstr(xhost_log(), "windows-1251") != NULL, "debug log names the encoding");
    xdoc_destroy(d);
    P->cb_exit(in);
}

int main(int argc, char **argv)
{
    const char *fixtures = argc > 1 ? argv[1] : "tests/fixtures";
    test_descriptor();
    test_config();
    test_basics();
    test_samples(fixtures);
    test_no_content_in_messages();
    return test_done();
}
