/*
 * detect_patterns: the scanning engine behind the plugin callbacks.
 *
 * struct dp_engine  the compiled Vectorscan databases (triggers for the
 *                   whole text, context words for the windows around
 *                   candidates) plus settings; built once per plugin
 *                   instance, read-only afterwards, so worker processes
 *                   share it copy-on-write after fork.
 * struct dp_scanner per worker: one Vectorscan scratch (fits both
 *                   databases) and reusable hit, context and candidate
 *                   arrays (no allocation per hit; arrays only grow, and
 *                   are reused document after document).
 *
 * Internal to the plugin (hidden visibility); the plugin file, the unit
 * tests, the benchmark driver and dp_spans use it.
 */
#ifndef DP_ENGINE_H
#define DP_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <intake/error.h>

#include "dp_validate.h"

struct dp_engine;
struct dp_scanner;

/** Allocator pair (the host's alloc/free in the plugin). */
struct dp_alloc {
    void *(*alloc)(size_t size);
    void (*free)(void *ptr);
};

struct dp_settings {
    uint32_t labels;       /* bit (1u << INTAKE_LABEL_x) per enabled entity type */
    size_t window_before;  /* bytes before a hit searched for context words */
    size_t window_after;   /* bytes after a hit (Turkic word order: number, then noun) */
    double min_score;      /* candidates below are dropped */
    const char *cache_dir; /* compiled databases kept here; NULL or "" = none */
};

/** Bit mask of every label this plugin can report. */
DP_INTERNAL uint32_t dp_labels_supported(void);

/**
 * Compile the databases for the enabled labels. Caller destroys with
 * dp_engine_destroy(). Errors: INTAKE_EINVAL, INTAKE_ENOMEM,
 * INTAKE_EINTERNAL (Vectorscan refused a pattern: a bug).
 */
DP_INTERNAL int dp_engine_create(const struct dp_settings *set, const struct dp_alloc *a,
                                 struct dp_engine **out, struct intake_error *err);
DP_INTERNAL void dp_engine_destroy(struct dp_engine *e);
/** Non-zero when \p e's databases were loaded from the cache, not compiled. */
DP_INTERNAL int dp_engine_from_cache(const struct dp_engine *e);

/** Per-worker state for \p e. Caller destroys with dp_scanner_destroy(). */
DP_INTERNAL int dp_scanner_create(const struct dp_engine *e, struct dp_scanner **out,
                                  struct intake_error *err);
DP_INTERNAL void dp_scanner_destroy(struct dp_scanner *s);

/** A byte range [start, end) of the text. */
struct dp_range {
    uint64_t start, end;
};

/**
 * Find the entities in \p text. \p ocr / \p nocr: the ranges of the text
 * that OCR wrote (may be NULL / 0): there every token mixing Cyrillic with
 * ASCII letters, digits or '@' gets the folded second look (elsewhere only
 * Cyrillic glued to digits or '@' does). On success *res points at *n
 * candidates (sorted by start, scored, overlaps resolved), borrowed from
 * the scanner until its next scan. Errors: INTAKE_ENOMEM, INTAKE_EFORMAT (text longer
 * than the 4 GiB Vectorscan can scan in one block), INTAKE_EINTERNAL.
 */
DP_INTERNAL int dp_scan(const struct dp_engine *e, struct dp_scanner *s, const char *text,
                        size_t len, const struct dp_range *ocr, size_t nocr,
                        const struct dp_cand **res, size_t *n, struct intake_error *err);

/** Only the full-text Vectorscan pass, counting matches (benchmarking). */
DP_INTERNAL int dp_scan_raw(const struct dp_engine *e, struct dp_scanner *s, const char *text,
                            size_t len, size_t *hits, struct intake_error *err);

#endif /* DP_ENGINE_H */
