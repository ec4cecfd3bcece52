/*
 * core/store_sqlite.c: the embedded store. One SQLite file in WAL mode;
 * the supervisor is its only writer.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store.h"

struct intake_store {
    sqlite3 *db;
    int in_tx;
    struct {
        const char *sql; /* a string literal: compared by address */
        sqlite3_stmt *st;
    } cache[8]; /* statements prepared once per store */
};

/* A prepared statement for \p sql, reset and with bindings cleared. */
static sqlite3_stmt *stmt(struct intake_store *s, const char *sql)
{
    size_t i = 0;
    for (; i < sizeof s->cache / sizeof s->cache[0] && s->cache[i].sql; i++) {
        if (s->cache[i].sql == sql) {
            sqlite3_reset(s->cache[i].st);
            sqlite3_clear_bindings(s->cache[i].st);
            return s->cache[i].st;
        }
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        return NULL;
    if (i < sizeof s->cache / sizeof s->cache[0]) {
        s->cache[i].sql = sql;
        s->cache[i].st = st;
    }
    return st;
}

/* Statements from the cache are reset, not finalized; others finalized. */
static void done_with(struct intake_store *s, sqlite3_stmt *st)
{
    for (size_t i = 0; i < sizeof s->cache / sizeof s->cache[0]; i++)
        if (s->cache[i].st == st) {
            sqlite3_reset(st);
            return;
        }
    sqlite3_finalize(st);
}

static int db_err(struct intake_store *s, struct intake_error *err, const char *what)
{
    int code = sqlite3_errcode(s->db);
    int st = (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? INTAKE_ERETRY
             : code == SQLITE_FULL                          ? INTAKE_ENOSPC
                                                            : INTAKE_EIO;
    return INTAKE_ERR(err, st, "store: %s: %s", what, sqlite3_errmsg(s->db));
}

static int exec(struct intake_store *s, const char *sql, struct intake_error *err)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_err(s, err, "statement failed");
    return INTAKE_OK;
}

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS jobs ("
    "  doc_id   TEXT PRIMARY KEY," /* SHA-256 of the content, hex */
    "  state    TEXT NOT NULL CHECK (state IN ('pending','done','quarantined')),"
    "  attempts INTEGER NOT NULL DEFAULT 0," /* failed attempts */
    "  reason   TEXT,"                       /* content-free */
    "  size     INTEGER,"
    "  created  INTEGER NOT NULL,"
    "  updated  INTEGER NOT NULL,"
    "  parent   TEXT" /* the document it was found in (attachment, member), or NULL */
    ") WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, updated);";

/* Stores made before child documents lack jobs.parent. */
static int migrate(struct intake_store *s, struct intake_error *err)
{
    sqlite3_stmt *q = NULL;
    int has = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM pragma_table_info('jobs') WHERE name = 'parent'",
                           -1, &q, NULL) == SQLITE_OK)
        has = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    return has ? INTAKE_OK : exec(s, "ALTER TABLE jobs ADD COLUMN parent TEXT", err);
}

static int st_open(const char *dir, int readonly, struct intake_store **out,
                   struct intake_error *err)
{
    *out = NULL;
    if (!readonly && mkdir(dir, 0750) != 0 && errno != EEXIST)
        return INTAKE_ERR(err, INTAKE_EIO, "store %s: cannot create: %s", dir, strerror(errno));
    char path[4096];
    if (snprintf(path, sizeof path, "%s/intake.db", dir) >= (int)sizeof path)
        return INTAKE_ERR(err, INTAKE_EINVAL, "store path too long");
    struct intake_store *s = calloc(1, sizeof *s);
    if (!s)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        int rc = INTAKE_ERR(err, INTAKE_EIO, "store %s: %s", dir,
                            s->db ? sqlite3_errmsg(s->db) : "cannot open");
        sqlite3_close_v2(s->db);
        free(s);
        return rc;
    }
    sqlite3_busy_timeout(s->db, 10000);
    int rc = INTAKE_OK;
    if (!readonly) {
        /* WAL: readers (search) never block the writer; synchronous=FULL so a
         * committed "done" survives a power cut, as invariant 3 asks. */
        rc = exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
                  err);
        if (rc == 0)
            rc = exec(s, schema, err);
        if (rc == 0)
            rc = migrate(s, err);
    }
    if (rc) {
        sqlite3_close_v2(s->db);
        free(s);
        return rc;
    }
    *out = s;
    return INTAKE_OK;
}

static void st_close(struct intake_store *s)
{
    if (!s)
        return;
    if (s->in_tx)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    for (size_t i = 0; i < sizeof s->cache / sizeof s->cache[0]; i++)
        sqlite3_finalize(s->cache[i].st);
    sqlite3_close_v2(s->db);
    free(s);
}

static int st_job_get(struct intake_store *s, const char *doc_id, struct intake_job *job,
                      struct intake_error *err)
{
    memset(job, 0, sizeof *job);
    static const char sql[] = "SELECT state, attempts, reason FROM jobs WHERE doc_id = ?1";
    sqlite3_stmt *q = stmt(s, sql);
    if (!q)
        return db_err(s, err, "job lookup");
    sqlite3_bind_text(q, 1, doc_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const char *st = (const char *)sqlite3_column_text(q, 0);
        job->state = !strcmp(st, "done")          ? INTAKE_JOB_DONE
                     : !strcmp(st, "quarantined") ? INTAKE_JOB_QUARANTINED
                                                  : INTAKE_JOB_PENDING;
        job->attempts = sqlite3_column_int(q, 1);
        const char *r = (const char *)sqlite3_column_text(q, 2);
        snprintf(job->reason, sizeof job->reason, "%s", r ? r : "");
        rc = SQLITE_DONE;
    }
    done_with(s, q);
    return rc == SQLITE_DONE ? INTAKE_OK : db_err(s, err, "job lookup");
}

/* Run one statement with text/int parameters ("t" and "i" in \p types). */
static int run(struct intake_store *s, const char *sql, const char *types, const void *const *args,
               struct intake_error *err)
{
    sqlite3_stmt *q = stmt(s, sql);
    if (!q)
        return db_err(s, err, "prepare");
    for (int i = 0; types[i]; i++) {
        if (types[i] == 't')
            sqlite3_bind_text(q, i + 1, args[i], -1, SQLITE_STATIC);
        else
            sqlite3_bind_int64(q, i + 1, *(const int64_t *)args[i]);
    }
    int rc = sqlite3_step(q);
    int st = rc == SQLITE_DONE || rc == SQLITE_ROW ? INTAKE_OK : db_err(s, err, "update");
    done_with(s, q);
    return st;
}

static int st_job_enqueue(struct intake_store *s, const char *doc_id, uint64_t size,
                          struct intake_error *err)
{
    int64_t now = time(NULL), sz = (int64_t)size;
    const void *a[] = {doc_id, &sz, &now};
    return run(s,
               "INSERT INTO jobs(doc_id, state, size, created, updated) "
               "VALUES (?1, 'pending', ?2, ?3, ?3) ON CONFLICT(doc_id) DO NOTHING",
               "tii", a, err);
}

static int st_job_failed(struct intake_store *s, const char *doc_id, const char *reason,
                         int *attempts, struct intake_error *err)
{
    int64_t now = time(NULL);
    const void *a[] = {doc_id, reason, &now};
    int rc = run(s,
                 "UPDATE jobs SET attempts = attempts + 1, reason = ?2, updated = ?3 "
                 "WHERE doc_id = ?1",
                 "tti", a, err);
    struct intake_job j;
    if (rc == 0 && (rc = st_job_get(s, doc_id, &j, err)) == 0)
        *attempts = j.attempts;
    return rc;
}

static int st_job_quarantine(struct intake_store *s, const char *doc_id, const char *reason,
                             struct intake_error *err)
{
    int64_t now = time(NULL);
    const void *a[] = {doc_id, reason, &now};
    return run(s,
               "UPDATE jobs SET state = 'quarantined', reason = ?2, updated = ?3 WHERE doc_id = ?1",
               "tti", a, err);
}

static int st_commit_begin(struct intake_store *s, void **handle, struct intake_error *err)
{
    int rc = exec(s, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    s->in_tx = 1;
    *handle = s->db;
    return INTAKE_OK;
}

static int st_job_done(struct intake_store *s, const char *doc_id, struct intake_error *err)
{
    int64_t now = time(NULL);
    const void *a[] = {doc_id, &now};
    int rc = run(s, "UPDATE jobs SET state = 'done', reason = NULL, updated = ?2 WHERE doc_id = ?1",
                 "ti", a, err);
    if (rc == 0 && sqlite3_changes(s->db) != 1)
        rc = INTAKE_ERR(err, INTAKE_EINTERNAL, "store: job %.12s is not in the queue", doc_id);
    return rc;
}

static int st_child_done(struct intake_store *s, const char *doc_id, const char *parent_id,
                         uint64_t size, struct intake_error *err)
{
    int64_t now = time(NULL), sz = (int64_t)size;
    const void *a[] = {doc_id, parent_id, &sz, &now};
    /* A child already known (the same attachment in two e-mails, or a file
     * also given on its own) stays one document: first parent kept. */
    return run(s,
               "INSERT INTO jobs(doc_id, state, size, created, updated, parent) "
               "VALUES (?1, 'done', ?3, ?4, ?4, ?2) ON CONFLICT(doc_id) DO UPDATE SET "
               "state = 'done', reason = NULL, updated = ?4, parent = coalesce(parent, ?2)",
               "ttii", a, err);
}

static int st_commit_end(struct intake_store *s, struct intake_error *err)
{
    int rc = exec(s, "COMMIT", err);
    if (rc)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = 0;
    return rc;
}

static void st_commit_abort(struct intake_store *s)
{
    if (s->in_tx)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = 0;
}

static int st_stats(struct intake_store *s, int64_t since, int64_t counts[4], int64_t recent[4],
                    struct intake_error *err)
{
    memset(counts, 0, 4 * sizeof *counts);
    memset(recent, 0, 4 * sizeof *recent);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT state, count(*), sum(updated >= ?1) FROM jobs GROUP BY state",
                           -1, &q, NULL) != SQLITE_OK)
        return db_err(s, err, "stats");
    sqlite3_bind_int64(q, 1, since);
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *st = (const char *)sqlite3_column_text(q, 0);
        int i = !strcmp(st, "done") ? 2 : !strcmp(st, "quarantined") ? 3 : 1;
        counts[i] = sqlite3_column_int64(q, 1);
        recent[i] = sqlite3_column_int64(q, 2);
    }
    sqlite3_finalize(q);
    return INTAKE_OK;
}

static int st_errors(struct intake_store *s, int max,
                     void (*emit)(void *user, const char *doc_id, int state, int attempts,
                                  const char *reason, int64_t when),
                     void *user, struct intake_error *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT doc_id, state, attempts, reason, updated FROM jobs "
                           "WHERE reason IS NOT NULL AND reason <> '' "
                           "ORDER BY updated DESC LIMIT ?1",
                           -1, &q, NULL) != SQLITE_OK)
        return db_err(s, err, "errors");
    sqlite3_bind_int(q, 1, max);
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *st = (const char *)sqlite3_column_text(q, 1);
        int state = !strcmp(st, "done")          ? INTAKE_JOB_DONE
                    : !strcmp(st, "quarantined") ? INTAKE_JOB_QUARANTINED
                                                 : INTAKE_JOB_PENDING;
        emit(user, (const char *)sqlite3_column_text(q, 0), state, sqlite3_column_int(q, 2),
             (const char *)sqlite3_column_text(q, 3), sqlite3_column_int64(q, 4));
    }
    sqlite3_finalize(q);
    return INTAKE_OK;
}

static int st_job_forget(struct intake_store *s, const char *doc_id, struct intake_error *err)
{
    const void *a[] = {doc_id};
    return run(s, "DELETE FROM jobs WHERE doc_id = ?1 AND state = 'pending'", "t", a, err);
}

const struct intake_store_ops intake_store_sqlite = {
    .scheme = "sqlite",
    .open = st_open,
    .close = st_close,
    .job_get = st_job_get,
    .job_enqueue = st_job_enqueue,
    .job_failed = st_job_failed,
    .job_quarantine = st_job_quarantine,
    .commit_begin = st_commit_begin,
    .job_done = st_job_done,
    .child_done = st_child_done,
    .commit_end = st_commit_end,
    .commit_abort = st_commit_abort,
    .stats = st_stats,
    .errors = st_errors,
    .job_forget = st_job_forget,
};

const struct intake_store_ops *intake_store_for(const char *location)
{
    (void)location; /* postgres:// arrives with the scale-out store */
    return &intake_store_sqlite;
}
