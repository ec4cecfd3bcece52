/*
 * core/engine.c: configuration -> loaded plugins -> instances, and the
 * per-document chain (type, extract, ocr, langid, detect).
 */
#include "engine.h"

#include <fnmatch.h>
#include <stdio.h>
#include <unistd.h>
#include <magic.h>
#include <stdlib.h>
#include <string.h>

#include "anonymise.h"
#include "config.h"
#include "doc.h"
#include "engine_internal.h"
#include "log.h"
#include "plugin_loader.h"
#include "store_files.h"

#ifndef INTAKE_PLUGIN_DIR
#define INTAKE_PLUGIN_DIR "/usr/local/lib/intake/plugins-1"
#endif

/* Keys the core handles in every plugin section (Fluent Bit's match/alias). */
static const char *const core_keys[] = {"type", "log_level", "enabled", NULL};

struct pipeline_cfg {
    char *plugin_dir;
    char *log_level;
    int64_t jobs;
    int64_t timeout_ms;
    int64_t memory_limit;
    int64_t attempts;
    int64_t full_retry_ms;
    int64_t page_timeout_ms;
    int64_t max_depth, max_children;
};

static const struct intake_option pipeline_options[] = {
    {INTAKE_OPT_PATH, "plugin_dir", INTAKE_PLUGIN_DIR, 0, offsetof(struct pipeline_cfg, plugin_dir),
     "directory of plugin .so files ($INTAKE_PLUGIN_PATH overrides)", 0, 0},
    {INTAKE_OPT_STR, "log_level", "info", 0, offsetof(struct pipeline_cfg, log_level),
     "error, warn, info, debug or trace", 0, 0},
    {INTAKE_OPT_INT, "jobs", "0", 0, offsetof(struct pipeline_cfg, jobs),
     "worker processes for batch/watch; 0 = one per core (--jobs overrides)", 0, 256},
    {INTAKE_OPT_DURATION, "timeout", "120s", 0, offsetof(struct pipeline_cfg, timeout_ms),
     "per-document deadline; a worker over it is killed and the attempt fails", 100, 86400000},
    {INTAKE_OPT_SIZE, "memory_limit", "2G", 0, offsetof(struct pipeline_cfg, memory_limit),
     "per-worker memory limit; a worker over it is killed (0 = none)", 0, 0},
    {INTAKE_OPT_INT, "attempts", "2", 0, offsetof(struct pipeline_cfg, attempts),
     "failed attempts (crash, timeout, memory) before a document is quarantined", 1, 100},
    {INTAKE_OPT_DURATION, "page_timeout", "60s", 0, offsetof(struct pipeline_cfg, page_timeout_ms),
     "added to a document's deadline for each page it sends to OCR", 0, 86400000},
    {INTAKE_OPT_INT, "max_depth", "5", 0, offsetof(struct pipeline_cfg, max_depth),
     "how deep attachments and archive members may nest (a file the user named is 0)", 0, 64},
    {INTAKE_OPT_INT, "max_children", "10000", 0, offsetof(struct pipeline_cfg, max_children),
     "children (attachments, members) one document may have", 0, 1000000},
    {INTAKE_OPT_DURATION, "full_retry", "30s", 0, offsetof(struct pipeline_cfg, full_retry_ms),
     "watch: how long to wait before trying again when the store's disk is full", 100, 86400000},
    {0},
};

static int load_plugin(struct intake_engine *e, const char *type, struct intake_loaded_plugin **out,
                       struct intake_error *err)
{
    for (size_t i = 0; i < e->nplugins; i++) {
        if (strcmp(e->plugins[i]->desc.name, type) == 0) {
            *out = e->plugins[i];
            return INTAKE_OK;
        }
    }
    char *path = NULL;
    int rc = intake_plugin_find(e->plugin_path, type, &path, err);
    if (rc)
        return rc;
    struct intake_loaded_plugin *p = NULL;
    rc = intake_plugin_load(path, type, &p, err);
    free(path);
    if (rc)
        return rc;
    struct intake_loaded_plugin **v = realloc(e->plugins, (e->nplugins + 1) * sizeof *v);
    if (!v) {
        intake_plugin_unload(p);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    }
    e->plugins = v;
    e->plugins[e->nplugins++] = p;
    *out = p;
    return INTAKE_OK;
}

static int cmp_stage(const void *a, const void *b)
{
    const struct intake_instance *x = a, *y = b;
    if (x->plugin->desc.stage != y->plugin->desc.stage)
        return x->plugin->desc.stage < y->plugin->desc.stage ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

int intake_engine_create(const char *config_path, const char *config_text,
                         struct intake_engine **out, struct intake_error *err)
{
    return intake_engine_create_with(config_path, config_text, NULL, out, err);
}

/* Apply the overrides that \p opts declares to \p sec; marks used ones. */
static int apply_overrides(struct intake_cfg_section *sec, const struct intake_option *opts,
                           const char *const *overrides, unsigned char *used)
{
    for (size_t k = 0; overrides && overrides[k]; k++) {
        const char *eq = strchr(overrides[k], '=');
        if (!eq)
            continue;
        size_t kl = (size_t)(eq - overrides[k]);
        for (const struct intake_option *o = opts; o && o->name; o++) {
            if (strlen(o->name) != kl || strncmp(o->name, overrides[k], kl) != 0)
                continue;
            char key[128];
            snprintf(key, sizeof key, "%.*s", (int)kl, overrides[k]);
            if (intake_config_override(sec, key, eq + 1))
                return INTAKE_ENOMEM;
            used[k] = 1;
        }
    }
    return INTAKE_OK;
}

static void dirfds_clear(struct intake_engine *e);

int intake_engine_create_with(const char *config_path, const char *config_text,
                              const char *const *overrides, struct intake_engine **out,
                              struct intake_error *err)
{
    unsigned char used[16] = {0};
    size_t nover = 0;
    while (overrides && overrides[nover])
        nover++;
    if (nover > sizeof used)
        return INTAKE_ERR(err, INTAKE_EINVAL, "too many option overrides");
    *out = NULL;
    struct intake_engine *e = calloc(1, sizeof *e);
    if (!e)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    int rc = intake_config_parse(config_path, config_text, &e->cfg, err);
    if (rc)
        goto fail;
    intake_policy_default(&e->policy);

    struct pipeline_cfg pc = {0};
    rc = intake_options_apply(e->cfg, intake_config_section(e->cfg, "pipeline"), pipeline_options,
                              NULL, &pc, err);
    if (rc == 0) {
        e->log_level = intake_log_level_parse(pc.log_level);
        if (e->log_level < 0)
            rc = INTAKE_ERR(err, INTAKE_ECONFIG,
                            "%s: [pipeline] log_level = %s: not one of "
                            "error, warn, info, debug, trace",
                            e->cfg->path, pc.log_level);
        e->settings.jobs = pc.jobs;
        e->settings.timeout_ms = pc.timeout_ms;
        e->settings.memory_limit = pc.memory_limit;
        e->settings.attempts = pc.attempts;
        e->settings.full_retry_ms = pc.full_retry_ms;
        e->settings.page_timeout_ms = pc.page_timeout_ms;
        e->settings.max_depth = pc.max_depth;
        e->settings.max_children = pc.max_children;
        const char *env = getenv("INTAKE_PLUGIN_PATH");
        e->plugin_path = strdup(env && *env ? env : pc.plugin_dir);
        if (!e->plugin_path && rc == 0)
            rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    }
    intake_options_clear(pipeline_options, &pc);
    if (rc)
        goto fail;
    if (intake_log_get_level() > e->log_level)
        e->log_level = intake_log_get_level(); /* --verbose wins over the file */
    rc = intake_policy_configure(&e->policy, e->cfg, intake_config_section(e->cfg, "policy"), err);
    if (rc)
        goto fail;

    e->instances = calloc(e->cfg->nsections ? e->cfg->nsections : 1, sizeof *e->instances);
    if (!e->instances) {
        rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < e->cfg->nsections; i++) {
        struct intake_cfg_section *sec = &e->cfg->sections[i];
        if (strcmp(sec->name, "pipeline") == 0 || strcmp(sec->name, "policy") == 0 ||
            strcmp(sec->name, "watch") == 0) /* [watch] is read by `intake watch` */
            continue;
        const struct intake_cfg_entry *type = intake_cfg_get(sec, "type");
        if (!type) {
            rc = INTAKE_ERR(err, INTAKE_ECONFIG, "%s:%d: [%s] has no 'type' (the plugin to run)",
                            e->cfg->path, sec->line, sec->name);
            goto fail;
        }
        const struct intake_cfg_entry *en = intake_cfg_get(sec, "enabled");
        int enabled = 1;
        if (en && intake_parse_bool(en->value, &enabled)) {
            rc = INTAKE_ERR(err, INTAKE_ECONFIG, "%s:%d: [%s] enabled = %s: not a boolean",
                            e->cfg->path, en->line, sec->name, en->value);
            goto fail;
        }
        if (!enabled)
            continue;
        struct intake_instance *in = &e->instances[e->ninstances];
        rc = load_plugin(e, type->value, &in->plugin, err);
        if (rc)
            goto fail;
        in->section = sec;
        in->order = i;
        e->ninstances++;
        const struct intake_cfg_entry *ll = intake_cfg_get(sec, "log_level");
        in->ctx.level = e->log_level;
        if (ll && (in->ctx.level = intake_log_level_parse(ll->value)) < 0) {
            rc = INTAKE_ERR(err, INTAKE_ECONFIG, "%s:%d: [%s] log_level = %s: not a log level",
                            e->cfg->path, ll->line, sec->name, ll->value);
            goto fail;
        }
        if (intake_log_get_level() > in->ctx.level)
            in->ctx.level = intake_log_get_level();
        const struct intake_plugin *d = &in->plugin->desc;
        in->config = calloc(1, d->config_size ? d->config_size : 1);
        if (!in->config) {
            rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
            goto fail;
        }
        if (nover && apply_overrides(sec, d->options, overrides, used)) {
            rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
            goto fail;
        }
        rc = intake_options_apply(e->cfg, sec, d->options, core_keys, in->config, err);
        if (rc)
            goto fail;
    }
    for (size_t k = 0; k < nover; k++) {
        if (!used[k]) {
            const char *eq = strchr(overrides[k], '=');
            rc = INTAKE_ERR(err, INTAKE_ECONFIG, "no plugin in %s takes the option %.*s",
                            e->cfg->path, eq ? (int)(eq - overrides[k]) : 0, overrides[k]);
            goto fail;
        }
    }
    qsort(e->instances, e->ninstances, sizeof *e->instances, cmp_stage);
    for (size_t i = 0; i < e->ninstances; i++) {
        struct intake_instance *in = &e->instances[i];
        in->ctx.type = in->plugin->desc.name;
        in->ctx.name = in->section->name;
        in->ctx.id = (uint32_t)i + 1;
        in->ctx.engine = e;
        struct intake_error ierr;
        intake_error_clear(&ierr);
        rc = in->plugin->desc.cb_init(intake_core_host(), &in->ctx, in->config, &in->instance,
                                      &ierr);
        if (rc) {
            rc = INTAKE_ERR(err, rc == INTAKE_ENOMEM ? INTAKE_ENOMEM : INTAKE_ECONFIG,
                            "%s: [%s] plugin %s failed to start: %s", e->cfg->path, in->ctx.name,
                            in->ctx.type, ierr.msg[0] ? ierr.msg : intake_strerror(rc));
            goto fail;
        }
        in->initialised = 1;
    }
    e->names = calloc(e->ninstances ? e->ninstances : 1, sizeof *e->names);
    if (!e->names) {
        rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < e->ninstances; i++)
        e->names[i] = e->instances[i].ctx.name;
    *out = e;
    return INTAKE_OK;
fail:
    intake_engine_destroy(e);
    return rc ? rc : INTAKE_ECONFIG;
}

void intake_engine_destroy(struct intake_engine *e)
{
    if (!e)
        return;
    intake_policy_clear(&e->policy);
    for (size_t i = e->ninstances; i-- > 0;) {
        struct intake_instance *in = &e->instances[i];
        const struct intake_plugin *d = &in->plugin->desc;
        if (in->worker_ready && d->cb_worker_exit)
            d->cb_worker_exit(in->instance, in->worker);
        if (in->initialised)
            d->cb_exit(in->instance);
        if (in->config)
            intake_options_clear(d->options, in->config);
        free(in->config);
    }
    free(e->instances);
    free(e->names);
    if (e->dirfds_pid == getpid())
        dirfds_clear(e);
    free(e->store_dir);
    if (e->magic)
        magic_close(e->magic);
    if (e->magic_fast)
        magic_close(e->magic_fast);
    for (size_t i = 0; i < e->nplugins; i++)
        intake_plugin_unload(e->plugins[i]);
    free(e->plugins);
    free(e->plugin_path);
    intake_config_destroy(e->cfg);
    free(e);
}

int intake_engine_worker_init(struct intake_engine *e, struct intake_error *err)
{
    return intake_engine_worker_init_stages(e, INTAKE_STAGES_ALL, err);
}

int intake_engine_worker_init_stages(struct intake_engine *e, unsigned mask,
                                     struct intake_error *err)
{
    /* libmagic's result lives in its cookie: one pair per worker process.
     * The soft-magic database costs ~1 ms per text file (measured: 0.86 ms
     * for 1.9 KB, 1.0 ms for 3.5 KB, 60% of a text document's whole cost);
     * without it, 0.01 ms. See sniff_type(). */
    if (!e->magic) {
        e->magic = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
        e->magic_fast = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR | MAGIC_NO_CHECK_SOFT);
        if (!e->magic || !e->magic_fast)
            return INTAKE_ERR(err, INTAKE_EINTERNAL, "libmagic: cannot open");
        if (magic_load(e->magic, NULL) != 0 || magic_load(e->magic_fast, NULL) != 0)
            return INTAKE_ERR(err, INTAKE_EINTERNAL, "libmagic: cannot load database: %s",
                              magic_error(e->magic) ? magic_error(e->magic) : "unknown");
    }
    for (size_t i = 0; i < e->ninstances; i++) {
        struct intake_instance *in = &e->instances[i];
        if (!(mask & INTAKE_STAGE_BIT(in->plugin->desc.stage)))
            continue;
        if (!in->plugin->desc.cb_worker_init) {
            in->worker_ready = 1;
            continue;
        }
        struct intake_error ierr;
        intake_error_clear(&ierr);
        int rc = in->plugin->desc.cb_worker_init(in->instance, &in->worker, &ierr);
        if (rc)
            return INTAKE_ERR(err, INTAKE_EINTERNAL, "[%s] worker start failed: %s", in->ctx.name,
                              ierr.msg[0] ? ierr.msg : intake_strerror(rc));
        in->worker_ready = 1;
    }
    return INTAKE_OK;
}

const char *intake_engine_instance_name(const struct intake_engine *e, uint32_t source)
{
    if (e && source >= 1 && source <= e->ninstances)
        return e->instances[source - 1].ctx.name;
    return "?";
}

/* Run one instance on a document, turning its error into one content-free line. */
static int run_instance(struct intake_instance *in, struct intake_doc *doc,
                        struct intake_error *err)
{
    struct intake_error ierr;
    intake_error_clear(&ierr);
    intake_doc_set_source(doc, in->ctx.id);
    int rc = in->plugin->desc.cb_process(in->instance, in->worker, doc, &ierr);
    intake_doc_set_source(doc, 0);
    if (rc == INTAKE_OK)
        return INTAKE_OK;
    if (rc > 0 || rc < INTAKE_ENOSPC)
        rc = INTAKE_EINTERNAL;
    return INTAKE_ERR(err, rc, "%s", ierr.msg[0] ? ierr.msg : intake_strerror(rc));
}

int intake_engine_identify(struct intake_engine *e, const char *utf8, size_t len,
                           struct intake_block *out)
{
    for (size_t i = 0; i < e->ninstances; i++) {
        struct intake_instance *in = &e->instances[i];
        if (in->plugin->desc.stage != INTAKE_STAGE_LANGID || !in->plugin->desc.cb_identify)
            continue;
        if (!in->worker_ready)
            return INTAKE_EINVAL;
        struct intake_error ierr;
        intake_error_clear(&ierr);
        memset(out, 0, sizeof *out);
        int rc = in->plugin->desc.cb_identify(in->instance, in->worker, utf8, len, out, &ierr);
        out->lang[sizeof out->lang - 1] = '\0';
        out->script[sizeof out->script - 1] = '\0';
        return rc;
    }
    return INTAKE_EINVAL;
}

int intake_engine_detect(struct intake_engine *e, struct intake_doc *doc, struct intake_error *err)
{
    intake_doc_freeze_text(doc);
    for (size_t i = 0; i < e->ninstances; i++) {
        struct intake_instance *in = &e->instances[i];
        uint32_t st = in->plugin->desc.stage;
        if (st != INTAKE_STAGE_LANGID && st != INTAKE_STAGE_DETECT)
            continue;
        int rc = run_instance(in, doc, err);
        if (rc)
            return rc;
    }
    return INTAKE_OK;
}

/*
** The MIME type of a document. Binary formats get the full libmagic check.
** For what libmagic's encoding check alone calls text, the soft magic runs
** only on the first 512 bytes, where text-based formats (HTML, XML, RTF,
** PostScript, PDF, e-mail) declare themselves: the same answer for those,
** at a third of the cost, and plain text stays text/plain.
*/
/* Could this text declare a format in its first line? Every text-based
 * format intake routes elsewhere opens with markup ('<' HTML/XML/SVG,
 * '{' RTF/JSON, '%' PDF/PostScript, '#!' or '@' scripts) or with a header
 * line ("Received: ...", "From ..." for e-mail). Plain prose in any of the
 * six languages does not, and for it libmagic's soft magic (~0.3 ms a
 * document, over a third of a text document's cost) learns nothing. UTF-16
 * and anything unusual still get the full check. */
static int may_declare_format(const unsigned char *p, size_t len)
{
    size_t i = 0;
    if (len >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
        return 1;
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        i = 3;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i == len)
        return 0;
    unsigned char c = p[i];
    if (c < 0x20 || c == '<' || c == '{' || c == '%' || c == '#' || c == '@' || c == '.' ||
        c == '\\' || c == '[')
        return 1;
    if (len - i >= 5 && memcmp(p + i, "From ", 5) == 0)
        return 1;
    /* "Header-Name:" made of printable ASCII without spaces. */
    for (size_t k = i; k < len && k < i + 80; k++) {
        if (p[k] == ':')
            return k > i;
        if (p[k] <= ' ' || p[k] >= 0x7F)
            return 0;
    }
    return 0;
}

static const char *sniff_type(struct intake_engine *e, const void *bytes, size_t len)
{
    if (!len)
        return "application/x-empty";
    const char *fast = magic_buffer(e->magic_fast, bytes, len);
    if (!fast || strncmp(fast, "text/", 5) != 0)
        return magic_buffer(e->magic, bytes, len);
    if (strcmp(fast, "text/plain") == 0 && !may_declare_format(bytes, len < 512 ? len : 512))
        return fast;
    const char *full = magic_buffer(e->magic, bytes, len < 512 ? len : 512);
    if (full && strcmp(full, "text/plain") != 0 && strcmp(full, "application/octet-stream") != 0)
        return full;
    return fast;
}

/* The extract instance for this document: the first that claims libmagic's
 * type, else the most confident prober (libmagic misnames text as HP-GL
 * plotter files, windows-1251 as unknown-8bit ...), else none. */
static int claims(const struct intake_plugin *d, const char *mime)
{
    for (const char *const *m = d->mime_types; m && *m; m++)
        if (fnmatch(*m, mime, 0) == 0)
            return 1;
    return 0;
}

static struct intake_instance *route(struct intake_engine *e, const char *mime,
                                     const unsigned char *bytes, size_t len)
{
    /* libmagic's catch-all answers hide formats that declare themselves
     * later or less plainly (a mail that starts with "Subject:", a DOCX it
     * calls a zip): an extractor that does not claim the type but is sure
     * (90+) of the bytes wins over the one that claims it. Skipping this
     * would let extract_text store a base64 body undecoded. */
    if (strcmp(mime, "text/plain") == 0 || strcmp(mime, "application/zip") == 0 ||
        strcmp(mime, "application/octet-stream") == 0) {
        struct intake_instance *sure = NULL;
        int sure_score = 89;
        for (size_t i = 0; i < e->ninstances; i++) {
            const struct intake_plugin *d = &e->instances[i].plugin->desc;
            if (d->stage != INTAKE_STAGE_EXTRACT || !d->cb_probe || claims(d, mime))
                continue;
            int s = d->cb_probe(e->instances[i].instance, bytes, len, mime);
            if (s > sure_score) {
                sure_score = s;
                sure = &e->instances[i];
            }
        }
        if (sure)
            return sure;
    }
    for (size_t i = 0; i < e->ninstances; i++) {
        const struct intake_plugin *d = &e->instances[i].plugin->desc;
        if (d->stage == INTAKE_STAGE_EXTRACT && claims(d, mime))
            return &e->instances[i];
    }
    struct intake_instance *best = NULL;
    int best_score = 49; /* a prober must be more sure than not */
    for (size_t i = 0; i < e->ninstances; i++) {
        const struct intake_plugin *d = &e->instances[i].plugin->desc;
        if (d->stage != INTAKE_STAGE_EXTRACT || !d->cb_probe)
            continue;
        int s = d->cb_probe(e->instances[i].instance, bytes, len, mime);
        if (s > best_score) {
            best_score = s;
            best = &e->instances[i];
        }
    }
    return best;
}

static int run_at(struct intake_engine *e, const void *bytes, size_t len, uint32_t depth,
                  struct intake_doc **out, struct intake_error *err);

int intake_engine_run(struct intake_engine *e, const void *bytes, size_t len,
                      struct intake_doc **out, struct intake_error *err)
{
    return run_at(e, bytes, len, 0, out, err);
}

int intake_engine_run_child(struct intake_engine *e, const struct intake_doc *parent, size_t i,
                            struct intake_doc **out, struct intake_error *err)
{
    const unsigned char *b;
    size_t n;
    const char *name;
    *out = NULL;
    if (intake_doc_child(parent, i, &b, &n, &name))
        return INTAKE_ERR(err, INTAKE_EINVAL, "no child %zu", i);
    return run_at(e, b, n, intake_doc_depth(parent) + 1, out, err);
}

static int run_at(struct intake_engine *e, const void *bytes, size_t len, uint32_t depth,
                  struct intake_doc **out, struct intake_error *err)
{
    *out = NULL;
    if (!e->magic)
        return INTAKE_ERR(err, INTAKE_EINVAL, "worker not initialised");
    const char *m = sniff_type(e, bytes, len);
    const char *mime = m ? m : "application/octet-stream";
    struct intake_doc *doc = intake_doc_create(bytes, len, mime);
    if (!doc)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for document");
    intake_doc_set_detector_names(doc, e->names, (uint32_t)e->ninstances);
    intake_doc_set_depth(doc, depth, (uint32_t)e->settings.max_depth,
                         (uint32_t)e->settings.max_children);
    struct intake_instance *ex = route(e, mime, bytes, len);
    if (!ex) {
        intake_doc_destroy(doc);
        return INTAKE_ERR(err, INTAKE_EFORMAT, "unsupported type: %s", mime);
    }
    intake_log(INTAKE_LOG_DEBUG, "doc=%.12s type %s -> [%s]", intake_doc_id(doc), mime,
               ex->ctx.name);
    int rc = run_instance(ex, doc, err);
    if (rc == 0 && e->progress) {
        uint32_t n = 0;
        for (uint32_t p = 0; p < intake_doc_page_count(doc); p++)
            n += (intake_doc_page_flags(doc, p) & INTAKE_PAGE_NEEDS_OCR) != 0;
        if (n)
            e->progress(e->progress_user, n);
    }
    for (size_t i = 0; rc == 0 && i < e->ninstances; i++)
        if (e->instances[i].plugin->desc.stage == INTAKE_STAGE_OCR)
            rc = run_instance(&e->instances[i], doc, err);
    /* A page whose text only OCR can give and that no OCR read would be
     * indexed empty and count as done: refuse the document instead. */
    for (uint32_t p = 0; rc == 0 && p < intake_doc_page_count(doc); p++) {
        uint32_t fl = intake_doc_page_flags(doc, p);
        if ((fl & INTAKE_PAGE_NEEDS_OCR) && !(fl & INTAKE_PAGE_OCR_DONE))
            rc = INTAKE_ERR(err, INTAKE_EFORMAT,
                            "page %u is an image and no OCR plugin read it (enable ocr_tesseract)",
                            p + 1);
    }
    if (rc == 0)
        rc = intake_engine_detect(e, doc, err);
    if (rc) {
        intake_doc_destroy(doc);
        return rc;
    }
    *out = doc;
    return INTAKE_OK;
}

int intake_engine_each_child(struct intake_engine *e, struct intake_doc *parent, const char *pname,
                             intake_engine_child_fn fn, void *user, struct intake_error *err)
{
    for (size_t i = 0; i < intake_doc_child_count(parent); i++) {
        const unsigned char *b;
        size_t n;
        const char *cname;
        intake_doc_child(parent, i, &b, &n, &cname);
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", pname ? pname : "", cname);
        struct intake_doc *c = NULL;
        int rc = intake_engine_run_child(e, parent, i, &c, err);
        if (rc == 0)
            rc = intake_engine_finish(e, c, full, err);
        if (rc == 0 && (rc = fn(user, c, parent)) != 0 && !err->msg[0])
            INTAKE_ERR(err, rc, "%s", intake_strerror(rc));
        if (rc == 0)
            rc = intake_engine_each_child(e, c, full, fn, user, err);
        intake_doc_destroy(c);
        if (rc) {
            char why[sizeof err->msg];
            snprintf(why, sizeof why, "%s", err->msg);
            return INTAKE_ERR(err, rc, "attachment or member %zu (depth %u): %s", i + 1,
                              intake_doc_depth(parent) + 1, why);
        }
    }
    return INTAKE_OK;
}

void intake_engine_set_wrote(struct intake_engine *e, intake_engine_wrote_fn fn, void *user)
{
    e->wrote = fn;
    e->wrote_user = user;
}

/* Report a file written for the document in the export stage (batch). */
static void report_wrote(struct intake_engine *e, const char *dir, const char *name)
{
    if (!e->wrote || !e->exporting)
        return;
    char rel[2048];
    int n = snprintf(rel, sizeof rel, "%s/%s", dir, name);
    if (n > 0 && (size_t)n < sizeof rel)
        e->wrote(e->wrote_user, intake_doc_id(e->exporting), rel);
}

void intake_engine_set_progress(struct intake_engine *e, intake_engine_progress_fn fn, void *user)
{
    e->progress = fn;
    e->progress_user = user;
}

const struct intake_policy *intake_engine_policy(const struct intake_engine *e)
{
    return &e->policy;
}

void intake_engine_settings(const struct intake_engine *e, struct intake_run_settings *out)
{
    *out = e->settings;
}

/* Forget the open export folders (another store, another process). */
static void dirfds_clear(struct intake_engine *e)
{
    for (int i = 0; i < e->ndirfds; i++)
        close(e->dirfds[i].fd);
    e->ndirfds = 0;
    e->dirfds_pid = getpid();
}

/* Write through a kept folder fd (or one opened now and kept). */
static int write_kept(struct intake_engine *e, const char *dir, const char *name, const void *data,
                      size_t len, unsigned flags, struct intake_error *err)
{
    if (!e->store_dir || !intake_store_dir_ok(dir) || strlen(dir) >= sizeof e->dirfds[0].dir)
        return intake_store_write(e->store_dir, dir, name, data, len, flags, err);
    if (e->dirfds_pid != getpid())
        dirfds_clear(e);
    int k = 0;
    while (k < e->ndirfds && strcmp(e->dirfds[k].dir, dir) != 0)
        k++;
    if (k < e->ndirfds) {
        int rc = intake_store_write_at(e->dirfds[k].fd, name, data, len, flags, err);
        if (rc == INTAKE_OK || rc == INTAKE_EINVAL)
            return rc;
        /* The folder may have been removed or replaced: once more, afresh. */
        close(e->dirfds[k].fd);
        e->dirfds[k] = e->dirfds[--e->ndirfds];
        intake_error_clear(err);
    }
    int dfd = -1;
    int rc = intake_store_open_dir(e->store_dir, dir, &dfd, err);
    if (rc)
        return rc;
    rc = intake_store_write_at(dfd, name, data, len, flags, err);
    if (rc == INTAKE_OK && e->ndirfds < (int)(sizeof e->dirfds / sizeof e->dirfds[0])) {
        snprintf(e->dirfds[e->ndirfds].dir, sizeof e->dirfds[0].dir, "%s", dir);
        e->dirfds[e->ndirfds++].fd = dfd;
    } else {
        close(dfd);
    }
    return rc;
}

int intake_engine_store_write(struct intake_engine *e, const char *dir, const char *name,
                              const void *data, size_t len, struct intake_error *err)
{
    unsigned flags = e->store_sync_deferred ? INTAKE_STORE_WRITE_NOSYNC : 0;
    int rc = write_kept(e, dir, name, data, len, flags, err);
    if (rc == INTAKE_OK)
        report_wrote(e, dir, name);
    return rc;
}

void intake_engine_set_store(struct intake_engine *e, const char *store_dir)
{
    dirfds_clear(e);
    free(e->store_dir);
    e->store_dir = store_dir ? strdup(store_dir) : NULL;
    for (size_t i = 0; i < e->ninstances; i++)
        e->instances[i].ctx.store_dir = e->store_dir;
}

void intake_engine_defer_store_sync(struct intake_engine *e, int on)
{
    e->store_sync_deferred = on != 0;
}

/* Detect and redact a short string (a file name) with the same detectors
 * and policy as the text. *out is malloc'ed. Fails closed. */
/* The case a document belongs to, for case-scoped pseudonyms: the folder
 * of its name ("" at the top). Used only inside the HMAC, never stored. */
static void name_scope(const char *name, char *out, size_t cap)
{
    const char *slash = name ? strrchr(name, '/') : NULL;
    size_t n = slash ? (size_t)(slash - name) : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, name ? name : "", n);
    out[n] = '\0';
}

static int redact_string(struct intake_engine *e, const char *s, char **out,
                         struct intake_error *err)
{
    *out = NULL;
    struct intake_doc *d = intake_doc_create(s, strlen(s), "text/plain");
    if (!d)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    intake_doc_set_detector_names(d, e->names, (uint32_t)e->ninstances);
    int rc = intake_doc_add_page(d, s, strlen(s), err);
    if (rc == 0)
        rc = intake_engine_detect(e, d, err);
    struct intake_redaction red = {0};
    size_t n = 0, ns = 0;
    const char *t = intake_doc_text(d, &n);
    const struct intake_span *sp = intake_doc_spans(d, &ns);
    if (rc == 0) {
        char scope[1024];
        name_scope(s, scope, sizeof scope);
        rc = intake_anonymise_scoped(t, n, sp, ns, &e->policy, scope, &red, err);
    }
    if (rc == 0 && !(*out = strdup(red.text)))
        rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    intake_redaction_clear(&red);
    intake_doc_destroy(d);
    return rc;
}

/*
 * What a reviewer should look at: entities redacted on a score close to the
 * threshold, spans left in because they scored under it (and no other
 * detector's span covered them), and persons named only once on weak cues.
 */
#define DOUBT_MARGIN 0.15
#define DOUBT_MAX    2000
#define STRONG_CUES                                                                                \
    (INTAKE_CUE_LIST | INTAKE_CUE_MORPHOLOGY | INTAKE_CUE_INITIALS | INTAKE_CUE_KNOWN |            \
     INTAKE_CUE_ROLE)
static int set_doubts(struct intake_engine *e, struct intake_doc *doc,
                      const struct intake_span *spans, size_t ns,
                      const struct intake_redaction *red)
{
    const struct intake_policy *p = &e->policy;
    size_t cap = ns + red->nentities, n = 0;
    if (cap > DOUBT_MAX)
        cap = DOUBT_MAX;
    struct intake_doubt *d = calloc(cap ? cap : 1, sizeof *d);
    if (!d)
        return INTAKE_ENOMEM;
    for (size_t i = 0; i < red->nentities && n < cap; i++) {
        const struct intake_entity *en = &red->entities[i];
        double th = p->threshold[en->label];
        int single = 0;
        if (en->label == INTAKE_LABEL_PERSON && !(en->cues & STRONG_CUES)) {
            single = 1;
            for (size_t k = 0; k < red->nentities && single; k++)
                single = !(k != i && red->entities[k].key == en->key);
        }
        uint32_t why = en->score < th + DOUBT_MARGIN ? INTAKE_DOUBT_NEAR_THRESHOLD
                       : single                      ? INTAKE_DOUBT_SINGLE_MENTION
                                                     : 0;
        if (why)
            d[n++] = (struct intake_doubt){en->start, en->end, en->label, why, en->score, en->cues};
    }
    for (size_t i = 0; i < ns && n < cap; i++) {
        const struct intake_span *s = &spans[i];
        if (s->label == INTAKE_LABEL_NONE || s->label >= INTAKE_LABEL_COUNT ||
            p->op[s->label] == INTAKE_OP_KEEP || s->score >= p->threshold[s->label] ||
            s->score <= 0.0f)
            continue;
        int covered = 0;
        for (size_t k = 0; k < red->nentities && !covered; k++)
            covered = red->entities[k].start <= s->start && s->end <= red->entities[k].end;
        if (!covered)
            d[n++] = (struct intake_doubt){s->start, s->end, s->label, INTAKE_DOUBT_LEFT_IN,
                                           s->score, s->cues};
    }
    int rc = intake_doc_set_doubts(doc, d, n);
    free(d);
    return rc;
}

int intake_engine_finish(struct intake_engine *e, struct intake_doc *doc, const char *name,
                         struct intake_error *err)
{
    size_t n = 0, ns = 0;
    const char *text = intake_doc_text(doc, &n);
    const struct intake_span *spans = intake_doc_spans(doc, &ns);
    struct intake_redaction red = {0};
    char scope[1024];
    name_scope(name, scope, sizeof scope);
    int rc = intake_anonymise_scoped(text, n, spans, ns, &e->policy, scope, &red, err);
    if (rc)
        return rc;
    struct intake_span *ents = calloc(red.nentities ? red.nentities : 1, sizeof *ents);
    if (!ents) {
        intake_redaction_clear(&red);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < red.nentities; i++) {
        ents[i].start = red.entities[i].start;
        ents[i].end = red.entities[i].end;
        ents[i].label = red.entities[i].label;
        ents[i].source = red.entities[i].source;
        ents[i].score = red.entities[i].score;
        ents[i].cues = red.entities[i].cues;
        ents[i].key = red.entities[i].key;
    }
    rc = intake_doc_set_redaction(doc, red.text, red.len, ents, red.nentities);
    if (rc == 0)
        rc = set_doubts(e, doc, spans, ns, &red);
    free(ents);
    if (rc == 0) {
        uint64_t *map = malloc((red.nentities ? red.nentities : 1) * 4 * sizeof *map);
        for (size_t i = 0; map && i < red.nentities; i++) {
            map[4 * i] = red.entities[i].start;
            map[4 * i + 1] = red.entities[i].end;
            map[4 * i + 2] = red.entities[i].rstart;
            map[4 * i + 3] = red.entities[i].rend;
        }
        rc = map ? intake_doc_set_redaction_map(doc, map, red.nentities) : INTAKE_ENOMEM;
        free(map);
    }
    intake_redaction_clear(&red);
    if (rc)
        return INTAKE_ERR(err, rc, "out of memory");
    if (name) {
        char *rn = NULL;
        rc = redact_string(e, name, &rn, err);
        if (rc == 0)
            rc = intake_doc_set_source_name(doc, rn);
        free(rn);
        if (rc)
            return rc;
    }
    char num[32];
    size_t srclen = 0;
    intake_doc_source(doc, &srclen);
    snprintf(num, sizeof num, "%zu", srclen);
    if ((rc = intake_doc_meta_set(doc, "size", num, err)))
        return rc;
    snprintf(num, sizeof num, "%u", intake_doc_page_count(doc));
    if ((rc = intake_doc_meta_set(doc, "pages", num, err)))
        return rc;
    e->exporting = doc;
    for (size_t i = 0; rc == 0 && i < e->ninstances; i++)
        if (e->instances[i].plugin->desc.stage == INTAKE_STAGE_EXPORT)
            rc = run_instance(&e->instances[i], doc, err);
    e->exporting = NULL;
    return rc;
}

int intake_engine_index(struct intake_engine *e, struct intake_doc *doc, void *db,
                        struct intake_error *err)
{
    intake_doc_set_detector_names(doc, e->names, (uint32_t)e->ninstances);
    int rc = INTAKE_OK;
    for (size_t i = 0; rc == 0 && i < e->ninstances; i++) {
        struct intake_instance *in = &e->instances[i];
        if (in->plugin->desc.stage != INTAKE_STAGE_INDEX)
            continue;
        in->ctx.store_db = db;
        rc = run_instance(in, doc, err);
        in->ctx.store_db = NULL;
    }
    return rc;
}

int intake_engine_search(struct intake_engine *e, const struct intake_query *q, intake_hit_fn emit,
                         void *user, struct intake_error *err)
{
    for (size_t i = 0; i < e->ninstances; i++) {
        struct intake_instance *in = &e->instances[i];
        if (in->plugin->desc.stage == INTAKE_STAGE_INDEX && in->plugin->desc.cb_search) {
            struct intake_error ierr;
            intake_error_clear(&ierr);
            int rc = in->plugin->desc.cb_search(in->instance, q, emit, user, &ierr);
            if (rc)
                return INTAKE_ERR(err, rc, "%s", ierr.msg[0] ? ierr.msg : intake_strerror(rc));
            return INTAKE_OK;
        }
    }
    return INTAKE_ERR(err, INTAKE_ECONFIG, "no index plugin that can search is configured");
}
