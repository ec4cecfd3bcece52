/*
 * A tiny host table for driving extract_text's callbacks in-process: one
 * document struct with source, pages, metadata; a log sink the test can
 * read; an allocator that can be told to fail.
 */
#ifndef EXTRACT_TEXT_MOCK_HOST_H
#define EXTRACT_TEXT_MOCK_HOST_H

#include <stddef.h>

#include <intake/plugin.h>

#define MOCK_MAX_PAGES 64
#define MOCK_MAX_META  8

struct intake_doc {
    unsigned char *src;
    size_t len;
    char *text; /* NUL-terminated */
    size_t tlen;
    unsigned npages;
    size_t page_end[MOCK_MAX_PAGES];
    unsigned nmeta;
    char *meta_key[MOCK_MAX_META];
    char *meta_val[MOCK_MAX_META];
};

/** The host table (log level DEBUG, so every log call is formatted). */
const struct intake_host *mock_host(void);
/** A document over a copy of \p len bytes. */
struct intake_doc *mock_doc_create(const void *bytes, size_t len);
void mock_doc_destroy(struct intake_doc *doc);
/** Everything logged so far, one line per call. */
const char *mock_log(void);
void mock_log_clear(void);
/** Make the \p n-th host->alloc from now fail (0 = never). */
void mock_fail_alloc(int n);
/** Allocations not yet freed through host->free. */
long mock_live_allocs(void);

#endif
