/*
 * tests/plugins/test_plugin.c: one source, many test-only plugins.
 *
 * Built several times with -DVARIANT_x to make each loader refusal real:
 * a wrong ABI major, a short struct, no entry point, a name that does not
 * match the file, a missing callback, an unresolved symbol, an entry point
 * that refuses the host. VARIANT_OK is a working detect plugin that marks
 * every occurrence of the option `word` (default "MARKWORD") as PERSON, and
 * VARIANT_OK_EXTRACT a working extractor, so engine tests need no real plugin.
 * The extractor turns "IMAGE-PAGES:N" into N blank image pages, each line
 * "CHILD:name:rest of the line" into a child document (rest of the line as
 * its bytes, so a CHILD: in it nests another; the line is not the parent's
 * text), and
 * VARIANT_SLOW_OCR "reads" each such page in `word` milliseconds (as digits):
 * a slow OCR, for the deadline that grows with the pages. VARIANT_CHAOS
 * misbehaves on CHAOS-* markers as a detector, VARIANT_CHAOS_EXPORT as an
 * exporter (after the exporters configured before it wrote their files).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <intake/plugin.h>

#ifndef PLUGIN_NAME
#error PLUGIN_NAME must be defined
#endif
#define STR_(x) #x
#define STR(x)  STR_(x)

struct cfg {
    const char *word;
    int64_t label;
};

static const struct intake_option options[] = {
    {INTAKE_OPT_STR, "word", "MARKWORD", 0, offsetof(struct cfg, word), "word to mark", 0, 0},
    {INTAKE_OPT_INT, "label", "1", 0, offsetof(struct cfg, label), "label to give it", 1, 14},
    {0},
};

struct inst {
    const struct intake_host *host;
    const struct intake_context *ctx;
    const struct cfg *cfg;
};

static int cb_init(const struct intake_host *host, const struct intake_context *ctx,
                   const void *config, void **instance, struct intake_error *err)
{
    struct inst *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "no memory");
    in->host = host;
    in->ctx = ctx;
    in->cfg = config;
    *instance = in;
    return INTAKE_OK;
}

#ifdef VARIANT_UNRESOLVED
extern int intake_test_symbol_that_does_not_exist(void);
#endif

__attribute__((unused)) static int cb_process(void *instance, void *worker, struct intake_doc *doc,
                                              struct intake_error *err)
{
    struct inst *in = instance;
    const struct intake_host *h = in->host;
    (void)worker;
#ifdef VARIANT_UNRESOLVED
    if (intake_test_symbol_that_does_not_exist())
        return INTAKE_EINTERNAL;
#endif
#if defined(VARIANT_CHAOS) || defined(VARIANT_CHAOS_EXPORT)
    /* Misbehave on marked documents, the way a buggy parser would. */
    size_t tn;
    const char *tt = h->doc_text(doc, &tn);
    if (strstr(tt, "CHAOS-SEGV"))
        raise(SIGSEGV);
    if (strstr(tt, "CHAOS-ABORT"))
        abort();
    if (strstr(tt, "CHAOS-HANG"))
        for (;;)
            pause();
    if (strstr(tt, "CHAOS-OOM")) {
        for (;;) {
            char *p = malloc(16 << 20);
            if (!p)
                continue;
            memset(p, 1, 16 << 20);
        }
    }
    if (strstr(tt, "CHAOS-EFORMAT"))
        return INTAKE_ERR(err, INTAKE_EFORMAT, "test plugin refuses this document");
    if (strstr(tt, "CHAOS-SLOW"))
        usleep(300000);
#endif
#ifdef VARIANT_OK_EXTRACT
    size_t n;
    const unsigned char *src = h->doc_source(doc, &n);
    const char *ip = memmem(src, n, "IMAGE-PAGES:", 12);
    if (ip) {
        static const unsigned char white[4] = {255, 255, 255, 255};
        struct intake_image img = {
            .width = 2, .height = 2, .stride = 2, .channels = 1, .dpi = 72, .pixels = white};
        for (long k = strtol(ip + 12, NULL, 10); k > 0; k--) {
            int rc = h->doc_add_image_page(doc, &img, 0, 0, err);
            if (rc)
                return rc;
        }
        return INTAKE_OK;
    }
    char *own = h->doc_alloc(doc, n + 1); /* the text without the CHILD: lines */
    size_t on = 0;
    if (!own)
        return INTAKE_ENOMEM;
    for (const char *p = (const char *)src, *end = p + n; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *c = le - p > 6 && memcmp(p, "CHILD:", 6) == 0
                            ? memchr(p + 6, ':', (size_t)(le - p - 6))
                            : NULL;
        if (c) {
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(c - p - 6), p + 6);
            int rc = h->doc_add_child(doc, c + 1, (size_t)(le - c - 1), name, err);
            if (rc)
                return rc;
        } else {
            memcpy(own + on, p, (size_t)(le - p) + (nl ? 1 : 0));
            on += (size_t)(le - p) + (nl ? 1 : 0);
        }
        p = le + 1;
    }
    return h->doc_add_page(doc, own, on, err);
#elif defined(VARIANT_SLOW_OCR)
    long ms = strtol(in->cfg->word, NULL, 10);
    for (uint32_t p = 0; p < h->doc_page_count(doc); p++) {
        if (!(h->doc_page_flags(doc, p) & INTAKE_PAGE_NEEDS_OCR))
            continue;
        usleep((useconds_t)(ms > 0 ? ms : 0) * 1000);
        int rc = h->doc_set_page_text(doc, p, "page read\n", 10, err);
        if (rc)
            return rc;
        h->doc_set_page_flags(doc, p, INTAKE_PAGE_OCR_DONE);
    }
    return INTAKE_OK;
#else
    size_t n;
    const char *text = h->doc_text(doc, &n);
    size_t wl = strlen(in->cfg->word);
    for (const char *p = text; wl && (p = strstr(p, in->cfg->word)); p += wl) {
        struct intake_span s = {.start = (uint64_t)(p - text),
                                .end = (uint64_t)(p - text + wl),
                                .label = (uint32_t)in->cfg->label,
                                .score = 0.9f};
        int rc = h->doc_add_span(doc, &s, err);
        if (rc)
            return rc;
    }
    intake_log_debug(h, in->ctx, doc, "marked spans in %zu bytes", n);
    intake_log_trace(h, in->ctx, doc, "trace level reached");
    return INTAKE_OK;
#endif
}

static void cb_exit(void *instance)
{
    struct inst *in = instance;
    in->host->free(in);
}

#ifdef VARIANT_OK_EXTRACT
static const char *const mimes[] = {"text/*", NULL};
#endif

__attribute__((unused)) static const struct intake_plugin descriptor = {
    INTAKE_PLUGIN_ABI,
#ifdef VARIANT_BAD_ABI
    .abi_major = 99,
#endif
#ifdef VARIANT_OLD_STRUCT
    .struct_size = 24,
#endif
#ifdef VARIANT_OK_EXTRACT
    .stage = INTAKE_STAGE_EXTRACT,
    .mime_types = mimes,
#elif defined(VARIANT_SLOW_OCR)
    .stage = INTAKE_STAGE_OCR,
#elif defined(VARIANT_CHAOS_EXPORT)
    .stage = INTAKE_STAGE_EXPORT, /* after the exporters before it have written */
#else
    .stage = INTAKE_STAGE_DETECT,
#endif
#ifdef VARIANT_WRONG_NAME
    .name = "some_other_name",
#else
    .name = STR(PLUGIN_NAME),
#endif
    .version = "0.0.1",
    .description = "test-only plugin",
    .options = options,
    .config_size = sizeof(struct cfg),
    .cb_init = cb_init,
#ifndef VARIANT_NO_PROCESS
    .cb_process = cb_process,
#endif
    .cb_exit = cb_exit,
};

#if defined(VARIANT_NO_ENTRY)
/* Exports something, but not the entry point. */
INTAKE_EXPORT int intake_plugin_entry_misspelt(void);
INTAKE_EXPORT int intake_plugin_entry_misspelt(void)
{
    return descriptor.stage;
}
#elif defined(VARIANT_REFUSE_HOST)
INTAKE_EXPORT int intake_plugin_entry(const struct intake_host *host,
                                      const struct intake_plugin **out);
INTAKE_EXPORT int intake_plugin_entry(const struct intake_host *host,
                                      const struct intake_plugin **out)
{
    (void)host;
    (void)out;
    return INTAKE_EABI; /* as a plugin built for a newer host would */
}
#else
INTAKE_PLUGIN_DEFINE(PLUGIN_NAME, descriptor)
#endif
