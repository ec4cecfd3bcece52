/* core/host.c: the struct intake_host table handed to every plugin. */
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "engine.h"
#include "store_files.h"
#include "log.h"

#include <intake/plugin.h>

static int ctx_level(const struct intake_context *ctx)
{
    return ctx ? ctx->level : -1;
}
static const char *ctx_store_dir(const struct intake_context *ctx)
{
    return ctx ? ctx->store_dir : NULL;
}

static void *ctx_store_handle(const struct intake_context *ctx, const char *kind)
{
    return ctx && kind && strcmp(kind, "sqlite3") == 0 ? ctx->store_db : NULL;
}

static int ctx_identify_lang(const struct intake_context *ctx, const char *utf8, size_t len,
                             struct intake_block *out)
{
    if (!ctx || !ctx->engine || !out || (!utf8 && len))
        return INTAKE_EINVAL;
    return intake_engine_identify(ctx->engine, utf8, len, out);
}

static int ctx_store_write(const struct intake_context *ctx, const char *dir, const char *name,
                           const void *data, size_t len, struct intake_error *err)
{
    if (ctx && ctx->engine)
        return intake_engine_store_write(ctx->engine, dir, name, data, len, err);
    return intake_store_write(ctx ? ctx->store_dir : NULL, dir, name, data, len, 0, err);
}

static void *host_alloc(size_t n)
{
    return malloc(n ? n : 1);
}
static void host_free(void *p)
{
    free(p);
}

static const struct intake_host core_host = {
    .abi_major = INTAKE_PLUGIN_ABI_MAJOR,
    .abi_minor = INTAKE_PLUGIN_ABI_MINOR,
    .struct_size = sizeof(struct intake_host),
    .log = intake_log_plugin,
    .log_level = ctx_level,
    .alloc = host_alloc,
    .free = host_free,
    .doc_id = intake_doc_id,
    .doc_mime = intake_doc_mime,
    .doc_source = intake_doc_source,
    .doc_text = intake_doc_text,
    .doc_add_page = intake_doc_add_page,
    .doc_page_count = intake_doc_page_count,
    .doc_page_range = intake_doc_page_range,
    .doc_meta_set = intake_doc_meta_set,
    .doc_meta_get = intake_doc_meta_get,
    .doc_lang = intake_doc_lang,
    .doc_set_lang = intake_doc_set_lang,
    .doc_add_span = intake_doc_add_span,
    .doc_spans = intake_doc_spans,
    .doc_alloc = intake_doc_alloc,
    .doc_redacted_text = intake_doc_redacted_text,
    .doc_entities = intake_doc_entities,
    .doc_detector_name = intake_doc_detector_name,
    .doc_source_name = intake_doc_source_name,
    .store_dir = ctx_store_dir,
    .store_handle = ctx_store_handle,
    .doc_add_image_page = intake_doc_add_image_page,
    .doc_page_image = intake_doc_page_image,
    .doc_set_page_text = intake_doc_set_page_text,
    .doc_set_page_size = intake_doc_set_page_size,
    .doc_page_size = intake_doc_page_size,
    .doc_page_flags = intake_doc_page_flags,
    .doc_set_page_flags = intake_doc_set_page_flags,
    .doc_add_boxes = intake_doc_add_boxes,
    .doc_page_boxes = intake_doc_page_boxes,
    .doc_add_block = intake_doc_add_block,
    .doc_blocks = intake_doc_blocks,
    .identify_lang = ctx_identify_lang,
    .doc_redacted_range = intake_doc_redacted_range,
    .doc_doubts = intake_doc_doubts,
    .doc_add_child = intake_doc_add_child,
    .doc_depth = intake_doc_depth,
    .store_dir_ok = intake_store_dir_ok,
    .store_write = ctx_store_write,
};

const struct intake_host *intake_core_host(void)
{
    return &core_host;
}
