/*
 * plugins/export_text/tests/test_export_text.c: the built plugin, loaded
 * through the core's loader, exporting documents built with the core's
 * document model into a temporary store; including workers killed with
 * SIGKILL in the middle of a write.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"
#include "doc.h"
#include "log.h"
#include "plugin_loader.h"
#include "test.h"

struct fixture {
    struct intake_loaded_plugin *p;
    struct intake_config *cfg;
    void *options;
    void *inst, *worker;
    struct intake_context ctx;
    char store[64];
};

static const char *const detectors[] = {"names", "ids"};

/* A witness statement with a fake name and phone, and what the anonymiser made of it. */
static const char orig[] = "Свидетель Жылдызбекова Айжан, тел. +996 555 123 456, живёт в Бишкеке.";
static const char red[] = "Свидетель [PERSON-1], тел. [PHONE-1], живёт в Бишкеке.";
static const char *const secrets[] = {"Жылдызбекова", "Айжан", "555 123 456", "+996"};

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap + 1);
    while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, (cap *= 2) + 1);
    }
    fclose(fp);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int contains(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; n >= m && i <= n - m; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

/* Entries of \p dir other than . and .., and how many look like temp files. */
static int list_dir(const char *dir, int *temps)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    *temps = 0;
    while (d && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        n++;
        if (strstr(de->d_name, ".tmp"))
            (*temps)++;
    }
    if (d)
        closedir(d);
    return n;
}

static struct intake_doc *make_doc(const char *o, size_t olen, const char *r, size_t rlen,
                                   const char *name, int with_meta)
{
    struct intake_doc *doc = intake_doc_create(o, olen, "text/plain");
    intake_doc_add_page(doc, o, olen, NULL);
    intake_doc_set_lang(doc, "ky", NULL);
    size_t n = 0;
    struct intake_span ents[2];
    memset(ents, 0, sizeof ents);
    const char *a = strstr(o, "Жылдызбекова"), *b = strstr(o, "+996");
    if (a && b) {
        ents[0] = (struct intake_span){(uint64_t)(a - o),
                                       (uint64_t)(a - o) + strlen("Жылдызбекова Айжан"),
                                       INTAKE_LABEL_PERSON,
                                       1,
                                       0.93f,
                                       0,
                                       0};
        ents[1] = (struct intake_span){(uint64_t)(b - o),
                                       (uint64_t)(b - o) + strlen("+996 555 123 456"),
                                       INTAKE_LABEL_PHONE,
                                       2,
                                       1.0f,
                                       0,
                                       0};
        n = 2;
    }
    if (r)
        intake_doc_set_redaction(doc, r, rlen, ents, n);
    intake_doc_set_detector_names(doc, detectors, 2);
    if (name)
        intake_doc_set_source_name(doc, name);
    if (with_meta) {
        char num[32];
        snprintf(num, sizeof num, "%zu", olen);
        intake_doc_meta_set(doc, "size", num, NULL);
        intake_doc_meta_set(doc, "pages", "1", NULL);
    }
    return doc;
}

static int setup(struct fixture *f, const char *conf, int with_store, struct intake_error *err)
{
    memset(f, 0, sizeof *f);
    intake_error_clear(err);
    if (intake_plugin_load(getenv("EXPORT_TEXT_SO"), NULL, &f->p, err) ||
        intake_config_parse("test.conf", conf, &f->cfg, err))
        return -1;
    static const char *const core_keys[] = {"type", "log_level", "enabled", NULL};
    f->options = calloc(1, f->p->desc.config_size);
    int rc = intake_options_apply(f->cfg, intake_config_section(f->cfg, "export"),
                                  f->p->desc.options, core_keys, f->options, err);
    if (rc)
        return rc;
    snprintf(f->store, sizeof f->store, "/tmp/intake-et-XXXXXX");
    if (!mkdtemp(f->store))
        return -1;
    f->ctx.type = "export_text";
    f->ctx.name = "export";
    f->ctx.id = 3;
    f->ctx.level = INTAKE_LOG_WARN;
    f->ctx.store_dir = with_store ? f->store : NULL;
    if ((rc = f->p->desc.cb_init(intake_core_host(), &f->ctx, f->options, &f->inst, err)))
        return rc;
    return f->p->desc.cb_worker_init ? f->p->desc.cb_worker_init(f->inst, &f->worker, err) : 0;
}

static void teardown(struct fixture *f)
{
    char cmd[128];
    if (f->p) {
        if (f->worker && f->p->desc.cb_worker_exit)
            f->p->desc.cb_worker_exit(f->inst, f->worker);
        if (f->inst)
            f->p->desc.cb_exit(f->inst);
        intake_options_clear(f->p->desc.options, f->options);
    }
    free(f->options);
    intake_config_destroy(f->cfg);
    intake_plugin_unload(f->p);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->store);
    if (f->store[0] && system(cmd) != 0)
        TEST_NOTE("could not remove %s", f->store);
}

static int process(struct fixture *f, struct intake_doc *doc, struct intake_error *err)
{
    intake_error_clear(err);
    return f->p->desc.cb_process(f->inst, f->worker, doc, err);
}

/* ------------------------------------------------------------------ */

static void test_export(void)
{
    struct fixture f;
    struct intake_error err;
    char path[256], dir[160];
    int rc = setup(&f, "[export]\ntype = export_text\n", 1, &err);
    TEST_EQ_INT(rc, 0, "loads with default options: %s", err.msg);
    if (rc) {
        teardown(&f);
        return;
    }
    TEST_EQ_INT(f.p->desc.stage, INTAKE_STAGE_EXPORT, "export stage");

    struct intake_doc *doc =
        make_doc(orig, strlen(orig), red, strlen(red), "[PERSON-1]_показания.txt", 1);
    const char *id = intake_doc_id(doc);
    rc = process(&f, doc, &err);
    TEST_EQ_INT(rc, 0, "export: %s", err.msg);

    snprintf(dir, sizeof dir, "%s/redacted", f.store);
    struct stat st;
    TEST_OK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode), "redacted/ created");
    TEST_EQ_INT(st.st_mode & 0777, 0750, "... with mode 0750");
    int temps;
    TEST_EQ_INT(list_dir(dir, &temps), 2, "two files, nothing else");
    TEST_EQ_INT(temps, 0, "no temp file left");

    size_t tlen = 0, jlen = 0;
    snprintf(path, sizeof path, "%s/%s.txt", dir, id);
    char *txt = slurp(path, &tlen);
    TEST_OK(txt && tlen == strlen(red) && memcmp(txt, red, tlen) == 0,
            "<id>.txt is the redacted text, byte for byte");
    snprintf(path, sizeof path, "%s/%s.json", dir, id);
    char *js = slurp(path, &jlen);
    TEST_OK(js != NULL, "<id>.json written");
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        TEST_OK(txt && !contains(txt, tlen, secrets[i]), "original value %zu not in the .txt", i);
        TEST_OK(js && !contains(js, jlen, secrets[i]), "original value %zu not in the .json", i);
    }

    json_object *o = js ? json_tokener_parse(js) : NULL, *v = NULL, *e = NULL;
    TEST_OK(o && json_object_is_type(o, json_type_object), "the .json parses");
    TEST_EQ_STR(json_object_object_get_ex(o, "id", &v) ? json_object_get_string(v) : NULL, id,
                "id");
    TEST_EQ_STR(json_object_object_get_ex(o, "source_name", &v) ? json_object_get_string(v) : NULL,
                "[PERSON-1]_показания.txt", "source_name is the redacted name");
    TEST_EQ_STR(json_object_object_get_ex(o, "mime", &v) ? json_object_get_string(v) : NULL,
                "text/plain", "mime");
    TEST_EQ_STR(json_object_object_get_ex(o, "lang", &v) ? json_object_get_string(v) : NULL, "ky",
                "lang");
    TEST_EQ_INT(json_object_object_get_ex(o, "size", &v) ? json_object_get_int64(v) : -1,
                strlen(orig), "size is a number");
    TEST_EQ_INT(json_object_object_get_ex(o, "pages", &v) ? json_object_get_int64(v) : -1, 1,
                "pages is a number");
    TEST_OK(json_object_object_get_ex(o, "entity_counts", &v) && json_object_object_length(v) == 2,
            "entity_counts has two types");
    json_object *c = NULL;
    TEST_EQ_INT(json_object_object_get_ex(v, "PERSON", &c) ? json_object_get_int(c) : -1, 1,
                "... PERSON: 1");
    TEST_EQ_INT(json_object_object_get_ex(v, "PHONE", &c) ? json_object_get_int(c) : -1, 1,
                "... PHONE: 1");
    TEST_OK(json_object_object_get_ex(o, "entities", &v) && json_object_array_length(v) == 2,
            "two entities");
    e = v ? json_object_array_get_idx(v, 0) : NULL;
    uint64_t start = (uint64_t)(strstr(orig, "Жылдызбекова") - orig);
    TEST_EQ_INT(json_object_object_get_ex(e, "start", &c) ? json_object_get_int64(c) : -1, start,
                "entity start is a byte offset into the extracted text");
    TEST_EQ_INT(json_object_object_get_ex(e, "end", &c) ? json_object_get_int64(c) : -1,
                start + strlen("Жылдызбекова Айжан"), "entity end");
    TEST_EQ_STR(json_object_object_get_ex(e, "type", &c) ? json_object_get_string(c) : NULL,
                "PERSON", "entity type");
    TEST_EQ_STR(json_object_object_get_ex(e, "detector", &c) ? json_object_get_string(c) : NULL,
                "names", "entity detector is the instance name");
    TEST_OK(json_object_object_get_ex(e, "score", &c) && json_object_get_double(c) > 0.929 &&
                json_object_get_double(c) < 0.931,
            "entity score");
    TEST_EQ_INT(json_object_object_length(e), 6,
                "an entity has exactly start, end, type, score, "
                "detector, cues: no value");
    TEST_OK(json_object_object_get_ex(e, "cues", &c) && json_object_is_type(c, json_type_array),
            "entity cues are a list");
    e = v ? json_object_array_get_idx(v, 1) : NULL;
    TEST_EQ_STR(json_object_object_get_ex(e, "detector", &c) ? json_object_get_string(c) : NULL,
                "ids", "second entity's detector");
    TEST_OK(js && strstr(js, "0.93") && !strstr(js, "0.9300000"), "scores are short decimals");
    TEST_EQ_INT(json_object_object_length(o), 9, "nine members (doubts included), no text");
    TEST_OK(json_object_object_get_ex(o, "doubts", &c) && json_object_is_type(c, json_type_array),
            "a doubts list, empty when the core computed none");
    json_object_put(o);
    free(txt);
    free(js);

    /* Re-run (a crash before commit, or a new policy): simply overwrites. */
    static const char red2[] = "Свидетель [PERSON-1], тел. [PHONE-1], живёт в [LOCATION-1].";
    struct intake_doc *doc2 =
        make_doc(orig, strlen(orig), red2, strlen(red2), "[PERSON-1]_показания.txt", 1);
    rc = process(&f, doc2, &err);
    snprintf(path, sizeof path, "%s/%s.txt", dir, id);
    txt = slurp(path, &tlen);
    TEST_OK(rc == 0 && txt && tlen == strlen(red2) && memcmp(txt, red2, tlen) == 0,
            "re-run overwrites with the new text");
    free(txt);
    TEST_EQ_INT(list_dir(dir, &temps), 2, "... still two files");
    intake_doc_destroy(doc2);

    /* Temp files: one of our own pid (an earlier process had it) is
     * replaced, another writer's and files not ours are left alone (the
     * supervisor removes a killed worker's: tests/integration/test_batch.py). */
    char live[256], own[256], other[256];
    snprintf(live, sizeof live, "%s/.%s.json.1.tmp", dir, id);
    snprintf(own, sizeof own, "%s/.%s.txt.%ld.tmp", dir, id, (long)getpid());
    snprintf(other, sizeof other, "%s/.keep", dir);
    const char *junk[] = {live, own, other};
    for (int i = 0; i < 3; i++) {
        FILE *fp = fopen(junk[i], "w");
        fputs("half a wri", fp);
        fclose(fp);
    }
    rc = process(&f, doc, &err);
    TEST_EQ_INT(rc, 0, "export with leftovers around: %s", err.msg);
    TEST_OK(!exists(own), "a leftover with our own pid is replaced, not in the way");
    TEST_OK(exists(live), "another writer's temp file is left alone");
    TEST_OK(exists(other), "files that are not ours are left alone");
    unlink(live);
    unlink(other);
    TEST_EQ_INT(list_dir(dir, &temps), 2, "back to two files");

    /* The folder is a file: EIO with a one-line message, nothing else. */
    struct fixture g;
    rc = setup(&g, "[export]\ntype = export_text\ndir = blocked/redacted\n", 1, &err);
    snprintf(path, sizeof path, "%s/blocked", g.store);
    FILE *fp = fopen(path, "w");
    fclose(fp);
    rc = process(&g, doc, &err);
    TEST_EQ_INT(rc, INTAKE_EIO, "export folder blocked by a file: EIO (%s)", err.msg);
    TEST_OK(strchr(err.msg, '\n') == NULL && !contains(err.msg, strlen(err.msg), "Жылдыз"),
            "... one line, no document content");
    teardown(&g);

    intake_doc_destroy(doc);
    teardown(&f);
}

static void test_variants(void)
{
    struct fixture f;
    struct intake_error err;
    char path[256];
    int temps;

    /* No store (intake redact): nothing written anywhere, OK. */
    int rc = setup(&f, "[export]\ntype = export_text\n", 0, &err);
    struct intake_doc *doc = make_doc(orig, strlen(orig), red, strlen(red), NULL, 1);
    int before = exists("redacted");
    rc = process(&f, doc, &err);
    TEST_EQ_INT(rc, 0, "no store: OK");
    TEST_EQ_INT(list_dir(f.store, &temps), 0, "... nothing written into a store");
    TEST_EQ_INT(exists("redacted"), before, "... nor into the current folder");
    teardown(&f);

    /* json = false, nested folder. */
    rc = setup(&f, "[export]\ntype = export_text\njson = false\ndir = exports//text/\n", 1, &err);
    TEST_EQ_INT(rc, 0, "json = false, nested dir: %s", err.msg);
    rc = process(&f, doc, &err);
    TEST_EQ_INT(rc, 0, "... export");
    snprintf(path, sizeof path, "%s/exports/text", f.store);
    TEST_EQ_INT(list_dir(path, &temps), 1, "... only the .txt, in the nested folder");
    snprintf(path, sizeof path, "%s/exports/text/%s.txt", f.store, intake_doc_id(doc));
    TEST_OK(exists(path), "... named <id>.txt");
    teardown(&f);
    intake_doc_destroy(doc);

    /* Empty text, no entities, no name, no metadata. */
    rc = setup(&f, "[export]\ntype = export_text\n", 1, &err);
    doc = make_doc("   ", 3, "", 0, NULL, 0);
    rc = process(&f, doc, &err);
    TEST_EQ_INT(rc, 0, "empty redacted text: %s", err.msg);
    size_t n = 99;
    snprintf(path, sizeof path, "%s/redacted/%s.txt", f.store, intake_doc_id(doc));
    char *s = slurp(path, &n);
    TEST_OK(s && n == 0, "... empty .txt");
    free(s);
    snprintf(path, sizeof path, "%s/redacted/%s.json", f.store, intake_doc_id(doc));
    s = slurp(path, &n);
    json_object *o = s ? json_tokener_parse(s) : NULL, *v = NULL;
    TEST_OK(o != NULL, "... .json parses");
    TEST_OK(json_object_object_get_ex(o, "source_name", &v) && v == NULL, "... source_name null");
    TEST_OK(json_object_object_get_ex(o, "size", &v) && v == NULL,
            "... size null without metadata");
    TEST_OK(json_object_object_get_ex(o, "entities", &v) && json_object_array_length(v) == 0,
            "... entities []");
    TEST_OK(json_object_object_get_ex(o, "entity_counts", &v) && json_object_object_length(v) == 0,
            "... entity_counts {}");
    json_object_put(o);
    free(s);
    intake_doc_destroy(doc);

    /* Not anonymised: fail closed, nothing written. */
    doc = make_doc(orig, strlen(orig), NULL, 0, NULL, 1);
    rc = process(&f, doc, &err);
    TEST_EQ_INT(rc, INTAKE_EINVAL, "no redacted text: EINVAL (%s)", err.msg);
    snprintf(path, sizeof path, "%s/redacted/%s.txt", f.store, intake_doc_id(doc));
    TEST_OK(!exists(path), "... and no file");
    intake_doc_destroy(doc);
    teardown(&f);

    /* dir must stay inside the store. */
    static const char *const bad[] = {"/tmp/x", "../x", "a/../../b", "a/..", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char conf[128];
        snprintf(conf, sizeof conf, "[export]\ntype = export_text\ndir = %s\n", bad[i]);
        rc = setup(&f, conf, 1, &err);
        TEST_EQ_INT(rc, INTAKE_ECONFIG, "dir = '%s' refused: %s", bad[i], err.msg);
        teardown(&f);
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Workers killed with SIGKILL at random moments during the export: the
 * visible files are always absent or complete, never partial; a re-run
 * completes them (the supervisor removes the dead ones' temp files).
 */
static void test_sigkill(void)
{
    struct fixture f;
    struct intake_error err;
    int rc = setup(&f, "[export]\ntype = export_text\n", 1, &err);
    if (rc) {
        TEST_OK(0, "setup: %s", err.msg);
        teardown(&f);
        return;
    }
    /* Big enough that a write takes a while. */
    size_t big = 8u << 20;
    char *o = malloc(big + 1), *r = malloc(big + 1);
    for (size_t i = 0; i < big; i++) {
        o[i] = (char)('a' + i % 26);
        r[i] = (char)('A' + i % 23);
    }
    memcpy(o, orig, strlen(orig));
    o[big] = r[big] = '\0';
    struct intake_doc *doc = make_doc(o, big, r, big, "[PERSON-1].txt", 1);
    char txt[256], js[256], dir[160];
    snprintf(dir, sizeof dir, "%s/redacted", f.store);
    snprintf(txt, sizeof txt, "%s/%s.txt", dir, intake_doc_id(doc));
    snprintf(js, sizeof js, "%s/%s.json", dir, intake_doc_id(doc));

    /* How long a forked worker takes from fork to exit: the kill window. */
    unlink(txt);
    double t0 = now();
    pid_t first = fork();
    if (first == 0) {
        struct intake_error e2;
        _exit(f.p->desc.cb_process(f.inst, f.worker, doc, &e2) == 0 ? 0 : 1);
    }
    int status = -1;
    waitpid(first, &status, 0);
    double took = now() - t0;
    TEST_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
            "an 8 MB export in a worker takes %.1f ms", took * 1000);

    int partial = 0, orphan_json = 0, absent = 0, complete = 0;
    unsigned seed = 42;
    for (int i = 0; i < 40; i++) {
        unlink(txt);
        unlink(js);
        pid_t pid = fork();
        if (pid == 0) {
            struct intake_error e2;
            _exit(f.p->desc.cb_process(f.inst, f.worker, doc, &e2) == 0 ? 0 : 1);
        }
        /* Wait until the worker has started writing, then kill it at a
         * random point of the write, fsync, rename or the .json. */
        char tmp[300];
        snprintf(tmp, sizeof tmp, "%s/.%s.txt.%ld.tmp", dir, intake_doc_id(doc), (long)pid);
        double w0 = now();
        while (!exists(tmp) && !exists(txt) && now() - w0 < 5)
            ;
        seed = seed * 1103515245u + 12345u;
        useconds_t delay = (useconds_t)((seed >> 8) % (unsigned)(took * 1e6 + 1));
        usleep(delay);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        size_t n = 0;
        char *t = slurp(txt, &n);
        if (!t)
            absent++;
        else if (n == big && memcmp(t, r, big) == 0)
            complete++;
        else
            partial++;
        free(t);
        char *j = slurp(js, &n);
        json_object *jo = j ? json_tokener_parse(j) : NULL;
        if (j && (!jo || !exists(txt)))
            orphan_json++;
        json_object_put(jo);
        free(j);
    }
    TEST_EQ_INT(partial, 0,
                "40 kills mid-export: the .txt is never partial (%d before its rename, %d after)",
                absent, complete);
    TEST_EQ_INT(orphan_json, 0, "... the .json is never partial nor without its .txt");
    int temps;

    rc = process(&f, doc, &err);
    size_t n = 0;
    char *t = slurp(txt, &n);
    TEST_OK(rc == 0 && t && n == big && memcmp(t, r, big) == 0, "the re-run completes the export");
    free(t);
    int files = list_dir(dir, &temps);
    TEST_EQ_INT(files - temps, 2,
                "... and besides the killed workers' temp files, only the two exports");
    intake_doc_destroy(doc);
    free(o);
    free(r);
    teardown(&f);
}

int main(void)
{
    if (!getenv("EXPORT_TEXT_SO")) {
        printf("1..0 # SKIP EXPORT_TEXT_SO not set\n");
        return 0;
    }
    umask(022);
    test_export();
    test_variants();
    test_sigkill();
    return test_done();
}
