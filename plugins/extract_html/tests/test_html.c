/*
 * extract_html through its descriptor: visible text in reading order,
 * scripts, styles, templates and comments dropped, alt/title/meta text
 * kept, charsets from the document, from the bytes (UTF-8) and from
 * uchardet, and refusals. The pages are written here, with invented names,
 * phones, e-mails and IINs in Russian and Kazakh.
 */
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intake/intake.h>

#include "extract_host.h"
#include "test.h"

int intake_plugin_entry_extract_html(const struct intake_host *host,
                                     const struct intake_plugin **out);

struct cfg {
    int64_t max_bytes;
    const char *default_charset;
    int32_t meta;
    const char *const *attributes;
};

static const struct intake_plugin *P;

#define HAS(hay, needle, ...)   TEST_OK((hay) && strstr((hay), (needle)) != NULL, __VA_ARGS__)
#define HASNT(hay, needle, ...) TEST_OK(!(hay) || strstr((hay), (needle)) == NULL, __VA_ARGS__)

static void *instance(const struct cfg *c)
{
    void *in = NULL;
    struct intake_error err;
    intake_error_clear(&err);
    return P->cb_init(xhost(), NULL, c, &in, &err) == INTAKE_OK ? in : NULL;
}

/* Run \p bytes through the plugin; the document (to destroy) or NULL on a
 * refusal, with the status and reason in *rc and err. */
static struct intake_doc *run(void *in, const void *bytes, size_t len, int *rc,
                              struct intake_error *err)
{
    struct intake_doc *d = xdoc_create(bytes, len, "text/html");
    *rc = xhost_run(P, in, d, err);
    if (*rc != INTAKE_OK) {
        TEST_EQ_INT(xdoc_pages(d), 0, "no page kept on a refusal");
        xdoc_destroy(d);
        return NULL;
    }
    return d;
}

static char *recode(const char *utf8, const char *to, size_t *outlen)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    size_t il = strlen(utf8), ol = il * 4 + 16;
    char *out = malloc(ol), *o = out, *in = (char *)utf8;
    if (iconv(cd, &in, &il, &o, &ol) == (size_t)-1)
        abort();
    iconv_close(cd);
    *outlen = (size_t)(o - out);
    return out;
}

static const char PAGE[] =
    "<!DOCTYPE html>\n<html lang=\"ru\"><head>\n"
    "<meta charset=\"utf-8\">\n"
    "<title>Дело № 2-117/2024: Сейткали Динара</title>\n"
    "<meta name=\"author\" content=\"Оспанова Жанель Маратқызы\">\n"
    "<meta name=\"description\" content=\"Протокол, тел. +7 702 418 33 90\">\n"
    "<meta name=\"viewport\" content=\"width=device-width\">\n"
    "<style>body { font-family: 'Приватный Шрифт'; } .x:before { content: 'стильсекрет' }</style>\n"
    "<script>var victim = 'скриптсекрет'; document.write('<p>'+victim+'</p>');</script>\n"
    "</head><body>\n"
    "<h1>Протокол допроса потерпевшей</h1>\n"
    "<p>Потерпевшая <b>Сейткали Динара Ерланқызы</b>, ЖСН 790618304550,\n   телефон "
    "+7&nbsp;701&nbsp;555&nbsp;20&nbsp;17, показала следующее.</p>\n"
    "<!-- комментарий: Черновик от Баймуханова -->\n"
    "<p>Ол &#1178;&#1072;&#1088;&#1072;&#1171;&#x430;&#x43D;&#x434;&#x44B; "
    "қаласында тұрады.<br>Новая строка после br.</p>\n"
    "<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"Фото паспорта Сейткали\">\n"
    "<a href=\"mailto:d.seitkali@example.kz\" title=\"Почта Сейткали\">написать</a>\n"
    "<table><tr><th>ФИО</th><th>Телефон</th></tr>\n"
    "<tr><td>Нұрланова Айша</td><td>+7 747 310 44 82</td></tr></table>\n"
    "<template><p>шаблонсекрет</p></template>\n"
    "<noscript>Включите JavaScript</noscript>\n"
    "<pre>строка 1\n  строка   2</pre>\n"
    "<input type=\"hidden\" value=\"скрытоеполе\"><input type=\"text\" value=\"Введено: Ж.М.\">\n"
    "<div>Конец <span>протокола</span>.</div>\n"
    "</body></html>\n";

static void test_page(void)
{
    struct cfg c = {64ll << 20, NULL, 1, NULL};
    void *in = instance(&c);
    struct intake_error err;
    int rc;
    TEST_OK(in != NULL, "init with defaults");
    struct intake_doc *d = run(in, PAGE, strlen(PAGE), &rc, &err);
    TEST_EQ_INT(rc, INTAKE_OK, "UTF-8 page (%s)", err.msg);
    if (!d)
        return;
    TEST_EQ_INT(xdoc_pages(d), 2, "text page and title/meta page");
    char *body = xdoc_page_dup(d, 0), *meta = xdoc_page_dup(d, 1);
    HAS(body, "Протокол допроса потерпевшей\n", "heading is a line");
    HAS(body,
        "Потерпевшая Сейткали Динара Ерланқызы, ЖСН 790618304550, телефон +7 701 555 20 17, "
        "показала следующее.\n",
        "paragraph: white space collapsed, &nbsp; as a space, inline elements joined");
    HAS(body, "Ол Қарағанды қаласында тұрады.\nНовая строка после br.",
        "character references decoded, <br> a line break");
    HAS(body, "Фото паспорта Сейткали", "alt text kept");
    HAS(body, "Почта Сейткали", "title attribute kept");
    HAS(body, "написать", "link text kept");
    HAS(body, "ФИО\tТелефон\t\nНұрланова Айша\t+7 747 310 44 82\t\n", "table as tabs and lines");
    HAS(body, "строка 1\n  строка   2", "<pre> kept as it is");
    HAS(body, "Включите JavaScript", "noscript text kept");
    HAS(body, "Введено: Ж.М.", "text input value kept");
    HAS(body, "Конец протокола.", "div text");
    HASNT(body, "скриптсекрет", "script dropped");
    HASNT(body, "стильсекрет", "style dropped");
    HASNT(body, "Приватный", "style dropped (font)");
    HASNT(body, "шаблонсекрет", "template dropped");
    HASNT(body, "Баймуханова", "comment dropped");
    HASNT(body, "скрытоеполе", "hidden input dropped");
    HASNT(body, "iVBORw0KGgo", "image data dropped");
    HASNT(body, "mailto", "link target not text");
    HASNT(body, "Дело №", "title not in the body");
    HAS(meta, "Title: Дело № 2-117/2024: Сейткали Динара\n", "title on the meta page");
    HAS(meta, "author: Оспанова Жанель Маратқызы\n", "meta author on the meta page");
    HAS(meta, "description: Протокол, тел. +7 702 418 33 90", "meta description");
    HASNT(meta, "device-width", "viewport ignored");
    TEST_EQ_STR(xdoc_meta(d, "encoding"), "UTF-8", "encoding meta");
    HASNT(xhost_log(), "Сейткали", "the log holds no document text");
    free(body);
    free(meta);
    xdoc_destroy(d);
    P->cb_exit(in);

    c.meta = 0;
    in = instance(&c);
    d = run(in, PAGE, strlen(PAGE), &rc, &err);
    TEST_EQ_INT(rc, INTAKE_OK, "meta = false");
    if (d) {
        TEST_EQ_INT(xdoc_pages(d), 1, "meta = false: one page");
        HASNT(xdoc_text(d), "Оспанова", "meta = false: author dropped");
        xdoc_destroy(d);
    }
    P->cb_exit(in);
}

static const char RU_TEXT[] =
    "<p>Свидетель Мухаметшина Ирина Вадимовна пояснила, что работала в кафе на окраине "
    "города, где ей обещали хорошую зарплату и жильё. Документы у неё забрали в первый же "
    "день, а телефон +7 705 964 12 38 отключили. Она просила помощи у соседей, но никто не "
    "пришёл. Следствие установило, что ещё несколько женщин находились в том же положении.</p>";

static void test_charsets(void)
{
    struct cfg c = {64ll << 20, NULL, 1, NULL};
    void *in = instance(&c);
    struct intake_error err;
    int rc;
    char page[4096];
    size_t n;

    /* declared windows-1251 */
    snprintf(page, sizeof page,
             "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; "
             "charset=windows-1251\"></head><body>%s</body></html>",
             RU_TEXT);
    char *b = recode(page, "CP1251", &n);
    struct intake_doc *d = run(in, b, n, &rc, &err);
    TEST_EQ_INT(rc, INTAKE_OK, "declared windows-1251 (%s)", err.msg);
    if (d) {
        HAS(xdoc_text(d), "Мухаметшина Ирина Вадимовна", "windows-1251 decoded");
        TEST_EQ_STR(xdoc_meta(d, "encoding"), "CP1251", "encoding from the declaration");
        xdoc_destroy(d);
    }
    free(b);

    /* undeclared windows-1251: uchardet */
    snprintf(page, sizeof page, "<html><body>%s</body></html>", RU_TEXT);
    b = recode(page, "CP1251", &n);
    d = run(in, b, n, &rc, &err);
    TEST_EQ_INT(rc, INTAKE_OK, "undeclared windows-1251 (%s)", err.msg);
    if (d) {
        HAS(xdoc_text(d), "Мухаметшина Ирина Вадимовна", "uchardet found windows-1251");
        xdoc_destroy(d);
    }
    free(b);

    /* labelled UTF-8 but windows-1251: uchardet decides */
    snprintf(page, sizeof page, "<html><head><meta charset=utf-8></head><body>%s</body></html>",
             RU_TEXT);
    b = recode(page, "CP1251", &n);
    d = run(in, b, n, &rc, &err);
    TEST_EQ_INT(rc, INTAKE_OK, "mislabelled UTF-8 (%s)", err.msg);
    if (d) {
        HAS(xdoc_text(d), "Мухаметшина", "mislabelled page read by detection");
        xdoc_destroy(d);
    }
    free(b);

    /* KOI8-R declared in an XHTML prolog */
    snprintf(page, sizeof page,
             "<?xml version=\"1.0\" encoding=\"KOI8-R\"?>\n<html "
             "xmlns=\"http://www.w3.org/1999/xhtml\"><body>%s</body></html>",
             RU_TEXT);
    b = recode(page, "KOI8-R", &n);
    d = run(in, b, n, &rc, &err);
    TEST_EQ_INT(rc, INTAKE_OK, "XHTML in KOI8-R (%s)", err.msg);
    if (d) {
        HAS(xdoc_text(d), "Мухаметшина Ирина Вадимовна", "KOI8-R decoded");
        xdoc_destroy(d);
    }
    free(b);

    /* UTF-16LE with a BOM */
    snprintf(page, sizeof page, "<html><body><p>Куәгер Тоқтарова Әйгерім</p></body></html>");
    b = recode(page, "UTF-16", &n); /* glibc writes a BOM */
    d = run(in, b, n, &rc, &err);
    TEST_EQ_INT(rc, INTAKE_OK, "UTF-16 with BOM (%s)", err.msg);
    if (d) {
        HAS(xdoc_text(d), "Куәгер Тоқтарова Әйгерім", "UTF-16 decoded");
        xdoc_destroy(d);
    }
    free(b);

    /* refusals */
    const char bad1251[] = "<html><head><meta charset=windows-1251></head><body>\xc8\xe2\x98"
                           "</body></html>";
    d = run(in, bad1251, sizeof bad1251 - 1, &rc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "byte with no character in windows-1251 refused");
    HAS(err.msg, "byte offset", "reason: %s", err.msg);
    const char unk[] = "<html><head><meta charset=x-no-such-charset></head><body>a</body></html>";
    d = run(in, unk, sizeof unk - 1, &rc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "unknown charset refused");
    HAS(err.msg, "unknown charset", "reason: %s", err.msg);
    const char nul[] = "<html><body>Имя\0скрыто</body></html>";
    d = run(in, nul, sizeof nul - 1, &rc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "NUL refused");
    HAS(err.msg, "NUL", "reason: %s", err.msg);
    const char empty[] = "<html><body><script>x()</script>  </body></html>";
    d = run(in, empty, sizeof empty - 1, &rc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "page with no text refused");
    d = run(in, "", 0, &rc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "empty file refused");
    P->cb_exit(in);

    c.max_bytes = 16;
    in = instance(&c);
    d = run(in, PAGE, strlen(PAGE), &rc, &err);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "file over max_bytes refused");
    P->cb_exit(in);
}

static void test_deep(void)
{
    struct cfg c = {64ll << 20, NULL, 1, NULL};
    void *in = instance(&c);
    struct intake_error err;
    int rc;
    size_t n = 200000 * 5 + 64;
    char *s = malloc(n), *p = s;
    p += sprintf(p, "<html><body>");
    for (int i = 0; i < 200000; i++)
        p += sprintf(p, "<div>");
    p += sprintf(p, "глубоко</body></html>");
    struct intake_doc *d = run(in, s, (size_t)(p - s), &rc, &err);
    TEST_OK(rc == INTAKE_OK || rc == INTAKE_EFORMAT, "200,000 nested divs: no crash (%d)", rc);
    if (d)
        xdoc_destroy(d);
    free(s);
    P->cb_exit(in);
}

int main(void)
{
    struct intake_host bad = *xhost();
    const struct intake_plugin *p = NULL;
    bad.abi_major = 2;
    TEST_EQ_INT(intake_plugin_entry_extract_html(&bad, &p), INTAKE_EABI, "entry refuses ABI 2");
    TEST_EQ_INT(intake_plugin_entry_extract_html(xhost(), &P), INTAKE_OK, "entry");
    TEST_EQ_STR(P->name, "extract_html", "name");
    TEST_EQ_INT(P->config_size, sizeof(struct cfg), "config_size matches the mirror");
    TEST_OK(P->cb_probe(NULL, (const unsigned char *)"\n<!DOCTYPE html><p>", 19, "text/plain") >=
                90,
            "probe: doctype");
    TEST_EQ_INT(P->cb_probe(NULL, (const unsigned char *)"<p>x", 4, "text/plain"), 0,
                "probe: a fragment is not claimed");
    test_page();
    test_charsets();
    test_deep();
    TEST_EQ_INT(xhost_live_allocs(), 0, "no host allocation left");
    return test_done();
}
