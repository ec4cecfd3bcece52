/*
 * plugins/index_sqlite/tests/test_tokenizer.c: the intake FTS5 tokenizer,
 * token by token and through an in-memory FTS5 table. The sentences are
 * our own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "test.h"
#include "tokenizer.h"

struct toks {
    char buf[2048];
    size_t len;
    int positions;
};

/* "a b|c d": '|' before a colocated token, ' ' before a new position; a key
 * is shown as ~KEY. */
static int collect(void *ctx, int tflags, const char *tok, int n, int start, int end)
{
    struct toks *t = ctx;
    (void)start;
    (void)end;
    if (!(tflags & FTS5_TOKEN_COLOCATED))
        t->positions++;
    if (t->len + (size_t)n + 3 >= sizeof t->buf)
        return SQLITE_OK;
    if (t->len)
        t->buf[t->len++] = (tflags & FTS5_TOKEN_COLOCATED) ? '|' : ' ';
    if (n > 0 && tok[0] == ITOK_KEY_MARK) {
        t->buf[t->len++] = '~';
        tok++, n--;
    }
    memcpy(t->buf + t->len, tok, (size_t)n);
    t->len += (size_t)n;
    t->buf[t->len] = '\0';
    return SQLITE_OK;
}

static const char *toks(struct itok *t, const char *lang, int flags, const char *s, int *pos)
{
    static struct toks r;
    memset(&r, 0, sizeof r);
    itok_tokenize(t, lang, flags, s, (int)strlen(s), collect, &r);
    if (pos)
        *pos = r.positions;
    return r.buf;
}

static void test_tokens(void)
{
    struct itok *t = NULL;
    TEST_EQ_INT(itok_create(&t), SQLITE_OK, "create a tokenizer");
    int pos = 0;
    const char *D = NULL; /* document mode, no language */
    int doc = FTS5_TOKENIZE_DOCUMENT, aux = FTS5_TOKENIZE_AUX, qry = FTS5_TOKENIZE_QUERY;

    TEST_EQ_STR(toks(t, D, aux, "Hello, World! 42", &pos), "hello world 42", "ASCII: lower case");
    TEST_EQ_INT(pos, 3, "... three positions");
    TEST_EQ_STR(toks(t, D, aux, "ЁЛКА ёж", NULL), "елка еж", "ё folds to е");
    TEST_EQ_STR(toks(t, D, aux, "ﬁle ＡＢＣ", NULL), "file abc", "NFKC: ligature, full width");
    TEST_EQ_STR(toks(t, D, aux, "e-mail 01.02.2024", &pos), "e mail 01 02 2024",
                "hyphens and dots split words");
    TEST_EQ_STR(toks(t, "tr", aux, "IRMAK İzmir", NULL), "ırmak izmir", "Turkish: I is ı, İ is i");
    TEST_EQ_STR(toks(t, "en", aux, "IRMAK İzmir", NULL), "irmak izmir", "elsewhere: I is i");
    /* Uzbek o‘ in five spellings: one word, one spelling */
    TEST_EQ_STR(toks(t, D, aux, "o‘zbek o'zbek oʻzbek o’zbek o`zbek", &pos),
                "o'zbek o'zbek o'zbek o'zbek o'zbek", "Uzbek apostrophes unified");
    TEST_EQ_INT(pos, 5, "... five words");
    TEST_EQ_STR(toks(t, D, aux, "Ankara'da", NULL), "ankara da",
                "an apostrophe after another letter splits");
    /* homoglyphs: Latin a, o, c inside Cyrillic words, Cyrillic о in a Latin one */
    TEST_EQ_STR(toks(t, D, aux, "мaмa сoбaкa dоg", NULL), "мама собака dog",
                "homoglyphs follow the word's majority script");
    TEST_EQ_STR(toks(t, D, aux, "[PERSON-3] и [EMAIL-12].", &pos), "[person-3] и [email-12]",
                "placeholders are one token");
    TEST_EQ_INT(pos, 3, "... one position each");
    TEST_EQ_STR(toks(t, D, doc, "[PERSON-3]", NULL), "[person-3]|person",
                "a document's placeholder also carries its label");
    TEST_EQ_STR(toks(t, D, qry, "PERSON-3", NULL), "[person-3]", "a bare placeholder in a query");
    TEST_EQ_STR(toks(t, D, qry, "PERSONAL-3", NULL), "personal|person|~PERSONAL 3",
                "... only for a known label");

    /* stems: documents by language, and only in the language's script */
    TEST_EQ_STR(toks(t, "ru", doc, "потерпевшей", NULL), "потерпевшей|потерпевш|~POTERPEVSEI",
                "Russian stem and key");
    TEST_EQ_STR(toks(t, "kk", doc, "потерпевшей", NULL), "потерпевшей|~POTERPEVSEI",
                "no Snowball stemmer for Kazakh");
    TEST_EQ_STR(toks(t, "en", doc, "victims", NULL), "victims|victim", "English stem, no key");
    TEST_EQ_STR(toks(t, "ru", doc, "victims", NULL), "victims", "Russian stemmer skips Latin");
    TEST_EQ_STR(toks(t, D, qry, "потерпевшая", NULL),
                "потерпевшая|потерпевш|~POTERPEVSAIA|poterpevshaya",
                "a Cyrillic query word: Russian stem, key and transliteration");

    /* keys across scripts */
    static const char *const same[][2] = {
        {"Ашхабад", "Ashgabat"},
        {"Aşgabat", "Ashgabat"},
        {"Шымкент", "Şymkent"},
        {"Шымкент", "Shymkent"},
        {"Қазақстан", "Qazaqstan"},
        {"жұмыс", "jūmys"},
        {"шығыс", "şyğys"},
        {"Өскемен", "Öskemen"},
        {"Ўзбекистон", "Oʻzbekiston"},
        {"Туркменабад", "Türkmenabat"},
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        char a[2048], b[2048];
        snprintf(a, sizeof a, "%s", toks(t, D, qry, same[i][0], NULL));
        snprintf(b, sizeof b, "%s", toks(t, D, qry, same[i][1], NULL));
        const char *ka = strchr(a, '~'), *kb = strchr(b, '~');
        size_t la = ka ? strcspn(ka, "|") : 0, lb = kb ? strcspn(kb, "|") : 0;
        TEST_OK(ka && kb && la == lb && memcmp(ka, kb, la) == 0, "%s and %s share a key (%s / %s)",
                same[i][0], same[i][1], a, b);
    }
    /* a plain ASCII word of a document has no key: English hold is not gold */
    TEST_EQ_STR(toks(t, "en", doc, "hold", NULL), "hold", "no key on ASCII document words");
    /* prefix queries: no stem, no final devoicing */
    TEST_EQ_STR(toks(t, D, FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX, "Ашхаб", NULL),
                "ашхаб|~ASGAB|ashkhab", "prefix query tokens");
    /* dictionary scripts: ICU's word break iterator */
    toks(t, D, aux, "東京都に住む", &pos);
    TEST_OK(pos >= 2, "Japanese is split into words by ICU (%d)", pos);
    /* odd input: never a crash */
    char junk[600];
    for (size_t i = 0; i < sizeof junk - 1; i++)
        junk[i] = (char)(0x80 + (i * 7) % 0x7f);
    junk[sizeof junk - 1] = '\0';
    toks(t, D, doc, junk, NULL);
    char longw[2000];
    for (size_t i = 0; i + 2 < sizeof longw; i += 2)
        memcpy(longw + i, "ж", 2);
    longw[sizeof longw - 2] = '\0';
    toks(t, D, doc, longw, &pos);
    TEST_EQ_INT(pos, 1, "a very long word is one token");
    TEST_EQ_STR(toks(t, D, doc, "", &pos), "", "empty text");
    itok_destroy(t);
}

static int count(sqlite3 *db, const char *match)
{
    sqlite3_stmt *st = NULL;
    int n = -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t MATCH ?1", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
        else
            TEST_NOTE("%s: %s", match, sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return n;
}

static void test_fts(void)
{
    sqlite3 *db = NULL;
    struct itok_conn *conn = NULL;
    sqlite3_open(":memory:", &db);
    TEST_EQ_INT(itok_register(db, &conn), SQLITE_OK, "register on a connection");
    struct itok_conn *again = NULL;
    TEST_OK(itok_register(db, &again) == SQLITE_OK && again == conn, "registering twice: one");
    sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'intake')", NULL, NULL, NULL);
    static const struct {
        const char *lang, *text;
    } rows[] = {
        {"ru", "Потерпевшая прибыла в Ашхабад поездом."},
        {"kk", "Куәгер Шымкент қаласында тұрады, жұмыс іздеген."},
        {"en", "The victims were moved across the border at night."},
        {"tk", "Şaýat Aşgabat şäherinde ýaşaýar."},
        {"uz", "Guvoh Oʻzbekiston fuqarosi, [PERSON-2] bilan ishlagan."},
        {"kk", "Jäbirlenuşı Qazaqstan azamaty, şyğys aimağynda tūrady."},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        snprintf(conn->lang, sizeof conn->lang, "%s", rows[i].lang);
        sqlite3_stmt *st = NULL;
        sqlite3_prepare_v2(db, "INSERT INTO t(x) VALUES (?1)", -1, &st, NULL);
        sqlite3_bind_text(st, 1, rows[i].text, -1, SQLITE_STATIC);
        TEST_EQ_INT(sqlite3_step(st), SQLITE_DONE, "insert row %zu", i);
        sqlite3_finalize(st);
    }
    static const struct {
        const char *q;
        int n;
    } cases[] = {
        {"потерпевшей", 1},     /* stem */
        {"ПОТЕРПЕВШАЯ", 1},     /* case */
        {"Ashgabat", 2},        /* Ашхабад and Aşgabat */
        {"Ашхабад", 2},         /* and the other way */
        {"Şymkent", 1},         /* Шымкент */
        {"Shymkent", 1},        /* Шымкент */
        {"Қазақстан", 1},       /* Kazakh Latin */
        {"шығыс", 1},           /* şyğys */
        {"Ўзбекистон", 1},      /* Oʻzbekiston */
        {"\"o'zbekiston\"", 1}, /* ASCII apostrophe */
        {"victim", 1},          /* English stem */
        {"\"[PERSON-2]\"", 1},  /* placeholder */
        {"person", 1},          /* its label */
        {"\"[PERSON-3]\"", 0},
        {"Ашхаб*", 2}, /* prefix, cross-script */
        {"\"прибыла в Ашхабад\"", 1},
        {"hold", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        TEST_EQ_INT(count(db, cases[i].q), cases[i].n, "MATCH %s", cases[i].q);

    /* delete by re-tokenizing with the row's language: the index stays whole */
    snprintf(conn->lang, sizeof conn->lang, "ru");
    TEST_EQ_INT(sqlite3_exec(db, "DELETE FROM t WHERE rowid = 1", NULL, NULL, NULL), SQLITE_OK,
                "delete a Russian row");
    TEST_EQ_INT(count(db, "потерпевшей"), 0, "... its stems are gone");
    TEST_EQ_INT(count(db, "Ashgabat"), 1, "... the other rows stay found");
    sqlite3_close(db);
}

int main(void)
{
    test_tokens();
    test_fts();
    return test_done();
}
