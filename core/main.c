/*
 * core/main.c: the command line (DESIGN.md, "Command line").
 *
 * Exit codes: 0 all done; 1 some files quarantined (refused); 2 usage or
 * config error. Errors are one line on stderr naming the file and the reason.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "anonymise.h"
#include "batch.h"
#include "watch.h"
#include "doc.h"
#include "engine.h"
#include "engine_internal.h"
#include "log.h"
#include "plugin_loader.h"
#include "serve.h"

#ifndef INTAKE_DEFAULT_CONFIG
#define INTAKE_DEFAULT_CONFIG "/usr/local/etc/intake/intake.conf"
#endif

#define EXIT_QUARANTINED 1
#define EXIT_USAGE       2

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: intake <command> [options]\n"
        "\n"
        "  intake batch   [--store DIR] [--config FILE] [--jobs N] [--known-names FILE] PATH...\n"
        "  intake search  [--store DIR] [--json] [--limit N] [--offset N] [--lang CODE]\n"
        "                 [--sort relevance|date] [--facets] QUERY\n"
        "  intake show    [--store DIR] DOC_ID\n"
        "  intake serve   [--store DIR] [--listen 127.0.0.1:8080] [--token FILE]\n"
        "  intake redact  [--config FILE] [--format text|spans|json] FILE\n"
        "  intake plugins [--config FILE] [NAME]\n"
        "  intake watch   [--store DIR] [--config FILE] INBOX...\n"
        "  intake status  [--store DIR] [--json]\n"
        "  intake version\n"
        "\n"
        "Common options: --config FILE (default $INTAKE_CONFIG, else %s),\n"
        "  --store DIR (default $INTAKE_STORE, else ./intake-store),\n"
        "  -v/--verbose (repeat for debug, trace), -q/--quiet.\n"
        "--known-names FILE: names known in the case (one person a line), redacted in\n"
        "  every inflection, script and spelling whatever the score.\n"
        "Plugins are loaded from $INTAKE_PLUGIN_PATH (colon-separated), else the\n"
        "config's [pipeline] plugin_dir.\n",
        INTAKE_DEFAULT_CONFIG);
}

static const char *config_path(const char *opt)
{
    if (opt)
        return opt;
    const char *env = getenv("INTAKE_CONFIG");
    return env && *env ? env : INTAKE_DEFAULT_CONFIG;
}

/* Read a whole file; errors name the file, never its content. */
static int read_file(const char *path, unsigned char **out, size_t *len, struct intake_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return INTAKE_ERR(err, INTAKE_EIO, "%s", strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return INTAKE_ERR(err, INTAKE_EIO, "not a regular file");
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    unsigned char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "file too large for memory");
    }
    for (;;) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap) {
            if (ferror(f)) {
                free(buf);
                fclose(f);
                return INTAKE_ERR(err, INTAKE_EIO, "read error");
            }
            break;
        }
        unsigned char *nb = realloc(buf, cap * 2); /* the file grew while we read it */
        if (!nb) {
            free(buf);
            fclose(f);
            return INTAKE_ERR(err, INTAKE_ENOMEM, "file too large for memory");
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    *out = buf;
    *len = n;
    return INTAKE_OK;
}

static json_object *score_json(float score)
{
    char s[16];
    snprintf(s, sizeof s, "%.3g", (double)score);
    return json_object_new_double_s((double)score, s);
}

static json_object *entity_json(const struct intake_engine *e, const struct intake_entity *en)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "start", json_object_new_int64((int64_t)en->start));
    json_object_object_add(o, "end", json_object_new_int64((int64_t)en->end));
    json_object_object_add(o, "type", json_object_new_string(intake_label_name(en->label)));
    json_object_object_add(o, "score", score_json(en->score));
    json_object_object_add(o, "detector",
                           json_object_new_string(intake_engine_instance_name(e, en->source)));
    if (en->cues) { /* what made the detector say so, for the reviewer and the eval harness */
        json_object *c = json_object_new_array();
        for (unsigned i = 0; i < INTAKE_CUE_COUNT; i++)
            if (en->cues & (1u << i))
                json_object_array_add(c, json_object_new_string(intake_cue_name(i)));
        json_object_object_add(o, "cues", c);
    }
    return o;
}

static const int json_flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;

/* redact: each descendant as {id, name (redacted), mime, language, text
 * (redacted)} in the array \p user. */
static int collect_child(void *user, struct intake_doc *c, const struct intake_doc *parent)
{
    (void)parent;
    size_t tl = 0;
    const char *t = intake_doc_redacted_text(c, &tl);
    const char *name = intake_doc_source_name(c);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(intake_doc_id(c)));
    json_object_object_add(o, "name", json_object_new_string(name ? name : ""));
    json_object_object_add(o, "mime", json_object_new_string(intake_doc_mime(c)));
    json_object_object_add(o, "language", json_object_new_string(intake_doc_lang(c)));
    json_object_object_add(o, "text", json_object_new_string_len(t, (int)tl));
    json_object_array_add(user, o);
    return 0;
}

static int cmd_redact(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"format", required_argument, 0, 'f'},
        {"verbose", no_argument, 0, 'v'},      {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *cfg = NULL, *format = "text";
    int c;
    while ((c = getopt_long(argc, argv, "c:f:vqh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': cfg = optarg; break;
        case 'f': format = optarg; break;
        case 'v': intake_log_set_level(intake_log_get_level() + 1); break;
        case 'q': intake_log_set_level(INTAKE_LOG_ERROR); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (strcmp(format, "text") && strcmp(format, "spans") && strcmp(format, "json")) {
        fprintf(stderr, "intake: --format must be text, spans or json\n");
        return EXIT_USAGE;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "intake: redact takes exactly one FILE\n");
        return EXIT_USAGE;
    }
    const char *file = argv[optind];
    struct intake_error err;
    intake_error_clear(&err);
    struct intake_engine *e = NULL;
    if (intake_engine_create(config_path(cfg), NULL, &e, &err) ||
        intake_engine_worker_init(e, &err)) {
        fprintf(stderr, "intake: %s\n", err.msg);
        intake_engine_destroy(e);
        return EXIT_USAGE;
    }
    unsigned char *bytes = NULL;
    size_t len = 0;
    struct intake_doc *doc = NULL;
    struct intake_redaction red = {0};
    int rc = read_file(file, &bytes, &len, &err);
    if (rc == 0)
        rc = intake_engine_run(e, bytes, len, &doc, &err);
    if (bytes) {
        explicit_bzero(bytes, len);
        free(bytes);
    }
    size_t ntext = 0, nspans = 0;
    const char *text = doc ? intake_doc_text(doc, &ntext) : NULL;
    const struct intake_span *spans = doc ? intake_doc_spans(doc, &nspans) : NULL;
    if (rc == 0)
        rc = intake_anonymise(text, ntext, spans, nspans, intake_engine_policy(e), &red, &err);
    json_object *children = json_object_new_array();
    if (rc == 0) {
        const char *slash = strrchr(file, '/');
        /* any failure fails the whole file: nothing of it is printed */
        rc = intake_engine_each_child(e, doc, slash ? slash + 1 : file, collect_child, children,
                                      &err);
    }
    if (rc) {
        json_object_put(children);
        intake_redaction_clear(&red);
        /* Fail closed: nothing of the document is printed. */
        fprintf(stderr, "intake: %s: %s\n", file, err.msg);
        intake_doc_destroy(doc);
        intake_engine_destroy(e);
        return rc == INTAKE_ECONFIG ? EXIT_USAGE : EXIT_QUARANTINED;
    }
    if (strcmp(format, "text") == 0) {
        fwrite(red.text, 1, red.len, stdout);
        for (size_t i = 0; i < json_object_array_length(children); i++) {
            json_object *ch = json_object_array_get_idx(children, i), *v;
            printf("\n\n=== %s ===\n",
                   json_object_object_get_ex(ch, "name", &v) ? json_object_get_string(v) : "");
            if (json_object_object_get_ex(ch, "text", &v))
                fwrite(json_object_get_string(v), 1, (size_t)json_object_get_string_len(v), stdout);
        }
    } else if (strcmp(format, "spans") == 0) {
        for (size_t i = 0; i < red.nentities; i++) {
            json_object *o = entity_json(e, &red.entities[i]);
            printf("%s\n", json_object_to_json_string_ext(o, json_flags));
            json_object_put(o);
        }
    } else {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(intake_doc_id(doc)));
        json_object_object_add(o, "mime", json_object_new_string(intake_doc_mime(doc)));
        json_object_object_add(o, "lang", json_object_new_string(intake_doc_lang(doc)));
        json_object_object_add(o, "language", json_object_new_string(intake_doc_lang(doc)));
        /* Language blocks: byte offsets into the extracted text, as spans. */
        size_t nblocks = 0;
        const struct intake_block *bl = intake_doc_blocks(doc, &nblocks);
        json_object *blocks = json_object_new_array();
        for (size_t i = 0; i < nblocks; i++) {
            json_object *b = json_object_new_object();
            json_object_object_add(b, "start", json_object_new_int64((int64_t)bl[i].start));
            json_object_object_add(b, "end", json_object_new_int64((int64_t)bl[i].end));
            json_object_object_add(b, "lang", json_object_new_string(bl[i].lang));
            json_object_object_add(b, "script", json_object_new_string(bl[i].script));
            json_object_object_add(b, "confidence",
                                   json_object_new_double((double)bl[i].confidence));
            json_object_array_add(blocks, b);
        }
        json_object_object_add(o, "blocks", blocks);
        json_object_object_add(o, "bytes", json_object_new_int64((int64_t)len));
        json_object_object_add(o, "pages", json_object_new_int((int)intake_doc_page_count(doc)));
        json_object *meta = json_object_new_object();
        const char *k, *v;
        /* Only metadata that describes the file, never free text from it. */
        for (size_t i = 0; intake_doc_meta_at(doc, i, &k, &v); i++)
            if (strcmp(k, "encoding") == 0)
                json_object_object_add(meta, k, json_object_new_string(v));
        json_object_object_add(o, "meta", meta);
        json_object *counts = json_object_new_object();
        unsigned per[INTAKE_LABEL_COUNT] = {0};
        for (size_t i = 0; i < red.nentities; i++)
            per[red.entities[i].label]++;
        for (uint32_t l = 1; l < INTAKE_LABEL_COUNT; l++)
            if (per[l])
                json_object_object_add(counts, intake_label_name(l),
                                       json_object_new_int((int)per[l]));
        json_object_object_add(o, "entity_counts", counts);
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < red.nentities; i++) {
            json_object *en = entity_json(e, &red.entities[i]);
            json_object_object_add(en, "action",
                                   json_object_new_string(intake_op_name(red.entities[i].op)));
            json_object_array_add(arr, en);
        }
        json_object_object_add(o, "entities", arr);
        json_object_object_add(o, "text", json_object_new_string_len(red.text, (int)red.len));
        json_object_object_add(o, "children", json_object_get(children));
        printf("%s\n", json_object_to_json_string_ext(o, json_flags));
        json_object_put(o);
    }
    json_object_put(children);
    int out_err = fflush(stdout) != 0 || ferror(stdout);
    intake_redaction_clear(&red);
    intake_doc_destroy(doc);
    intake_engine_destroy(e);
    if (out_err) {
        fprintf(stderr, "intake: %s: cannot write output: %s\n", file, strerror(errno));
        return EXIT_QUARANTINED;
    }
    return 0;
}

static void print_options(const struct intake_option *o)
{
    static const char *const tn[] = {"",         "str",  "int",  "bool",  "size",
                                     "duration", "list", "path", "number"};
    if (!o || !o->type) {
        printf("  (no options)\n");
        return;
    }
    for (; o->type; o++)
        printf("  %-18s %-9s default %-12s %s%s\n", o->name, o->type <= 8 ? tn[o->type] : "?",
               (o->flags & INTAKE_OPT_SENSITIVE) ? "(hidden)" : (o->def ? o->def : "-"),
               o->description ? o->description : "",
               (o->flags & INTAKE_OPT_REQUIRED) ? " (required)" : "");
}

static const char *store_path(const char *opt)
{
    if (opt)
        return opt;
    const char *env = getenv("INTAKE_STORE");
    return env && *env ? env : "intake-store";
}

static int cmd_batch(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"store", required_argument, 0, 's'},
        {"jobs", required_argument, 0, 'j'},   {"known-names", required_argument, 0, 'K'},
        {"verbose", no_argument, 0, 'v'},      {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *cfg = NULL, *store = NULL;
    char known[4200] = "";
    int jobs = 0, c;
    char *end;
    while ((c = getopt_long(argc, argv, "c:s:j:vqh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': cfg = optarg; break;
        case 's': store = optarg; break;
        case 'K': {
            /* Absolute, so that workers and log lines agree on it. */
            char real[4096];
            if (!realpath(optarg, real)) {
                fprintf(stderr, "intake: --known-names %s: %s\n", optarg, strerror(errno));
                return EXIT_USAGE;
            }
            snprintf(known, sizeof known, "known_names=%s", real);
            break;
        }
        case 'j':
            jobs = (int)strtol(optarg, &end, 10);
            if (*end || jobs < 1 || jobs > 256) {
                fprintf(stderr, "intake: --jobs must be 1..256\n");
                return EXIT_USAGE;
            }
            break;
        case 'v': intake_log_set_level(intake_log_get_level() + 1); break;
        case 'q': intake_log_set_level(INTAKE_LOG_ERROR); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "intake: batch needs at least one PATH\n");
        return EXIT_USAGE;
    }
    struct intake_batch_opts o = {.config_path = config_path(cfg),
                                  .store_dir = store_path(store),
                                  .jobs = jobs,
                                  .paths = argv + optind,
                                  .npaths = argc - optind};
    const char *overrides[] = {known, NULL};
    if (known[0])
        o.overrides = overrides;
    return intake_batch_run(&o);
}

static int cmd_watch(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"store", required_argument, 0, 's'},
        {"verbose", no_argument, 0, 'v'},      {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *cfg = NULL, *store = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "c:s:vqh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': cfg = optarg; break;
        case 's': store = optarg; break;
        case 'v': intake_log_set_level(intake_log_get_level() + 1); break;
        case 'q': intake_log_set_level(INTAKE_LOG_ERROR); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    /* No INBOX: the config's [watch] inbox list. */
    struct intake_watch_opts o = {.config_path = config_path(cfg),
                                  .store_dir = store_path(store),
                                  .inboxes = argv + optind,
                                  .ninboxes = argc - optind};
    return intake_watch_run(&o);
}

static int cmd_status(int argc, char **argv)
{
    static const struct option opts[] = {{"store", required_argument, 0, 's'},
                                         {"json", no_argument, 0, 'J'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *store = NULL;
    int c, json = 0;
    while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
        switch (c) {
        case 's': store = optarg; break;
        case 'J': json = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "intake: status takes no arguments\n");
        return EXIT_USAGE;
    }
    return intake_status_run(store_path(store), json);
}

struct search_out {
    int json, tty, n;
};

/* --facets: one line per facet value before the hits. */
static int print_facet(void *user, const char *facet, const char *value, uint64_t count)
{
    struct search_out *o = user;
    if (o->json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "facet", json_object_new_string(facet));
        json_object_object_add(j, "value", json_object_new_string(value));
        json_object_object_add(j, "count", json_object_new_int64((int64_t)count));
        printf("%s\n", json_object_to_json_string_ext(j, json_flags));
        json_object_put(j);
    } else {
        printf("# %s %s %llu\n", facet, value, (unsigned long long)count);
    }
    return 0;
}

/* Matches arrive between \x02 and \x03: bold on a terminal, **x** elsewhere. */
static void render_snippet(char *dst, size_t cap, const char *s, int tty)
{
    size_t n = 0;
    for (; s && *s && n + 8 < cap; s++) {
        const char *rep = NULL;
        if (*s == '\x02')
            rep = tty ? "\033[1m" : "**";
        else if (*s == '\x03')
            rep = tty ? "\033[0m" : "**";
        else if (*s == '\n' || *s == '\r' || *s == '\t')
            rep = " ";
        if (rep) {
            size_t l = strlen(rep);
            memcpy(dst + n, rep, l);
            n += l;
        } else {
            dst[n++] = *s;
        }
    }
    dst[n] = '\0';
}

static int print_hit(void *user, const struct intake_hit *h)
{
    struct search_out *o = user;
    o->n++;
    if (o->json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "id", json_object_new_string(h->doc_id));
        json_object_object_add(j, "source",
                               h->source_name ? json_object_new_string(h->source_name) : NULL);
        json_object_object_add(j, "mime", json_object_new_string(h->mime ? h->mime : ""));
        json_object_object_add(j, "lang", json_object_new_string(h->lang ? h->lang : "und"));
        json_object_object_add(j, "score", json_object_new_double(h->score));
        json_object_object_add(j, "size", json_object_new_int64((int64_t)h->size));
        json_object_object_add(j, "pages", json_object_new_int((int)h->pages));
        json_object_object_add(j, "ingested", json_object_new_int64(h->ingested));
        char snip[4096];
        render_snippet(snip, sizeof snip, h->snippet, 0);
        json_object_object_add(j, "snippet", json_object_new_string(snip));
        printf("%s\n", json_object_to_json_string_ext(j, json_flags));
        json_object_put(j);
        return 0;
    }
    char snip[4096];
    render_snippet(snip, sizeof snip, h->snippet, o->tty);
    printf("%d. %s  %.12s  %s  %s\n   %s\n", o->n, h->source_name ? h->source_name : "(no name)",
           h->doc_id, h->lang ? h->lang : "und", h->mime ? h->mime : "", snip);
    return 0;
}

static int print_text(void *user, const struct intake_hit *h)
{
    struct search_out *o = user;
    o->n++;
    if (h->text)
        fputs(h->text, stdout);
    return 1;
}

static int cmd_search_or_show(int argc, char **argv, int show)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"store", required_argument, 0, 's'},
        {"json", no_argument, 0, 'J'},         {"limit", required_argument, 0, 'n'},
        {"offset", required_argument, 0, 'o'}, {"lang", required_argument, 0, 'l'},
        {"sort", required_argument, 0, 'S'},   {"facets", no_argument, 0, 'F'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    uint32_t sort = INTAKE_SORT_RELEVANCE;
    int facets = 0;
    const char *cfg = NULL, *store = NULL, *lang = NULL;
    long limit = 10, offset = 0;
    int json = 0, c;
    char *end;
    while ((c = getopt_long(argc, argv, "c:s:n:o:l:Jh", opts, NULL)) != -1) {
        switch (c) {
        case 'F': facets = 1; break;
        case 'S':
            if (strcmp(optarg, "date") != 0 && strcmp(optarg, "relevance") != 0) {
                fprintf(stderr, "intake: --sort is relevance or date\n");
                return EXIT_USAGE;
            }
            sort = strcmp(optarg, "date") == 0 ? INTAKE_SORT_DATE : INTAKE_SORT_RELEVANCE;
            break;
        case 'c': cfg = optarg; break;
        case 's': store = optarg; break;
        case 'J': json = 1; break;
        case 'l': lang = optarg; break;
        case 'n':
        case 'o': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < (c == 'n' ? 1 : 0) || v > 100000) {
                fprintf(stderr, "intake: --%s must be a number\n", c == 'n' ? "limit" : "offset");
                return EXIT_USAGE;
            }
            *(c == 'n' ? &limit : &offset) = v;
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "intake: %s takes exactly one %s\n", show ? "show" : "search",
                show ? "DOC_ID" : "QUERY (quote it)");
        return EXIT_USAGE;
    }
    struct intake_error err;
    intake_error_clear(&err);
    struct intake_engine *e = NULL;
    if (intake_engine_create(config_path(cfg), NULL, &e, &err)) {
        fprintf(stderr, "intake: %s\n", err.msg);
        return EXIT_USAGE;
    }
    intake_engine_set_store(e, store_path(store));
    struct intake_query q = {.limit = (uint32_t)limit, .offset = (uint32_t)offset, .lang = lang};
    if (show) {
        q.doc_id = argv[optind];
        q.limit = 1;
        q.flags = INTAKE_QUERY_WITH_TEXT;
    } else {
        q.text = argv[optind];
    }
    struct search_out o = {.json = json, .tty = isatty(STDOUT_FILENO)};
    if (!show) {
        q.flags |= INTAKE_QUERY_V1_2;
        q.sort = sort;
        q.facet = facets ? print_facet : NULL;
        q.facet_user = &o;
    }
    int rc = intake_engine_search(e, &q, show ? print_text : print_hit, &o, &err);
    intake_engine_destroy(e);
    if (rc) {
        fprintf(stderr, "intake: %s\n", err.msg);
        return EXIT_USAGE;
    }
    if (show && o.n == 0) {
        fprintf(stderr, "intake: no document %s in %s\n", argv[optind], store_path(store));
        return EXIT_QUARANTINED;
    }
    if (!show && !json && o.n == 0)
        fprintf(stderr, "intake: no matches\n");
    return 0;
}

static int cmd_plugins(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *cfg = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': cfg = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    const char *only = optind < argc ? argv[optind] : NULL;
    struct intake_error err;
    intake_error_clear(&err);
    struct intake_engine *e = NULL;
    if (intake_engine_create(config_path(cfg), NULL, &e, &err)) {
        fprintf(stderr, "intake: %s\n", err.msg);
        return EXIT_USAGE;
    }
    /* Everything installed in the plugin path, loaded with the same checks. */
    printf("%-18s %-8s %-8s %s\n", "PLUGIN", "STAGE", "VERSION", "SUMMARY");
    int bad = 0, shown = 0;
    char *path = strdup(e->plugin_path);
    for (char *save = NULL, *dir = strtok_r(path, ":", &save); dir;
         dir = strtok_r(NULL, ":", &save)) {
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *de;
        while ((de = readdir(d))) {
            size_t n = strlen(de->d_name);
            if (n < 4 || strcmp(de->d_name + n - 3, ".so") != 0)
                continue;
            char full[PATH_MAX];
            snprintf(full, sizeof full, "%s/%s", dir, de->d_name);
            struct intake_loaded_plugin *p = NULL;
            if (intake_plugin_load(full, NULL, &p, &err)) {
                fprintf(stderr, "intake: %s\n", err.msg);
                bad = 1;
                continue;
            }
            if (!only || strcmp(only, p->desc.name) == 0) {
                printf("%-18s %-8s %-8s %s\n", p->desc.name, intake_stage_name(p->desc.stage),
                       p->desc.version ? p->desc.version : "-",
                       p->desc.description ? p->desc.description : "");
                if (only)
                    print_options(p->desc.options);
                shown++;
            }
            intake_plugin_unload(p);
        }
        closedir(d);
    }
    free(path);
    if (!only) {
        printf("\n%-18s %-18s %s\n", "INSTANCE", "TYPE", "STAGE");
        for (size_t i = 0; i < e->ninstances; i++)
            printf("%-18s %-18s %s\n", e->instances[i].ctx.name, e->instances[i].ctx.type,
                   intake_stage_name(e->instances[i].plugin->desc.stage));
        printf("\npolicy:");
        const struct intake_policy *pol = intake_engine_policy(e);
        for (uint32_t l = 1; l < INTAKE_LABEL_COUNT; l++)
            printf(" %s=%s", intake_label_name(l), intake_op_name(pol->op[l]));
        printf("\n");
    } else if (!shown) {
        fprintf(stderr, "intake: plugin '%s' not found in %s\n", only, e->plugin_path);
        bad = 1;
    }
    intake_engine_destroy(e);
    return bad ? EXIT_USAGE : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    /* Subcommand parsers see argv[1..]. */
    argc--;
    argv++;
    /* Tesseract's OpenMP pool oversubscribes the cores (~7x slower measured):
     * parallelism comes from worker processes instead. */
    setenv("OMP_THREAD_LIMIT", "1", 0);
    if (strcmp(cmd, "batch") == 0)
        return cmd_batch(argc, argv);
    if (strcmp(cmd, "serve") == 0) {
#ifdef INTAKE_HAVE_SERVE
        return intake_serve_main(argc, argv, INTAKE_DEFAULT_CONFIG);
#else
        fprintf(stderr, "intake: serve is not in this build (libmicrohttpd was not found)\n");
        return EXIT_USAGE;
#endif
    }
    if (strcmp(cmd, "watch") == 0)
        return cmd_watch(argc, argv);
    if (strcmp(cmd, "status") == 0)
        return cmd_status(argc, argv);
    if (strcmp(cmd, "search") == 0)
        return cmd_search_or_show(argc, argv, 0);
    if (strcmp(cmd, "show") == 0)
        return cmd_search_or_show(argc, argv, 1);
    if (strcmp(cmd, "redact") == 0)
        return cmd_redact(argc, argv);
    if (strcmp(cmd, "plugins") == 0)
        return cmd_plugins(argc, argv);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("intake %s (plugin ABI %d.%d)\n", INTAKE_VERSION, INTAKE_PLUGIN_ABI_MAJOR,
               INTAKE_PLUGIN_ABI_MINOR);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "intake: unknown command '%s'\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
