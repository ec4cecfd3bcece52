/* tests/unit/test_config.c: INI parsing, option tables, value parsers. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "test.h"

struct cfg {
    const char *name;
    int64_t count;
    int32_t flag;
    int64_t size;
    int64_t timeout;
    const char *const *langs;
    double ratio;
    const char *secret;
};

static const struct intake_option opts[] = {
    {INTAKE_OPT_STR, "name", "def", 0, offsetof(struct cfg, name), "a name", 0, 0},
    {INTAKE_OPT_INT, "count", "3", 0, offsetof(struct cfg, count), "a count", 1, 10},
    {INTAKE_OPT_BOOL, "flag", "false", 0, offsetof(struct cfg, flag), "a flag", 0, 0},
    {INTAKE_OPT_SIZE, "size", "1M", 0, offsetof(struct cfg, size), "a size", 0, 0},
    {INTAKE_OPT_DURATION, "timeout", "30s", 0, offsetof(struct cfg, timeout), "a timeout", 0, 0},
    {INTAKE_OPT_LIST, "langs", "rus, kaz,eng", 0, offsetof(struct cfg, langs), "languages", 0, 0},
    {INTAKE_OPT_DOUBLE, "ratio", "0.5", 0, offsetof(struct cfg, ratio), "a ratio", 0, 1},
    {INTAKE_OPT_STR, "secret", NULL, INTAKE_OPT_REQUIRED | INTAKE_OPT_SENSITIVE,
     offsetof(struct cfg, secret), "a salt", 0, 0},
    {0},
};
static const char *const core[] = {"type", NULL};

static int apply(const char *text, struct cfg *c, struct intake_error *err)
{
    struct intake_config *cfg;
    memset(c, 0, sizeof *c);
    int rc = intake_config_parse("t.conf", text, &cfg, err);
    if (rc)
        return rc;
    rc = intake_options_apply(cfg, intake_config_section(cfg, "s"), opts, core, c, err);
    intake_config_destroy(cfg);
    return rc;
}

int main(void)
{
    struct cfg c;
    struct intake_error err;
    setenv("INTAKE_TEST_SALT", "pepper", 1);
    int rc = apply("[s]\ntype = x\nsecret = ${INTAKE_TEST_SALT}\n", &c, &err);
    TEST_EQ_INT(rc, 0, "defaults apply: %s", err.msg);
    TEST_EQ_STR(c.name, "def", "string default");
    TEST_EQ_INT(c.count, 3, "int default");
    TEST_EQ_INT(c.flag, 0, "bool default");
    TEST_EQ_INT(c.size, 1 << 20, "size default 1M");
    TEST_EQ_INT(c.timeout, 30000, "duration default 30s in ms");
    TEST_OK(c.langs && !strcmp(c.langs[0], "rus") && !strcmp(c.langs[1], "kaz") &&
                !strcmp(c.langs[2], "eng") && !c.langs[3],
            "list default split and trimmed");
    TEST_OK(c.ratio == 0.5, "double default");
    TEST_EQ_STR(c.secret, "pepper", "${VAR} expanded");
    intake_options_clear(opts, &c);
    TEST_OK(c.name == NULL && c.langs == NULL, "clear frees and zeroes");

    rc = apply("[s]\nname = n\ncount = 10\nflag = yes\nsize = 512k\ntimeout = 250ms\nlangs = uzb\n"
               "ratio = 1\nsecret = s\n",
               &c, &err);
    TEST_EQ_INT(rc, 0, "explicit values: %s", err.msg);
    TEST_OK(c.count == 10 && c.flag == 1 && c.size == 512 * 1024 && c.timeout == 250 &&
                !strcmp(c.langs[0], "uzb") && !c.langs[1] && c.ratio == 1.0,
            "values converted");
    intake_options_clear(opts, &c);

    static const struct {
        const char *text, *expect;
    } bad[] = {
        {"[s]\nsecret = s\ncolour = red\n", "t.conf:3: [s] unknown key 'colour'"},
        {"[s]\nsecret = s\ncount = 11\n", "t.conf:3: [s] count = 11: must be between 1 and 10"},
        {"[s]\nsecret = s\ncount = 2x\n", "count = 2x: not a valid integer"},
        {"[s]\nsecret = s\nflag = perhaps\n", "flag = perhaps: not a valid boolean"},
        {"[s]\nsecret = s\nsize = 12 MB\n", "size = 12 MB: not a valid size"},
        {"[s]\nsecret = s\ntimeout = -1s\n", "timeout = -1s: not a valid duration"},
        {"[s]\nsecret = s\nratio = nan\n", "ratio = nan: not a valid number"},
        {"[s]\nname = x\n", "t.conf:1: [s] required key 'secret' is missing"},
        {"[s]\nsecret = ${INTAKE_TEST_UNSET_VAR}\n",
         "t.conf:2: [s] secret: environment variable 'INTAKE_TEST_UNSET_VAR' is not set"},
        {"[s]\nsecret = a\nsecret = b\n", "t.conf:3: [s] key 'secret' set twice (first at line 2)"},
        {"[s]\nsecret = a\n[t]\nx = 1\n[s]\ny = 2\n", "t.conf:6: [s] section appears twice"},
        {"[s]\nsecret = s\nthis line has no equals sign\n", "t.conf:3: syntax error"},
        {"name = x\n", "t.conf:1: key 'name' outside any section"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        intake_error_clear(&err);
        rc = apply(bad[i].text, &c, &err);
        TEST_EQ_INT(rc, INTAKE_ECONFIG, "bad config %zu refused", i);
        TEST_OK(strstr(err.msg, bad[i].expect) != NULL, "'%s' contains '%s'", err.msg,
                bad[i].expect);
        intake_options_clear(opts, &c);
    }
    /* Sensitive values are never echoed, even when invalid. */
    static const struct intake_option sens[] = {
        {INTAKE_OPT_INT, "pin", NULL, INTAKE_OPT_SENSITIVE, 0, "x", 0, 0}, {0}};
    struct intake_config *cfg;
    int64_t pin = 0;
    intake_config_parse("t.conf", "[s]\npin = hunter2\n", &cfg, &err);
    rc = intake_options_apply(cfg, intake_config_section(cfg, "s"), sens, NULL, &pin, &err);
    TEST_EQ_INT(rc, INTAKE_ECONFIG, "bad sensitive value refused");
    TEST_OK(strstr(err.msg, "hunter2") == NULL && strstr(err.msg, "(hidden)"), "value hidden: %s",
            err.msg);
    intake_config_destroy(cfg);

    /* inih's fixed line buffer: a long line is refused, not split. */
    char longline[1024];
    snprintf(longline, sizeof longline, "[s]\nsecret = s\nname = %0600d\n", 7);
    memset(&c, 0, sizeof c);
    rc = apply(longline, &c, &err);
    TEST_EQ_INT(rc, INTAKE_ECONFIG, "a line over inih's limit is refused");
    TEST_OK(strstr(err.msg, "t.conf:3: line longer than") != NULL, "named: %s", err.msg);
    intake_options_clear(opts, &c);
    snprintf(longline, sizeof longline, "[s]\nsecret = s\nname = %0150d", 7); /* no final newline */
    rc = apply(longline, &c, &err);
    TEST_EQ_INT(rc, 0, "a last line without newline under the limit is fine");
    intake_options_clear(opts, &c);

    rc = intake_config_parse("/nonexistent/intake.conf", NULL, &cfg, &err);
    TEST_EQ_INT(rc, INTAKE_ECONFIG, "missing file");
    TEST_OK(strstr(err.msg, "/nonexistent/intake.conf: cannot open config") != NULL,
            "names the file");

    long long v;
    TEST_OK(intake_parse_size("2G", &v) == 0 && v == 2LL << 30, "2G");
    TEST_OK(intake_parse_size("99999999999999999999", &v) != 0, "overflow refused");
    TEST_OK(intake_parse_duration_ms("5m", &v) == 0 && v == 300000, "5m");
    TEST_OK(intake_parse_duration_ms("1h", &v) == 0 && v == 3600000, "1h");
    return test_done();
}
