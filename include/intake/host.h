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

/** A page image: 8-bit samples, rows top to bottom, no padding rule (stride). */
struct intake_image {
    uint32_t width, height; /* pixels */
    uint32_t stride;        /* bytes from one row to the next */
    uint32_t channels;      /* 1 = gray, 3 = RGB */
    uint32_t dpi;           /* 0 = unknown */
    uint32_t reserved;
    const unsigned char *pixels;
};

/** Page flags. */
#define INTAKE_PAGE_IMAGE       0x1u  /* the page has an image (doc_page_image) */
#define INTAKE_PAGE_NEEDS_OCR   0x2u  /* its text must come from OCR */
#define INTAKE_PAGE_OCR_DONE    0x4u  /* OCR wrote its text */
#define INTAKE_PAGE_OCR_PARTIAL 0x8u  /* OCR stopped early (deadline): text incomplete */
#define INTAKE_PAGE_TEXT_LAYER  0x10u /* text came from the file's own text layer */

/** A word on a page: its bytes in the page's text, its box, its confidence. */
struct intake_box {
    uint32_t start, end;  /* byte offsets relative to the page's text */
    float x0, y0, x1, y1; /* points from the page's top-left corner */
    float conf;           /* 0..100; negative = unknown (text layer) */
    uint32_t reserved;
};

/** Something a reviewer should look at (host->doc_doubts). Offsets, type,
 *  score and cues only: never the text. */
struct intake_doubt {
    uint64_t start, end; /* byte offsets into the original text */
    uint32_t label;      /* enum intake_label */
    uint32_t reason;     /* INTAKE_DOUBT_* */
    float score;
    uint32_t cues; /* INTAKE_CUE_* */
};
#define INTAKE_DOUBT_NEAR_THRESHOLD 1 /* redacted, but scored close to the threshold */
#define INTAKE_DOUBT_LEFT_IN        2 /* scored under the threshold: left in the text */
#define INTAKE_DOUBT_SINGLE_MENTION 3 /* a person named once, on weak cues only */

/** A run of text in one language and script. */
struct intake_block {
    uint64_t start, end; /* byte offsets into the document text */
    char lang[16];       /* BCP 47: "ru", "kk-Latn", "uz-Cyrl", "und" ... */
    char script[8];      /* ISO 15924: "Cyrl", "Latn", "Zyyy" ... */
    float confidence;    /* 0..1 */
    uint32_t reserved;
};

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
     * plugin writes commits or rolls back with it. When a cb_process
     * returns an error the core rolls the whole transaction back, so a
     * plugin needs no savepoint of its own. NULL otherwise.
     */
    void *(*store_handle)(const struct intake_context *ctx, const char *kind);

    /* ---- ABI 1.1: page images, word boxes, blocks, language service ---- */

    /**
     * Append a page that is an image (a scan, a photo, a PDF page without a
     * usable text layer). Its text is empty until the OCR stage calls
     * doc_set_page_text. The pixels are copied. \p width_pt and \p height_pt
     * are the page size in points (1/72 inch); 0 derives them from the
     * image's dpi (300 when unknown). Extract stage only.
     */
    int (*doc_add_image_page)(struct intake_doc *doc, const struct intake_image *image,
                              double width_pt, double height_pt, struct intake_error *err);
    /** The image of page \p i, borrowed and valid for the call: INTAKE_OK, or
     *  INTAKE_EINVAL when the page has no image. */
    int (*doc_page_image)(const struct intake_doc *doc, uint32_t i, struct intake_image *out);
    /** Replace the text of page \p i (copied; later pages move). Extract and
     *  OCR stages only. The page's boxes are dropped: add them again. */
    int (*doc_set_page_text)(struct intake_doc *doc, uint32_t i, const char *utf8, size_t len,
                             struct intake_error *err);
    /** Set or read the page size in points (0 x 0 when unknown). */
    int (*doc_set_page_size)(struct intake_doc *doc, uint32_t i, double width_pt, double height_pt);
    int (*doc_page_size)(const struct intake_doc *doc, uint32_t i, double *width_pt,
                         double *height_pt);
    /** Page flags (INTAKE_PAGE_*): read, and set (OR-ed into what is there). */
    uint32_t (*doc_page_flags)(const struct intake_doc *doc, uint32_t i);
    int (*doc_set_page_flags)(struct intake_doc *doc, uint32_t i, uint32_t flags);
    /**
     * Add word boxes to page \p i (copied). Offsets in a box are relative to
     * the start of the page's text and must lie inside it; coordinates are
     * in points from the page's top-left corner. Extract and OCR stages.
     */
    int (*doc_add_boxes)(struct intake_doc *doc, uint32_t i, const struct intake_box *boxes,
                         size_t count, struct intake_error *err);
    /** The boxes of page \p i, in the order added. Borrowed, valid for the call. */
    const struct intake_box *(*doc_page_boxes)(const struct intake_doc *doc, uint32_t i,
                                               size_t *count);

    /** Add a language block (copied): a byte range of the text with its
     *  language, script and confidence. Language-identification stage. */
    int (*doc_add_block)(struct intake_doc *doc, const struct intake_block *block,
                         struct intake_error *err);
    /** All blocks, in the order added. Borrowed, valid for the call. */
    const struct intake_block *(*doc_blocks)(const struct intake_doc *doc, size_t *count);

    /**
     * Identify the language of \p utf8 with the configured language
     * identification instance (its cb_identify, in this worker). For
     * plugins that need a language before the pipeline reaches that stage,
     * such as OCR choosing a model. INTAKE_EINVAL when no instance offers
     * it; out->lang is "und" when the identifier abstains.
     */
    int (*identify_lang)(const struct intake_context *ctx, const char *utf8, size_t len,
                         struct intake_block *out);

    /**
     * Map a byte range [start, end) of the original text to the smallest
     * range of the redacted text that covers it: an entity the range
     * touches counts whole, as its replacement. Store stages only; this is
     * how an exporter places redacted words where the original words were.
     */
    int (*doc_redacted_range)(const struct intake_doc *doc, uint64_t start, uint64_t end,
                              uint64_t *rstart, uint64_t *rend);

    /** The reviewer's doubts about this document's redaction, computed by
     *  the core with the policy. Store stages only. Borrowed, valid for the call. */
    const struct intake_doubt *(*doc_doubts)(const struct intake_doc *doc, size_t *count);

    /* ---- ABI 1.2 ---- */

    /**
     * Add a child document: an e-mail attachment, an archive member, a file
     * embedded in an office document. Its bytes are copied; \p name is its
     * path inside the parent ("attachments/report.docx", "inner.zip/a.txt"),
     * personal data that the core redacts like a file name. The core runs
     * the whole pipeline on each child as a document of its own (own id =
     * SHA-256 of its bytes, own type detection, own children up to
     * [pipeline] max_depth), stores it linked to its parent, and commits the
     * parent and all its descendants together or not at all. A child that
     * fails fails its parent: fail closed. Extract stage only. INTAKE_EFORMAT
     * (with the reason) past max_depth or [pipeline] max_children.
     */
    int (*doc_add_child)(struct intake_doc *doc, const void *bytes, size_t len, const char *name,
                         struct intake_error *err);
    /** How deep this document is nested: 0 for a file the user named. */
    uint32_t (*doc_depth)(const struct intake_doc *doc);

    /** Whether \p dir (an exporter's folder option) is relative and stays
     *  inside the store, for checking the option in cb_init. */
    int (*store_dir_ok)(const char *dir);
    /**
     * Write <store>/<dir>/<name> atomically and durably: a temp file,
     * fsync, rename, fsync of the folder (created 0750 where missing; the
     * file 0640). A partly written file is never visible; a full disk is
     * INTAKE_ENOSPC, so the document stays queued. \p name is a plain file
     * name. INTAKE_EINVAL when the run has no store (`intake redact`).
     * Export stage. The core removes what a killed worker left half written.
     */
    int (*store_write)(const struct intake_context *ctx, const char *dir, const char *name,
                       const void *data, size_t len, struct intake_error *err);

    /* ---- ABI 1.3 and later: append here, never in between ---- */
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
