/*
 * core/plugin_loader.c: dlopen with every check of STYLE.md A/B, and nothing
 * from the plugin is called before its descriptor has been checked.
 */
#include "plugin_loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doc.h"

const char *intake_stage_name(uint32_t stage)
{
    switch (stage) {
    case INTAKE_STAGE_EXTRACT: return "extract";
    case INTAKE_STAGE_OCR: return "ocr";
    case INTAKE_STAGE_LANGID: return "langid";
    case INTAKE_STAGE_DETECT: return "detect";
    case INTAKE_STAGE_EXPORT: return "export";
    case INTAKE_STAGE_INDEX: return "index";
    default: return NULL;
    }
}

/* Basename without ".so". */
static void plugin_basename(const char *path, char *out, size_t n)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t len = strlen(b);
    if (len > 3 && strcmp(b + len - 3, ".so") == 0)
        len -= 3;
    if (len >= n)
        len = n - 1;
    memcpy(out, b, len);
    out[len] = '\0';
}

int intake_plugin_load(const char *path, const char *expected_name,
                       struct intake_loaded_plugin **out, struct intake_error *err)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return INTAKE_ERR(err, INTAKE_EABI, "plugin %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return INTAKE_ERR(err, INTAKE_EABI, "plugin %s: not a regular file", path);
    /* A file others can write is a file others can make us execute. */
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return INTAKE_ERR(err, INTAKE_EABI,
                          "plugin %s: refused, file is group- or world-writable (chmod go-w)",
                          path);
    if (st.st_uid != 0 && st.st_uid != geteuid())
        return INTAKE_ERR(err, INTAKE_EABI,
                          "plugin %s: refused, owned by uid %u, neither root nor us", path,
                          (unsigned)st.st_uid);

    char name[256];
    if (expected_name)
        snprintf(name, sizeof name, "%s", expected_name);
    else
        plugin_basename(path, name, sizeof name);

    dlerror();
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        return INTAKE_ERR(err, INTAKE_EABI,
                          "plugin %s: cannot load: %s (check its dependencies with ldd)", path,
                          e ? e : "unknown dlopen error");
    }
    intake_plugin_entry_fn entry;
    *(void **)&entry = dlsym(h, INTAKE_PLUGIN_ENTRY_SYMBOL);
    if (!entry) {
        dlclose(h);
        return INTAKE_ERR(err, INTAKE_EABI, "plugin %s: no entry point '%s'", path,
                          INTAKE_PLUGIN_ENTRY_SYMBOL);
    }
    const struct intake_plugin *d = NULL;
    int rc = entry(intake_core_host(), &d);
    if (rc != INTAKE_OK || !d) {
        dlclose(h);
        return INTAKE_ERR(err, INTAKE_EABI,
                          "plugin %s: entry point refused this host (ABI %d.%d): %s", path,
                          INTAKE_PLUGIN_ABI_MAJOR, INTAKE_PLUGIN_ABI_MINOR,
                          rc ? intake_strerror(rc) : "no descriptor");
    }
    const char *why = NULL;
    char buf[160];
    if (d->abi_major != INTAKE_PLUGIN_ABI_MAJOR) {
        snprintf(buf, sizeof buf, "built for ABI major %u, this intake has %d", d->abi_major,
                 INTAKE_PLUGIN_ABI_MAJOR);
        why = buf;
    } else if (d->struct_size < INTAKE_PLUGIN_SIZE_V1_0) {
        snprintf(buf, sizeof buf, "descriptor is %u bytes, ABI 1.0 needs at least %zu",
                 d->struct_size, (size_t)INTAKE_PLUGIN_SIZE_V1_0);
        why = buf;
    } else if (!d->name || strcmp(d->name, name) != 0) {
        snprintf(buf, sizeof buf, "descriptor name '%.40s' does not match file name '%.40s'",
                 d->name ? d->name : "(null)", name);
        why = buf;
    } else if (!intake_stage_name(d->stage)) {
        snprintf(buf, sizeof buf, "unknown stage %u", d->stage);
        why = buf;
    } else if (!d->cb_init || !d->cb_process || !d->cb_exit) {
        why = "a required callback (cb_init, cb_process, cb_exit) is missing";
    } else if (d->options && d->config_size == 0) {
        why = "has an option table but config_size is 0";
    }
    if (why) {
        dlclose(h);
        return INTAKE_ERR(err, INTAKE_EABI, "plugin %s: refused, %s", path, why);
    }
    struct intake_loaded_plugin *p = calloc(1, sizeof *p);
    if (!p || !(p->path = strdup(path))) {
        free(p);
        dlclose(h);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    }
    p->handle = h;
    /* Members a shorter (older) descriptor lacks read as zero. */
    size_t n = d->struct_size < sizeof p->desc ? d->struct_size : sizeof p->desc;
    memcpy(&p->desc, d, n);
    p->desc.struct_size = (uint32_t)n;
    *out = p;
    return INTAKE_OK;
}

void intake_plugin_unload(struct intake_loaded_plugin *p)
{
    if (!p)
        return;
    if (p->handle && !getenv("INTAKE_NO_DLCLOSE")) /* keep symbols for leak reports */
        dlclose(p->handle);
    free(p->path);
    free(p);
}

int intake_plugin_find(const char *search_path, const char *name, char **out,
                       struct intake_error *err)
{
    *out = NULL;
    if (!search_path || !*search_path)
        return INTAKE_ERR(err, INTAKE_ECONFIG, "no plugin directory configured");
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return INTAKE_ERR(err, INTAKE_ECONFIG, "plugin name '%s' may only hold a-z, 0-9, _",
                              name);
    char *found = NULL;
    const char *p = search_path;
    while (*p) {
        const char *e = strchr(p, ':');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len) {
            char path[PATH_MAX];
            int n = snprintf(path, sizeof path, "%.*s/%s.so", (int)len, p, name);
            if (n > 0 && (size_t)n < sizeof path && access(path, F_OK) == 0) {
                if (found) {
                    int rc = INTAKE_ERR(err, INTAKE_EABI,
                                        "plugin '%s' found twice: %s and %s (duplicate name)", name,
                                        found, path);
                    free(found);
                    return rc;
                }
                found = strdup(path);
                if (!found)
                    return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
            }
        }
        if (!e)
            break;
        p = e + 1;
    }
    if (!found)
        return INTAKE_ERR(err, INTAKE_ECONFIG, "plugin '%s' not found in %s", name, search_path);
    *out = found;
    return INTAKE_OK;
}
