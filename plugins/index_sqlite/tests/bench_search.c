/*
 * plugins/index_sqlite/tests/bench_search.c: the engine of
 * tests/bench/bench_search.sh.
 *
 *   bench_search index DB TOKENIZER BULK   build a store (schema of the plugin;
 *                                          TOKENIZER intake or unicode61) from
 *                                          0x1E-separated documents, languages
 *                                          round robin en ru kk ky tk uz; prints
 *                                          "index_s <seconds>"
 *   bench_search query STORE_DIR REPS Q...  each query REPS times through the
 *                                          plugin's cb_search (limit 10, as
 *                                          `intake search`); prints latencies
 *   bench_search ids STORE_DIR Q           ids of every hit, one a line
 *
 * The plugin is loaded as the core loads it (INDEX_SQLITE_SO).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "config.h"
#include "doc.h"
#include "log.h"
#include "plugin_loader.h"
#include "tokenizer.h"

static const char *const langs[] = {"en", "ru", "kk", "ky", "tk", "uz"};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (p)
        p[n] = '\0';
    *len = (size_t)n;
    return p;
}

static int cmd_index(const char *db_path, const char *tok, const char *bulk)
{
    size_t len;
    char *text = slurp(bulk, &len);
    if (!text)
        return fprintf(stderr, "cannot read %s\n", bulk), 1;
    sqlite3 *db;
    if (sqlite3_open(db_path, &db) != SQLITE_OK)
        return 1;
    struct itok_conn *conn = NULL;
    int intake = strcmp(tok, "intake") == 0;
    if (intake && itok_register(db, &conn) != SQLITE_OK)
        return fprintf(stderr, "no tokenizer\n"), 1;
    char ddl[2048];
    snprintf(ddl, sizeof ddl,
             "PRAGMA journal_mode = WAL;"
             "CREATE TABLE documents (doc_id TEXT PRIMARY KEY NOT NULL CHECK (length(doc_id) = "
             "64), fts_rowid INTEGER NOT NULL UNIQUE, source_name TEXT, mime TEXT, lang TEXT NOT "
             "NULL, size INTEGER, pages INTEGER, ingested INTEGER NOT NULL, entity_counts TEXT "
             "NOT NULL);"
             "CREATE INDEX documents_lang ON documents(lang);"
             "CREATE INDEX documents_ingested ON documents(ingested);"
             "%s"
             "CREATE VIRTUAL TABLE documents_fts USING fts5(text, name, tokenize = '%s');",
             intake ? "CREATE TABLE index_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT "
                      "NULL); INSERT INTO index_meta VALUES ('schema_version', '2');"
                    : "",
             intake ? "intake" : "unicode61 remove_diacritics 2");
    char *msg = NULL;
    if (sqlite3_exec(db, ddl, NULL, NULL, &msg) != SQLITE_OK)
        return fprintf(stderr, "%s\n", msg), 1;
    sqlite3_stmt *fts, *doc;
    sqlite3_prepare_v2(db, "INSERT INTO documents_fts(rowid, text, name) VALUES (?1, ?2, ?3)", -1,
                       &fts, NULL);
    sqlite3_prepare_v2(db,
                       "INSERT INTO documents VALUES (printf('%064d', ?1), ?1, ?3, 'text/plain', "
                       "?2, length(?4), 1, 1700000000 + ?1 * 600, '{}')",
                       -1, &doc, NULL);
    double t0 = now();
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    long i = 0;
    for (char *p = text, *end = text + len; p < end; i++) {
        char *q = memchr(p, 0x1e, (size_t)(end - p));
        size_t n = q ? (size_t)(q - p) : (size_t)(end - p);
        const char *lang = langs[i % 6];
        char name[64];
        snprintf(name, sizeof name, "case-%ld/%s-%ld.txt", i / 100, lang, i);
        if (conn)
            snprintf(conn->lang, sizeof conn->lang, "%s", lang);
        sqlite3_bind_int64(fts, 1, i + 1);
        sqlite3_bind_text(fts, 2, p, (int)n, SQLITE_STATIC);
        sqlite3_bind_text(fts, 3, name, -1, SQLITE_STATIC);
        if (sqlite3_step(fts) != SQLITE_DONE)
            return fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db)), 1;
        sqlite3_reset(fts);
        sqlite3_bind_int64(doc, 1, i + 1);
        sqlite3_bind_text(doc, 2, lang, -1, SQLITE_STATIC);
        sqlite3_bind_text(doc, 3, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(doc, 4, p, (int)n, SQLITE_STATIC);
        if (sqlite3_step(doc) != SQLITE_DONE)
            return fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db)), 1;
        sqlite3_reset(doc);
        p += n + 1;
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    double t1 = now();
    sqlite3_finalize(fts);
    sqlite3_finalize(doc);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    sqlite3_close(db);
    printf("index_docs %ld\nindex_s %.3f\n", i, t1 - t0);
    free(text);
    return 0;
}

struct plugin {
    struct intake_loaded_plugin *p;
    struct intake_config *cfg;
    void *options, *inst;
    struct intake_context ctx;
};

static int load(struct plugin *pl, const char *store)
{
    struct intake_error err;
    memset(pl, 0, sizeof *pl);
    intake_error_clear(&err);
    if (intake_plugin_load(getenv("INDEX_SQLITE_SO"), NULL, &pl->p, &err) ||
        intake_config_parse("bench.conf", "[index]\ntype = index_sqlite\n", &pl->cfg, &err))
        return fprintf(stderr, "%s\n", err.msg), -1;
    static const char *const core_keys[] = {"type", "log_level", "enabled", NULL};
    pl->options = calloc(1, pl->p->desc.config_size);
    if (intake_options_apply(pl->cfg, intake_config_section(pl->cfg, "index"), pl->p->desc.options,
                             core_keys, pl->options, &err))
        return fprintf(stderr, "%s\n", err.msg), -1;
    pl->ctx.type = "index_sqlite";
    pl->ctx.name = "index";
    pl->ctx.id = 1;
    pl->ctx.level = INTAKE_LOG_WARN;
    pl->ctx.store_dir = store;
    if (pl->p->desc.cb_init(intake_core_host(), &pl->ctx, pl->options, &pl->inst, &err))
        return fprintf(stderr, "%s\n", err.msg), -1;
    return 0;
}

static int count_hit(void *user, const struct intake_hit *h)
{
    (void)h;
    ++*(long *)user;
    return 0;
}

static int print_id(void *user, const struct intake_hit *h)
{
    (void)user;
    printf("%s\n", h->doc_id);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmd_query(const char *store, int reps, char **qs, int nq)
{
    struct plugin pl;
    if (load(&pl, store))
        return 1;
    double *all = calloc((size_t)(reps * nq), sizeof *all);
    int na = 0;
    for (int k = 0; k < nq; k++) {
        long hits = 0;
        double *lat = calloc((size_t)reps, sizeof *lat);
        for (int r = 0; r < reps; r++) {
            struct intake_query q = {.text = qs[k], .limit = 10};
            struct intake_error err;
            intake_error_clear(&err);
            long n = 0;
            double t0 = now();
            int rc = pl.p->desc.cb_search(pl.inst, &q, count_hit, &n, &err);
            lat[r] = (now() - t0) * 1000.0;
            if (rc)
                fprintf(stderr, "query %s: %s\n", qs[k], err.msg);
            hits = n;
            all[na++] = lat[r];
        }
        qsort(lat, (size_t)reps, sizeof *lat, cmp_double);
        printf("query\t%s\t%ld hits\tmedian %.2f ms\n", qs[k], hits, lat[reps / 2]);
        free(lat);
    }
    qsort(all, (size_t)na, sizeof *all, cmp_double);
    printf("latency_median_ms %.2f\nlatency_p99_ms %.2f\n", all[na / 2],
           all[(int)((na - 1) * 0.99)]);
    free(all);
    pl.p->desc.cb_exit(pl.inst);
    return 0;
}

static int cmd_ids(const char *store, const char *qs)
{
    struct plugin pl;
    if (load(&pl, store))
        return 1;
    struct intake_query q = {.text = qs};
    struct intake_error err;
    intake_error_clear(&err);
    if (pl.p->desc.cb_search(pl.inst, &q, print_id, NULL, &err))
        return fprintf(stderr, "%s\n", err.msg), 1;
    pl.p->desc.cb_exit(pl.inst);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "index") == 0)
        return cmd_index(argv[2], argv[3], argv[4]);
    if (argc >= 5 && strcmp(argv[1], "query") == 0)
        return cmd_query(argv[2], atoi(argv[3]), argv + 4, argc - 4);
    if (argc == 4 && strcmp(argv[1], "ids") == 0)
        return cmd_ids(argv[2], argv[3]);
    fprintf(stderr, "usage: bench_search index DB intake|unicode61 BULK | query STORE REPS Q... "
                    "| ids STORE Q\n");
    return 2;
}
