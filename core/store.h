/*
 * core/store.h: the store, as the core sees it: the job queue and the
 * transaction in which an index plugin writes and the job is marked done.
 *
 * One interface, one embedded implementation (SQLite, WAL, in
 * <store>/intake.db). A PostgreSQL store (DESIGN.md, "Beyond one
 * machine") implements the same operations: jobs taken with SELECT ... FOR
 * UPDATE SKIP LOCKED, the index written in the job's transaction.
 *
 * The job table holds no paths and no names: a job is a content hash, a
 * state, a count of failed attempts and a content-free reason.
 */
#ifndef INTAKE_CORE_STORE_H
#define INTAKE_CORE_STORE_H

#include <stdint.h>

#include <intake/error.h>

enum intake_job_state {
    INTAKE_JOB_NONE = 0, /* never seen */
    INTAKE_JOB_PENDING = 1,
    INTAKE_JOB_DONE = 2,
    INTAKE_JOB_QUARANTINED = 3
};

struct intake_job {
    int state;
    int attempts;     /* failed attempts so far */
    char reason[256]; /* why the last attempt failed, or why quarantined */
};

struct intake_store;

struct intake_store_ops {
    const char *scheme; /* "sqlite" */
    int (*open)(const char *location, int readonly, struct intake_store **out,
                struct intake_error *err);
    void (*close)(struct intake_store *s);
    int (*job_get)(struct intake_store *s, const char *doc_id, struct intake_job *job,
                   struct intake_error *err);
    /** Insert a pending job unless one exists (then leave it as it is). */
    int (*job_enqueue)(struct intake_store *s, const char *doc_id, uint64_t size,
                       struct intake_error *err);
    /** Record a failed attempt; returns the new count in *attempts. */
    int (*job_failed)(struct intake_store *s, const char *doc_id, const char *reason, int *attempts,
                      struct intake_error *err);
    int (*job_quarantine)(struct intake_store *s, const char *doc_id, const char *reason,
                          struct intake_error *err);
    /** Begin the commit transaction; *handle is what index plugins get
     *  through host->store_handle (a sqlite3 * here). */
    int (*commit_begin)(struct intake_store *s, void **handle, struct intake_error *err);
    /** Inside the commit transaction: mark one job done. */
    int (*job_done)(struct intake_store *s, const char *doc_id, struct intake_error *err);
    /** In the commit: a child document (attachment, archive member) of
     *  \p parent_id is done; creates its job row if it has none. */
    int (*child_done)(struct intake_store *s, const char *doc_id, const char *parent_id,
                      uint64_t size, struct intake_error *err);
    /** Commit everything written since commit_begin: index rows and job states. */
    int (*commit_end)(struct intake_store *s, struct intake_error *err);
    void (*commit_abort)(struct intake_store *s);
    /** Counts per state, and done/quarantined since a unix time. */
    int (*stats)(struct intake_store *s, int64_t since, int64_t counts[4], int64_t recent[4],
                 struct intake_error *err);
    /** The latest failures (quarantines and failed attempts), newest first:
     *  id, state, attempts, content-free reason, unix time. */
    int (*errors)(struct intake_store *s, int max,
                  void (*emit)(void *user, const char *doc_id, int state, int attempts,
                               const char *reason, int64_t when),
                  void *user, struct intake_error *err);
    /** Drop a job that is still pending (its file went away before it was
     *  read); done and quarantined jobs are left as they are. */
    int (*job_forget)(struct intake_store *s, const char *doc_id, struct intake_error *err);
};

extern const struct intake_store_ops intake_store_sqlite;

/** Pick the implementation for a --store argument (a directory today). */
const struct intake_store_ops *intake_store_for(const char *location);

#endif
