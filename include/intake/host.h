/*
 * intake: the host function table, the only way a plugin calls the core.
 *
 * Versioned and append-only, like SQLite's sqlite3_api_routines: a plugin
 * checks INTAKE_HOST_HAS(host, member) before using a member newer than
 * ABI 1.0. Plugins never link against core symbols.
 *
 * Documents (struct intake_doc) are opaque and owned by the core. A plugin
 * gets a borrowed pointer valid only during its cb_process call. Getters
 * borrow, setters copy.
 */
#ifndef INTAKE_HOST_H
#define INTAKE_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "span.h"

#ifdef __cplusplus
extern "C" {
#endif

struct intake_doc;     /* opaque: one input document and everything derived from it */
struct intake_context; /* opaque: the calling plugin instance (name, log level, id) */

/** Log levels, most severe first. */
enum intake_log_level {
    INTAKE_LOG_ERROR = 0,
    INTAKE_LOG_WARN = 1,
    INTAKE_LOG_INFO = 2,
    INTAKE_LOG_DEBUG = 3,
    INTAKE_LOG_TRACE = 4
};

struct intake_host {
    uint32_t abi_major;   /* INTAKE_PLUGIN_ABI_MAJOR of the core */
    uint32_t abi_minor;   /* INTAKE_PLUGIN_ABI_MINOR of the core */
    uint32_t struct_size; /* sizeof(struct intake_host) in the core */
    uint32_t reserved;

    /* ---- ABI 1.0 ---- */

    /**
     * Log one line. The core adds "[type:instance] doc=<id>" and drops the
     * call when \p level is below the instance's level. Never pass document
     * text, span text or file names. Thread-safe.
     * \param doc may be NULL.
     */
    void (*log)(const struct intake_context *ctx, const struct intake_doc *doc, int level,
                const char *fmt, ...) INTAKE_PRINTF(4, 5);
    /** Current level of the instance, so a plugin can skip costly formatting. */
    int (*log_level)(const struct intake_context *ctx);

    /** Heap memory; release with host->free. NULL on failure. */
    void *(*alloc)(size_t size);
    void (*free)(void *ptr);

    /** Document id (64 hex chars of the content's SHA-256). Borrowed, valid for the call. */
    const char *(*doc_id)(const struct intake_doc *doc);
    /** MIME type from libmagic (after the core's text check). Borrowed. */
    const char *(*doc_mime)(const struct intake_doc *doc);
    /** The original bytes. Borrowed, read-only, valid for the call. */
    const unsigned char *(*doc_source)(const struct intake_doc *doc, size_t *len);

    /**
     * The extracted UTF-8 text (NUL-terminated; \p len excludes the NUL).
     * Borrowed, valid until the text next changes. "" before extraction.
     */
    const char *(*doc_text)(const struct intake_doc *doc, size_t *len);
    /**
     * Append one page of text (copied). Extract and OCR stages only: the
     * text is immutable once detection starts. The core checks UTF-8.
     */
    int (*doc_add_page)(struct intake_doc *doc, const char *utf8, size_t len,
                        struct intake_error *err);
    /** Number of pages, and the byte range [start, end) of page \p i in the text. */
    uint32_t (*doc_page_count)(const struct intake_doc *doc);
    int (*doc_page_range)(const struct intake_doc *doc, uint32_t i, uint64_t *start, uint64_t *end);

    /** Metadata (copied). Keys are ASCII; values may be personal data and are
     *  never stored unless the core has run detection over them. */
    int (*doc_meta_set)(struct intake_doc *doc, const char *key, const char *value,
                        struct intake_error *err);
    /** Borrowed value or NULL. */
    const char *(*doc_meta_get)(const struct intake_doc *doc, const char *key);

    /** Main language (BCP 47, "und" unknown). Borrowed. */
    const char *(*doc_lang)(const struct intake_doc *doc);
    int (*doc_set_lang)(struct intake_doc *doc, const char *lang, struct intake_error *err);

    /**
     * Add a detected span (copied). The core checks the offsets lie inside
     * the text and on UTF-8 boundaries, and sets span->source.
     */
    int (*doc_add_span)(struct intake_doc *doc, const struct intake_span *span,
                        struct intake_error *err);
    /** All spans so far, in insertion order. Borrowed, valid until the next add. */
    const struct intake_span *(*doc_spans)(const struct intake_doc *doc, size_t *count);

    /** Scratch memory freed with the document. NULL on failure. */
    void *(*doc_alloc)(struct intake_doc *doc, size_t size);

    /* ---- store stages (export, index): what the core hands them ---- */

    /**
     * The redacted text: what the anonymiser wrote from the text and the
     * policy. NULL before anonymisation. Export and index plugins must use
     * this, never doc_text. Borrowed, valid for the call.
     */
    const char *(*doc_redacted_text)(const struct intake_doc *doc, size_t *len);
    /** The merged entities the policy acted on (offsets into the original
     *  text, labels, scores, sources). Borrowed, valid for the call. */
    const struct intake_span *(*doc_entities)(const struct intake_doc *doc, size_t *count);
    /** Name of the detector instance that produced \p source ("?" if unknown). Borrowed. */
    const char *(*doc_detector_name)(const struct intake_doc *doc, uint32_t source);
    /** The document's source name (path relative to what the user named)
     *  after detection and redaction; never the original. NULL when the
     *  document has no name. Borrowed. */
    const char *(*doc_source_name)(const struct intake_doc *doc);
    /** The store directory of this run, or NULL (e.g. `intake redact`). Borrowed. */
    const char *(*store_dir)(const struct intake_context *ctx);
    /**
     * The store's open database handle of kind \p kind ("sqlite3" gives a
     * sqlite3 *), valid only during an index-stage cb_process, inside the
     * transaction in which the core also marks the job done: what the
     * plugin writes commits or rolls back with it. NULL otherwise.
     */
    void *(*store_handle)(const struct intake_context *ctx, const char *kind);

    /* ---- ABI 1.1 and later: append here, never in between ---- */
};

/** True when the host table has \p member (it was built against a new enough ABI). */
#define INTAKE_HOST_HAS(host, member)                                                              \
    ((host)->struct_size >= offsetof(struct intake_host, member) + sizeof((host)->member) &&       \
     (host)->member != NULL)

/* Level-checking log macros, like flb_plg_* and spa_log_*. */
#define intake_log_at(host, ctx, doc, lvl, ...)                                                    \
    do {                                                                                           \
        if ((host)->log_level(ctx) >= (lvl))                                                       \
            (host)->log((ctx), (doc), (lvl), __VA_ARGS__);                                         \
    } while (0)
#define intake_log_error(host, ctx, doc, ...)                                                      \
    intake_log_at(host, ctx, doc, INTAKE_LOG_ERROR, __VA_ARGS__)
#define intake_log_warn(host, ctx, doc, ...)                                                       \
    intake_log_at(host, ctx, doc, INTAKE_LOG_WARN, __VA_ARGS__)
#define intake_log_info(host, ctx, doc, ...)                                                       \
    intake_log_at(host, ctx, doc, INTAKE_LOG_INFO, __VA_ARGS__)
#define intake_log_debug(host, ctx, doc, ...)                                                      \
    intake_log_at(host, ctx, doc, INTAKE_LOG_DEBUG, __VA_ARGS__)
#define intake_log_trace(host, ctx, doc, ...)                                                      \
    intake_log_at(host, ctx, doc, INTAKE_LOG_TRACE, __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif /* INTAKE_HOST_H */
