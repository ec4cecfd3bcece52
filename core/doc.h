/*
 * core/doc.h: the document model (core-internal side of include/intake/host.h).
 *
 * A document owns everything attached to it: source bytes (copied), text,
 * pages, metadata, spans, scratch memory. intake_doc_destroy() zeroes the
 * text and source buffers before freeing them, because they are PII.
 */
#ifndef INTAKE_CORE_DOC_H
#define INTAKE_CORE_DOC_H

#include <stddef.h>
#include <stdint.h>

#include <intake/host.h>

/** Create a document from \p len bytes (copied). The id is the SHA-256 of the
 *  bytes in hex. \p mime may be NULL (set later). Returns NULL on ENOMEM. */
struct intake_doc *intake_doc_create(const void *bytes, size_t len, const char *mime);
void intake_doc_destroy(struct intake_doc *doc);
/** A document known only by its id (the supervisor's view of a finished
 *  document: it never holds the original). Returns NULL on ENOMEM or a bad id. */
struct intake_doc *intake_doc_create_with_id(const char *id, const char *mime);

int intake_doc_set_mime(struct intake_doc *doc, const char *mime);
/** Once detection starts the text is frozen; doc_add_page then fails with EINVAL. */
void intake_doc_freeze_text(struct intake_doc *doc);
/** The instance id the core stamps on spans added from now on. */
void intake_doc_set_source(struct intake_doc *doc, uint32_t source);
/** Metadata iteration: returns 0 when \p i is past the end. Borrowed strings. */
int intake_doc_meta_at(const struct intake_doc *doc, size_t i, const char **key,
                       const char **value);

/** Attach the anonymiser's result (copied): redacted text and merged entities. */
int intake_doc_set_redaction(struct intake_doc *doc, const char *text, size_t len,
                             const struct intake_span *entities, size_t n);
/** The redacted source name (copied); never pass an original name here. */
int intake_doc_set_source_name(struct intake_doc *doc, const char *redacted_name);
/** Borrowed table of detector instance names, index = source id - 1. */
void intake_doc_set_detector_names(struct intake_doc *doc, const char *const *names, uint32_t n);
const char *intake_doc_redacted_text(const struct intake_doc *doc, size_t *len);
const struct intake_span *intake_doc_entities(const struct intake_doc *doc, size_t *count);
const char *intake_doc_detector_name(const struct intake_doc *doc, uint32_t source);
const char *intake_doc_source_name(const struct intake_doc *doc);
/** Attach where each entity's replacement sits: 4 numbers per entity (start,
 *  end in the original text; start, end in the redacted text), copied. */
/** The reviewer's doubts (copied). */
int intake_doc_set_doubts(struct intake_doc *doc, const struct intake_doubt *doubts, size_t n);
const struct intake_doubt *intake_doc_doubts(const struct intake_doc *doc, size_t *count);
/** Nesting: this document's depth and the limits its children obey. */
void intake_doc_set_depth(struct intake_doc *doc, uint32_t depth, uint32_t max_depth,
                          uint32_t max_children);
uint32_t intake_doc_depth(const struct intake_doc *doc);
int intake_doc_add_child(struct intake_doc *doc, const void *bytes, size_t len, const char *name,
                         struct intake_error *err);
size_t intake_doc_child_count(const struct intake_doc *doc);
/** Child \p i's bytes and (original, unredacted) name, borrowed. */
int intake_doc_child(const struct intake_doc *doc, size_t i, const unsigned char **bytes,
                     size_t *len, const char **name);
int intake_doc_set_redaction_map(struct intake_doc *doc, const uint64_t *map, size_t nentities);

/** The host table the core hands to plugins (static, never freed). */
const struct intake_host *intake_core_host(void);

/* The same functions the host table points at, for core and test use. */
const char *intake_doc_id(const struct intake_doc *doc);
const char *intake_doc_mime(const struct intake_doc *doc);
const unsigned char *intake_doc_source(const struct intake_doc *doc, size_t *len);
const char *intake_doc_text(const struct intake_doc *doc, size_t *len);
int intake_doc_add_page(struct intake_doc *doc, const char *utf8, size_t len,
                        struct intake_error *err);
uint32_t intake_doc_page_count(const struct intake_doc *doc);
int intake_doc_page_range(const struct intake_doc *doc, uint32_t i, uint64_t *start, uint64_t *end);
int intake_doc_meta_set(struct intake_doc *doc, const char *key, const char *value,
                        struct intake_error *err);
const char *intake_doc_meta_get(const struct intake_doc *doc, const char *key);
const char *intake_doc_lang(const struct intake_doc *doc);
int intake_doc_set_lang(struct intake_doc *doc, const char *lang, struct intake_error *err);
int intake_doc_add_span(struct intake_doc *doc, const struct intake_span *span,
                        struct intake_error *err);
const struct intake_span *intake_doc_spans(const struct intake_doc *doc, size_t *count);
void *intake_doc_alloc(struct intake_doc *doc, size_t size);
int intake_doc_add_image_page(struct intake_doc *doc, const struct intake_image *image,
                              double width_pt, double height_pt, struct intake_error *err);
int intake_doc_page_image(const struct intake_doc *doc, uint32_t i, struct intake_image *out);
int intake_doc_set_page_text(struct intake_doc *doc, uint32_t i, const char *utf8, size_t len,
                             struct intake_error *err);
int intake_doc_set_page_size(struct intake_doc *doc, uint32_t i, double width_pt, double height_pt);
int intake_doc_page_size(const struct intake_doc *doc, uint32_t i, double *width_pt,
                         double *height_pt);
uint32_t intake_doc_page_flags(const struct intake_doc *doc, uint32_t i);
int intake_doc_set_page_flags(struct intake_doc *doc, uint32_t i, uint32_t flags);
int intake_doc_add_boxes(struct intake_doc *doc, uint32_t i, const struct intake_box *boxes,
                         size_t count, struct intake_error *err);
const struct intake_box *intake_doc_page_boxes(const struct intake_doc *doc, uint32_t i,
                                               size_t *count);
int intake_doc_add_block(struct intake_doc *doc, const struct intake_block *block,
                         struct intake_error *err);
const struct intake_block *intake_doc_blocks(const struct intake_doc *doc, size_t *count);
int intake_doc_redacted_range(const struct intake_doc *doc, uint64_t start, uint64_t end,
                              uint64_t *rstart, uint64_t *rend);

/** 1 when [s, s+len) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int intake_utf8_valid(const char *s, size_t len);

#endif
