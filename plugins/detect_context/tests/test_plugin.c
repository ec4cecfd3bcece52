/*
 * detect_context through its plugin interface (mock host): options, errors,
 * and one line per form of every type and language (spans and scores).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

int intake_plugin_entry_detect_context(const struct intake_host *host,
                                       const struct intake_plugin **out);
#include "test.h"

struct cfg {
    const char *data_dir;
    const char *const *types;
    int64_t context_window;
    double min_score;
};

static const struct intake_plugin *P;

/* Spans of label \p label with score >= 0.5 in \p text; returns 1 when the
 * union of their texts equals \p want exactly (want "" = none). */
static int check(void *in, void *wk, const char *text, uint32_t label, const char *want)
{
    struct intake_error err;
    intake_error_clear(&err);
    struct intake_doc *d = harness_doc_create(text, strlen(text));
    if (!d || P->cb_process(in, wk, d, &err) != INTAKE_OK) {
        harness_doc_destroy(d);
        return 0;
    }
    size_t n;
    const struct intake_span *sp = harness_doc_spans(d, &n);
    char got[1024] = "";
    for (size_t i = 0; i < n; i++) {
        if (sp[i].label != label || sp[i].score < 0.5f)
            continue;
        size_t l = strlen(got);
        snprintf(got + l, sizeof got - l, "%s%.*s", l ? "|" : "", (int)(sp[i].end - sp[i].start),
                 text + sp[i].start);
    }
    int ok = strcmp(got, want) == 0;
    if (!ok)
        printf("#   got  '%s'\n#   want '%s'\n", got, want);
    harness_doc_destroy(d);
    return ok;
}

static const struct {
    uint32_t label;
    const char *text, *want;
} cases[] = {
    /* dates of birth */
    {INTAKE_LABEL_DATE, "Иванова Мария Петровна, 12.03.1985 г.р., проживает", "12.03.1985"},
    {INTAKE_LABEL_DATE, "родилась 12 марта 1985 г. в Алматы", "12 марта 1985"},
    {INTAKE_LABEL_DATE, "Дата рождения: 12/03/1985", "12/03/1985"},
    {INTAKE_LABEL_DATE, "1985 года рождения, уроженец", "1985"},
    {INTAKE_LABEL_DATE, "Сұлтанова Әсел, 1985 жылғы 12 наурызда Алматы қаласында туған",
     "1985 жылғы 12 наурызда"},
    {INTAKE_LABEL_DATE, "Асанова Нуриза, 1985-жылы 12-мартта туулган", "1985-жылы 12-мартта"},
    {INTAKE_LABEL_DATE, "Annaýewa Aýna, 1985-nji ýylyň 12-nji martynda doglan",
     "1985-nji ýylyň 12-nji martynda"},
    {INTAKE_LABEL_DATE, "Karimova Nodira, 1985-yil 12-martda tugʻilgan", "1985-yil 12-martda"},
    {INTAKE_LABEL_DATE, "Karimova Nodira, 12.03.1985 Buxoro shahrida tug'ilgan", "12.03.1985"},
    {INTAKE_LABEL_DATE, "The victim, born on March 12, 1985 in Osh", "March 12, 1985"},
    {INTAKE_LABEL_DATE, "(date of birth: 1985-03-12, place of birth: Osh)", "1985-03-12"},
    {INTAKE_LABEL_DATE, "DOB 12 March 1985", "12 March 1985"},
    {INTAKE_LABEL_DATE, "Решение от 14 апреля 2021 года по делу № 2-117/2021", ""},
    {INTAKE_LABEL_DATE, "по ст. 128 ч. 3 УК РК, 15.06.2022 суд постановил", ""},
    /* addresses */
    {INTAKE_LABEL_ADDRESS, "проживает: г. Алматы, пр. Абая, д. 15, кв. 42, тел.",
     "г. Алматы, пр. Абая, д. 15, кв. 42"},
    {INTAKE_LABEL_ADDRESS, "в офисе на ул. Садовая, д. 3. Он", "ул. Садовая, д. 3"},
    {INTAKE_LABEL_ADDRESS, "по адресу: мкр. Самал-2, д. 5, в мае", "мкр. Самал-2, д. 5"},
    {INTAKE_LABEL_ADDRESS, "мекенжайы: Абай даңғылы, 15-үй, 42-пәтер, 2021 жылғы",
     "Абай даңғылы, 15-үй, 42-пәтер"},
    {INTAKE_LABEL_ADDRESS, "оны Тараз қ., Жамбыл көшесі, 12-үй мекенжайында",
     "Тараз қ., Жамбыл көшесі, 12-үй"},
    {INTAKE_LABEL_ADDRESS, "дареги: Ош ш., Ленин көчөсү, 5-үй, 12-батир, 2020-жылы",
     "Ош ш., Ленин көчөсү, 5-үй, 12-батир"},
    {INTAKE_LABEL_ADDRESS, "salgysy: Aşgabat ş., Görogly köçesi, 12-nji jaý, 34-nji öý, 2019",
     "Aşgabat ş., Görogly köçesi, 12-nji jaý, 34-nji öý"},
    {INTAKE_LABEL_ADDRESS,
     "manzili: Yunusobod tumani, Amir Temur ko'chasi, 15-uy, 42-xonadon, 2022-yil",
     "Yunusobod tumani, Amir Temur ko'chasi, 15-uy, 42-xonadon"},
    {INTAKE_LABEL_ADDRESS, "residing at 7 Birch Street, flat 3, Karaganda 100012, stated",
     "7 Birch Street, flat 3, Karaganda 100012"},
    {INTAKE_LABEL_ADDRESS, "Департамента полиции г. Алматы, ст. 71 УПК РК", ""},
    {INTAKE_LABEL_ADDRESS, "Мекенжайы: Алматы қаласы, Абай даңғылы, 150/2 үй, 45 пәтер.",
     "Алматы қаласы, Абай даңғылы, 150/2 үй, 45 пәтер"},
    {INTAKE_LABEL_ADDRESS, "Manzili: Toshkent sh., Chilonzor tumani, 9-kvartal, 15-uy, 42-xonadon.",
     "Toshkent sh., Chilonzor tumani, 9-kvartal, 15-uy, 42-xonadon"},
    {INTAKE_LABEL_ADDRESS, "по адресу: Павлодар, ул. Толе би, 56-169) работу",
     "Павлодар, ул. Толе би, 56-169"},
    {INTAKE_LABEL_ADDRESS, "The employer, Silk Road Service LLP (BIN 0302)", ""},
    {INTAKE_LABEL_ADDRESS, "Gurbanow Maksat tarapyndan aldaw ýoly bilen işe çekildi", ""},
    {INTAKE_LABEL_ADDRESS, "Суроға: ш. Душанбе, кӯчаи Рӯдакӣ, хонаи 15, ҳуҷраи 42.",
     "ш. Душанбе, кӯчаи Рӯдакӣ, хонаи 15, ҳуҷраи 42"},
    {INTAKE_LABEL_DATE, "Раҳимов Фаррух, 15 марти соли 1985 таваллуд шудааст",
     "15 марти соли 1985"},
    /* places */
    {INTAKE_LABEL_LOCATION, "родился 5 мая 1990 года в г. Караганде, проживает", "Караганде"},
    {INTAKE_LABEL_LOCATION, "Место рождения: г. Шымкент. Место", "Шымкент"},
    {INTAKE_LABEL_LOCATION, "Tug'ilgan joyi: Samarqand viloyati.", "Samarqand"},
    {INTAKE_LABEL_LOCATION, "Doglan ýeri: Mary şäheri.", "Mary"},
    {INTAKE_LABEL_LOCATION, "The applicant is a resident of Bishkek.", "Bishkek"},
    {INTAKE_LABEL_LOCATION, "1999 г.р., уроженке г. Талас, проживающей", "Талас"},
    {INTAKE_LABEL_LOCATION, "place of birth: Kyzylorda, IIN", "Kyzylorda"},
    {INTAKE_LABEL_LOCATION, "born on 1999-08-07 in Andijan, holder", "Andijan"},
    {INTAKE_LABEL_LOCATION, "26.01.2002 Шымкент қаласында туған", "Шымкент"},
    {INTAKE_LABEL_LOCATION, "04.04.1984 Türkmenbaşy şäherinde doglan", "Türkmenbaşy"},
    {INTAKE_LABEL_LOCATION, "Ол Алматы қаласында жұмыс істеді", ""},
    /* plates */
    {INTAKE_LABEL_VEHICLE_PLATE, "автомобиль марки Toyota, госномер 123 ABC 02, принадлежащий",
     "123 ABC 02"},
    {INTAKE_LABEL_VEHICLE_PLATE, "на автомашине с г/н А123ВС 77 выехали", "А123ВС 77"},
    {INTAKE_LABEL_VEHICLE_PLATE, "avtomobil 01 A 123 BC davlat raqami", "01 A 123 BC"},
    {INTAKE_LABEL_VEHICLE_PLATE, "унаа 01KG123ABC", "01KG123ABC"},
    {INTAKE_LABEL_VEHICLE_PLATE, "с государственным номером 123 ABC 02, а также", "123 ABC 02"},
    {INTAKE_LABEL_VEHICLE_PLATE, "госномер А123ВС777", "А123ВС777"},
    {INTAKE_LABEL_VEHICLE_PLATE, "тел. +7 701 482 31 65, паспорт AN4666407, 01 123 45", ""},
    {INTAKE_LABEL_DATE, "Year of birth: 1972.", "1972"},
    {INTAKE_LABEL_DATE, "Потерпевшая Ким О.В., 1987 г.р., уроженка", "1987"},
    {INTAKE_LABEL_DATE, "В 2021 году она уехала, в 1990 году родился сын", "1990"},
    {INTAKE_LABEL_DATE, "В 2021 году она уехала в Москву.", ""},
    {INTAKE_LABEL_VEHICLE_PLATE, "дело № 2-117/2021, 450 000 тенге, 123 456 78", ""},
    /* OCR read birth and place words partly with Latin letters (p, o, y, e, T) */
    {INTAKE_LABEL_DATE, "Ceйткали Д., 07.11.1993 poдилась в Таразе", "07.11.1993"},
    {INTAKE_LABEL_DATE, "Асанов Б., 1991-жылы 4-майда тyyлган", "1991-жылы 4-майда"},
    {INTAKE_LABEL_LOCATION, "Mecтo рождения: г. Кокшетау.", "Кокшетау"},
    /* ... but a mixed word that is no birth word leaves the date alone */
    {INTAKE_LABEL_DATE, "Peшение от 07.11.2019 вступило в силу", ""},
};

int main(void)
{
    struct intake_error err;
    intake_error_clear(&err);
    void *in = NULL, *wk = NULL;
    if (!TEST_OK(harness_load(intake_plugin_entry_detect_context, &P) == INTAKE_OK, "descriptor"))
        return test_done();
    TEST_EQ_STR(P->name, "detect_context", "name");
    TEST_EQ_INT(P->stage, INTAKE_STAGE_DETECT, "detect stage");
    TEST_EQ_INT(P->config_size, sizeof(struct cfg), "config struct size");

    /* bad options refuse to start */
    const char *bad_types[] = {"DATE", "PERSON", NULL};
    struct cfg c = {NULL, bad_types, 96, 0.0};
    TEST_EQ_INT(P->cb_init(harness_host(), NULL, &c, &in, &err), INTAKE_ECONFIG, "unknown type");
    TEST_OK(strstr(err.msg, "types") != NULL, "error names the option");
    c.types = NULL;
    c.min_score = 2.0;
    TEST_EQ_INT(P->cb_init(harness_host(), NULL, &c, &in, &err), INTAKE_ECONFIG, "min_score");
    c.min_score = 0.0;
    c.data_dir = "/nonexistent/dc";
    TEST_EQ_INT(P->cb_init(harness_host(), NULL, &c, &in, &err), INTAKE_ECONFIG, "data_dir");

    /* types filter */
    const char *only_date[] = {"date", NULL};
    struct cfg c2 = {NULL, only_date, 96, 0.0};
    if (TEST_OK(P->cb_init(harness_host(), NULL, &c2, &in, &err) == INTAKE_OK &&
                    P->cb_worker_init(in, &wk, &err) == INTAKE_OK,
                "types=date loads")) {
        TEST_OK(check(in, wk, "Дата рождения: 12.03.1985, адрес: ул. Садовая, д. 3",
                      INTAKE_LABEL_ADDRESS, ""),
                "types=date reports no address");
        TEST_OK(check(in, wk, "Дата рождения: 12.03.1985, адрес: ул. Садовая, д. 3",
                      INTAKE_LABEL_DATE, "12.03.1985"),
                "types=date reports the date");
        P->cb_worker_exit(in, wk);
        P->cb_exit(in);
    }

    /* defaults (NULL config, as tools do) */
    if (!TEST_OK(P->cb_init(harness_host(), NULL, NULL, &in, &err) == INTAKE_OK &&
                     P->cb_worker_init(in, &wk, &err) == INTAKE_OK,
                 "defaults load"))
        return test_done();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        TEST_OK(check(in, wk, cases[i].text, cases[i].label, cases[i].want), "%s case %zu",
                intake_label_name(cases[i].label), i);
    TEST_OK(check(in, wk, "", INTAKE_LABEL_DATE, ""), "empty text");

    /* a text of several chunks: every line found, offsets right */
    {
        static const char line[] = "Свидетель Петров, 01.02.1980 г.р., дело № 1-2/2020.\n";
        size_t ll = sizeof line - 1, reps = (3u << 20) / ll + 7;
        char *big = malloc(ll * reps + 1);
        if (TEST_OK(big != NULL, "big text allocated")) {
            for (size_t r = 0; r < reps; r++)
                memcpy(big + r * ll, line, ll);
            big[ll * reps] = '\0';
            struct intake_doc *d = harness_doc_create(big, ll * reps);
            TEST_OK(d && P->cb_process(in, wk, d, &err) == INTAKE_OK, "big text processed");
            size_t n = 0, good = 0;
            const struct intake_span *sp = d ? harness_doc_spans(d, &n) : NULL;
            for (size_t i = 0; i < n; i++)
                good += sp[i].label == INTAKE_LABEL_DATE && sp[i].end - sp[i].start == 10 &&
                        memcmp(big + sp[i].start, "01.02.1980", 10) == 0;
            TEST_EQ_INT(good, reps, "one date of birth per line over %zu lines", reps);
            TEST_EQ_INT(n, reps, "nothing else");
            harness_doc_destroy(d);
            free(big);
        }
    }
    P->cb_worker_exit(in, wk);
    P->cb_exit(in);
    return test_done();
}
