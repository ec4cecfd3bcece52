/*
 * Unit tests of plugins/extract_text/encoding.c: detection and conversion.
 * argv[1] is tests/fixtures (for encodings/sentences.txt).
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "test.h"

static struct et_tables T;
static int size_mismatch; /* et_convert_size not exact (8-bit) or too small */

static struct et_options defaults(void)
{
    struct et_options o = {.allowed = ET_ALL_8BIT, .fallback = ET_ENC_NONE, .prior_bits = 3.0};
    return o;
}

/* Detect and convert; returns malloc'd NUL-terminated UTF-8 or NULL. */
static char *decode(const unsigned char *b, size_t len, const struct et_options *o,
                    struct et_result *r)
{
    et_detect(&T, NULL, b, len, 0, o, r);
    if (r->reason != ET_OK)
        return NULL;
    size_t size = et_convert_size(&T, r->enc, b + r->skip, len - r->skip);
    char *out = malloc(size + 1);
    size_t n = et_convert(&T, r->enc, b + r->skip, len - r->skip, out, NULL);
    if (n == (size_t)-1) {
        free(out);
        return NULL;
    }
    if (n >= size || (r->enc >= ET_ENC_FIRST_8BIT && n + 1 != size))
        size_mismatch++;
    out[n] = '\0';
    return out;
}

/* Check detection of \p b as \p want (and its text as \p text when given). */
static void expect(const char *name, const void *b, size_t len, int want, const char *text)
{
    struct et_options o = defaults();
    struct et_result r;
    char *got = decode(b, len, &o, &r);
    TEST_EQ_STR(et_enc_name(r.enc), et_enc_name(want), "%s: encoding", name);
    if (text)
        TEST_EQ_STR(got, text, "%s: text", name);
    free(got);
}

static void expect_refused(const char *name, const void *b, size_t len, int reason)
{
    struct et_options o = defaults();
    struct et_result r;
    et_detect(&T, NULL, b, len, 0, &o, &r);
    TEST_EQ_INT(r.reason, reason, "%s: refused (%s)", name, et_reason_text(reason));
    TEST_EQ_INT(r.confidence, 0, "%s: probe confidence 0", name);
}

/* UTF-8 -> \p enc with iconv; NULL when the text does not fit the encoding. */
static unsigned char *encode(const char *utf8, int enc, size_t *outlen)
{
    iconv_t cd = iconv_open(et_iconv_name(enc), "UTF-8");
    if (cd == (iconv_t)-1)
        return NULL;
    size_t il = strlen(utf8), cap = il * 2 + 4, ol = cap;
    unsigned char *out = malloc(cap);
    char *ip = (char *)utf8, *op = (char *)out;
    size_t rc = iconv(cd, &ip, &il, &op, &ol);
    iconv_close(cd);
    if (rc == (size_t)-1 || il != 0) {
        free(out);
        return NULL;
    }
    *outlen = cap - ol;
    return out;
}

static void test_tables(void)
{
    char msg[128] = "";
    TEST_EQ_INT(et_tables_init(&T, msg, sizeof msg), 0, "tables from iconv %s", msg);
    TEST_EQ_INT(T.cp[ET_ENC_CP1251 - ET_ENC_FIRST_8BIT][0xC0], 0x0410, "cp1251 C0 = А");
    TEST_EQ_INT(T.cp[ET_ENC_KZ1048 - ET_ENC_FIRST_8BIT][0xBC], 0x04D9, "kz-1048 BC = ә");
    TEST_EQ_INT(T.cp[ET_ENC_PT154 - ET_ENC_FIRST_8BIT][0xBA], 0x04D9, "ptcp154 BA = ә");
    TEST_EQ_INT(T.cp[ET_ENC_KOI8R - ET_ENC_FIRST_8BIT][0xC1], 0x0430, "koi8-r C1 = а");
    TEST_EQ_INT(T.cp[ET_ENC_CP866 - ET_ENC_FIRST_8BIT][0x80], 0x0410, "ibm866 80 = А");
    TEST_EQ_INT(T.cp[ET_ENC_MACCYR - ET_ENC_FIRST_8BIT][0xDF], 0x044F, "x-mac-cyrillic DF = я");
    TEST_EQ_INT(T.cp[ET_ENC_ISO8859_5 - ET_ENC_FIRST_8BIT][0xB0], 0x0410, "iso-8859-5 B0 = А");
    TEST_EQ_INT(T.cp[ET_ENC_CP1251 - ET_ENC_FIRST_8BIT][0x98], ET_CP_INVALID,
                "cp1251 98 undefined");
    TEST_EQ_INT(T.cp[ET_ENC_ISO8859_5 - ET_ENC_FIRST_8BIT][0x85], ET_CP_INVALID,
                "iso-8859-5 C1 control refused");
}

static void test_names(void)
{
    TEST_EQ_INT(et_enc_from_name("CP1251"), ET_ENC_CP1251, "alias cp1251");
    TEST_EQ_INT(et_enc_from_name("rk1048"), ET_ENC_KZ1048, "alias rk1048");
    TEST_EQ_INT(et_enc_from_name("PT154"), ET_ENC_PT154, "alias pt154");
    TEST_EQ_INT(et_enc_from_name("mac-cyrillic"), ET_ENC_MACCYR, "alias mac-cyrillic");
    TEST_EQ_INT(et_enc_from_name("ebcdic"), ET_ENC_NONE, "unknown name");
    for (int e = 0; e < ET_ENC_COUNT; e++)
        TEST_EQ_INT(et_enc_from_name(et_enc_name(e)), e, "round trip %s", et_enc_name(e));
}

static void test_unicode(void)
{
    const char *ru = "Протокол допроса потерпевшей. Ёлка, ъ, №5 «кавычки» — тире.";
    expect("ascii", "Plain ASCII text.\n", 18, ET_ENC_UTF8, "Plain ASCII text.\n");
    expect("utf-8", ru, strlen(ru), ET_ENC_UTF8, ru);
    expect("tabs and form feed", "a\tb\r\nc\fd", 8, ET_ENC_UTF8, "a\tb\r\nc\fd");

    unsigned char bom[128] = {0xEF, 0xBB, 0xBF};
    memcpy(bom + 3, ru, strlen(ru));
    struct et_options o = defaults();
    struct et_result r;
    char *got = decode(bom, strlen(ru) + 3, &o, &r);
    TEST_EQ_INT(r.skip, 3, "utf-8 BOM skipped");
    TEST_EQ_STR(got, ru, "utf-8 BOM: text is the rest of the file");
    free(got);

    /* UTF-16 both orders, with a supplementary-plane character (U+1F600). */
    const char *u = "Қазақ тілі 😀";
    for (int be = 0; be <= 1; be++) {
        unsigned char buf[64];
        size_t n = 0;
        iconv_t cd = iconv_open(be ? "UTF-16BE" : "UTF-16LE", "UTF-8");
        char *ip = (char *)u, *op = (char *)buf + 2;
        size_t il = strlen(u), ol = sizeof buf - 2;
        iconv(cd, &ip, &il, &op, &ol);
        iconv_close(cd);
        n = sizeof buf - ol;
        buf[0] = be ? 0xFE : 0xFF;
        buf[1] = be ? 0xFF : 0xFE;
        expect(be ? "utf-16be" : "utf-16le", buf, n, be ? ET_ENC_UTF16BE : ET_ENC_UTF16LE, u);
        expect_refused(be ? "utf-16be truncated (odd length)" : "utf-16le truncated (odd length)",
                       buf, n - 1, ET_R_UTF16_ODD);
        /* cut between the two halves of the surrogate pair */
        expect_refused(be ? "utf-16be cut inside a pair" : "utf-16le cut inside a pair", buf, n - 2,
                       ET_R_UTF16_SURROGATE);
        et_detect(&T, NULL, buf, n - 1, 1, &o, &r);
        TEST_EQ_INT(r.reason, ET_OK, "utf-16 prefix cut mid-unit is fine for the probe");
    }
    static const unsigned char lone_lo[] = {0xFF, 0xFE, 'a', 0, 0x00, 0xDC, 'b', 0};
    expect_refused("utf-16 lone low surrogate", lone_lo, sizeof lone_lo, ET_R_UTF16_SURROGATE);
    static const unsigned char hi_then_a[] = {0xFF, 0xFE, 0x00, 0xD8, 'a', 0};
    expect_refused("utf-16 high surrogate then a letter", hi_then_a, sizeof hi_then_a,
                   ET_R_UTF16_SURROGATE);
    static const unsigned char nul16[] = {0xFF, 0xFE, 'a', 0, 0, 0, 'b', 0};
    expect_refused("utf-16 with U+0000 after the first unit", nul16, sizeof nul16, ET_R_CONTROL);
    static const unsigned char u32[] = {0xFF, 0xFE, 0, 0, 'a', 0, 0, 0};
    expect_refused("utf-32 BOM", u32, sizeof u32, ET_R_UTF32);
}

static void test_invalid(void)
{
    /* UTF-8 with one byte of a Cyrillic letter lost: mojibake must not pass as cp1251. */
    const char *ru = "Потерпевшая пояснила, что в марте её пригласили на работу.";
    size_t n = strlen(ru);
    unsigned char *cut = malloc(n);
    memcpy(cut, ru, 10);
    memcpy(cut + 10, ru + 11, n - 11);
    expect_refused("utf-8 with a lost byte", cut, n - 1, ET_R_UTF8_INVALID);
    free(cut);

    /* Strict UTF-8 (as 8-bit text these few bytes may still be readable). */
    static const struct {
        const char *b;
        size_t bad;
    } inv[] = {
        {"abc \xC0\xAF def", 4},   /* overlong '/' */
        {"x \xED\xA0\x80 y", 2},   /* encoded surrogate */
        {"x \xF4\x90\x80\x80", 2}, /* above U+10FFFF */
        {"x \xE0\x80\xAF", 2},     /* overlong 3-byte */
        {"ok \xD0", 3},            /* cut at the end */
        {"x \xBF y", 2},           /* lone continuation byte */
    };
    for (size_t i = 0; i < sizeof inv / sizeof inv[0]; i++) {
        size_t at = 99, mb;
        int ctrl;
        int ok =
            et_utf8_check((const unsigned char *)inv[i].b, strlen(inv[i].b), 0, &at, &ctrl, &mb);
        TEST_OK(!ok && at == inv[i].bad && !ctrl, "strict UTF-8 rejects case %zu at %zu", i, at);
    }
    {
        size_t at, mb;
        int ctrl;
        TEST_OK(et_utf8_check((const unsigned char *)"ok \xD0", 4, 1, &at, &ctrl, &mb),
                "a cut character is fine in a truncated prefix");
    }
    static const unsigned char bomjunk[] = "\xEF\xBB\xBFok \xFF";
    expect_refused("utf-8 BOM then invalid", bomjunk, sizeof bomjunk - 1, ET_R_UTF8_BOM);
    static const unsigned char nul[] = "text with a \0 NUL";
    expect_refused("NUL in text", nul, sizeof nul - 1, ET_R_CONTROL);
    static const unsigned char esc[] = "colour \x1b[31m red";
    expect_refused("ESC in text", esc, sizeof esc - 1, ET_R_CONTROL);
    static const unsigned char c1[] = "next line \xC2\x85 here";
    expect_refused("C1 control in utf-8", c1, sizeof c1 - 1, ET_R_CONTROL);
    static const unsigned char del[] = "del \x7f here";
    expect_refused("DEL", del, sizeof del - 1, ET_R_CONTROL);
    static const unsigned char nul8[] = "\xcf\xf0\xee\xf2\xee\xea\xee\xeb \0";
    expect_refused("NUL in cp1251 text", nul8, sizeof nul8 - 1, ET_R_CONTROL);

    /* Real binary headers. */
    static const unsigned char png[] = {0x89, 'P', 'N', 'G',  0x0D, 0x0A, 0x1A, 0x0A,
                                        0,    0,   0,   0x0D, 'I',  'H',  'D',  'R'};
    static const unsigned char zip[] = {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0, 'a', 'b'};
    static const unsigned char elf[] = {0x7F, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static const unsigned char jpg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0};
    static const unsigned char gz[] = {0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3};
    static const unsigned char pdf[] = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<</Length 9/Filter"
                                       "/FlateDecode>>stream\nx\x9c\x03\x00\x00\x00\x00\x01";
    expect_refused("PNG", png, sizeof png, ET_R_CONTROL);
    expect_refused("ZIP", zip, sizeof zip, ET_R_CONTROL);
    expect_refused("ELF", elf, sizeof elf, ET_R_CONTROL);
    expect_refused("JPEG", jpg, sizeof jpg, ET_R_CONTROL);
    expect_refused("gzip", gz, sizeof gz, ET_R_CONTROL);
    expect_refused("PDF with a stream", pdf, sizeof pdf - 1, ET_R_CONTROL);

    /* Random bytes without any control byte: no encoding makes text of them. */
    uint32_t x = 12345;
    int refused = 0, total = 0;
    for (int round = 0; round < 50; round++) {
        unsigned char buf[300];
        for (size_t i = 0; i < sizeof buf; i++) {
            x = x * 1103515245u + 12345u;
            unsigned v = (x >> 16) & 0xFF;
            buf[i] = round % 2 ? (unsigned char)(0x80 | v) : (unsigned char)(v < 0x20 ? ' ' : v);
            if (buf[i] == 0x7F)
                buf[i] = ' ';
        }
        struct et_options o = defaults();
        struct et_result r;
        et_detect(&T, NULL, buf, sizeof buf, 0, &o, &r);
        total++;
        refused += r.reason != ET_OK;
        if (r.reason == ET_OK)
            TEST_NOTE("random round %d taken as %s (%u/%u implausible)", round, et_enc_name(r.enc),
                      r.implausible, r.scored);
    }
    TEST_EQ_INT(refused, total, "random bytes without controls refused (%d/%d)", refused, total);

    /* ...unless a fallback is configured: then it is used, and said so. */
    unsigned char rnd[64];
    for (size_t i = 0; i < sizeof rnd; i++) {
        x = x * 1103515245u + 12345u;
        rnd[i] = (unsigned char)(0xC0 | ((x >> 16) & 0x3F));
        if (i % 3 == 0)
            rnd[i] = 0x84; /* „ everywhere: no candidate reads that as prose */
    }
    struct et_options o = defaults();
    struct et_result r;
    et_detect(&T, NULL, rnd, sizeof rnd, 0, &o, &r);
    TEST_EQ_INT(r.reason, ET_R_NOT_TEXT, "implausible 8-bit refused without fallback");
    o.fallback = ET_ENC_CP1251;
    et_detect(&T, NULL, rnd, sizeof rnd, 0, &o, &r);
    TEST_OK(r.reason == ET_OK && r.enc == ET_ENC_CP1251 && r.used_fallback,
            "fallback_encoding used when nothing fits");
    TEST_OK(r.confidence < 50, "fallback gives a low probe confidence");
}

static void test_escapes(void)
{
    static const char *const bad[] = {
        "{\\rtf1\\ansi\\ansicpg1251 \\'cf\\'f0\\'ee}",
        "  <!DOCTYPE html><html><body>x</body></html>",
        "<HTML><body>x</body></HTML>",
        "Name: &#1048;&#1074;&#1072;&#1085;",
        "Name: &#x418;&#x432;",
        "{\"name\": \"\\u0418\\u0432\\u0430\\u043d\"}",
        "Subject: =D0=98=D0=B2=D0=B0=D0=BD",
        "fragment \\'c8\\'e2\\'e0\\'ed",
        /* A MIME body part: base64 of a statement (two 76-character lines). */
        "Content-Transfer-Encoding: base64\n\n"
        "0J/QvtGC0LXRgNC/0LXQstGI0LDRjyDQmNCy0LDQvdC+0LLQsCDQnNCw0YDQuNGPLCDRgtC10LvQ\n"
        "tdGE0L7QvTogKzcgNzAxIDIzNCA1NiA3OC4g0J/QvtGC0LXRgNC/0LXQstGI0LDRjyDQmNCy0LDQ\n",
        /* One long data: URI. */
        "see data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
        "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42m"
        "NkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggiVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR"
        "42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_refused("escapes hide letters", bad[i], strlen(bad[i]), ET_R_ESCAPED);
    static const char *const fine[] = {
        "A=B and C=D; x = 5; see §3.",
        "Tom & Jerry; AT&T; #1 on the list.",
        "C:\\users\\data\\file.txt and \\n in code",
        "Price =100 =EUR",
        "<p>a paragraph that just starts with a tag</p>",
        /* A SHA-256 in a report is hex (no upper case): not base64. */
        "Hash of the seized phone image: "
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 "
        "and 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.",
    };
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++)
        expect("escape look-alikes are text", fine[i], strlen(fine[i]), ET_ENC_UTF8, fine[i]);
}

static void test_probe(void)
{
    static const char *const hpgl_like[] = {
        "SP Ivanova reported to the police on 3 May that her employer kept her passport.\n"
        "The statement was taken by an officer of the migration service.\n",
        "PA 2023/117. STATEMENT OF THE WITNESS\nI came to the city in March to work in a "
        "restaurant.\n",
        "SP1;PA0,0;PD100,0;", /* real HP-GL is text too: low but readable */
    };
    struct et_options o = defaults();
    struct et_result r;
    for (size_t i = 0; i < 2; i++) {
        et_detect(&T, NULL, (const unsigned char *)hpgl_like[i], strlen(hpgl_like[i]), 0, &o, &r);
        TEST_OK(r.reason == ET_OK && r.confidence >= 80, "probe: HP-GL look-alike prose %zu -> %d",
                i, r.confidence);
    }
    et_detect(&T, NULL, (const unsigned char *)hpgl_like[2], strlen(hpgl_like[2]), 0, &o, &r);
    TEST_OK(r.reason == ET_OK && r.confidence >= 50 && r.confidence < 80,
            "probe: real HP-GL commands readable, less sure (%d)", r.confidence);
    /* A prefix cut inside a UTF-8 character is fine when truncated. */
    const char *ru = "Протокол";
    et_detect(&T, NULL, (const unsigned char *)ru, 5, 1, &o, &r);
    TEST_EQ_INT(r.reason, ET_OK, "truncated prefix cut inside a character");
    et_detect(&T, NULL, (const unsigned char *)ru, 5, 0, &o, &r);
    TEST_OK(r.reason != ET_OK || r.enc != ET_ENC_UTF8, "whole file cut inside a character");
}

/* CP866 with DOS box drawing around a heading. */
static void test_cp866_box(void)
{
    const char *t = "╔════════════════════╗\r\n║ ПРОТОКОЛ ОСМОТРА   ║\r\n"
                    "╚════════════════════╝\r\nОсмотр проводился в присутствии понятых.\r\n";
    size_t n;
    unsigned char *b = encode(t, ET_ENC_CP866, &n);
    TEST_OK(b != NULL, "cp866 box sample encodes");
    if (b)
        expect("cp866 with box drawing", b, n, ET_ENC_CP866, t);
    free(b);
}

/* Every sentence in every encoding that can hold it; with and without uchardet. */
static void test_sentences(const char *fixtures)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/encodings/sentences.txt", fixtures);
    FILE *f = fopen(path, "r");
    TEST_OK(f != NULL, "open encodings/sentences.txt");
    if (!f)
        return;
    char line[4096];
    int cases = 0, text_ok = 0, label_ok = 0, text_ok_noud = 0, label_ok_noud = 0;
    int ud_right = 0, ud_asked = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        line[strcspn(line, "\n")] = '\0';
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        const char *lang = line, *text = tab + 1;
        for (int enc = ET_ENC_FIRST_8BIT; enc < ET_ENC_COUNT; enc++) {
            size_t n;
            unsigned char *b = encode(text, enc, &n);
            if (!b)
                continue;
            /* Which labels are right: encodings that give the same text from these bytes. */
            uint32_t same = 0;
            for (int e2 = ET_ENC_FIRST_8BIT; e2 < ET_ENC_COUNT; e2++) {
                char *d = malloc(n * 3 + 1);
                size_t m = et_convert(&T, e2, b, n, d, NULL);
                if (m != (size_t)-1 && m == strlen(text) && memcmp(d, text, m) == 0)
                    same |= 1u << e2;
                free(d);
            }
            for (int pass = 0; pass < 2; pass++) {
                struct et_options o = defaults();
                struct et_result r;
                if (pass == 1)
                    o.prior_bits = 0;
                char *got = decode(b, n, &o, &r);
                int tok = got && strcmp(got, text) == 0;
                int lok = r.enc == enc;
                if (pass == 0) {
                    cases++;
                    text_ok += tok;
                    label_ok += lok;
                    if (r.ud_enc != ET_ENC_NONE || 1) {
                        ud_asked++;
                        ud_right += r.ud_enc >= 0 && (same >> r.ud_enc & 1);
                    }
                    TEST_OK(
                        tok,
                        "%s in %s: text right (got %s, profile %s, margin %.1f, vowels %.2f, %u/%u "
                        "implausible, uchardet %s)",
                        lang, et_enc_name(enc), et_enc_name(r.enc), et_profile_name(r.profile),
                        r.vowels, r.margin, r.implausible, r.scored, et_enc_name(r.ud_enc));
                    /* A label is right if it names an encoding giving the same text;
                     * cp1251 bytes of Russian are also valid kz-1048, and must say cp1251. */
                    TEST_OK(r.enc >= 0 && (same >> r.enc & 1) &&
                                !(same >> ET_ENC_CP1251 & 1 && r.enc != ET_ENC_CP1251 &&
                                  enc != ET_ENC_CP1252),
                            "%s in %s: label %s", lang, et_enc_name(enc), et_enc_name(r.enc));
                } else {
                    text_ok_noud += tok;
                    label_ok_noud += lok;
                }
                free(got);
            }
            free(b);
        }
    }
    fclose(f);
    TEST_NOTE("sentences: %d cases; with uchardet prior: text %d, exact label %d; "
              "scorer alone: text %d, exact label %d; uchardet alone right on %d/%d",
              cases, text_ok, label_ok, text_ok_noud, label_ok_noud, ud_right, ud_asked);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(n > 0 ? (size_t)n + 1 : 1);
    *len = fread(b, 1, (size_t)n, f);
    b[*len] = '\0';
    fclose(f);
    return b;
}

/* encodings/<lang>.<tag>.txt, written by make_fixtures.py with Python's codecs:
 * a cross-check of the iconv tables as well as of detection. */
static void test_fixture_files(const char *fixtures)
{
    static const char *const files[] = {
        "ru.cp1251",     "ru.koi8-r",   "ru.cp866",    "ru.mac-cyrillic",
        "ru.iso-8859-5", "ru.utf-16le", "ru.utf-16be", "ru.utf-8-bom",
        "kk.rk1048",     "kk.pt154",    "kk.utf-16le", "ky.rk1048",
        "ky.pt154",      "uk.cp1251",   "uk.koi8-u",   "en.cp1252",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4096], lang[8], tag[32];
        size_t len, wlen;
        sscanf(files[i], "%7[^.].%31s", lang, tag);
        snprintf(path, sizeof path, "%s/encodings/%s.txt", fixtures, files[i]);
        unsigned char *b = slurp(path, &len);
        snprintf(path, sizeof path, "%s/encodings/%s.txt", fixtures, lang);
        unsigned char *want = slurp(path, &wlen);
        TEST_OK(b && want, "read encodings/%s.txt", files[i]);
        if (b && want) {
            int enc = strcmp(tag, "utf-8-bom") == 0 ? ET_ENC_UTF8 : et_enc_from_name(tag);
            expect(files[i], b, len, enc, (const char *)want);
        }
        free(b);
        free(want);
    }
}

/* The brief's explicit pairs. */
static void test_kazakh_vs_cp1251(void)
{
    const char *ru = "Заявление потерпевшей принято дежурным следователем. Она просит "
                     "привлечь к ответственности работодателя.";
    const char *kk = "Жәбірленушінің арызын кезекші тергеуші қабылдады. Ол жұмыс берушіні "
                     "жауапкершілікке тартуды сұрайды.";
    size_t n;
    unsigned char *b = encode(ru, ET_ENC_CP1251, &n);
    expect("Russian cp1251 is windows-1251, not kz-1048", b, n, ET_ENC_CP1251, ru);
    free(b);
    b = encode(kk, ET_ENC_KZ1048, &n);
    expect("Kazakh RK1048", b, n, ET_ENC_KZ1048, kk);
    free(b);
    b = encode(kk, ET_ENC_PT154, &n);
    expect("Kazakh PT154", b, n, ET_ENC_PT154, kk);
    free(b);
    TEST_OK(encode(kk, ET_ENC_CP1251, &n) == NULL, "Kazakh does not fit cp1251 (sanity)");

    /* Only what is allowed is tried: cp1251 bytes with only KOI8-R allowed are refused. */
    b = encode(ru, ET_ENC_CP1251, &n);
    struct et_options o = defaults();
    struct et_result r;
    o.allowed = 1u << ET_ENC_KOI8R;
    et_detect(&T, NULL, b, n, 0, &o, &r);
    TEST_EQ_INT(r.reason, ET_R_NOT_TEXT, "cp1251 text with only koi8-r allowed is refused");
    free(b);

    /* Invalid byte for the chosen encoding at conversion time. */
    static const unsigned char b98[] = {0xCF, 0x98};
    char out[16];
    size_t bad = 0;
    TEST_EQ_INT(et_convert(&T, ET_ENC_CP1251, b98, 2, out, &bad), (size_t)-1,
                "cp1251 0x98 does not convert");
    TEST_EQ_INT(bad, 1, "offset of the bad byte");
}

int main(int argc, char **argv)
{
    const char *fixtures = argc > 1 ? argv[1] : "tests/fixtures";
    test_tables();
    test_names();
    test_unicode();
    test_invalid();
    test_escapes();
    test_probe();
    test_cp866_box();
    test_kazakh_vs_cp1251();
    test_fixture_files(fixtures);
    test_sentences(fixtures);
    TEST_EQ_INT(size_mismatch, 0, "et_convert_size exact for 8-bit, enough for the rest");
    return test_done();
}
