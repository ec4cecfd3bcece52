/*
 * plugins/extract_archive/tests/test_extract_archive.c: the plugin linked
 * statically (-DINTAKE_STATIC_PLUGIN), configured through the core's option
 * parser, driven through a test host that records child documents
 * (tests/harness/child_host.c). Every archive is written by the test with
 * libarchive's writer: ZIP, 7z, tar.gz/.bz2/.xz, a lone .gz, a ZIP in a ZIP
 * in a ZIP, a zip bomb (1 GB of zeros), a nested bomb, an encrypted ZIP,
 * truncated archives. The bombs' refusal times are printed (TAP comments).
 * Encrypted 7z (libarchive cannot write them) are made by the 7z program
 * at test time, for 7-Zip's path: members, limits, refusals, its cost.
 */
#include <dirent.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>
#include <iconv.h>

#include "child_host.h"
#include "config.h"
#include "test.h"

int intake_plugin_entry_extract_archive(const struct intake_host *host,
                                        const struct intake_plugin **out);

/* ------------------------------------------------------------------ */
/* fixtures                                                           */
/* ------------------------------------------------------------------ */

struct buf {
    unsigned char *p;
    size_t n;
};

struct member {
    const char *name;
    const void *data; /* NULL: `size` zero bytes */
    size_t size;
};

/* Write an archive of \p format (ARCHIVE_FORMAT_*) through \p filter
 * (ARCHIVE_FILTER_*), with libarchive options \p opts and \p pass. */
static struct buf make_archive(int format, int filter, const char *opts, const char *pass,
                               const struct member *m, size_t nm)
{
    struct buf out = {0};
    /* The writer converts names through the locale: UTF-8 while writing
     * (the plugin itself runs in the process's C locale). */
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    locale_t old = uselocale(utf8);
    size_t cap = 1 << 20;
    for (size_t i = 0; i < nm; i++)
        cap += m[i].size + 1024;
    if (cap > ((size_t)64 << 20))
        cap = (size_t)64 << 20; /* bombs compress */
    out.p = malloc(cap);
    struct archive *a = archive_write_new();
    archive_write_set_format(a, format);
    if (filter != ARCHIVE_FILTER_NONE)
        archive_write_add_filter(a, filter);
    if (opts && archive_write_set_options(a, opts) != ARCHIVE_OK)
        TEST_NOTE("writer options %s: %s", opts, archive_error_string(a));
    if (pass)
        archive_write_set_passphrase(a, pass);
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open_memory(a, out.p, cap, &out.n) != ARCHIVE_OK)
        TEST_NOTE("open: %s", archive_error_string(a));
    static unsigned char zeros[1 << 20];
    for (size_t i = 0; i < nm; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname_utf8(e, m[i].name);
        size_t nl = strlen(m[i].name);
        int dir = nl && m[i].name[nl - 1] == '/';
        archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
        archive_entry_set_perm(e, dir ? 0755 : 0644);
        archive_entry_set_size(e, dir ? 0 : (la_int64_t)m[i].size);
        archive_entry_set_mtime(e, 1700000000, 0);
        if (archive_write_header(a, e) != ARCHIVE_OK)
            TEST_NOTE("header: %s", archive_error_string(a));
        if (!dir) {
            if (m[i].data) {
                archive_write_data(a, m[i].data, m[i].size);
            } else {
                for (size_t left = m[i].size; left;) {
                    size_t k = left < sizeof zeros ? left : sizeof zeros;
                    archive_write_data(a, zeros, k);
                    left -= k;
                }
            }
        }
        archive_entry_free(e);
    }
    if (archive_write_close(a) != ARCHIVE_OK)
        TEST_NOTE("close: %s", archive_error_string(a));
    archive_write_free(a);
    uselocale(old);
    freelocale(utf8);
    return out;
}

static struct buf zip_of(const struct member *m, size_t nm)
{
    return make_archive(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, NULL, NULL, m, nm);
}

/* ------------------------------------------------------------------ */
/* the plugin                                                         */
/* ------------------------------------------------------------------ */

struct fixture {
    const struct intake_plugin *desc;
    struct intake_config *cfg;
    void *options;
    void *inst;
};

static int setup(struct fixture *f, const char *conf)
{
    struct intake_error err;
    intake_error_clear(&err);
    memset(f, 0, sizeof *f);
    if (intake_plugin_entry_extract_archive(child_host(), &f->desc) != INTAKE_OK)
        return -1;
    static const char *const core_keys[] = {"type", "log_level", "enabled", NULL};
    int rc = intake_config_parse("test.conf", conf, &f->cfg, &err);
    if (!rc) {
        f->options = calloc(1, f->desc->config_size);
        rc = intake_options_apply(f->cfg, intake_config_section(f->cfg, "archive"),
                                  f->desc->options, core_keys, f->options, &err);
    }
    if (!rc)
        rc = f->desc->cb_init(child_host(), NULL, f->options, &f->inst, &err);
    if (rc)
        TEST_NOTE("setup: %s", err.msg);
    return rc;
}

static void teardown(struct fixture *f)
{
    if (f->inst)
        f->desc->cb_exit(f->inst);
    if (f->options)
        intake_options_clear(f->desc->options, f->options);
    free(f->options);
    intake_config_destroy(f->cfg);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Run the plugin on \p b as a document of \p mime at \p depth; the
 * document is returned in *out (destroy it) and the status returned. */
static int run(struct fixture *f, struct buf b, const char *mime, uint32_t depth,
               struct intake_doc **out, struct intake_error *err)
{
    intake_error_clear(err);
    struct intake_doc *d = child_doc_create(b.p, b.n, mime, depth);
    int rc = f->desc->cb_process(f->inst, NULL, d, err);
    if (out)
        *out = d;
    else
        child_doc_destroy(d);
    return rc;
}

/* The core's recursion, in-process: a child that is a ZIP goes through
 * the plugin again one level deeper; its failure is its parent's. */
struct recurse {
    struct fixture *f;
    size_t docs;
};

static int recurse_hook(void *user, struct intake_doc *parent, const struct child_rec *kid,
                        struct intake_error *err)
{
    struct recurse *r = user;
    r->docs++;
    if (kid->len < 4 || memcmp(kid->bytes, "PK\003\004", 4) != 0)
        return INTAKE_OK;
    struct intake_doc *d =
        child_doc_create(kid->bytes, kid->len, "application/zip", parent->depth + 1);
    int rc = r->f->desc->cb_process(r->f->inst, NULL, d, err);
    child_doc_destroy(d);
    return rc;
}

/* ------------------------------------------------------------------ */
/* tests                                                              */
/* ------------------------------------------------------------------ */

static const char *text_a = "Протокол допроса. Потерпевшая Жумабекова Айгерим, тел. +7 701 "
                            "555 12 34, ИИН 900101400123.\n";
static const char *text_b = "Witness statement: Mr. Daniel Okonkwo, d.okonkwo@example.org\n";

static void test_formats(struct fixture *f)
{
    const struct member m[] = {
        {"case-17/", NULL, 0},
        {"case-17/протокол.txt", text_a, strlen(text_a)},
        {"case-17/witness.txt", text_b, strlen(text_b)},
        {"case-17/empty.txt", "", 0},
        {"__MACOSX/case-17/._witness.txt", "junk", 4},
    };
    static const struct {
        const char *what;
        int format, filter;
        const char *mime;
    } kinds[] = {
        {"zip", ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "application/zip"},
        {"7z", ARCHIVE_FORMAT_7ZIP, ARCHIVE_FILTER_NONE, "application/x-7z-compressed"},
        {"tar", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE, "application/x-tar"},
        {"tar.gz", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP, "application/gzip"},
        {"tar.bz2", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_BZIP2, "application/x-bzip2"},
        {"tar.xz", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_XZ, "application/x-xz"},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        struct buf b = make_archive(kinds[k].format, kinds[k].filter, NULL, NULL, m, 5);
        struct intake_doc *d;
        struct intake_error err;
        int rc = run(f, b, kinds[k].mime, 0, &d, &err);
        TEST_EQ_INT(rc, INTAKE_OK, "%s: read (%s)", kinds[k].what, err.msg);
        TEST_EQ_INT(d->nkids, 2, "%s: two members (folder, empty file, debris skipped)",
                    kinds[k].what);
        const struct child_rec *a = child_doc_find(d, "case-17/протокол.txt");
        const struct child_rec *c = child_doc_find(d, "case-17/witness.txt");
        TEST_OK(a && a->len == strlen(text_a) && memcmp(a->bytes, text_a, a->len) == 0,
                "%s: Cyrillic member name and bytes", kinds[k].what);
        TEST_OK(c && c->len == strlen(text_b) && memcmp(c->bytes, text_b, c->len) == 0,
                "%s: second member", kinds[k].what);
        TEST_EQ_INT(d->npages, 0, "%s: the archive has no text of its own", kinds[k].what);
        child_doc_destroy(d);
        free(b.p);
    }
}

static void test_lone_gzip(struct fixture *f)
{
    const struct member m[] = {{"x", text_a, strlen(text_a)}};
    struct buf b = make_archive(ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_GZIP, NULL, NULL, m, 1);
    struct intake_doc *d;
    struct intake_error err;
    int rc = run(f, b, "application/gzip", 0, &d, &err);
    TEST_EQ_INT(rc, INTAKE_OK, "lone .gz: read (%s)", err.msg);
    TEST_OK(d->nkids == 1 && d->kids[0].len == strlen(text_a) &&
                memcmp(d->kids[0].bytes, text_a, d->kids[0].len) == 0,
            "lone .gz: one child with the inflated bytes");
    child_doc_destroy(d);
    free(b.p);
}

static void test_nested(struct fixture *f)
{
    /* An e-mail attachment's case: a ZIP holding a ZIP holding a .txt. */
    const struct member inner_m[] = {{"показания/Сейткали.txt", text_a, strlen(text_a)}};
    struct buf inner = zip_of(inner_m, 1);
    const struct member mid_m[] = {{"inner.zip", inner.p, inner.n},
                                   {"note.txt", text_b, strlen(text_b)}};
    struct buf mid = zip_of(mid_m, 2);
    const struct member outer_m[] = {{"дело/middle.zip", mid.p, mid.n}};
    struct buf outer = zip_of(outer_m, 1);

    struct intake_doc *d;
    struct intake_error err;
    int rc = run(f, outer, "application/zip", 0, &d, &err);
    TEST_EQ_INT(rc, INTAKE_OK, "nested: outer read");
    const struct child_rec *c = child_doc_find(d, "дело/middle.zip");
    TEST_OK(c && c->len == mid.n && memcmp(c->bytes, mid.p, mid.n) == 0,
            "nested: the middle ZIP is a child, byte for byte");
    child_doc_destroy(d);

    rc = run(f, mid, "application/zip", 1, &d, &err);
    TEST_EQ_INT(rc, INTAKE_OK, "nested: middle read at depth 1");
    TEST_OK(child_doc_find(d, "inner.zip") && child_doc_find(d, "note.txt"),
            "nested: middle's children inner.zip and note.txt");
    child_doc_destroy(d);

    rc = run(f, inner, "application/zip", 2, &d, &err);
    TEST_EQ_INT(rc, INTAKE_OK, "nested: inner read at depth 2");
    c = child_doc_find(d, "показания/Сейткали.txt");
    TEST_OK(c && c->len == strlen(text_a), "nested: the .txt at the bottom");
    child_doc_destroy(d);

    rc = run(f, inner, "application/zip", 4, NULL, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "nested: refused past archive_depth 3");
    TEST_OK(strstr(err.msg, "archive_depth") != NULL, "nested: reason names archive_depth (%s)",
            err.msg);

    /* Through the recursing host: all three levels in one call. */
    struct recurse r = {.f = f};
    child_host_hook(recurse_hook, &r);
    rc = run(f, outer, "application/zip", 0, NULL, &err);
    child_host_hook(NULL, NULL);
    TEST_EQ_INT(rc, INTAKE_OK, "nested: recursion through the host (%s)", err.msg);
    TEST_EQ_INT(r.docs, 4, "nested: middle.zip, inner.zip, note.txt and the .txt reached the host");
    free(inner.p);
    free(mid.p);
    free(outer.p);
}

/* Make a ZIP lie about its member's size: the central directory and the
 * data descriptor say \p size bytes, whatever the deflated stream holds. */
static void zip_lie(struct buf b, uint32_t size)
{
    for (size_t i = 0; i + 30 < b.n; i++) {
        unsigned char *p = b.p + i;
        if (p[0] == 'P' && p[1] == 'K' && p[2] == 1 && p[3] == 2) /* central directory */
            for (int k = 0; k < 4; k++)
                p[24 + k] = (unsigned char)(size >> (8 * k));
        if (p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4) /* local header */
            for (int k = 0; k < 4; k++)
                p[22 + k] = (unsigned char)(size >> (8 * k));
        if (p[0] == 'P' && p[1] == 'K' && p[2] == 7 && p[3] == 8) /* data descriptor */
            for (int k = 0; k < 4; k++)
                p[12 + k] = (unsigned char)(size >> (8 * k));
    }
}

static void test_zip_bomb(struct fixture *f)
{
    const struct member m[] = {{"zeros.txt", NULL, (size_t)1 << 30}};
    double t0 = now_ms();
    struct buf b = make_archive(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "zip:compression-level=9",
                                NULL, m, 1);
    TEST_NOTE("zip bomb: 1 GiB of zeros deflated to %zu bytes in %.0f ms", b.n, now_ms() - t0);
    struct intake_error err;

    /* Honest sizes: refused from the size the archive declares. */
    t0 = now_ms();
    int rc = run(f, b, "application/zip", 0, NULL, &err);
    double ms = now_ms() - t0;
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "zip bomb: refused (%s)", err.msg);
    TEST_OK(ms < 1000, "zip bomb: refused in %.1f ms (< 1 s)", ms);

    /* Lying sizes: refused while inflating, by the ratio. */
    zip_lie(b, 1000);
    t0 = now_ms();
    rc = run(f, b, "application/zip", 0, NULL, &err);
    ms = now_ms() - t0;
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "zip bomb, declared 1000 bytes: refused");
    TEST_OK(strstr(err.msg, "ratio") != NULL, "zip bomb, declared 1000 bytes: by the ratio (%s)",
            err.msg);
    TEST_OK(ms < 1000, "zip bomb, declared 1000 bytes: refused in %.1f ms (< 1 s)", ms);

    /* Ratio off: the member limit still holds while inflating. */
    struct fixture g;
    if (setup(&g, "[archive]\ntype = extract_archive\nmax_ratio = 1e9\nmax_member_size = 64M\n") ==
        0) {
        t0 = now_ms();
        rc = run(&g, b, "application/zip", 0, NULL, &err);
        ms = now_ms() - t0;
        TEST_EQ_INT(rc, INTAKE_EFORMAT, "zip bomb, no ratio limit: refused");
        TEST_OK(strstr(err.msg, "max_member_size") != NULL,
                "zip bomb, no ratio limit: by max_member_size while inflating (%s)", err.msg);
        TEST_OK(ms < 1000, "zip bomb, no ratio limit: refused in %.1f ms", ms);
        teardown(&g);
    }
    free(b.p);
}

static void test_nested_bomb(struct fixture *f)
{
    /* 42.zip in small: a leaf of 64 MiB of zeros, then 5 levels of 16
     * copies each: 16^5 * 64 MiB = 64 TiB if it were all inflated. */
    const struct member leaf_m[] = {{"0.bin", NULL, (size_t)64 << 20}};
    struct buf cur = make_archive(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE,
                                  "zip:compression-level=9", NULL, leaf_m, 1);
    for (int level = 0; level < 5; level++) {
        struct member m[16];
        char names[16][16];
        for (int i = 0; i < 16; i++) {
            snprintf(names[i], sizeof names[i], "%d.zip", i);
            m[i] = (struct member){names[i], cur.p, cur.n};
        }
        struct buf next = zip_of(m, 16);
        free(cur.p);
        cur = next;
    }
    TEST_NOTE("nested bomb: %zu bytes", cur.n);
    struct recurse r = {.f = f};
    child_host_hook(recurse_hook, &r);
    struct intake_error err;
    double t0 = now_ms();
    int rc = run(f, cur, "application/zip", 0, NULL, &err);
    double ms = now_ms() - t0;
    child_host_hook(NULL, NULL);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "nested bomb: refused");
    TEST_OK(strstr(err.msg, "archive_depth") || strstr(err.msg, "ratio"),
            "nested bomb: reason (%s)", err.msg);
    TEST_OK(ms < 1000, "nested bomb: refused in %.1f ms after %zu child documents", ms, r.docs);
    free(cur.p);
}

static void test_encrypted(struct fixture *f)
{
    const struct member m[] = {{"secret.txt", text_a, strlen(text_a)}};
    struct buf b = make_archive(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "zip:encryption=zipcrypt",
                                "s3cret-pass", m, 1);
    struct intake_error err;
    int rc = run(f, b, "application/zip", 0, NULL, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "encrypted zip: refused");
    TEST_OK(strstr(err.msg, "encrypted") != NULL, "encrypted zip: reason (%s)", err.msg);

    struct fixture g;
    if (setup(&g, "[archive]\ntype = extract_archive\npassword = s3cret-pass\n") == 0) {
        struct intake_doc *d;
        rc = run(&g, b, "application/zip", 0, &d, &err);
        TEST_EQ_INT(rc, INTAKE_OK, "encrypted zip with the password: read (%s)", err.msg);
        TEST_OK(d->nkids == 1 && d->kids[0].len == strlen(text_a) &&
                    memcmp(d->kids[0].bytes, text_a, d->kids[0].len) == 0,
                "encrypted zip with the password: the member decrypted");
        child_doc_destroy(d);
        teardown(&g);
    }
    if (setup(&g, "[archive]\ntype = extract_archive\npassword = wrong\n") == 0) {
        rc = run(&g, b, "application/zip", 0, NULL, &err);
        TEST_EQ_INT(rc, INTAKE_EFORMAT, "encrypted zip, wrong password: refused");
        TEST_OK(strstr(err.msg, "encrypted") != NULL, "encrypted zip, wrong password: reason (%s)",
                err.msg);
        teardown(&g);
    }
    free(b.p);

    struct buf s = make_archive(ARCHIVE_FORMAT_7ZIP, ARCHIVE_FILTER_NONE, NULL, NULL, m, 1);
    free(s.p); /* libarchive cannot write encrypted 7z; the ZIP case covers the path */
}

static void test_truncated(struct fixture *f)
{
    char big[20000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + (i * 7919 % 26));
    const struct member m[] = {{"a.txt", big, sizeof big}, {"b.txt", text_b, strlen(text_b)}};
    static const struct {
        const char *what;
        int format, filter;
        const char *mime;
    } kinds[] = {
        {"zip", ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "application/zip"},
        {"7z", ARCHIVE_FORMAT_7ZIP, ARCHIVE_FILTER_NONE, "application/x-7z-compressed"},
        {"tar.gz", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP, "application/gzip"},
        {"tar.xz", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_XZ, "application/x-xz"},
        {"tar", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE, "application/x-tar"},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        struct buf b = make_archive(kinds[k].format, kinds[k].filter, NULL, NULL, m, 2);
        /* Half-way, and near the end: for a tar past the last member's
         * data (its end blocks are only zeros, nothing is lost there). */
        int plain_tar = kinds[k].format == ARCHIVE_FORMAT_TAR_PAX_RESTRICTED &&
                        kinds[k].filter == ARCHIVE_FILTER_NONE;
        size_t cuts[] = {b.n / 2, b.n - (plain_tar ? 1100 : 30)};
        for (size_t c = 0; c < 2; c++) {
            struct buf t = {b.p, cuts[c]};
            struct intake_error err;
            int rc = run(f, t, kinds[k].mime, 0, NULL, &err);
            TEST_EQ_INT(rc, INTAKE_EFORMAT, "truncated %s (%zu of %zu bytes): refused (%s)",
                        kinds[k].what, t.n, b.n, err.msg);
        }
        free(b.p);
    }
    static unsigned char junk_bytes[] = "PK\003\004 this is not a zip at all";
    struct buf junk = {junk_bytes, sizeof junk_bytes - 1};
    struct intake_error err;
    TEST_EQ_INT(run(f, junk, "application/zip", 0, NULL, &err), INTAKE_EFORMAT,
                "garbage after a ZIP signature: refused (%s)", err.msg);
}

static void test_limits(struct fixture *f)
{
    (void)f;
    struct member m[30];
    char names[30][16];
    for (int i = 0; i < 30; i++) {
        snprintf(names[i], sizeof names[i], "f%02d.txt", i);
        m[i] = (struct member){names[i], text_b, strlen(text_b)};
    }
    struct buf b = zip_of(m, 30);
    struct fixture g;
    struct intake_error err;
    if (setup(&g, "[archive]\ntype = extract_archive\nmax_members = 20\n") == 0) {
        TEST_EQ_INT(run(&g, b, "application/zip", 0, NULL, &err), INTAKE_EFORMAT,
                    "max_members: refused (%s)", err.msg);
        teardown(&g);
    }
    if (setup(&g, "[archive]\ntype = extract_archive\nmax_total_size = 1k\n") == 0) {
        TEST_EQ_INT(run(&g, b, "application/zip", 0, NULL, &err), INTAKE_EFORMAT,
                    "max_total_size: refused (%s)", err.msg);
        TEST_OK(strstr(err.msg, "max_total_size") != NULL, "max_total_size: reason");
        teardown(&g);
    }
    /* The core's own max_children surfaces as the plugin's error. */
    child_host_limits(5, 10);
    TEST_EQ_INT(run(f, b, "application/zip", 0, NULL, &err), INTAKE_EFORMAT,
                "core max_children: refused (%s)", err.msg);
    child_host_limits(5, 10000);
    free(b.p);

    /* An office document in a plain ZIP is not taken apart. */
    const char *ct = "<?xml version=\"1.0\"?><Types/>";
    const struct member om[] = {{"[Content_Types].xml", ct, strlen(ct)},
                                {"word/document.xml", ct, strlen(ct)}};
    struct buf o = zip_of(om, 2);
    TEST_EQ_INT(run(f, o, "application/zip", 0, NULL, &err), INTAKE_EFORMAT,
                "OOXML named application/zip: refused (%s)", err.msg);
    free(o.p);
}

/* A ZIP from Russian Windows: names in CP866, no UTF-8 flag. */
static void test_cp866_names(struct fixture *f)
{
    struct buf b = {malloc(4096), 0};
    struct archive *a = archive_write_new();
    archive_write_set_format_zip(a);
    archive_write_open_memory(a, b.p, 4096, &b.n);
    struct archive_entry *e = archive_entry_new();
    char raw[64] = {0}, *ip = "Акт_Петрова.txt", *op = raw;
    size_t il = strlen(ip), ol = sizeof raw - 1;
    iconv_t cd = iconv_open("CP866", "UTF-8");
    iconv(cd, &ip, &il, &op, &ol);
    iconv_close(cd);
    archive_entry_copy_pathname(e, raw); /* raw bytes, C locale: written as they are */
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)strlen(text_b));
    archive_write_header(a, e);
    archive_write_data(a, text_b, strlen(text_b));
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    struct intake_doc *d;
    struct intake_error err;
    int rc = run(f, b, "application/zip", 0, &d, &err);
    TEST_EQ_INT(rc, INTAKE_OK, "CP866 names: read (%s)", err.msg);
    TEST_OK(d->nkids == 1 && strcmp(d->kids[0].name, "Акт_Петрова.txt") == 0,
            "CP866 names: converted with name_charset (%s)", d->nkids ? d->kids[0].name : "");
    child_doc_destroy(d);
    free(b.p);
}

/* ------------------------------------------------------------------ */
/* 7-Zip's path (encrypted 7z, a password set)                        */
/* ------------------------------------------------------------------ */

/* A 7z made by the 7z program in \p dir from \p files (written there
 * first; a NULL data is a folder), with password \p pass (NULL: none),
 * -mhe when \p hdr. Empty buffer when 7z is missing or fails. */
static struct buf sevenzip_make(const char *dir, const char *pass, int hdr, const struct member *m,
                                size_t nm)
{
    struct buf out = {0};
    char cmd[4096], path[1024];
    int k = snprintf(cmd, sizeof cmd, "cd '%s' && rm -f out.7z && 7z a -bd -y %s%s%s out.7z", dir,
                     pass ? "-p" : "", pass ? pass : "", hdr ? " -mhe=on" : "");
    for (size_t i = 0; i < nm; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, m[i].name);
        if (!m[i].data) {
            mkdir(path, 0700);
        } else {
            FILE *fp = fopen(path, "wb");
            if (!fp)
                return out;
            fwrite(m[i].data, 1, m[i].size, fp);
            fclose(fp);
        }
        k += snprintf(cmd + k, sizeof cmd - (size_t)k, " '%s'", m[i].name);
    }
    k += snprintf(cmd + k, sizeof cmd - (size_t)k, " >/dev/null 2>&1");
    if (system(cmd) != 0)
        return out;
    snprintf(path, sizeof path, "%s/out.7z", dir);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return out;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    out.p = malloc((size_t)n);
    out.n = out.p ? fread(out.p, 1, (size_t)n, fp) : 0;
    fclose(fp);
    return out;
}

/* Folders named intake-7z-* left in \p dir. */
static int private_left(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strncmp(e->d_name, "intake-7z-", 10) == 0;
    if (d)
        closedir(d);
    return n;
}

static void test_sevenzip(void)
{
    if (system("command -v 7z >/dev/null 2>&1") != 0) {
        TEST_OK(0, "7-Zip's path: 7z not installed (p7zip-full, scripts/deps.sh)");
        return;
    }
    char tmpl[] = "/tmp/intake-test-7z-XXXXXX";
    char *dir = mkdtemp(tmpl);
    if (!dir) {
        TEST_OK(0, "7z: a temporary folder");
        return;
    }
    char tmpdir[256];
    snprintf(tmpdir, sizeof tmpdir, "%s/tmp", dir);
    mkdir(tmpdir, 0700);
    char *old_tmp = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
    setenv("TMPDIR", tmpdir, 1); /* read by cb_init: the private folders go there */
    const struct member m[] = {
        {"a.txt", text_a, strlen(text_a)},
        {"sub", NULL, 0},
        {"sub/b.txt", text_b, strlen(text_b)},
        {"empty.txt", "", 0},
    };
    struct buf enc = sevenzip_make(dir, "s3cret-pass", 1, m, 4);
    struct buf plain = sevenzip_make(dir, NULL, 0, m, 4);
    TEST_OK(enc.n > 0 && plain.n > 0, "7z: archives made by 7z (%zu and %zu bytes)", enc.n,
            plain.n);
    struct intake_error err;
    struct intake_doc *d;
    struct fixture g;
    int rc;
    const char *pw = "[archive]\ntype = extract_archive\npassword = s3cret-pass\n";
    if (enc.n && setup(&g, pw) == 0) {
        rc = run(&g, enc, "application/x-7z-compressed", 0, &d, &err);
        const struct child_rec *a = child_doc_find(d, "a.txt");
        const struct child_rec *b = child_doc_find(d, "sub/b.txt");
        TEST_EQ_INT(rc, INTAKE_OK, "7z, headers encrypted, with the password: read (%s)", err.msg);
        TEST_OK(d->nkids == 2 && a && b && a->len == strlen(text_a) &&
                    memcmp(a->bytes, text_a, a->len) == 0 && b->len == strlen(text_b) &&
                    memcmp(b->bytes, text_b, b->len) == 0,
                "7z: two members decrypted whole, folder and empty file left out (%zu)", d->nkids);
        child_doc_destroy(d);

        /* Cost per archive: 7-Zip's path (one listing, one run a member)
         * against libarchive on the same archive unencrypted. */
        enum { N = 20 };
        double t0 = now_ms();
        int bad = 0;
        for (int i = 0; i < N; i++)
            bad += run(&g, enc, "application/x-7z-compressed", 0, NULL, &err) != INTAKE_OK;
        double t7 = (now_ms() - t0) / N;
        t0 = now_ms();
        for (int i = 0; i < N; i++)
            bad += run(&g, plain, "application/x-7z-compressed", 0, NULL, &err) != INTAKE_OK;
        double tl = (now_ms() - t0) / N;
        TEST_OK(bad == 0,
                "7z: %.2f ms an archive through 7-Zip (2 members, 3 runs), %.3f ms "
                "through libarchive unencrypted (mean of %d)",
                t7, tl, N);
        teardown(&g);
    }
    static const struct {
        const char *conf, *want, *what;
    } refusals[] = {
        {"", "set [archive] password", "no password"},
        {"password = wrong\n", "wrong password", "wrong password"},
        {"password = s3cret-pass\nmax_members = 3\n", "max_members", "max_members"},
        {"password = s3cret-pass\nmax_total_size = 100\n", "max_total_size", "max_total_size"},
        {"password = s3cret-pass\nmax_member_size = 100\n", "max_member_size", "max_member_size"},
        {"password = s3cret-pass\nsevenzip_command = /nonexistent/7z\n", "not installed",
         "no 7-Zip"},
        {"password = s3cret-pass\nsevenzip_command = /bin/false\n", "exit status 1", "7-Zip fails"},
    };
    for (size_t i = 0; enc.n && i < sizeof refusals / sizeof refusals[0]; i++) {
        char conf[512];
        snprintf(conf, sizeof conf, "[archive]\ntype = extract_archive\n%s", refusals[i].conf);
        if (setup(&g, conf) != 0) {
            TEST_OK(0, "7z, %s: setup", refusals[i].what);
            continue;
        }
        rc = run(&g, enc, "application/x-7z-compressed", 0, &d, &err);
        TEST_OK(rc == INTAKE_EFORMAT && strstr(err.msg, refusals[i].want) && d->nkids == 0,
                "7z, %s: refused, no child (%s)", refusals[i].what, err.msg);
        child_doc_destroy(d);
        teardown(&g);
    }

    /* A bomb behind a password: refused on the declared sizes, nothing inflated. */
    char *zeros = calloc(1, 8 << 20);
    const struct member bm[] = {{"zeros.bin", zeros, 8 << 20}};
    struct buf bomb = zeros ? sevenzip_make(dir, "s3cret-pass", 0, bm, 1) : (struct buf){0};
    if (bomb.n && setup(&g, pw) == 0) {
        double t0 = now_ms();
        rc = run(&g, bomb, "application/x-7z-compressed", 0, NULL, &err);
        TEST_OK(rc == INTAKE_EFORMAT && strstr(err.msg, "ratio"),
                "7z bomb (8 MiB of zeros in %zu bytes): refused by the ratio in %.1f ms (%s)",
                bomb.n, now_ms() - t0, err.msg);
        teardown(&g);
    }
    TEST_OK(private_left(tmpdir) == 0, "7z: no private folder left behind");
    free(zeros);
    free(bomb.p);
    free(enc.p);
    free(plain.p);
    if (old_tmp) {
        setenv("TMPDIR", old_tmp, 1);
        free(old_tmp);
    } else {
        unsetenv("TMPDIR");
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        TEST_NOTE("could not remove %s", dir);
}

static void test_probe(struct fixture *f)
{
    const struct member m[] = {{"a.txt", text_b, strlen(text_b)}};
    struct buf b = zip_of(m, 1);
    TEST_OK(f->desc->cb_probe(f->inst, b.p, b.n, "application/octet-stream") >= 50,
            "probe: a ZIP signature");
    TEST_EQ_INT(
        f->desc->cb_probe(f->inst, (const unsigned char *)text_b, strlen(text_b), "text/plain"), 0,
        "probe: text is not an archive");
    free(b.p);
}

int main(void)
{
    struct fixture f;
    if (setup(&f, "[archive]\ntype = extract_archive\n") != 0) {
        TEST_OK(0, "setup");
        return test_done();
    }
    test_formats(&f);
    test_lone_gzip(&f);
    test_nested(&f);
    test_zip_bomb(&f);
    test_nested_bomb(&f);
    test_encrypted(&f);
    test_truncated(&f);
    test_limits(&f);
    test_cp866_names(&f);
    test_probe(&f);
    test_sevenzip();
    teardown(&f);
    return test_done();
}
