/*
 * intake: the plugin descriptor and entry point.
 *
 * A plugin is a shared object exporting one symbol, intake_plugin_entry,
 * which returns a pointer to a static, versioned descriptor. The loader
 * checks ABI major, struct size, name (== file basename) and required
 * callbacks, and refuses duplicate names, before it calls anything else.
 *
 * Three lifetimes:
 *   plugin    the static descriptor; immutable.
 *   instance  cb_init, once per config section, before workers fork;
 *             read-only afterwards (shared copy-on-write by workers).
 *   worker    cb_worker_init, once per worker process, after the fork:
 *             handles, threads, scratch buffers.
 */
#ifndef INTAKE_PLUGIN_H
#define INTAKE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "host.h"
#include "option.h"
#include "span.h"
#include <intake/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#define INTAKE_PLUGIN_ABI_MAJOR 1 /* incompatible change: the host refuses a mismatch */
#define INTAKE_PLUGIN_ABI_MINOR 2 /* members appended at the end of the structs */

/** Pipeline stages, in the order the core runs them. */
enum intake_stage {
    INTAKE_STAGE_EXTRACT = 1, /* bytes -> pages of text */
    INTAKE_STAGE_OCR = 2,     /* page images -> text */
    INTAKE_STAGE_LANGID = 3,  /* text -> language */
    INTAKE_STAGE_DETECT = 4,  /* text -> spans */
    INTAKE_STAGE_EXPORT = 5,  /* redacted document -> files */
    INTAKE_STAGE_INDEX = 6    /* redacted document -> searchable store */
};

/** Descriptor flags. */
#define INTAKE_PLUGIN_F_SINGLE_WORKER 0x1u /* all documents go to one worker */

typedef int (*intake_init_fn)(const struct intake_host *host, const struct intake_context *ctx,
                              const void *config, void **instance, struct intake_error *err);
typedef int (*intake_worker_init_fn)(void *instance, void **worker, struct intake_error *err);
typedef int (*intake_process_fn)(void *instance, void *worker, struct intake_doc *doc,
                                 struct intake_error *err);
typedef void (*intake_worker_exit_fn)(void *instance, void *worker);
typedef void (*intake_exit_fn)(void *instance);
/** Extract plugins: how well can this plugin read these bytes? 0 = not at all, 100 = sure.
 *  Called when no extractor claims the MIME type libmagic gave (libmagic misnames text). */
typedef int (*intake_probe_fn)(void *instance, const unsigned char *bytes, size_t len,
                               const char *mime);

/** Language-identification plugins: the language of a piece of text, for
 *  other plugins through host->identify_lang. Worker state is this process's. */
typedef int (*intake_identify_fn)(void *instance, void *worker, const char *utf8, size_t len,
                                  struct intake_block *out, struct intake_error *err);

/** Facet counts of a search (ABI 1.2): called before the first hit, once per
 *  (facet, value): facet is "lang", "type" (MIME), "entity" (documents with
 *  that entity type), "entities" (entities of that type, summed), "year",
 *  "month" (YYYY-MM of ingest), or "total" (value ""). Strings are borrowed
 *  for the call. Return non-zero to stop. */
typedef int (*intake_facet_fn)(void *user, const char *facet, const char *value, uint64_t count);

/** A search request (index stage). Strings are borrowed for the call. */
struct intake_query {
    const char *text;   /* the user's query, in the index's query language */
    const char *lang;   /* only documents in this language, or NULL */
    const char *doc_id; /* fetch this one document (with its text) instead of searching */
    uint32_t limit;     /* at most this many hits */
    uint32_t offset;    /* skip this many (pagination) */
    uint32_t flags;     /* INTAKE_QUERY_* */
    uint32_t reserved;

    /* ---- ABI 1.2: read only when flags has INTAKE_QUERY_V1_2 ---- */
    uint32_t sort; /* INTAKE_SORT_*; a `sort:` in the text wins over RELEVANCE */
    uint32_t reserved2;
    intake_facet_fn facet; /* facet counts of the whole match set, or NULL */
    void *facet_user;      /* passed to facet */
};
#define INTAKE_QUERY_WITH_TEXT 0x1u /* fill intake_hit.text */
#define INTAKE_QUERY_V1_2      0x2u /* the ABI 1.2 members are filled in */
#define INTAKE_QUERY_ALL       0x4u /* a query of no words (only filters, or empty) lists documents */
#define INTAKE_SORT_RELEVANCE  0u
#define INTAKE_SORT_DATE       1u /* newest ingest first */

/** One search hit. Every string is borrowed and valid only during the callback. */
struct intake_hit {
    const char *doc_id;
    const char *source_name; /* redacted */
    const char *mime;
    const char *lang;
    const char *snippet; /* redacted text around the match; matches between \x02 and \x03 */
    const char *text;    /* whole redacted text when INTAKE_QUERY_WITH_TEXT, else NULL */
    double score;        /* higher is better */
    uint64_t size;       /* bytes of the original */
    uint32_t pages;
    uint32_t reserved;
    int64_t ingested; /* unix time */

    /* ---- ABI 1.2: only from a plugin whose abi_minor >= 2 ---- */
    const char *entity_counts; /* JSON object of entity counts per type ({"PERSON":3}), or NULL */
    uint64_t total;            /* documents matching in all (every hit of a search), 0 unknown */
};
/** Return non-zero to stop the search early. */
typedef int (*intake_hit_fn)(void *user, const struct intake_hit *hit);
/** Index plugins: answer a query over the store at host->store_dir(ctx),
 *  read-only. A malformed query is INTAKE_EINVAL with a one-line reason. */
typedef int (*intake_search_fn)(void *instance, const struct intake_query *q, intake_hit_fn emit,
                                void *user, struct intake_error *err);

struct intake_plugin {
    uint32_t abi_major;   /* = INTAKE_PLUGIN_ABI_MAJOR */
    uint32_t abi_minor;   /* = INTAKE_PLUGIN_ABI_MINOR */
    uint32_t struct_size; /* sizeof(struct intake_plugin) as the plugin saw it */
    uint32_t stage;       /* enum intake_stage */
    uint32_t flags;       /* INTAKE_PLUGIN_F_* */
    uint32_t reserved;
    const char *name;                    /* == folder name == .so basename == config `type` */
    const char *version;                 /* the plugin's own version string */
    const char *description;             /* one line */
    const struct intake_option *options; /* {0}-terminated table, or NULL */
    size_t config_size;                  /* size of the struct the options fill */
    const char *const *mime_types;       /* extract stage: NULL-terminated fnmatch patterns */

    intake_init_fn cb_init;               /* required */
    intake_worker_init_fn cb_worker_init; /* optional */
    intake_process_fn cb_process;         /* required */
    intake_worker_exit_fn cb_worker_exit; /* optional; same process as cb_worker_init */
    intake_exit_fn cb_exit;               /* required */
    intake_probe_fn cb_probe;             /* optional, extract stage only */
    intake_search_fn cb_search;           /* optional, index stage only */

    /* ---- ABI 1.1 ---- */
    intake_identify_fn cb_identify; /* optional, language-identification stage only */

    /* ABI 1.2 and later: append new members here, never in between */
};

/** v1.0 size: the loader refuses anything shorter. */
#define INTAKE_PLUGIN_SIZE_V1_0                                                                    \
    (offsetof(struct intake_plugin, cb_search) + sizeof(intake_search_fn))

/** The entry point every plugin exports. */
typedef int (*intake_plugin_entry_fn)(const struct intake_host *host,
                                      const struct intake_plugin **out);
#define INTAKE_PLUGIN_ENTRY_SYMBOL "intake_plugin_entry"

#if defined(__GNUC__)
#define INTAKE_EXPORT __attribute__((visibility("default")))
#else
#define INTAKE_EXPORT
#endif

/**
 * Emit the entry point for \p descriptor. It refuses a host whose ABI major
 * differs or whose table is shorter than v1.0. With -DINTAKE_STATIC_PLUGIN it
 * emits intake_plugin_entry_<name> instead, for linking into tests.
 */
#define INTAKE_PLUGIN_CHECK_HOST_(host)                                                            \
    ((host) == NULL || (host)->abi_major != INTAKE_PLUGIN_ABI_MAJOR ||                             \
     (host)->struct_size < offsetof(struct intake_host, store_handle) + sizeof(void *))
#ifdef INTAKE_STATIC_PLUGIN
#define INTAKE_PLUGIN_DEFINE(name, descriptor)                                                     \
    int intake_plugin_entry_##name(const struct intake_host *host,                                 \
                                   const struct intake_plugin **out)                               \
    {                                                                                              \
        if (INTAKE_PLUGIN_CHECK_HOST_(host))                                                       \
            return INTAKE_EABI;                                                                    \
        *out = &(descriptor);                                                                      \
        return INTAKE_OK;                                                                          \
    }
#else
#define INTAKE_PLUGIN_DEFINE(name, descriptor)                                                     \
    INTAKE_EXPORT int intake_plugin_entry(const struct intake_host *host,                          \
                                          const struct intake_plugin **out);                       \
    INTAKE_EXPORT int intake_plugin_entry(const struct intake_host *host,                          \
                                          const struct intake_plugin **out)                        \
    {                                                                                              \
        if (INTAKE_PLUGIN_CHECK_HOST_(host))                                                       \
            return INTAKE_EABI;                                                                    \
        *out = &(descriptor);                                                                      \
        return INTAKE_OK;                                                                          \
    }
#endif

/** Fill the version fields of a descriptor: `.INTAKE_PLUGIN_HEADER` style helper. */
#define INTAKE_PLUGIN_ABI                                                                          \
    .abi_major = INTAKE_PLUGIN_ABI_MAJOR, .abi_minor = INTAKE_PLUGIN_ABI_MINOR,                    \
    .struct_size = sizeof(struct intake_plugin)

#ifdef __cplusplus
}
#endif
#endif /* INTAKE_PLUGIN_H */
