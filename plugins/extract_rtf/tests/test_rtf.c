/*
 * extract_rtf: the reader's corners and the plugin through its descriptor.
 *
 * Fixtures are RTF written here: Russian in windows-1251 \'xx escapes,
 * Kazakh in \uN (with \uc1, \uc0 and \uc2 fallbacks), with invented names,
 * phones, e-mails and IINs planted in the body, the \info fields, hidden
 * text, footnotes, annotations, tables and field instructions. Every planted
 * value must come out as plain UTF-8 (so the detectors see it), and nothing
 * of the dropped parts (font names, colour table, picture data).
 */
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intake/intake.h>

#include "extract_host.h"
#include "rtf_parse.h"
#include "test.h"

int intake_plugin_entry_extract_rtf(const struct intake_host *host,
                                    const struct intake_plugin **out);

struct cfg {
    int64_t max_bytes, max_depth, max_text;
    int32_t info, notes;
};

/* A growable string for building fixtures. */
struct sb {
    char *p;
    size_t len, cap;
};

static void sb_add(struct sb *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_s(struct sb *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* UTF-8 text as windows-1251 \'xx escapes (ASCII stays as it is). */
static void sb_cp1251(struct sb *b, const char *utf8)
{
    iconv_t cd = iconv_open("CP1251", "UTF-8");
    char out[4096], *in = (char *)utf8, *o = out;
    size_t il = strlen(utf8), ol = sizeof out;
    if (iconv(cd, &in, &il, &o, &ol) == (size_t)-1)
        abort(); /* fixture text must be in cp1251 */
    iconv_close(cd);
    for (char *q = out; q < o; q++) {
        unsigned char c = (unsigned char)*q;
        char e[8];
        if (c >= 0x80) {
            snprintf(e, sizeof e, "\\'%02x", c);
            sb_s(b, e);
        } else {
            sb_add(b, (char *)&c, 1);
        }
    }
}

/* UTF-8 text as \uN escapes, each followed by \p fallback (e.g. "?", "",
 * "\\'3f\\'3f"); ASCII stays as it is. Values over 32767 are negative. */
static void sb_uN(struct sb *b, const char *utf8, const char *fallback)
{
    const unsigned char *s = (const unsigned char *)utf8;
    while (*s) {
        unsigned c = *s, n = 0;
        if (c < 0x80) {
            sb_add(b, (const char *)s, 1);
            s++;
            continue;
        }
        if ((c >> 5) == 6) {
            c &= 0x1F;
            n = 1;
        } else if ((c >> 4) == 14) {
            c &= 0x0F;
            n = 2;
        } else {
            c &= 0x07;
            n = 3;
        }
        s++;
        while (n--)
            c = (c << 6) | (*s++ & 0x3F);
        char e[40];
        if (!*fallback) /* \uc0: a space ends the number, so a following space is text */
            fallback = " ";
        if (c >= 0x10000) {
            unsigned v = c - 0x10000, hi = 0xD800 + (v >> 10), lo = 0xDC00 + (v & 0x3FF);
            snprintf(e, sizeof e, "\\u%d%s\\u%d%s", (int)hi - 65536, fallback, (int)lo - 65536,
                     fallback);
        } else {
            snprintf(e, sizeof e, "\\u%d%s", c > 32767 ? (int)c - 65536 : (int)c, fallback);
        }
        sb_s(b, e);
    }
}

static const struct intake_plugin *P;

static void *instance(const struct cfg *c)
{
    void *in = NULL;
    struct intake_error err;
    intake_error_clear(&err);
    return P->cb_init(xhost(), NULL, c, &in, &err) == INTAKE_OK ? in : NULL;
}

static struct cfg defaults(void)
{
    struct cfg c = {64ll << 20, 512, 256ll << 20, 1, 1};
    return c;
}

/* Parse with the reader alone. */
static int parse(const char *rtf, struct rtf_result *r)
{
    struct rtf_limits lim = {64, 1 << 20};
    return rtf_parse((const unsigned char *)rtf, strlen(rtf), &lim, r);
}

#define HAS(hay, needle, ...)   TEST_OK((hay) && strstr((hay), (needle)) != NULL, __VA_ARGS__)
#define HASNT(hay, needle, ...) TEST_OK(!(hay) || strstr((hay), (needle)) == NULL, __VA_ARGS__)

/* The Russian document in windows-1251: every corner. */
static char *russian_doc(void)
{
    struct sb b = {0};
    sb_s(&b, "{\\rtf1\\ansi\\ansicpg1251\\deff0\\deflang1049\n"
             "{\\fonttbl{\\f0\\froman\\fcharset204\\fprq2 Times New Roman;}"
             "{\\f1\\fswiss\\fcharset204 ");
    sb_cp1251(&b, "ШрифтЛадога"); /* a font name: must not reach the text */
    sb_s(&b, ";}}\n{\\colortbl;\\red255\\green0\\blue0;}\n"
             "{\\stylesheet{\\s0 Normal;}{\\s1 heading 1;}}\n"
             "{\\info{\\title ");
    sb_cp1251(&b, "Протокол по делу Востриковой");
    sb_s(&b, "}{\\author ");
    sb_cp1251(&b, "Пестерева Злата Игоревна");
    sb_s(&b, "}{\\operator ");
    sb_cp1251(&b, "Ковырялов Д.С.");
    sb_s(&b, "}{\\*\\company ");
    sb_cp1251(&b, "Отдел полиции");
    sb_s(&b, "}{\\creatim\\yr2024\\mo3\\dy14\\hr10\\min5}}\n"
             "{\\*\\generator Msftedit 5.41.21.2510;}\n"
             "\\viewkind4\\uc1\\pard\\f0\\fs24 ");
    sb_cp1251(&b, "Протокол допроса свидетеля. Свидетель Вострикова Аглая Тимуровна, "
                  "телефон +7 701 385 62 94, сообщила следующее.");
    sb_s(&b, "\\par\n");
    /* hidden text */
    sb_s(&b, "{\\v ");
    sb_cp1251(&b, "ИИН 920415305128");
    sb_s(&b, "}\\par\n");
    /* a footnote */
    sb_cp1251(&b, "Показания записаны со слов");
    sb_s(&b, "{\\super\\chftn}{\\footnote\\pard\\plain\\fs20 {\\super\\chftn} ");
    sb_cp1251(&b, "Почта свидетеля: ");
    sb_s(&b, "aglaya.vostrikova88@example.ru}.\\par\n");
    /* an annotation with its author */
    sb_s(&b, "{\\*\\atnid \\'cf\\'c7}{\\*\\atnauthor ");
    sb_cp1251(&b, "Пестерева Злата");
    sb_s(&b, "}\\chatn{\\*\\annotation\\pard\\plain ");
    sb_cp1251(&b, "Проверить номер +7 705 220 41 67");
    sb_s(&b, "}");
    sb_cp1251(&b, "Допрос окончен.");
    sb_s(&b, "\\par\n");
    /* a table */
    sb_s(&b, "\\trowd\\cellx3000\\cellx6000\\pard\\intbl ");
    sb_cp1251(&b, "ФИО");
    sb_s(&b, "\\cell ");
    sb_cp1251(&b, "Телефон");
    sb_s(&b, "\\cell\\row\\trowd\\cellx3000\\cellx6000\\pard\\intbl ");
    sb_cp1251(&b, "Лыкошина Ева");
    sb_s(&b, "\\cell +7 747 118 09 53\\cell\\row\\pard\n");
    /* a field: the instruction holds a mail address, the result is text */
    sb_s(&b, "{\\field{\\*\\fldinst HYPERLINK \"mailto:lykoshina.eva@example.kz\"}"
             "{\\fldrslt ");
    sb_cp1251(&b, "письмо");
    sb_s(&b, "}}\\par\n");
    /* a header */
    sb_s(&b, "{\\header\\pard\\plain ");
    sb_cp1251(&b, "Следователь Шубин Р.А.");
    sb_s(&b, "\\par}\n");
    /* a picture (dropped) and an unknown optional destination (skipped) */
    sb_s(&b, "{\\pict\\pngblip\\picw10\\pich10 89504e470d0a1a0a0000000d4948445200}\n"
             "{\\*\\zzfuture secretword}\n"
             "{\\*\\bkmkstart bookmarkname}"
             "\\'c1\\'e5\\'e7 \\'f1\\'eb\\'ee\\'e2\\'e0\\par\n"
             "{\\bin4 \\}{\\}Tail\\tab end\\line\\emdash\\~x\\par\n"
             "}\n");
    return b.p;
}

static void test_russian(void)
{
    struct rtf_result r;
    char *doc = russian_doc();
    int rc = parse(doc, &r);
    TEST_EQ_INT(rc, RTF_OK, "Russian cp1251 RTF parses (%s)", r.why);
    TEST_EQ_INT(r.codepage, 1251, "\\ansicpg1251");
    HAS(r.body.p,
        "Протокол допроса свидетеля. Свидетель Вострикова Аглая Тимуровна, "
        "телефон +7 701 385 62 94, сообщила следующее.\n",
        "body text decoded from \\'xx");
    HAS(r.body.p, "ИИН 920415305128", "hidden text (\\v) included");
    HAS(r.body.p, "Показания записаны со слов.\n", "footnote not in the sentence");
    HAS(r.body.p, "Допрос окончен.", "text after the annotation");
    HAS(r.body.p, "ФИО\tТелефон\t\nЛыкошина Ева\t+7 747 118 09 53\t\n", "table as tabs and rows");
    HAS(r.body.p, "письмо", "field result");
    HAS(r.body.p, "Без слова", "\\'xx with a space after");
    HAS(r.body.p, "Tail\tend\n\u2014 x", "\\tab \\line \\emdash \\~");
    HASNT(r.body.p, "ШрифтЛадога", "font name dropped");
    HASNT(r.body.p, "Normal", "stylesheet dropped");
    HASNT(r.body.p, "89504e47", "picture data dropped");
    HASNT(r.body.p, "secretword", "unknown \\*\\ destination skipped");
    HASNT(r.body.p, "bookmarkname", "bookmark name skipped");
    HASNT(r.body.p, "Msftedit", "generator skipped");
    HASNT(r.body.p, "\\}", "\\bin bytes skipped");
    TEST_EQ_INT(r.pictures, 1, "one picture counted");

    HAS(r.notes.p, "Почта свидетеля: aglaya.vostrikova88@example.ru", "footnote in the notes");
    HAS(r.notes.p, "ПЗ", "annotation initials in the notes");
    HAS(r.notes.p, "Пестерева Злата", "annotation author in the notes");
    HAS(r.notes.p, "Проверить номер +7 705 220 41 67", "annotation text in the notes");
    HAS(r.notes.p, "Следователь Шубин Р.А.", "header in the notes");
    HASNT(r.body.p, "aglaya", "footnote not in the body");

    HAS(r.info.p, "Title: Протокол по делу Востриковой", "\\title in the info");
    HAS(r.info.p, "Author: Пестерева Злата Игоревна", "\\author in the info");
    HAS(r.info.p, "Operator: Ковырялов Д.С.", "\\operator in the info");
    HAS(r.info.p, "Company: Отдел полиции", "\\*\\company in the info");
    HAS(r.info.p, "mailto:lykoshina.eva@example.kz", "field instruction in the info");
    HASNT(r.info.p, "2024", "creation time has no text");
    rtf_result_clear(&r);
    free(doc);
}

/* The Kazakh document in \uN with \uc1, \uc0 and \uc2 fallbacks. */
static char *kazakh_doc(void)
{
    struct sb b = {0};
    sb_s(&b, "{\\rtf1\\ansi\\ansicpg1251\\deff0{\\fonttbl{\\f0\\fnil\\fcharset204 Arial;}}\n"
             "{\\info{\\author ");
    sb_uN(&b, "Жұмабекова Ақбөпе", "?");
    sb_s(&b, "}}\n\\uc1\\pard ");
    sb_uN(&b,
          "Куәгер Сәулебекова Ақбота Нұржанқызы, ЖСН 871126401835, телефоны "
          "+7 775 906 31 48.",
          "?");
    sb_s(&b, "\\par\n{\\uc0 ");
    sb_uN(&b, "Жәбірленуші Қуанышбаева Гүлнұр", "");
    sb_s(&b, "}\\par\n{\\uc2 ");
    sb_uN(&b, "Мекенжайы көрсетілмеген", "\\'3f\\'3f");
    sb_s(&b, "}\\par\n{\\v ");
    sb_uN(&b, "Жасырын: ЖСН 010307502743", "?");
    sb_s(&b, "}\\par\n");
    /* \uc1 with a fallback that is a cp1251 \'xx: the fallback is skipped */
    sb_s(&b, "\\u1179\\'ea\\u1201\\'f3\\u1199\\'f3 ");
    /* a character outside the BMP as a surrogate pair */
    sb_uN(&b, "\xF0\x9F\x93\x8E", "?");
    sb_s(&b, "\\par\n}");
    return b.p;
}

static void test_kazakh(void)
{
    struct rtf_result r;
    char *doc = kazakh_doc();
    int rc = parse(doc, &r);
    TEST_EQ_INT(rc, RTF_OK, "Kazakh \\uN RTF parses (%s)", r.why);
    HAS(r.body.p,
        "Куәгер Сәулебекова Ақбота Нұржанқызы, ЖСН 871126401835, телефоны +7 775 906 31 48.\n",
        "\\uN with \\uc1: fallback skipped");
    HAS(r.body.p, "Жәбірленуші Қуанышбаева Гүлнұр\n", "\\uc0: no fallback");
    HAS(r.body.p, "Мекенжайы көрсетілмеген\n", "\\uc2: two \\'xx skipped");
    HAS(r.body.p, "Жасырын: ЖСН 010307502743", "hidden \\uN text");
    HAS(r.body.p, "құү \xF0\x9F\x93\x8E\n", "\\'xx fallback skipped, surrogate pair joined");
    HASNT(r.body.p, "?", "no fallback character leaked");
    HAS(r.info.p, "Author: Жұмабекова Ақбөпе", "\\uN in \\info");
    rtf_result_clear(&r);
    free(doc);
}

static void test_fcharset(void)
{
    struct rtf_result r;
    /* Latin document; Cyrillic font by \fcharset204 and a Kazakh one by \cpg1048 */
    const char *doc = "{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0 Arial;}{\\f1\\fcharset204 "
                      "Arial Cyr;}{\\f2\\cpg1048 KZ;}}"
                      "\\f0 caf\\'e9 {\\f1 \\'c8\\'e2\\'e0\\'ed} {\\f2 \\'be\\'bc}\\par}";
    int rc = parse(doc, &r);
    TEST_EQ_INT(rc, RTF_OK, "font code pages parse (%s)", r.why);
    HAS(r.body.p, "café Иван ңә", "\\fcharset204 and \\cpg1048 fonts decode their bytes");
    rtf_result_clear(&r);
}

static void expect_refused(const char *doc, int want, const char *why_part, const char *name)
{
    struct rtf_result r;
    struct rtf_limits lim = {16, 4096};
    int rc = rtf_parse((const unsigned char *)doc, strlen(doc), &lim, &r);
    TEST_EQ_INT(rc, want, "refused: %s", name);
    HAS(r.why, why_part, "reason for %s: %s", name, r.why);
    TEST_OK(r.body.p == NULL && r.notes.p == NULL && r.info.p == NULL, "nothing kept: %s", name);
}

static void test_malformed(void)
{
    expect_refused("{\\rtf1 Ivanova", RTF_EFORMAT, "truncated", "missing closing brace");
    expect_refused("{\\rtf1 {\\b Ivanova}", RTF_EFORMAT, "truncated", "unclosed inner group");
    expect_refused("{\\rtf1 Ivanova}}", RTF_EFORMAT, "after the end", "extra closing brace");
    expect_refused("{\\rtf1 Ivanova} more", RTF_EFORMAT, "after the end", "text after the end");
    expect_refused("{\\rtf1 \\'zz}", RTF_EFORMAT, "hex digits", "bad \\' escape");
    expect_refused("{\\rtf1 \\'c", RTF_EFORMAT, "truncated", "truncated \\' escape");
    expect_refused("{\\rtf1 text\\", RTF_EFORMAT, "truncated", "lone backslash");
    expect_refused("{\\rtf1 {\\pict\\bin999 ab}}", RTF_EFORMAT, "\\bin", "\\bin past the end");
    expect_refused("{\\rtf1\\ansicpg1251 \\'98}", RTF_EFORMAT, "code page 1251",
                   "byte with no character in cp1251");
    expect_refused("{\\rtf1\\ansicpg77777 \\'c0}", RTF_EFORMAT, "not supported",
                   "unknown code page");
    expect_refused("plain text", RTF_EFORMAT, "not RTF", "not RTF");
    expect_refused("{\\rtf1 {{{{{{{{{{{{{{{{{{{{x}}}}}}}}}}}}}}}}}}}}}", RTF_ELIMIT, "max_depth",
                   "nesting past max_depth");
    char big[6000];
    memset(big, 'a', sizeof big);
    memcpy(big, "{\\rtf1 ", 7);
    big[sizeof big - 2] = '}';
    big[sizeof big - 1] = '\0';
    expect_refused(big, RTF_ELIMIT, "max_text", "text past max_text");
    char deep[100000];
    size_t k = 0;
    k += (size_t)snprintf(deep, sizeof deep, "{\\rtf1 ");
    while (k < sizeof deep - 1)
        deep[k++] = '{';
    deep[k] = '\0';
    expect_refused(deep, RTF_ELIMIT, "max_depth", "50,000 open braces");
}

static void test_plugin(void)
{
    struct intake_host bad = *xhost();
    const struct intake_plugin *p = NULL;
    bad.abi_major = 2;
    TEST_EQ_INT(intake_plugin_entry_extract_rtf(&bad, &p), INTAKE_EABI, "entry refuses ABI 2");
    TEST_EQ_INT(intake_plugin_entry_extract_rtf(xhost(), &P), INTAKE_OK, "entry");
    TEST_EQ_STR(P->name, "extract_rtf", "name");
    TEST_EQ_INT(P->config_size, sizeof(struct cfg), "config_size matches the mirror");
    TEST_EQ_STR(P->mime_types[0], "text/rtf", "claims text/rtf");
    TEST_OK(P->cb_probe(NULL, (const unsigned char *)"{\\rtf1 x}", 9, "text/plain") >= 90,
            "probe: {\\rtf");
    TEST_EQ_INT(P->cb_probe(NULL, (const unsigned char *)"hello", 5, "text/plain"), 0,
                "probe: plain text");

    struct cfg c = defaults();
    void *in = instance(&c);
    TEST_OK(in != NULL, "init with defaults");
    char *src = russian_doc();
    struct intake_doc *d = xdoc_create(src, strlen(src), "text/rtf");
    struct intake_error err;
    int rc = xhost_run(P, in, d, &err);
    TEST_EQ_INT(rc, INTAKE_OK, "process (%s)", err.msg);
    TEST_EQ_INT(xdoc_pages(d), 3, "body, notes, info pages");
    char *p0 = xdoc_page_dup(d, 0), *p1 = xdoc_page_dup(d, 1), *p2 = xdoc_page_dup(d, 2);
    HAS(p0, "Вострикова Аглая Тимуровна", "page 1 is the body");
    HAS(p1, "aglaya.vostrikova88@example.ru", "page 2 is the notes");
    HAS(p2, "Author: Пестерева Злата Игоревна", "page 3 is the info");
    TEST_OK(p0[strlen(p0) - 1] == '\n' && p1[strlen(p1) - 1] == '\n', "pages end with a newline");
    TEST_EQ_STR(xdoc_meta(d, "codepage"), "1251", "codepage meta");
    TEST_EQ_STR(xdoc_meta(d, "dropped_pictures"), "1", "dropped pictures meta");
    TEST_EQ_STR(xdoc_meta(d, "info_page"), "3", "info page meta");
    HASNT(xhost_log(), "Вострикова", "the log holds no document text");
    free(p0);
    free(p1);
    free(p2);
    xdoc_destroy(d);
    P->cb_exit(in);

    c.info = 0;
    in = instance(&c);
    d = xdoc_create(src, strlen(src), "text/rtf");
    rc = xhost_run(P, in, d, &err);
    TEST_EQ_INT(rc, INTAKE_OK, "process with info = false");
    TEST_EQ_INT(xdoc_pages(d), 2, "info dropped: two pages");
    HASNT(xdoc_text(d), "Пестерева Злата Игоревна", "author dropped with info = false");
    xdoc_destroy(d);
    P->cb_exit(in);

    c = defaults();
    in = instance(&c);
    src[strlen(src) - 3] = '\0'; /* cut the closing brace off */
    d = xdoc_create(src, strlen(src), "text/rtf");
    rc = xhost_run(P, in, d, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "truncated document refused");
    HAS(err.msg, "truncated", "reason: %s", err.msg);
    HASNT(err.msg, "Вострикова", "reason has no content");
    TEST_EQ_INT(xdoc_pages(d), 0, "no page added");
    xdoc_destroy(d);
    d = xdoc_create("", 0, "text/rtf");
    TEST_EQ_INT(xhost_run(P, in, d, &err), INTAKE_EFORMAT, "empty file refused");
    xdoc_destroy(d);
    P->cb_exit(in);
    free(src);

    c.max_depth = 2;
    void *bad_in = NULL;
    TEST_EQ_INT(P->cb_init(xhost(), NULL, &c, &bad_in, &err), INTAKE_ECONFIG,
                "max_depth 2 refused");
    TEST_EQ_INT(xhost_live_allocs(), 0, "no host allocation left");
}

int main(void)
{
    test_russian();
    test_kazakh();
    test_fcharset();
    test_malformed();
    test_plugin();
    return test_done();
}
