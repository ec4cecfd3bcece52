/*
 * Unit tests of checksums.c.
 *
 * Valid numbers were computed from the published algorithms with a small
 * python3 script (weights and rules as in checksums.h), e.g. for the IIN:
 *   d = [int(c) for c in "88031530012"]; s = sum(a*b for a, b in zip(d, range(1, 12))) % 11
 *   -> 3, so "880315300123"; if s == 10, weights (3..11, 1, 2) again.
 * Invalid ones change one digit of a valid number.
 */
#include <string.h>

#include "checksums.h"
#include "test.h"

static void test_dates(void)
{
    TEST_OK(dp_valid_date(2000, 2, 29), "2000-02-29 is a date (leap, /400)");
    TEST_OK(!dp_valid_date(1900, 2, 29), "1900-02-29 is not (/100)");
    TEST_OK(dp_valid_date(1988, 2, 29), "1988-02-29 is a date");
    TEST_OK(!dp_valid_date(1987, 2, 29), "1987-02-29 is not");
    TEST_OK(!dp_valid_date(1990, 4, 31), "April has 30 days");
    TEST_OK(!dp_valid_date(1990, 13, 1), "month 13");
    TEST_OK(!dp_valid_date(1990, 0, 1), "month 0");
    TEST_OK(!dp_valid_date(1990, 1, 0), "day 0");
}

static void test_kz12(void)
{
    /* IINs: 1988-03-15 male (3), 1988-03-15 female (4), 2005-07-12 (5) ... */
    const char *valid[] = {"880315300123", "880315400457", "050712500012", "960807460333",
                           "750129403345", "000802600851",
                           /* first weights give 10, second weights give 1 */
                           "880315300511"};
    for (size_t i = 0; i < sizeof valid / sizeof *valid; i++) {
        TEST_OK(dp_kz12_check(valid[i]), "IIN %s check digit valid", valid[i]);
        TEST_EQ_INT(dp_kz12_classify(valid[i]), DP_KZ12_IIN, "IIN %s classified IIN", valid[i]);
    }
    TEST_OK(!dp_kz12_check("880315300124"), "IIN with last digit changed fails");
    TEST_OK(!dp_kz12_check("880315300223"), "IIN with a serial digit changed fails");
    /* weight 11 is 0 mod 11: the algorithm cannot see a change in digit 11 */
    TEST_OK(dp_kz12_check("880315300133"), "known blind spot: digit 11 changed still passes");
    TEST_OK(!dp_kz12_check("880315300510"), "second-weight IIN with a wrong digit fails");
    /* 90010140043: both weight sets give 10, no digit can be valid */
    for (char c = '0'; c <= '9'; c++) {
        char n[13] = "90010140043X";
        n[11] = c;
        TEST_OK(!dp_kz12_check(n), "unusable prefix with check digit %c refused", c);
    }
    /* BINs: YYMM + entity type 4..6 + attribute + serial + check */
    const char *bins[] = {"041151116818", "200951337894", "030242590565"};
    for (size_t i = 0; i < sizeof bins / sizeof *bins; i++) {
        TEST_OK(dp_kz12_check(bins[i]), "BIN %s check digit valid", bins[i]);
        TEST_EQ_INT(dp_kz12_classify(bins[i]), DP_KZ12_BIN, "BIN %s classified BIN", bins[i]);
    }
    TEST_EQ_INT(dp_kz12_classify("881315300123"), DP_KZ12_OTHER, "month 13: not an IIN");
    TEST_EQ_INT(dp_kz12_classify("880230300123"), DP_KZ12_OTHER, "30 February: not an IIN");
    TEST_EQ_INT(dp_kz12_classify("880315700123"), DP_KZ12_OTHER, "century digit 7: not an IIN");
    TEST_EQ_INT(dp_kz12_classify("880315000123"), DP_KZ12_IIN, "century digit 0 (foreigner)");
}

static void test_ru(void)
{
    TEST_OK(dp_ru_inn10_check("7707083893"), "INN-10 7707083893 valid");
    TEST_OK(dp_ru_inn10_check("5001007329"), "INN-10 5001007329 valid");
    TEST_OK(!dp_ru_inn10_check("7707083894"), "INN-10 with wrong check fails");
    TEST_OK(dp_ru_inn12_check("770708389324"), "INN-12 770708389324 valid");
    TEST_OK(dp_ru_inn12_check("123456789047"), "INN-12 123456789047 valid");
    TEST_OK(!dp_ru_inn12_check("123456789048"), "INN-12 with wrong 12th digit fails");
    TEST_OK(!dp_ru_inn12_check("123456789147"), "INN-12 with wrong 11th digit fails");
    TEST_OK(dp_snils_check("11223344595"), "SNILS 112-233-445 95 valid");
    TEST_OK(dp_snils_check("12345678964"), "SNILS 123-456-789 64 valid");
    TEST_OK(dp_snils_check("98765432183"), "SNILS 987-654-321 83 valid (sum > 101)");
    TEST_OK(!dp_snils_check("11223344596"), "SNILS with wrong check fails");
    TEST_OK(!dp_snils_check("00100199800"), "SNILS up to 001-001-998 carries no check");
}

static void test_luhn(void)
{
    const char *valid[] = {"4000000000000002", "5536912345678906", "2200701234567896",
                           "8600123456789012", "9860123456789015", "378282246310005"};
    for (size_t i = 0; i < sizeof valid / sizeof *valid; i++)
        TEST_OK(dp_luhn_check(valid[i], strlen(valid[i])), "Luhn %s valid", valid[i]);
    TEST_OK(!dp_luhn_check("4000000000000003", 16), "Luhn wrong digit fails");
    TEST_OK(!dp_luhn_check("5536912345678960", 16), "Luhn swapped digits fail");
}

static void test_ids14(void)
{
    /* PINFL: century/sex 3 + 15.03.85 + district + serial + check (7-3-1) */
    TEST_OK(dp_uz_pinfl_structure("31503851234566"), "PINFL 31503851234566 structure");
    TEST_OK(dp_uz_pinfl_check("31503851234566"), "PINFL 31503851234566 7-3-1 digit");
    TEST_OK(!dp_uz_pinfl_check("31503851234567"), "PINFL 7-3-1 digit wrong");
    TEST_OK(dp_uz_pinfl_structure("41207904561238"), "PINFL 41207904561238 structure");
    TEST_OK(!dp_uz_pinfl_structure("71503851234566"), "PINFL century digit 7 refused");
    TEST_OK(!dp_uz_pinfl_structure("33203851234566"), "PINFL day 32 refused");
    TEST_OK(!dp_uz_pinfl_structure("32902851234566"), "PINFL 29.02.85 refused (not leap)");
    /* KG PIN: sex 1/2 + DDMMYYYY + 5 */
    TEST_OK(dp_kg_pin_structure("11503198512345"), "KG PIN 1 15031985 12345");
    TEST_OK(dp_kg_pin_structure("22902200012345"), "KG PIN 29.02.2000 (leap)");
    TEST_OK(!dp_kg_pin_structure("31503198512345"), "KG PIN sex digit 3 refused");
    TEST_OK(!dp_kg_pin_structure("11513198512345"), "KG PIN month 13 refused");
    TEST_OK(!dp_kg_pin_structure("11503178512345"), "KG PIN year 1785 refused");
}

static void test_iban(void)
{
    const char *valid[] = {"KZ86125KZT5004100100",       "KZ829261234567890123",
                           "DE89370400440532013000",     "AE070331234567890123456",
                           "TR330006100519786457841326", "GB29NWBK60161331926819"};
    for (size_t i = 0; i < sizeof valid / sizeof *valid; i++) {
        size_t n = strlen(valid[i]);
        TEST_OK(dp_iban_mod97(valid[i], n), "IBAN %s mod 97", valid[i]);
        TEST_EQ_INT(dp_iban_country_length(valid[i][0], valid[i][1]), (long long)n,
                    "IBAN %.2s length %zu", valid[i], n);
    }
    TEST_OK(!dp_iban_mod97("KZ86125KZT5004100101", 20), "IBAN one digit changed fails");
    TEST_OK(!dp_iban_mod97("KZ68125KZT5004100100", 20), "IBAN check digits swapped fail");
    TEST_OK(!dp_iban_mod97("kz86125kzt5004100100", 20), "lower case is not compact form");
    TEST_EQ_INT(dp_iban_country_length('R', 'U'), 0, "Russia has no IBAN");
    TEST_EQ_INT(dp_iban_country_length('K', 'G'), 0, "Kyrgyzstan has no IBAN");
}

int main(void)
{
    test_dates();
    test_kz12();
    test_ru();
    test_luhn();
    test_ids14();
    test_iban();
    return test_done();
}
