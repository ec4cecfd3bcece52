/*
 * core/supervisor.h: the batch engine as a long-running supervisor, for
 * sources that add work while it runs (`intake watch`).
 *
 * The same store, job table, worker processes, deadlines, attempts,
 * quarantine and group commit as `intake batch` (batch.c): a source
 * submits files it has hashed, turns the crank with intake_sup_step(), and
 * hears about each file's end through on_final. Nothing here prints a
 * file name: only document ids and redacted names.
 */
#ifndef INTAKE_CORE_SUPERVISOR_H
#define INTAKE_CORE_SUPERVISOR_H

#include <poll.h>
#include <stdint.h>

#include <intake/error.h>

enum intake_sup_outcome {
    INTAKE_SUP_DONE = 1,        /* indexed and committed */
    INTAKE_SUP_DUPLICATE = 2,   /* the content was already done */
    INTAKE_SUP_QUARANTINED = 3, /* refused now or earlier; reason given */
    INTAKE_SUP_GONE = 4,        /* the file vanished or changed before it was read */
};

/** Called once per submitted file when its fate is final (committed). */
typedef void (*intake_sup_final_fn)(void *user, long tag, const char *doc_id, int outcome,
                                    const char *reason);

struct intake_sup_opts {
    const char *config_path; /* for messages, and read when config_text is NULL */
    const char *config_text; /* the config as text, or NULL */
    const char *store_dir;
    int jobs; /* 0: [pipeline] jobs, else one per core */
    intake_sup_final_fn on_final;
    void *user;
};

struct intake_sup;

/** Engine, store, store lock, index state, and the worker processes.
 *  One line in \p err on failure (INTAKE_ECONFIG: refuse to start). */
int intake_sup_open(const struct intake_sup_opts *o, struct intake_sup **out,
                    struct intake_error *err);
/** Stop the workers (in-flight documents stay pending in the store). */
void intake_sup_close(struct intake_sup *s);

/**
 * Queue a file already hashed to \p id. A content already done or
 * quarantined in the store ends at once through on_final. INTAKE_ERETRY:
 * the same content is in flight now; submit again later.
 */
int intake_sup_submit(struct intake_sup *s, const char *path, const char *name, const char *id,
                      uint64_t size, long tag, struct intake_error *err);

/**
 * One turn: feed workers (unless \p dispatch is 0), wait up to \p timeout_ms
 * for results or for \p extra fds (their revents are filled), enforce
 * deadlines and memory limits, commit. Returns <0 when workers cannot be
 * started (a configuration problem), else 0.
 */
int intake_sup_step(struct intake_sup *s, int timeout_ms, struct pollfd *extra, int nextra,
                    int dispatch);
/** Commit whatever is finished now. */
void intake_sup_flush(struct intake_sup *s);
/** Documents queued, and documents sent to workers but not yet final. */
void intake_sup_load(const struct intake_sup *s, long *queued, long *inflight);
/** Kill the workers; what they held goes back to the front of the queue. */
void intake_sup_abandon(struct intake_sup *s);
/** Swap in a new configuration (plugins, policy, [pipeline]); the queue stays.
 *  Call with nothing in flight. On error the old one stays in force. */
int intake_sup_reload(struct intake_sup *s, const char *config_path, const char *config_text,
                      struct intake_error *err);

/** SHA-256 of a file's bytes (hex) and its size; \p why gets a content-free reason. */
int intake_hash_file(const char *path, char id[65], uint64_t *size, char *why, size_t wl);

#endif
