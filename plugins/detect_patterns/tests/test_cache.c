/*
 * detect_patterns: the cache of compiled databases (dp_engine.c, "cache").
 * A second engine with the same cache folder loads instead of compiling and
 * finds exactly what a compiled one finds; a damaged file, a file others
 * may write, and a folder others may write are ignored (compiled again),
 * because a planted database could weaken detection.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <intake/span.h>

#include "dp_engine.h"
#include "test.h"

static void *xalloc(size_t n)
{
    return malloc(n);
}

static const char *const TEXT = "Contact: j.doe@example.org, +7 701 234 56 78, "
                                "IBAN KZ86125KZT5004100100, passport N12345678.";

static struct dp_engine *make(const char *dir)
{
    struct intake_error err;
    intake_error_clear(&err);
    struct dp_settings set = {.labels = dp_labels_supported(),
                              .window_before = 64,
                              .window_after = 24,
                              .min_score = 0,
                              .cache_dir = dir};
    struct dp_alloc a = {xalloc, free};
    struct dp_engine *e = NULL;
    if (dp_engine_create(&set, &a, &e, &err) != INTAKE_OK)
        TEST_NOTE("create failed: %s", err.msg);
    return e;
}

/* "label start end;" for every candidate, for comparing two engines. */
static void spans(const struct dp_engine *e, char *out, size_t outsz)
{
    struct intake_error err;
    intake_error_clear(&err);
    struct dp_scanner *s = NULL;
    const struct dp_cand *c = NULL;
    size_t n = 0, o = 0;
    out[0] = '\0';
    if (dp_scanner_create(e, &s, &err) || dp_scan(e, s, TEXT, strlen(TEXT), NULL, 0, &c, &n, &err))
        return;
    for (size_t i = 0; i < n && o < outsz; i++)
        o += (size_t)snprintf(out + o, outsz - o, "%d %llu %llu;", (int)c[i].kind,
                              (unsigned long long)c[i].start, (unsigned long long)c[i].end);
    dp_scanner_destroy(s);
}

/* The cache files in \p dir, by name into \p names (up to 4). */
static int files(const char *dir, char names[][512])
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) && n < 4)
        if (strstr(de->d_name, ".hsdb") && !strstr(de->d_name, ".tmp"))
            snprintf(names[n++], 512, "%s/%s", dir, de->d_name);
    if (d)
        closedir(d);
    return n;
}

int main(void)
{
    char base[] = "/tmp/intake-dpcache.XXXXXX";
    if (!mkdtemp(base)) {
        printf("Bail out! mkdtemp\n");
        return 1;
    }
    char dir[600];
    snprintf(dir, sizeof dir, "%s/sub/cache", base); /* two levels missing */

    char want[2048], got[2048];
    struct dp_engine *e0 = make(NULL);
    TEST_OK(e0 && !dp_engine_from_cache(e0), "no cache folder: compiled");
    spans(e0, want, sizeof want);
    TEST_OK(strlen(want) > 0, "the sample has candidates");

    struct dp_engine *e1 = make(dir);
    TEST_OK(e1 && !dp_engine_from_cache(e1), "first start with a cache folder compiles");
    char names[4][512];
    int nf = files(dir, names);
    TEST_EQ_INT(nf, 2, "one file per database written");
    struct stat st;
    TEST_OK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "cache folder is 0700");
    TEST_OK(nf > 0 && stat(names[0], &st) == 0 && (st.st_mode & 0777) == 0600,
            "cache file is 0600");

    struct dp_engine *e2 = make(dir);
    TEST_OK(e2 && dp_engine_from_cache(e2), "second start loads from the cache");
    spans(e2, got, sizeof got);
    TEST_EQ_STR(got, want, "cached databases find exactly what compiled ones find");

    /* A flipped byte in the database: checksum refuses it, compile again. */
    FILE *f = nf > 0 ? fopen(names[0], "r+b") : NULL;
    if (f) {
        fseek(f, -20, SEEK_END);
        int c = fgetc(f);
        fseek(f, -20, SEEK_END);
        fputc(c ^ 0x5a, f);
        fclose(f);
    }
    struct dp_engine *e3 = make(dir);
    TEST_OK(e3 && !dp_engine_from_cache(e3), "a damaged cache file is not used");
    spans(e3, got, sizeof got);
    TEST_EQ_STR(got, want, "and the compiled engine still finds everything");
    struct dp_engine *e4 = make(dir);
    TEST_OK(e4 && dp_engine_from_cache(e4), "the damaged file was written again");

    /* A file others may write is not trusted. */
    chmod(names[0], 0666);
    struct dp_engine *e5 = make(dir);
    TEST_OK(e5 && !dp_engine_from_cache(e5), "a group/world-writable cache file is ignored");
    chmod(names[0], 0600);
    chmod(dir, 0777);
    struct dp_engine *e6 = make(dir);
    TEST_OK(e6 && !dp_engine_from_cache(e6), "a world-writable cache folder is ignored");
    chmod(dir, 0700);

    struct dp_engine *all[] = {e0, e1, e2, e3, e4, e5, e6};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        dp_engine_destroy(all[i]);
    nf = files(dir, names);
    for (int i = 0; i < nf; i++)
        unlink(names[i]);
    rmdir(dir);
    snprintf(dir, sizeof dir, "%s/sub", base);
    rmdir(dir);
    rmdir(base);
    return test_done();
}
