/* A plugin written outside the intake tree, built only against the
 * installed headers found through `pkg-config intake-plugin`. It marks the
 * word OUTOFTREE as a PERSON. */
#include <string.h>

#include <intake/plugin.h>

struct oot {
    const struct intake_host *host;
};

static int cb_oot_init(const struct intake_host *host, const struct intake_context *ctx,
                       const void *config, void **instance, struct intake_error *err)
{
    (void)ctx;
    (void)config;
    struct oot *o = host->alloc(sizeof *o);
    if (!o)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "no memory");
    o->host = host;
    *instance = o;
    return INTAKE_OK;
}

static int cb_oot_process(void *instance, void *worker, struct intake_doc *doc,
                          struct intake_error *err)
{
    const struct oot *o = instance;
    (void)worker;
    size_t n;
    const char *t = o->host->doc_text(doc, &n);
    for (const char *p = t; (p = strstr(p, "OUTOFTREE")); p += 9) {
        struct intake_span s = {.start = (uint64_t)(p - t),
                                .end = (uint64_t)(p - t) + 9,
                                .label = INTAKE_LABEL_PERSON,
                                .score = 0.99f};
        int rc = o->host->doc_add_span(doc, &s, err);
        if (rc)
            return rc;
    }
    return INTAKE_OK;
}

static void cb_oot_exit(void *instance)
{
    struct oot *o = instance;
    o->host->free(o);
}

static const struct intake_plugin detect_oot = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_DETECT,
    .name = "detect_oot",
    .version = "1.0",
    .description = "out-of-tree example plugin",
    .cb_init = cb_oot_init,
    .cb_process = cb_oot_process,
    .cb_exit = cb_oot_exit,
};

INTAKE_PLUGIN_DEFINE(detect_oot, detect_oot)
