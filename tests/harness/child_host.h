/*
 * tests/harness/child_host.h: a test host for extract plugins that hand
 * child documents to the core (ABI 1.2 doc_add_child, doc_depth): a
 * document is its bytes, MIME type, depth, pages of text, metadata and the
 * children it was given (name and bytes, copied). A hook can run a plugin
 * on each child as it arrives, the way the core recurses, so that nested
 * archives and their limits are exercised in-process.
 * Test code: globals, not thread-safe.
 */
#ifndef INTAKE_TEST_CHILD_HOST_H
#define INTAKE_TEST_CHILD_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <intake/plugin.h>

struct child_rec {
    char *name;
    unsigned char *bytes;
    size_t len;
};

struct intake_doc {
    unsigned char *src;
    size_t len;
    char mime[128];
    uint32_t depth;
    char *text; /* NUL-terminated */
    size_t tlen;
    uint32_t npages;
    size_t *page_end;
    size_t nkids;
    struct child_rec *kids;
    char **meta; /* key, value, key, value ... */
    size_t nmeta;
};

/** Called by doc_add_child after the child is recorded (its bytes are
 *  \p kid); a non-zero return is doc_add_child's result. */
typedef int (*child_hook_fn)(void *user, struct intake_doc *parent, const struct child_rec *kid,
                             struct intake_error *err);

const struct intake_host *child_host(void);
/** [pipeline] max_depth and max_children as the core checks them (defaults 5, 10000). */
void child_host_limits(uint32_t max_depth, uint32_t max_children);
void child_host_hook(child_hook_fn fn, void *user);
/** Documents passed through doc_add_child since the start (all levels). */
size_t child_host_total_children(void);

struct intake_doc *child_doc_create(const void *bytes, size_t len, const char *mime,
                                    uint32_t depth);
void child_doc_destroy(struct intake_doc *doc);
/** The child whose name is \p name, or NULL. */
const struct child_rec *child_doc_find(const struct intake_doc *doc, const char *name);

#endif
