/*
 * detect_patterns: check digits and structure rules of identifiers.
 * See checksums.h for the algorithms; sources are the published rules of
 * each issuer (KZ IIN/BIN, RU INN/SNILS, ISO 13616, ISO/IEC 7812).
 */
#include "checksums.h"

#define DIG(c) ((int)((c) - '0'))

int dp_valid_date(int year, int month, int day)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1)
        return 0;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int max = mdays[month - 1] + (month == 2 && leap);
    return day <= max;
}

/* Two digits as a number. */
static int two(const char *d)
{
    return DIG(d[0]) * 10 + DIG(d[1]);
}

int dp_kz12_check(const char *d)
{
    static const int w1[11] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    static const int w2[11] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2};
    int s = 0;
    for (int i = 0; i < 11; i++)
        s += DIG(d[i]) * w1[i];
    s %= 11;
    if (s == 10) {
        s = 0;
        for (int i = 0; i < 11; i++)
            s += DIG(d[i]) * w2[i];
        s %= 11;
        if (s == 10)
            return 0; /* issuers never hand out such numbers */
    }
    return s == DIG(d[11]);
}

enum dp_kz12_class dp_kz12_classify(const char *d)
{
    /* An IIN's 5th digit is the tens of the birth day (0..3); a BIN's is the
     * entity type 4..6, so the two never collide. */
    int t = DIG(d[4]);
    if (t >= 4 && t <= 6)
        return DP_KZ12_BIN;
    int yy = two(d), mm = two(d + 2), dd = two(d + 4);
    int c = DIG(d[6]);
    switch (c) {
    case 1:
    case 2: return dp_valid_date(1800 + yy, mm, dd) ? DP_KZ12_IIN : DP_KZ12_OTHER;
    case 3:
    case 4: return dp_valid_date(1900 + yy, mm, dd) ? DP_KZ12_IIN : DP_KZ12_OTHER;
    case 5:
    case 6: return dp_valid_date(2000 + yy, mm, dd) ? DP_KZ12_IIN : DP_KZ12_OTHER;
    case 0: /* foreign residents: the century is not encoded */
        return (dp_valid_date(1900 + yy, mm, dd) || dp_valid_date(2000 + yy, mm, dd))
                   ? DP_KZ12_IIN
                   : DP_KZ12_OTHER;
    default: return DP_KZ12_OTHER;
    }
}

/* Weighted sum mod 11 mod 10, the INN check rule. */
static int inn_digit(const char *d, const int *w, int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += DIG(d[i]) * w[i];
    return s % 11 % 10;
}

int dp_ru_inn10_check(const char *d)
{
    static const int w[9] = {2, 4, 10, 3, 5, 9, 4, 6, 8};
    return inn_digit(d, w, 9) == DIG(d[9]);
}

int dp_ru_inn12_check(const char *d)
{
    static const int w1[10] = {7, 2, 4, 10, 3, 5, 9, 4, 6, 8};
    static const int w2[11] = {3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8};
    return inn_digit(d, w1, 10) == DIG(d[10]) && inn_digit(d, w2, 11) == DIG(d[11]);
}

int dp_snils_check(const char *d)
{
    long num = 0;
    int s = 0;
    for (int i = 0; i < 9; i++) {
        num = num * 10 + DIG(d[i]);
        s += DIG(d[i]) * (9 - i);
    }
    if (num <= 1001998)
        return 0;
    int c;
    if (s < 100)
        c = s;
    else if (s == 100 || s == 101)
        c = 0;
    else {
        c = s % 101;
        if (c == 100)
            c = 0;
    }
    return c == two(d + 9);
}

int dp_luhn_check(const char *d, size_t n)
{
    int s = 0;
    for (size_t i = 0; i < n; i++) {
        int x = DIG(d[n - 1 - i]);
        if (i & 1) {
            x *= 2;
            if (x > 9)
                x -= 9;
        }
        s += x;
    }
    return n > 0 && s % 10 == 0;
}

int dp_uz_pinfl_structure(const char *d)
{
    int c = DIG(d[0]);
    int dd = two(d + 1), mm = two(d + 3), yy = two(d + 5);
    static const int century[7] = {0, 1800, 1800, 1900, 1900, 2000, 2000};
    if (c < 1 || c > 6)
        return 0;
    return dp_valid_date(century[c] + yy, mm, dd);
}

int dp_uz_pinfl_check(const char *d)
{
    static const int w[3] = {7, 3, 1};
    int s = 0;
    for (int i = 0; i < 13; i++)
        s += DIG(d[i]) * w[i % 3];
    return s % 10 == DIG(d[13]);
}

int dp_kg_pin_structure(const char *d)
{
    int c = DIG(d[0]);
    if (c != 1 && c != 2)
        return 0;
    int dd = two(d + 1), mm = two(d + 3), yyyy = two(d + 5) * 100 + two(d + 7);
    return yyyy >= 1900 && yyyy <= 2099 && dp_valid_date(yyyy, mm, dd);
}

int dp_iban_country_length(char c0, char c1)
{
    /* ISO 13616 registry lengths of the countries our users meet most:
     * Europe, the Gulf, Turkey, the Caucasus and Kazakhstan. Kyrgyzstan,
     * Uzbekistan, Turkmenistan, Tajikistan and Russia have no IBAN. */
    static const struct {
        char cc[3];
        unsigned char len;
    } tab[] = {
        {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16},
        {"BG", 22}, {"BH", 22}, {"BY", 28}, {"CH", 21}, {"CY", 28}, {"CZ", 24}, {"DE", 22},
        {"DK", 18}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27},
        {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"HR", 21}, {"HU", 28},
        {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30},
        {"KZ", 20}, {"LB", 28}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27},
        {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MT", 31}, {"NL", 18}, {"NO", 15}, {"PK", 24},
        {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"SA", 24},
        {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"TN", 24}, {"TR", 26}, {"UA", 29},
        {"VG", 24}, {"XK", 20},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (tab[i].cc[0] == c0 && tab[i].cc[1] == c1)
            return tab[i].len;
    return 0;
}

int dp_iban_mod97(const char *s, size_t n)
{
    if (n < 5)
        return 0;
    /* Rearranged: BBAN first, then country and check digits; letters count
     * as 10..35. Folding digit by digit keeps the remainder small. */
    unsigned r = 0;
    for (size_t k = 0; k < n; k++) {
        char c = s[(k + 4) % n];
        if (c >= '0' && c <= '9')
            r = (r * 10 + (unsigned)(c - '0')) % 97;
        else if (c >= 'A' && c <= 'Z')
            r = (r * 100 + (unsigned)(c - 'A' + 10)) % 97;
        else
            return 0;
    }
    return r == 1;
}
