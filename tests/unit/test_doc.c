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

    /* Pages with images: OCR fills their text later, later pages move. */
    d = intake_doc_create("scan", 4, "image/png");
    unsigned char px[2 * 5 * 3];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (unsigned char)i;
    struct intake_image img = {.width = 2, .height = 3, .stride = 5, .channels = 2, .pixels = px};
    TEST_EQ_INT(intake_doc_add_image_page(d, &img, 0, 0, &err), INTAKE_EINVAL,
                "two channels are refused");
    img.channels = 1;
    img.dpi = 72;
    TEST_EQ_INT(intake_doc_add_image_page(d, &img, 0, 0, &err), 0, "image page 0");
    TEST_EQ_INT(intake_doc_add_page(d, "tail", 4, &err), 0, "text page 1");
    TEST_EQ_INT(intake_doc_page_flags(d, 0), INTAKE_PAGE_IMAGE | INTAKE_PAGE_NEEDS_OCR,
                "image page flags");
    TEST_EQ_INT(intake_doc_page_flags(d, 1), 0, "text page flags");
    struct intake_image got;
    TEST_EQ_INT(intake_doc_page_image(d, 0, &got), 0, "page 0 has an image");
    TEST_EQ_INT(intake_doc_page_image(d, 1, &got), INTAKE_EINVAL, "page 1 has none");
    TEST_OK(got.stride == 2 && got.pixels[2] == px[5] && got.pixels[5] == px[11],
            "image copied row by row without the stride padding");
    double w, h;
    intake_doc_page_size(d, 0, &w, &h);
    TEST_OK(w == 2.0 && h == 3.0, "page size from 72 dpi: %gx%g pt", w, h);
    TEST_EQ_INT(intake_doc_set_page_text(d, 0, "Привет мир ", 20, &err), 0, "OCR text in");
    size_t tl;
    TEST_EQ_STR(intake_doc_text(d, &tl), "Привет мир tail", "text spliced");
    uint64_t ps, pe;
    intake_doc_page_range(d, 1, &ps, &pe);
    TEST_OK(ps == 20 && pe == 24, "page 1 moved to [20,24)");
    struct intake_box bx[2] = {{.start = 0, .end = 12, .x1 = 1, .y1 = 1, .conf = 90},
                               {.start = 13, .end = 21}};
    TEST_EQ_INT(intake_doc_add_boxes(d, 0, bx, 2, &err), INTAKE_EINVAL,
                "a box past its page's text is refused");
    TEST_EQ_INT(intake_doc_add_boxes(d, 0, bx, 1, &err), 0, "a box inside is taken");
    size_t nb;
    intake_doc_page_boxes(d, 0, &nb);
    TEST_EQ_INT(nb, 1, "one box on page 0");
    intake_doc_set_page_flags(d, 0, INTAKE_PAGE_OCR_DONE);
    TEST_OK(intake_doc_page_flags(d, 0) & INTAKE_PAGE_OCR_DONE, "flags OR-ed");
    struct intake_block blk = {
        .start = 0, .end = 20, .lang = "ru", .script = "Cyrl", .confidence = 0.9f};
    TEST_EQ_INT(intake_doc_add_block(d, &blk, &err), 0, "block");
    blk.end = 99;
    TEST_EQ_INT(intake_doc_add_block(d, &blk, &err), INTAKE_EINVAL, "block past the text refused");
    size_t nblk;
    TEST_EQ_STR(intake_doc_blocks(d, &nblk)[0].lang, "ru", "block kept");
    TEST_EQ_INT(nblk, 1, "one block");

    /* Redaction map: "Привет " + [P] + " tail" for an entity over "мир". */
    struct intake_span ent = {.start = 13, .end = 19, .label = INTAKE_LABEL_PERSON};
    uint64_t map[4] = {13, 19, 13, 23};
    TEST_EQ_INT(intake_doc_set_redaction(d, "Привет [PERSON-1] tail", 28, &ent, 1), 0, "redaction");
    TEST_EQ_INT(intake_doc_set_redaction_map(d, map, 1), 0, "redaction map");
    uint64_t ra, rb;
    intake_doc_redacted_range(d, 0, 12, &ra, &rb);
    TEST_OK(ra == 0 && rb == 12, "a word before the entity stays [%llu,%llu)",
            (unsigned long long)ra, (unsigned long long)rb);
    intake_doc_redacted_range(d, 15, 19, &ra, &rb);
    TEST_OK(ra == 13 && rb == 23, "a word inside maps to the whole replacement [%llu,%llu)",
            (unsigned long long)ra, (unsigned long long)rb);
    intake_doc_redacted_range(d, 20, 24, &ra, &rb);
    TEST_OK(ra == 24 && rb == 28, "a word after it shifts by the length change [%llu,%llu)",
            (unsigned long long)ra, (unsigned long long)rb);
    TEST_EQ_INT(intake_doc_redacted_range(d, 20, 99, &ra, &rb), INTAKE_EINVAL,
                "a range past the text is refused");
    intake_doc_freeze_text(d);
    TEST_EQ_INT(intake_doc_set_page_text(d, 0, "x", 1, &err), INTAKE_EINVAL,
                "frozen text refuses OCR text");
    intake_doc_destroy(d);

    d = intake_doc_create("", 0, NULL);
    /* sha256 of the empty string */
    TEST_EQ_STR(intake_doc_id(d),
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "empty document id is sha256('')");
    intake_doc_destroy(d);
    return test_done();
}
