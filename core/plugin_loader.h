/*
 * core/plugin_loader.h: find, check and load plugin shared objects.
 */
#ifndef INTAKE_CORE_PLUGIN_LOADER_H
#define INTAKE_CORE_PLUGIN_LOADER_H

#include <intake/plugin.h>

struct intake_loaded_plugin {
    char *path;                /* where it was loaded from */
    void *handle;              /* dlopen handle */
    struct intake_plugin desc; /* host-owned copy, zero-filled past the plugin's struct_size */
};

/**
 * dlopen \p path with RTLD_NOW|RTLD_LOCAL after checking it is a regular
 * file, not group- or world-writable, owned by root or by us; call its entry
 * point and check ABI major, struct size, name (== \p expected_name when not
 * NULL, else the file's basename) and required callbacks. INTAKE_EABI and one
 * line in \p err on any refusal. Caller frees with intake_plugin_unload().
 */
int intake_plugin_load(const char *path, const char *expected_name,
                       struct intake_loaded_plugin **out, struct intake_error *err);
void intake_plugin_unload(struct intake_loaded_plugin *p);

/**
 * Find "<name>.so" in the colon-separated directory list \p search_path.
 * INTAKE_ECONFIG when absent; INTAKE_EABI ("found twice") when more than one
 * directory holds it, since which one runs would then depend on path order.
 * *out is malloc'ed.
 */
int intake_plugin_find(const char *search_path, const char *name, char **out,
                       struct intake_error *err);

const char *intake_stage_name(uint32_t stage);

#endif
