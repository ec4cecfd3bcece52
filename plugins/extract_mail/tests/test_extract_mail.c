/*
 * plugins/extract_mail/tests/test_extract_mail.c: the plugin linked
 * statically (-DINTAKE_STATIC_PLUGIN), configured by the core's option
 * parser, driven through the child-recording test host. The messages are
 * built here as text: headers in RFC 2047 (UTF-8 base64, KOI8-R
 * quoted-printable, raw windows-1251), bodies in quoted-printable and
 * base64 in several charsets, HTML with a script, an attachment with an
 * RFC 2231 Cyrillic name, an embedded message, a body without charset; and
 * broken ones: truncated, encrypted, a multipart without boundary. All the
 * personal data is invented for these tests.
 */
#include <iconv.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "child_host.h"
#include "config.h"
#include "test.h"

#ifdef WITH_EXTRACT_ARCHIVE
#include <archive.h>
#include <archive_entry.h>
int intake_plugin_entry_extract_archive(const struct intake_host *host,
                                        const struct intake_plugin **out);
#endif
int intake_plugin_entry_extract_mail(const struct intake_host *host,
                                     const struct intake_plugin **out);

/* ------------------------------------------------------------------ */
/* encoders for the fixtures                                          */
/* ------------------------------------------------------------------ */

/* \p utf8 in \p charset (a new string). */
static char *conv(const char *utf8, const char *charset, size_t *out_len)
{
    gsize w = 0;
    char *s = g_convert(utf8, -1, charset, "UTF-8", NULL, &w, NULL);
    if (out_len)
        *out_len = w;
    return s;
}

static char *b64(const void *p, size_t n)
{
    return g_base64_encode(p, n);
}

/* Quoted-printable of \p n bytes, soft line breaks at 70. */
static char *qp(const unsigned char *p, size_t n)
{
    GString *s = g_string_new(NULL);
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            g_string_append_c(s, '\n');
            col = 0;
            continue;
        }
        if (col > 70) {
            g_string_append(s, "=\n");
            col = 0;
        }
        if (p[i] >= 33 && p[i] <= 126 && p[i] != '=') {
            g_string_append_c(s, (char)p[i]);
            col++;
        } else if (p[i] == ' ' && i + 1 < n && p[i + 1] != '\n') {
            g_string_append_c(s, ' ');
            col++;
        } else {
            g_string_append_printf(s, "=%02X", p[i]);
            col += 3;
        }
    }
    return g_string_free(s, FALSE);
}

/* An RFC 2047 encoded word: B (base64) or Q of utf8 in charset. */
static char *word(const char *utf8, const char *charset, char enc)
{
    size_t n;
    char *c = conv(utf8, charset, &n);
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "=?%s?%c?", charset, enc);
    if (enc == 'B') {
        char *e = b64(c, n);
        g_string_append(s, e);
        g_free(e);
    } else {
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)c[i];
            if (ch == ' ')
                g_string_append_c(s, '_');
            else if (ch < 128 && g_ascii_isalnum(ch))
                g_string_append_c(s, (char)ch);
            else
                g_string_append_printf(s, "=%02X", ch);
        }
    }
    g_string_append(s, "?=");
    g_free(c);
    return g_string_free(s, FALSE);
}

/* ------------------------------------------------------------------ */
/* the plugin                                                         */
/* ------------------------------------------------------------------ */

struct fixture {
    const struct intake_plugin *desc;
    struct intake_config *cfg;
    void *options;
    void *inst;
};

static int setup_plugin(struct fixture *f, intake_plugin_entry_fn entry, const char *section,
                        const char *conf)
{
    struct intake_error err;
    intake_error_clear(&err);
    memset(f, 0, sizeof *f);
    if (entry(child_host(), &f->desc) != INTAKE_OK)
        return -1;
    static const char *const core_keys[] = {"type", "log_level", "enabled", NULL};
    int rc = intake_config_parse("test.conf", conf, &f->cfg, &err);
    if (!rc) {
        f->options = calloc(1, f->desc->config_size);
        rc = intake_options_apply(f->cfg, intake_config_section(f->cfg, section), f->desc->options,
                                  core_keys, f->options, &err);
    }
    if (!rc)
        rc = f->desc->cb_init(child_host(), NULL, f->options, &f->inst, &err);
    if (rc)
        TEST_NOTE("setup: %s", err.msg);
    return rc;
}

static int setup(struct fixture *f, const char *conf)
{
    return setup_plugin(f, intake_plugin_entry_extract_mail, "mail", conf);
}

static void teardown(struct fixture *f)
{
    if (f->inst)
        f->desc->cb_exit(f->inst);
    if (f->options)
        intake_options_clear(f->desc->options, f->options);
    free(f->options);
    intake_config_destroy(f->cfg);
}

static int run(struct fixture *f, const char *eml, struct intake_doc **out,
               struct intake_error *err)
{
    intake_error_clear(err);
    struct intake_doc *d = child_doc_create(eml, strlen(eml), "message/rfc822", 0);
    int rc = f->desc->cb_process(f->inst, NULL, d, err);
    if (out)
        *out = d;
    else
        child_doc_destroy(d);
    return rc;
}

static int has(const struct intake_doc *d, const char *s)
{
    return d->text && strstr(d->text, s) != NULL;
}

/* ------------------------------------------------------------------ */
/* tests                                                              */
/* ------------------------------------------------------------------ */

static const char *att_bytes = "Справка: Довлетова Гулшат, тел. +993 65 123456\n";

static char *build_full_message(void)
{
    char *from = word("Жумабекова Айгерим", "UTF-8", 'B');
    char *to2 = word("Тыныбеков, Руслан", "KOI8-R", 'Q');
    size_t cc_n;
    char *cc = conv("Сейткали Нурлан <nurlan.s@example.kz>", "windows-1251", &cc_n);
    char *subj = word("Дело № 17: показания Рахимовой", "UTF-8", 'Q');

    const char *t1 = "Здравствуйте! Потерпевшая звонила с номера +7 701 555 12 34.\n"
                     "Nurlan, please call back.\n";
    char *t1q = qp((const unsigned char *)t1, strlen(t1));
    size_t t2n;
    char *t2 = conv("ИИН свидетеля 900101400123, адрес: г. Бишкек, ул. Токтогула 5.\n",
                    "windows-1251", &t2n);
    char *t2b = b64(t2, t2n);
    size_t h1n;
    char *h1 = conv("<html><head><title>Письмо</title><style>p{color:red}</style>"
                    "<script>var secret='СКРИПТ_НЕ_ВИДЕН';</script></head><body>"
                    "<p>Свидетель <b>Dilnoza Rahimova</b>, +998 90 123 45 67</p>"
                    "<!-- КОММЕНТАРИЙ_НЕ_ВИДЕН --><div>Конец&nbsp;письма &amp; "
                    "подпись</div></body></html>",
                    "KOI8-R", &h1n);
    char *h1q = qp((const unsigned char *)h1, h1n);
    char *attb = b64(att_bytes, strlen(att_bytes));
    size_t rawn;
    char *raw1251 = conv("Без кодировки: Ержанова Сауле\n", "windows-1251", &rawn);

    GString *s = g_string_new(NULL);
    g_string_append_printf(
        s,
        "Received: from mx.example.kz (10.1.2.3)\n"
        "Message-ID: <abc123@mx.example.kz>\n"
        "From: %s <aigerim.zh@example.kz>\n"
        "To: \"Dilnoza Rahimova\" <d.rahimova@example.uz>, %s <r.tynybekov@example.kg>\n"
        "Cc: %s\n"
        "Subject: %s\n"
        "Date: Mon, 4 Mar 2024 10:15:00 +0600\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"OUTER\"\n"
        "\n"
        "This is a multi-part message.\n"
        "--OUTER\n"
        "Content-Type: multipart/alternative; boundary=\"ALT\"\n"
        "\n"
        "--ALT\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "%s\n"
        "--ALT\n"
        "Content-Type: text/html; charset=koi8-r\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "%s\n"
        "--ALT--\n"
        "--OUTER\n"
        "Content-Type: text/plain; charset=windows-1251\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "%s\n"
        "--OUTER\n"
        "Content-Type: text/plain\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n"
        "%s\n"
        "--OUTER\n"
        "Content-Type: application/octet-stream\n"
        "Content-Disposition: attachment;\n"
        " filename*=UTF-8''%%D1%%81%%D0%%BF%%D1%%80%%D0%%B0%%D0%%B2%%D0%%BA%%D0%%B0.txt\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "%s\n"
        "--OUTER\n"
        "Content-Type: image/png\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "iVBORw0KGgo=\n"
        "--OUTER\n"
        "Content-Type: message/rfc822\n"
        "\n"
        "From: Murat Bekov <m.bekov@example.kz>\n"
        "To: aigerim.zh@example.kz\n"
        "Subject: Fwd: witness list\n"
        "\n"
        "Inner body: witness Gulnara Sadykova, +7 777 123 45 67.\n"
        "--OUTER--\n",
        from, to2, cc, subj, t1q, h1q, t2b, raw1251, attb);
    g_free(from);
    g_free(to2);
    g_free(cc);
    g_free(subj);
    g_free(t1q);
    g_free(t2);
    g_free(t2b);
    g_free(h1);
    g_free(h1q);
    g_free(attb);
    g_free(raw1251);
    return g_string_free(s, FALSE);
}

static void test_full(struct fixture *f)
{
    char *eml = build_full_message();
    struct intake_doc *d;
    struct intake_error err;
    int rc = run(f, eml, &d, &err);
    TEST_EQ_INT(rc, INTAKE_OK, "full message: read (%s)", err.msg);
    TEST_OK(d->npages >= 4, "full message: header page and three body pages (%u pages)", d->npages);
    uint64_t hs = 0, he = 0;
    child_host()->doc_page_range(d, 0, &hs, &he);
    char *hdr = g_strndup(d->text + hs, he - hs);
    TEST_OK(strstr(hdr, "From: Жумабекова Айгерим <aigerim.zh@example.kz>") != NULL,
            "From: UTF-8 base64 encoded word decoded");
    TEST_OK(strstr(hdr, "Тыныбеков, Руслан") && strstr(hdr, "r.tynybekov@example.kg") &&
                strstr(hdr, "Dilnoza Rahimova") && strstr(hdr, "d.rahimova@example.uz"),
            "To: two addresses, KOI8-R Q word with a comma kept whole");
    TEST_OK(strstr(hdr, "Cc: Сейткали Нурлан <nurlan.s@example.kz>") != NULL,
            "Cc: raw windows-1251 bytes read with header_charsets");
    TEST_OK(strstr(hdr, "Subject: Дело № 17: показания Рахимовой") != NULL,
            "Subject: Q encoded word decoded");
    TEST_OK(strstr(hdr, "Date: Mon, 4 Mar 2024 10:15:00 +0600") != NULL, "Date kept");
    TEST_OK(!strstr(d->text, "10.1.2.3") && !strstr(d->text, "abc123"),
            "Received and Message-ID are not passed on");
    g_free(hdr);
    TEST_OK(has(d, "+7 701 555 12 34") && has(d, "Nurlan, please call back."),
            "text/plain quoted-printable UTF-8 body");
    TEST_OK(has(d, "ИИН свидетеля 900101400123") && has(d, "ул. Токтогула 5"),
            "text/plain base64 windows-1251 body");
    TEST_OK(has(d, "Dilnoza Rahimova") && has(d, "+998 90 123 45 67") &&
                has(d, "Конец\xC2\xA0письма & подпись"),
            "text/html KOI8-R quoted-printable: text and entities");
    TEST_OK(!has(d, "СКРИПТ_НЕ_ВИДЕН") && !has(d, "КОММЕНТАРИЙ_НЕ_ВИДЕН") && !has(d, "color:red"),
            "HTML: script, style and comments dropped");
    TEST_OK(!has(d, "<p>") && !has(d, "<b>"), "HTML: no tags");

    TEST_EQ_INT(d->nkids, 4, "four children: body without charset, attachment, image, message");
    const struct child_rec *c = child_doc_find(d, "справка.txt");
    TEST_OK(c && c->len == strlen(att_bytes) && memcmp(c->bytes, att_bytes, c->len) == 0,
            "attachment: RFC 2231 UTF-8 name, base64 decoded");
    c = child_doc_find(d, "body-4.txt");
    size_t rn;
    char *raw = conv("Без кодировки: Ержанова Сауле\n", "windows-1251", &rn);
    TEST_OK(c && c->len >= rn && memcmp(c->bytes, raw, rn) == 0,
            "body without charset and not UTF-8: a child for extract_text's detection");
    TEST_OK(!has(d, "Ержанова") && !memmem(d->text, d->tlen, raw, rn - 1),
            "body without charset: not guessed into the text");
    g_free(raw);
    TEST_OK(child_doc_find(d, "attachment-2") != NULL,
            "unnamed attachment (the second): attachment-2");
    c = child_doc_find(d, "message-1.eml");
    TEST_OK(c && memmem(c->bytes, c->len, "Gulnara Sadykova", 16) &&
                memmem(c->bytes, c->len, "From: Murat Bekov", 17),
            "embedded message/rfc822: a child .eml with its headers and body");
    TEST_OK(!has(d, "Gulnara Sadykova"), "embedded message: not in the parent's text");

    /* The embedded message through the plugin again, as the core would. */
    if (c) {
        char *inner = g_strndup((const char *)c->bytes, c->len);
        struct intake_doc *d2;
        rc = run(f, inner, &d2, &err);
        TEST_EQ_INT(rc, INTAKE_OK, "embedded message read on its own (%s)", err.msg);
        TEST_OK(has(d2, "From: Murat Bekov <m.bekov@example.kz>") &&
                    has(d2, "Gulnara Sadykova, +7 777 123 45 67"),
                "embedded message: headers and body");
        child_doc_destroy(d2);
        g_free(inner);
    }
    child_doc_destroy(d);

    /* html_text = false: HTML bodies are handed on. */
    struct fixture g;
    if (setup(&g, "[mail]\ntype = extract_mail\nhtml_text = false\n") == 0) {
        rc = run(&g, eml, &d, &err);
        TEST_EQ_INT(rc, INTAKE_OK, "html_text=false: read");
        c = child_doc_find(d, "body-2.html");
        TEST_OK(c && memmem(c->bytes, c->len, "<html>", 6), "html_text=false: body-2.html child");
        TEST_OK(!has(d, "Dilnoza Rahimova, ") && !has(d, "+998 90"),
                "html_text=false: HTML text not in the parent");
        child_doc_destroy(d);
        teardown(&g);
    }
    g_free(eml);
}

static void test_simple(struct fixture *f)
{
    /* A single-part message that libmagic calls text/plain (Subject first). */
    const char *eml = "Subject: =?UTF-8?B?0J/RgNC+0YLQvtC60L7Quw==?=\n"
                      "From: Azamat Nurlanov <azamat@example.kz>\n"
                      "Content-Type: text/plain; charset=utf-8\n"
                      "Content-Transfer-Encoding: base64\n"
                      "\n"
                      "0KLQtdC7LiArNyA3MDcgMTExIDIyIDMz\n";
    struct intake_doc *d;
    struct intake_error err;
    TEST_EQ_INT(run(f, eml, &d, &err), INTAKE_OK, "single part: read");
    TEST_OK(has(d, "Subject: Протокол") && has(d, "Тел. +7 707 111 22 33"),
            "single part: base64 subject and body");
    TEST_EQ_INT(d->nkids, 0, "single part: no children");
    child_doc_destroy(d);
    TEST_OK(f->desc->cb_probe(f->inst, (const unsigned char *)eml, strlen(eml), "text/plain") >= 90,
            "probe: a header block that libmagic calls text/plain");
    const char *prose = "Протокол допроса свидетеля.\nГород: Алматы\n\nТекст.\n";
    TEST_EQ_INT(
        f->desc->cb_probe(f->inst, (const unsigned char *)prose, strlen(prose), "text/plain"), 0,
        "probe: prose with a colon is not mail");
    const char *one = "Subject: only one header\n\nbody\n";
    TEST_EQ_INT(f->desc->cb_probe(f->inst, (const unsigned char *)one, strlen(one), "text/plain"),
                0, "probe: one header is not enough");
}

static void test_refusals(struct fixture *f)
{
    struct intake_error err;
    const char *truncated = "From: a@example.kz\nTo: b@example.kz\nSubject: x\n"
                            "Content-Type: multipart/mixed; boundary=\"B\"\n\n"
                            "--B\nContent-Type: text/plain\n\nfirst part, Иванова Мария\n"
                            "--B\nContent-Type: application/pdf\nContent-Transfer-Encoding: "
                            "base64\n\nJVBERi0xLjQK\n";
    TEST_EQ_INT(run(f, truncated, NULL, &err), INTAKE_EFORMAT, "truncated multipart: refused");
    TEST_OK(strstr(err.msg, "truncated") != NULL, "truncated: reason (%s)", err.msg);
    TEST_OK(!strstr(err.msg, "Иванова"), "truncated: the reason quotes nothing");

    const char *enc = "From: a@example.kz\nTo: b@example.kz\n"
                      "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; "
                      "boundary=\"E\"\n\n--E\nContent-Type: application/pgp-encrypted\n\n"
                      "Version: 1\n--E\nContent-Type: application/octet-stream\n\n"
                      "-----BEGIN PGP MESSAGE-----\nhQEMA\n-----END PGP MESSAGE-----\n--E--\n";
    TEST_EQ_INT(run(f, enc, NULL, &err), INTAKE_EFORMAT, "PGP/MIME encrypted: refused");
    TEST_OK(strstr(err.msg, "encrypted") != NULL, "encrypted: reason (%s)", err.msg);

    const char *smime = "From: a@example.kz\nTo: b@example.kz\n"
                        "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; "
                        "name=smime.p7m\nContent-Transfer-Encoding: base64\n\nMIAGCSqGSIb3\n";
    TEST_EQ_INT(run(f, smime, NULL, &err), INTAKE_EFORMAT, "S/MIME enveloped: refused (%s)",
                err.msg);

    const char *nobound = "From: a@example.kz\nTo: b@example.kz\n"
                          "Content-Type: multipart/mixed\n\n--X\nContent-Type: text/plain\n\n"
                          "hidden text\n--X--\n";
    TEST_EQ_INT(run(f, nobound, NULL, &err), INTAKE_EFORMAT,
                "multipart without boundary: refused (%s)", err.msg);

    const char *badcs = "From: a@example.kz\nTo: b@example.kz\n"
                        "Content-Type: text/plain; charset=x-no-such-charset\n\nАбв\n";
    struct intake_doc *d;
    TEST_EQ_INT(run(f, badcs, &d, &err), INTAKE_OK, "unknown charset: read");
    TEST_OK(d->nkids == 1 && strcmp(d->kids[0].name, "body-1.txt") == 0,
            "unknown charset: the body is handed on for detection");
    child_doc_destroy(d);

    struct fixture g;
    if (setup(&g, "[mail]\ntype = extract_mail\nmax_parts = 3\n") == 0) {
        char *eml = build_full_message();
        TEST_EQ_INT(run(&g, eml, NULL, &err), INTAKE_EFORMAT, "max_parts: refused (%s)", err.msg);
        g_free(eml);
        teardown(&g);
    }
}

#ifdef WITH_EXTRACT_ARCHIVE
struct buf {
    unsigned char *p;
    size_t n;
};

static struct buf zip1(const char *name, const void *data, size_t len)
{
    struct buf b = {malloc(len + 4096), 0};
    struct archive *a = archive_write_new();
    archive_write_set_format_zip(a);
    archive_write_open_memory(a, b.p, len + 4096, &b.n);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname_utf8(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_write_header(a, e);
    archive_write_data(a, data, len);
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    return b;
}

struct tree {
    struct fixture *archive;
    GString *log; /* "depth:name\n" per child */
};

/* The core's recursion: ZIP children go through extract_archive. */
static int tree_hook(void *user, struct intake_doc *parent, const struct child_rec *kid,
                     struct intake_error *err)
{
    struct tree *t = user;
    g_string_append_printf(t->log, "%u:%s\n", parent->depth + 1, kid->name);
    if (kid->len < 4 || memcmp(kid->bytes, "PK\003\004", 4) != 0)
        return INTAKE_OK;
    struct intake_doc *d =
        child_doc_create(kid->bytes, kid->len, "application/zip", parent->depth + 1);
    int rc = t->archive->desc->cb_process(t->archive->inst, NULL, d, err);
    child_doc_destroy(d);
    return rc;
}

static void test_mail_zip_zip(struct fixture *f)
{
    struct fixture arc;
    if (setup_plugin(&arc, intake_plugin_entry_extract_archive, "archive",
                     "[archive]\ntype = extract_archive\n") != 0) {
        TEST_OK(0, "extract_archive setup");
        return;
    }
    const char *txt = "Показания: Омарова Динара, ИИН 850612450037.\n";
    struct buf inner = zip1("показания/Омарова.txt", txt, strlen(txt));
    struct buf outer = zip1("inner.zip", inner.p, inner.n);
    char *att = b64(outer.p, outer.n);
    char *eml = g_strdup_printf("From: a@example.kz\nTo: b@example.kz\nSubject: case files\n"
                                "Content-Type: multipart/mixed; boundary=\"Z\"\n\n"
                                "--Z\nContent-Type: text/plain; charset=utf-8\n\nSee attached.\n"
                                "--Z\nContent-Type: application/zip; name=\"дело.zip\"\n"
                                "Content-Disposition: attachment; filename=\"дело.zip\"\n"
                                "Content-Transfer-Encoding: base64\n\n%s\n--Z--\n",
                                att);
    struct tree t = {&arc, g_string_new(NULL)};
    child_host_hook(tree_hook, &t);
    struct intake_error err;
    int rc = run(f, eml, NULL, &err);
    child_host_hook(NULL, NULL);
    TEST_EQ_INT(rc, INTAKE_OK, "e-mail > zip > zip > txt: read (%s)", err.msg);
    TEST_EQ_STR(t.log->str, "1:дело.zip\n2:inner.zip\n3:показания/Омарова.txt\n",
                "e-mail > zip > zip > txt: children named at each level");
    g_string_free(t.log, TRUE);
    g_free(eml);
    g_free(att);
    free(inner.p);
    free(outer.p);
    teardown(&arc);
}
#endif

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    struct fixture f;
    if (setup(&f, "[mail]\ntype = extract_mail\n") != 0) {
        TEST_OK(0, "setup");
        return test_done();
    }
    test_full(&f);
    test_simple(&f);
    test_refusals(&f);
#ifdef WITH_EXTRACT_ARCHIVE
    test_mail_zip_zip(&f);
#endif
    teardown(&f);
    return test_done();
}
