/*
 * detect_names: PERSON spans in Russian, Kazakh, Kyrgyz, Uzbek, Turkmen,
 * Tajik and English text, from combined cues (first-name lists, surname
 * and patronymic morphology, initials, role words and titles, capitalised
 * unknown words) with document-level propagation and one key per person.
 *
 * Lifetimes (plugin.h):
 *   instance  the word lists (dn_lexicon), loaded in cb_init, read-only
 *             after, shared copy-on-write by the worker processes;
 *   worker    the scanner's scratch arrays, made in cb_worker_init.
 * No mutable globals; errors and logs carry counts and option names only.
 */
#include <string.h>
#include <sys/stat.h>

#include <intake/intake.h>

#include "dn_engine.h"

#define DN_DICT_DIR "/usr/share/hunspell"

#ifndef DN_DATA_DIR
#define DN_DATA_DIR "/usr/local/share/intake/names"
#endif

struct detect_names_config {
    const char *data_dir;         /* PATH: folder of the word lists */
    const char *const *languages; /* LIST: first-name lists to load */
    double min_score;             /* DOUBLE: drop spans scored below */
    int32_t propagate;            /* BOOL: propagate confident names */
    const char *known_names;      /* PATH: names always redacted, or NULL */
    const char *allow_names;      /* PATH: names always kept, or NULL */
    const char *dictionaries;     /* PATH: folder of hunspell .dic files, or "" */
};

static const struct intake_option detect_names_options[] = {
    {INTAKE_OPT_PATH, "data_dir", DN_DATA_DIR, 0, offsetof(struct detect_names_config, data_dir),
     "folder of the word lists (first_*.txt, roles.txt, stop.txt, places.txt, geo.txt)", 0, 0},
    {INTAKE_OPT_LIST, "languages", "ru,kk,ky,uz,tk,tg,en", 0,
     offsetof(struct detect_names_config, languages),
     "first-name lists to load: ru, kk, ky, uz, tk, tg, en or all", 0, 0},
    {INTAKE_OPT_DOUBLE, "min_score", "0.0", 0, offsetof(struct detect_names_config, min_score),
     "drop spans scored below this; 0 reports everything and lets the policy decide", 0, 1},
    {INTAKE_OPT_BOOL, "propagate", "true", 0, offsetof(struct detect_names_config, propagate),
     "mark every other mention (any inflection, either script) of a confidently found name", 0, 0},
    {INTAKE_OPT_PATH, "known_names", NULL, 0, offsetof(struct detect_names_config, known_names),
     "file of names known in the case (one person a line): redacted in every form, whatever "
     "the score (intake batch --known-names sets it)",
     0, 0},
    {INTAKE_OPT_PATH, "allow_names", NULL, 0, offsetof(struct detect_names_config, allow_names),
     "file of names the policy keeps (public officials, one a line), in every form; a known "
     "name wins over an allowed one",
     0, 0},
    {INTAKE_OPT_PATH, "dictionaries", DN_DICT_DIR, 0,
     offsetof(struct detect_names_config, dictionaries),
     "folder of hunspell dictionaries (en_US.dic, ru_RU.dic): a capitalised word "
     "with no name cue that they know in lower case is not a name; a missing file is skipped",
     0, 0},
    {0},
};

struct detect_names_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    struct dn_lexicon *lex;
};

static int dir_exists(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cb_detect_names_init(const struct intake_host *host, const struct intake_context *ctx,
                                const void *config, void **instance, struct intake_error *err)
{
    intake_return_val_if_fail(host && instance, INTAKE_EINVAL);
    const struct detect_names_config *cfg = config;
    struct dn_settings set = {.data_dir = NULL,
                              .langs = DN_LANG_ALL,
                              .min_score = 0.0,
                              .propagate = 1,
                              .dict_dir = DN_DICT_DIR};
    const char *dir = cfg && cfg->data_dir ? cfg->data_dir : DN_DATA_DIR;
    if (cfg) {
        if (cfg->min_score < 0.0 || cfg->min_score > 1.0)
            return INTAKE_ERR(err, INTAKE_ECONFIG, "min_score must lie in [0, 1]");
        set.min_score = cfg->min_score;
        set.propagate = cfg->propagate != 0;
        set.known_file = cfg->known_names;
        set.allow_file = cfg->allow_names;
        set.dict_dir = cfg->dictionaries ? cfg->dictionaries : DN_DICT_DIR;
        if (cfg->languages) {
            set.langs = 0;
            for (const char *const *l = cfg->languages; *l; l++) {
                unsigned b = dn_lang_bit(*l);
                if (!b)
                    return INTAKE_ERR(err, INTAKE_ECONFIG,
                                      "languages: '%.16s' is not one of ru, kk, ky, uz, tk, tg, "
                                      "en, all",
                                      *l);
                set.langs |= b;
            }
        }
    }
#ifdef DN_SOURCE_DATA_DIR
    /* In the build tree (meson devenv, tests) the default folder is not
     * installed yet: fall back to the lists in the source tree. */
    if (!dir_exists(dir) && strcmp(dir, DN_DATA_DIR) == 0)
        dir = DN_SOURCE_DATA_DIR;
#endif
    if (!dir_exists(dir))
        return INTAKE_ERR(err, INTAKE_ECONFIG, "detect_names: data_dir is not a folder");
    set.data_dir = dir;

    struct detect_names_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    memset(in, 0, sizeof *in);
    in->host = host;
    in->ctx = ctx;
    struct dn_alloc a = {host->alloc, host->free};
    int rc = dn_lexicon_create(&set, &a, &in->lex, err);
    if (rc != INTAKE_OK) {
        host->free(in);
        return rc;
    }
    intake_log_debug(host, ctx, NULL, "%zu list words, %zu dictionary words loaded",
                     dn_lexicon_size(in->lex), dn_lexicon_dict_size(in->lex));
    *instance = in;
    return INTAKE_OK;
}

static int cb_detect_names_worker_init(void *instance, void **worker, struct intake_error *err)
{
    struct detect_names_instance *in = instance;
    intake_return_val_if_fail(in && worker, INTAKE_EINVAL);
    struct dn_scanner *sc = NULL;
    int rc = dn_scanner_create(in->lex, &sc, err);
    if (rc != INTAKE_OK)
        return rc;
    *worker = sc;
    return INTAKE_OK;
}

/* The engine's cue bits in the ABI's terms. */
static uint32_t cues_of(uint32_t dn)
{
    uint32_t c = 0;
    c |= dn & DN_CUE_FIRST ? INTAKE_CUE_LIST : 0;
    c |= dn & (DN_CUE_SURNAME | DN_CUE_PATRO) ? INTAKE_CUE_MORPHOLOGY : 0;
    c |= dn & DN_CUE_INITIAL ? INTAKE_CUE_INITIALS : 0;
    c |= dn & DN_CUE_ROLE ? INTAKE_CUE_ROLE : 0;
    c |= dn & DN_CUE_CAP ? INTAKE_CUE_CAPITAL : 0;
    c |= dn & DN_CUE_PROP ? INTAKE_CUE_PROPAGATED : 0;
    c |= dn & DN_CUE_KNOWN ? INTAKE_CUE_KNOWN : 0;
    return c;
}

static int cb_detect_names_process(void *instance, void *worker, struct intake_doc *doc,
                                   struct intake_error *err)
{
    struct detect_names_instance *in = instance;
    struct dn_scanner *sc = worker;
    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    if (!sc)
        return INTAKE_ERR(err, INTAKE_EINVAL, "detect_names: cb_worker_init was not called");
    const struct intake_host *h = in->host;
    size_t len = 0;
    const char *text = h->doc_text(doc, &len);
    if (!text || len == 0)
        return INTAKE_OK;
    /* The language identifier's blocks, when it ran: the English and
     * Kazakh rules then apply block by block, not to the whole document. */
    size_t nb = 0, nr = 0;
    const struct intake_block *b = INTAKE_HOST_HAS(h, doc_blocks) ? h->doc_blocks(doc, &nb) : NULL;
    struct dn_lang_range *r = nb ? h->doc_alloc(doc, nb * sizeof *r) : NULL;
    for (size_t i = 0; r && i < nb; i++) {
        if (nr && b[i].start < r[nr - 1].end) {
            nr = 0; /* not in order: use the document-level guess */
            break;
        }
        r[nr++] = (struct dn_lang_range){.start = b[i].start,
                                         .end = b[i].end,
                                         .english = strcmp(b[i].lang, "en") == 0,
                                         .kazakh = strncmp(b[i].lang, "kk", 2) == 0};
    }
    dn_scanner_set_langs(sc, r, nr);
    const struct dn_hit *hit;
    size_t n;
    int rc = dn_scan(in->lex, sc, text, len, &hit, &n, err);
    dn_scanner_set_langs(sc, NULL, 0);
    if (rc != INTAKE_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        struct intake_span sp = {
            .start = hit[i].start,
            .end = hit[i].end,
            .label = INTAKE_LABEL_PERSON,
            .source = 0,
            .score = hit[i].score,
            .cues = cues_of(hit[i].cues),
            .key = hit[i].key,
        };
        rc = h->doc_add_span(doc, &sp, err);
        if (rc != INTAKE_OK)
            return rc;
    }
    intake_log_debug(h, in->ctx, doc, "%zu person spans in %zu bytes", n, len);
    return INTAKE_OK;
}

static void cb_detect_names_worker_exit(void *instance, void *worker)
{
    (void)instance;
    dn_scanner_destroy(worker);
}

static void cb_detect_names_exit(void *instance)
{
    struct detect_names_instance *in = instance;
    if (!in)
        return;
    dn_lexicon_destroy(in->lex);
    in->host->free(in);
}

static const struct intake_plugin detect_names_descriptor = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_DETECT,
    .flags = 0,
    .name = "detect_names",
    .version = "0.1.0",
    .description = "Person names (ru, kk, ky, uz, tk, tg, en): name lists, surname and "
                   "patronymic morphology, initials, role words, propagation",
    .options = detect_names_options,
    .config_size = sizeof(struct detect_names_config),
    .mime_types = NULL,
    .cb_init = cb_detect_names_init,
    .cb_worker_init = cb_detect_names_worker_init,
    .cb_process = cb_detect_names_process,
    .cb_worker_exit = cb_detect_names_worker_exit,
    .cb_exit = cb_detect_names_exit,
    .cb_probe = NULL,
};

INTAKE_PLUGIN_DEFINE(detect_names, detect_names_descriptor)
