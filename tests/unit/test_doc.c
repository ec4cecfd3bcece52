/* tests/unit/test_doc.c: document model, UTF-8 validation, span checks. */
#include <string.h>

#include "doc.h"
#include "test.h"

int main(void)
{
    static const struct {
        const char *s;
        int ok;
    } utf8[] = {
        {"plain ascii", 1},
        {"\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD", 1},         /* Иван */
        {"\xD2\x9B\xD0\xB0\xD0\xB7\xD0\xB0\xD2\x9B", 1}, /* қазақ */
        {"\xF0\x9F\x98\x80", 1},                         /* U+1F600 */
        {"\xC0\xAF", 0},                                 /* overlong '/' */
        {"\xE0\x80\xAF", 0},                             /* overlong */
        {"\xED\xA0\x80", 0},                             /* surrogate */
        {"\xF4\x90\x80\x80", 0},                         /* > U+10FFFF */
        {"\xD0", 0},                                     /* truncated */
        {"abc\xE2\x82", 0},                              /* truncated at end */
        {"\x80", 0},                                     /* lone continuation */
        {"\xFF", 0},
    };
    for (size_t i = 0; i < sizeof utf8 / sizeof utf8[0]; i++)
        TEST_EQ_INT(intake_utf8_valid(utf8[i].s, strlen(utf8[i].s)), utf8[i].ok, "utf8 case %zu",
                    i);

    struct intake_error err;
    const char *src = "bytes";
    struct intake_doc *d = intake_doc_create(src, 5, "text/plain");
    TEST_OK(d != NULL, "create");
    /* printf bytes | sha256sum */
    TEST_EQ_STR(intake_doc_id(d),
                "277089d91c0bdf4f2e6862ba7e4a07605119431f5d13f726dd352b06f1b206a9",
                "id is the SHA-256 of the bytes");
    TEST_EQ_INT(strlen(intake_doc_id(d)), 64, "id length");
    TEST_EQ_STR(intake_doc_mime(d), "text/plain", "mime");
    TEST_EQ_INT(intake_doc_add_page(d, "Page one. ", 10, &err), 0, "page 1");
    TEST_EQ_INT(intake_doc_add_page(d, "\xD0\x91\xD0\xB5\xD1\x82", 6, &err), 0, "page 2");
    TEST_EQ_INT(intake_doc_add_page(d, "\xD0", 1, &err), INTAKE_EFORMAT,
                "invalid UTF-8 page refused");
    uint64_t a, b;
    TEST_EQ_INT(intake_doc_page_count(d), 2, "two pages");
    intake_doc_page_range(d, 1, &a, &b);
    TEST_OK(a == 10 && b == 16, "page 2 range [10,16)");
    size_t n;
    TEST_EQ_STR(intake_doc_text(d, &n), "Page one. \xD0\x91\xD0\xB5\xD1\x82",
                "text concatenates pages");
    TEST_EQ_INT(n, 16, "text length");

    struct intake_span s = {.start = 0, .end = 4, .label = INTAKE_LABEL_PERSON, .score = 0.8f};
    intake_doc_set_source(d, 7);
    TEST_EQ_INT(intake_doc_add_span(d, &s, &err), 0, "span added");
    s.start = 11; /* inside the two-byte letter at 10..12 */
    TEST_EQ_INT(intake_doc_add_span(d, &s, &err), INTAKE_EINVAL,
                "span splitting a character refused");
    s.start = 10;
    s.end = 17;
    TEST_EQ_INT(intake_doc_add_span(d, &s, &err), INTAKE_EINVAL, "span past the end refused");
    s.end = 12;
    s.label = 99;
    TEST_EQ_INT(intake_doc_add_span(d, &s, &err), INTAKE_EINVAL, "unknown label refused");
    s.label = INTAKE_LABEL_EMAIL;
    s.score = 1.5f;
    TEST_EQ_INT(intake_doc_add_span(d, &s, &err), INTAKE_EINVAL, "score > 1 refused");
    size_t ns;
    const struct intake_span *sp = intake_doc_spans(d, &ns);
    TEST_OK(ns == 1 && sp[0].source == 7, "source stamped by the core");

    TEST_EQ_INT(intake_doc_meta_set(d, "encoding", "koi8-r", &err), 0, "meta set");
    TEST_EQ_INT(intake_doc_meta_set(d, "encoding", "cp866", &err), 0, "meta replace");
    TEST_EQ_STR(intake_doc_meta_get(d, "encoding"), "cp866", "meta get");
    TEST_OK(intake_doc_meta_get(d, "nothing") == NULL, "missing meta is NULL");
    TEST_EQ_INT(intake_doc_set_lang(d, "kk-Latn", &err), 0, "lang tag");
    TEST_EQ_INT(intake_doc_set_lang(d, "kk Latn", &err), INTAKE_EINVAL, "bad lang tag");
    TEST_EQ_STR(intake_doc_lang(d), "kk-Latn", "lang kept");

    intake_doc_freeze_text(d);
    TEST_EQ_INT(intake_doc_add_page(d, "x", 1, &err), INTAKE_EINVAL, "frozen text refuses pages");
    void *scratch = intake_doc_alloc(d, 100);
    TEST_OK(scratch != NULL, "scratch");
    memset(scratch, 1, 100);
    intake_doc_destroy(d);

    d = intake_doc_create("", 0, NULL);
    /* sha256 of the empty string */
    TEST_EQ_STR(intake_doc_id(d),
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "empty document id is sha256('')");
    intake_doc_destroy(d);
    return test_done();
}
