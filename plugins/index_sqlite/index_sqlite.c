/*
 * plugins/index_sqlite/index_sqlite.c: the embedded full-text index.
 *
 * Writing (cb_process) happens in the supervisor, on the core's own
 * connection to <store>/intake.db and inside the transaction in which the
 * core marks the job done: "indexed" and "done" commit together or not at
 * all. This plugin never opens, commits or closes that connection.
 *
 * Reading (cb_search) happens in `intake search` / `intake show`, on a
 * read-only connection of its own that lives for one call.
 *
 * Only redacted material reaches this file: the redacted text, the
 * redacted source name, metadata and entity counts. doc_text is never
 * read. Every value is bound; SQL text is static, so sqlite3_errmsg()
 * can quote SQL but never a document.
 *
 * Lifetimes: the instance (options) is read-only after cb_init. There is no
 * worker state: the connection is the core's, lent for one call, and no
 * statement is kept across calls (the core may close the connection).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include <intake/intake.h>

#include "query.h"
#include "tokenizer.h"

#define INDEX_SQLITE_VERSION "0.2.0"
#define SCHEMA_VERSION       2    /* 1: unicode61 (0.1); 2: the intake tokenizer */
#define MAX_QUERY_BYTES      4096 /* longer queries are refused, not truncated */
#define DOC_ID_LEN           64

/** Options, filled by the core from the option table below. */
struct index_sqlite_config {
    int64_t snippet_tokens; /* tokens per snippet (FTS5 allows 1..64) */
    int64_t busy_timeout;   /* ms the search connection waits on a lock */
};

static const struct intake_option index_sqlite_options[] = {
    {INTAKE_OPT_INT, "snippet_tokens", "16", 0,
     offsetof(struct index_sqlite_config, snippet_tokens), "number of tokens in a search snippet",
     1, 64},
    {INTAKE_OPT_DURATION, "busy_timeout", "5s", 0,
     offsetof(struct index_sqlite_config, busy_timeout),
     "how long a search waits for a locked store before giving up", 0, 3600000},
    {0},
};

struct index_sqlite_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    int snippet_tokens;
    int busy_timeout_ms;
};

/* Worker state (the supervisor's): statements prepared once per connection.
 * Parsing the schema and four statements for every document cost more
 * than the FTS5 insert itself (measured: 0.57 ms against 0.09 ms). */
enum { ST_LOOKUP, ST_DELETE, ST_INSERT_FTS, ST_UPSERT, ST_COUNT };
struct index_sqlite_worker {
    sqlite3 *db; /* the connection the statements belong to */
    sqlite3_stmt *st[ST_COUNT];
    struct itok_conn *tok; /* the tokenizer's language slot on db */
};

static const char *const stmt_sql[ST_COUNT] = {
    "SELECT fts_rowid, lang FROM documents WHERE doc_id = ?1",
    "DELETE FROM documents_fts WHERE rowid = ?1",
    "INSERT INTO documents_fts(text, name) VALUES (?1, ?2)",
    "INSERT INTO documents(doc_id, fts_rowid, source_name, mime, lang,"
    " size, pages, ingested, entity_counts)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    " ON CONFLICT(doc_id) DO UPDATE SET fts_rowid = excluded.fts_rowid,"
    " source_name = excluded.source_name, mime = excluded.mime,"
    " lang = excluded.lang, size = excluded.size, pages = excluded.pages,"
    " ingested = excluded.ingested, entity_counts = excluded.entity_counts",
};

/*
 * The schema, created on first use through the core's connection.
 * documents.fts_rowid links a document to its row of
 * documents_fts; FTS5 stores rowids explicitly, so VACUUM keeps the link
 * (an implicit rowid of `documents` could be renumbered). The redacted text
 * is stored once, in the FTS5 table, where snippet() needs it anyway.
 */
static const char schema_sql[] = "CREATE TABLE IF NOT EXISTS documents ("
                                 " doc_id TEXT PRIMARY KEY NOT NULL CHECK (length(doc_id) = 64),"
                                 " fts_rowid INTEGER NOT NULL UNIQUE,"
                                 " source_name TEXT,"
                                 " mime TEXT,"
                                 " lang TEXT NOT NULL,"
                                 " size INTEGER,"
                                 " pages INTEGER,"
                                 " ingested INTEGER NOT NULL,"
                                 " entity_counts TEXT NOT NULL);"
                                 "CREATE INDEX IF NOT EXISTS documents_lang ON documents(lang);"
                                 "CREATE INDEX IF NOT EXISTS documents_ingested"
                                 " ON documents(ingested);"
                                 "CREATE TABLE IF NOT EXISTS index_meta ("
                                 " key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);"
                                 "INSERT OR IGNORE INTO index_meta VALUES ('schema_version', '2');"
                                 "CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5("
                                 " text, name, tokenize = 'intake');";

/* ------------------------------------------------------------------ */
/* helpers                                                            */
/* ------------------------------------------------------------------ */

/* Messages are one line: SQLite's can quote a user's query, which may hold
 * control characters. */
static void one_line(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = ' ';
}

/*
 * Translate a SQLite result code into an intake status, copying the
 * connection's message (call it right after the failing call, before any
 * finalize can overwrite the message).
 */
static int sql_error(sqlite3 *db, int rc, struct intake_error *err, const char *what)
{
    int code;
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: code = INTAKE_ERETRY; break;
    case SQLITE_NOMEM: code = INTAKE_ENOMEM; break;
    case SQLITE_TOOBIG: /* a text over SQLite's 1 GB limit: this document can't be indexed */
        code = INTAKE_EFORMAT;
        break;
    case SQLITE_FULL: code = INTAKE_ENOSPC; break; /* the store's disk: not this document */
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_PROTOCOL: code = INTAKE_EIO; break;
    default: code = INTAKE_EINTERNAL;
    }
    INTAKE_ERR(err, code, "%s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    if (err)
        one_line(err->msg);
    return code;
}

static int is_hex_id(const char *s)
{
    if (!s || strlen(s) != DOC_ID_LEN)
        return 0;
    for (size_t i = 0; i < DOC_ID_LEN; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* A non-negative decimal metadata value, or -1 when absent or malformed. */
static long long meta_number(const struct intake_host *host, const struct intake_doc *doc,
                             const char *key)
{
    const char *v = host->doc_meta_get(doc, key);
    if (!v || !*v)
        return -1;
    long long n = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9' || n > (INT64_MAX - 9) / 10)
            return -1;
        n = n * 10 + (*p - '0');
    }
    return n;
}

/* {"PERSON":3,"PHONE":1}: labels are static ASCII names, so no escaping. */
static void entity_counts_json(const struct intake_span *e, size_t n, char *buf, size_t cap)
{
    size_t counts[INTAKE_LABEL_COUNT] = {0}, other = 0;
    for (size_t i = 0; i < n; i++) {
        if (e[i].label > INTAKE_LABEL_NONE && e[i].label < INTAKE_LABEL_COUNT)
            counts[e[i].label]++;
        else
            other++;
    }
    size_t off = 0;
    off += (size_t)snprintf(buf + off, cap - off, "{");
    for (uint32_t l = 1; l < INTAKE_LABEL_COUNT && off < cap; l++)
        if (counts[l])
            off += (size_t)snprintf(buf + off, cap - off, "%s\"%s\":%zu", off > 1 ? "," : "",
                                    intake_label_name(l), counts[l]);
    if (other && off < cap)
        off += (size_t)snprintf(buf + off, cap - off, "%s\"OTHER\":%zu", off > 1 ? "," : "", other);
    if (off < cap)
        snprintf(buf + off, cap - off, "}");
}

/* ------------------------------------------------------------------ */
/* lifetimes                                                          */
/* ------------------------------------------------------------------ */

static int cb_index_sqlite_init(const struct intake_host *host, const struct intake_context *ctx,
                                const void *config, void **instance, struct intake_error *err)
{
    const struct index_sqlite_config *cfg = config;
    intake_return_val_if_fail(host && instance && cfg, INTAKE_EINVAL);
    /* UPSERT needs 3.24; the FTS5 table needs FTS5. Refuse to start rather
     * than fail on the first document. */
    if (sqlite3_libversion_number() < 3024000)
        return INTAKE_ERR(err, INTAKE_ECONFIG, "SQLite %s is too old: 3.24 or later needed",
                          sqlite3_libversion());
    if (!sqlite3_compileoption_used("ENABLE_FTS5"))
        return INTAKE_ERR(err, INTAKE_ECONFIG, "this SQLite (%s) was built without FTS5",
                          sqlite3_libversion());
    struct index_sqlite_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    in->host = host;
    in->ctx = ctx;
    in->snippet_tokens = (int)cfg->snippet_tokens;
    in->busy_timeout_ms = (int)cfg->busy_timeout;
    *instance = in;
    return INTAKE_OK;
}

static void cb_index_sqlite_exit(void *instance)
{
    struct index_sqlite_instance *in = instance;
    if (in)
        in->host->free(in);
}

/* ------------------------------------------------------------------ */
/* indexing                                                           */
/* ------------------------------------------------------------------ */

/*
 * Replace the rows of one document: drop its old FTS row (a re-run after a
 * crash, or a re-ingest), add the new one, then upsert the documents row
 * pointing at it. Runs inside the core's transaction; *wrote becomes 1
 * once a statement that changes the store has run.
 */
static int write_document(const struct index_sqlite_instance *in, struct index_sqlite_worker *w,
                          sqlite3 *db, struct intake_doc *doc, const char *id, const char *text,
                          size_t len, int *wrote, struct intake_error *err)
{
    const struct intake_host *host = in->host;
    sqlite3_stmt *st = w->st[ST_LOOKUP];
    int rc;
    sqlite3_bind_text(st, 1, id, DOC_ID_LEN, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_int64 old = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    /* the old row is deleted by tokenizing it again: with its own language */
    const char *old_lang = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 1) : NULL;
    snprintf(w->tok->lang, sizeof w->tok->lang, "%s", old_lang ? old_lang : "");
    int status = INTAKE_OK;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        status = sql_error(db, rc, err, "look up document");
    sqlite3_reset(st);
    if (status)
        return status;

    *wrote = 1;
    if (old >= 0) {
        st = w->st[ST_DELETE];
        sqlite3_bind_int64(st, 1, old);
        if ((rc = sqlite3_step(st)) != SQLITE_DONE)
            status = sql_error(db, rc, err, "delete old text");
        sqlite3_reset(st);
        if (status)
            return status;
    }

    const char *name = host->doc_source_name(doc);
    const char *lang = host->doc_lang(doc);
    snprintf(w->tok->lang, sizeof w->tok->lang, "%s", lang ? lang : "");
    st = w->st[ST_INSERT_FTS];
    sqlite3_clear_bindings(st);
    /* A failed bind would index NULL in silence: check (SQLITE_TOOBIG > 1 GB). */
    rc = sqlite3_bind_text64(st, 1, text, len, SQLITE_STATIC, SQLITE_UTF8);
    if (rc == SQLITE_OK && name)
        rc = sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK)
        status = sql_error(db, rc, err, "bind text");
    else if ((rc = sqlite3_step(st)) != SQLITE_DONE)
        status = sql_error(db, rc, err, "insert text");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st); /* drop the pointer to the text */
    if (status)
        return status;
    sqlite3_int64 fts_rowid = sqlite3_last_insert_rowid(db);

    size_t nent = 0;
    const struct intake_span *ents = host->doc_entities(doc, &nent);
    char counts[1024];
    entity_counts_json(ents, nent, counts, sizeof counts);
    long long size = meta_number(host, doc, "size"), pages = meta_number(host, doc, "pages");

    st = w->st[ST_UPSERT];
    sqlite3_clear_bindings(st);
    rc = sqlite3_bind_text(st, 1, id, DOC_ID_LEN, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, fts_rowid);
    if (rc == SQLITE_OK && name)
        rc = sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 4, host->doc_mime(doc), -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 5, host->doc_lang(doc), -1, SQLITE_STATIC);
    if (rc == SQLITE_OK && size >= 0)
        rc = sqlite3_bind_int64(st, 6, size);
    if (rc == SQLITE_OK && pages >= 0)
        rc = sqlite3_bind_int64(st, 7, pages);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 8, (sqlite3_int64)time(NULL));
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 9, counts, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK)
        status = sql_error(db, rc, err, "bind document");
    else if ((rc = sqlite3_step(st)) != SQLITE_DONE)
        status = sql_error(db, rc, err, "upsert document");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return status;
}

static void finalize_all(struct index_sqlite_worker *w)
{
    for (int i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(w->st[i]);
        w->st[i] = NULL;
    }
    w->db = NULL;
}

/*
 * The index schema of \p db: 0 none yet, 1 the unicode61 table of 0.1 (no
 * index_meta), else index_meta's schema_version.
 */
static int schema_version(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int v = 0;
    if (sqlite3_prepare_v2(db, "SELECT value FROM index_meta WHERE key = 'schema_version'", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (v)
        return v;
    st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = 'documents_fts'", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = 1;
    sqlite3_finalize(st);
    return v;
}

static int newer_schema(int v, struct intake_error *err)
{
    return INTAKE_ERR(err, INTAKE_ECONFIG,
                      "the store's index has schema version %d, newer than this intake's (%d): "
                      "use a newer intake",
                      v, SCHEMA_VERSION);
}

/*
 * Version 1 -> 2: the text of every row tokenized again, by the intake
 * tokenizer in the row's language, into a new table that takes the old
 * one's name and rowids (documents.fts_rowid stays valid). Runs in the
 * caller's transaction: a failure leaves the store as it was.
 */
static int migrate_v1(sqlite3 *db, struct index_sqlite_worker *w, struct intake_error *err)
{
    int rc = sqlite3_exec(db,
                          "DROP TABLE IF EXISTS documents_fts_v2;"
                          "CREATE VIRTUAL TABLE documents_fts_v2 USING fts5("
                          " text, name, tokenize = 'intake');",
                          NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sql_error(db, rc, err, "migrate index to schema 2");
    sqlite3_stmt *sel = NULL, *ins = NULL;
    rc = sqlite3_prepare_v2(db,
                            "SELECT f.rowid, f.text, f.name, d.lang FROM documents_fts f"
                            " LEFT JOIN documents d ON d.fts_rowid = f.rowid",
                            -1, &sel, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "INSERT INTO documents_fts_v2(rowid, text, name)"
                                " VALUES (?1, ?2, ?3)",
                                -1, &ins, NULL);
    long n = 0;
    while (rc == SQLITE_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
        const char *lang = (const char *)sqlite3_column_text(sel, 3);
        snprintf(w->tok->lang, sizeof w->tok->lang, "%s", lang ? lang : "");
        sqlite3_bind_int64(ins, 1, sqlite3_column_int64(sel, 0));
        sqlite3_bind_value(ins, 2, sqlite3_column_value(sel, 1));
        sqlite3_bind_value(ins, 3, sqlite3_column_value(sel, 2));
        rc = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK, n++;
    }
    int status = INTAKE_OK;
    if (rc != SQLITE_DONE)
        status = sql_error(db, rc, err, "migrate index to schema 2");
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    if (status)
        return status;
    rc = sqlite3_exec(db,
                      "DROP TABLE documents_fts;"
                      "ALTER TABLE documents_fts_v2 RENAME TO documents_fts;",
                      NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, schema_sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sql_error(db, rc, err, "migrate index to schema 2");
    (void)n;
    return INTAKE_OK;
}

/*
 * Statements for \p db, prepared once. A prepare fails when the schema is
 * missing (a new store, or the transaction that created it was rolled
 * back): then create it, in the caller's transaction, and prepare again.
 */
static int prepare_all(struct index_sqlite_worker *w, sqlite3 *db, struct intake_error *err)
{
    if (w->db == db && w->st[ST_COUNT - 1])
        return INTAKE_OK;
    finalize_all(w);
    int rc0 = itok_register(db, &w->tok);
    if (rc0 != SQLITE_OK)
        return sql_error(db, rc0, err, "register the intake tokenizer");
    int v = schema_version(db);
    if (v > SCHEMA_VERSION)
        return newer_schema(v, err);
    if (v == 1 && (rc0 = migrate_v1(db, w, err)) != INTAKE_OK)
        return rc0;
    for (int attempt = 0; attempt < 2; attempt++) {
        int rc = SQLITE_OK;
        for (int i = 0; i < ST_COUNT && rc == SQLITE_OK; i++)
            rc =
                sqlite3_prepare_v3(db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &w->st[i], NULL);
        if (rc == SQLITE_OK) {
            w->db = db;
            return INTAKE_OK;
        }
        finalize_all(w);
        if (attempt == 0 && (rc = sqlite3_exec(db, schema_sql, NULL, NULL, NULL)) != SQLITE_OK)
            return sql_error(db, rc, err, "create schema");
    }
    return sql_error(db, sqlite3_errcode(db), err, "prepare statements");
}

static int cb_index_sqlite_worker_init(void *instance, void **worker, struct intake_error *err)
{
    struct index_sqlite_instance *in = instance;
    struct index_sqlite_worker *w = in->host->alloc(sizeof *w);
    if (!w)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    memset(w, 0, sizeof *w);
    *worker = w;
    return INTAKE_OK;
}

static void cb_index_sqlite_worker_exit(void *instance, void *worker)
{
    struct index_sqlite_instance *in = instance;
    if (worker) {
        finalize_all(worker);
        in->host->free(worker);
    }
}

static int cb_index_sqlite_process(void *instance, void *worker, struct intake_doc *doc,
                                   struct intake_error *err)
{
    struct index_sqlite_instance *in = instance;
    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    const struct intake_host *host = in->host;

    sqlite3 *db = host->store_handle(in->ctx, "sqlite3");
    if (!db)
        return INTAKE_ERR(err, INTAKE_EINVAL,
                          "no store connection: index_sqlite writes only inside the core's "
                          "store transaction");
    /* Outside a transaction each statement would commit on its own, apart
     * from the job row: refuse rather than break "indexed == done". */
    if (sqlite3_get_autocommit(db))
        return INTAKE_ERR(err, INTAKE_EINVAL,
                          "store connection has no open transaction: refusing to index");
    const char *id = host->doc_id(doc);
    if (!is_hex_id(id))
        return INTAKE_ERR(err, INTAKE_EINVAL, "document id is not 64 lower-case hex digits");
    size_t len = 0;
    const char *text = host->doc_redacted_text(doc, &len);
    if (!text) /* fail closed: without the anonymiser's output there is nothing safe to index */
        return INTAKE_ERR(err, INTAKE_EINVAL, "document has no redacted text");

    struct index_sqlite_worker *w = worker;
    if (!w)
        return INTAKE_ERR(err, INTAKE_EINVAL, "index_sqlite: no worker state");
    int rc = prepare_all(w, db, err);
    if (rc)
        return rc;

    /* No savepoint of our own: in SQLite 3.40 every savepoint makes FTS5
     * flush its pending terms to a new segment, which made the index cost
     * per document several times the FTS insert itself. The core rolls
     * the whole transaction back when we fail (host.h, store_handle). */
    int wrote = 0;
    int status = write_document(in, w, db, doc, id, text, len, &wrote, err);
    if (status && !wrote && sqlite3_errcode(db) == SQLITE_ERROR && !sqlite3_get_autocommit(db)) {
        /* The schema may have gone with a rolled-back transaction while
         * our statements stayed: prepare (and create) again, once. Only
         * when nothing was written, so a retry cannot write twice. */
        finalize_all(w);
        intake_error_clear(err);
        status = prepare_all(w, db, err);
        if (status == INTAKE_OK)
            status = write_document(in, w, db, doc, id, text, len, &wrote, err);
    }
    if (status == INTAKE_OK)
        intake_log_debug(host, in->ctx, doc, "indexed %zu bytes of redacted text", len);
    return status;
}

/* ------------------------------------------------------------------ */
/* query language                                                     */
/* ------------------------------------------------------------------ */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* FTS5's bareword characters: ASCII letters and digits, '_', 0x1A, and any
 * byte of a multi-byte UTF-8 character. */
static int is_bareword(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
              (c >= 'A' && c <= 'Z') || c == '_' || c == 0x1a))
            return 0;
    }
    return 1;
}

static int word_is(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && memcmp(s, w, n) == 0;
}

struct qbuf {
    char *p;
    size_t len, cap;
    int overflow; /* cap comes from the input's worst case: never set unless that is wrong */
};

static void qput(struct qbuf *b, const char *s, size_t n)
{
    if (b->len + n >= b->cap) {
        b->overflow = 1;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* Length of a word without its trailing `*`s (the prefix marker). */
static size_t stem_len(const char *s, size_t n)
{
    while (n > 0 && s[n - 1] == '*')
        n--;
    return n;
}

/* One term: bare if FTS5 takes it as is, else quoted as a phrase so that the
 * tokenizer splits it (`e-mail`, `[PERSON-1]`, `01.02.2024`). A trailing `*`
 * keeps its prefix meaning either way. The caller skips words of only `*`:
 * a query starting with `*` is one of FTS5's special commands. */
static void qterm(struct qbuf *b, const char *s, size_t n)
{
    size_t stem = stem_len(s, n);
    qput(b, " ", 1);
    if (is_bareword(s, stem)) {
        qput(b, s, stem);
    } else {
        qput(b, "\"", 1);
        qput(b, s, stem); /* the lexer ends words at '"', so none is inside */
        qput(b, "\"", 1);
    }
    if (stem < n)
        qput(b, "*", 1);
}

enum qprev {
    Q_NONE,    /* start, or after an operator, `(` or `col:` */
    Q_OPERAND, /* after a term, phrase or NEAR group */
    Q_CLOSE    /* after `)` of a parenthesised group */
};

/* FTS5 ANDs adjacent phrases implicitly, but not a parenthesised group and
 * its neighbour: `trafficking (Алматы OR Астана)` needs an explicit AND. */
static void qand(struct qbuf *b, enum qprev *prev, int starts_group, int in_near)
{
    if (!in_near && (*prev == Q_CLOSE || (*prev == Q_OPERAND && starts_group)))
        qput(b, " AND", 4);
}

/*
 * Turn the user's query into an FTS5 expression. The grammar is FTS5's
 * (phrases in "", AND/OR/NOT, parentheses, prefix*, NEAR(a b, N), column
 * filters `text:` and `name:`), with three mercies for plain typing: a bare
 * word FTS5 would reject is quoted instead, a comma outside NEAR() separates
 * words, and a parenthesised group is ANDed with its neighbours. Structure
 * is passed through otherwise, so a malformed query (`AND`, `"open`,
 * `a NOT`) still reaches FTS5 and comes back as its syntax error.
 */
static void build_fts_query(const char *q, struct qbuf *b)
{
    int depth = 0, near_depth = -1;
    enum qprev prev = Q_NONE;
    const char *p = q;
    while (*p) {
        int in_near = near_depth >= 0;
        if (is_space(*p)) {
            p++;
        } else if (*p == '"') {
            const char *s = p++;
            while (*p) { /* "" inside a string is an escaped quote */
                if (*p == '"' && p[1] == '"')
                    p += 2;
                else if (*p == '"')
                    break;
                else
                    p++;
            }
            if (*p == '"')
                p++;
            qand(b, &prev, 0, in_near);
            qput(b, " ", 1);
            qput(b, s, (size_t)(p - s));
            if (*p == '*')
                qput(b, "*", 1), p++;
            prev = Q_OPERAND;
        } else if (*p == '(') {
            qand(b, &prev, 1, in_near);
            depth++;
            qput(b, " (", 2);
            prev = Q_NONE;
            p++;
        } else if (*p == ')') {
            prev = near_depth == depth ? Q_OPERAND : Q_CLOSE;
            if (near_depth == depth)
                near_depth = -1;
            if (depth > 0)
                depth--;
            qput(b, " )", 2);
            p++;
        } else if (*p == ',') {
            if (in_near && near_depth == depth)
                qput(b, " ,", 2);
            p++;
        } else {
            const char *s = p;
            while (*p && !is_space(*p) && *p != '"' && *p != '(' && *p != ')' && *p != ',')
                p++;
            size_t n = (size_t)(p - s);
            const char *colon = memchr(s, ':', n);
            size_t cl = colon ? (size_t)(colon - s) : 0;
            if (word_is(s, n, "AND") || word_is(s, n, "OR") || word_is(s, n, "NOT")) {
                qput(b, " ", 1);
                qput(b, s, n);
                prev = Q_NONE;
            } else if (word_is(s, n, "NEAR") && *p == '(') {
                qand(b, &prev, 0, in_near);
                qput(b, " NEAR", 5);
                near_depth = depth + 1;
                prev = Q_NONE;
            } else if (colon && (word_is(s, cl, "text") || word_is(s, cl, "name"))) {
                /* `name:(a OR b)` is a group, `name:a` a phrase */
                int group = cl + 1 == n && *p == '(';
                qand(b, &prev, group, in_near);
                qput(b, " ", 1);
                qput(b, s, cl + 1);
                prev = Q_NONE;
                if (stem_len(colon + 1, n - cl - 1) > 0) {
                    qterm(b, colon + 1, n - cl - 1);
                    prev = Q_OPERAND;
                }
            } else if (stem_len(s, n) > 0) {
                qand(b, &prev, 0, in_near);
                qterm(b, s, n);
                prev = Q_OPERAND;
            }
        }
    }
}

/* ------------------------------------------------------------------ */
/* search                                                             */
/* ------------------------------------------------------------------ */

/* The filters of the query language (query.c), all bound: ?2 the caller's
 * language, ?6 lang: (JSON array), ?7 type:, ?8 has:, ?9/?10 the ingest range,
 * ?11 source: (a prefix of the redacted name). */
#define FILTERS_SQL                                                                                \
    " AND (?2 IS NULL OR d.lang = ?2)"                                                             \
    " AND (?6 IS NULL OR d.lang IN (SELECT value FROM json_each(?6)))"                             \
    " AND (?7 IS NULL OR d.mime = ?7 OR d.mime LIKE '%/' || ?7 OR d.mime LIKE ?7 || '/%'"          \
    "      OR d.mime LIKE '%/' || ?7 || '+%' OR d.mime LIKE '%/x-' || ?7)"                         \
    " AND (?8 IS NULL OR coalesce(json_extract(d.entity_counts, '$.' || ?8), 0) > 0)"              \
    " AND (?9 IS NULL OR d.ingested >= ?9) AND (?10 IS NULL OR d.ingested < ?10)"                  \
    " AND (?11 IS NULL OR substr(d.source_name, 1, length(?11)) = ?11)"

/* Ranked by bm25 (smaller is better in SQLite, so negated for the hit), or
 * newest first (?12 = 1); ties broken by id so that pages never overlap.
 * The page is chosen first, without snippets: SQLite's sorter would compute
 * snippet() for every match before LIMIT (measured: 31 ms against 4 ms for
 * a word in a few thousand documents); then snippets for the page only. */
static const char search_sql[] =
    "WITH page AS MATERIALIZED (SELECT documents_fts.rowid AS r, bm25(documents_fts) AS b,"
    " d.ingested AS t, d.doc_id AS id"
    " FROM documents_fts JOIN documents d ON d.fts_rowid = documents_fts.rowid"
    " WHERE documents_fts MATCH ?1" FILTERS_SQL
    " ORDER BY CASE WHEN ?12 = 1 THEN -d.ingested ELSE bm25(documents_fts) END, d.doc_id"
    " LIMIT ?3 OFFSET ?4)"
    " SELECT d.doc_id, d.source_name, d.mime, d.lang, d.size, d.pages, d.ingested,"
    " snippet(documents_fts, -1, char(2), char(3), '…', ?5), -page.b,"
    " documents_fts.text, d.entity_counts"
    " FROM page JOIN documents_fts ON documents_fts.rowid = page.r"
    " JOIN documents d ON d.fts_rowid = page.r"
    " WHERE documents_fts MATCH ?1"
    " ORDER BY CASE WHEN ?12 = 1 THEN -page.t ELSE page.b END, page.id";

/* No words, only filters: newest first, the beginning of the text as snippet. */
static const char list_sql[] =
    "SELECT d.doc_id, d.source_name, d.mime, d.lang, d.size, d.pages, d.ingested,"
    " substr(f.text, 1, 20 * ?5), 0.0, f.text, d.entity_counts"
    " FROM documents d JOIN documents_fts f ON f.rowid = d.fts_rowid"
    " WHERE 1" FILTERS_SQL " ORDER BY d.ingested DESC, d.doc_id LIMIT ?3 OFFSET ?4";

#define FACETS_SQL                                                                                 \
    " SELECT 'total', '', count(*) FROM m"                                                         \
    " UNION ALL SELECT 'lang', lang, count(*) FROM m GROUP BY 2"                                   \
    " UNION ALL SELECT 'type', coalesce(mime, ''), count(*) FROM m GROUP BY 2"                     \
    " UNION ALL SELECT 'year', strftime('%Y', ingested, 'unixepoch'), count(*) FROM m GROUP BY 2"  \
    " UNION ALL SELECT 'month', strftime('%Y-%m', ingested, 'unixepoch'), count(*) FROM m"         \
    "  GROUP BY 2"                                                                                 \
    " UNION ALL SELECT 'entity', j.key, count(*) FROM m, json_each(m.entity_counts) j"             \
    "  WHERE j.value > 0 GROUP BY 2"                                                               \
    " UNION ALL SELECT 'entities', j.key, sum(j.value) FROM m, json_each(m.entity_counts) j"       \
    "  GROUP BY 2"

static const char facet_match_sql[] =
    "WITH m AS MATERIALIZED (SELECT d.lang, d.mime, d.ingested, d.entity_counts"
    " FROM documents_fts JOIN documents d ON d.fts_rowid = documents_fts.rowid"
    " WHERE documents_fts MATCH ?1" FILTERS_SQL ")" FACETS_SQL;

static const char facet_list_sql[] =
    "WITH m AS MATERIALIZED (SELECT d.lang, d.mime, d.ingested, d.entity_counts"
    " FROM documents d WHERE 1" FILTERS_SQL ")" FACETS_SQL;

static const char fetch_sql[] =
    "SELECT d.doc_id, d.source_name, d.mime, d.lang, d.size, d.pages, d.ingested,"
    " NULL, 0.0, f.text, d.entity_counts"
    " FROM documents d JOIN documents_fts f ON f.rowid = d.fts_rowid WHERE d.doc_id = ?1";

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Run a prepared search or fetch, one emit per row. A SQLITE_ERROR while
 * stepping a MATCH can only come from the query expression (our SQL is
 * static and the tables exist): that is the user's mistake, EINVAL. */
static int emit_rows(sqlite3 *db, sqlite3_stmt *st, const struct intake_query *q, int is_match,
                     uint64_t total, intake_hit_fn emit, void *user, struct intake_error *err)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct intake_hit hit;
        memset(&hit, 0, sizeof hit);
        hit.doc_id = col_text(st, 0);
        hit.source_name = col_text(st, 1);
        hit.mime = col_text(st, 2);
        hit.lang = col_text(st, 3);
        hit.size = (uint64_t)sqlite3_column_int64(st, 4);
        hit.pages = (uint32_t)sqlite3_column_int64(st, 5);
        hit.ingested = sqlite3_column_int64(st, 6);
        hit.snippet = col_text(st, 7);
        hit.score = sqlite3_column_double(st, 8);
        hit.text = (q->flags & INTAKE_QUERY_WITH_TEXT) ? col_text(st, 9) : NULL;
        hit.entity_counts = col_text(st, 10);
        hit.total = total;
        if (emit(user, &hit))
            return INTAKE_OK;
    }
    if (rc == SQLITE_DONE)
        return INTAKE_OK;
    if (is_match && (rc & 0xff) == SQLITE_ERROR) {
        char m[200];
        snprintf(m, sizeof m, "%s", sqlite3_errmsg(db));
        /* FTS5 says `near ""` when the query ends too early */
        size_t ml = strlen(m);
        if (ml >= 8 && strcmp(m + ml - 8, " near \"\"") == 0)
            snprintf(m + ml - 8, sizeof m - (ml - 8), " at end of query");
        INTAKE_ERR(err, INTAKE_EINVAL, "malformed query: %s", m);
        if (err)
            one_line(err->msg);
        return INTAKE_EINVAL;
    }
    return sql_error(db, rc, err, "search");
}

static int run_search(const struct index_sqlite_instance *in, sqlite3 *db,
                      const struct intake_query *q, intake_hit_fn emit, void *user,
                      struct intake_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (q->doc_id) {
        char id[DOC_ID_LEN + 1];
        size_t n = strlen(q->doc_id);
        for (size_t i = 0; i < n && i < DOC_ID_LEN; i++)
            id[i] = (q->doc_id[i] >= 'A' && q->doc_id[i] <= 'F') ? (char)(q->doc_id[i] + 32)
                                                                 : q->doc_id[i];
        id[n < DOC_ID_LEN ? n : DOC_ID_LEN] = '\0';
        if (n != DOC_ID_LEN || !is_hex_id(id))
            return INTAKE_ERR(err, INTAKE_EINVAL, "document id must be 64 hex digits");
        rc = sqlite3_prepare_v2(db, fetch_sql, -1, &st, NULL);
        if (rc != SQLITE_OK)
            return sql_error(db, rc, err, "prepare fetch");
        sqlite3_bind_text(st, 1, id, DOC_ID_LEN, SQLITE_TRANSIENT);
        rc = emit_rows(db, st, q, 0, 0, emit, user, err);
        sqlite3_finalize(st);
        return rc;
    }

    size_t qlen = q->text ? strlen(q->text) : 0;
    if (qlen > MAX_QUERY_BYTES)
        return INTAKE_ERR(err, INTAKE_EINVAL, "malformed query: longer than %d bytes",
                          MAX_QUERY_BYTES);
    /* The filters come out first; the rest is the word query. */
    char *rest = in->host->alloc(qlen + 1);
    if (!rest)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    struct iq_filters flt;
    char why[512];
    if (iq_parse(q->text ? q->text : "", rest, qlen + 1, &flt, why, sizeof why)) {
        in->host->free(rest);
        INTAKE_ERR(err, INTAKE_EINVAL, "%s", why);
        if (err)
            one_line(err->msg);
        return INTAKE_EINVAL;
    }
    int v12 = (q->flags & INTAKE_QUERY_V1_2) != 0;
    int sort = flt.sort >= 0 ? flt.sort : v12 ? (int)q->sort : (int)INTAKE_SORT_RELEVANCE;
    int filtered = flt.lang[0] || flt.type[0] || flt.has[0] || flt.source[0] || flt.from >= 0 ||
                   flt.to >= 0 || flt.sort >= 0;
    /* Worst case is under 6 bytes out per byte in: `-(` becomes ` "-" AND (`. */
    struct qbuf b = {NULL, 0, qlen * 6 + 16, 0};
    b.p = in->host->alloc(b.cap);
    if (!b.p) {
        in->host->free(rest);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    }
    b.p[0] = '\0';
    build_fts_query(rest, &b);
    in->host->free(rest);
    if (b.overflow) {
        in->host->free(b.p);
        return INTAKE_ERR(err, INTAKE_EINTERNAL, "query translation overflowed its buffer");
    }
    int list = b.len == 0;
    if (list && !filtered && !(q->flags & INTAKE_QUERY_ALL)) {
        in->host->free(b.p);
        return INTAKE_ERR(err, INTAKE_EINVAL, "malformed query: no words to search for");
    }

    /* facets (ABI 1.2), over the whole match set, before the hits */
    uint64_t total = 0;
    for (int pass = v12 && q->facet ? 0 : 1; pass < 2; pass++) {
        rc = sqlite3_prepare_v2(db,
                                pass == 0 ? (list ? facet_list_sql : facet_match_sql)
                                          : (list ? list_sql : search_sql),
                                -1, &st, NULL);
        if (rc != SQLITE_OK) {
            in->host->free(b.p);
            return sql_error(db, rc, err, "prepare search");
        }
        if (!list)
            sqlite3_bind_text(st, 1, b.p, (int)b.len, SQLITE_STATIC);
        if (q->lang && *q->lang)
            sqlite3_bind_text(st, 2, q->lang, -1, SQLITE_STATIC);
        if (flt.lang[0])
            sqlite3_bind_text(st, 6, flt.lang, -1, SQLITE_STATIC);
        if (flt.type[0])
            sqlite3_bind_text(st, 7, flt.type, -1, SQLITE_STATIC);
        if (flt.has[0])
            sqlite3_bind_text(st, 8, flt.has, -1, SQLITE_STATIC);
        if (flt.from >= 0)
            sqlite3_bind_int64(st, 9, flt.from);
        if (flt.to >= 0)
            sqlite3_bind_int64(st, 10, flt.to);
        if (flt.source[0])
            sqlite3_bind_text(st, 11, flt.source, -1, SQLITE_STATIC);
        if (pass == 0) {
            int stop = 0;
            while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *facet = col_text(st, 0), *value = col_text(st, 1);
                sqlite3_int64 n = sqlite3_column_int64(st, 2);
                if (strcmp(facet, "total") == 0)
                    total = (uint64_t)n;
                stop = q->facet(q->facet_user, facet, value ? value : "", (uint64_t)n);
            }
            if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
                /* the MATCH is checked here first: the user's mistake or ours */
                rc = emit_rows(db, st, q, !list, 0, emit, user, err);
                sqlite3_finalize(st);
                in->host->free(b.p);
                return rc;
            }
            sqlite3_finalize(st);
            st = NULL;
            if (stop) {
                in->host->free(b.p);
                return INTAKE_OK;
            }
            continue;
        }
        sqlite3_bind_int64(st, 3, q->limit ? (sqlite3_int64)q->limit : -1); /* 0: no limit */
        sqlite3_bind_int64(st, 4, q->offset);
        sqlite3_bind_int(st, 5, in->snippet_tokens);
        sqlite3_bind_int(st, 12, sort);
        rc = emit_rows(db, st, q, !list, total, emit, user, err);
        sqlite3_finalize(st);
    }
    in->host->free(b.p);
    return rc;
}

static int cb_index_sqlite_search(void *instance, const struct intake_query *q, intake_hit_fn emit,
                                  void *user, struct intake_error *err)
{
    struct index_sqlite_instance *in = instance;
    intake_return_val_if_fail(in && q && emit, INTAKE_EINVAL);
    const char *dir = in->host->store_dir(in->ctx);
    if (!dir)
        return INTAKE_ERR(err, INTAKE_EINVAL, "no store directory given");

    size_t dl = strlen(dir);
    char *path = in->host->alloc(dl + sizeof "/intake.db");
    if (!path)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    memcpy(path, dir, dl);
    memcpy(path + dl, "/intake.db", sizeof "/intake.db");
    struct stat stt;
    if (stat(path, &stt) != 0 || !S_ISREG(stt.st_mode)) {
        in->host->free(path);
        return INTAKE_ERR(err, INTAKE_EIO, "no store at %s", dir);
    }

    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    in->host->free(path);
    if (rc != SQLITE_OK) {
        INTAKE_ERR(err, INTAKE_EIO, "no store at %s: %s", dir,
                   db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close_v2(db);
        return INTAKE_EIO;
    }
    sqlite3_busy_timeout(db, in->busy_timeout_ms);
    if ((rc = itok_register(db, NULL)) != SQLITE_OK) {
        INTAKE_ERR(err, INTAKE_EINTERNAL, "register the intake tokenizer: %s", sqlite3_errstr(rc));
        sqlite3_close_v2(db);
        return INTAKE_EINTERNAL;
    }
    int version = schema_version(db);
    if (version > SCHEMA_VERSION) {
        rc = newer_schema(version, err);
        sqlite3_close_v2(db);
        return rc;
    }

    /* A store whose documents were all quarantined has no index tables
     * yet: that is zero hits, not an error. */
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(db,
                            "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                            " AND name IN ('documents', 'documents_fts')",
                            -1, &st, NULL);
    int tables = 0;
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        tables = sqlite3_column_int(st, 0);
    if (rc != SQLITE_ROW) {
        /* not a database, or unreadable: say where, with SQLite's reason */
        INTAKE_ERR(err, INTAKE_EIO, "no store at %s: %s", dir, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        sqlite3_close_v2(db);
        return INTAKE_EIO;
    }
    sqlite3_finalize(st);

    if (tables == 2)
        rc = run_search(in, db, q, emit, user, err);
    else if (q->doc_id || (q->text && *q->text))
        rc = INTAKE_OK;
    else
        rc = INTAKE_ERR(err, INTAKE_EINVAL, "malformed query: no words to search for");
    sqlite3_close_v2(db);
    return rc;
}

static const struct intake_plugin index_sqlite_plugin = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_INDEX,
    .flags = INTAKE_PLUGIN_F_SINGLE_WORKER,
    .name = "index_sqlite",
    .version = INDEX_SQLITE_VERSION,
    .description = "SQLite FTS5 index of redacted documents in <store>/intake.db",
    .options = index_sqlite_options,
    .config_size = sizeof(struct index_sqlite_config),
    .cb_init = cb_index_sqlite_init,
    .cb_worker_init = cb_index_sqlite_worker_init,
    .cb_process = cb_index_sqlite_process,
    .cb_worker_exit = cb_index_sqlite_worker_exit,
    .cb_exit = cb_index_sqlite_exit,
    .cb_search = cb_index_sqlite_search,
};

INTAKE_PLUGIN_DEFINE(index_sqlite, index_sqlite_plugin)
