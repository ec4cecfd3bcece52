/* tests/unit/test_anonymise.c: operators, overlaps, pseudonyms, thresholds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "anonymise.h"
#include "test.h"

#define SP(s, e, l, sc)                                                                            \
    {                                                                                              \
        .start = (s), .end = (e), .label = INTAKE_LABEL_##l, .score = (sc)                         \
    }

static char *run(const char *text, const struct intake_span *spans, size_t n,
                 const struct intake_policy *p, size_t *nent)
{
    struct intake_redaction r;
    struct intake_error err;
    if (intake_anonymise(text, strlen(text), spans, n, p, &r, &err) != 0)
        return NULL;
    char *out = strdup(r.text);
    if (nent)
        *nent = r.nentities;
    intake_redaction_clear(&r);
    return out;
}

int main(void)
{
    struct intake_policy p;
    intake_policy_default(&p);
    char *o;

    /* "Ivanova met Petrov; ivanova called +7 701 234 56 78." */
    const char *t = "Ivanova met Petrov; ivanova called +7 701 234 56 78.";
    struct intake_span s1[] = {SP(0, 7, PERSON, 0.9f), SP(12, 18, PERSON, 0.9f),
                               SP(20, 27, PERSON, 0.8f), SP(35, 51, PHONE, 0.95f)};
    o = run(t, s1, 4, &p, NULL);
    TEST_EQ_STR(o, "[PERSON-1] met [PERSON-2]; [PERSON-1] called [PHONE].",
                "default policy: pseudonyms by case-folded value, replace for phone");
    free(o);

    /* Detector keys: the same person in two grammatical cases. */
    const char *t2 = "Ивановой and Иванову";
    struct intake_span s2[] = {SP(0, 16, PERSON, 0.9f), SP(21, 35, PERSON, 0.9f)};
    s2[0].key = s2[1].key = 42;
    o = run(t2, s2, 2, &p, NULL);
    TEST_EQ_STR(o, "[PERSON-1] and [PERSON-1]", "detector key unifies inflected forms");
    free(o);
    s2[1].key = 43;
    o = run(t2, s2, 2, &p, NULL);
    TEST_EQ_STR(o, "[PERSON-1] and [PERSON-2]", "different keys, different pseudonyms");
    free(o);

    /* Operators. */
    struct intake_span s3[] = {SP(35, 51, PHONE, 0.95f)};
    p.op[INTAKE_LABEL_PHONE] = INTAKE_OP_MASK;
    o = run(t, s3, 1, &p, NULL);
    TEST_EQ_STR(o, "Ivanova met Petrov; ivanova called **************78.", "mask keeps last 2");
    free(o);
    p.op[INTAKE_LABEL_PHONE] = INTAKE_OP_REDACT;
    const char *t3 = "tel Әлия!";
    struct intake_span s4[] = {SP(4, 12, PHONE, 0.95f)};
    o = run(t3, s4, 1, &p, NULL);
    TEST_EQ_STR(o, "tel \xE2\x96\x88\xE2\x96\x88\xE2\x96\x88\xE2\x96\x88!",
                "redact: one block per character");
    free(o);
    p.op[INTAKE_LABEL_PHONE] = INTAKE_OP_MASK;
    o = run(t3, s4, 1, &p, NULL);
    TEST_EQ_STR(o, "tel ****!", "mask hides short values entirely");
    free(o);
    p.op[INTAKE_LABEL_PHONE] = INTAKE_OP_KEEP;
    o = run(t3, s4, 1, &p, NULL);
    TEST_EQ_STR(o, t3, "keep");
    free(o);
    intake_policy_default(&p);

    /* Overlaps: the union is redacted, the longest span names it. */
    const char *t4 = "call 87012345678 now";
    struct intake_span s5[] = {SP(5, 16, PHONE, 0.9f), SP(6, 18, NATIONAL_ID, 0.6f)};
    size_t ne = 0;
    o = run(t4, s5, 2, &p, &ne);
    TEST_EQ_STR(o, "call [NATIONAL_ID]ow", "overlap: union redacted, longest label");
    TEST_EQ_INT(ne, 1, "one merged entity");
    free(o);
    struct intake_span s6[] = {SP(5, 16, PHONE, 0.9f), SP(5, 16, CARD, 0.7f)};
    o = run(t4, s6, 2, &p, NULL);
    TEST_EQ_STR(o, "call [PHONE] now", "equal length: most confident wins");
    free(o);
    /* A kept ORGANISATION around a PERSON must not shield the person. */
    const char *t5 = "ТОО Иванов и К";
    struct intake_span s7[] = {SP(0, 24, ORGANISATION, 0.99f), SP(7, 19, PERSON, 0.7f)};
    o = run(t5, s7, 2, &p, NULL);
    TEST_EQ_STR(o, "ТОО [PERSON-1] и К", "kept type never shields a redacted one");
    free(o);

    /* Thresholds. */
    struct intake_span s8[] = {SP(5, 16, PHONE, 0.4f)};
    o = run(t4, s8, 1, &p, NULL);
    TEST_EQ_STR(o, t4, "under threshold: ignored");
    free(o);
    p.threshold[INTAKE_LABEL_PHONE] = 0.3;
    o = run(t4, s8, 1, &p, NULL);
    TEST_EQ_STR(o, "call [PHONE] now", "per-type threshold");
    free(o);

    /* Adjacent spans stay separate; no spans: text unchanged. */
    intake_policy_default(&p);
    struct intake_span s9[] = {SP(0, 4, EMAIL, 0.9f), SP(4, 8, URL, 0.9f)};
    o = run("aaaabbbbcc", s9, 2, &p, &ne);
    TEST_EQ_STR(o, "[EMAIL][URL]cc", "adjacent spans");
    TEST_EQ_INT(ne, 2, "two entities");
    free(o);
    o = run("", NULL, 0, &p, NULL);
    TEST_EQ_STR(o, "", "empty text");
    free(o);

    /* Policy configuration. */
    struct intake_config *cfg;
    struct intake_error err;
    TEST_EQ_INT(intake_config_parse(
                    "p.conf", "[policy]\nthreshold.CARD = 0.7\nthreshold = 0.4\nPERSON = redact\n",
                    &cfg, &err),
                0, "parse");
    intake_policy_default(&p);
    TEST_EQ_INT(intake_policy_configure(&p, cfg, intake_config_section(cfg, "policy"), &err), 0,
                "configure");
    TEST_OK(p.threshold[INTAKE_LABEL_CARD] == 0.7 && p.threshold[INTAKE_LABEL_PHONE] == 0.4,
            "per-type threshold wins over global, whatever the order");
    TEST_EQ_INT(p.op[INTAKE_LABEL_PERSON], INTAKE_OP_REDACT, "operator set");
    intake_config_destroy(cfg);
    TEST_EQ_INT(intake_config_parse("p.conf", "[policy]\nthreshold = 2\n", &cfg, &err), 0, "parse");
    TEST_EQ_INT(intake_policy_configure(&p, cfg, intake_config_section(cfg, "policy"), &err),
                INTAKE_ECONFIG, "threshold outside [0,1] refused");
    TEST_OK(strstr(err.msg, "p.conf:2:") != NULL, "with file and line: %s", err.msg);
    intake_config_destroy(cfg);

    /* Case and corpus pseudonyms: keyed HMAC tags, the key outside the store. */
    char dir[] = "/tmp/intake-anon-XXXXXX";
    TEST_OK(mkdtemp(dir) != NULL, "temp dir");
    char keyp[256], conf[512];
    snprintf(keyp, sizeof keyp, "%s/key", dir);
    FILE *kf = fopen(keyp, "w");
    fputs("0123456789abcdef-test-key", kf);
    fclose(kf);
    chmod(keyp, 0644);
    snprintf(conf, sizeof conf, "[policy]\npseudonym_scope = case\npseudonym_key = %s\n", keyp);
    TEST_EQ_INT(intake_config_parse("k.conf", conf, &cfg, &err), 0, "parse");
    intake_policy_default(&p);
    TEST_EQ_INT(intake_policy_configure(&p, cfg, intake_config_section(cfg, "policy"), &err),
                INTAKE_ECONFIG, "a key others can read is refused");
    TEST_OK(strstr(err.msg, "chmod 600") && !strstr(err.msg, "test-key"),
            "the refusal says how, and never shows the key: %s", err.msg);
    chmod(keyp, 0600);
    intake_policy_default(&p);
    TEST_EQ_INT(intake_policy_configure(&p, cfg, intake_config_section(cfg, "policy"), &err), 0,
                "case scope with a private key");
    intake_config_destroy(cfg);
    TEST_OK(intake_policy_key_inside(&p, dir), "the key is seen inside its own folder");
    TEST_OK(!intake_policy_key_inside(&p, "/usr"), "and not inside another");

    const char *tk = "Anna met Boris. Anna left.";
    struct intake_span ks[3] = {SP(0, 4, PERSON, 0.9), SP(9, 14, PERSON, 0.9),
                                SP(16, 20, PERSON, 0.9)};
    ks[0].key = ks[2].key = 11;
    ks[1].key = 22;
    struct intake_redaction ra, rb, rc2;
    TEST_EQ_INT(intake_anonymise_scoped(tk, strlen(tk), ks, 3, &p, "case-1", &ra, &err), 0, "a");
    TEST_EQ_INT(intake_anonymise_scoped(tk, strlen(tk), ks, 3, &p, "case-1", &rb, &err), 0, "b");
    TEST_EQ_INT(intake_anonymise_scoped(tk, strlen(tk), ks, 3, &p, "case-2", &rc2, &err), 0, "c");
    TEST_OK(strncmp(ra.text, "[PERSON-", 8) == 0 && strlen(ra.text) > 30, "tagged: %s", ra.text);
    TEST_EQ_STR(ra.text, rb.text, "same case, same pseudonyms in another document");
    TEST_OK(strcmp(ra.text, rc2.text) != 0, "another case, other pseudonyms");
    char tg1[18] = "", tg2[18] = "", tg3[18] = "";
    if (strlen(ra.text) >= 58) {
        memcpy(tg1, ra.text, 17);
        memcpy(tg2, ra.text + 22, 17);
        memcpy(tg3, ra.text + 41, 17);
    }
    TEST_OK(tg1[0] && strcmp(tg1, tg3) == 0 && strcmp(tg1, tg2) != 0,
            "one person, one tag; two persons, two tags: %s", ra.text);
    intake_redaction_clear(&ra);
    intake_redaction_clear(&rc2);
    p.scope = INTAKE_SCOPE_CORPUS;
    TEST_EQ_INT(intake_anonymise_scoped(tk, strlen(tk), ks, 3, &p, "case-1", &ra, &err), 0, "d");
    TEST_EQ_INT(intake_anonymise_scoped(tk, strlen(tk), ks, 3, &p, "case-2", &rc2, &err), 0, "e");
    TEST_EQ_STR(ra.text, rc2.text, "corpus scope: the same across cases");
    intake_redaction_clear(&ra);
    intake_redaction_clear(&rb);
    intake_redaction_clear(&rc2);
    intake_policy_clear(&p);

    TEST_EQ_INT(intake_config_parse("k.conf", "[policy]\npseudonym_scope = corpus\n", &cfg, &err),
                0, "parse");
    intake_policy_default(&p);
    TEST_EQ_INT(intake_policy_configure(&p, cfg, intake_config_section(cfg, "policy"), &err),
                INTAKE_ECONFIG, "corpus scope without a key is refused");
    intake_config_destroy(cfg);
    unlink(keyp);
    rmdir(dir);
    return test_done();
}
