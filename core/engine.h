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

/** Run only the langid and detect stages on a document that already has text. */
int intake_engine_detect(struct intake_engine *e, struct intake_doc *doc, struct intake_error *err);

/** Name of the instance with id \p source (span.source), or "?". Borrowed. */
const char *intake_engine_instance_name(const struct intake_engine *e, uint32_t source);

#endif
