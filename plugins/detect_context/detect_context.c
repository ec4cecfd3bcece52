/*
 * detect_context: quasi-identifiers found by their context, in Russian,
 * Kazakh, Kyrgyz, Turkmen, Uzbek, Tajik and English text:
 *   DATE           dates of birth (a birth word near the date);
 *   ADDRESS        street addresses in the local formats;
 *   LOCATION       places of birth or residence (уроженец г. X, born in X,
 *                  X қаласында туған);
 *   VEHICLE_PLATE  Kazakh, Russian, Kyrgyz and Uzbek plates.
 *
 * Lifetimes (plugin.h):
 *   instance  the keyword table (dc_lexicon), loaded in cb_init, read-only
 *             after, shared copy-on-write by the worker processes;
 *   worker    the scanner's scratch arrays, made in cb_worker_init.
 * No mutable globals; errors and logs carry counts and option names only.
 */
#include <string.h>
#include <sys/stat.h>

#include <intake/intake.h>

#include "dc_engine.h"

#ifndef DC_DATA_DIR
#define DC_DATA_DIR "/usr/local/share/intake/context"
#endif

struct detect_context_config {
    const char *data_dir;     /* PATH: folder of keywords.txt */
    const char *const *types; /* LIST: entity types to report */
    int64_t context_window;   /* SIZE: bytes searched around a date for a birth word */
    double min_score;         /* DOUBLE: drop spans scored below */
};

static const struct intake_option detect_context_options[] = {
    {INTAKE_OPT_PATH, "data_dir", DC_DATA_DIR, 0, offsetof(struct detect_context_config, data_dir),
     "folder of keywords.txt", 0, 0},
    {INTAKE_OPT_LIST, "types", "DATE,ADDRESS,LOCATION,VEHICLE_PLATE", 0,
     offsetof(struct detect_context_config, types),
     "types to report: DATE, ADDRESS, LOCATION, VEHICLE_PLATE or all", 0, 0},
    {INTAKE_OPT_SIZE, "context_window", "96", 0,
     offsetof(struct detect_context_config, context_window),
     "bytes before and after a date searched for a birth word", 8, 4096},
    {INTAKE_OPT_DOUBLE, "min_score", "0.0", 0, offsetof(struct detect_context_config, min_score),
     "drop spans scored below this; 0 reports everything and lets the policy decide", 0, 1},
    {0},
};

struct detect_context_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    struct dc_lexicon *lex;
};

static int dir_exists(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cb_detect_context_init(const struct intake_host *host, const struct intake_context *ctx,
                                  const void *config, void **instance, struct intake_error *err)
{
    intake_return_val_if_fail(host && instance, INTAKE_EINVAL);
    const struct detect_context_config *cfg = config;
    struct dc_settings set = {.data_dir = NULL, .types = DC_T_ALL, .window = 96, .min_score = 0.0};
    const char *dir = cfg && cfg->data_dir ? cfg->data_dir : DC_DATA_DIR;
    if (cfg) {
        if (cfg->min_score < 0.0 || cfg->min_score > 1.0)
            return INTAKE_ERR(err, INTAKE_ECONFIG, "min_score must lie in [0, 1]");
        set.min_score = cfg->min_score;
        if (cfg->context_window) {
            if (cfg->context_window < 8 || cfg->context_window > 4096)
                return INTAKE_ERR(err, INTAKE_ECONFIG, "context_window must lie in [8, 4096]");
            set.window = (size_t)cfg->context_window;
        }
        if (cfg->types) {
            set.types = 0;
            for (const char *const *l = cfg->types; *l; l++) {
                unsigned b = dc_type_bit(*l);
                if (!b)
                    return INTAKE_ERR(err, INTAKE_ECONFIG,
                                      "types: '%.16s' is not one of DATE, ADDRESS, LOCATION, "
                                      "VEHICLE_PLATE, all",
                                      *l);
                set.types |= b;
            }
        }
    }
#ifdef DC_SOURCE_DATA_DIR
    /* In the build tree (meson devenv, tests) the default folder is not
     * installed yet: fall back to the list in the source tree. */
    if (!dir_exists(dir) && strcmp(dir, DC_DATA_DIR) == 0)
        dir = DC_SOURCE_DATA_DIR;
#endif
    if (!dir_exists(dir))
        return INTAKE_ERR(err, INTAKE_ECONFIG, "detect_context: data_dir is not a folder");
    set.data_dir = dir;

    struct detect_context_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    memset(in, 0, sizeof *in);
    in->host = host;
    in->ctx = ctx;
    struct dc_alloc a = {host->alloc, host->free};
    int rc = dc_lexicon_create(&set, &a, &in->lex, err);
    if (rc != INTAKE_OK) {
        host->free(in);
        return rc;
    }
    intake_log_debug(host, ctx, NULL, "%zu keywords loaded", dc_lexicon_size(in->lex));
    *instance = in;
    return INTAKE_OK;
}

static int cb_detect_context_worker_init(void *instance, void **worker, struct intake_error *err)
{
    struct detect_context_instance *in = instance;
    intake_return_val_if_fail(in && worker, INTAKE_EINVAL);
    struct dc_scanner *sc = NULL;
    int rc = dc_scanner_create(in->lex, &sc, err);
    if (rc != INTAKE_OK)
        return rc;
    *worker = sc;
    return INTAKE_OK;
}

static int cb_detect_context_process(void *instance, void *worker, struct intake_doc *doc,
                                     struct intake_error *err)
{
    struct detect_context_instance *in = instance;
    struct dc_scanner *sc = worker;
    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    if (!sc)
        return INTAKE_ERR(err, INTAKE_EINVAL, "detect_context: cb_worker_init was not called");
    const struct intake_host *h = in->host;
    size_t len = 0;
    const char *text = h->doc_text(doc, &len);
    if (!text || len == 0)
        return INTAKE_OK;
    const struct dc_hit *hit;
    size_t n;
    int rc = dc_scan(in->lex, sc, text, len, &hit, &n, err);
    if (rc != INTAKE_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        struct intake_span sp = {
            .start = hit[i].start,
            .end = hit[i].end,
            .label = hit[i].label,
            .source = 0,
            .score = hit[i].score,
            .cues = hit[i].label == INTAKE_LABEL_VEHICLE_PLATE ? INTAKE_CUE_PATTERN
                                                               : INTAKE_CUE_CONTEXT,
            .key = 0,
        };
        rc = h->doc_add_span(doc, &sp, err);
        if (rc != INTAKE_OK)
            return rc;
    }
    intake_log_debug(h, in->ctx, doc, "%zu context spans in %zu bytes", n, len);
    return INTAKE_OK;
}

static void cb_detect_context_worker_exit(void *instance, void *worker)
{
    (void)instance;
    dc_scanner_destroy(worker);
}

static void cb_detect_context_exit(void *instance)
{
    struct detect_context_instance *in = instance;
    if (!in)
        return;
    dc_lexicon_destroy(in->lex);
    in->host->free(in);
}

static const struct intake_plugin detect_context_descriptor = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_DETECT,
    .flags = 0,
    .name = "detect_context",
    .version = "0.1.0",
    .description = "Quasi-identifiers by context (ru, kk, ky, tk, uz, tg, en): dates of birth, "
                   "street addresses, places of birth or residence, vehicle plates",
    .options = detect_context_options,
    .config_size = sizeof(struct detect_context_config),
    .mime_types = NULL,
    .cb_init = cb_detect_context_init,
    .cb_worker_init = cb_detect_context_worker_init,
    .cb_process = cb_detect_context_process,
    .cb_worker_exit = cb_detect_context_worker_exit,
    .cb_exit = cb_detect_context_exit,
    .cb_probe = NULL,
};

INTAKE_PLUGIN_DEFINE(detect_context, detect_context_descriptor)
