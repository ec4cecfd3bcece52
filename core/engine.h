/*
 * core/engine.h: a loaded configuration: plugins, their instances, the
 * policy, and the per-process worker state. Used by `intake redact`,
 * `intake plugins`, the batch workers and the tests.
 */
#ifndef INTAKE_CORE_ENGINE_H
#define INTAKE_CORE_ENGINE_H

#include <stddef.h>

#include <intake/plugin.h>

struct intake_engine;

/**
 * Parse the config (a file at \p config_path, or the INI text \p config_text
 * when not NULL, reported under the name \p config_path), load the plugins
 * it names from $INTAKE_PLUGIN_PATH (colon-separated directories) or the
 * config's plugin_dir, and run every instance's cb_init. Errors are
 * INTAKE_ECONFIG or INTAKE_EABI with one line in \p err.
 * Caller destroys with intake_engine_destroy().
 */
int intake_engine_create(const char *config_path, const char *config_text,
                         struct intake_engine **out, struct intake_error *err);
/** The same, with \p overrides ("option=value", NULL-terminated): each is set
 *  in every instance whose plugin declares that option; one that no plugin
 *  takes is INTAKE_ECONFIG. */
int intake_engine_create_with(const char *config_path, const char *config_text,
                              const char *const *overrides, struct intake_engine **out,
                              struct intake_error *err);
void intake_engine_destroy(struct intake_engine *e);

/** Per-process worker state (cb_worker_init of every instance, libmagic cookie).
 *  Call once in each process that processes documents. */
int intake_engine_worker_init(struct intake_engine *e, struct intake_error *err);

/**
 * Run the whole chain on \p len bytes: type detection, extract, (ocr, langid),
 * detect. On success *out is a document with text and spans (caller destroys
 * it with intake_doc_destroy). On failure *out is NULL and \p err says why,
 * without document content: INTAKE_EFORMAT for unsupported/corrupt input.
 */
int intake_engine_run(struct intake_engine *e, const void *bytes, size_t len,
                      struct intake_doc **out, struct intake_error *err);
/** Run the chain on child \p i of \p parent (after the parent's run): one
 *  level deeper, same limits. The caller names it (parent name + "/" +
 *  child name) when it finishes it. */
int intake_engine_run_child(struct intake_engine *e, const struct intake_doc *parent, size_t i,
                            struct intake_doc **out, struct intake_error *err);
/** Called for each finished descendant (run, anonymised, exported):
 *  \p child with its parent; non-zero stops the walk with that status. */
typedef int (*intake_engine_child_fn)(void *user, struct intake_doc *child,
                                      const struct intake_doc *parent);
/**
 * Every descendant of \p parent (attachments, archive members), depth
 * first: run the chain on it, finish it under the name "<pname>/<its name>"
 * (redacted like a file name), call \p fn, then its own children. The
 * first failure stops the walk and fails the parent: its reason names the
 * child's number and depth, never its content.
 */
int intake_engine_each_child(struct intake_engine *e, struct intake_doc *parent, const char *pname,
                             intake_engine_child_fn fn, void *user, struct intake_error *err);
/** Called by intake_engine_run after extraction with the number of pages
 *  that need OCR, before OCR starts (batch: a deadline that grows with them). */
typedef void (*intake_engine_progress_fn)(void *user, uint32_t ocr_pages);
void intake_engine_set_progress(struct intake_engine *e, intake_engine_progress_fn fn, void *user);
/** Called after each file an export plugin wrote into the store
 *  (host->store_write) for document \p doc_id, with its path relative to
 *  the store (batch: the supervisor removes exactly these if the document
 *  fails later). */
typedef void (*intake_engine_wrote_fn)(void *user, const char *doc_id, const char *relpath);
void intake_engine_set_wrote(struct intake_engine *e, intake_engine_wrote_fn fn, void *user);

/** Language of a piece of text through the LANGID instance's cb_identify
 *  (this worker's state). INTAKE_EINVAL when there is none. */
int intake_engine_identify(struct intake_engine *e, const char *utf8, size_t len,
                           struct intake_block *out);
/** Run only the langid and detect stages on a document that already has text. */
int intake_engine_detect(struct intake_engine *e, struct intake_doc *doc, struct intake_error *err);

/** Like intake_engine_worker_init, for the instances of the stages in
 *  \p stage_mask only (bit 1 << INTAKE_STAGE_x). */
int intake_engine_worker_init_stages(struct intake_engine *e, unsigned stage_mask,
                                     struct intake_error *err);
#define INTAKE_STAGES_ALL   0xFFFFu
#define INTAKE_STAGE_BIT(s) (1u << (s))

/** Tell store-stage plugins where the store is (NULL: no store). */
void intake_engine_set_store(struct intake_engine *e, const char *store_dir);
/** host->store_write for this engine's store: like intake_store_write, with
 *  the export folders kept open in this process, no fsync when deferred
 *  (intake_engine_defer_store_sync), and the file reported to the wrote hook. */
int intake_engine_store_write(struct intake_engine *e, const char *dir, const char *name,
                              const void *data, size_t len, struct intake_error *err);
/** With \p on, host->store_write does not fsync: the caller promises an
 *  intake_store_sync before it records any document written this way as
 *  done (the batch supervisor does, once per commit group). */
void intake_engine_defer_store_sync(struct intake_engine *e, int on);

/**
 * After intake_engine_run: anonymise the document with the policy and attach
 * the result, redact \p name (the source name; may be NULL) by running the
 * detectors over it, record size/pages metadata, then run the export stage.
 */
int intake_engine_finish(struct intake_engine *e, struct intake_doc *doc, const char *name,
                         struct intake_error *err);

/** Run the index stage on a finished document inside the store transaction
 *  whose handle is \p db (host->store_handle gives it to the plugins). */
int intake_engine_index(struct intake_engine *e, struct intake_doc *doc, void *db,
                        struct intake_error *err);

/** Ask the first index plugin that can search. */
int intake_engine_search(struct intake_engine *e, const struct intake_query *q, intake_hit_fn emit,
                         void *user, struct intake_error *err);

/** [pipeline] settings the batch engine uses. */
struct intake_run_settings {
    int64_t jobs;            /* worker processes; 0 = one per core */
    int64_t timeout_ms;      /* per document */
    int64_t memory_limit;    /* bytes per worker; 0 = none */
    int64_t attempts;        /* failed attempts before quarantine */
    int64_t full_retry_ms;   /* watch: wait this long after the store's disk was full */
    int64_t page_timeout_ms; /* added to the deadline per page that needs OCR */
    int64_t max_depth;       /* children may nest this deep */
    int64_t max_children;    /* per document */
};
void intake_engine_settings(const struct intake_engine *e, struct intake_run_settings *out);

/** Name of the instance with id \p source (span.source), or "?". Borrowed. */
const char *intake_engine_instance_name(const struct intake_engine *e, uint32_t source);

#endif
