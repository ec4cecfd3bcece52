/*
 * lid_tool: the langid_lexicon engine on files, for the evaluation harness
 * (tests/eval/langid_eval.py) and the benchmark (tests/bench/bench_langid.sh).
 *
 *   lid_tool DATA_DIR lines [-v] < FILE
 *                                      one snippet per line -> "lang\tscript\tconfidence"
 *                                      (-v: and the three best profiles with their scores)
 *   lid_tool DATA_DIR blocks FILE      the blocks of a document, one per line:
 *                                      "start\tend\tlang\tscript\tconfidence", then "main\tLANG"
 *   lid_tool DATA_DIR docs < FILE      documents separated by NUL bytes: the blocks of
 *                                      each as above (offsets into that document), then "--"
 *   lid_tool DATA_DIR bench FILE [SECONDS]
 *                                      MB/s of lid_analyse over FILE in calls of up to
 *                                      64 KiB cut at a blank line (a document), one core
 *   lid_tool DATA_DIR bench-para FILE [SECONDS]
 *                                      the same, one call per paragraph (blank-line separated)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lid_engine.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *b = malloc(cap);
    size_t r;
    while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                b = NULL;
            }
            b = nb;
        }
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return b;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: lid_tool DATA_DIR lines|blocks|bench [FILE] [SECONDS]\n");
        return 2;
    }
    struct lid_alloc a = {malloc, free};
    struct intake_error err;
    intake_error_clear(&err);
    struct lid_model *m = NULL;
    struct lid_scratch *s = NULL;
    if (lid_model_create(argv[1], &a, &m, &err) || lid_scratch_create(m, &s, &err)) {
        fprintf(stderr, "lid_tool: %s\n", err.msg);
        return 2;
    }
    int rc = 0;
    if (strcmp(argv[2], "lines") == 0) {
        int verbose = argc > 3 && strcmp(argv[3], "-v") == 0;
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, stdin)) >= 0) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                n--;
            struct lid_segment g;
            if (lid_identify(m, s, line, (size_t)n, &g, &err)) {
                rc = 1;
                break;
            }
            printf("%s\t%s\t%.3f", g.lang, g.script, (double)g.confidence);
            if (verbose) {
                /* the three best profiles and their scores */
                float sc[LID_MAX_LANG];
                lid_scores(m, s, line, (size_t)n, sc, &err);
                for (int k = 0; k < 3; k++) {
                    size_t b = 0;
                    for (size_t l = 1; l < lid_model_nlang(m); l++)
                        if (sc[l] > sc[b])
                            b = l;
                    printf("\t%s=%.1f", lid_model_lang(m, b), (double)sc[b]);
                    sc[b] = -1e30f;
                }
            }
            printf("\n");
        }
        free(line);
    } else if (strcmp(argv[2], "blocks") == 0 && argc > 3) {
        size_t len;
        char *t = slurp(argv[3], &len);
        const struct lid_segment *g;
        size_t n;
        if (!t || lid_analyse(m, s, t, len, &g, &n, &err)) {
            rc = 1;
        } else {
            for (size_t i = 0; i < n; i++)
                printf("%llu\t%llu\t%s\t%s\t%.3f\n", (unsigned long long)g[i].start,
                       (unsigned long long)g[i].end, g[i].lang, g[i].script,
                       (double)g[i].confidence);
            printf("main\t%s\n", lid_main_lang(g, n));
        }
        free(t);
    } else if (strcmp(argv[2], "docs") == 0) {
        size_t len;
        char *t = slurp("-", &len);
        for (size_t at = 0; t && at < len && rc == 0;) {
            const char *z = memchr(t + at, '\0', len - at);
            size_t n = z ? (size_t)(z - (t + at)) : len - at;
            const struct lid_segment *g;
            size_t ng;
            if (lid_analyse(m, s, t + at, n, &g, &ng, &err)) {
                rc = 1;
                break;
            }
            for (size_t i = 0; i < ng; i++)
                printf("%llu\t%llu\t%s\t%s\t%.3f\n", (unsigned long long)g[i].start,
                       (unsigned long long)g[i].end, g[i].lang, g[i].script,
                       (double)g[i].confidence);
            printf("--\n");
            at += n + 1;
        }
        if (!t)
            rc = 1;
        free(t);
    } else if (strncmp(argv[2], "bench", 5) == 0 && argc > 3) {
        int per_para = strcmp(argv[2], "bench-para") == 0;
        size_t len;
        char *t = slurp(argv[3], &len);
        double secs = argc > 4 ? atof(argv[4]) : 3.0;
        if (!t) {
            rc = 1;
        } else {
            size_t done = 0, segs = 0;
            double t0 = now(), el = 0;
            do {
                for (size_t off = 0; off < len;) {
                    size_t end = off + 65536 < len ? off + 65536 : len;
                    /* cut at a blank line when there is one: one document per call */
                    if (per_para) {
                        /* one paragraph per call: the cost of many small calls */
                        char *bl = memmem(t + off, end - off, "\n\n", 2);
                        if (bl)
                            end = (size_t)(bl - t) + 2;
                    }
                    for (size_t k = end; !per_para && end < len && k > off + 1; k--)
                        if (t[k - 1] == '\n' && t[k - 2] == '\n') {
                            end = k;
                            break;
                        }
                    const struct lid_segment *g;
                    size_t n;
                    if (lid_analyse(m, s, t + off, end - off, &g, &n, &err)) {
                        rc = 1;
                        break;
                    }
                    segs += n;
                    done += end - off;
                    off = end;
                }
                el = now() - t0;
            } while (rc == 0 && el < secs);
            printf("lid_analyse%s\t%.1f MB/s\t%zu bytes\t%.2f s\t%zu blocks\n",
                   per_para ? "/paragraph" : "/64KiB", done / el / 1e6, done, el, segs);
        }
        free(t);
    } else {
        fprintf(stderr, "lid_tool: unknown mode\n");
        rc = 2;
    }
    lid_scratch_destroy(s);
    lid_model_destroy(m);
    return rc;
}
