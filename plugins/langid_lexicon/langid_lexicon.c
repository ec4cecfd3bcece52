/*
 * langid_lexicon: the language of every document and of every block of it
 * (paragraph, or run of one script), from script, distinctive letters,
 * function words and word endings (lid_engine.h). Also answers
 * host->identify_lang for other plugins through cb_identify.
 *
 * Lifetimes (plugin.h):
 *   instance  the profiles (lid_model), loaded in cb_init, read-only
 *             after, shared copy-on-write by the worker processes;
 *   worker    the scanner's scratch buffers, made in cb_worker_init.
 * No mutable globals; errors and logs carry counts and tags only.
 */
#include <string.h>
#include <sys/stat.h>

#include <intake/intake.h>

#include "lid_engine.h"

#ifndef LID_DATA_DIR
#define LID_DATA_DIR "/usr/local/share/intake/langid"
#endif

struct langid_lexicon_config {
    const char *data_dir; /* PATH: folder of the *.lang profiles */
};

static const struct intake_option langid_lexicon_options[] = {
    {INTAKE_OPT_PATH, "data_dir", LID_DATA_DIR, 0, offsetof(struct langid_lexicon_config, data_dir),
     "folder of the language profiles (*.lang: alphabet, marks, words, endings)", 0, 0},
    {0},
};

struct langid_lexicon_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    struct lid_model *model; /* owned */
};

static int dir_exists(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cb_langid_lexicon_init(const struct intake_host *host, const struct intake_context *ctx,
                                  const void *config, void **instance, struct intake_error *err)
{
    intake_return_val_if_fail(host && instance, INTAKE_EINVAL);
    const struct langid_lexicon_config *cfg = config;
    const char *dir = cfg && cfg->data_dir ? cfg->data_dir : LID_DATA_DIR;
#ifdef LID_SOURCE_DATA_DIR
    /* In the build tree (meson devenv, tests) the default folder is not
     * installed yet: fall back to the profiles in the source tree. */
    if (!dir_exists(dir) && strcmp(dir, LID_DATA_DIR) == 0)
        dir = LID_SOURCE_DATA_DIR;
#endif
    if (!dir_exists(dir))
        return INTAKE_ERR(err, INTAKE_ECONFIG, "langid_lexicon: data_dir is not a folder");
    struct langid_lexicon_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    memset(in, 0, sizeof *in);
    in->host = host;
    in->ctx = ctx;
    struct lid_alloc a = {host->alloc, host->free};
    int rc = lid_model_create(dir, &a, &in->model, err);
    if (rc != INTAKE_OK) {
        host->free(in);
        return rc;
    }
    intake_log_debug(host, ctx, NULL, "%zu language profiles loaded", lid_model_nlang(in->model));
    *instance = in;
    return INTAKE_OK;
}

static int cb_langid_lexicon_worker_init(void *instance, void **worker, struct intake_error *err)
{
    struct langid_lexicon_instance *in = instance;
    intake_return_val_if_fail(in && worker, INTAKE_EINVAL);
    struct lid_scratch *s = NULL;
    int rc = lid_scratch_create(in->model, &s, err);
    if (rc != INTAKE_OK)
        return rc;
    *worker = s;
    return INTAKE_OK;
}

static void copy_tag(char *dst, size_t n, const char *src)
{
    size_t l = strlen(src);
    if (l >= n)
        l = n - 1;
    memcpy(dst, src, l);
    dst[l] = '\0';
}

static int cb_langid_lexicon_process(void *instance, void *worker, struct intake_doc *doc,
                                     struct intake_error *err)
{
    struct langid_lexicon_instance *in = instance;
    struct lid_scratch *s = worker;
    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    if (!s)
        return INTAKE_ERR(err, INTAKE_EINVAL, "langid_lexicon: cb_worker_init was not called");
    const struct intake_host *h = in->host;
    size_t len = 0;
    const char *text = h->doc_text(doc, &len);
    if (!text || len == 0)
        return h->doc_set_lang(doc, "und", err);
    const struct lid_segment *seg;
    size_t n;
    int rc = lid_analyse(in->model, s, text, len, &seg, &n, err);
    if (rc != INTAKE_OK)
        return rc;
    int blocks = INTAKE_HOST_HAS(h, doc_add_block);
    for (size_t i = 0; blocks && i < n; i++) {
        struct intake_block b;
        memset(&b, 0, sizeof b);
        b.start = seg[i].start;
        b.end = seg[i].end;
        copy_tag(b.lang, sizeof b.lang, seg[i].lang);
        copy_tag(b.script, sizeof b.script, seg[i].script);
        b.confidence = seg[i].confidence;
        rc = h->doc_add_block(doc, &b, err);
        if (rc != INTAKE_OK)
            return rc;
    }
    const char *main_lang = lid_main_lang(seg, n);
    intake_log_debug(h, in->ctx, doc, "language %s, %zu blocks", main_lang, n);
    return h->doc_set_lang(doc, main_lang, err);
}

static int cb_langid_lexicon_identify(void *instance, void *worker, const char *utf8, size_t len,
                                      struct intake_block *out, struct intake_error *err)
{
    struct langid_lexicon_instance *in = instance;
    struct lid_scratch *s = worker;
    intake_return_val_if_fail(in && out && (utf8 || !len), INTAKE_EINVAL);
    if (!s)
        return INTAKE_ERR(err, INTAKE_EINVAL, "langid_lexicon: cb_worker_init was not called");
    struct lid_segment g;
    int rc = lid_identify(in->model, s, utf8, len, &g, err);
    if (rc != INTAKE_OK)
        return rc;
    memset(out, 0, sizeof *out);
    out->start = 0;
    out->end = len;
    copy_tag(out->lang, sizeof out->lang, g.lang);
    copy_tag(out->script, sizeof out->script, g.script);
    out->confidence = g.confidence;
    return INTAKE_OK;
}

static void cb_langid_lexicon_worker_exit(void *instance, void *worker)
{
    (void)instance;
    lid_scratch_destroy(worker);
}

static void cb_langid_lexicon_exit(void *instance)
{
    struct langid_lexicon_instance *in = instance;
    if (!in)
        return;
    lid_model_destroy(in->model);
    in->host->free(in);
}

static const struct intake_plugin langid_lexicon_descriptor = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_LANGID,
    .flags = 0,
    .name = "langid_lexicon",
    .version = "0.1.0",
    .description = "Language per document and per block (en ru kk kk-Latn ky tk tk-Cyrl uz "
                   "uz-Cyrl tg tr az, und when unsure): script, letters, function words, endings",
    .options = langid_lexicon_options,
    .config_size = sizeof(struct langid_lexicon_config),
    .mime_types = NULL,
    .cb_init = cb_langid_lexicon_init,
    .cb_worker_init = cb_langid_lexicon_worker_init,
    .cb_process = cb_langid_lexicon_process,
    .cb_worker_exit = cb_langid_lexicon_worker_exit,
    .cb_exit = cb_langid_lexicon_exit,
    .cb_probe = NULL,
    .cb_search = NULL,
    .cb_identify = cb_langid_lexicon_identify,
};

INTAKE_PLUGIN_DEFINE(langid_lexicon, langid_lexicon_descriptor)
