/*
 * detect_patterns: the plugin contract. Entry point and descriptor, the
 * option table (filled the way the core fills it: through the offsets),
 * option effects, worker lifecycle, reuse and large documents.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

int intake_plugin_entry_detect_patterns(const struct intake_host *host,
                                        const struct intake_plugin **out);
#include "test.h"

static const struct intake_plugin *P;

/* ---- a config struct filled through the option table, like the core */

static const struct intake_option *opt_find(const char *name)
{
    for (const struct intake_option *o = P->options; o && o->type != INTAKE_OPT_END; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

static void opt_set_int(void *cfg, const char *name, int64_t v)
{
    const struct intake_option *o = opt_find(name);
    memcpy((char *)cfg + o->offset, &v, sizeof v);
}

static void opt_set_double(void *cfg, const char *name, double v)
{
    const struct intake_option *o = opt_find(name);
    memcpy((char *)cfg + o->offset, &v, sizeof v);
}

static void opt_set_list(void *cfg, const char *name, const char *const *v)
{
    const struct intake_option *o = opt_find(name);
    memcpy((char *)cfg + o->offset, &v, sizeof v);
}

/* Defaults from the table's text values (SIZE/INT/DOUBLE; LIST stays NULL,
 * which the plugin reads as its default). */
static void *cfg_defaults(void)
{
    void *cfg = calloc(1, P->config_size);
    for (const struct intake_option *o = P->options; o->type != INTAKE_OPT_END; o++) {
        if (!o->def)
            continue;
        if (o->type == INTAKE_OPT_SIZE || o->type == INTAKE_OPT_INT)
            opt_set_int(cfg, o->name, strtoll(o->def, NULL, 10));
        else if (o->type == INTAKE_OPT_DOUBLE)
            opt_set_double(cfg, o->name, strtod(o->def, NULL));
    }
    return cfg;
}

struct inst {
    void *in, *wk;
};

static int start(const void *cfg, struct inst *x, struct intake_error *err)
{
    x->in = x->wk = NULL;
    int rc = P->cb_init(harness_host(), NULL, cfg, &x->in, err);
    if (rc == INTAKE_OK) {
        rc = P->cb_worker_init(x->in, &x->wk, err);
        if (rc != INTAKE_OK)
            P->cb_exit(x->in);
    }
    return rc;
}

static void stop(struct inst *x)
{
    P->cb_worker_exit(x->in, x->wk);
    P->cb_exit(x->in);
}

/* Number of spans of \p label (0 = any) with score >= min in \p text. */
static size_t count(struct inst *x, const char *text, uint32_t label, float min)
{
    struct intake_error err;
    struct intake_doc *d = harness_doc_create(text, strlen(text));
    int rc = P->cb_process(x->in, x->wk, d, &err);
    size_t n, c = 0;
    const struct intake_span *sp = harness_doc_spans(d, &n);
    for (size_t i = 0; i < n; i++)
        if ((label == 0 || sp[i].label == label) && sp[i].score >= min)
            c++;
    harness_doc_destroy(d);
    return rc == INTAKE_OK ? c : (size_t)-1;
}

static void test_entry(void)
{
    int intake_plugin_entry_detect_patterns(const struct intake_host *,
                                            const struct intake_plugin **);
    const struct intake_plugin *p = NULL;
    TEST_EQ_INT(intake_plugin_entry_detect_patterns(NULL, &p), INTAKE_EABI, "NULL host refused");
    struct intake_host h = *harness_host();
    h.abi_major = INTAKE_PLUGIN_ABI_MAJOR + 1;
    TEST_EQ_INT(intake_plugin_entry_detect_patterns(&h, &p), INTAKE_EABI,
                "other ABI major refused");
    h = *harness_host();
    h.struct_size = 16;
    TEST_EQ_INT(intake_plugin_entry_detect_patterns(&h, &p), INTAKE_EABI,
                "short host table refused");
    TEST_EQ_INT(harness_load(intake_plugin_entry_detect_patterns, &P), INTAKE_OK,
                "mock host accepted");
    TEST_EQ_STR(P->name, "detect_patterns", "name is the folder name");
    TEST_EQ_INT(P->stage, INTAKE_STAGE_DETECT, "detect stage");
    TEST_EQ_INT(P->abi_major, INTAKE_PLUGIN_ABI_MAJOR, "abi major");
    TEST_EQ_INT(P->struct_size, sizeof(struct intake_plugin), "struct size");
    TEST_OK(P->cb_init && P->cb_process && P->cb_exit && P->cb_worker_init && P->cb_worker_exit,
            "callbacks present");
    const char *names[] = {"context_window", "context_window_after", "types", "min_score",
                           "cache_dir"};
    for (size_t i = 0; i < 5; i++) {
        const struct intake_option *o = opt_find(names[i]);
        TEST_OK(o && o->offset < P->config_size && o->description && o->def,
                "option %s declared with default and description", names[i]);
    }
    size_t n = 0;
    for (const struct intake_option *o = P->options; o->type != INTAKE_OPT_END; o++)
        n++;
    TEST_EQ_INT(n, 5, "option table has 5 rows and ends with {0}");
}

static void test_options(void)
{
    struct intake_error err;
    struct inst x;
    const char *mixed = "mail x.y@example.org, тел. +7 (701) 234-56-78, ИИН 880315300123";

    void *cfg = cfg_defaults();
    TEST_EQ_INT(start(cfg, &x, &err), INTAKE_OK, "defaults accepted");
    TEST_EQ_INT(count(&x, mixed, 0, 0.5f), 3, "defaults: e-mail, phone, IIN");
    TEST_EQ_INT(count(&x, "ИИН 880315300124", INTAKE_LABEL_NATIONAL_ID, 0.0f), 1,
                "defaults: failed check digit with context reported (low)");
    stop(&x);

    const char *only_email[] = {"EMAIL", NULL};
    opt_set_list(cfg, "types", only_email);
    TEST_EQ_INT(start(cfg, &x, &err), INTAKE_OK, "types=EMAIL accepted");
    TEST_EQ_INT(count(&x, mixed, 0, 0.0f), 1, "types=EMAIL: one span");
    TEST_EQ_INT(count(&x, mixed, INTAKE_LABEL_EMAIL, 0.0f), 1, "types=EMAIL: it is the e-mail");
    stop(&x);

    const char *two[] = {" phone", "national_id ", NULL};
    opt_set_list(cfg, "types", two);
    TEST_EQ_INT(start(cfg, &x, &err), INTAKE_OK, "types in any case, spaces trimmed");
    TEST_EQ_INT(count(&x, mixed, 0, 0.0f), 2, "types=PHONE,NATIONAL_ID: two spans");
    stop(&x);

    const char *person[] = {"PERSON", NULL};
    opt_set_list(cfg, "types", person);
    TEST_EQ_INT(start(cfg, &x, &err), INTAKE_ECONFIG, "types=PERSON refused (not ours)");
    TEST_OK(strstr(err.msg, "PERSON") != NULL, "message names the bad type: %s", err.msg);
    const char *bad[] = {"EMAIL", "FOO", NULL};
    opt_set_list(cfg, "types", bad);
    TEST_EQ_INT(start(cfg, &x, &err), INTAKE_ECONFIG, "unknown type refused");
    const char *empty[] = {NULL};
    opt_set_list(cfg, "types", empty);
    TEST_EQ_INT(start(cfg, &x, &err), INTAKE_ECONFIG, "empty type list refused");
    opt_set_list(cfg, "types", NULL);

    opt_set_double(cfg, "min_score", 0.5);
    TEST_EQ_INT(start(cfg, &x, &err), INTAKE_OK, "min_score=0.5 accepted");
    TEST_EQ_INT(count(&x, "ИИН 880315300124", 0, 0.0f), 0, "min_score drops the low span");
    TEST_EQ_INT(count(&x, mixed, 0, 0.0f), 3, "min_score keeps the good ones");
    stop(&x);
    opt_set_double(cfg, "min_score", 1.5);
    TEST_EQ_INT(start(cfg, &x, &err), INTAKE_ECONFIG, "min_score > 1 refused");
    opt_set_double(cfg, "min_score", 0.0);

    opt_set_int(cfg, "context_window", 0);
    opt_set_int(cfg, "context_window_after", 0);
    TEST_EQ_INT(start(cfg, &x, &err), INTAKE_OK, "windows 0 accepted");
    TEST_EQ_INT(count(&x, "ИИН 880315300124", 0, 0.0f), 0, "no window: no context, no span");
    TEST_EQ_INT(count(&x, "pasport № A8929584", INTAKE_LABEL_PASSPORT, 0.5f), 0,
                "no window: weak passport stays below 0.5");
    TEST_EQ_INT(count(&x, "ИИН880315300123", INTAKE_LABEL_NATIONAL_ID, 0.97f), 1,
                "glued context word still counts at distance 0");
    stop(&x);
    opt_set_int(cfg, "context_window", -1);
    TEST_EQ_INT(start(cfg, &x, &err), INTAKE_ECONFIG, "negative window refused");
    free(cfg);
}

static void test_lifecycle(void)
{
    struct intake_error err;
    struct inst x;
    TEST_EQ_INT(start(NULL, &x, &err), INTAKE_OK, "NULL config: defaults");
    /* a second worker of the same instance (another process in the core) */
    void *wk2 = NULL;
    TEST_EQ_INT(P->cb_worker_init(x.in, &wk2, &err), INTAKE_OK, "second worker");
    const char *ph = "тел. 87012345678";
    struct intake_doc *d = harness_doc_create(ph, strlen(ph));
    TEST_EQ_INT(P->cb_process(x.in, wk2, d, &err), INTAKE_OK, "second worker processes");
    size_t n;
    harness_doc_spans(d, &n);
    TEST_EQ_INT(n, 1, "second worker finds the phone");
    harness_doc_destroy(d);
    P->cb_worker_exit(x.in, wk2);

    d = harness_doc_create("", 0);
    TEST_EQ_INT(P->cb_process(x.in, x.wk, d, &err), INTAKE_OK, "empty document");
    harness_doc_spans(d, &n);
    TEST_EQ_INT(n, 0, "empty document: no spans");
    TEST_EQ_INT(P->cb_process(x.in, NULL, d, &err), INTAKE_EINVAL, "missing worker refused");
    harness_doc_destroy(d);

    /* the same worker over many documents: arrays are reused */
    for (int i = 0; i < 50; i++)
        if (count(&x, "ИИН 880315300123, тел. +996 555 12 34 56", 0, 0.5f) != 2)
            break;
    TEST_EQ_INT(count(&x, "ИИН 880315300123, тел. +996 555 12 34 56", 0, 0.5f), 2,
                "worker reuse over 50 documents");

    /* a large document (several MB, many hits: arrays grow) */
    const char *para = "Свидетель, тел. 8 707 761 04 70, e-mail: a.b@example.org, ИИН "
                       "880315300123, сумма 1 500 000 тенге, дело № 2-117/2021.\n";
    size_t pl = strlen(para), reps = 40000;
    char *big = malloc(pl * reps + 1);
    for (size_t i = 0; i < reps; i++)
        memcpy(big + i * pl, para, pl);
    big[pl * reps] = '\0';
    TEST_EQ_INT(count(&x, big, 0, 0.5f), 3 * reps, "large document: 3 spans per paragraph");
    free(big);
    stop(&x);
}

/* Degenerate inputs must stay linear: a quadratic path would hit the meson
 * test timeout on these few megabytes. */
static void test_hostile(void)
{
    struct inst x;
    struct intake_error err;
    TEST_EQ_INT(start(NULL, &x, &err), INTAKE_OK, "instance for hostile inputs");
    const char *unit[] = {"1 ",
                          "1",
                          ")",
                          "a@b.cc",
                          "1:",
                          "1.",
                          "ИИН ",
                          "N1234567",
                          "KZ12 ",
                          "+7 ",
                          "паспорт 45 ",
                          "www.a",
                          "12-",
                          ("\xC2\xA0"
                           "1")};
    size_t total = 2u << 20;
    for (size_t u = 0; u < sizeof unit / sizeof *unit; u++) {
        size_t ul = strlen(unit[u]);
        char *buf = malloc(total + 16);
        size_t n = 0;
        if (unit[u][0] == ')') {
            memcpy(buf, "http://x", 8);
            n = 8;
        }
        while (n + ul <= total) {
            memcpy(buf + n, unit[u], ul);
            n += ul;
        }
        buf[n] = '\0';
        struct intake_doc *d = harness_doc_create(buf, n);
        int rc = P->cb_process(x.in, x.wk, d, &err);
        TEST_EQ_INT(rc, INTAKE_OK, "2 MB of \"%s\" repeated", unit[u]);
        harness_doc_destroy(d);
        free(buf);
    }
    stop(&x);
}

int main(void)
{
    test_entry();
    test_options();
    test_lifecycle();
    test_hostile();
    return test_done();
}
