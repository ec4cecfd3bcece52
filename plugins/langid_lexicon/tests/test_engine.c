/*
 * Unit tests of langid_lexicon: the plugin through its static entry point
 * on the shared test host, extended here with the ABI 1.1 members the
 * language stage uses (blocks, document language).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lid_engine.h"
#include "mock_host.h"
#include "test.h"

int intake_plugin_entry_langid_lexicon(const struct intake_host *host,
                                       const struct intake_plugin **out);

/* The blocks and language the plugin reported for the current document. */
static struct intake_block blocks[256];
static size_t nblocks;
static char doc_lang[16];

static int t_add_block(struct intake_doc *doc, const struct intake_block *b,
                       struct intake_error *err)
{
    (void)doc;
    if (nblocks == 256 || b->start > b->end || !memchr(b->lang, 0, sizeof b->lang))
        return INTAKE_ERR(err, INTAKE_EINVAL, "bad block");
    blocks[nblocks++] = *b;
    return INTAKE_OK;
}

static int t_set_lang(struct intake_doc *doc, const char *lang, struct intake_error *err)
{
    (void)doc;
    if (!lang || strlen(lang) >= sizeof doc_lang)
        return INTAKE_ERR(err, INTAKE_EINVAL, "bad tag");
    strcpy(doc_lang, lang);
    return INTAKE_OK;
}

static struct intake_host host;
static const struct intake_plugin *plug;
static void *inst, *work;

static const char *ident(const char *s)
{
    static struct intake_block b;
    struct intake_error err;
    intake_error_clear(&err);
    if (plug->cb_identify(inst, work, s, strlen(s), &b, &err))
        return "error";
    return b.lang;
}

static int run_doc(const char *text)
{
    struct intake_doc *d = harness_doc_create(text, strlen(text));
    struct intake_error err;
    intake_error_clear(&err);
    nblocks = 0;
    doc_lang[0] = 0;
    int rc = plug->cb_process(inst, work, d, &err);
    harness_doc_destroy(d);
    return rc;
}

/* The block that holds byte offset \p at, or NULL. */
static const struct intake_block *block_at(size_t at)
{
    for (size_t i = 0; i < nblocks; i++)
        if (blocks[i].start <= at && at < blocks[i].end)
            return &blocks[i];
    return NULL;
}

/* Write toy profile \p name into \p dir: a Cyrillic alphabet plus
 * \p extra, and the word list \p words. */
static void put_profile(const char *dir, const char *name, const char *extra, const char *words)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.lang", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "lang %s\nscript Cyrl\nalphabet абвгдезийклмнопрстуя%s\nwords\n%s\n", name,
                extra, words);
        fclose(f);
    }
}

/* The language lid_identify gives \p text under the profiles of \p dir. */
static const char *toy_ident(const char *dir, const char *text)
{
    static char tag[16];
    struct lid_alloc a = {malloc, free};
    struct intake_error err;
    intake_error_clear(&err);
    struct lid_model *m = NULL;
    struct lid_scratch *s = NULL;
    struct lid_segment g;
    snprintf(tag, sizeof tag, "error");
    if (lid_model_create(dir, &a, &m, &err) == INTAKE_OK &&
        lid_scratch_create(m, &s, &err) == INTAKE_OK &&
        lid_identify(m, s, text, strlen(text), &g, &err) == INTAKE_OK)
        snprintf(tag, sizeof tag, "%s", g.lang);
    lid_scratch_destroy(s);
    lid_model_destroy(m);
    return tag;
}

/* The blocks of \p text under the profiles of \p dir, as "lang@start-end,...". */
static const char *toy_blocks(const char *dir, const char *text)
{
    static char out[512];
    struct lid_alloc a = {malloc, free};
    struct intake_error err;
    intake_error_clear(&err);
    struct lid_model *m = NULL;
    struct lid_scratch *s = NULL;
    const struct lid_segment *g;
    size_t n = 0;
    snprintf(out, sizeof out, "error");
    if (lid_model_create(dir, &a, &m, &err) == INTAKE_OK &&
        lid_scratch_create(m, &s, &err) == INTAKE_OK &&
        lid_analyse(m, s, text, strlen(text), &g, &n, &err) == INTAKE_OK) {
        out[0] = 0;
        for (size_t i = 0; i < n; i++)
            snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s@%llu-%llu", i ? "," : "",
                     g[i].lang, (unsigned long long)g[i].start, (unsigned long long)g[i].end);
    }
    lid_scratch_destroy(s);
    lid_model_destroy(m);
    return out;
}

/*
 * A paragraph with words enough to be judged alone keeps its own decision:
 * "ко то на со за" leans to yb by 2, under the margin (und alone); after a
 * ya paragraph it used to take ya across the blank line. A paragraph that
 * leans to its neighbour's language keeps it, and a one-word title joins.
 */
static void test_own_paragraph(void)
{
    char dir[] = "/tmp/lid_toyXXXXXX";
    if (!mkdtemp(dir)) {
        TEST_OK(0, "mkdtemp");
        return;
    }
    put_profile(dir, "ya", "", "на по за");
    put_profile(dir, "yb", "", "ко то со");
    TEST_EQ_STR(toy_ident(dir, "ко то на со за"), "und", "the leaning paragraph alone is und");
    TEST_EQ_STR(toy_blocks(dir, "на по за на по\n\nко то на со за\n"), "ya@0-24,und@26-50",
                "an unsure paragraph does not take a language its own evidence does not favour");
    TEST_EQ_STR(toy_blocks(dir, "на по за на по\n\nко то на за по\n"), "ya@0-50",
                "an unsure paragraph leaning to its neighbour's language joins it");
    TEST_EQ_STR(toy_blocks(dir, "на по за на по\nко на то за\n"), "ya@0-44",
                "a wrapped line (no blank line) still goes with its paragraph");
    TEST_EQ_STR(toy_blocks(dir, "ко\n\nна по за на по\n"), "ya@0-30",
                "a one-word title joins its paragraph");
    const char *names[] = {"ya", "yb"};
    for (size_t i = 0; i < 2; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s.lang", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

/*
 * The margin rule on toy profiles: xa and xb list the same words, only xa
 * writes ы; xc writes ы too but lists nothing. On "на по за сыр" xa leads xb
 * by 2 (the cost of one foreign letter), under the margin of 3.
 */
static void test_margin_rule(void)
{
    char dir[] = "/tmp/lid_toyXXXXXX";
    if (!mkdtemp(dir)) {
        TEST_OK(0, "mkdtemp");
        return;
    }
    put_profile(dir, "xa", "ы", "на по за");
    put_profile(dir, "xb", "щ", "на по за");
    /* With xb the only rival, ruling it out must not decide by itself. */
    TEST_EQ_STR(toy_ident(dir, "на по за сыр"), "und",
                "only rival ruled out: the margin over it still counts");
    put_profile(dir, "xc", "ы", "");
    TEST_EQ_STR(toy_ident(dir, "на по за сыр"), "xa",
                "a rival that cannot write a lower-case letter of the text is no rival");
    TEST_EQ_STR(toy_ident(dir, "на по за Сыр"), "und",
                "a capitalised word (a name) rules no rival out");
    TEST_EQ_STR(toy_ident(dir, "на по за сор"), "und", "no foreign letter: the margin stays");
    TEST_EQ_STR(toy_ident(dir, "на по за сыр щи"), "und",
                "the best cannot write every letter either: nobody is ruled out");
    TEST_EQ_STR(toy_ident(dir, "на по за щит"), "und",
                "the letter-poor profile never gains from the rule");
    const char *names[] = {"xa", "xb", "xc"};
    for (size_t i = 0; i < 3; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s.lang", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

int main(void)
{
    host = *harness_host();
    host.doc_add_block = t_add_block;
    host.doc_set_lang = t_set_lang;
    TEST_EQ_INT(intake_plugin_entry_langid_lexicon(&host, &plug), INTAKE_OK, "entry point");
    TEST_EQ_INT(plug->stage, INTAKE_STAGE_LANGID, "language stage");
    TEST_OK(plug->cb_identify != NULL, "offers cb_identify");

    struct intake_error err;
    intake_error_clear(&err);
    const char *bad = "/nonexistent/langid";
    TEST_EQ_INT(plug->cb_init(&host, NULL, &bad, &inst, &err), INTAKE_ECONFIG,
                "a missing data_dir is a configuration error");
    const char *dir = LID_TEST_DATA_DIR;
    TEST_EQ_INT(plug->cb_init(&host, NULL, &dir, &inst, &err), INTAKE_OK, "init: %s", err.msg);
    TEST_EQ_INT(plug->cb_worker_init(inst, &work, &err), INTAKE_OK, "worker init");

    /* One sentence per language, in legal register (written for this test). */
    static const struct {
        const char *lang, *text;
    } one[] = {
        {"ru", "Подсудимый вину в совершении преступления признал полностью и раскаялся."},
        {"kk", "Сотталушы қылмыс жасағанын толық мойындады және өкінетінін айтты."},
        {"kk-Latn", "Sottaluşy qylmys jasağanyn tolyq moiyndady jäne ökinetinin aitty."},
        {"ky", "Соттолуучу кылмыш жасаганын толук мойнуна алды жана өкүнөрүн айтты."},
        {"tk", "Günäkärlenýän jenaýat edendigini doly boýun aldy we gynanýandygyny aýtdy."},
        {"tk-Cyrl", "Гүнәкәрленйән җенаят эдендигини долы боюн алды ве гынанядыгыны айтды."},
        {"uz", "Sudlanuvchi jinoyat sodir etganini toʻliq tan oldi va pushaymon boʻldi."},
        {"uz-Cyrl", "Судланувчи жиноят содир этганини тўлиқ тан олди ва пушаймон бўлди."},
        {"tg", "Айбдоршаванда гуноҳи худро пурра эътироф кард ва аз кирдораш пушаймон шуд."},
        {"tr", "Sanık suçu işlediğini tamamen kabul etti ve pişman olduğunu söyledi."},
        {"az", "Təqsirləndirilən şəxs cinayəti törətdiyini tam etiraf etdi və peşman oldu."},
        {"en", "The defendant fully admitted the offence and said that he regretted it."},
    };
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
        TEST_EQ_STR(ident(one[i].text), one[i].lang, "identify %s", one[i].lang);

    /* Confusers: never taken for Russian or Kazakh. */
    const char *uk =
        ident("Обвинувачений повністю визнав свою провину і щиро покаявся перед судом.");
    TEST_OK(strcmp(uk, "ru") != 0 && strcmp(uk, "kk") != 0, "Ukrainian is not ru/kk (%s)", uk);
    const char *bg = ident("Подсъдимият призна изцяло вината си и заяви, че съжалява за това.");
    TEST_OK(strcmp(bg, "ru") != 0 && strcmp(bg, "kk") != 0, "Bulgarian is not ru/kk (%s)", bg);
    const char *tt = ident("Гаепләнүче үз гаебен тулысынча таныды һәм моның өчен үкенүен әйтте.");
    TEST_OK(strcmp(tt, "kk") != 0 && strcmp(tt, "ky") != 0, "Tatar is not kk/ky (%s)", tt);

    /* Abstain rather than guess. */
    TEST_EQ_STR(ident(""), "und", "empty text is und");
    TEST_EQ_STR(ident("12.03.2021 № 45-67"), "und", "numbers only are und");
    TEST_EQ_STR(ident("Алматы, 2021"), "und", "a place and a year are und");
    TEST_EQ_STR(ident("\xff\xfe\xc0 bad"), "und", "invalid UTF-8 is und, no crash");

    /* A mixed document: Kazakh, Russian and Turkmen paragraphs. */
    const char *pk = "Сот отырысында куә оқиға туралы толық айтып берді және өз "
                     "көрсетулерін растады.";
    const char *pr = "В судебном заседании свидетель подробно рассказал о произошедшем и "
                     "подтвердил свои показания.";
    const char *pt = "Kazyýet mejlisinde şaýat bolan waka barada jikme-jik gürrüň berdi we öz "
                     "görkezmelerini tassyklady.";
    char doc[2048];
    snprintf(doc, sizeof doc, "%s\n\n%s\n\n%s\n", pk, pr, pt);
    TEST_EQ_INT(run_doc(doc), INTAKE_OK, "process a mixed document");
    size_t ok_k = strlen(pk) / 2, ok_r = strlen(pk) + 2 + strlen(pr) / 2;
    size_t ok_t = strlen(pk) + 2 + strlen(pr) + 2 + strlen(pt) / 2;
    const struct intake_block *b;
    b = block_at(0);
    TEST_OK(b && strcmp(b->lang, "kk") == 0, "block at 0 is kk");
    b = block_at(ok_k);
    TEST_OK(b && strcmp(b->lang, "kk") == 0 && strcmp(b->script, "Cyrl") == 0, "Kazakh paragraph");
    b = block_at(strlen(pk) + 2);
    TEST_OK(b && strcmp(b->lang, "ru") == 0, "Russian from its first byte");
    b = block_at(ok_r);
    TEST_OK(b && strcmp(b->lang, "ru") == 0, "Russian paragraph");
    b = block_at(strlen(pk) + 2 + strlen(pr) + 2);
    TEST_OK(b && strcmp(b->lang, "tk") == 0, "Turkmen from its first byte");
    b = block_at(ok_t);
    TEST_OK(b && strcmp(b->lang, "tk") == 0 && strcmp(b->script, "Latn") == 0, "Turkmen paragraph");
    TEST_EQ_INT(nblocks, 3, "three blocks");
    if (nblocks == 3) {
        /* Boundaries exact to the byte: each block ends with its paragraph's
         * full stop and the next starts at the next paragraph's first letter. */
        TEST_EQ_INT(blocks[0].start, 0, "kk block starts at 0");
        TEST_EQ_INT(blocks[0].end, strlen(pk), "kk block ends at its full stop");
        TEST_EQ_INT(blocks[1].start, strlen(pk) + 2, "ru block starts after the blank line");
        TEST_EQ_INT(blocks[1].end, strlen(pk) + 2 + strlen(pr), "ru block ends at its full stop");
        TEST_EQ_INT(blocks[2].start, strlen(pk) + 2 + strlen(pr) + 2, "tk block start");
        TEST_EQ_INT(blocks[2].end, strlen(doc) - 1, "tk block ends before the last newline");
    }
    for (size_t i = 0; i < nblocks; i++)
        TEST_OK(blocks[i].confidence > 0.5f && blocks[i].confidence <= 1.0f, "confidence %zu", i);
    TEST_OK(doc_lang[0] && strcmp(doc_lang, "und") != 0, "a main language (%s)", doc_lang);

    /* A change of language inside one line, at a change of script: Russian
     * then Turkmen Latin in one paragraph (written for this test). */
    const char *sr = "Свидетель в судебном заседании подтвердил свои показания полностью.";
    const char *st = "Şaýat kazyýet mejlisinde öz görkezmelerini doly tassyklady.";
    snprintf(doc, sizeof doc, "%s %s\n", sr, st);
    TEST_EQ_INT(run_doc(doc), INTAKE_OK, "process a two-script line");
    TEST_EQ_INT(nblocks, 2, "two blocks in one line");
    if (nblocks == 2) {
        TEST_OK(strcmp(blocks[0].lang, "ru") == 0 && strcmp(blocks[0].script, "Cyrl") == 0,
                "first run is ru/Cyrl (%s)", blocks[0].lang);
        TEST_EQ_INT(blocks[0].start, 0, "ru run starts at 0");
        TEST_EQ_INT(blocks[0].end, strlen(sr), "ru run ends at its full stop");
        TEST_OK(strcmp(blocks[1].lang, "tk") == 0 && strcmp(blocks[1].script, "Latn") == 0,
                "second run is tk/Latn (%s)", blocks[1].lang);
        TEST_EQ_INT(blocks[1].start, strlen(sr) + 1, "tk run starts at its first letter");
        TEST_EQ_INT(blocks[1].end, strlen(sr) + 1 + strlen(st), "tk run ends at its full stop");
    }

    /* A change of language at a line break with no blank line, in one script:
     * a Kazakh line then a Russian line. */
    const char *lk = "Сот отырысында куә өз көрсетулерін толық растады және қосымша "
                     "түсініктеме берді.";
    const char *lr = "В судебном заседании свидетель полностью подтвердил свои показания и "
                     "дал пояснения.";
    snprintf(doc, sizeof doc, "%s\n%s\n", lk, lr);
    TEST_EQ_INT(run_doc(doc), INTAKE_OK, "process kk and ru lines");
    TEST_EQ_INT(nblocks, 2, "two blocks across a line break");
    if (nblocks == 2) {
        TEST_EQ_STR(blocks[0].lang, "kk", "first line kk");
        TEST_EQ_INT(blocks[0].end, strlen(lk), "kk block ends at the line's end");
        TEST_EQ_STR(blocks[1].lang, "ru", "second line ru");
        TEST_EQ_INT(blocks[1].start, strlen(lk) + 1, "ru block starts at the next line");
        TEST_EQ_INT(blocks[1].end, strlen(lk) + 1 + strlen(lr), "ru block ends at its full stop");
    }
    TEST_EQ_STR(doc_lang, "ru", "main language: the one with more letters");

    /* A Latin name ending a Russian paragraph stays in the Russian block; it
     * does not join the Latin paragraph after the blank line. */
    const char *rn = "Об этом сообщил представитель компании Globex.";
    const char *kl = "Sot otyrysynda kuä oqiğa turaly tolyq aityp berdi jäne öz körsetulerın "
                     "rastady.";
    snprintf(doc, sizeof doc, "%s\n\n%s\n", rn, kl);
    TEST_EQ_INT(run_doc(doc), INTAKE_OK, "process ru (ending in a Latin name) then kk-Latn");
    TEST_EQ_INT(nblocks, 2, "two blocks");
    if (nblocks == 2) {
        TEST_EQ_STR(blocks[0].lang, "ru", "the Russian paragraph is ru");
        TEST_EQ_INT(blocks[0].end, strlen(rn), "... up to its end, the Latin name included");
        TEST_EQ_STR(blocks[1].lang, "kk-Latn", "the next paragraph is kk-Latn");
        TEST_EQ_INT(blocks[1].start, strlen(rn) + 2, "... from its first letter");
    }

    /* A title too short to judge alone takes its paragraph's language. */
    TEST_EQ_INT(run_doc("ПРИГОВОР\n\nСуд, рассмотрев материалы уголовного дела в открытом "
                        "судебном заседании, установил следующее.\n"),
                INTAKE_OK, "process a Russian document with a title");
    TEST_EQ_STR(doc_lang, "ru", "document language ru");
    TEST_EQ_INT(nblocks, 1, "title and body are one block");

    TEST_EQ_INT(run_doc(""), INTAKE_OK, "empty document");
    TEST_EQ_STR(doc_lang, "und", "empty document is und");

    test_margin_rule();
    test_own_paragraph();

    plug->cb_worker_exit(inst, work);
    plug->cb_exit(inst);
    return test_done();
}
