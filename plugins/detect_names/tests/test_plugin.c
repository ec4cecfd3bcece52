/*
 * detect_names: the plugin contract. Descriptor, option table (filled
 * through the offsets like the core does), option effects and errors,
 * worker lifecycle, document reuse, empty and binary-ish input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

int intake_plugin_entry_detect_names(const struct intake_host *host,
                                     const struct intake_plugin **out);
#include "test.h"

static const struct intake_plugin *P;

static const struct intake_option *opt_find(const char *name)
{
    for (const struct intake_option *o = P->options; o && o->type != INTAKE_OPT_END; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

static void set_ptr(void *cfg, const char *name, const void *v)
{
    memcpy((char *)cfg + opt_find(name)->offset, &v, sizeof v);
}

static void set_double(void *cfg, const char *name, double v)
{
    memcpy((char *)cfg + opt_find(name)->offset, &v, sizeof v);
}

static void set_bool(void *cfg, const char *name, int32_t v)
{
    memcpy((char *)cfg + opt_find(name)->offset, &v, sizeof v);
}

/* A config with the defaults the core would apply (data_dir left NULL:
 * the plugin's own default). */
static void *cfg_defaults(void)
{
    void *cfg = calloc(1, P->config_size);
    set_double(cfg, "min_score", 0.0);
    set_bool(cfg, "propagate", 1);
    return cfg;
}

/* Spans of \p text under \p cfg; -1 when init fails. */
static long count_spans(void *cfg, const char *text, float min, int *rc_init)
{
    struct intake_error err;
    void *in = NULL, *wk = NULL;
    *rc_init = P->cb_init(harness_host(), NULL, cfg, &in, &err);
    if (*rc_init != INTAKE_OK)
        return -1;
    long c = 0;
    if (P->cb_worker_init(in, &wk, &err) == INTAKE_OK) {
        struct intake_doc *d = harness_doc_create(text, strlen(text));
        if (P->cb_process(in, wk, d, &err) == INTAKE_OK) {
            size_t n;
            const struct intake_span *sp = harness_doc_spans(d, &n);
            for (size_t i = 0; i < n; i++)
                if (sp[i].score >= min && sp[i].label == INTAKE_LABEL_PERSON)
                    c++;
        } else
            c = -2;
        harness_doc_destroy(d);
        P->cb_worker_exit(in, wk);
    }
    P->cb_exit(in);
    return c;
}

static const char *const TEXT = "Потерпевшая Иванова Мария Петровна пояснила. Позже Иванову "
                                "видели в Алматы. The witness, Mr John Smith, agreed; Smith "
                                "left.";

int main(void)
{
    TEST_EQ_INT(harness_load(intake_plugin_entry_detect_names, &P), INTAKE_OK, "entry point");
    TEST_EQ_INT(P->stage, INTAKE_STAGE_DETECT, "detect stage");
    TEST_EQ_STR(P->name, "detect_names", "name");
    TEST_OK(P->cb_init && P->cb_process && P->cb_exit && P->cb_worker_init && P->cb_worker_exit,
            "callbacks");
    const char *want[] = {"data_dir", "languages", "min_score", "propagate"};
    for (size_t i = 0; i < 4; i++)
        TEST_OK(opt_find(want[i]) != NULL, "option %s", want[i]);
    TEST_EQ_INT(opt_find("data_dir")->type, INTAKE_OPT_PATH, "data_dir is a PATH");
    TEST_EQ_INT(opt_find("languages")->type, INTAKE_OPT_LIST, "languages is a LIST");
    TEST_EQ_INT(opt_find("min_score")->type, INTAKE_OPT_DOUBLE, "min_score is a DOUBLE");
    TEST_EQ_INT(opt_find("propagate")->type, INTAKE_OPT_BOOL, "propagate is a BOOL");
    for (const struct intake_option *o = P->options; o->type != INTAKE_OPT_END; o++)
        TEST_OK(o->offset + sizeof(void *) <= P->config_size || o->type == INTAKE_OPT_BOOL,
                "option %s inside the config struct", o->name);

    int rc;
    void *cfg = cfg_defaults();
    long all = count_spans(cfg, TEXT, 0.5f, &rc);
    TEST_OK(rc == INTAKE_OK && all >= 4, "defaults find the names (%ld spans)", all);
    TEST_OK(count_spans(NULL, TEXT, 0.5f, &rc) == all, "NULL config = defaults");

    set_double(cfg, "min_score", 0.96);
    long hi = count_spans(cfg, TEXT, 0.0f, &rc);
    TEST_OK(hi >= 1 && hi < all, "min_score drops weaker spans (%ld of %ld)", hi, all);
    set_double(cfg, "min_score", 1.5);
    count_spans(cfg, TEXT, 0.0f, &rc);
    TEST_EQ_INT(rc, INTAKE_ECONFIG, "min_score above 1 refused");
    set_double(cfg, "min_score", 0.0);

    set_bool(cfg, "propagate", 0);
    long noprop =
        count_spans(cfg, "Пушкина Мария Петровна пояснила. Пушкиной нет дома.", 0.5f, &rc);
    set_bool(cfg, "propagate", 1);
    long prop = count_spans(cfg, "Пушкина Мария Петровна пояснила. Пушкиной нет дома.", 0.5f, &rc);
    TEST_OK(prop == noprop + 1, "propagate adds the other mention (%ld vs %ld)", prop, noprop);

    const char *bad_lang[] = {"ru", "xx", NULL};
    set_ptr(cfg, "languages", bad_lang);
    count_spans(cfg, TEXT, 0.0f, &rc);
    TEST_EQ_INT(rc, INTAKE_ECONFIG, "unknown language refused");
    const char *en_only[] = {"en", NULL};
    set_ptr(cfg, "languages", en_only);
    TEST_OK(count_spans(cfg, TEXT, 0.5f, &rc) >= 1 && rc == INTAKE_OK, "languages = en loads");
    set_ptr(cfg, "languages", NULL);

    set_ptr(cfg, "data_dir", "/nonexistent/intake/names");
    count_spans(cfg, TEXT, 0.0f, &rc);
    TEST_EQ_INT(rc, INTAKE_ECONFIG, "missing data_dir refused");
    set_ptr(cfg, "data_dir", "/");
    count_spans(cfg, TEXT, 0.0f, &rc);
    TEST_EQ_INT(rc, INTAKE_ECONFIG, "data_dir without the lists refused");
    set_ptr(cfg, "data_dir", NULL);

    /* process without a worker, empty text, odd bytes, reuse */
    struct intake_error err;
    void *in = NULL, *wk = NULL;
    TEST_EQ_INT(P->cb_init(harness_host(), NULL, cfg, &in, &err), INTAKE_OK, "init");
    struct intake_doc *d = harness_doc_create("", 0);
    TEST_EQ_INT(P->cb_process(in, NULL, d, &err), INTAKE_EINVAL, "no worker: EINVAL");
    TEST_EQ_INT(P->cb_worker_init(in, &wk, &err), INTAKE_OK, "worker init");
    TEST_EQ_INT(P->cb_process(in, wk, d, &err), INTAKE_OK, "empty text");
    harness_doc_destroy(d);
    const char odd[] = "A\xff\xfe Bb. \xd0 Ivanov\xe2\x80 Ш'''-- -А. Б. . :: Петров\n\n\n";
    d = harness_doc_create(odd, sizeof odd - 1);
    TEST_EQ_INT(P->cb_process(in, wk, d, &err), INTAKE_OK, "invalid UTF-8 survives");
    harness_doc_destroy(d);
    /* a long document: many names, reused scanner, keys stay non-zero */
    size_t big = 0, cap = 1 << 20;
    char *buf = malloc(cap);
    while (big + 200 < cap)
        big += (size_t)snprintf(buf + big, cap - big,
                                "Свидетель Петров%zu Иван Сергеевич показал, что Петрову%zu "
                                "звонили. ",
                                big % 97, big % 97);
    for (int rep = 0; rep < 2; rep++) {
        d = harness_doc_create(buf, big);
        TEST_EQ_INT(P->cb_process(in, wk, d, &err), INTAKE_OK, "1 MB document, pass %d", rep);
        size_t n;
        const struct intake_span *sp = harness_doc_spans(d, &n);
        int keys = 1;
        for (size_t i = 0; i < n; i++)
            if (!sp[i].key)
                keys = 0;
        TEST_OK(n > 1000 && keys, "spans with keys (%zu)", n);
        harness_doc_destroy(d);
    }
    free(buf);
    P->cb_worker_exit(in, wk);
    P->cb_exit(in);
    free(cfg);
    return test_done();
}
