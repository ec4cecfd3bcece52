/*
 * dn_spans [--min-score X] [--no-propagate] [--bench] FILE...: the PERSON
 * spans detect_names finds in each UTF-8 text file, one JSON object per
 * line, in the format of `intake redact --format spans` plus the person
 * key and the cues:
 *   {"start":12,"end":27,"type":"PERSON","score":0.92,"detector":"detect_names",
 *    "key":"9f...","cues":"first,surname","file":"a.txt"}
 * Byte offsets; never prints the text. With --bench, prints only the
 * throughput (MB/s, processing time alone) on stderr.
 * Used by eval_synthetic.py and for debugging.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dn_engine.h"
#include "mock_host.h"

int intake_plugin_entry_detect_names(const struct intake_host *host,
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

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    struct intake_error err;
    intake_error_clear(&err);
    double min = 0.0;
    int i = 1, bench = 0, prop = 1;
    const char *dict = NULL;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--min-score") == 0 && i + 1 < argc)
            min = atof(argv[++i]);
        else if (strcmp(argv[i], "--bench") == 0)
            bench = 1;
        else if (strcmp(argv[i], "--no-propagate") == 0)
            prop = 0;
        else if (strcmp(argv[i], "--dictionaries") == 0 && i + 1 < argc)
            dict = argv[++i];
        else
            break;
    }
    if (i >= argc) {
        fprintf(
            stderr,
            "usage: %s [--min-score X] [--no-propagate] [--dictionaries DIR] [--bench] FILE...\n",
            argv[0]);
        return 2;
    }
    const struct intake_plugin *p;
    void *in = NULL, *wk = NULL;
    if (harness_load(intake_plugin_entry_detect_names, &p) != INTAKE_OK) {
        fprintf(stderr, "load failed\n");
        return 2;
    }
    /* the option defaults, as the core would fill them */
    char *cfg = calloc(1, p->config_size);
    for (const struct intake_option *o = p->options; o->type != INTAKE_OPT_END; o++)
        if (strcmp(o->name, "propagate") == 0) {
            int32_t v = prop;
            memcpy(cfg + o->offset, &v, sizeof v);
        } else if (strcmp(o->name, "dictionaries") == 0 && dict)
            memcpy(cfg + o->offset, &dict, sizeof dict);
    if (p->cb_init(harness_host(), NULL, cfg, &in, &err) || p->cb_worker_init(in, &wk, &err)) {
        fprintf(stderr, "init failed: %s\n", err.msg);
        free(cfg);
        return 2;
    }
    int many = argc - i > 1, status = 0;
    double t_total = 0;
    size_t bytes = 0;
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
        if (d && bench)
            harness_doc_count_only(d, 1);
        double t0 = now();
        if (!d || p->cb_process(in, wk, d, &err) != INTAKE_OK) {
            fprintf(stderr, "%s: %s\n", argv[i], d ? err.msg : "out of memory");
            harness_doc_destroy(d);
            status = 1;
            continue;
        }
        t_total += now() - t0;
        bytes += got;
        size_t ns;
        const struct intake_span *sp = harness_doc_spans(d, &ns);
        for (size_t k = 0; !bench && k < ns; k++) {
            if (sp[k].score < min)
                continue;
            printf("{\"start\":%llu,\"end\":%llu,\"type\":\"%s\",\"score\":%.2f,"
                   "\"detector\":\"detect_names\",\"key\":\"%016llx\"",
                   (unsigned long long)sp[k].start, (unsigned long long)sp[k].end,
                   intake_label_name(sp[k].label), (double)sp[k].score,
                   (unsigned long long)sp[k].key);
            printf(",\"cues\":\"");
            for (unsigned c = 0, first = 1; c < INTAKE_CUE_COUNT; c++)
                if (sp[k].cues & (1u << c)) {
                    printf("%s%s", first ? "" : ",", intake_cue_name(c));
                    first = 0;
                }
            printf("\"");
            if (many) {
                printf(",\"file\":");
                json_str(argv[i]);
            }
            printf("}\n");
        }
        if (bench)
            fprintf(stderr, "%s: %zu spans\n", argv[i], ns);
        harness_doc_destroy(d);
    }
    if (bench)
        fprintf(stderr, "%zu bytes in %.3f s: %.1f MB/s\n", bytes, t_total,
                t_total > 0 ? (double)bytes / 1e6 / t_total : 0.0);
    p->cb_worker_exit(in, wk);
    p->cb_exit(in);
    free(cfg);
    return status;
}
