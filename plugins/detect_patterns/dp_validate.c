/*
 * detect_patterns: per-hit validation (see dp_validate.h).
 */
#include "dp_validate.h"
#include "dp_fold.h"

#include <arpa/inet.h>
#include <string.h>

#include <intake/span.h>

#define IS_DIGIT(c) ((unsigned)((unsigned char)(c) - '0') < 10u)
#define IS_UPPER(c) ((unsigned)((unsigned char)(c) - 'A') < 26u)
#define IS_LOWER(c) ((unsigned)((unsigned char)(c) - 'a') < 26u)
#define IS_ALPHA(c) (IS_UPPER(c) || IS_LOWER(c))
#define IS_ALNUM(c) (IS_ALPHA(c) || IS_DIGIT(c))
#define IS_HEX(c)   (IS_DIGIT(c) || (unsigned)(((unsigned char)(c) | 0x20) - 'a') < 6u)

/* ---------------------------------------------------------------- scores */

/*
 * The score scheme, one row per kind (README.md has the table):
 * checksum + structure 0.9-0.97, + context 0.97-0.99; structure only
 * 0.6-0.8; weak layouts that need a context word 0.3-0.5 without one;
 * failed checksums only with a context word, and then 0.35 (< 0.5).
 */
static const struct dp_kind_info kinds[DP_K_COUNT] = {
    [DP_K_NONE] = {INTAKE_LABEL_NONE, 0.0f, 0.0f, 0, "none"},
    [DP_K_EMAIL] = {INTAKE_LABEL_EMAIL, 0.95f, 0.99f, DP_CTX_EMAIL, "email"},
    [DP_K_URL] = {INTAKE_LABEL_URL, 0.80f, 0.80f, 0, "url"},
    [DP_K_IPV4] = {INTAKE_LABEL_IP_ADDRESS, 0.80f, 0.80f, 0, "ipv4"},
    [DP_K_IPV6] = {INTAKE_LABEL_IP_ADDRESS, 0.85f, 0.85f, 0, "ipv6"},
    [DP_K_PHONE_INTL] = {INTAKE_LABEL_PHONE, 0.90f, 0.99f, DP_CTX_PHONE, "phone_intl"},
    [DP_K_PHONE_E164] = {INTAKE_LABEL_PHONE, 0.70f, 0.90f, DP_CTX_PHONE, "phone_e164"},
    [DP_K_PHONE_TRUNK] = {INTAKE_LABEL_PHONE, 0.85f, 0.97f, DP_CTX_PHONE, "phone_trunk"},
    [DP_K_PHONE_TRUNK_OTHER] = {INTAKE_LABEL_PHONE, 0.60f, 0.90f, DP_CTX_PHONE,
                                "phone_trunk_other"},
    [DP_K_PHONE_LOCAL] = {INTAKE_LABEL_PHONE, 0.65f, 0.90f, DP_CTX_PHONE, "phone_local"},
    [DP_K_PHONE_LOCAL_COMPACT] = {INTAKE_LABEL_PHONE, 0.55f, 0.85f, DP_CTX_PHONE,
                                  "phone_local_compact"},
    [DP_K_PHONE_LOCAL_WEAK] = {INTAKE_LABEL_PHONE, 0.30f, 0.75f, DP_CTX_PHONE, "phone_local_weak"},
    [DP_K_IIN] = {INTAKE_LABEL_NATIONAL_ID, 0.92f, 0.99f, DP_CTX_ID, "kz_iin"},
    [DP_K_IIN_GROUPED] = {INTAKE_LABEL_NATIONAL_ID, 0.85f, 0.97f, DP_CTX_ID, "kz_iin_grouped"},
    [DP_K_ID12_BAD] = {INTAKE_LABEL_NATIONAL_ID, 0.0f, 0.35f, DP_CTX_ID, "id12_bad_check"},
    [DP_K_INN12] = {INTAKE_LABEL_NATIONAL_ID, 0.45f, 0.95f, DP_CTX_ID, "ru_inn12"},
    [DP_K_SNILS] = {INTAKE_LABEL_NATIONAL_ID, 0.90f, 0.98f, DP_CTX_ID, "ru_snils"},
    [DP_K_SNILS_COMPACT] = {INTAKE_LABEL_NATIONAL_ID, 0.55f, 0.95f, DP_CTX_ID, "ru_snils_compact"},
    [DP_K_SNILS_BAD] = {INTAKE_LABEL_NATIONAL_ID, 0.0f, 0.35f, DP_CTX_ID, "ru_snils_bad_check"},
    [DP_K_PINFL] = {INTAKE_LABEL_NATIONAL_ID, 0.75f, 0.97f, DP_CTX_ID, "uz_pinfl"},
    [DP_K_PINFL_CHK] = {INTAKE_LABEL_NATIONAL_ID, 0.85f, 0.98f, DP_CTX_ID, "uz_pinfl_731"},
    [DP_K_KGPIN] = {INTAKE_LABEL_NATIONAL_ID, 0.80f, 0.97f, DP_CTX_ID, "kg_pin"},
    [DP_K_ID14_BAD] = {INTAKE_LABEL_NATIONAL_ID, 0.0f, 0.35f, DP_CTX_ID, "id14_no_structure"},
    [DP_K_PASS_KZ] = {INTAKE_LABEL_PASSPORT, 0.80f, 0.97f, DP_CTX_PASS, "pass_kz"},
    [DP_K_PASS_SERIES] = {INTAKE_LABEL_PASSPORT, 0.75f, 0.97f, DP_CTX_PASS, "pass_kg_uz"},
    [DP_K_PASS_2L] = {INTAKE_LABEL_PASSPORT, 0.45f, 0.90f, DP_CTX_PASS, "pass_2l"},
    [DP_K_PASS_1L] = {INTAKE_LABEL_PASSPORT, 0.40f, 0.90f, DP_CTX_PASS, "pass_1l"},
    [DP_K_PASS_RU] = {INTAKE_LABEL_PASSPORT, 0.60f, 0.95f, DP_CTX_PASS, "pass_ru"},
    [DP_K_PASS_RU46] = {INTAKE_LABEL_PASSPORT, 0.50f, 0.95f, DP_CTX_PASS, "pass_ru46"},
    [DP_K_PASS_RU_COMPACT] = {INTAKE_LABEL_PASSPORT, 0.0f, 0.85f, DP_CTX_PASS, "pass_ru_compact"},
    [DP_K_PASS_RU_MARKED] = {INTAKE_LABEL_PASSPORT, 0.30f, 0.95f, DP_CTX_PASS, "pass_ru_marked"},
    [DP_K_PASS_SOVIET] = {INTAKE_LABEL_PASSPORT, 0.50f, 0.95f, DP_CTX_PASS, "pass_soviet_series"},
    [DP_K_IBAN] = {INTAKE_LABEL_IBAN, 0.97f, 0.99f, DP_CTX_ACCT, "iban"},
    [DP_K_IBAN_UNKNOWN] = {INTAKE_LABEL_IBAN, 0.80f, 0.95f, DP_CTX_ACCT, "iban_unknown_country"},
    [DP_K_IBAN_BAD] = {INTAKE_LABEL_IBAN, 0.0f, 0.35f, DP_CTX_ACCT, "iban_bad_check"},
    [DP_K_CARD] = {INTAKE_LABEL_CARD, 0.90f, 0.98f, DP_CTX_CARD | DP_CTX_ACCT, "card"},
    [DP_K_CARD_WEAK] = {INTAKE_LABEL_CARD, 0.60f, 0.90f, DP_CTX_CARD | DP_CTX_ACCT, "card_weak"},
    [DP_K_CARD_NONET] = {INTAKE_LABEL_CARD, 0.40f, 0.90f, DP_CTX_CARD | DP_CTX_ACCT,
                         "card_no_network"},
    /* bank accounts have no IBAN in Russia: the closest label is IBAN */
    [DP_K_ACCOUNT_RU] = {INTAKE_LABEL_IBAN, 0.60f, 0.90f, DP_CTX_ACCT, "ru_account"},
    [DP_K_ACCOUNT_20] = {INTAKE_LABEL_IBAN, 0.0f, 0.85f, DP_CTX_ACCT, "account_20"},
    [DP_K_PASS_IDCARD] = {INTAKE_LABEL_PASSPORT, 0.0f, 0.85f, DP_CTX_PASS, "id_card_9"},
};

int dp_kind_checked(unsigned kind)
{
    switch (kind) {
    case DP_K_EMAIL: /* the '@' and a domain are evidence enough */
    case DP_K_IIN:
    case DP_K_IIN_GROUPED:
    case DP_K_INN12:
    case DP_K_SNILS:
    case DP_K_SNILS_COMPACT:
    case DP_K_PINFL_CHK:
    case DP_K_IBAN:
    case DP_K_IBAN_UNKNOWN:
    case DP_K_CARD: return 1;
    default: return 0;
    }
}

const struct dp_kind_info *dp_kind_info(unsigned kind)
{
    return kind < DP_K_COUNT ? &kinds[kind] : &kinds[DP_K_NONE];
}

/* ------------------------------------------------------------ candidates */

void dp_cands_push(struct dp_cands *c, size_t start, size_t end, unsigned kind, unsigned flags)
{
    if (c->oom)
        return;
    if (c->n == c->cap) {
        /* Doubling keeps pushes amortised O(1); the array lives in the
         * worker and is reused, so steady state allocates nothing. */
        size_t ncap = c->cap ? c->cap * 2 : 256;
        struct dp_cand *nv = c->alloc(ncap * sizeof *nv);
        if (!nv) {
            c->oom = 1;
            return;
        }
        if (c->n)
            memcpy(nv, c->v, c->n * sizeof *nv);
        c->free(c->v);
        c->v = nv;
        c->cap = ncap;
    }
    c->v[c->n++] = (struct dp_cand){.start = start,
                                    .end = end,
                                    .kind = (uint16_t)kind,
                                    .flags = (uint16_t)flags,
                                    .score = 0.0f};
}

/* ------------------------------------------------------------- letters */

/* Letters of the scripts in our documents, so that word boundaries work
 * next to Cyrillic, Kazakh, Turkmen and Uzbek letters (incl. the Uzbek
 * okina U+02BB/U+02BC, which is part of words). */
static int cp_is_letter(uint32_t cp)
{
    if (cp < 0x80)
        return IS_ALPHA((int)cp);
    if (cp >= 0xC0 && cp <= 0x2FF)
        return cp != 0xD7 && cp != 0xF7;
    return (cp >= 0x370 && cp <= 0x3FF) || (cp >= 0x400 && cp <= 0x52F) ||
           (cp >= 0x1E00 && cp <= 0x1EFF);
}

/* Decode one code point at t[i..lim); returns its length, 0 if malformed. */
static size_t utf8_decode(const char *t, size_t i, size_t lim, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)t + i;
    size_t n = lim - i;
    if (n == 0)
        return 0;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    if ((u[0] & 0xE0) == 0xC0 && n >= 2) {
        *cp = ((uint32_t)(u[0] & 0x1F) << 6) | (u[1] & 0x3F);
        return 2;
    }
    if ((u[0] & 0xF0) == 0xE0 && n >= 3) {
        *cp = ((uint32_t)(u[0] & 0x0F) << 12) | ((uint32_t)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
        return 3;
    }
    if ((u[0] & 0xF8) == 0xF0 && n >= 4) {
        *cp = ((uint32_t)(u[0] & 0x07) << 18) | ((uint32_t)(u[1] & 0x3F) << 12) |
              ((uint32_t)(u[2] & 0x3F) << 6) | (u[3] & 0x3F);
        return 4;
    }
    return 0;
}

int dp_letter_before(const char *t, size_t i)
{
    if (i == 0)
        return 0;
    if ((unsigned char)t[i - 1] < 0x80) /* the common case, without decoding */
        return IS_ALPHA(t[i - 1]);
    size_t j = i - 1;
    while (j > 0 && i - j < 4 && ((unsigned char)t[j] & 0xC0) == 0x80)
        j--;
    uint32_t cp;
    return utf8_decode(t, j, i, &cp) == i - j && cp_is_letter(cp);
}

int dp_letter_at(const char *t, size_t len, size_t i)
{
    if (i < len && (unsigned char)t[i] < 0x80)
        return IS_ALPHA(t[i]);
    uint32_t cp;
    return i < len && utf8_decode(t, i, len, &cp) && cp_is_letter(cp);
}

/* "№", "N", "No", "No.", "Nr" or "#" just before \p s (spaces skipped). */
static int numsign_before(const char *t, size_t s)
{
    size_t i = s, sp = 0;
    while (i > 0 && t[i - 1] == ' ' && sp < 2) {
        i--;
        sp++;
    }
    if (i >= 3 && memcmp(t + i - 3, "\xE2\x84\x96", 3) == 0) /* U+2116 */
        return 1;
    /* OCR reads "№" as "Ne"; typists write "Nº" and "N°" */
    if (i >= 3 && t[i - 3] == 'N' && (unsigned char)t[i - 2] == 0xC2 &&
        ((unsigned char)t[i - 1] == 0xBA || (unsigned char)t[i - 1] == 0xB0))
        return !dp_letter_before(t, i - 3);
    if (i >= 2 && t[i - 2] == 'N' && t[i - 1] == 'e' && sp > 0)
        return !dp_letter_before(t, i - 2);
    if (i >= 1 && t[i - 1] == '#')
        return 1;
    if (i >= 1 && t[i - 1] == '.')
        i--;
    size_t w = 0;
    if (i >= 2 && t[i - 2] == 'N' && (t[i - 1] == 'o' || t[i - 1] == 'r'))
        w = 2;
    else if (i >= 1 && t[i - 1] == 'N')
        w = 1;
    return w && !dp_letter_before(t, i - w) && (sp > 0 || w == 2);
}

/* ------------------------------------------------------- numeric tokens */

#define SEP_SPACE 0x01u
#define SEP_DASH  0x02u
#define SEP_OPEN  0x04u
#define SEP_CLOSE 0x08u
#define SEP_PLUS  0x10u
#define SEP_NL    0x20u /* a line break: OCR wraps lines inside numbers */

#define MAX_GROUPS 24
#define MAX_DIGITS 20 /* longest entity: a 20-digit Russian account */

/* Separator character ending at i (t[i-w..i)), its width or 0. NBSP counts
 * as a space: word processors put it into numbers. */
static size_t sep_end_at(const char *t, size_t i, size_t floor, unsigned *fl)
{
    if (i <= floor)
        return 0;
    switch (t[i - 1]) {
    case ' ': *fl = SEP_SPACE; return 1;
    case '-': *fl = SEP_DASH; return 1;
    case '(': *fl = SEP_OPEN; return 1;
    case ')': *fl = SEP_CLOSE; return 1;
    case '+': *fl = SEP_PLUS; return 1;
    case '\n': *fl = SEP_NL; return 1;
    default: break;
    }
    if (i >= floor + 2 && (unsigned char)t[i - 2] == 0xC2 && (unsigned char)t[i - 1] == 0xA0) {
        *fl = SEP_SPACE;
        return 2;
    }
    return 0;
}

static size_t sep_start_at(const char *t, size_t len, size_t i, unsigned *fl)
{
    if (i >= len)
        return 0;
    switch (t[i]) {
    case ' ': *fl = SEP_SPACE; return 1;
    case '-': *fl = SEP_DASH; return 1;
    case '(': *fl = SEP_OPEN; return 1;
    case ')': *fl = SEP_CLOSE; return 1;
    case '+': *fl = SEP_PLUS; return 1;
    case '\n': *fl = SEP_NL; return 1;
    default: break;
    }
    if (i + 1 < len && (unsigned char)t[i] == 0xC2 && (unsigned char)t[i + 1] == 0xA0) {
        *fl = SEP_SPACE;
        return 2;
    }
    return 0;
}

struct grp {
    size_t s, e;   /* digits [s, e) */
    size_t sep_s;  /* start of the separator run before the group */
    unsigned sep;  /* SEP_* flags of that run */
    unsigned nsep; /* characters in that run */
};

struct tok {
    struct grp g[MAX_GROUPS];
    int ng;
    int left;     /* 0 free, 1 glued to an ASCII letter, 2 glued to a number */
    int right;    /* 0 free, 2 glued (letter, decimal point, slash...) */
    int ocr_plus; /* the '+' was read as "--" or "-+" (OCR): sep_s is its start */
};

static int sz(const struct tok *k, int i)
{
    return (int)(k->g[i].e - k->g[i].s);
}

/* Group sizes of groups i..j equal the list (terminated by 0). */
static int sizes_are(const struct tok *k, int i, int j, const int *want)
{
    int n = 0;
    for (int x = i; x <= j; x++, n++)
        if (want[n] == 0 || sz(k, x) != want[n])
            return 0;
    return want[n] == 0;
}
#define SIZES(...)                                                                                 \
    (const int[])                                                                                  \
    {                                                                                              \
        __VA_ARGS__, 0                                                                             \
    }

/* All separators between groups i..j are the same single space or dash:
 * the way card numbers are printed. */
static int uniform_seps(const struct tok *k, int i, int j)
{
    unsigned want = 0;
    for (int x = i + 1; x <= j; x++) {
        const struct grp *g = &k->g[x];
        if (g->nsep != 1 || (g->sep != SEP_SPACE && g->sep != SEP_DASH))
            return 0;
        if (want && g->sep != want)
            return 0;
        want = g->sep;
    }
    return 1;
}

/* Groups i..j are joined by single spaces (NBSP included). */
static int space_seps(const struct tok *k, int i, int j)
{
    for (int x = i + 1; x <= j; x++)
        if (k->g[x].nsep != 1 || k->g[x].sep != SEP_SPACE)
            return 0;
    return 1;
}

/* Country calling codes (ITU E.164, prefix-free) and national lengths
 * including the code, for the countries of our cases and their neighbours,
 * destinations and transit countries. */
static const struct {
    char cc[4];
    unsigned char min, max;
} cc_tab[] = {
    {"7", 11, 11},   {"996", 12, 12}, {"993", 11, 11}, {"998", 12, 12}, {"992", 12, 12},
    {"90", 12, 12},  {"994", 12, 12}, {"995", 12, 12}, {"374", 11, 11}, {"375", 12, 12},
    {"380", 12, 12}, {"373", 11, 11}, {"370", 11, 11}, {"371", 11, 11}, {"372", 10, 11},
    {"1", 11, 11},   {"44", 12, 12},  {"49", 11, 13},  {"33", 11, 11},  {"39", 11, 13},
    {"34", 11, 11},  {"86", 13, 13},  {"82", 11, 12},  {"971", 12, 12}, {"966", 12, 12},
    {"974", 11, 11}, {"965", 11, 11}, {"973", 11, 11}, {"968", 11, 11}, {"972", 12, 12},
    {"98", 12, 12},  {"91", 12, 12},  {"93", 11, 11},  {"48", 11, 11},  {"420", 12, 12},
    {"36", 10, 11},  {"40", 11, 11},  {"30", 12, 12},  {"31", 11, 11},  {"32", 11, 11},
    {"41", 11, 11},  {"43", 11, 13},  {"46", 10, 12},  {"81", 11, 12},  {"84", 11, 12},
    {"66", 11, 11},  {"60", 11, 12},  {"62", 11, 14},  {"20", 12, 12},  {"976", 11, 11},
};

static unsigned phone_plus(const char *D, int n)
{
    for (size_t i = 0; i < sizeof cc_tab / sizeof cc_tab[0]; i++) {
        size_t l = strlen(cc_tab[i].cc);
        if (memcmp(D, cc_tab[i].cc, l) == 0)
            return (n >= cc_tab[i].min && n <= cc_tab[i].max) ? DP_K_PHONE_INTL
                   : (n >= 8 && n <= 15)                      ? DP_K_PHONE_E164
                                                              : DP_K_NONE;
    }
    return (n >= 8 && n <= 15 && D[0] != '0') ? DP_K_PHONE_E164 : DP_K_NONE;
}

/* Uzbek mobile operator codes and Tashkent (71). */
static int uz_code(const char *D)
{
    static const char codes[][3] = {"20", "33", "50", "55", "71", "77", "88", "90",
                                    "91", "93", "94", "95", "97", "98", "99"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (D[0] == codes[i][0] && D[1] == codes[i][1])
            return 1;
    return 0;
}

/* Issuer prefix and length of the card networks seen in the region
 * (Visa, Mastercard, Maestro, Mir, UnionPay, JCB, Amex, Diners, Uzcard,
 * Humo, Elcart). */
static int card_network(const char *D, int n)
{
    int p2 = (D[0] - '0') * 10 + (D[1] - '0');
    int p4 = p2 * 100 + (D[2] - '0') * 10 + (D[3] - '0');
    switch (D[0]) {
    case '4': return n == 13 || n == 16 || n == 19;
    case '5':
        if (p2 >= 51 && p2 <= 55)
            return n == 16;
        return n >= 12; /* Maestro 50, 56-58 */
    case '2':
        if (p4 >= 2200 && p4 <= 2204)
            return n >= 16; /* Mir */
        return p4 >= 2221 && p4 <= 2720 && n == 16;
    case '3':
        if (p2 == 34 || p2 == 37)
            return n == 15;
        if (p2 == 35)
            return n >= 16;
        if (p2 == 36)
            return n == 14;
        return (p2 == 30 || p2 == 38 || p2 == 39) && n >= 14 && n <= 16;
    case '6':
        if (p2 == 62 || p2 == 64 || p2 == 65 || p4 == 6011)
            return n >= 16;
        return p2 == 67 && n >= 12;
    case '8': return p4 == 8600 && n == 16;
    case '9': return (p4 == 9860 || p4 == 9417) && n == 16;
    default: return 0;
    }
}

/* All interpretations of groups i..j (digits D, n of them). */
static int interpret(const struct tok *k, int i, int j, const char *D, int n, unsigned *out)
{
    int ng = j - i + 1, c = 0;
    unsigned sep0 = k->g[i].sep;

    if (sep0 & SEP_PLUS) {
        unsigned p = phone_plus(D, n);
        if (p)
            out[c++] = p;
        return c; /* "+digits" is a phone or nothing */
    }

    /* ---- phones in domestic forms */
    if (D[0] == '8' && n == 11) {
        if (D[1] == '7' || D[1] == '9')
            out[c++] = DP_K_PHONE_TRUNK;
        else if (D[1] >= '3' && D[1] <= '8')
            out[c++] = DP_K_PHONE_TRUNK_OTHER;
    }
    if (D[0] == '8' && n == 9 && ng >= 2 && sz(k, i) == 1 && sz(k, i + 1) == 2 && D[1] >= '1' &&
        D[1] <= '7')
        out[c++] = DP_K_PHONE_LOCAL; /* Turkmenistan: 8 6x xxxxxx */
    if (D[0] == '0' && n == 10 && strchr("23579", D[1]))
        out[c++] = ng >= 2 ? DP_K_PHONE_LOCAL : DP_K_PHONE_LOCAL_COMPACT; /* Kyrgyzstan */
    if (D[0] == '0' && n == 11 && D[1] >= '2' && D[1] <= '5')
        out[c++] = ng >= 2 ? DP_K_PHONE_LOCAL : DP_K_PHONE_LOCAL_COMPACT; /* Turkey */
    if (n == 9 && uz_code(D)) {
        if (sizes_are(k, i, j, SIZES(2, 3, 2, 2)) || sizes_are(k, i, j, SIZES(2, 3, 4)))
            out[c++] = DP_K_PHONE_LOCAL; /* Uzbekistan: 90 123-45-67 */
        else if (ng == 1)
            out[c++] = DP_K_PHONE_LOCAL_WEAK;
    }
    if (n == 10 && (D[0] == '7' || D[0] == '9') &&
        (sizes_are(k, i, j, SIZES(3, 3, 2, 2)) || sizes_are(k, i, j, SIZES(3, 3, 4))))
        out[c++] = DP_K_PHONE_LOCAL; /* (701) 234-56-78 without the trunk 8 */

    /* ---- national identifiers */
    if (n == 12 && (ng == 1 || sizes_are(k, i, j, SIZES(6, 6)) ||
                    sizes_are(k, i, j, SIZES(4, 4, 4)) || sizes_are(k, i, j, SIZES(3, 3, 3, 3)))) {
        int kz = dp_kz12_check(D);
        enum dp_kz12_class cls = dp_kz12_classify(D);
        if (kz && cls == DP_KZ12_IIN)
            out[c++] = ng == 1 ? DP_K_IIN : DP_K_IIN_GROUPED;
        else if (kz && cls == DP_KZ12_BIN)
            ; /* a BIN names a company: not personal data, not reported */
        else if (dp_ru_inn12_check(D))
            out[c++] = DP_K_INN12;
        else
            out[c++] = DP_K_ID12_BAD;
    }
    if (n == 14 && ng == 1) {
        int kg = dp_kg_pin_structure(D), uz = dp_uz_pinfl_structure(D);
        if (kg)
            out[c++] = DP_K_KGPIN;
        /* a PINFL starting 1/2 means born in the 1800s: a KG PIN it is */
        if (uz && !kg)
            out[c++] = dp_uz_pinfl_check(D) ? DP_K_PINFL_CHK : DP_K_PINFL;
        if (!kg && !uz)
            out[c++] = DP_K_ID14_BAD;
    }
    if (n == 11) {
        if (sizes_are(k, i, j, SIZES(3, 3, 3, 2)))
            out[c++] = dp_snils_check(D) ? DP_K_SNILS : DP_K_SNILS_BAD;
        else if (ng == 1 && dp_snils_check(D))
            out[c++] = DP_K_SNILS_COMPACT;
    }
    if (n == 10) {
        if (sizes_are(k, i, j, SIZES(2, 2, 6)) && space_seps(k, i, j))
            out[c++] = DP_K_PASS_RU;
        else if (sizes_are(k, i, j, SIZES(4, 6)) && space_seps(k, i, j))
            out[c++] = DP_K_PASS_RU46;
        else if (ng == 1 && !dp_ru_inn10_check(D) && D[0] != '0')
            out[c++] = DP_K_PASS_RU_COMPACT; /* a valid INN-10 is a company */
    }

    /* ---- Russian personal accounts: balance account 40817/40820 (current)
     * or 423xx (deposits); the control key needs the bank's BIK */
    if (n == 20 && ng == 1) {
        if (memcmp(D, "40817", 5) == 0 || memcmp(D, "40820", 5) == 0 || memcmp(D, "423", 3) == 0)
            out[c++] = DP_K_ACCOUNT_RU;
        else if (memcmp(D, "301", 3) != 0) /* 301xx: a bank's correspondent account */
            out[c++] = DP_K_ACCOUNT_20;    /* Uzbek and other 20-digit accounts */
    }

    /* ---- payment cards */
    if (n >= 13 && n <= 19 && dp_luhn_check(D, (size_t)n)) {
        int net = card_network(D, n);
        if (ng == 1) {
            if (net)
                out[c++] = n == 16 ? DP_K_CARD : DP_K_CARD_WEAK;
        } else if (ng >= 3 && uniform_seps(k, i, j)) {
            int fours = 1;
            for (int x = i; x < j; x++)
                fours &= sz(k, x) == 4;
            fours &= sz(k, j) >= 1 && sz(k, j) <= 4;
            int amex = sizes_are(k, i, j, SIZES(4, 6, 5)) || sizes_are(k, i, j, SIZES(4, 6, 4));
            if (fours || amex)
                out[c++] = net ? DP_K_CARD : DP_K_CARD_NONET;
        }
    }
    return c;
}

/* Character classes at the token's edges. */
static int left_glue(const char *t, size_t s)
{
    if (s == 0)
        return 0;
    char c = t[s - 1];
    if (IS_DIGIT(c))
        return 2;
    if (IS_ALPHA(c))
        return 1; /* '_' is not glue: file names (statement_87019876543.txt) */
    if (c == '@' || c == '/' || c == '\\')
        return 2;
    if ((c == '.' || c == ',') && s >= 2 && IS_DIGIT(t[s - 2]))
        return 2; /* 1.880315300123: part of a decimal or a date */
    return 0;
}

static int right_glue(const char *t, size_t len, size_t e)
{
    if (e >= len)
        return 0;
    char c = t[e];
    if (IS_ALNUM(c) || c == '@' || c == '/' || c == '\\' || c == '%')
        return 2;
    if ((c == '.' || c == ',') && e + 1 < len && IS_DIGIT(t[e + 1]))
        return 2;
    return 0;
}

/*
** Parse up to MAX_GROUPS digit groups forward from \p s into \p k. The first
** group's separator run is the one before \p s (only '+' and '(' count at
** the left edge of a number). \return 1 when the number goes on after the
** last group parsed (the caller parses the rest as another chunk).
*/
static int parse_groups(const char *t, size_t len, size_t s, size_t floor, struct tok *k)
{
    unsigned fl;
    size_t q = s, w;
    unsigned f0 = 0;
    int nsep = 0;
    while (nsep < 3 && (w = sep_end_at(t, q, floor, &fl)) != 0) {
        q -= w;
        f0 |= fl;
        nsep++;
    }
    k->ng = 0;
    k->g[0].sep = f0;
    k->g[0].nsep = (unsigned)nsep;
    k->g[0].sep_s = q;
    size_t i = s;
    for (;;) {
        struct grp *g = &k->g[k->ng];
        g->s = i;
        while (i < len && IS_DIGIT(t[i]))
            i++;
        g->e = i;
        k->ng++;
        size_t r = i;
        unsigned f = 0;
        nsep = 0;
        while (nsep < 3 && (w = sep_start_at(t, len, r, &fl)) != 0) {
            r += w;
            f |= fl;
            nsep++;
        }
        if (!nsep || r >= len || !IS_DIGIT(t[r]))
            return 0;
        if (k->ng == MAX_GROUPS)
            return 1;
        k->g[k->ng].sep_s = i;
        k->g[k->ng].sep = f;
        k->g[k->ng].nsep = (unsigned)nsep;
        i = r;
    }
}

/*
** Leftmost-longest partition of the groups of \p k into entities, appended
** to \p out. \p cont: the chunk continues a number begun before it.
** \return the index of the last group used by an entity, or -1.
*/
static int partition(const char *t, struct tok *k, int cont, struct dp_cands *out)
{
    char D[MAX_DIGITS + 1];
    int last = -1;
    for (int a = 0; a < k->ng;) {
        int found = 0;
        /* the longest run of groups starting at a within MAX_DIGITS */
        int jmax = a, nd = sz(k, a);
        while (jmax + 1 < k->ng && nd + sz(k, jmax + 1) <= MAX_DIGITS)
            nd += sz(k, ++jmax);
        if (nd > MAX_DIGITS) {
            a++;
            continue;
        }
        /* Inside a dash-joined code (77RS0001-01-2021-001234-56) no part is
         * an entity on its own. */
        if ((a > 0 || cont) && k->g[a].nsep == 1 && k->g[a].sep == SEP_DASH) {
            a++;
            continue;
        }
        if (a == 0 && k->left == 2) {
            a++;
            continue;
        }
        for (int b = jmax; b >= a && !found; b--) {
            if (b == k->ng - 1 && k->right)
                continue;
            if (b + 1 < k->ng && k->g[b + 1].nsep == 1 && k->g[b + 1].sep == SEP_DASH)
                continue;
            int n = 0;
            for (int x = a; x <= b; x++) {
                memcpy(D + n, t + k->g[x].s, k->g[x].e - k->g[x].s);
                n += sz(k, x);
            }
            D[n] = '\0';
            if (n < 8)
                break;
            unsigned kk[8];
            int c = interpret(k, a, b, D, n, kk);
            if (c == 0)
                continue;
            if (c == 1 && kk[0] == DP_K_PHONE_E164 && b > a) {
                /* "+7 701 234 56 78 2021": a shorter run with the exact
                 * national length beats the longest generic one */
                int b2 = b - 1, n2 = n - sz(k, b);
                unsigned k2[8];
                while (b2 >= a && n2 >= 8 &&
                       !(interpret(k, a, b2, D, n2, k2) >= 1 && k2[0] == DP_K_PHONE_INTL)) {
                    n2 -= sz(k, b2);
                    b2--;
                }
                if (b2 >= a && n2 >= 8) {
                    b = b2;
                    n = n2;
                    kk[0] = DP_K_PHONE_INTL;
                }
            }
            int nl = 0;
            for (int x = a + 1; x <= b; x++)
                nl |= (k->g[x].sep & SEP_NL) != 0;
            size_t cs = k->g[a].s;
            if (a == 0 && k->ocr_plus) {
                cs = k->g[a].sep_s;
            } else if (k->g[a].sep & SEP_PLUS) {
                cs = k->g[a].sep_s;
                while (t[cs] != '+')
                    cs++;
            } else if (cs > 0 && t[cs - 1] == '(' && a < b && (k->g[a + 1].sep & SEP_CLOSE) &&
                       dp_kind_info(kk[0])->label == INTAKE_LABEL_PHONE) {
                cs--; /* "(90) 123-45-67": the bracket goes with the number */
            }
            unsigned flags = (a == 0 && k->left == 1) ? DP_CF_GLUED : 0;
            if (numsign_before(t, cs))
                flags |= DP_CF_NUMSIGN;
            if (nl || (a == 0 && k->ocr_plus))
                flags |= DP_CF_DAMAGED;
            for (int x = 0; x < c; x++)
                dp_cands_push(out, cs, k->g[b].e, kk[x], flags);
            if (nl)
                continue; /* the shorter runs too: the scorer may refuse this one */
            last = b;
            a = b + 1;
            found = 1;
        }
        if (!found)
            a++;
    }
    return last;
}

size_t dp_v_numeric(const char *t, size_t len, size_t hit_end, size_t floor, struct dp_cands *out)
{
    /* The hit ends just past the number (and maybe a few separators). */
    size_t p = hit_end < len ? hit_end : len;
    while (p > floor && !IS_DIGIT(t[p - 1]))
        p--;
    if (p <= floor)
        return hit_end > floor ? hit_end : floor;

    /* Walk left to the start of the number: digit groups joined by at most
     * 3 separator characters. */
    size_t s = p;
    unsigned fl;
    while (s > floor && IS_DIGIT(t[s - 1]))
        s--;
    for (;;) {
        size_t q = s, w;
        int nsep = 0;
        while (nsep < 3 && (w = sep_end_at(t, q, floor, &fl)) != 0) {
            q -= w;
            nsep++;
        }
        if (!nsep || q <= floor || !IS_DIGIT(t[q - 1]))
            break;
        s = q;
        while (s > floor && IS_DIGIT(t[s - 1]))
            s--;
    }

    /* Parse and split it, MAX_GROUPS groups at a time. A later chunk starts
     * after the last entity found, but at most 7 groups back, so that an
     * entity across the chunk boundary is still seen whole. */
    struct tok k;
    int cont = 0;
    for (;;) {
        int more = parse_groups(t, len, s, floor, &k);
        if (!cont) {
            /* Only '+' and '(' belong to a number's left edge. */
            size_t q = k.g[0].sep_s;
            while (q < s && t[q] != '+' && t[q] != '(')
                q++;
            k.g[0].sep &= SEP_PLUS | SEP_OPEN;
            k.g[0].nsep = (unsigned)(s - q);
            k.g[0].sep_s = q;
            k.ocr_plus = 0;
            /* OCR reads "+7" as "--7" or "-+7": a '+' it is, but damaged
             * (the scorer then wants a context word) */
            if (!(k.g[0].sep & SEP_PLUS) && q == s && s >= 2 && s - 2 >= floor && t[s - 2] == '-' &&
                (t[s - 1] == '-' || t[s - 1] == '+') &&
                (s == 2 || !(IS_ALNUM(t[s - 3]) || t[s - 3] == '-'))) {
                q = s - 2;
                k.g[0].sep = SEP_PLUS;
                k.g[0].nsep = 2;
                k.g[0].sep_s = q;
                k.ocr_plus = 1;
            }
            k.left = left_glue(t, q);
        } else {
            k.left = 0;
            k.ocr_plus = 0;
        }
        k.right = more ? 0 : right_glue(t, len, k.g[k.ng - 1].e);
        int last = partition(t, &k, cont, out);
        if (!more)
            return k.g[k.ng - 1].e;
        int next = last + 1 > k.ng - 7 ? last + 1 : k.ng - 7;
        s = next < k.ng ? k.g[next].s : k.g[k.ng - 1].e;
        if (next >= k.ng) {
            /* the last group ended an entity: the next group starts after
             * its separator run */
            size_t r = s, w;
            int nsep = 0;
            while (nsep < 3 && (w = sep_start_at(t, len, r, &fl)) != 0) {
                r += w;
                nsep++;
            }
            s = r;
        }
        cont = 1;
    }
}

/* ---------------------------------------------------------------- e-mail */

/* Top-level domains of our cases' addresses, for joining domain labels OCR
 * split after a dot. */
static int known_tld(const char *p, size_t n)
{
    static const char *const tld[] = {"com", "org", "net", "ru",  "kz",  "kg",  "uz",   "tm",
                                      "tj",  "tr",  "su",  "by",  "ua",  "az",  "am",   "ge",
                                      "de",  "uk",  "io",  "edu", "gov", "int", "info", "biz"};
    for (size_t i = 0; i < sizeof tld / sizeof tld[0]; i++)
        if (strlen(tld[i]) == n && memcmp(tld[i], p, n) == 0)
            return 1;
    return 0;
}

static int email_local_char(char c)
{
    return IS_ALNUM(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

size_t dp_v_email(const char *t, size_t len, size_t hit_end, size_t floor, struct dp_cands *out)
{
    /* The hit ends two letters after the first dot of the domain; the '@'
     * is the closest one before it. */
    size_t at = hit_end;
    while (at > floor && hit_end - at < 260 && t[at - 1] != '@')
        at--;
    if (at <= floor || t[at - 1] != '@')
        return hit_end;
    at--;
    size_t s = at;
    while (s > floor && at - s < 64 && email_local_char(t[s - 1]))
        s--;
    if (s > floor && email_local_char(t[s - 1]))
        return hit_end; /* local part longer than RFC 5321 allows */
    while (s < at && (t[s] == '.' || t[s] == '-' || t[s] == '+'))
        s++;
    if (s == at || t[at - 1] == '.')
        return hit_end;

    size_t e = at + 1;
    while (e < len && (IS_ALNUM(t[e]) || t[e] == '-' || t[e] == '.'))
        e++;
    while (e > at + 1 && (t[e - 1] == '.' || t[e - 1] == '-'))
        e--;
    /* OCR puts a space after a dot: "inbox. example. org". Lower-case
     * labels joined so count only when the last one is a known top-level
     * domain; the candidate is then "damaged". */
    unsigned flags = 0;
    for (size_t p = e; p + 2 < len && t[p] == '.' && t[p + 1] == ' ' && IS_LOWER(t[p + 2]);) {
        size_t q = p + 2;
        while (q < len && q - p < 66 && (IS_LOWER(t[q]) || IS_DIGIT(t[q]) || t[q] == '-'))
            q++;
        if (q < len && (IS_ALNUM(t[q]) || t[q] == '@'))
            break;
        if (known_tld(t + p + 2, q - p - 2)) {
            e = q;
            flags = DP_CF_DAMAGED;
        }
        p = q;
    }
    /* labels: non-empty, at most 63, the last (TLD) letters only, >= 2 */
    size_t lab = at + 1, dots = 0, tld_letters = 1;
    for (size_t x = at + 1; x <= e; x++) {
        if (x == e || t[x] == '.') {
            if (x == lab || x - lab > 63)
                return e;
            if (x < e)
                dots++;
            lab = x + 1;
            if (x < e && t[lab] == ' ' && flags)
                lab++, x++;
        }
    }
    for (size_t x = lab; x < e; x++)
        tld_letters &= IS_ALPHA(t[x]);
    if (!dots || e - lab < 2 || !tld_letters)
        return e;
    dp_cands_push(out, s, e, DP_K_EMAIL, flags);
    return e;
}

/* -------------------------------------------------------------------- url */

static int url_char(unsigned char c)
{
    return c > 0x20 && c < 0x7F && c != '<' && c != '>' && c != '"' && c != '\'' && c != '`' &&
           c != '{' && c != '}' && c != '|' && c != '\\' && c != '^';
}

static int ieq(const char *a, const char *lit, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((a[i] | 0x20) != lit[i])
            return 0;
    return 1;
}

size_t dp_v_url(const char *t, size_t len, size_t hit_end, int www, size_t floor,
                struct dp_cands *out)
{
    size_t s;
    if (www) {
        if (hit_end < 5)
            return hit_end;
        s = hit_end - 5;
    } else {
        if (hit_end < 4)
            return hit_end;
        size_t colon = hit_end - 4; /* "://x" */
        if (colon >= 5 && ieq(t + colon - 5, "https", 5))
            s = colon - 5;
        else if (colon >= 4 && ieq(t + colon - 4, "http", 4))
            s = colon - 4;
        else if (colon >= 3 && ieq(t + colon - 3, "ftp", 3))
            s = colon - 3;
        else
            return hit_end;
    }
    if (s < floor)
        return floor;
    if (s > 0 && (IS_ALNUM(t[s - 1]) || t[s - 1] == '.' || t[s - 1] == '/' || t[s - 1] == '@' ||
                  t[s - 1] == '-' || t[s - 1] == '_'))
        return hit_end; /* inside another word or URL */
    size_t e = hit_end - 1;
    while (e < len && url_char((unsigned char)t[e]))
        e++;
    /* Trailing punctuation belongs to the sentence; a ')' only when unbalanced.
     * The balance is counted once and updated while trimming (linear). */
    long bal = 0;
    for (size_t x = s; x < e; x++)
        bal += t[x] == '(' ? 1 : t[x] == ')' ? -1 : 0;
    while (e > hit_end - 1) {
        char c = t[e - 1];
        if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == ']') {
            e--;
            continue;
        }
        if (c == ')' && bal < 0) {
            bal++;
            e--;
            continue;
        }
        break;
    }
    if (www) {
        /* www.<label>.<tld> at least */
        int dot = 0;
        for (size_t x = s + 4; x < e; x++)
            dot |= t[x] == '.';
        if (!dot)
            return e;
    }
    if (e <= hit_end - 1)
        return hit_end;
    dp_cands_push(out, s, e, DP_K_URL, 0);
    return e;
}

/* ---------------------------------------------------------------- ip v4/v6 */

size_t dp_v_ipv4(const char *t, size_t len, size_t hit_end, size_t floor, struct dp_cands *out)
{
    size_t s = hit_end, e = hit_end;
    while (s > floor && hit_end - s < 64 && (IS_DIGIT(t[s - 1]) || t[s - 1] == '.'))
        s--;
    while (e < len && e - s < 80 && (IS_DIGIT(t[e]) || t[e] == '.'))
        e++;
    while (s < e && t[s] == '.')
        s++;
    while (e > s && t[e - 1] == '.')
        e--;
    if (s > 0 && (IS_ALNUM(t[s - 1]) || t[s - 1] == '.' || t[s - 1] == '-'))
        return e;
    if (e < len && (IS_ALNUM(t[e]) || t[e] == '-'))
        return e;
    int parts = 0;
    size_t x = s;
    while (x < e) {
        size_t y = x;
        unsigned v = 0;
        while (y < e && IS_DIGIT(t[y]) && y - x < 4)
            v = v * 10 + (unsigned)(t[y++] - '0');
        if (y == x || y - x > 3 || v > 255 || (y - x > 1 && t[x] == '0'))
            return e;
        parts++;
        if (y < e && t[y] != '.')
            return e;
        x = y + 1;
    }
    if (parts != 4 || t[s] == '0')
        return e;
    dp_cands_push(out, s, e, DP_K_IPV4, 0);
    return e;
}

size_t dp_v_ipv6(const char *t, size_t len, size_t hit_end, size_t floor, struct dp_cands *out)
{
    size_t s = hit_end, e = hit_end;
#define V6C(c) (IS_HEX(c) || (c) == ':' || (c) == '.')
    while (s > floor && hit_end - s < 48 && V6C(t[s - 1]))
        s--;
    while (e < len && e - s < 64 && V6C(t[e]))
        e++;
#undef V6C
    while (e > s && t[e - 1] == '.')
        e--;
    if (e > s + 1 && t[e - 1] == ':' && t[e - 2] != ':')
        e--;
    if (s > 0 && (IS_ALNUM(t[s - 1]) || t[s - 1] == ':'))
        return e;
    if (e < len && (IS_ALNUM(t[e]) || t[e] == ':'))
        return e;
    if (e - s < 3 || e - s > 45)
        return e;
    char buf[48];
    memcpy(buf, t + s, e - s);
    buf[e - s] = '\0';
    /* At least two groups with digits, and "::" or all eight groups: so
     * times (12:30:45) and "std::" never pass. */
    int colons = 0, groups = 0, dbl = strstr(buf, "::") != NULL;
    for (size_t x = 0; x < e - s; x++) {
        colons += buf[x] == ':';
        if (buf[x] != ':' && (x == 0 || buf[x - 1] == ':'))
            groups++;
    }
    if (groups < 2 || (!dbl && colons != 7))
        return e;
    unsigned char addr[16];
    if (inet_pton(AF_INET6, buf, addr) != 1)
        return e;
    dp_cands_push(out, s, e, DP_K_IPV6, 0);
    return e;
}

/* ------------------------------------------------------------------- iban */

static int iban_char(char c)
{
    return IS_DIGIT(c) || IS_UPPER(c);
}

void dp_v_iban(const char *t, size_t len, size_t hit_end, struct dp_cands *out)
{
    if (hit_end < 8)
        return;
    int spaced = t[hit_end - 5] == ' ';
    size_t start = hit_end - (spaced ? 9 : 8);
    if (start > 0 && IS_ALNUM(t[start - 1]))
        return;
    char buf[40];
    size_t n = 0, p = start, ends[12], cnt[12];
    int ng = 0, nl = 0;
    int L = dp_iban_country_length(t[start], t[start + 1]);
    if (!spaced) {
        while (p < len && n < 35 && iban_char(t[p]))
            buf[n++] = t[p++];
        if (p < len && IS_ALNUM(t[p]))
            return;
        if (L ? (int)n != L : (n < 15 || n > 34))
            return;
    } else {
        memcpy(buf, t + start, 4);
        n = 4;
        p = start + 5;
        for (;;) {
            size_t g = 0;
            while (p + g < len && g < 4 && iban_char(t[p + g]))
                buf[n++] = t[p + g++];
            p += g;
            if (g == 0)
                break;
            ends[ng] = p;
            cnt[ng++] = n;
            if (g < 4 || (L && (int)n >= L) || ng == 12)
                break;
            if (p + 1 < len && (t[p] == ' ' || t[p] == '\n') && iban_char(t[p + 1])) {
                nl |= t[p] == '\n';
                p++;
            } else
                break;
        }
        if (p < len && IS_ALNUM(t[p]))
            return;
        if (L ? (int)n != L : (n < 15 || n > 34))
            return;
    }
    unsigned fl = nl ? DP_CF_DAMAGED : 0;
    if (dp_iban_mod97(buf, n)) {
        dp_cands_push(out, start, p, L ? DP_K_IBAN : DP_K_IBAN_UNKNOWN, fl);
        return;
    }
    if (spaced && !L) {
        /* Unknown length: another group of digits may follow the IBAN; try
         * the shorter ends, group by group. */
        for (int x = ng - 2; x >= 0 && cnt[x] >= 15; x--) {
            if (dp_iban_mod97(buf, cnt[x])) {
                dp_cands_push(out, start, ends[x], DP_K_IBAN_UNKNOWN, fl);
                return;
            }
        }
    }
    dp_cands_push(out, start, p, DP_K_IBAN_BAD, fl);
}

/* ------------------------------------------------------------ iban (OCR) */

/* Latin capitals that OCR reads as the ASCII digit \p d in a country code
 * (Z as 7 or 2, O and D as 0...); "" when none. */
static const char *cc_digit_letters(char d)
{
    switch (d) {
    case '7':
    case '2': return "Z";
    case '0': return "OD";
    case '1': return "IL";
    case '5': return "S";
    case '6': return "G";
    case '8': return "B";
    default: return "";
    }
}

/* A Cyrillic capital (U+0400-U+042F) at t[i] that looks like a Latin capital
 * or digit: that character (З is 3), its width in *w; else 0. */
static char cyr_capital_at(const char *t, size_t len, size_t i, size_t *w)
{
    uint32_t cp;
    if (i >= len || (unsigned char)t[i] != 0xD0 || utf8_decode(t, i, len, &cp) != 2 || cp > 0x42F)
        return 0;
    char l = dp_fold_latin(cp);
    *w = 2;
    return IS_UPPER(l) || IS_DIGIT(l) ? l : 0;
}

/* One character of a country code read by OCR at t[i]: the letters it may
 * stand for into \p opt (NUL-terminated), *letter / *damaged raised when it
 * is a letter / not the plain Latin letter. Its width, or 0. */
static size_t cc_char(const char *t, size_t len, size_t i, char opt[3], int *letter, int *damaged)
{
    if (i >= len)
        return 0;
    if (IS_UPPER(t[i])) {
        opt[0] = t[i], opt[1] = '\0';
        *letter = 1;
        return 1;
    }
    if (IS_DIGIT(t[i])) {
        const char *l = cc_digit_letters(t[i]);
        memcpy(opt, l, strlen(l) + 1);
        *damaged = 1;
        return *l ? 1 : 0;
    }
    size_t w;
    char c = cyr_capital_at(t, len, i, &w);
    if (c == '3')
        c = 'Z'; /* З for Z */
    if (!IS_UPPER(c))
        return 0;
    opt[0] = c, opt[1] = '\0';
    *letter = *damaged = 1;
    return w;
}

/* The rest of an IBAN read by OCR from \p p: IBAN characters (Cyrillic
 * look-alikes folded) into buf[n..L), groups joined by one or two spaces
 * or line breaks. The end offset when exactly \p L characters end at a
 * token boundary, else 0. */
static size_t iban_rest_ocr(const char *t, size_t len, size_t p, char *buf, size_t n, size_t L)
{
    while (n < L && p < len) {
        size_t w = 1;
        char c = iban_char(t[p]) ? t[p] : cyr_capital_at(t, len, p, &w);
        if (c) {
            buf[n++] = c;
            p += w;
            continue;
        }
        size_t sp = 0;
        while (p + sp < len && sp < 3 &&
               (t[p + sp] == ' ' || t[p + sp] == '\n' || t[p + sp] == '\r'))
            sp++;
        if (sp == 0 || sp > 2 || p + sp >= len || !iban_char(t[p + sp]))
            return 0;
        p += sp;
    }
    if (n != L || (p < len && (IS_ALNUM(t[p]) || dp_letter_at(t, len, p))))
        return 0;
    return p;
}

/* An IBAN read by OCR with a damaged country code starting at t[i], i < b:
 * pushed, and its end returned; else 0. */
static size_t iban_ocr_at(const char *t, size_t b, size_t i, struct dp_cands *out)
{
    if (i > 0 && (IS_DIGIT(t[i - 1]) || dp_letter_before(t, i)))
        return 0; /* not the start of a token */
    char o0[3], o1[3];
    int letter = 0, damaged = 0;
    size_t w0 = cc_char(t, b, i, o0, &letter, &damaged);
    size_t w1 = w0 ? cc_char(t, b, i + w0, o1, &letter, &damaged) : 0;
    /* one letter at least (two digits are any number), one damaged (the
     * plain and the Cyrillic-folded forms have their own passes) */
    if (!w1 || !letter || !damaged)
        return 0;
    size_t p = i + w0 + w1;
    if (p + 2 > b || !IS_DIGIT(t[p]) || !IS_DIGIT(t[p + 1]))
        return 0;
    for (const char *x = o0; *x; x++)
        for (const char *y = o1; *y; y++) {
            int L = dp_iban_country_length(*x, *y);
            char buf[40] = {*x, *y, t[p], t[p + 1]};
            size_t e = L ? iban_rest_ocr(t, b, p + 2, buf, 4, (size_t)L) : 0;
            if (e && dp_iban_mod97(buf, (size_t)L)) {
                dp_cands_push(out, i, e, DP_K_IBAN, DP_CF_DAMAGED);
                return e;
            }
        }
    return 0;
}

/* Is one of the 8 bytes at \p p an ASCII digit? (Exact: a byte is a digit
 * iff it XOR '0' is below 10.) Lets the loop below skip prose 8 bytes at a
 * time. */
static int digit_in8(const char *p)
{
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t x;
    memcpy(&x, p, sizeof x);
    x ^= ones * '0';
    return ((x - ones * 10) & ~x & ones * 0x80) != 0;
}

void dp_v_iban_ocr(const char *t, size_t len, size_t a, size_t b, struct dp_cands *out)
{
    if (b > len)
        b = len;
/* A capital before t[x] (x > a): its width, Latin or Cyrillic; else 0. */
#define CAP_BEFORE(x)                                                                              \
    ((x) > a && IS_UPPER(t[(x)-1])                                                       ? 1u      \
     : (x) >= a + 2 && (unsigned char)t[(x)-2] == 0xD0 && (unsigned char)t[(x)-1] < 0xB0 ? 2u      \
                                                                                         : 0u)
    /* Only the runs of digits are looked at (prose has few), with the
     * country code around their start: "КZ|29..." (the code before the
     * run), "К|729..." (its second letter read as the run's first digit),
     * "7|К29..." (its first letter read as a digit). */
    for (size_t d = a; d < b; d++) {
        if (!IS_DIGIT(t[d])) {
            while (d + 9 <= b && !digit_in8(t + d + 1))
                d += 8;
            continue;
        }
        if (d > a && IS_DIGIT(t[d - 1]))
            continue;
        size_t e = 0, w = CAP_BEFORE(d);
        if (d + 2 < b && (IS_UPPER(t[d + 1]) || (unsigned char)t[d + 1] == 0xD0))
            e = iban_ocr_at(t, b, d, out);
        if (!e && w) {
            e = iban_ocr_at(t, b, d - w, out);
            size_t w2 = CAP_BEFORE(d - w);
            if (!e && w2)
                e = iban_ocr_at(t, b, d - w - w2, out);
        }
        if (e)
            d = e - 1;
    }
#undef CAP_BEFORE
}

/* --------------------------------------------------------------- passport */

/* Passport series of two capitals at \p p: Kyrgyz AC/AN/ID, Uzbek AA..AE,
 * FA and KA (identity card) are known; other pairs are weaker evidence. */
static unsigned series_kind(const char *t, size_t p)
{
    static const char series[][3] = {"AC", "AN", "ID", "AA", "AB", "AD", "AE", "FA", "KA"};
    for (size_t i = 0; i < sizeof series / sizeof series[0]; i++)
        if (t[p] == series[i][0] && t[p + 1] == series[i][1])
            return DP_K_PASS_SERIES;
    return DP_K_PASS_2L;
}

void dp_v_passport(const char *t, size_t len, size_t hit_end, struct dp_cands *out)
{
    if (hit_end < 8)
        return;
    size_t start = hit_end - 8, end = hit_end;
    unsigned kind = DP_K_PASS_1L;
    if (end < len && IS_DIGIT(t[end])) {
        /* a longer digit run: only "N" + 8 digits is a passport */
        if (t[start] != 'N')
            return;
        end++;
        kind = DP_K_PASS_KZ;
    } else if (start > 0 && IS_UPPER(t[start - 1])) {
        start--;
        kind = series_kind(t, start);
    }
    if (start > 0 && (IS_ALNUM(t[start - 1]) || t[start - 1] == '-'))
        return;
    if (end < len && IS_ALNUM(t[end]))
        return;
    if (end < len && (t[end] == '.' || t[end] == ',' || t[end] == '-') && end + 1 < len &&
        IS_DIGIT(t[end + 1]))
        return;
    dp_cands_push(out, start, end, kind, 0);
}

/* Width of a capital letter at i: ASCII, the Turkmen capitals (Ş Ç Ž Ň Ý Ä
 * Ö Ü) or Cyrillic (U+0400-U+042F); 0 when there is none. */
static size_t capital_at(const char *t, size_t len, size_t i)
{
    if (i < len && IS_UPPER(t[i]))
        return 1;
    uint32_t cp;
    size_t w = i < len ? utf8_decode(t, i, len, &cp) : 0;
    if (w == 2 && ((cp >= 0x400 && cp <= 0x42F) || cp == 0x15E || cp == 0xC7 || cp == 0x17D ||
                   cp == 0x147 || cp == 0xDD || cp == 0xC4 || cp == 0xD6 || cp == 0xDC))
        return w;
    return 0;
}

/* Exactly \p n digits at p (no digit after): the end, or SIZE_MAX. */
static size_t digits_fwd(const char *t, size_t len, size_t p, size_t n)
{
    if (p + n > len)
        return (size_t)-1;
    for (size_t i = p; i < p + n; i++)
        if (!IS_DIGIT(t[i]))
            return (size_t)-1;
    if (p + n < len && IS_DIGIT(t[p + n]))
        return (size_t)-1;
    return p + n;
}

/* A number marker at p ("№", "No.", "No", "N", "номер") followed by a space
 * or a digit: the position after it, or p when there is none. */
static size_t marker_fwd(const char *t, size_t len, size_t p)
{
    /* "Ne": how OCR reads "№"; "Nº", "N°": typed look-alikes */
    static const char *const m[] = {
        "\xE2\x84\x96", "No.",       "No", "Ne",
        "N\xC2\xBA",    "N\xC2\xB0", "N",  "\xD0\xBD\xD0\xBE\xD0\xBC\xD0\xB5\xD1\x80"};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        size_t l = strlen(m[i]);
        if (p + l < len && memcmp(t + p, m[i], l) == 0 && (t[p + l] == ' ' || IS_DIGIT(t[p + l])))
            return p + l;
    }
    return p;
}

/* A digit of a passport number at t[i] as OCR may have read it: O/О/o/о
 * for 0, З/з for 3, I/l/І for 1, B/В for 8, S/Ѕ for 5 (*conf raised). The
 * digit and its width in *w, or 0. */
static char pass_digit_ocr(const char *t, size_t len, size_t i, size_t *w, int *conf)
{
    *w = 1;
    if (i >= len)
        return 0;
    switch (t[i]) {
    case 'O':
    case 'o': *conf = 1; return '0';
    case 'I':
    case 'l': *conf = 1; return '1';
    case 'B': *conf = 1; return '8';
    case 'S': *conf = 1; return '5';
    default: break;
    }
    if (IS_DIGIT(t[i]))
        return t[i];
    uint32_t cp;
    if (utf8_decode(t, i, len, &cp) != 2)
        return 0;
    *w = 2;
    *conf = 1;
    switch (cp) {
    case 0x41E:
    case 0x43E: return '0';
    case 0x417:
    case 0x437: return '3';
    case 0x406: return '1';
    case 0x412: return '8';
    case 0x405: return '5';
    default: return 0;
    }
}

/* A Latin capital at t[i], or a Cyrillic one that looks like it: the Latin
 * letter, its width in *w; else 0. */
static char latin_capital_at(const char *t, size_t len, size_t i, size_t *w)
{
    if (i < len && IS_UPPER(t[i])) {
        *w = 1;
        return t[i];
    }
    char c = cyr_capital_at(t, len, i, w);
    return IS_UPPER(c) ? c : 0;
}

/* Nothing that continues a number at \p e: no letter or digit, no
 * '.', ',' or '-' before a digit. */
static int number_ends(const char *t, size_t len, size_t e)
{
    if (e >= len)
        return 1;
    if (IS_DIGIT(t[e]) || dp_letter_at(t, len, e))
        return 0;
    return !((t[e] == '.' || t[e] == ',' || t[e] == '-') && e + 1 < len && IS_DIGIT(t[e + 1]));
}

/* After a series at q: [space [№] space]. The start of the number. */
static size_t series_gap(const char *t, size_t len, size_t q)
{
    if (q < len && t[q] == ' ') {
        size_t r = marker_fwd(t, len, q + 1);
        return r < len && t[r] == ' ' ? r + 1 : r;
    }
    return q;
}

/* \p n digits of a passport number at p, some of which OCR read as letters:
 * the end, or SIZE_MAX when a character is no digit, none was misread, or
 * fewer than n - 3 are plain digits. */
static size_t digits_ocr(const char *t, size_t len, size_t p, size_t n)
{
    int conf = 0;
    size_t plain = 0;
    for (size_t k = 0; k < n; k++) {
        size_t w;
        char d = pass_digit_ocr(t, len, p, &w, &conf);
        if (!d)
            return (size_t)-1;
        plain += w == 1 && IS_DIGIT(t[p]);
        p += w;
    }
    return conf && plain + 3 >= n && number_ends(t, len, p) ? p : (size_t)-1;
}

/* OCR page: a passport series (two capitals, Latin or Cyrillic look-alikes;
 * N or Cyrillic М for Kazakhstan) at p, then its 7 (8) digits with some read
 * as letters: "АСОЗ91060" for AC0391060. The end, or SIZE_MAX. */
static size_t series_ocr(const char *t, size_t len, size_t p, unsigned *kind)
{
    size_t w0, w1, e;
    char c0 = latin_capital_at(t, len, p, &w0);
    if (!c0)
        return (size_t)-1;
    char c1 = latin_capital_at(t, len, p + w0, &w1);
    if (c1) {
        char ser[2] = {c0, c1};
        e = digits_ocr(t, len, series_gap(t, len, p + w0 + w1), 7);
        if (e != (size_t)-1) {
            *kind = series_kind(ser, 0);
            return e;
        }
    }
    if (c0 == 'N' || (c0 == 'M' && w0 == 2)) {
        *kind = DP_K_PASS_KZ;
        return digits_ocr(t, len, series_gap(t, len, p + w0), 8);
    }
    return (size_t)-1;
}

/* OCR page: the Kyrgyz series ID read as "10", "1D", "I0" (I also as l or
 * Cyrillic І, D also as O) before its 7 digits. The end, or SIZE_MAX. */
static size_t id_series_ocr(const char *t, size_t len, size_t p)
{
    size_t w0 = 0, w1 = 0;
    if (p < len && (t[p] == '1' || t[p] == 'I' || t[p] == 'l'))
        w0 = 1;
    else if (p + 1 < len && (unsigned char)t[p] == 0xD0 && (unsigned char)t[p + 1] == 0x86)
        w0 = 2;
    if (!w0)
        return (size_t)-1;
    size_t q = p + w0;
    if (q < len && (t[q] == '0' || t[q] == 'D' || t[q] == 'O'))
        w1 = 1;
    else if (q + 1 < len && (unsigned char)t[q] == 0xD0 && (unsigned char)t[q + 1] == 0x9E)
        w1 = 2;
    if (!w1 || (t[p] == 'I' && t[q] == 'D'))
        return (size_t)-1; /* plain ID: dp_v_passport */
    size_t e = digits_fwd(t, len, q + w1, 7);
    return e != (size_t)-1 && number_ends(t, len, e) ? e : (size_t)-1;
}

/* Right after a passport word ending at \p from: the rest of the word, then
 * [':'] [№] spaces. The start of what follows. */
static size_t after_word(const char *t, size_t len, size_t from)
{
    size_t p = from, lim = from + 32 < len ? from + 32 : len;
    uint32_t cp;
    while (p < lim && dp_letter_at(t, len, p)) {
        size_t w = utf8_decode(t, p, len, &cp);
        p += w ? w : 1;
    }
    if (p < len && t[p] == ':')
        p++;
    while (p < len && t[p] == ' ')
        p++;
    size_t r = marker_fwd(t, len, p);
    while (r < len && t[r] == ' ')
        r++;
    return r;
}

void dp_v_passport_near(const char *t, size_t len, size_t from, size_t window, int ocr,
                        struct dp_cands *out)
{
    const size_t NO = (size_t)-1;
    size_t lim = from + window < len ? from + window : len;
    if (ocr) {
        /* only right after the word: "10" + 7 digits is common otherwise */
        size_t q = after_word(t, len, from), e = q < lim ? id_series_ocr(t, len, q) : NO;
        if (e != NO) {
            dp_cands_push(out, q, e, DP_K_PASS_SERIES, DP_CF_DAMAGED);
            return;
        }
    }
    for (size_t p = from; p < lim; p++) {
        char c = t[p];
        if (ocr && ((unsigned char)c == 0xD0 || IS_UPPER(c)) && !dp_letter_before(t, p) &&
            !(p > 0 && IS_DIGIT(t[p - 1]))) {
            unsigned kind;
            size_t e = series_ocr(t, len, p, &kind);
            if (e != NO) {
                dp_cands_push(out, p, e, kind, DP_CF_DAMAGED);
                return;
            }
        }
        if (!IS_DIGIT(c) && !IS_UPPER(c))
            continue;
        if (p > 0 && (IS_ALNUM(t[p - 1]) || t[p - 1] == '.' || t[p - 1] == '/'))
            continue;
        if (IS_DIGIT(c)) {
            /* Kazakh identity card: 9 digits */
            size_t q = digits_fwd(t, len, p, 9);
            if (q != NO) {
                if (!(q < len && (IS_ALPHA(t[q]) || t[q] == '.' || t[q] == '-')))
                    dp_cands_push(out, p, q, DP_K_PASS_IDCARD, 0);
                return;
            }
            /* Russian series "45 12" or "4512", then [,] [№|N|номер] number */
            q = digits_fwd(t, len, p, 4);
            if (q == NO) {
                size_t a = digits_fwd(t, len, p, 2);
                q = (a != NO && a < len && t[a] == ' ') ? digits_fwd(t, len, a + 1, 2) : NO;
            }
            if (q == NO)
                return; /* the first number after the word is not a series */
            if (q < len && t[q] == ',')
                q++;
            if (q >= len || t[q] != ' ')
                return;
            size_t r = marker_fwd(t, len, q + 1);
            if (r == q + 1)
                return; /* no marker: "4512 345678" is a plain numeric token */
            if (r < len && t[r] == ' ')
                r++;
            size_t e = digits_fwd(t, len, r, 6);
            if (e != NO && !(e < len && IS_ALPHA(t[e])))
                dp_cands_push(out, p, e, DP_K_PASS_RU_MARKED, 0);
            return;
        }
        /* Soviet-style series: Roman numeral, '-', two capitals (Latin,
         * Turkmen or Cyrillic), [№], 6 digits: "I-AŞ 654321", "II-ЖК № 123456" */
        if (c == 'I' || c == 'V' || c == 'X') {
            size_t r = p;
            while (r < lim && (t[r] == 'I' || t[r] == 'V' || t[r] == 'X') && r - p < 4)
                r++;
            if (r < len && t[r] == '-') {
                r++;
                int letters = 0;
                while (letters < 2 && r < len) {
                    size_t w = capital_at(t, len, r);
                    if (!w)
                        break;
                    r += w;
                    letters++;
                }
                if (letters == 2 && r < len && (t[r] == ' ' || t[r] == '-')) {
                    size_t m = marker_fwd(t, len, r + 1);
                    if (m != r + 1 && m < len && t[m] == ' ')
                        m++;
                    size_t e = digits_fwd(t, len, m, 6);
                    if (e != NO && !(e < len && IS_ALPHA(t[e]))) {
                        dp_cands_push(out, p, e, DP_K_PASS_SOVIET, 0);
                        return;
                    }
                }
            }
        }
        /* two capitals, a space, [№], 7 digits: "AN 1234567", "AC № 1234567" */
        if (p + 2 < len && IS_UPPER(t[p + 1]) && t[p + 2] == ' ') {
            size_t r = marker_fwd(t, len, p + 3);
            if (r < len && t[r] == ' ')
                r++;
            size_t e = digits_fwd(t, len, r, 7);
            if (e != NO && !(e < len && IS_ALPHA(t[e]))) {
                dp_cands_push(out, p, e, series_kind(t, p), 0);
                return;
            }
        }
    }
}
