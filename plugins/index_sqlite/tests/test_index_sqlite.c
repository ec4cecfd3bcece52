/*
 * plugins/index_sqlite/tests/test_index_sqlite.c: the built plugin, loaded
 * through the core's loader, indexing documents built with the core's
 * document model into a real WAL store, the way the supervisor does it
 * (BEGIN IMMEDIATE, cb_process, job row, COMMIT), then searched the way
 * `intake search` / `intake show` do it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "doc.h"
#include "log.h"
#include "plugin_loader.h"
#include "test.h"

#define MAX_HITS 16

struct hits {
    int n, calls, stop_after;
    char id[MAX_HITS][65];
    char snippet[MAX_HITS][512];
    char name[MAX_HITS][128];
    char lang[MAX_HITS][16];
    char mime[MAX_HITS][64];
    double score[MAX_HITS];
    uint64_t size[MAX_HITS];
    uint32_t pages[MAX_HITS];
    int64_t ingested[MAX_HITS];
    int has_snippet[MAX_HITS], has_name[MAX_HITS];
    char *text; /* of the first hit, when asked for */
    int text_null;
};

struct fixture {
    struct intake_loaded_plugin *p;
    struct intake_config *cfg;
    void *options; /* the config struct the option table filled */
    void *inst, *worker;
    struct intake_context ctx;
    char store[64];
    sqlite3 *db; /* plays the core's connection */
};

static int collect(void *user, const struct intake_hit *h)
{
    struct hits *r = user;
    r->calls++;
    if (r->n < MAX_HITS) {
        int i = r->n++;
        snprintf(r->id[i], sizeof r->id[i], "%s", h->doc_id ? h->doc_id : "");
        r->has_snippet[i] = h->snippet != NULL;
        snprintf(r->snippet[i], sizeof r->snippet[i], "%s", h->snippet ? h->snippet : "");
        r->has_name[i] = h->source_name != NULL;
        snprintf(r->name[i], sizeof r->name[i], "%s", h->source_name ? h->source_name : "");
        snprintf(r->lang[i], sizeof r->lang[i], "%s", h->lang ? h->lang : "");
        snprintf(r->mime[i], sizeof r->mime[i], "%s", h->mime ? h->mime : "");
        r->score[i] = h->score;
        r->size[i] = h->size;
        r->pages[i] = h->pages;
        r->ingested[i] = h->ingested;
        if (i == 0) {
            r->text_null = h->text == NULL;
            r->text = h->text ? strdup(h->text) : NULL;
        }
    }
    return r->stop_after && r->calls >= r->stop_after;
}

static void hits_clear(struct hits *r)
{
    free(r->text);
    memset(r, 0, sizeof *r);
}

static int search(struct fixture *f, const char *text, const char *lang, uint32_t limit,
                  uint32_t offset, struct hits *r, struct intake_error *err)
{
    struct intake_query q = {.text = text, .lang = lang, .limit = limit, .offset = offset};
    hits_clear(r);
    intake_error_clear(err);
    return f->p->desc.cb_search(f->inst, &q, collect, r, err);
}

static int fetch(struct fixture *f, const char *id, uint32_t flags, struct hits *r,
                 struct intake_error *err)
{
    struct intake_query q = {.doc_id = id, .limit = 10, .flags = flags};
    hits_clear(r);
    intake_error_clear(err);
    return f->p->desc.cb_search(f->inst, &q, collect, r, err);
}

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        TEST_NOTE("sqlite: %s: %s", sql, msg ? msg : "?");
    sqlite3_free(msg);
    return rc;
}

static long long count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static struct intake_doc *make_doc(const char *orig, const char *red, const char *lang,
                                   const char *name, const struct intake_span *ents, size_t n)
{
    struct intake_doc *doc = intake_doc_create(orig, strlen(orig), "text/plain");
    char num[32];
    if (!doc)
        return NULL;
    intake_doc_add_page(doc, orig, strlen(orig), NULL);
    intake_doc_set_lang(doc, lang, NULL);
    if (red)
        intake_doc_set_redaction(doc, red, strlen(red), ents, n);
    if (name)
        intake_doc_set_source_name(doc, name);
    snprintf(num, sizeof num, "%zu", strlen(orig));
    intake_doc_meta_set(doc, "size", num, NULL);
    intake_doc_meta_set(doc, "pages", "1", NULL);
    return doc;
}

/*
 * What the supervisor does for one finished document: BEGIN IMMEDIATE,
 * hand the connection over, cb_process, mark the job, then \p end
 * ("COMMIT" or "ROLLBACK"); any error rolls back.
 */
static int index_doc_end(struct fixture *f, struct intake_doc *doc, const char *end,
                         struct intake_error *err)
{
    intake_error_clear(err);
    if (exec(f->db, "BEGIN IMMEDIATE") != SQLITE_OK)
        return -100;
    f->ctx.store_db = f->db;
    int rc = f->p->desc.cb_process(f->inst, f->worker, doc, err);
    f->ctx.store_db = NULL;
    if (rc == 0) {
        sqlite3_stmt *st = NULL;
        sqlite3_prepare_v2(f->db, "INSERT OR REPLACE INTO jobs(sha256, state) VALUES (?1, 'done')",
                           -1, &st, NULL);
        sqlite3_bind_text(st, 1, intake_doc_id(doc), -1, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    exec(f->db, rc == 0 ? end : "ROLLBACK");
    return rc;
}

static int index_text(struct fixture *f, const char *orig, const char *red, const char *lang,
                      const char *name, const struct intake_span *ents, size_t n, char id[65])
{
    struct intake_error err;
    struct intake_doc *doc = make_doc(orig, red, lang, name, ents, n);
    int rc = index_doc_end(f, doc, "COMMIT", &err);
    if (rc)
        TEST_NOTE("index: %s", err.msg);
    if (id)
        snprintf(id, 65, "%s", intake_doc_id(doc));
    intake_doc_destroy(doc);
    return rc;
}

static int file_contains(const char *path, const char *needle)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    size_t cap = 1 << 20, len = 0, nl = strlen(needle);
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len, fp)) > 0) {
        len += got;
        if (len == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(fp);
    int found = 0;
    for (size_t i = 0; !found && len >= nl && i <= len - nl; i++)
        found = memcmp(buf + i, needle, nl) == 0;
    free(buf);
    return found;
}

static int setup(struct fixture *f, const char *conf)
{
    const char *so = getenv("INDEX_SQLITE_SO");
    struct intake_error err;
    memset(f, 0, sizeof *f);
    intake_error_clear(&err);
    if (intake_plugin_load(so, NULL, &f->p, &err) != 0) {
        TEST_NOTE("load: %s", err.msg);
        return -1;
    }
    if (intake_config_parse("test.conf", conf, &f->cfg, &err) != 0) {
        TEST_NOTE("config: %s", err.msg);
        return -1;
    }
    static const char *const core_keys[] = {"type", "log_level", "enabled", NULL};
    f->options = calloc(1, f->p->desc.config_size);
    int rc = intake_options_apply(f->cfg, intake_config_section(f->cfg, "index"),
                                  f->p->desc.options, core_keys, f->options, &err);
    if (rc) {
        TEST_NOTE("options: %s", err.msg);
        return rc;
    }
    snprintf(f->store, sizeof f->store, "/tmp/intake-ix-XXXXXX");
    if (!mkdtemp(f->store))
        return -1;
    f->ctx.type = "index_sqlite";
    f->ctx.name = "index";
    f->ctx.id = 1;
    f->ctx.level = INTAKE_LOG_WARN;
    f->ctx.store_dir = f->store;
    if ((rc = f->p->desc.cb_init(intake_core_host(), &f->ctx, f->options, &f->inst, &err)) ||
        (f->p->desc.cb_worker_init &&
         (rc = f->p->desc.cb_worker_init(f->inst, &f->worker, &err)))) {
        TEST_NOTE("init: %s", err.msg);
        return rc;
    }
    char path[128];
    snprintf(path, sizeof path, "%s/intake.db", f->store);
    if (sqlite3_open_v2(path, &f->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK)
        return -1;
    exec(f->db, "PRAGMA journal_mode = WAL");
    exec(f->db, "CREATE TABLE IF NOT EXISTS jobs(sha256 TEXT PRIMARY KEY, state TEXT)");
    return 0;
}

static void teardown(struct fixture *f)
{
    char cmd[128];
    if (f->db)
        sqlite3_close_v2(f->db);
    if (f->p) {
        if (f->worker && f->p->desc.cb_worker_exit)
            f->p->desc.cb_worker_exit(f->inst, f->worker);
        if (f->inst)
            f->p->desc.cb_exit(f->inst);
        intake_options_clear(f->p->desc.options, f->options);
    }
    free(f->options);
    intake_config_destroy(f->cfg);
    intake_plugin_unload(f->p);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->store);
    if (f->store[0] && system(cmd) != 0)
        TEST_NOTE("could not remove %s", f->store);
}

/* ------------------------------------------------------------------ */

static const char ru_orig[] =
    "Потерпевшая Иванова Жанна сообщила, что её вывезли из Алматы в Москву. "
    "ИИН 900101400123. Потерпевшая опознала вербовщика Сидорова.";
static const char ru_red[] =
    "Потерпевшая [PERSON-1] сообщила, что её вывезли из Алматы в Москву. "
    "ИИН \xE2\x96\x88\xE2\x96\x88\xE2\x96\x88\xE2\x96\x88. Потерпевшая опознала вербовщика "
    "[PERSON-2].";
static const char kk_orig[] =
    "Жәбірленуші Сұлтанова Айгүл Алматы қаласында тұрады. Куәгер Ахметов трафикинг туралы айтты.";
static const char kk_red[] =
    "Жәбірленуші [PERSON-1] Алматы қаласында тұрады. Куәгер [PERSON-2] трафикинг туралы айтты.";
static const char en3[] = "Human trafficking case. The trafficking network moved the victim "
                          "[PERSON-1]. Trafficking charges were filed.";
static const char en4[] =
    "A long report on labour migration, seasonal work, wages, housing, transport, visas, "
    "recruitment agencies, contracts, and one mention of trafficking near the end of a very "
    "long paragraph about employment conditions in agriculture and construction.";
static const char en5[] = "This document tests phrase search behaviour.";
static const char en6[] = "Terms to search, and one phrase elsewhere. Contact e-mail [EMAIL-1].";

static void test_refusals(struct fixture *f)
{
    struct intake_error err;
    struct intake_doc *doc = make_doc("x y", "x y", "en", NULL, NULL, 0);

    intake_error_clear(&err);
    int rc = f->p->desc.cb_process(f->inst, f->worker, doc, &err);
    TEST_EQ_INT(rc, INTAKE_EINVAL, "no store connection: EINVAL");
    TEST_OK(strstr(err.msg, "no store connection") != NULL, "... says why: %s", err.msg);

    f->ctx.store_db = f->db; /* autocommit: no transaction open */
    intake_error_clear(&err);
    rc = f->p->desc.cb_process(f->inst, f->worker, doc, &err);
    f->ctx.store_db = NULL;
    TEST_EQ_INT(rc, INTAKE_EINVAL, "outside a transaction: EINVAL");
    TEST_OK(strstr(err.msg, "transaction") != NULL, "... says why: %s", err.msg);
    intake_doc_destroy(doc);

    doc = make_doc("never anonymised", NULL, "en", NULL, NULL, 0);
    rc = index_doc_end(f, doc, "COMMIT", &err);
    TEST_EQ_INT(rc, INTAKE_EINVAL, "no redacted text: refused (fail closed)");
    TEST_OK(strstr(err.msg, "redacted") != NULL, "... says why: %s", err.msg);
    intake_doc_destroy(doc);
}

static void test_search(struct fixture *f, char ids[][65])
{
    struct intake_error err;
    struct hits r = {0};
    int rc;

    rc = search(f, "потерпевшая", NULL, 10, 0, &r, &err);
    TEST_EQ_INT(rc, 0, "Cyrillic word: %s", err.msg);
    TEST_EQ_INT(r.n, 1, "... one hit");
    TEST_EQ_STR(r.id[0], ids[0], "... the Russian statement");
    TEST_OK(strstr(r.snippet[0], "\x02Потерпевшая\x03") != NULL, "snippet marks the match");
    TEST_OK(r.score[0] > 0, "score is positive (negated bm25)");
    TEST_EQ_STR(r.name[0], "[PERSON-1]_показания.txt", "hit has the redacted source name");
    TEST_EQ_STR(r.lang[0], "ru", "hit has the language");
    TEST_OK(r.text_null, "no text unless asked for");

    rc = search(f, "ПОТЕРПЕВШАЯ", NULL, 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 1, "Cyrillic case folding");

    rc = search(f, "Алматы", NULL, 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 2, "Алматы in two documents (%d)", r.n);
    rc = search(f, "Алматы", "kk", 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 1 && strcmp(r.id[0], ids[1]) == 0, "lang=kk keeps the Kazakh one");
    rc = search(f, "Алматы", "ru", 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 1 && strcmp(r.id[0], ids[0]) == 0, "lang=ru keeps the Russian one");
    rc = search(f, "Алматы", "uz", 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 0, "lang=uz: nothing");

    rc = search(f, "қаласында", NULL, 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 1 && strcmp(r.id[0], ids[1]) == 0, "Kazakh word with қ");
    rc = search(f, "Жәбірленуші", NULL, 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 1, "Kazakh word with ә, і");
    rc = search(f, "ИИН", NULL, 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 1 && strcmp(r.id[0], ids[0]) == 0, "ИИН");

    /* cross-script: the Kazakh трафикинг is found by its Latin spelling */
    rc = search(f, "trafficking", NULL, 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 3, "trafficking finds трафикинг too (%d)", r.n);
    /* ranking: three mentions in a short text beat one in a long text */
    rc = search(f, "trafficking", "en", 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 2, "trafficking: two documents (%d)", r.n);
    TEST_EQ_STR(r.id[0], ids[2], "... the one about trafficking ranks first");
    TEST_EQ_STR(r.id[1], ids[3], "... the passing mention second");
    TEST_OK(r.score[0] > r.score[1], "... scores descend (%g > %g)", r.score[0], r.score[1]);

    rc = search(f, "trafficking", "en", 1, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 1 && strcmp(r.id[0], ids[2]) == 0, "limit 1, offset 0");
    rc = search(f, "trafficking", "en", 1, 1, &r, &err);
    TEST_OK(rc == 0 && r.n == 1 && strcmp(r.id[0], ids[3]) == 0, "limit 1, offset 1");
    rc = search(f, "trafficking", "en", 1, 2, &r, &err);
    TEST_OK(rc == 0 && r.n == 0, "offset past the end");
    rc = search(f, "trafficking", "en", 0, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 2, "limit 0 means no limit");
    hits_clear(&r);
    r.stop_after = 1;
    struct intake_query q = {.text = "trafficking", .limit = 10};
    rc = f->p->desc.cb_search(f->inst, &q, collect, &r, &err);
    TEST_OK(rc == 0 && r.calls == 1, "emit returning non-zero stops the search");

    /* the query language */
    static const struct {
        const char *q;
        int n;
    } cases[] = {
        {"\"phrase search\"", 1},
        {"phrase AND search", 2},
        {"phrase search", 2},
        {"phrase OR вербовщика", 3},
        {"phrase NOT behaviour", 1},
        {"traffick*", 3}, /* with трафикинг */
        {"потерпев*", 1},
        {"(phrase OR Москву) AND search", 2},
        {"NEAR(phrase search, 1)", 1},
        {"NEAR(search phrase, 2)", 2},
        {"e-mail", 1},
        {"[PERSON-1]", 3},
        {"[PERSON-1]*", 3},
        {"PERSON", 3},
        {"Алматы, Москву", 1},
        {"name:показания", 1},
        {"text:показания", 0},
        {"http://example.org/x", 0},
        {"+7 (701) 555-12-34", 0},
        {"Потерпевшая (Алматы OR зебру)", 1},
        {"(phrase) search", 2},
        {"(phrase OR terms)(search)", 2},
        {"name:(показания OR kuager)", 2},
        {"Алматы name:(kuager)", 1},
        {"Алматы name:kuager", 1},
        {"NEAR(phrase search, 1) behaviour", 1},
        {"*", -1},
        {"- -- ^ +", 0},
        {"and or not", 0},
        {"\"phrase \"\"search\"", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rc = search(f, cases[i].q, NULL, 10, 0, &r, &err);
        if (cases[i].n < 0) {
            TEST_EQ_INT(rc, INTAKE_EINVAL, "query `%s`: EINVAL (%s)", cases[i].q, err.msg);
            continue;
        }
        TEST_EQ_INT(rc, 0, "query `%s` runs: %s", cases[i].q, err.msg);
        TEST_EQ_INT(r.n, cases[i].n, "query `%s`: %d hits", cases[i].q, cases[i].n);
    }
    rc = search(f, "\"phrase search\"", NULL, 10, 0, &r, &err);
    TEST_EQ_STR(r.id[0], ids[4], "phrase: the document with the words in order");
    rc = search(f, "name:показания", NULL, 10, 0, &r, &err);
    TEST_OK(strstr(r.snippet[0], "\x02показания\x03") != NULL,
            "a match in the name gives a snippet of the name: %s", r.snippet[0]);

    /* malformed queries are the user's mistake: EINVAL, one line */
    static const struct {
        const char *q, *expect;
    } bad[] = {
        {"\"unbalanced", "malformed query: unterminated string"},
        {"AND", "malformed query: fts5: syntax error near \"AND\""},
        {"foo NOT", "malformed query: fts5: syntax error at end of query"},
        {"(a OR", "malformed query"},
        {"NEAR(", "malformed query"},
        {"a AND\nAND b", "malformed query"},
        {"", "malformed query: no words to search for"},
        {"   ", "malformed query: no words to search for"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rc = search(f, bad[i].q, NULL, 10, 0, &r, &err);
        TEST_EQ_INT(rc, INTAKE_EINVAL, "malformed query %zu is EINVAL", i);
        TEST_OK(strstr(err.msg, bad[i].expect) == err.msg, "... message '%s' starts with '%s'",
                err.msg, bad[i].expect);
        TEST_OK(strchr(err.msg, '\n') == NULL, "... one line");
    }
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    rc = search(f, big, NULL, 10, 0, &r, &err);
    TEST_EQ_INT(rc, INTAKE_EINVAL, "a query over 4096 bytes is refused");
    for (size_t i = 0; i < sizeof big - 1; i += 2)
        big[i] = i % 6 ? '(' : ',';
    big[4095] = '\0';
    rc = search(f, big, NULL, 10, 0, &r, &err);
    TEST_EQ_INT(rc, INTAKE_EINVAL, "4 kB of punctuation: malformed, no overflow");

    /* Random queries from the characters the translation cares about:
     * every one either runs or is EINVAL, never a crash or an overflow. */
    static const char alphabet[] = "ab*():,\"^+- ANDORNEAR\xD0\x90";
    unsigned seed = 12345;
    int odd = 0;
    for (int i = 0; i < 3000; i++) {
        char qs[4097];
        size_t n = (size_t)(i < 2990 ? i % 24 : 4096);
        for (size_t k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            qs[k] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        qs[n] = '\0';
        rc = search(f, qs, NULL, 3, 0, &r, &err);
        if (rc != 0 && rc != INTAKE_EINVAL) {
            odd++;
            TEST_NOTE("query `%s`: %d %s", qs, rc, err.msg);
        }
    }
    TEST_EQ_INT(odd, 0, "3000 random queries: each runs or is EINVAL");
    hits_clear(&r);
}

struct facets {
    int n;
    long long total, lang_en, entity_person, entities_person, year;
};

static int collect_facet(void *user, const char *facet, const char *value, uint64_t count)
{
    struct facets *fc = user;
    fc->n++;
    if (strcmp(facet, "total") == 0)
        fc->total = (long long)count;
    else if (strcmp(facet, "lang") == 0 && strcmp(value, "en") == 0)
        fc->lang_en = (long long)count;
    else if (strcmp(facet, "entity") == 0 && strcmp(value, "PERSON") == 0)
        fc->entity_person = (long long)count;
    else if (strcmp(facet, "entities") == 0 && strcmp(value, "PERSON") == 0)
        fc->entities_person = (long long)count;
    else if (strcmp(facet, "year") == 0)
        fc->year += (long long)count;
    return 0;
}

static int search2(struct fixture *f, const char *text, uint32_t sort, uint32_t flags,
                   struct facets *fc, struct hits *r, struct intake_error *err)
{
    struct intake_query q = {
        text, NULL, NULL, 10, 0, INTAKE_QUERY_V1_2 | flags, 0, sort, 0, fc ? collect_facet : NULL,
        fc};
    hits_clear(r);
    if (fc)
        memset(fc, 0, sizeof *fc);
    intake_error_clear(err);
    return f->p->desc.cb_search(f->inst, &q, collect, r, err);
}

/* The query language's filters, sorting, facets (ABI 1.2). */
static void test_query_language(struct fixture *f, char ids[][65])
{
    struct intake_error err;
    struct hits r = {0};
    struct facets fc;
    int rc;
    char y[64];
    struct tm tm;
    time_t now = time(NULL);
    gmtime_r(&now, &tm);
    static const struct {
        const char *q;
        int n;
    } cases[] = {
        {"Алматы lang:kk", 1},
        {"Алматы lang:ru,kk", 2},
        {"lang:en", 4},
        {"lang:en phrase", 2},
        {"has:PERSON", 1},
        {"has:person Алматы", 1},
        {"has:PHONE", 0},
        {"type:plain", 6},
        {"type:text/plain", 6},
        {"type:pdf", 0},
        {"source:[PERSON-1]", 1},
        {"source:\"kuager\"", 1},
        {"source:report phrase", 0},
        {"year:1999", 0},
        {"year:1999..2999", 6},
        {"date:2000-01-01..", 6},
        {"date:..2000-01", 0},
        {"trafficking sort:date", 3},
        {"потерпевшей", 1}, /* stem */
        {"Almaty", 2},      /* cross-script */
        {"[PERSON-2]", 2},
        {"PERSON-2", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rc = search2(f, cases[i].q, 0, 0, NULL, &r, &err);
        TEST_EQ_INT(rc, 0, "query `%s` runs: %s", cases[i].q, err.msg);
        TEST_EQ_INT(r.n, cases[i].n, "query `%s`: %d hits", cases[i].q, cases[i].n);
    }
    snprintf(y, sizeof y, "year:%04d", tm.tm_year + 1900);
    rc = search2(f, y, 0, 0, NULL, &r, &err);
    TEST_OK(rc == 0 && r.n == 6, "%s: everything ingested this year (%d)", y, r.n);
    rc = search2(f, "lang:kk", 0, 0, NULL, &r, &err);
    TEST_OK(rc == 0 && r.n == 1 && strcmp(r.id[0], ids[1]) == 0, "filter only: the Kazakh one");
    TEST_OK(strstr(r.snippet[0], "Жәбірленуші") == r.snippet[0], "... its beginning as snippet");

    rc = search2(f, "trafficking lang:en", INTAKE_SORT_RELEVANCE, 0, NULL, &r, &err);
    TEST_OK(rc == 0 && r.n == 2 && strcmp(r.id[0], ids[2]) == 0, "relevance: the dense one first");

    rc = search2(f, "", 0, 0, NULL, &r, &err);
    TEST_EQ_INT(rc, INTAKE_EINVAL, "empty query without INTAKE_QUERY_ALL: EINVAL");
    rc = search2(f, "", 0, INTAKE_QUERY_ALL, &fc, &r, &err);
    TEST_OK(rc == 0 && r.n == 6, "INTAKE_QUERY_ALL lists every document (%d)", r.n);
    TEST_EQ_INT(fc.total, 6, "... facet total");
    TEST_EQ_INT(fc.lang_en, 4, "... facet lang en");
    TEST_EQ_INT(fc.entity_person, 1, "... one document with a PERSON");
    TEST_EQ_INT(fc.entities_person, 2, "... two PERSON entities in all");
    TEST_EQ_INT(fc.year, 6, "... years add up");
    rc = search2(f, "Алматы", 0, 0, &fc, &r, &err);
    TEST_OK(rc == 0 && fc.total == 2 && r.n == 2, "facets of a word query (total %lld)", fc.total);

    static const struct {
        const char *q, *expect;
    } bad[] = {
        {"lang:", "malformed query: lang: needs a value"},
        {"has:SECRET", "malformed query: has: unknown entity type 'SECRET'"},
        {"year:20x", "malformed query: year: wants a year"},
        {"date:2024-13", "malformed query: date: wants"},
        {"date:2024..2020", "malformed query: date: wants"},
        {"sort:size", "malformed query: sort: is relevance or date"},
        {"(a OR lang:ru)", "malformed query: lang: is a filter and goes outside parentheses"},
        {"lang:ru lang:kk", "malformed query: lang: given twice"},
        {"source:\"open", "malformed query: source: has an unterminated"},
        {"lang:r\"u", "malformed query"},
        {"AND lang:ru", "malformed query: fts5: syntax error"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rc = search2(f, bad[i].q, 0, 0, NULL, &r, &err);
        TEST_EQ_INT(rc, INTAKE_EINVAL, "`%s` is EINVAL", bad[i].q);
        TEST_OK(strstr(err.msg, bad[i].expect) == err.msg && !strchr(err.msg, '\n'),
                "... one line: '%s'", err.msg);
    }
    hits_clear(&r);
}

/* A store written by 0.1 (unicode61) is migrated at the next document. */
static void test_migration(void)
{
    struct fixture f;
    if (setup(&f, "[index]\ntype = index_sqlite\n")) {
        TEST_OK(0, "migration fixture");
        teardown(&f);
        return;
    }
    exec(f.db, "CREATE TABLE documents (doc_id TEXT PRIMARY KEY NOT NULL CHECK (length(doc_id) = "
               "64), fts_rowid INTEGER NOT NULL UNIQUE, source_name TEXT, mime TEXT, lang TEXT "
               "NOT NULL, size INTEGER, pages INTEGER, ingested INTEGER NOT NULL, entity_counts "
               "TEXT NOT NULL);"
               "CREATE VIRTUAL TABLE documents_fts USING fts5(text, name, tokenize = 'unicode61 "
               "remove_diacritics 2');"
               "INSERT INTO documents_fts(rowid, text, name) VALUES (7, 'Свидетельница "
               "приехала в Ашхабад.', 'old.txt');"
               "INSERT INTO documents VALUES ('"
               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 7, 'old.txt', "
               "'text/plain', 'ru', 10, 1, 1700000000, '{}');");
    struct hits r = {0};
    struct intake_error err;
    int rc = search(&f, "свидетельницы", NULL, 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 0, "a version 1 store is searchable, without stems");
    TEST_EQ_INT(index_text(&f, "new original", "a new document", "en", NULL, NULL, 0, NULL), 0,
                "indexing into a version 1 store migrates it");
    rc = search(&f, "свидетельницы", NULL, 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 1, "... the old row now has stems (%s)", err.msg);
    rc = search(&f, "Ashgabat", NULL, 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 1, "... and keys");
    TEST_EQ_INT(count(f.db, "SELECT value FROM index_meta WHERE key = 'schema_version'"), 2,
                "... schema_version 2");
    exec(f.db, "UPDATE index_meta SET value = '9' WHERE key = 'schema_version'");
    rc = search(&f, "Ashgabat", NULL, 10, 0, &r, &err);
    TEST_OK(rc == INTAKE_ECONFIG && strstr(err.msg, "newer"), "a newer schema is refused: %s",
            err.msg);
    hits_clear(&r);
    teardown(&f);
}

static void test_fetch(struct fixture *f, char ids[][65], time_t t0)
{
    struct intake_error err;
    struct hits r = {0};
    int rc = fetch(f, ids[0], INTAKE_QUERY_WITH_TEXT, &r, &err);
    TEST_EQ_INT(rc, 0, "fetch by id: %s", err.msg);
    TEST_EQ_INT(r.n, 1, "... one document");
    TEST_EQ_STR(r.text, ru_red, "... its whole redacted text");
    TEST_EQ_STR(r.name[0], "[PERSON-1]_показания.txt", "... source name");
    TEST_EQ_STR(r.mime[0], "text/plain", "... mime");
    TEST_EQ_INT(r.size[0], strlen(ru_orig), "... size of the original");
    TEST_EQ_INT(r.pages[0], 1, "... pages");
    TEST_OK(r.ingested[0] >= t0 && r.ingested[0] <= time(NULL) + 1, "... ingested time");
    TEST_OK(!r.has_snippet[0], "... no snippet");
    rc = fetch(f, ids[2], 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 1 && r.text_null, "fetch without WITH_TEXT: no text");
    TEST_OK(!r.has_name[0], "... a document without a name has a NULL name");
    char upper[65];
    for (int i = 0; i < 65; i++)
        upper[i] = (char)(ids[0][i] >= 'a' && ids[0][i] <= 'f' ? ids[0][i] - 32 : ids[0][i]);
    rc = fetch(f, upper, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 1, "upper-case id is the same document");
    rc = fetch(f, "0000000000000000000000000000000000000000000000000000000000000000", 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 0, "unknown id: no hit, no error");
    rc = fetch(f, "../../etc/passwd", 0, &r, &err);
    TEST_EQ_INT(rc, INTAKE_EINVAL, "malformed id: EINVAL (%s)", err.msg);
    hits_clear(&r);
}

static void test_reindex_and_rollback(struct fixture *f, char ids[][65])
{
    struct intake_error err;
    struct hits r = {0};
    char id[65];
    long long docs = count(f->db, "SELECT count(*) FROM documents");
    long long fts = count(f->db, "SELECT count(*) FROM documents_fts");

    /* Re-run of the Russian document (e.g. after a crash, or a new policy). */
    static const char ru_red2[] = "Потерпевшая [PERSON-1] упомянула зебру.";
    int rc = index_text(f, ru_orig, ru_red2, "ru", "[PERSON-1]_показания.txt", NULL, 0, id);
    TEST_EQ_INT(rc, 0, "re-index the same document");
    TEST_EQ_STR(id, ids[0], "... same id");
    TEST_EQ_INT(count(f->db, "SELECT count(*) FROM documents"), docs, "... no new documents row");
    TEST_EQ_INT(count(f->db, "SELECT count(*) FROM documents_fts"), fts, "... no new text row");
    rc = search(f, "вербовщика", NULL, 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 0, "... the old text is gone");
    rc = search(f, "зебру", NULL, 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 1 && strcmp(r.id[0], ids[0]) == 0, "... the new text is found");
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM documents WHERE doc_id = '%s' AND entity_counts = '{}'", id);
    TEST_EQ_INT(count(f->db, sql), 1, "... entity counts replaced too");
    rc = search(f, "Потерпевшая", NULL, 10, 0, &r, &err);
    TEST_EQ_INT(r.n, 1, "... still one hit for a word in both versions");

    /* Rollback: the core's transaction fails after cb_process. */
    struct intake_doc *doc =
        make_doc("rollback original", "rollback zanzibar", "en", NULL, NULL, 0);
    rc = index_doc_end(f, doc, "ROLLBACK", &err);
    TEST_EQ_INT(rc, 0, "cb_process inside a transaction that is then rolled back");
    intake_doc_destroy(doc);
    rc = search(f, "zanzibar", NULL, 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 0, "rolled back: not searchable");
    TEST_EQ_INT(count(f->db, "SELECT count(*) FROM documents"), docs, "rolled back: no row");

    /* Isolation: a search sees only committed documents. */
    doc = make_doc("pending original", "pending quokka", "en", NULL, NULL, 0);
    exec(f->db, "BEGIN IMMEDIATE");
    f->ctx.store_db = f->db;
    rc = f->p->desc.cb_process(f->inst, f->worker, doc, &err);
    f->ctx.store_db = NULL;
    TEST_EQ_INT(rc, 0, "cb_process in an open transaction");
    rc = search(f, "quokka", NULL, 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 0, "uncommitted: a concurrent search does not see it");
    exec(f->db, "COMMIT");
    rc = search(f, "quokka", NULL, 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 1, "committed: found");
    intake_doc_destroy(doc);

    /* Another writer holds the lock: the index write is BUSY -> ERETRY. */
    char path[128];
    sqlite3 *other = NULL;
    snprintf(path, sizeof path, "%s/intake.db", f->store);
    sqlite3_open_v2(path, &other, SQLITE_OPEN_READWRITE, NULL);
    exec(other, "BEGIN IMMEDIATE");
    doc = make_doc("busy original", "busy wombat", "en", NULL, NULL, 0);
    exec(f->db, "BEGIN"); /* deferred: takes the write lock only when cb_process writes */
    f->ctx.store_db = f->db;
    intake_error_clear(&err);
    rc = f->p->desc.cb_process(f->inst, f->worker, doc, &err);
    f->ctx.store_db = NULL;
    TEST_EQ_INT(rc, INTAKE_ERETRY, "locked store: ERETRY (%s)", err.msg);
    TEST_OK(strstr(err.msg, "locked") != NULL, "... with SQLite's reason");
    exec(f->db, "ROLLBACK");
    exec(other, "ROLLBACK");
    sqlite3_close_v2(other);
    rc = index_doc_end(f, doc, "COMMIT", &err);
    TEST_EQ_INT(rc, 0, "... and the retry succeeds");
    intake_doc_destroy(doc);
    hits_clear(&r);
}

static void test_no_original(struct fixture *f)
{
    char path[160];
    exec(f->db, "PRAGMA wal_checkpoint(TRUNCATE)");
    const char *canaries[] = {"Иванова", "Сидорова", "900101400123", "Сұлтанова", "Ахметов"};
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/intake.db%s", f->store, k ? "-wal" : "");
        for (size_t i = 0; i < sizeof canaries / sizeof canaries[0]; i++)
            TEST_OK(!file_contains(path, canaries[i]), "original value %zu not in %s", i,
                    k ? "the WAL" : "the database");
    }
    snprintf(path, sizeof path, "%s/intake.db", f->store);
    TEST_OK(file_contains(path, "[PERSON-1]_показания.txt"), "the redacted name is there");
}

static void test_store_errors(struct fixture *f)
{
    struct intake_error err;
    struct hits r = {0};
    const char *saved = f->ctx.store_dir;
    char empty[] = "/tmp/intake-ix-empty-XXXXXX";
    if (!mkdtemp(empty))
        return;
    f->ctx.store_dir = empty;
    int rc = search(f, "trafficking", NULL, 10, 0, &r, &err);
    TEST_EQ_INT(rc, INTAKE_EIO, "empty store directory: EIO");
    TEST_OK(strncmp(err.msg, "no store at ", 12) == 0, "... '%s'", err.msg);
    rc = fetch(f, "0000000000000000000000000000000000000000000000000000000000000000", 0, &r, &err);
    TEST_EQ_INT(rc, INTAKE_EIO, "... fetch too");

    /* A store the core created, where nothing was indexed yet. */
    char path[160];
    sqlite3 *db = NULL;
    snprintf(path, sizeof path, "%s/intake.db", empty);
    sqlite3_open(path, &db);
    exec(db, "PRAGMA journal_mode = WAL; CREATE TABLE jobs(sha256 TEXT PRIMARY KEY, state TEXT)");
    sqlite3_close(db);
    rc = search(f, "trafficking", NULL, 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 0, "store without index tables: no hits, no error (%s)", err.msg);

    FILE *fp = fopen(path, "wb");
    fputs("this is not a database, not at all, not even close; padding padding padding", fp);
    fclose(fp);
    rc = search(f, "trafficking", NULL, 10, 0, &r, &err);
    TEST_EQ_INT(rc, INTAKE_EIO, "not a database: EIO (%s)", err.msg);
    unlink(path);
    snprintf(path, sizeof path, "%s/intake.db-wal", empty);
    unlink(path);
    snprintf(path, sizeof path, "%s/intake.db-shm", empty);
    unlink(path);
    rmdir(empty);

    f->ctx.store_dir = NULL;
    rc = search(f, "trafficking", NULL, 10, 0, &r, &err);
    TEST_EQ_INT(rc, INTAKE_EINVAL, "no store directory: EINVAL");
    f->ctx.store_dir = saved;
    hits_clear(&r);
}

static void test_options(void)
{
    struct intake_loaded_plugin *p = NULL;
    struct intake_config *cfg = NULL;
    struct intake_error err;
    static const char *const core_keys[] = {"type", NULL};
    intake_plugin_load(getenv("INDEX_SQLITE_SO"), NULL, &p, &err);
    intake_config_parse("t.conf", "[index]\ntype = index_sqlite\nsnippet_tokens = 65\n", &cfg,
                        &err);
    void *o = calloc(1, p->desc.config_size);
    int rc = intake_options_apply(cfg, intake_config_section(cfg, "index"), p->desc.options,
                                  core_keys, o, &err);
    TEST_EQ_INT(rc, INTAKE_ECONFIG, "snippet_tokens above FTS5's 64 is refused (%s)", err.msg);
    intake_options_clear(p->desc.options, o);
    free(o);
    intake_config_destroy(cfg);
    TEST_EQ_INT(p->desc.stage, INTAKE_STAGE_INDEX, "index stage");
    TEST_OK(p->desc.flags & INTAKE_PLUGIN_F_SINGLE_WORKER, "single worker");
    TEST_OK(p->desc.cb_search != NULL, "has cb_search");
    intake_plugin_unload(p);
}

int main(void)
{
    if (!getenv("INDEX_SQLITE_SO")) {
        printf("1..0 # SKIP INDEX_SQLITE_SO not set\n");
        return 0;
    }
    struct fixture f;
    time_t t0 = time(NULL);
    int rc = setup(&f, "[index]\ntype = index_sqlite\nsnippet_tokens = 12\n");
    TEST_EQ_INT(rc, 0, "plugin loads, options apply, instance and worker start");
    if (rc) {
        teardown(&f);
        return test_done();
    }
    test_options();
    test_migration();
    test_refusals(&f);

    /* The first document of a fresh store is rolled back, schema and all:
     * the next one must still find (re-create) its tables. */
    struct intake_error err0;
    struct intake_doc *first = make_doc("first original", "first aardvark", "en", NULL, NULL, 0);
    TEST_EQ_INT(index_doc_end(&f, first, "ROLLBACK", &err0), 0, "first document, rolled back");
    intake_doc_destroy(first);
    TEST_EQ_INT(count(f.db, "SELECT count(*) FROM sqlite_master WHERE name = 'documents'"), 0,
                "... its schema is gone with it");

    /* offsets into the original text, as the core hands them over */
    uint64_t a = (uint64_t)(strstr(ru_orig, "Иванова") - ru_orig);
    uint64_t b = (uint64_t)(strstr(ru_orig, "900101400123") - ru_orig);
    uint64_t c = (uint64_t)(strstr(ru_orig, "Сидорова") - ru_orig);
    struct intake_span ru_ents[] = {
        {a, a + strlen("Иванова Жанна"), INTAKE_LABEL_PERSON, 1, 0.9f, 0, 0},
        {b, b + 12, INTAKE_LABEL_NATIONAL_ID, 2, 1.0f, 0, 0},
        {c, c + strlen("Сидорова"), INTAKE_LABEL_PERSON, 1, 0.8f, 0, 0},
    };
    char ids[6][65];
    TEST_EQ_INT(
        index_text(&f, ru_orig, ru_red, "ru", "[PERSON-1]_показания.txt", ru_ents, 3, ids[0]), 0,
        "index the Russian statement");
    TEST_EQ_INT(index_text(&f, kk_orig, kk_red, "kk", "kuager.txt", NULL, 0, ids[1]), 0,
                "index the Kazakh statement");
    TEST_EQ_INT(index_text(&f, en3, en3, "en", NULL, NULL, 0, ids[2]), 0, "index en 3");
    TEST_EQ_INT(index_text(&f, en4, en4, "en", "report.txt", NULL, 0, ids[3]), 0, "index en 4");
    TEST_EQ_INT(index_text(&f, en5, en5, "en", "five.txt", NULL, 0, ids[4]), 0, "index en 5");
    TEST_EQ_INT(index_text(&f, en6, en6, "en", "six.txt", NULL, 0, ids[5]), 0, "index en 6");
    TEST_EQ_INT(count(f.db, "SELECT count(*) FROM documents"), 6, "six documents rows");
    TEST_EQ_INT(count(f.db, "SELECT count(*) FROM documents_fts"), 6, "six text rows");
    TEST_EQ_INT(count(f.db, "SELECT count(*) FROM jobs WHERE state = 'done'"), 6,
                "the core's job rows committed alongside");
    TEST_EQ_INT(count(f.db, "SELECT count(*) FROM documents WHERE entity_counts ="
                            " '{\"PERSON\":2,\"NATIONAL_ID\":1}'"),
                1, "entity counts stored as JSON");
    TEST_EQ_INT(count(f.db, "SELECT count(*) FROM documents WHERE size IS NOT NULL AND pages = 1"),
                6, "size and pages stored");

    test_search(&f, ids);
    test_query_language(&f, ids);
    test_fetch(&f, ids, t0);
    test_reindex_and_rollback(&f, ids);
    test_no_original(&f);
    test_store_errors(&f);

    /* The core may reopen its connection: the schema check follows it. */
    char path[128];
    snprintf(path, sizeof path, "%s/intake.db", f.store);
    sqlite3_close_v2(f.db);
    struct hits r = {0};
    struct intake_error err;
    rc = search(&f, "quokka", NULL, 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 1, "search with no writer open (WAL files gone): %s", err.msg);
    sqlite3_open_v2(path, &f.db, SQLITE_OPEN_READWRITE, NULL);
    rc = index_text(&f, "reopened original", "reopened platypus", "en", NULL, NULL, 0, NULL);
    TEST_EQ_INT(rc, 0, "index on a reopened connection");
    rc = search(&f, "platypus", NULL, 10, 0, &r, &err);
    TEST_OK(rc == 0 && r.n == 1, "... found");
    hits_clear(&r);

    teardown(&f);
    return test_done();
}
