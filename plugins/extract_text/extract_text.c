/*
 * plugins/extract_text/extract_text.c: plain text in, UTF-8 pages out.
 *
 * UTF-8 passes byte for byte (span offsets index the file); UTF-8 with a
 * BOM, UTF-16 with a BOM and the 8-bit Cyrillic/Kazakh/Western encodings are
 * converted. Anything else is refused with INTAKE_EFORMAT and a content-free
 * reason. Detection lives in encoding.c and is shared by probe and process.
 *
 * Lifetimes: the instance (options, iconv-derived byte tables) is built in
 * cb_init before the workers fork and is read-only afterwards; the worker
 * owns one uchardet handle.
 */
#include <stdlib.h>
#include <string.h>

#include <uchardet/uchardet.h>

#include <intake/intake.h>

#include "encoding.h"

#define EXTRACT_TEXT_VERSION "0.1.0"
#define PROBE_BYTES          (1u << 20) /* the probe looks at this much */

/** Options, filled by the core from the option table below. */
struct extract_text_config {
    const char *const *encodings;  /* allowed 8-bit encodings (NULL = all) */
    const char *fallback_encoding; /* NULL: refuse what detection can't place */
    int64_t max_bytes;             /* larger files are refused */
    int32_t split_pages;           /* new page after each \f */
    int32_t accept_empty;          /* 0 bytes -> one empty page instead of a refusal */
};

#define DEFAULT_ENCODINGS                                                                          \
    "windows-1251,koi8-r,ibm866,x-mac-cyrillic,iso-8859-5,kz-1048,ptcp154,windows-1252,koi8-u"
#define DEFAULT_MAX_BYTES (64ll << 20)

static const struct intake_option extract_text_options[] = {
    {INTAKE_OPT_LIST, "encodings", DEFAULT_ENCODINGS, 0,
     offsetof(struct extract_text_config, encodings),
     "8-bit encodings tried when a file is neither UTF-8 nor UTF-16 with a BOM", 0, 0},
    {INTAKE_OPT_STR, "fallback_encoding", NULL, 0,
     offsetof(struct extract_text_config, fallback_encoding),
     "8-bit encoding assumed when detection finds none plausible (unset: refuse the file)", 0, 0},
    {INTAKE_OPT_SIZE, "max_bytes", "64M", 0, offsetof(struct extract_text_config, max_bytes),
     "files larger than this are refused", 1, 4294967295.0},
    {INTAKE_OPT_BOOL, "split_pages", "true", 0, offsetof(struct extract_text_config, split_pages),
     "start a new page after each form feed (\\f)", 0, 0},
    {INTAKE_OPT_BOOL, "accept_empty", "false", 0,
     offsetof(struct extract_text_config, accept_empty),
     "treat an empty file as a document with one empty page instead of refusing it", 0, 0},
    {0},
};

struct extract_text_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    struct et_options opts;
    size_t max_bytes;
    int split_pages;
    int accept_empty;
    struct et_tables tables; /* read-only after cb_init */
};

struct extract_text_worker {
    uchardet_t ud;
};

/* uchardet's vote is worth this many bits of evidence (see README: accuracy). */
#define UCHARDET_PRIOR_BITS 3.0

static int cb_extract_text_init(const struct intake_host *host, const struct intake_context *ctx,
                                const void *config, void **instance, struct intake_error *err)
{
    const struct extract_text_config *cfg = config;
    struct extract_text_instance *in;
    char msg[128];

    intake_return_val_if_fail(host && instance, INTAKE_EINVAL);
    in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "extract_text: no memory for the instance");
    memset(in, 0, sizeof *in);
    in->host = host;
    in->ctx = ctx;
    in->opts.allowed = ET_ALL_8BIT;
    in->opts.fallback = ET_ENC_NONE;
    in->opts.prior_bits = UCHARDET_PRIOR_BITS;
    in->max_bytes = (size_t)DEFAULT_MAX_BYTES;
    in->split_pages = 1;

    /* A NULL config means "all defaults" (the core always passes one). */
    if (cfg) {
        if (cfg->encodings) {
            in->opts.allowed = 0;
            for (const char *const *e = cfg->encodings; *e; e++) {
                int enc = et_enc_from_name(*e);
                if (enc < ET_ENC_FIRST_8BIT) {
                    host->free(in);
                    return INTAKE_ERR(err, INTAKE_ECONFIG,
                                      "extract_text: encodings: unknown 8-bit encoding '%s'", *e);
                }
                in->opts.allowed |= 1u << enc;
            }
        }
        if (cfg->fallback_encoding && cfg->fallback_encoding[0]) {
            int enc = et_enc_from_name(cfg->fallback_encoding);
            if (enc < ET_ENC_FIRST_8BIT) {
                host->free(in);
                return INTAKE_ERR(err, INTAKE_ECONFIG,
                                  "extract_text: fallback_encoding: unknown 8-bit encoding '%s'",
                                  cfg->fallback_encoding);
            }
            in->opts.fallback = enc;
        }
        if (cfg->max_bytes <= 0) {
            host->free(in);
            return INTAKE_ERR(err, INTAKE_ECONFIG, "extract_text: max_bytes must be positive");
        }
        in->max_bytes = (size_t)cfg->max_bytes;
        in->split_pages = cfg->split_pages != 0;
        in->accept_empty = cfg->accept_empty != 0;
    }
    if (et_tables_init(&in->tables, msg, sizeof msg) != 0) {
        host->free(in);
        return INTAKE_ERR(err, INTAKE_EINTERNAL, "extract_text: %s", msg);
    }
    *instance = in;
    return INTAKE_OK;
}

static int cb_extract_text_worker_init(void *instance, void **worker, struct intake_error *err)
{
    struct extract_text_instance *in = instance;
    struct extract_text_worker *w = in->host->alloc(sizeof *w);
    if (!w)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "extract_text: no memory for the worker");
    w->ud = uchardet_new();
    if (!w->ud) {
        in->host->free(w);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "extract_text: uchardet_new failed");
    }
    *worker = w;
    return INTAKE_OK;
}

static void cb_extract_text_worker_exit(void *instance, void *worker)
{
    struct extract_text_instance *in = instance;
    struct extract_text_worker *w = worker;
    if (!w)
        return;
    uchardet_delete(w->ud);
    in->host->free(w);
}

static void cb_extract_text_exit(void *instance)
{
    struct extract_text_instance *in = instance;
    if (in)
        in->host->free(in);
}

/* Add \p text as pages: split after each \f when asked (the \f stays on the
 * page it ends), so the pages concatenate to exactly the text. */
static int add_pages(const struct extract_text_instance *in, struct intake_doc *doc,
                     const char *text, size_t len, struct intake_error *err)
{
    const struct intake_host *h = in->host;
    size_t start = 0;
    if (in->split_pages) {
        const char *ff;
        while (start < len && (ff = memchr(text + start, '\f', len - start)) != NULL) {
            size_t end = (size_t)(ff - text) + 1;
            int rc = h->doc_add_page(doc, text + start, end - start, err);
            if (rc != INTAKE_OK)
                return rc;
            start = end;
        }
        /* A final \f ends the last page; only an empty text needs an empty page. */
        if (start == len && len > 0)
            return INTAKE_OK;
    }
    return h->doc_add_page(doc, text + start, len - start, err);
}

static int cb_extract_text_process(void *instance, void *worker, struct intake_doc *doc,
                                   struct intake_error *err)
{
    struct extract_text_instance *in = instance;
    struct extract_text_worker *w = worker;
    const struct intake_host *h;
    const unsigned char *src;
    size_t len = 0;
    struct et_result r;
    int rc;

    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    h = in->host;
    src = h->doc_source(doc, &len);
    if (!src && len)
        return INTAKE_ERR(err, INTAKE_EINTERNAL, "extract_text: document has no source bytes");
    if (len > in->max_bytes)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "extract_text: file too large (%zu bytes, max_bytes is %zu)", len,
                          in->max_bytes);
    if (len == 0) {
        if (!in->accept_empty)
            return INTAKE_ERR(err, INTAKE_EFORMAT, "extract_text: empty file (0 bytes)");
        rc = h->doc_meta_set(doc, "encoding", et_enc_name(ET_ENC_UTF8), err);
        return rc != INTAKE_OK ? rc : h->doc_add_page(doc, "", 0, err);
    }

    et_detect(&in->tables, w ? w->ud : NULL, src, len, 0, &in->opts, &r);
    if (r.reason != ET_OK) {
        switch (r.reason) {
        case ET_R_NOMEM:
            return INTAKE_ERR(err, INTAKE_ENOMEM, "extract_text: %s", et_reason_text(r.reason));
        case ET_R_CONTROL:
        case ET_R_UTF8_BOM:
        case ET_R_UTF16_ODD:
        case ET_R_UTF16_SURROGATE:
        case ET_R_UTF8_INVALID:
            return INTAKE_ERR(err, INTAKE_EFORMAT, "extract_text: %s (byte offset %zu)",
                              et_reason_text(r.reason), r.offset);
        default:
            return INTAKE_ERR(err, INTAKE_EFORMAT, "extract_text: %s", et_reason_text(r.reason));
        }
    }

    if (r.enc == ET_ENC_UTF8) {
        /* Byte for byte: offsets index the file (minus the BOM, if any). */
        rc = add_pages(in, doc, (const char *)src + r.skip, len - r.skip, err);
    } else {
        size_t cap = et_convert_size(&in->tables, r.enc, src + r.skip, len - r.skip), bad = 0, n;
        char *buf = h->alloc(cap);
        if (!buf)
            return INTAKE_ERR(err, INTAKE_ENOMEM, "extract_text: no memory to convert %zu bytes",
                              len);
        n = et_convert(&in->tables, r.enc, src + r.skip, len - r.skip, buf, &bad);
        if (n == (size_t)-1)
            rc = INTAKE_ERR(err, INTAKE_EFORMAT, "extract_text: not valid %s (byte offset %zu)",
                            et_enc_name(r.enc), bad + r.skip);
        else
            rc = add_pages(in, doc, buf, n, err);
        explicit_bzero(buf, n == (size_t)-1 ? cap : n); /* document text is personal data */
        h->free(buf);
    }
    if (rc != INTAKE_OK)
        return rc;

    rc = h->doc_meta_set(doc, "encoding", et_enc_name(r.enc), err);
    if (rc == INTAKE_OK && r.skip)
        rc = h->doc_meta_set(doc, "bom", "yes", err);
    if (rc != INTAKE_OK)
        return rc;
    if (r.enc >= ET_ENC_FIRST_8BIT)
        intake_log_debug(h, in->ctx, doc,
                         "encoding %s%s (profile %s, uchardet %s, margin %.1f bits, "
                         "%u of %u non-ASCII implausible)",
                         et_enc_name(r.enc), r.used_fallback ? " by fallback" : "",
                         et_profile_name(r.profile), et_enc_name(r.ud_enc), r.margin, r.implausible,
                         r.scored);
    else
        intake_log_debug(h, in->ctx, doc, "encoding %s%s", et_enc_name(r.enc),
                         r.skip ? " with BOM" : "");
    if (r.used_fallback)
        intake_log_warn(h, in->ctx, doc, "no plausible encoding found; assumed fallback %s",
                        et_enc_name(r.enc));
    return INTAKE_OK;
}

/* How sure are we that these bytes are text we can read? Same detector as
 * cb_process, on at most the first PROBE_BYTES. */
static int cb_extract_text_probe(void *instance, const unsigned char *bytes, size_t len,
                                 const char *mime)
{
    const struct extract_text_instance *in = instance;
    struct et_result r;
    (void)mime; /* libmagic's name is what we are asked to second-guess */
    if (!in || !bytes || len == 0)
        return 0;
    et_detect(&in->tables, NULL, bytes, len < PROBE_BYTES ? len : PROBE_BYTES, len > PROBE_BYTES,
              &in->opts, &r);
    return r.reason == ET_OK ? r.confidence : 0;
}

static const char *const extract_text_mime_types[] = {
    "text/*",
    "application/x-empty", /* so an empty file gets our clear reason */
    NULL,
};

static const struct intake_plugin extract_text_descriptor = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_EXTRACT,
    .flags = 0,
    .name = "extract_text",
    .version = EXTRACT_TEXT_VERSION,
    .description = "plain text: UTF-8 byte for byte, UTF-16, Cyrillic and Kazakh 8-bit encodings",
    .options = extract_text_options,
    .config_size = sizeof(struct extract_text_config),
    .mime_types = extract_text_mime_types,
    .cb_init = cb_extract_text_init,
    .cb_worker_init = cb_extract_text_worker_init,
    .cb_process = cb_extract_text_process,
    .cb_worker_exit = cb_extract_text_worker_exit,
    .cb_exit = cb_extract_text_exit,
    .cb_probe = cb_extract_text_probe,
};

INTAKE_PLUGIN_DEFINE(extract_text, extract_text_descriptor)
