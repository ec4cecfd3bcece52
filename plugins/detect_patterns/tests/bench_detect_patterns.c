/*
 * bench_detect_patterns FILE [RUNS]: single-core throughput of the
 * detect_patterns stage over one text file, through the plugin callbacks
 * (one instance, one worker, one Vectorscan scratch), the whole file as one
 * document. Also times the full-text Vectorscan pass alone (same database,
 * a callback that only counts).
 * Prints "key value" lines for tests/bench/bench_patterns.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp_engine.h"
#include "mock_host.h"

int intake_plugin_entry_detect_patterns(const struct intake_host *host,
                                        const struct intake_plugin **out);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, r;
    do {
        if (n == cap) {
            cap = cap ? cap * 2 : (1u << 20);
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        r = fread(buf + n, 1, cap - n, f);
        n += r;
    } while (r > 0);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [RUNS]\n", argv[0]);
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    if (runs < 1 || runs > 50)
        runs = 3;
    size_t len;
    char *text = slurp(argv[1], &len);
    if (!text) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    const struct intake_plugin *p;
    struct intake_error err;
    intake_error_clear(&err);
    void *in = NULL, *wk = NULL;
    double t0 = now();
    if (harness_load(intake_plugin_entry_detect_patterns, &p) != INTAKE_OK ||
        p->cb_init(harness_host(), NULL, NULL, &in, &err) || p->cb_worker_init(in, &wk, &err)) {
        fprintf(stderr, "init failed: %s\n", err.msg);
        return 1;
    }
    double t_init = now() - t0;
    struct intake_doc *doc = harness_doc_create(text, len);
    harness_doc_count_only(doc, 1);
    double *ts = calloc((size_t)runs, sizeof *ts);
    size_t spans = 0;
    for (int r = 0; r < runs; r++) {
        harness_doc_clear_spans(doc);
        double a = now();
        if (p->cb_process(in, wk, doc, &err) != INTAKE_OK) {
            fprintf(stderr, "process failed: %s\n", err.msg);
            return 1;
        }
        ts[r] = now() - a;
        harness_doc_spans(doc, &spans);
    }
    qsort(ts, (size_t)runs, sizeof *ts, cmp_double);
    double med = ts[runs / 2];

    /* The Vectorscan pass alone, same patterns, all types. */
    struct dp_settings set = {
        .labels = dp_labels_supported(), .window_before = 64, .window_after = 24, .min_score = 0.0};
    struct dp_alloc a = {malloc, free};
    struct dp_engine *e = NULL;
    struct dp_scanner *s = NULL;
    double *th = calloc((size_t)runs, sizeof *th);
    size_t hits = 0;
    if (dp_engine_create(&set, &a, &e, &err) || dp_scanner_create(e, &s, &err)) {
        fprintf(stderr, "engine failed: %s\n", err.msg);
        return 1;
    }
    for (int r = 0; r < runs; r++) {
        double b = now();
        dp_scan_raw(e, s, text, len, &hits, &err);
        th[r] = now() - b;
    }
    qsort(th, (size_t)runs, sizeof *th, cmp_double);

    printf("file %s\n", argv[1]);
    printf("bytes %zu\n", len);
    printf("runs %d\n", runs);
    printf("init_s %.3f\n", t_init);
    for (int r = 0; r < runs; r++)
        printf("run_s %.4f\n", ts[r]);
    printf("spans %zu\n", spans);
    printf("median_s %.4f\n", med);
    printf("mb_per_s %.1f\n", (double)len / med / 1e6);
    printf("hs_only_median_s %.4f\n", th[runs / 2]);
    printf("hs_only_mb_per_s %.1f\n", (double)len / th[runs / 2] / 1e6);
    printf("hs_matches %zu\n", hits);

    dp_scanner_destroy(s);
    dp_engine_destroy(e);
    harness_doc_destroy(doc);
    p->cb_worker_exit(in, wk);
    p->cb_exit(in);
    free(ts);
    free(th);
    free(text);
    return 0;
}
