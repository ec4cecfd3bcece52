/*
 * detect_patterns: identifiers read through OCR damage (dp_fold.c and the
 * tolerances of dp_validate.c), through the engine (dp_scan), so that the
 * ranges of OCR pages can be given as the plugin gives them.
 *
 * Every damaged string is written for this test: look-alike letters (as
 * Tesseract's Cyrillic and Latin models produce them), "№" read as "Ne",
 * "+7" read as "--7", a line break inside a number, a domain split after
 * its dots. Cyrillic letters are written as \x escapes, so that the reader
 * sees which letter is not Latin. The identifiers are those of
 * test_patterns.c, with valid check digits, and variants with a wrong one.
 *
 * A positive case: a candidate covering exactly the surface, of the label,
 * scored at least the minimum. A negative case: no candidate scored 0.5 or
 * more touches the surface.
 */
#include <stdlib.h>
#include <string.h>

#include <intake/span.h>

#include "dp_engine.h"
#include "test.h"

static struct dp_engine *E;
static struct dp_scanner *S;

static void *xalloc(size_t n)
{
    return malloc(n);
}

static void scan(const char *text, int ocr, const struct dp_cand **c, size_t *n)
{
    struct intake_error err;
    intake_error_clear(&err);
    size_t len = strlen(text);
    struct dp_range r = {0, len};
    if (dp_scan(E, S, text, len, ocr ? &r : NULL, ocr ? 1 : 0, c, n, &err) != INTAKE_OK) {
        TEST_NOTE("scan failed: %s", err.msg);
        *n = 0;
    }
}

static void dump(const char *text, const struct dp_cand *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        TEST_NOTE("  %s [%.*s] %.2f", dp_kind_info(c[i].kind)->name, (int)(c[i].end - c[i].start),
                  text + c[i].start, (double)c[i].score);
}

static void pos(uint32_t label, const char *text, const char *surface, float min, int ocr)
{
    const struct dp_cand *c;
    size_t n;
    scan(text, ocr, &c, &n);
    const char *p = strstr(text, surface);
    uint64_t s = p ? (uint64_t)(p - text) : 0, e = s + strlen(surface);
    float best = -1.0f;
    for (size_t i = 0; i < n; i++)
        if (c[i].start == s && c[i].end == e && dp_kind_info(c[i].kind)->label == label &&
            c[i].score > best)
            best = c[i].score;
    if (!TEST_OK(p && best >= min, "%s: \"%s\"%s (score %.2f >= %.2f)", intake_label_name(label),
                 test_oneline(surface), ocr ? " on an OCR page" : "", (double)best, (double)min))
        dump(text, c, n);
}

static void neg(const char *text, const char *surface, int ocr)
{
    const struct dp_cand *c;
    size_t n;
    scan(text, ocr, &c, &n);
    const char *p = strstr(text, surface);
    uint64_t s = p ? (uint64_t)(p - text) : 0, e = s + strlen(surface);
    size_t hits = 0;
    for (size_t i = 0; i < n; i++)
        if (c[i].score >= 0.5f && c[i].start < e && s < c[i].end)
            hits++;
    if (!TEST_OK(p && hits == 0, "nothing >= 0.5 on \"%s\"%s", test_oneline(surface),
                 ocr ? " on an OCR page" : ""))
        dump(text, c, n);
}

/* Spans point at the original bytes: the folded copy is never reported. */
static void test_offsets(void)
{
    const char *t = "\xD0\xBF\xD0\xB0\xD1\x81\xD0\xBF\xD0\xBE\xD1\x80\xD1\x82 "
                    "\xD0\x9C"
                    "11127104.";
    const struct dp_cand *c;
    size_t n;
    scan(t, 0, &c, &n);
    TEST_OK(n == 1 && c[0].start == 15 && c[0].end == 25,
            "folded passport maps to bytes [15, 25) of the original");
}

/* Hostile input: a text made only of mixed-script tokens stays linear. */
static void test_hostile(void)
{
    size_t len = 2u << 20;
    char *t = malloc(len + 1);
    if (!t)
        abort();
    for (size_t i = 0; i + 4 <= len; i += 4)
        memcpy(t + i,
               "\xD0\x9C"
               "1@",
               4);
    t[len] = '\0';
    const struct dp_cand *c;
    size_t n;
    struct intake_error err;
    intake_error_clear(&err);
    struct dp_range r = {0, len};
    int rc = dp_scan(E, S, t, len, &r, 1, &c, &n, &err);
    TEST_OK(rc == INTAKE_OK, "2 MB of mixed-script tokens: scanned (%s)", rc ? err.msg : "ok");
    free(t);
}

int main(void)
{
    struct intake_error err;
    intake_error_clear(&err);
    struct dp_settings set = {
        .labels = dp_labels_supported(), .window_before = 64, .window_after = 24, .min_score = 0};
    struct dp_alloc a = {xalloc, free};
    if (dp_engine_create(&set, &a, &E, &err) != INTAKE_OK ||
        dp_scanner_create(E, &S, &err) != INTAKE_OK) {
        printf("Bail out! %s\n", err.msg);
        return 1;
    }
    /* KZ passport N read as Cyrillic М */
    pos(INTAKE_LABEL_PASSPORT,
        "\xD1\x82\xD3\xA9\xD0\xBB\xD2\x9B\xD2\xB1\xD0\xB6\xD0\xB0\xD1\x82 \xE2\x84\x96 \xD0\x9C"
        "24681357, \xD0\xB1\xD0\xB5\xD1\x80\xD1\x96\xD0\xBB\xD0\xB3\xD0\xB5\xD0\xBD",
        "\xD0\x9C"
        "24681357",
        0.95f, 0);
    /* KG series AC in Cyrillic look-alikes, № read as Ne */
    pos(INTAKE_LABEL_PASSPORT,
        "\xD0\xBF\xD0\xB0\xD1\x81\xD0\xBF\xD0\xBE\xD1\x80\xD1\x82 Ne \xD0\x90\xD0\xA1"
        "7654321, \xD0\xB1\xD0\xB5\xD1\x80\xD0\xB8\xD0\xBB\xD0\xB3\xD0\xB5\xD0\xBD",
        "\xD0\x90\xD0\xA1"
        "7654321",
        0.95f, 0);
    /* № read as Ne between series and number */
    pos(INTAKE_LABEL_PASSPORT,
        "\xD0\xBF\xD0\xB0\xD1\x81\xD0\xBF\xD0\xBE\xD1\x80\xD1\x82 "
        "\xD1\x81\xD0\xB5\xD1\x80\xD0\xB8\xD0\xB8 45 12 Ne 345678, "
        "\xD0\xB2\xD1\x8B\xD0\xB4\xD0\xB0\xD0\xBD",
        "45 12 Ne 345678", 0.95f, 0);
    /* Nº typed for № */
    pos(INTAKE_LABEL_PASSPORT, "passport N\xC2\xBA 4512 345678", "4512 345678", 0.95f, 0);
    /* e-mail read with a Cyrillic model */
    pos(INTAKE_LABEL_EMAIL,
        "\xD1\x8D\xD0\xBB. \xD0\xBF\xD0\xBE\xD1\x88\xD1\x82\xD0\xB0: "
        "\xD1\x95\xD0\xB0r\xD1\x95\xD0\xB5n.\xD0\xBE\xD1\x80\xD0\xB0@\xD1\x82\xD0\xB5\xD1\x85t."
        "\xD0\xBErg, \xD1\x82\xD0\xB5\xD0\xBB.",
        "\xD1\x95\xD0\xB0r\xD1\x95\xD0\xB5n.\xD0\xBE\xD1\x80\xD0\xB0@\xD1\x82\xD0\xB5\xD1\x85t."
        "\xD0\xBErg",
        0.95f, 0);
    /* domain split after its dots */
    pos(INTAKE_LABEL_EMAIL, "pochta: aigul.s77@post. example. kz. Keyin",
        "aigul.s77@post. example. kz", 0.95f, 0);
    /* Cyrillic О for the digit 0, with context */
    pos(INTAKE_LABEL_NATIONAL_ID,
        "\xD0\x98\xD0\x98\xD0\x9D 88\xD0\x9E"
        "315300123",
        "88\xD0\x9E"
        "315300123",
        0.97f, 0);
    /* ... without context: the check digit arbitrates */
    pos(INTAKE_LABEL_NATIONAL_ID,
        "\xD1\x80\xD0\xBE\xD0\xB4\xD0\xB8\xD0\xBB\xD1\x81\xD1\x8F 88\xD0\x9E"
        "315300123 \xD0\xB2 \xD0\x90\xD0\xBB\xD0\xBC\xD0\xB0\xD1\x82\xD1\x8B",
        "88\xD0\x9E"
        "315300123",
        0.90f, 0);
    /* ИИН read as MMH is still a context word (INN-12 needs one) */
    pos(INTAKE_LABEL_NATIONAL_ID, "MMH 770708389324", "770708389324", 0.95f, 0);
    /* phone wrapped over two lines, context word */
    pos(INTAKE_LABEL_PHONE,
        "\xD1\x82\xD0\xB5\xD0\xBB.: 8 701\n234 56 78, \xD0\xB0\xD0\xB4\xD1\x80\xD0\xB5\xD1\x81",
        "8 701\n234 56 78", 0.90f, 0);
    /* +7 read as --7, context word */
    pos(INTAKE_LABEL_PHONE, "\xD1\x82\xD0\xB5\xD0\xBB. --7 701 234 56 78", "--7 701 234 56 78",
        0.90f, 0);
    /* +7 read as -+7 */
    pos(INTAKE_LABEL_PHONE, "call him on -+7 701 234 56 78", "+7 701 234 56 78", 0.90f, 0);
    /* IBAN wrapped, no context: mod 97 arbitrates */
    pos(INTAKE_LABEL_IBAN, "transfer to KZ82 9261 2345\n6789 0123 today",
        "KZ82 9261 2345\n6789 0123", 0.97f, 0);
    /* IBAN with Cyrillic К and Т */
    pos(INTAKE_LABEL_IBAN,
        "KZ86125\xD0\x9AZ\xD0\xA2"
        "5004100100 \xD1\x88\xD0\xBE\xD1\x82\xD1\x8B\xD0\xBD\xD0\xB0",
        "KZ86125\xD0\x9AZ\xD0\xA2"
        "5004100100",
        0.97f, 0);
    /* a number on the next line does not join a valid one */
    pos(INTAKE_LABEL_PHONE, "8 701 234 56 78\n2021 \xD0\xB6\xD1\x8B\xD0\xBB\xD1\x8B",
        "8 701 234 56 78", 0.85f, 0);
    /* ... nor an IIN */
    pos(INTAKE_LABEL_NATIONAL_ID, "880315300123\n12 \xD0\xB1\xD0\xB5\xD1\x82", "880315300123",
        0.90f, 0);
    /* пacпopт: passport word read with Latin a, n (OCR page) */
    pos(INTAKE_LABEL_PASSPORT,
        "\xD0\xBF"
        "a\xD1\x81n\xD0\xBE\xD1\x80\xD1\x82 AN 0436642",
        "AN 0436642", 0.95f, 1);
    /* Тeлeфoн with Latin e, wrapped phone (OCR page) */
    pos(INTAKE_LABEL_PHONE,
        "\xD0\xA2"
        "e\xD0\xBB"
        "e\xD1\x84\xD0\xBE\xD0\xBD: 8 (701)\n234-56-78",
        "8 (701)\n234-56-78", 0.90f, 1);
    /* М + 8 digits without a passport word */
    neg("\xD0\x9C"
        "24681357",
        "\xD0\x9C"
        "24681357",
        0);
    /* Cyrillic О in a 12-digit number with a wrong check digit */
    neg("\xD0\x98\xD0\x98\xD0\x9D 88\xD0\x9E"
        "315300124",
        "88\xD0\x9E"
        "315300124",
        0);
    /* wrapped phone-shaped number without a context word */
    neg("8 701\n234 56 78", "8 701\n234 56 78", 0);
    /* --7 without a context word */
    neg("\xD1\x80\xD0\xB0\xD0\xB7\xD0\xB4\xD0\xB5\xD0\xBB --7 701 234 56 78", "7 701 234 56 78", 0);
    /* wrapped IBAN failing mod 97 */
    neg("KZ82 9261 2345\n6789 0124", "KZ82 9261 2345\n6789 0124", 0);
    /* look-alike IBAN failing mod 97 */
    neg("KZ86125\xD0\x9AZ\xD0\xA2"
        "5004100101",
        "KZ86125\xD0\x9AZ\xD0\xA2"
        "5004100101",
        0);
    /* look-alike words that are no identifier */
    neg("\xD0\x9E\xD0\x9E\xD0\x9E \xC2\xAB\xD0\xA1\xD0\xB0\xD0\xBC\xD0\xB0\xD0\xBB\xC2\xBB 2021 "
        "\xD0\xB3., \xD0\xBA\xD0\xB2. 1\xD0\x9E"
        "5",
        "1\xD0\x9E"
        "5",
        0);
    /* Ne before a short number */
    neg("Ne 12 \xD0\xBE\xD1\x82 12.03.2021, \xD0\xB4\xD0\xB5\xD0\xBB\xD0\xBE \xE2\x84\x96 "
        "1-45/2023",
        "Ne 12", 0);
    /* split domain with no known TLD */
    neg("x.y@mail. then we met", "x.y@mail. then", 0);
    /* look-alike word and '@' with no domain */
    neg("\xD0\xB5\xD1\x85\xD0\xB0\xD1\x82@ \xD0\xBF\xD0\xB8\xD1\x88\xD0\xB8\xD1\x82\xD0\xB5",
        "\xD0\xB5\xD1\x85\xD0\xB0\xD1\x82@", 0);
    /* mixed words on an OCR page, no identifier */
    neg("\xD0\x9F"
        "a\xD1\x81\xD0\xBFo\xD1\x80\xD1\x82 \xD0\xB2\xD1\x8B\xD0\xB4\xD0\xB0\xD0\xBD \xD0\xB2 2021 "
        "\xD0\xB3. \xD0\x9E\xD0\x9E\xD0\x9E \xC2\xAB\xD0\x9C\xD0\xB8\xD1\x80\xC2\xBB",
        "2021", 1);
    /* KZ read by a Cyrillic model as К + 7 (or 2): the country code with
     * Z restored must pass mod 97 and the country's length (OCR pages) */
    pos(INTAKE_LABEL_IBAN,
        "\xD1\x81\xD1\x87\xD1\x91\xD1\x82 \xD0\x9A"
        "745 8560 3002 1587 4123 \xD0\xB1\xD0\xB0\xD0\xBD\xD0\xBA",
        "\xD0\x9A"
        "745 8560 3002 1587 4123",
        0.97f, 1);
    pos(INTAKE_LABEL_IBAN,
        "\xD0\xBD\xD0\xB0 \xD0\x9A"
        "7199650340021876543.",
        "\xD0\x9A"
        "7199650340021876543",
        0.97f, 1);
    /* ... split over a line break, a letter in the BBAN, no context word */
    pos(INTAKE_LABEL_IBAN,
        "transfer \xD0\x9A"
        "743\n601A 8710 0325 9441 today",
        "\xD0\x9A"
        "743\n601A 8710 0325 9441",
        0.97f, 1);
    /* ... at the very start of the page */
    pos(INTAKE_LABEL_IBAN,
        "\xD0\x9A"
        "7199650340021876543",
        "\xD0\x9A"
        "7199650340021876543",
        0.97f, 1);
    /* ... Latin K with Z read as 2 */
    pos(INTAKE_LABEL_IBAN, "IBAN K2199650340021876543", "K2199650340021876543", 0.97f, 1);
    /* Kyrgyz series AC in Cyrillic, digits 0 and 3 read as Cyrillic О and З */
    pos(INTAKE_LABEL_PASSPORT,
        "\xD0\xBF\xD0\xB0\xD1\x81\xD0\xBF\xD0\xBE\xD1\x80\xD1\x82 Ne "
        "\xD0\x90\xD0\xA1\xD0\x9E\xD0\x97"
        "72418, \xD0\xB1\xD0\xB5\xD1\x80\xD0\xB8\xD0\xBB\xD0\xB3\xD0\xB5\xD0\xBD",
        "\xD0\x90\xD0\xA1\xD0\x9E\xD0\x97"
        "72418",
        0.95f, 1);
    /* ... Latin series, B for 8 and l for 1 in the number */
    pos(INTAKE_LABEL_PASSPORT, "passport No. AN 4B5l902 issued", "AN 4B5l902", 0.95f, 1);
    /* Kyrgyz ID card series ID read as 10, 1D, I0 right after a passport word */
    pos(INTAKE_LABEL_PASSPORT,
        "\xD0\xBF\xD0\xB0\xD1\x81\xD0\xBF\xD0\xBE\xD1\x80\xD1\x82 \xE2\x84\x96 "
        "105837216 \xD0\xB1\xD0\xB5\xD1\x80\xD0\xB8\xD0\xBB\xD0\xB3\xD0\xB5\xD0\xBD",
        "105837216", 0.95f, 1);
    pos(INTAKE_LABEL_PASSPORT,
        "\xD0\xBF\xD0\xB0\xD1\x81\xD0\xBF\xD0\xBE\xD1\x80\xD1\x82\xD1\x83 Ne "
        "1D5837216.",
        "1D5837216", 0.95f, 1);
    pos(INTAKE_LABEL_PASSPORT, "ID-\xD0\xBA\xD0\xB0\xD1\x80\xD1\x82\xD0\xB0: I05837216",
        "I05837216", 0.95f, 1);
    /* a K7 IBAN failing mod 97 */
    neg("\xD1\x81\xD1\x87\xD1\x91\xD1\x82 \xD0\x9A"
        "7199650340021876544",
        "\xD0\x9A"
        "7199650340021876544",
        1);
    /* ... or one digit short of the Kazakh length */
    neg("IBAN \xD0\x9A"
        "745 8560 3002 1587 412",
        "\xD0\x9A"
        "745 8560 3002 1587 412",
        1);
    /* ... and not on a page that was not OCRed */
    neg("IBAN \xD0\x9A"
        "7199650340021876543",
        "\xD0\x9A"
        "7199650340021876543",
        0);
    /* two digits for the country code: a plain number, not an IBAN */
    neg("\xD0\xBA\xD0\xBE\xD0\xB4 77199650340021876543", "77199650340021876543", 1);
    /* 9 digits starting with 10, no passport word */
    neg("\xD0\xB7\xD0\xB0\xD0\xBA\xD0\xB0\xD0\xB7 \xE2\x84\x96 105837216", "105837216", 1);
    /* 1D + 7 digits not right after the passport word, or not on an OCR page */
    neg("\xD0\xBF\xD0\xB0\xD1\x81\xD0\xBF\xD0\xBE\xD1\x80\xD1\x82 "
        "\xD0\xB2\xD1\x8B\xD0\xB4\xD0\xB0\xD0\xBD \xD1\x80\xD0\xB0\xD0\xBD\xD0\xB5\xD0\xB5, "
        "\xD0\xBA\xD0\xBE\xD0\xB4 1D5837216",
        "1D5837216", 1);
    neg("\xD0\xBF\xD0\xB0\xD1\x81\xD0\xBF\xD0\xBE\xD1\x80\xD1\x82 Ne 1D5837216", "1D5837216", 0);
    /* look-alike digits with no passport word */
    neg("\xD0\xBA\xD0\xBE\xD0\xB4 \xD0\x90\xD0\xA1\xD0\x9E\xD0\x97"
        "72418",
        "\xD0\x90\xD0\xA1\xD0\x9E\xD0\x97"
        "72418",
        1);
    /* a passport word, then a word of capitals, not a number */
    neg("passport AB SOBOLEV", "AB SOBOLEV", 1);
    test_offsets();
    test_hostile();
    dp_scanner_destroy(S);
    dp_engine_destroy(E);
    return test_done();
}
