/*
 * dp_spans [--min-score X] [--kinds] FILE...: the spans detect_patterns finds in each
 * UTF-8 text file, one JSON object per line, in the format of
 * `intake redact --format spans`:
 *   {"start":12,"end":27,"type":"PHONE","score":0.93,"detector":"detect_patterns"}
 * With several files each line also carries "file"; with --kinds, the rule
 * that matched ("kind", see dp_validate.h). Byte offsets.
 * Used by tests/bench/eval_patterns.py before the intake binary exists, and
 * for debugging (prints offsets only, never the text).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_engine.h"
#include "mock_host.h"

int intake_plugin_entry_detect_patterns(const struct intake_host *host,
                                        const struct intake_plugin **out);

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

int main(int argc, char **argv)
{
    struct intake_error err;
    intake_error_clear(&err);
    double min = 0.0;
    int i = 1, kinds = 0;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--min-score") == 0 && i + 1 < argc)
            min = atof(argv[++i]);
        else if (strcmp(argv[i], "--kinds") == 0)
            kinds = 1;
        else
            break;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: %s [--min-score X] [--kinds] FILE...\n", argv[0]);
        return 2;
    }
    /* --kinds: the engine directly, with the plugin's default settings */
    struct dp_settings set = {
        .labels = dp_labels_supported(), .window_before = 64, .window_after = 24, .min_score = 0.0};
    struct dp_alloc a = {malloc, free};
    struct dp_engine *e = NULL;
    struct dp_scanner *sc = NULL;
    if (kinds && (dp_engine_create(&set, &a, &e, &err) || dp_scanner_create(e, &sc, &err))) {
        fprintf(stderr, "engine: %s\n", err.msg);
        return 2;
    }
    const struct intake_plugin *p;
    void *in = NULL, *wk = NULL;
    if (harness_load(intake_plugin_entry_detect_patterns, &p) != INTAKE_OK ||
        p->cb_init(harness_host(), NULL, NULL, &in, &err) || p->cb_worker_init(in, &wk, &err)) {
        fprintf(stderr, "init failed: %s\n", err.msg);
        return 2;
    }
    int many = argc - i > 1, status = 0;
    for (; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "%s: cannot open\n", argv[i]);
            status = 1;
            continue;
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *buf = malloc((size_t)n + 1);
        size_t got = buf ? fread(buf, 1, (size_t)n, f) : 0;
        fclose(f);
        struct intake_doc *d = buf ? harness_doc_create(buf, got) : NULL;
        free(buf);
        if (!d || p->cb_process(in, wk, d, &err) != INTAKE_OK) {
            fprintf(stderr, "%s: %s\n", argv[i], d ? err.msg : "out of memory");
            harness_doc_destroy(d);
            status = 1;
            continue;
        }
        size_t ns, nk = 0;
        const struct intake_span *sp = harness_doc_spans(d, &ns);
        const struct dp_cand *kc = NULL;
        if (kinds) {
            size_t tl;
            const char *tx = harness_host()->doc_text(d, &tl);
            if (dp_scan(e, sc, tx, tl, NULL, 0, &kc, &nk, &err) != INTAKE_OK)
                nk = 0;
        }
        for (size_t k = 0; k < ns; k++) {
            if (sp[k].score < min)
                continue;
            printf("{\"start\":%llu,\"end\":%llu,\"type\":\"%s\",\"score\":%.2f,"
                   "\"detector\":\"detect_patterns\"",
                   (unsigned long long)sp[k].start, (unsigned long long)sp[k].end,
                   intake_label_name(sp[k].label), (double)sp[k].score);
            for (size_t q = 0; q < nk; q++)
                if (kc[q].start == sp[k].start && kc[q].end == sp[k].end &&
                    kc[q].score == sp[k].score) {
                    printf(",\"kind\":\"%s\"", dp_kind_info(kc[q].kind)->name);
                    break;
                }
            if (many) {
                printf(",\"file\":");
                json_str(argv[i]);
            }
            printf("}\n");
        }
        harness_doc_destroy(d);
    }
    dp_scanner_destroy(sc);
    dp_engine_destroy(e);
    p->cb_worker_exit(in, wk);
    p->cb_exit(in);
    return status;
}
