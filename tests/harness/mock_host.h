/*
 * A small in-process host for the detect plugins' tests and tools
 * (detect_patterns, detect_names, detect_context): the members of struct
 * intake_host a detect plugin uses, over a document that
 * is just a text buffer and a span array. Not thread-safe (one document per
 * thread); the host table itself is const.
 */
#ifndef INTAKE_TEST_MOCK_HOST_H
#define INTAKE_TEST_MOCK_HOST_H

#include <stddef.h>

#include <intake/intake.h>

/** The host table (static, never freed). */
const struct intake_host *harness_host(void);

/** A document over a copy of \p len bytes of UTF-8 text; NULL on ENOMEM.
 *  Destroy with harness_doc_destroy(). */
struct intake_doc *harness_doc_create(const char *text, size_t len);
void harness_doc_destroy(struct intake_doc *doc);
/** Forget the spans (keeps the memory) so a document can be processed again. */
void harness_doc_clear_spans(struct intake_doc *doc);
/** The spans added so far (borrowed). */
const struct intake_span *harness_doc_spans(const struct intake_doc *doc, size_t *n);
/** Count spans only, do not store them (benchmarks on 100 MB texts). */
void harness_doc_count_only(struct intake_doc *doc, int on);

/** The plugin descriptor, through its static entry point \p entry
 *  (intake_plugin_entry_<name> under -DINTAKE_STATIC_PLUGIN), handed this
 *  host. Returns an intake_status. */
int harness_load(intake_plugin_entry_fn entry, const struct intake_plugin **out);

#endif
