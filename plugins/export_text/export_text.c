/*
 * plugins/export_text/export_text.c: each redacted document as files.
 *
 * For every document that reached the export stage (extraction, detection
 * and anonymisation all succeeded) it writes, under <store>/<dir>/:
 *
 *   <doc-id>.txt   the redacted text, byte for byte as the anonymiser wrote it
 *   <doc-id>.json  id, redacted source name, mime, lang, size, pages,
 *                  entity counts and entity offsets/types/scores/detectors
 *
 * Never the original text, never an original value, never an original file
 * name: only host->doc_redacted_text, host->doc_source_name (redacted by the
 * core) and span offsets are read. host->doc_text is never called.
 *
 * Each file goes through host->store_write, which replaces it atomically
 * and durably: a worker killed at any moment leaves either the old file,
 * the new file, or no file, never a partial one. A re-run simply
 * overwrites. The .json is written after the .txt, so a .json always has
 * its complete .txt beside it.
 *
 * Lifetimes: the instance (options) is read-only after cb_init; there is
 * no worker state.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <intake/intake.h>

#define EXPORT_TEXT_VERSION "0.1.0"
#define DOC_ID_LEN          64

/** Options, filled by the core from the option table below. */
struct export_text_config {
    const char *dir; /* relative to the store */
    int32_t json;    /* also write <doc-id>.json */
};

static const struct intake_option export_text_options[] = {
    {INTAKE_OPT_STR, "dir", "redacted", 0, offsetof(struct export_text_config, dir),
     "folder for the exports, relative to the store (no '..', not absolute)", 0, 0},
    {INTAKE_OPT_BOOL, "json", "true", 0, offsetof(struct export_text_config, json),
     "also write <doc-id>.json: metadata, entity counts and entity offsets (never values)", 0, 0},
    {0},
};

struct export_text_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    const char *dir; /* core-owned, valid until cb_exit */
    int json;
};

/* ------------------------------------------------------------------ */
/* lifetimes                                                          */
/* ------------------------------------------------------------------ */

static int cb_export_text_init(const struct intake_host *host, const struct intake_context *ctx,
                               const void *config, void **instance, struct intake_error *err)
{
    const struct export_text_config *cfg = config;
    intake_return_val_if_fail(host && instance && cfg, INTAKE_EINVAL);
    if (!INTAKE_HOST_HAS(host, store_write))
        return INTAKE_ERR(err, INTAKE_EABI, "the core lacks host->store_write (ABI 1.2)");
    if (!host->store_dir_ok(cfg->dir))
        return INTAKE_ERR(err, INTAKE_ECONFIG,
                          "dir must be a relative folder inside the store, without '..'");
    struct export_text_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    in->host = host;
    in->ctx = ctx;
    in->dir = cfg->dir;
    in->json = cfg->json != 0;
    *instance = in;
    return INTAKE_OK;
}

static void cb_export_text_exit(void *instance)
{
    struct export_text_instance *in = instance;
    if (in)
        in->host->free(in);
}

/* ------------------------------------------------------------------ */
/* JSON                                                               */
/* ------------------------------------------------------------------ */

/* A non-negative decimal metadata value as JSON, or JSON null (NULL). */
static json_object *meta_number(const struct intake_host *host, const struct intake_doc *doc,
                                const char *key)
{
    const char *v = host->doc_meta_get(doc, key);
    if (!v || !*v)
        return NULL;
    int64_t n = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9' || n > (INT64_MAX - 9) / 10)
            return NULL;
        n = n * 10 + (*p - '0');
    }
    return json_object_new_int64(n);
}

/* Add \p val under \p key; a NULL \p val is an allocation failure. */
static int add(json_object *o, const char *key, json_object *val)
{
    if (!val)
        return -1;
    if (json_object_object_add(o, key, val) != 0) {
        json_object_put(val);
        return -1;
    }
    return 0;
}

/* A score as a short decimal ("0.93", not 0.93000000715255737). */
static json_object *score_json(float score)
{
    char s[32];
    double v = score >= 0.0f && score <= 1.0f ? (double)score : 0.0; /* NaN -> 0 */
    snprintf(s, sizeof s, "%.4g", v);
    return json_object_new_double_s(v, s);
}

/* The names of the cue bits, as an array. */
static json_object *cues_json(uint32_t cues)
{
    json_object *a = json_object_new_array();
    for (unsigned i = 0; a && i < INTAKE_CUE_COUNT; i++)
        if (cues & (1u << i))
            json_object_array_add(a, json_object_new_string(intake_cue_name(i)));
    return a;
}

/* The reviewer's doubts: offsets, type, score, reason and cues, never text. */
static json_object *doubts_json(const struct intake_host *host, const struct intake_doc *doc)
{
    static const char *const reasons[] = {"?", "near_threshold", "left_in", "single_mention"};
    json_object *a = json_object_new_array();
    size_t n = 0;
    const struct intake_doubt *d =
        a && INTAKE_HOST_HAS(host, doc_doubts) ? host->doc_doubts(doc, &n) : NULL;
    for (size_t i = 0; d && i < n; i++) {
        json_object *o = json_object_new_object();
        const char *type = intake_label_name(d[i].label);
        if (!o || add(o, "start", json_object_new_uint64(d[i].start)) ||
            add(o, "end", json_object_new_uint64(d[i].end)) ||
            add(o, "type", json_object_new_string(type ? type : "OTHER")) ||
            add(o, "score", score_json(d[i].score)) ||
            add(o, "reason", json_object_new_string(reasons[d[i].reason < 4 ? d[i].reason : 0])) ||
            add(o, "cues", cues_json(d[i].cues)) || json_object_array_add(a, o) != 0) {
            json_object_put(o);
            json_object_put(a);
            return NULL;
        }
    }
    return a;
}

/*
 * The sidecar: what a reader needs to use the .txt and to audit the
 * redaction, built only from the redacted name, metadata and span offsets.
 * NULL on allocation failure.
 */
static json_object *build_json(const struct intake_host *host, struct intake_doc *doc,
                               const char *id)
{
    json_object *o = json_object_new_object(), *counts = json_object_new_object(),
                *list = json_object_new_array();
    const char *name = host->doc_source_name(doc);
    int bad = !o || !counts || !list;
    if (!bad) {
        bad |= add(o, "id", json_object_new_string(id));
        /* null members: json-c serialises a NULL value as null */
        bad |= name ? add(o, "source_name", json_object_new_string(name))
                    : json_object_object_add(o, "source_name", NULL);
        bad |= add(o, "mime", json_object_new_string(host->doc_mime(doc)));
        bad |= add(o, "lang", json_object_new_string(host->doc_lang(doc)));
        json_object *v = meta_number(host, doc, "size");
        bad |= v ? add(o, "size", v) : json_object_object_add(o, "size", NULL);
        v = meta_number(host, doc, "pages");
        bad |= v ? add(o, "pages", v) : json_object_object_add(o, "pages", NULL);
    }

    size_t n = 0, per_label[INTAKE_LABEL_COUNT] = {0}, other = 0;
    const struct intake_span *e = host->doc_entities(doc, &n);
    for (size_t i = 0; !bad && i < n; i++) {
        const char *type = intake_label_name(e[i].label);
        if (type)
            per_label[e[i].label]++;
        else
            other++;
        json_object *ent = json_object_new_object();
        if (!ent) {
            bad = 1;
            break;
        }
        int b = add(ent, "start", json_object_new_uint64(e[i].start));
        b |= add(ent, "end", json_object_new_uint64(e[i].end));
        b |= add(ent, "type", json_object_new_string(type ? type : "OTHER"));
        b |= add(ent, "score", score_json(e[i].score));
        b |=
            add(ent, "detector", json_object_new_string(host->doc_detector_name(doc, e[i].source)));
        b |= add(ent, "cues", cues_json(e[i].cues));
        if (b || json_object_array_add(list, ent) != 0) {
            json_object_put(ent);
            bad = 1;
        }
    }
    for (uint32_t l = 1; !bad && l < INTAKE_LABEL_COUNT; l++)
        if (per_label[l])
            bad |= add(counts, intake_label_name(l), json_object_new_uint64(per_label[l]));
    if (!bad && other)
        bad |= add(counts, "OTHER", json_object_new_uint64(other));

    if (!bad) {
        int b = add(o, "entity_counts", counts);
        counts = NULL; /* owned by o now, or released by add() */
        if (!b) {
            b = add(o, "entities", list);
            list = NULL;
            if (!b)
                b = add(o, "doubts", doubts_json(host, doc));
            if (!b)
                return o;
        }
    }
    json_object_put(counts);
    json_object_put(list);
    json_object_put(o);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* process                                                            */
/* ------------------------------------------------------------------ */

static int write_json(const struct export_text_instance *in, struct intake_doc *doc, const char *id,
                      struct intake_error *err)
{
    char name[DOC_ID_LEN + 8];
    snprintf(name, sizeof name, "%s.json", id);
    json_object *o = build_json(in->host, doc, id);
    if (!o)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory building %s", name);
    size_t len = 0;
    const char *s = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    char *buf = s ? in->host->alloc(len + 1) : NULL;
    if (!buf) {
        json_object_put(o);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory serialising %s", name);
    }
    memcpy(buf, s, len);
    buf[len] = '\n';
    json_object_put(o);
    int rc = in->host->store_write(in->ctx, in->dir, name, buf, len + 1, err);
    in->host->free(buf);
    return rc;
}

static int cb_export_text_process(void *instance, void *worker, struct intake_doc *doc,
                                  struct intake_error *err)
{
    struct export_text_instance *in = instance;
    (void)worker;
    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    const struct intake_host *host = in->host;

    if (!host->store_dir(in->ctx)) { /* `intake redact` and other runs without a store */
        intake_log_trace(host, in->ctx, doc, "no store: nothing to export");
        return INTAKE_OK;
    }
    const char *id = host->doc_id(doc);
    size_t len = 0;
    const char *text = host->doc_redacted_text(doc, &len);
    if (!text) /* fail closed: the anonymiser did not run */
        return INTAKE_ERR(err, INTAKE_EINVAL, "document has no redacted text");

    char name[DOC_ID_LEN + 8];
    snprintf(name, sizeof name, "%s.txt", id);
    int rc = host->store_write(in->ctx, in->dir, name, text, len, err);
    if (rc == INTAKE_OK && in->json)
        rc = write_json(in, doc, id, err);
    if (rc == INTAKE_OK)
        intake_log_debug(host, in->ctx, doc, "exported %zu bytes of redacted text", len);
    return rc;
}

static const struct intake_plugin export_text_plugin = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_EXPORT,
    .name = "export_text",
    .version = EXPORT_TEXT_VERSION,
    .description = "redacted text and a JSON sidecar per document in <store>/redacted/",
    .options = export_text_options,
    .config_size = sizeof(struct export_text_config),
    .cb_init = cb_export_text_init,
    .cb_process = cb_export_text_process,
    .cb_exit = cb_export_text_exit,
};

INTAKE_PLUGIN_DEFINE(export_text, export_text_plugin)
