/*
 * detect_patterns: identifiers found by pattern and validated by their
 * check digits and structure: e-mail, phones, national IDs (KZ IIN, UZ
 * PINFL, KG PIN, RU INN/SNILS), passports, IBAN, payment cards, IP
 * addresses, URLs.
 *
 * Lifetimes (plugin.h):
 *   instance  the Vectorscan databases compiled in cb_init (triggers for
 *             the whole text, context words for the windows around the
 *             candidates), read-only after, shared copy-on-write by the
 *             worker processes;
 *   worker    the Vectorscan scratch and reusable match arrays, made in
 *             cb_worker_init after the fork.
 * No mutable globals; the error messages carry counts and option names
 * only, never document text.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include <intake/intake.h>

#include "dp_engine.h"

struct detect_patterns_config {
    int64_t context_window;       /* SIZE: bytes before a hit searched for context words */
    int64_t context_window_after; /* SIZE: bytes after a hit */
    const char *const *types;     /* LIST: entity types to report */
    double min_score;             /* DOUBLE: drop spans scored below */
    const char *cache_dir;        /* STR: compiled databases; auto, off or a folder */
};

#define DP_DEFAULT_TYPES "EMAIL,PHONE,NATIONAL_ID,PASSPORT,IBAN,CARD,IP_ADDRESS,URL"

static const struct intake_option detect_patterns_options[] = {
    {INTAKE_OPT_SIZE, "context_window", "64", 0,
     offsetof(struct detect_patterns_config, context_window),
     "bytes before a hit searched for context words (ИИН, тел., passport, IBAN...)", 0, 4096},
    {INTAKE_OPT_SIZE, "context_window_after", "24", 0,
     offsetof(struct detect_patterns_config, context_window_after),
     "bytes after a hit searched for context words (Turkic order: number, then noun)", 0, 4096},
    {INTAKE_OPT_LIST, "types", DP_DEFAULT_TYPES, 0, offsetof(struct detect_patterns_config, types),
     "entity types to report (a subset of the default)", 0, 0},
    {INTAKE_OPT_DOUBLE, "min_score", "0.0", 0, offsetof(struct detect_patterns_config, min_score),
     "drop spans scored below this; 0 reports everything and lets the policy decide", 0, 1},
    {INTAKE_OPT_STR, "cache_dir", "auto", 0, offsetof(struct detect_patterns_config, cache_dir),
     "folder for the compiled pattern databases, so start-up skips compiling: auto "
     "($XDG_CACHE_HOME/intake or ~/.cache/intake), off, or an absolute path",
     0, 0},
    {0},
};

struct detect_patterns_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    struct dp_engine *engine;
    char cache_dir[4096]; /* resolved; "" = no cache */
};

/* "auto" -> $XDG_CACHE_HOME/intake or $HOME/.cache/intake; "off" or "" -> none. */
static int resolve_cache_dir(const char *opt, char *out, size_t outsz)
{
    out[0] = '\0';
    if (!opt || !*opt || !strcmp(opt, "off"))
        return 0;
    int w = 0;
    if (!strcmp(opt, "auto")) {
        const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
        if (x && x[0] == '/')
            w = snprintf(out, outsz, "%s/intake", x);
        else if (h && h[0] == '/')
            w = snprintf(out, outsz, "%s/.cache/intake", h);
        else
            return 0; /* no home: no cache, compile each time */
    } else if (opt[0] == '/') {
        w = snprintf(out, outsz, "%s", opt);
    } else {
        return -1;
    }
    if (w <= 0 || (size_t)w >= outsz) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

struct detect_patterns_worker {
    struct dp_scanner *scanner;
    struct dp_range *ocr; /* the ranges of the pages OCR wrote, reused */
    size_t capocr;
};

/*
** The byte ranges of the pages OCR wrote (INTAKE_PAGE_OCR_DONE), into
** w->ocr: there detection also looks through OCR's look-alike letters.
** \return their number, or (size_t)-1 when out of memory. A host without
** page flags has no OCR pages.
*/
static size_t ocr_ranges(const struct intake_host *h, struct detect_patterns_worker *w,
                         const struct intake_doc *doc)
{
    if (!INTAKE_HOST_HAS(h, doc_page_flags) || !h->doc_page_count || !h->doc_page_range)
        return 0;
    uint32_t np = h->doc_page_count(doc);
    size_t n = 0;
    for (uint32_t i = 0; i < np; i++) {
        uint64_t a, b;
        if (!(h->doc_page_flags(doc, i) & INTAKE_PAGE_OCR_DONE) ||
            h->doc_page_range(doc, i, &a, &b) != INTAKE_OK || b <= a)
            continue;
        if (n == w->capocr) {
            size_t cap = w->capocr ? 2 * w->capocr : 16;
            struct dp_range *v = h->alloc(cap * sizeof *v);
            if (!v)
                return (size_t)-1;
            if (n)
                memcpy(v, w->ocr, n * sizeof *v);
            h->free(w->ocr);
            w->ocr = v;
            w->capocr = cap;
        }
        w->ocr[n++] = (struct dp_range){a, b};
    }
    return n;
}

/* Entity type name (any case) to label bit; 0 when not one of ours. */
static uint32_t type_bit(const char *name)
{
    char up[32];
    size_t n = strlen(name);
    while (n && isspace((unsigned char)name[n - 1]))
        n--;
    while (n && isspace((unsigned char)*name)) {
        name++;
        n--;
    }
    if (n == 0 || n >= sizeof up)
        return 0;
    for (size_t i = 0; i < n; i++)
        up[i] = (char)toupper((unsigned char)name[i]);
    up[n] = '\0';
    uint32_t l = intake_label_from_name(up);
    uint32_t bit = l ? 1u << l : 0;
    return bit & dp_labels_supported();
}

static int cb_detect_patterns_init(const struct intake_host *host, const struct intake_context *ctx,
                                   const void *config, void **instance, struct intake_error *err)
{
    intake_return_val_if_fail(host && instance, INTAKE_EINVAL);
    const struct detect_patterns_config *cfg = config;
    struct dp_settings set = {
        .labels = dp_labels_supported(), .window_before = 64, .window_after = 24, .min_score = 0.0};
    if (cfg) {
        if (cfg->context_window < 0 || cfg->context_window_after < 0)
            return INTAKE_ERR(err, INTAKE_ECONFIG, "context_window must not be negative");
        if (cfg->min_score < 0.0 || cfg->min_score > 1.0)
            return INTAKE_ERR(err, INTAKE_ECONFIG, "min_score must lie in [0, 1]");
        set.window_before = (size_t)cfg->context_window;
        set.window_after = (size_t)cfg->context_window_after;
        set.min_score = cfg->min_score;
        if (cfg->types) {
            set.labels = 0;
            for (const char *const *t = cfg->types; *t; t++) {
                uint32_t b = type_bit(*t);
                if (!b)
                    return INTAKE_ERR(err, INTAKE_ECONFIG,
                                      "types: '%.40s' is not a type this plugin detects (%s)", *t,
                                      DP_DEFAULT_TYPES);
                set.labels |= b;
            }
            if (!set.labels)
                return INTAKE_ERR(err, INTAKE_ECONFIG, "types: empty list");
        }
    }

    struct detect_patterns_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    memset(in, 0, sizeof *in);
    in->host = host;
    in->ctx = ctx;
    if (resolve_cache_dir(cfg ? cfg->cache_dir : "auto", in->cache_dir, sizeof in->cache_dir)) {
        host->free(in);
        return INTAKE_ERR(err, INTAKE_ECONFIG,
                          "cache_dir: not auto, off or an absolute path that fits");
    }
    set.cache_dir = in->cache_dir;
    struct dp_alloc a = {host->alloc, host->free};
    int rc = dp_engine_create(&set, &a, &in->engine, err);
    if (rc != INTAKE_OK) {
        host->free(in);
        return rc;
    }
    *instance = in;
    return INTAKE_OK;
}

static int cb_detect_patterns_worker_init(void *instance, void **worker, struct intake_error *err)
{
    struct detect_patterns_instance *in = instance;
    intake_return_val_if_fail(in && worker, INTAKE_EINVAL);
    struct detect_patterns_worker *w = in->host->alloc(sizeof *w);
    if (!w)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    memset(w, 0, sizeof *w);
    int rc = dp_scanner_create(in->engine, &w->scanner, err);
    if (rc != INTAKE_OK) {
        in->host->free(w);
        return rc;
    }
    *worker = w;
    return INTAKE_OK;
}

static int cb_detect_patterns_process(void *instance, void *worker, struct intake_doc *doc,
                                      struct intake_error *err)
{
    struct detect_patterns_instance *in = instance;
    struct detect_patterns_worker *w = worker;
    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    if (!w)
        return INTAKE_ERR(err, INTAKE_EINVAL, "detect_patterns: cb_worker_init was not called");
    const struct intake_host *h = in->host;

    size_t len = 0;
    const char *text = h->doc_text(doc, &len);
    if (!text || len == 0)
        return INTAKE_OK;

    const struct dp_cand *c;
    size_t n;
    size_t nocr = ocr_ranges(h, w, doc);
    if (nocr == (size_t)-1)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    int rc = dp_scan(in->engine, w->scanner, text, len, w->ocr, nocr, &c, &n, err);
    if (rc != INTAKE_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        struct intake_span sp = {
            .start = c[i].start,
            .end = c[i].end,
            .label = dp_kind_info(c[i].kind)->label,
            .source = 0,
            .score = c[i].score,
            /* a score above the kind's bare one came from a context word */
            .cues = INTAKE_CUE_PATTERN |
                    (c[i].score > dp_kind_info(c[i].kind)->base ? INTAKE_CUE_CONTEXT : 0u),
            .key = 0,
        };
        rc = h->doc_add_span(doc, &sp, err);
        if (rc != INTAKE_OK)
            return rc;
    }
    intake_log_debug(h, in->ctx, doc, "%zu spans in %zu bytes", n, len);
    return INTAKE_OK;
}

static void cb_detect_patterns_worker_exit(void *instance, void *worker)
{
    struct detect_patterns_instance *in = instance;
    struct detect_patterns_worker *w = worker;
    if (!in || !w)
        return;
    dp_scanner_destroy(w->scanner);
    in->host->free(w->ocr);
    in->host->free(w);
}

static void cb_detect_patterns_exit(void *instance)
{
    struct detect_patterns_instance *in = instance;
    if (!in)
        return;
    dp_engine_destroy(in->engine);
    in->host->free(in);
}

static const struct intake_plugin detect_patterns_descriptor = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_DETECT,
    .flags = 0,
    .name = "detect_patterns",
    .version = "0.1.0",
    .description = "E-mail, phones, national IDs, passports, IBAN, cards, IP, URL by pattern "
                   "and check digit (Vectorscan)",
    .options = detect_patterns_options,
    .config_size = sizeof(struct detect_patterns_config),
    .mime_types = NULL,
    .cb_init = cb_detect_patterns_init,
    .cb_worker_init = cb_detect_patterns_worker_init,
    .cb_process = cb_detect_patterns_process,
    .cb_worker_exit = cb_detect_patterns_worker_exit,
    .cb_exit = cb_detect_patterns_exit,
    .cb_probe = NULL,
};

INTAKE_PLUGIN_DEFINE(detect_patterns, detect_patterns_descriptor)
