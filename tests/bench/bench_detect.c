/*
 * tests/bench/bench_detect.c: throughput of the detect stage (and of each
 * detector alone) on a folder of UTF-8 text files, in one process on one
 * core, through the core's own engine: the documents are read into memory
 * first, so only intake_engine_detect() is timed.
 *
 *   bench_detect DIR SET...    SET = comma-separated plugin types, e.g.
 *                              detect_patterns  or  detect_names,detect_context
 *
 * Prints one line per SET: MB/s and documents/s.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "doc.h"
#include "engine.h"

struct text {
    char *p;
    size_t n;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int load(const char *dir, struct text **out, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    for (struct dirent *de; (de = readdir(d));) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".txt") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long sz = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *buf = malloc((size_t)sz + 1);
        if (!buf || fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
            free(buf);
            fclose(f);
            continue;
        }
        fclose(f);
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            *out = realloc(*out, cap * sizeof **out);
        }
        (*out)[(*n)++] = (struct text){buf, (size_t)sz};
    }
    closedir(d);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_detect DIR SET...\n");
        return 2;
    }
    struct text *t;
    size_t n, bytes = 0;
    if (load(argv[1], &t, &n) || !n) {
        fprintf(stderr, "bench_detect: no .txt files in %s\n", argv[1]);
        return 2;
    }
    for (size_t i = 0; i < n; i++)
        bytes += t[i].n;
    for (int a = 2; a < argc; a++) {
        char conf[2048] = "[pipeline]\nlog_level = error\n", set[512];
        snprintf(set, sizeof set, "%s", argv[a]);
        int k = 0;
        for (char *s = strtok(set, ","); s; s = strtok(NULL, ","))
            snprintf(conf + strlen(conf), sizeof conf - strlen(conf), "[d%d]\ntype = %s\n", k++, s);
        struct intake_engine *e;
        struct intake_error err;
        if (intake_engine_create(NULL, conf, &e, &err) || intake_engine_worker_init(e, &err)) {
            fprintf(stderr, "bench_detect: %s: %s\n", argv[a], err.msg);
            return 1;
        }
        /* Documents are made before the clock starts: creating one hashes
         * its bytes (SHA-256, the extract stage's cost), not detection's. */
        struct intake_doc **docs = calloc(n ? n : 1, sizeof *docs);
        for (size_t i = 0; docs && i < n; i++) {
            docs[i] = intake_doc_create(t[i].p, t[i].n, "text/plain");
            if (!docs[i] || intake_doc_add_page(docs[i], t[i].p, t[i].n, &err)) {
                fprintf(stderr, "bench_detect: document %zu: cannot create\n", i);
                return 1;
            }
        }
        if (!docs)
            return 1;
        double t0 = now();
        for (size_t i = 0; i < n; i++) {
            if (intake_engine_detect(e, docs[i], &err)) {
                fprintf(stderr, "bench_detect: document %zu: %s\n", i, err.msg);
                return 1;
            }
        }
        double dt = now() - t0;
        size_t spans = 0;
        for (size_t i = 0; i < n; i++) {
            size_t ns;
            intake_doc_spans(docs[i], &ns);
            spans += ns;
            intake_doc_destroy(docs[i]);
        }
        free(docs);
        printf("%-48s %8.2f MB/s %9.1f docs/s %8zu spans\n", argv[a], bytes / 1e6 / dt, n / dt,
               spans);
        intake_engine_destroy(e);
    }
    for (size_t i = 0; i < n; i++)
        free(t[i].p);
    free(t);
    return 0;
}
