/* tests/unit/test_loader.c: every loader refusal, through real test-only
 * plugins built in tests/plugins/, plus the engine on known plugins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "anonymise.h"
#include "doc.h"
#include "engine.h"
#include "engine_internal.h"
#include "plugin_loader.h"
#include "test.h"

static const char *dir, *dupdir;

static void refused(const char *name, const char *expect)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.so", dir, name);
    struct intake_loaded_plugin *p = NULL;
    struct intake_error err;
    intake_error_clear(&err);
    int rc = intake_plugin_load(path, NULL, &p, &err);
    TEST_EQ_INT(rc, INTAKE_EABI, "%s is refused with EABI", name);
    TEST_OK(p == NULL, "%s: nothing returned", name);
    TEST_OK(strstr(err.msg, expect) != NULL, "%s: message says '%s'", name, expect);
    TEST_OK(strchr(err.msg, '\n') == NULL, "%s: message is one line", name);
    if (!strstr(err.msg, expect))
        TEST_NOTE("message: %s", err.msg);
    intake_plugin_unload(p);
}

static void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    char buf[65536];
    size_t n;
    while (a && b && (n = fread(buf, 1, sizeof buf, a)) > 0)
        fwrite(buf, 1, n, b);
    if (a)
        fclose(a);
    if (b)
        fclose(b);
}

static void test_engine(void)
{
    char cfgtext[4096];
    snprintf(cfgtext, sizeof cfgtext,
             "[pipeline]\nplugin_dir = %s\n\n[in]\ntype = test_extract\n\n"
             "[mark]\ntype = test_ok\nword = MARKWORD\n\n[mark2]\ntype = test_ok\nword = EMAILISH\n"
             "label = 3\n\n[policy]\nEMAIL = redact\n",
             dir);
    unsetenv("INTAKE_PLUGIN_PATH");
    struct intake_engine *e = NULL;
    struct intake_error err;
    intake_error_clear(&err);
    int rc = intake_engine_create("test.conf", cfgtext, &e, &err);
    TEST_EQ_INT(rc, 0, "engine starts with two instances of one plugin: %s", err.msg);
    if (rc)
        return;
    TEST_EQ_INT(intake_engine_worker_init(e, &err), 0, "worker init");
    const char *in = "A MARKWORD met MARKWORD and EMAILISH.\n";
    struct intake_doc *doc = NULL;
    rc = intake_engine_run(e, in, strlen(in), &doc, &err);
    TEST_EQ_INT(rc, 0, "run: %s", err.msg);
    size_t nt, ns;
    const char *text = intake_doc_text(doc, &nt);
    const struct intake_span *sp = intake_doc_spans(doc, &ns);
    TEST_EQ_INT(ns, 3, "three spans");
    TEST_EQ_STR(intake_engine_instance_name(e, sp[0].source), "mark",
                "span source is the instance");
    TEST_EQ_STR(intake_engine_instance_name(e, sp[2].source), "mark2", "second instance");
    struct intake_redaction red;
    rc = intake_anonymise(text, nt, sp, ns, intake_engine_policy(e), &red, &err);
    TEST_EQ_INT(rc, 0, "anonymise");
    TEST_EQ_STR(red.text,
                "A [PERSON-1] met [PERSON-1] and \xE2\x96\x88\xE2\x96\x88\xE2\x96\x88"
                "\xE2\x96\x88\xE2\x96\x88\xE2\x96\x88\xE2\x96\x88\xE2\x96\x88.\n",
                "policy from config applied");
    intake_redaction_clear(&red);
    intake_doc_destroy(doc);

    /* Binary bytes: no extractor claims them and test_extract has no probe. */
    const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                                 0,    0,   0,   13,  'I',  'H',  'D',  'R'};
    rc = intake_engine_run(e, png, sizeof png, &doc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "binary input refused");
    TEST_OK(strncmp(err.msg, "unsupported type: ", 18) == 0, "reason names the type: %s", err.msg);
    intake_engine_destroy(e);

    /* Option tables: unknown key, bad value, bounds, missing type. */
    static const struct {
        const char *conf, *expect;
    } bad[] = {
        {"[mark]\ntype = test_ok\nwrod = x\n", "test.conf:3: [mark] unknown key 'wrod'"},
        {"[mark]\ntype = test_ok\nlabel = many\n",
         "test.conf:3: [mark] label = many: not a valid integer"},
        {"[mark]\ntype = test_ok\nlabel = 99\n", "must be between 1 and 14"},
        {"\n[mark]\nword = x\n", "test.conf:2: [mark] has no 'type'"},
        {"[mark]\ntype = no_such_plugin\n", "plugin 'no_such_plugin' not found"},
        {"[mark]\ntype = test_ok\nenabled = maybe\n", "enabled = maybe: not a boolean"},
        {"[policy]\nPERSON = hide\n", "operator must be"},
        {"[policy]\nPERSONS = keep\n", "unknown key 'PERSONS'"},
        {"[pipeline]\nlog_level = loud\n", "log_level = loud"},
        {"[pipeline]\nworkerz = 3\n", "[pipeline] unknown key 'workerz'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("INTAKE_PLUGIN_PATH", dir, 1);
        const char *t = bad[i].conf;
        intake_error_clear(&err);
        e = NULL;
        rc = intake_engine_create("test.conf", t, &e, &err);
        TEST_EQ_INT(rc, INTAKE_ECONFIG, "bad config %zu refused", i);
        TEST_OK(strstr(err.msg, bad[i].expect) != NULL, "message '%s' contains '%s'", err.msg,
                bad[i].expect);
        intake_engine_destroy(e);
        unsetenv("INTAKE_PLUGIN_PATH");
    }
}

/* host->store_write through the engine keeps export folders open; a folder
 * removed under it is made again, and a forked worker opens its own. */
static void test_store_write(void)
{
    char cfgtext[1024];
    snprintf(cfgtext, sizeof cfgtext, "[pipeline]\nplugin_dir = %s\n\n[in]\ntype = test_extract\n",
             dir);
    unsetenv("INTAKE_PLUGIN_PATH");
    struct intake_engine *e = NULL;
    struct intake_error err;
    intake_error_clear(&err);
    if (intake_engine_create("test.conf", cfgtext, &e, &err) != 0) {
        TEST_OK(0, "engine for store writes: %s", err.msg);
        return;
    }
    char tmpl[] = "/tmp/intake-storew-XXXXXX";
    char *store = mkdtemp(tmpl);
    intake_engine_set_store(e, store);
    char p[1200], cmd[1300];
    struct stat st;
    TEST_EQ_INT(intake_engine_store_write(e, "out/a", "one.txt", "1", 1, &err), 0,
                "first write creates out/a: %s", err.msg);
    snprintf(p, sizeof p, "%s/out/a/one.txt", store);
    TEST_OK(stat(p, &st) == 0 && st.st_size == 1, "one.txt is there");
    snprintf(cmd, sizeof cmd, "rm -rf '%s/out'", store);
    TEST_EQ_INT(system(cmd), 0, "the folder is removed under the open fd");
    TEST_EQ_INT(intake_engine_store_write(e, "out/a", "two.txt", "22", 2, &err), 0,
                "a write after that makes the folder again: %s", err.msg);
    snprintf(p, sizeof p, "%s/out/a/two.txt", store);
    TEST_OK(stat(p, &st) == 0 && st.st_size == 2, "two.txt is there, not in a removed folder");
    TEST_EQ_INT(intake_engine_store_write(e, "out/a", "../x", "3", 1, &err), INTAKE_EINVAL,
                "a name with a slash is refused");
    TEST_EQ_INT(intake_engine_store_write(e, "../a", "x.txt", "3", 1, &err), INTAKE_EINVAL,
                "a folder outside the store is refused");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct intake_error e2;
        intake_error_clear(&e2);
        _exit(intake_engine_store_write(e, "out/a", "child.txt", "c", 1, &e2) == 0 ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    snprintf(p, sizeof p, "%s/out/a/child.txt", store);
    TEST_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && stat(p, &st) == 0,
            "a forked process writes through folders of its own");
    TEST_EQ_INT(intake_engine_store_write(e, "out/a", "three.txt", "333", 3, &err), 0,
                "the parent still writes after the child closed its copies");
    intake_engine_destroy(e);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", store);
    TEST_EQ_INT(system(cmd), 0, "clean up");
}

int main(void)
{
    dir = getenv("TEST_PLUGIN_DIR");
    dupdir = getenv("TEST_PLUGIN_DUP_DIR");
    if (!dir || !dupdir) {
        printf("1..0 # SKIP TEST_PLUGIN_DIR not set\n");
        return 0;
    }
    char path[1024];
    struct intake_error err;
    struct intake_loaded_plugin *p = NULL;
    snprintf(path, sizeof path, "%s/test_ok.so", dir);
    TEST_EQ_INT(intake_plugin_load(path, NULL, &p, &err), 0, "test_ok loads");
    TEST_EQ_STR(p ? p->desc.name : NULL, "test_ok", "descriptor copied");
    TEST_EQ_INT(p ? p->desc.stage : 0, INTAKE_STAGE_DETECT, "stage copied");
    intake_plugin_unload(p);

    refused("bad_abi", "built for ABI major 99");
    refused("old_struct", "descriptor is 24 bytes");
    refused("no_entry", "no entry point 'intake_plugin_entry'");
    refused("wrong_name", "does not match file name 'wrong_name'");
    refused("no_process", "required callback");
    refused("unresolved", "intake_test_symbol_that_does_not_exist");
    refused("refuse_host", "entry point refused this host");
    refused("does_not_exist", "No such file");

    /* Group- or world-writable files are refused before dlopen. */
    char tmpl[] = "/tmp/intake-loader-XXXXXX";
    char *tmp = mkdtemp(tmpl);
    char copy[1200];
    snprintf(copy, sizeof copy, "%s/test_ok.so", tmp);
    copy_file(path, copy);
    chmod(copy, 0775);
    p = NULL;
    int rc = intake_plugin_load(copy, NULL, &p, &err);
    TEST_EQ_INT(rc, INTAKE_EABI, "group-writable plugin refused");
    TEST_OK(strstr(err.msg, "group- or world-writable") != NULL, "message says why: %s", err.msg);
    chmod(copy, 0757);
    rc = intake_plugin_load(copy, NULL, &p, &err);
    TEST_EQ_INT(rc, INTAKE_EABI, "world-writable plugin refused");
    chmod(copy, 0755);
    rc = intake_plugin_load(copy, NULL, &p, &err);
    TEST_EQ_INT(rc, 0, "same file loads once it is 0755");
    intake_plugin_unload(p);
    unlink(copy);
    rmdir(tmp);

    /* Duplicate names along the plugin path. */
    char sp[2100];
    char *found = NULL;
    snprintf(sp, sizeof sp, "%s:%s", dir, dupdir);
    rc = intake_plugin_find(sp, "test_ok", &found, &err);
    TEST_EQ_INT(rc, INTAKE_EABI, "duplicate plugin name refused");
    TEST_OK(strstr(err.msg, "found twice") != NULL, "message: %s", err.msg);
    free(found);
    rc = intake_plugin_find(sp, "bad_abi", &found, &err);
    TEST_EQ_INT(rc, 0, "unique name found");
    free(found);
    rc = intake_plugin_find(sp, "../etc/x", &found, &err);
    TEST_EQ_INT(rc, INTAKE_ECONFIG, "path characters in a plugin name refused");

    test_engine();
    test_store_write();
    return test_done();
}
