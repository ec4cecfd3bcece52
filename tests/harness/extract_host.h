/*
 * A small in-process host for the extract plugins' tests (extract_rtf,
 * extract_html, extract_legacy): a document with source bytes, pages and
 * metadata, a log the test can read. Test code: not thread-safe.
 */
#ifndef INTAKE_TEST_EXTRACT_HOST_H
#define INTAKE_TEST_EXTRACT_HOST_H

#include <stddef.h>

#include <intake/intake.h>

/** The host table (log level TRACE, so every log call is formatted). */
const struct intake_host *xhost(void);
/** A document over a copy of \p len bytes with MIME type \p mime (may be NULL). */
struct intake_doc *xdoc_create(const void *bytes, size_t len, const char *mime);
void xdoc_destroy(struct intake_doc *doc);
/** The text of all pages (NUL-terminated), and of page \p i (a copy to free). */
const char *xdoc_text(const struct intake_doc *doc);
char *xdoc_page_dup(const struct intake_doc *doc, unsigned i);
unsigned xdoc_pages(const struct intake_doc *doc);
const char *xdoc_meta(const struct intake_doc *doc, const char *key);
/** Everything logged so far, one line per call; and forget it. */
const char *xhost_log(void);
void xhost_log_clear(void);
/** Allocations through host->alloc not yet freed. */
long xhost_live_allocs(void);
/** Make the \p n-th next host->alloc fail (0: none), for ENOMEM paths. */
void xhost_fail_alloc(int n);
/** Length of the text of all pages (it may hold NUL bytes). */
size_t xdoc_text_len(const struct intake_doc *doc);

/** Run a document through worker init, process and worker exit. */
int xhost_run(const struct intake_plugin *p, void *instance, struct intake_doc *doc,
              struct intake_error *err);

#endif
