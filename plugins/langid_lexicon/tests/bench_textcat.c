/*
 * bench_textcat: libexttextcat restricted to the languages langid_lexicon
 * reports (and the confusers textcat has: tt uk bg az-Cyrl), for the
 * side-by-side figures of tests/bench/bench_langid.sh and
 * tests/eval/langid_eval.py.
 *
 *   bench_textcat bench FILE [SECONDS]   MB/s, one classification per line (paragraph)
 *   bench_textcat lines < FILE           one snippet per line -> its first guess or "und"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <textcat.h>

static const char *const langs[] = {
    "en.lm en", "ru.lm ru",           "kk.lm kk", "ky.lm ky",           "tk.lm tk",
    "uz.lm uz", "uz-Cyrl.lm uz-Cyrl", "tg.lm tg", "tr.lm tr",           "az.lm az",
    "tt.lm tt", "uk.lm uk",           "bg.lm bg", "az-Cyrl.lm az-Cyrl", NULL};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "[kk][ky]" -> "kk"; SHORT and UNKNOWN -> "und". */
static void first(const char *r, char *out, size_t n)
{
    snprintf(out, n, "und");
    if (r && r[0] == '[') {
        const char *e = strchr(r, ']');
        if (e && (size_t)(e - r - 1) < n) {
            memcpy(out, r + 1, (size_t)(e - r - 1));
            out[e - r - 1] = '\0';
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    char conf[] = "/tmp/textcat-XXXXXX";
    int fd = mkstemp(conf);
    if (fd < 0)
        return 2;
    FILE *cf = fdopen(fd, "w");
    for (const char *const *l = langs; *l; l++)
        fprintf(cf, "%s\n", *l);
    fclose(cf);
    void *h = special_textcat_Init(conf, "/usr/share/libexttextcat/");
    unlink(conf);
    if (!h) {
        fprintf(stderr, "bench_textcat: cannot load the fingerprints\n");
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    char tag[32];
    if (strcmp(argv[1], "lines") == 0) {
        while ((n = getline(&line, &cap, stdin)) >= 0) {
            first(textcat_Classify(h, line, (size_t)n), tag, sizeof tag);
            printf("%s\n", tag);
        }
    } else if (strcmp(argv[1], "bench") == 0 && argc > 2) {
        double secs = argc > 3 ? atof(argv[3]) : 3.0;
        size_t done = 0;
        double t0 = now(), el = 0;
        do {
            FILE *f = fopen(argv[2], "r");
            if (!f)
                return 2;
            while ((n = getline(&line, &cap, f)) >= 0 && (el = now() - t0) < secs) {
                if (n > 1)
                    textcat_Classify(h, line, (size_t)n);
                done += (size_t)n;
            }
            fclose(f);
            el = now() - t0;
        } while (el < secs);
        printf("textcat\t%.2f MB/s\t%zu bytes\t%.2f s\n", done / el / 1e6, done, el);
    }
    free(line);
    textcat_Done(h);
    return 0;
}
