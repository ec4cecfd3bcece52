/*
 * plugins/extract_text/encoding.c: encoding detection and conversion.
 * See encoding.h for the order of decisions and README.md for the why.
 */
#include "encoding.h"

#include <errno.h>
#include <iconv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uchardet/uchardet.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>

/* ------------------------------------------------------------------------ */
/* Names                                                                    */
/* ------------------------------------------------------------------------ */

static const char *const enc_names[ET_ENC_COUNT] = {
    "utf-8",          "utf-16le",   "utf-16be", "windows-1251", "koi8-r",       "ibm866",
    "x-mac-cyrillic", "iso-8859-5", "kz-1048",  "ptcp154",      "windows-1252", "koi8-u",
};

/* glibc iconv names of the 8-bit encodings, in enum order. */
static const char *const iconv_names[ET_N8BIT] = {
    "WINDOWS-1251", "KOI8-R", "IBM866",       "MAC-CYRILLIC", "ISO-8859-5",
    "RK1048",       "PT154",  "WINDOWS-1252", "KOI8-U",
};

static const struct {
    const char *alias;
    int enc;
} aliases[] = {
    {"utf8", ET_ENC_UTF8},
    {"cp1251", ET_ENC_CP1251},
    {"win1251", ET_ENC_CP1251},
    {"koi8r", ET_ENC_KOI8R},
    {"cp866", ET_ENC_CP866},
    {"866", ET_ENC_CP866},
    {"ibm-866", ET_ENC_CP866},
    {"mac-cyrillic", ET_ENC_MACCYR},
    {"maccyrillic", ET_ENC_MACCYR},
    {"x-mac-ukrainian", ET_ENC_MACCYR},
    {"iso8859-5", ET_ENC_ISO8859_5},
    {"iso_8859-5", ET_ENC_ISO8859_5},
    {"rk1048", ET_ENC_KZ1048},
    {"kz1048", ET_ENC_KZ1048},
    {"strk1048-2002", ET_ENC_KZ1048},
    {"pt154", ET_ENC_PT154},
    {"pt-154", ET_ENC_PT154},
    {"cp154", ET_ENC_PT154},
    {"cp1252", ET_ENC_CP1252},
    {"win1252", ET_ENC_CP1252},
    {"koi8u", ET_ENC_KOI8U},
};

const char *et_enc_name(int enc)
{
    return enc >= 0 && enc < ET_ENC_COUNT ? enc_names[enc] : "none";
}

const char *et_iconv_name(int enc)
{
    return enc >= ET_ENC_FIRST_8BIT && enc < ET_ENC_COUNT ? iconv_names[enc - ET_ENC_FIRST_8BIT]
                                                          : NULL;
}

int et_enc_from_name(const char *name)
{
    if (!name)
        return ET_ENC_NONE;
    for (int e = 0; e < ET_ENC_COUNT; e++)
        if (strcasecmp(name, enc_names[e]) == 0)
            return e;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcasecmp(name, aliases[i].alias) == 0)
            return aliases[i].enc;
    return ET_ENC_NONE;
}

/* uchardet's names -> ours; Latin-1 family counts as windows-1252. */
static int enc_from_uchardet(const char *name)
{
    static const struct {
        const char *ud;
        int enc;
    } map[] = {
        {"WINDOWS-1251", ET_ENC_CP1251},  {"KOI8-R", ET_ENC_KOI8R},
        {"IBM866", ET_ENC_CP866},         {"MAC-CYRILLIC", ET_ENC_MACCYR},
        {"ISO-8859-5", ET_ENC_ISO8859_5}, {"WINDOWS-1252", ET_ENC_CP1252},
        {"ISO-8859-1", ET_ENC_CP1252},    {"ISO-8859-15", ET_ENC_CP1252},
        {"KOI8-U", ET_ENC_KOI8U},
    };
    if (!name)
        return ET_ENC_NONE;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(name, map[i].ud) == 0)
            return map[i].enc;
    return ET_ENC_NONE;
}

const char *et_reason_text(int reason)
{
    switch (reason) {
    case ET_OK: return "ok";
    case ET_R_EMPTY: return "empty file";
    case ET_R_CONTROL: return "NUL or control byte: binary data, not text";
    case ET_R_UTF8_BOM: return "UTF-8 byte order mark but invalid UTF-8";
    case ET_R_UTF16_ODD: return "UTF-16 byte order mark but an odd number of bytes";
    case ET_R_UTF16_SURROGATE: return "UTF-16 with an unpaired surrogate";
    case ET_R_UTF32: return "UTF-32 is not supported";
    case ET_R_UTF8_INVALID: return "invalid UTF-8, and not text in any supported 8-bit encoding";
    case ET_R_NOT_TEXT: return "not text in any supported encoding";
    case ET_R_NOMEM: return "out of memory while detecting the encoding";
    case ET_R_ESCAPED:
        return "markup or escapes (RTF, HTML, &#NNN;, \\uNNNN, quoted-printable, base64) would "
               "hide text from detection: needs its own extractor";
    default: return "unknown reason";
    }
}

static const char *const prof_names[ET_NPROF] = {"ru", "uk", "kk", "ky", "tg", "uz", "latn"};

const char *et_profile_name(int p)
{
    return p >= 0 && p < ET_NPROF ? prof_names[p] : "none";
}

/* ------------------------------------------------------------------------ */
/* Character classes and language profiles                                  */
/* ------------------------------------------------------------------------ */

enum {
    CL_INVALID = 0, /* undefined byte or a forbidden control */
    CL_SPACE,       /* space, \t \n \r \f, no-break space */
    CL_DIGIT,
    CL_PUNCT,   /* ASCII punctuation and the usual typographic marks */
    CL_APOS,    /* apostrophes, soft hyphen: normal inside words */
    CL_RARE,    /* symbols that ordinary prose hardly uses */
    CL_GRAPHIC, /* box drawing (DOS tables in CP866 files) */
    CL_LAT_LO,
    CL_LAT_UP,
    CL_CYR_LO,
    CL_CYR_UP
};
#define IS_LETTER(c) ((c) >= CL_LAT_LO)
#define IS_UPPER(c)  ((c) == CL_LAT_UP || (c) == CL_CYR_UP)
#define IS_CYR(c)    ((c) == CL_CYR_LO || (c) == CL_CYR_UP)

/*
 * Letter frequencies per 10000 letters, most frequent first. Approximate
 * published figures for Russian; estimates for the others. They only have to
 * rank a right decoding far above a wrong one, and wrong decodings of
 * Cyrillic are gross (symbols, Serbian letters, case flips), so rough
 * numbers are enough. ASCII letters are never scored: they decode alike in
 * every candidate.
 */
struct profile {
    int latin;              /* script of the profile */
    const char *letters;    /* UTF-8, lower case */
    const uint16_t *weight; /* one per letter */
    size_t nweight;
};

static const uint16_t w_ru[] = {1097, 845, 801, 735, 670, 626, 547, 473, 454, 440, 349,
                                321,  298, 281, 262, 201, 190, 174, 170, 165, 159, 144,
                                121,  97,  94,  73,  64,  48,  36,  32,  26,  4,   4};
static const uint16_t w_uk[] = {928, 800, 650, 540, 590, 610, 490, 500, 460, 420, 360,
                                330, 350, 330, 300, 280, 240, 220, 160, 160, 150, 130,
                                120, 100, 100, 80,  80,  80,  70,  60,  50,  20,  2};
static const uint16_t w_kk[] = {1230, 780, 620, 620, 590, 550, 500, 500, 420, 410, 330,
                                310,  320, 280, 230, 230, 230, 230, 220, 200, 190, 180,
                                160,  140, 140, 140, 140, 120, 100, 40,  40,  20,  20,
                                20,   20,  10,  10,  10,  5,   2,   1,   1};
static const uint16_t w_ky[] = {1200, 700, 600, 620, 550, 550, 450, 480, 370, 350, 350, 350,
                                350,  330, 280, 240, 200, 200, 200, 180, 160, 150, 100, 100,
                                80,   40,  40,  40,  20,  20,  10,  10,  10,  2,   1,   5};
static const uint16_t w_tg[] = {1000, 700, 650, 600, 550, 550, 500, 450, 400, 350, 350, 350,
                                300,  300, 280, 250, 250, 200, 200, 150, 150, 120, 120, 120,
                                100,  120, 80,  80,  80,  100, 60,  20,  50,  30,  50};
static const uint16_t w_uz[] = {1100, 800, 600, 550, 550, 450, 450, 400, 400, 400, 350, 350,
                                300,  300, 200, 250, 250, 250, 200, 150, 150, 150, 150, 150,
                                100,  100, 100, 80,  80,  50,  50,  30,  50,  10,  10};
static const uint16_t w_latn[] = {250, 60, 60, 60, 60, 60, 50, 40, 40, 40, 40, 30, 20, 20, 10,
                                  20,  10, 10, 10, 10, 10, 20, 10, 10, 20, 20, 20, 20, 10, 10};

static const struct profile profiles[ET_NPROF] = {
    [ET_PROF_RU] = {0, "оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё", w_ru, sizeof w_ru / sizeof w_ru[0]},
    [ET_PROF_UK] = {0, "оанвіиетрскдлумпязьбгчхйїшжюцєщфґ", w_uk, sizeof w_uk / sizeof w_uk[0]},
    [ET_PROF_KK] = {0, "аентырлісдқкмбуоәижзшйұғңгүөпявхюьчфцэһъщё", w_kk,
                    sizeof w_kk / sizeof w_kk[0]},
    [ET_PROF_KY] = {0, "аыенртклиудсомбүзгжчөйңшпявэюьхцфъщё", w_ky, sizeof w_ky / sizeof w_ky[0]},
    [ET_PROF_TG] = {0, "аоирндтмбвсшеклӣҳузгқғяҷӯхфйчъпжэюё", w_tg, sizeof w_tg / sizeof w_tg[0]},
    [ET_PROF_UZ] = {0, "аирнлдтекосмубйшқўвгзчяҳхғпёжфэюъць", w_uz, sizeof w_uz / sizeof w_uz[0]},
    [ET_PROF_LATN] = {1, "éèàüöäçñáíóúâêîôûëïãõåæøßýžšœÿ", w_latn,
                      sizeof w_latn / sizeof w_latn[0]},
};

/* Decode one UTF-8 character of a trusted static string. */
static uint32_t utf8_next(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    uint32_t c = p[0];
    int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n == 2)
        c = ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
    else if (n == 3)
        c = ((c & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    else if (n == 4)
        c = ((c & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
    *s += n;
    return c;
}

/* Unigram log2 probabilities (per character of running text, ~80% letters). */
#define LP_SPACE       (-9.0f)  /* no-break space */
#define LP_PUNCT       (-10.0f) /* « » – — “ ” … № and the like */
#define LP_RARE        (-16.6f) /* ‰ † ¦ µ and the like: 1e-5 */
#define LP_GRAPHIC     (-13.3f) /* a lone box-drawing character: 1e-4 */
#define LP_GRAPHIC_RUN (-1.0f)  /* the same box character again: a table border */
#define LP_OUTSIDE     (-16.6f) /* letter of the script but not of the language */
#define LP_FOREIGN     (-19.9f) /* letter of the other script */

static uint8_t classify(uint32_t cp)
{
    if (cp == ET_CP_INVALID)
        return CL_INVALID;
    if (cp < 0x80) {
        if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f')
            return CL_SPACE;
        if (cp < 0x20 || cp == 0x7F)
            return CL_INVALID;
        if (cp >= '0' && cp <= '9')
            return CL_DIGIT;
        if (cp >= 'a' && cp <= 'z')
            return CL_LAT_LO;
        if (cp >= 'A' && cp <= 'Z')
            return CL_LAT_UP;
        if (cp == '\'')
            return CL_APOS;
        return CL_PUNCT;
    }
    if (cp < 0xA0)
        return CL_INVALID; /* C1 controls: a wrong guess, never text */
    switch (cp) {
    case 0xA0: return CL_SPACE;
    case 0xAD:
    case 0x2018:
    case 0x2019:
    case 0x02BB:
    case 0x02BC: return CL_APOS;
    case 0xAB:
    case 0xBB:
    case 0x2013:
    case 0x2014:
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x2026:
    case 0x2116:
    case 0x2022:
    case 0xA7:
    case 0xB0:
    case 0x20AC:
    case 0xB1:
    case 0xD7:
    case 0xA9:
    case 0xAE:
    case 0x2122: return CL_PUNCT;
    default: break;
    }
    if (cp >= 0x2500 && cp <= 0x25A0)
        return CL_GRAPHIC;
    if (u_isalpha((UChar32)cp) && (u_isupper((UChar32)cp) || u_islower((UChar32)cp))) {
        UErrorCode st = U_ZERO_ERROR;
        UScriptCode sc = uscript_getScript((UChar32)cp, &st);
        int up = u_isupper((UChar32)cp);
        if (U_SUCCESS(st) && sc == USCRIPT_CYRILLIC)
            return up ? CL_CYR_UP : CL_CYR_LO;
        if (U_SUCCESS(st) && sc == USCRIPT_LATIN)
            return up ? CL_LAT_UP : CL_LAT_LO;
    }
    return CL_RARE;
}

/* log2 probability of a letter under a profile, and whether it is outside it. */
static float letter_logp(const struct profile *p, uint32_t cp, uint8_t cls, uint8_t *outside)
{
    uint32_t lower = (uint32_t)u_tolower((UChar32)cp);
    const char *s = p->letters;
    for (size_t i = 0; *s; i++) {
        uint32_t l = utf8_next(&s);
        if (l == lower) {
            *outside = 0;
            return (float)log2(p->weight[i] / 10000.0 * 0.8);
        }
    }
    *outside = 1;
    return (IS_CYR(cls) != !p->latin) ? LP_FOREIGN : LP_OUTSIDE;
}

/* ET_V_* bits of a lower-case Cyrillic letter. */
static uint8_t vowel_bits(uint32_t lower)
{
    static const char vowels[] = "аеёиоуыэюяәіөұүӣӯєїў";
    static const char front[] = "әөүі";
    static const char back[] = "аоұы";
    static const char turkic[] = "әіөұү";
    uint8_t bits = 0;
    for (const char *s = vowels; *s;)
        if (utf8_next(&s) == lower)
            bits |= ET_V_VOWEL;
    for (const char *s = front; *s;)
        if (utf8_next(&s) == lower)
            bits |= ET_V_FRONT;
    for (const char *s = back; *s;)
        if (utf8_next(&s) == lower)
            bits |= ET_V_BACK;
    for (const char *s = turkic; *s;)
        if (utf8_next(&s) == lower)
            bits |= ET_V_TURKIC;
    return bits;
}

int et_tables_init(struct et_tables *t, char *msg, size_t msgsize)
{
    memset(t, 0, sizeof *t);
    for (int p = 0; p < ET_NPROF; p++) {
        size_t n = 0;
        for (const char *s = profiles[p].letters; *s; n++)
            utf8_next(&s);
        if (n != profiles[p].nweight) { /* a bug in the tables above */
            snprintf(msg, msgsize, "profile %s: %zu letters, %zu weights", prof_names[p], n,
                     profiles[p].nweight);
            return -1;
        }
    }
    for (int k = 0; k < ET_N8BIT; k++) {
        iconv_t cd = iconv_open("UTF-32LE", iconv_names[k]);
        if (cd == (iconv_t)-1) {
            snprintf(msg, msgsize, "iconv has no converter for %s", iconv_names[k]);
            return -1;
        }
        for (int b = 0; b < 256; b++) {
            char in = (char)b;
            unsigned char out[8];
            char *ip = &in, *op = (char *)out;
            size_t il = 1, ol = sizeof out;
            size_t rc = iconv(cd, &ip, &il, &op, &ol);
            uint32_t cp = ET_CP_INVALID;
            if (rc != (size_t)-1 && il == 0 && sizeof out - ol == 4)
                cp = (uint32_t)out[0] | (uint32_t)out[1] << 8 | (uint32_t)out[2] << 16 |
                     (uint32_t)out[3] << 24;
            iconv(cd, NULL, NULL, NULL, NULL); /* reset after an error */
            uint8_t cls = classify(cp);
            if (cls == CL_INVALID)
                cp = ET_CP_INVALID;
            t->cp[k][b] = cp;
            t->cls[k][b] = cls;
            if (IS_CYR(cls))
                t->vowel[k][b] = vowel_bits((uint32_t)u_tolower((UChar32)cp));
            for (int p = 0; p < ET_NPROF; p++) {
                float lp = 0.0f;
                uint8_t out_of = 0;
                switch (cls) {
                case CL_SPACE: lp = LP_SPACE; break;
                case CL_PUNCT:
                case CL_APOS: lp = LP_PUNCT; break;
                case CL_RARE: lp = LP_RARE; break;
                case CL_GRAPHIC: lp = LP_GRAPHIC; break;
                case CL_LAT_LO:
                case CL_LAT_UP:
                case CL_CYR_LO:
                case CL_CYR_UP: lp = letter_logp(&profiles[p], cp, cls, &out_of); break;
                default: break;
                }
                t->logp[k][p][b] = lp;
                t->outside[k][p][b] = out_of;
            }
        }
        iconv_close(cd);
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Validation                                                               */
/* ------------------------------------------------------------------------ */

/* Controls allowed in text: \t \n \f \r. */
static inline int ctrl_ok(uint32_t c)
{
    return c == 0x09 || c == 0x0A || c == 0x0C || c == 0x0D;
}

/* A code point that text must not contain: C0 (but \t\n\f\r), DEL, C1. */
static inline int forbidden(uint32_t c)
{
    return (c < 0x20 && !ctrl_ok(c)) || (c >= 0x7F && c < 0xA0);
}

int et_utf8_check(const unsigned char *b, size_t len, int truncated, size_t *bad, int *is_control,
                  size_t *multibyte)
{
    size_t i = 0, mb = 0;
    *is_control = 0;
    while (i < len) {
        unsigned c = b[i];
        if (c < 0x80) {
            if (forbidden(c)) {
                *is_control = 1;
                goto fail;
            }
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4, cp = c & 0x07, min = 0x10000;
        } else {
            goto fail;
        }
        if (i + n > len) {
            /* A prefix cut inside a character is fine if what is there fits. */
            if (!truncated)
                goto fail;
            for (size_t k = i + 1; k < len; k++)
                if ((b[k] & 0xC0) != 0x80)
                    goto fail;
            break;
        }
        for (size_t k = 1; k < n; k++) {
            if ((b[i + k] & 0xC0) != 0x80)
                goto fail;
            cp = (cp << 6) | (b[i + k] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto fail;
        if (forbidden(cp)) {
            *is_control = 1;
            goto fail;
        }
        mb++;
        i += n;
    }
    *multibyte = mb;
    return 1;
fail:
    *bad = i;
    *multibyte = mb;
    return 0;
}

/*
 * Strict UTF-16 (after the BOM): pairs complete, no lone surrogates, no
 * forbidden controls. Returns a reason; feeds ASCII projection to \p esc.
 */
struct esc_state;
static void esc_feed(struct esc_state *s, unsigned c);

static int utf16_check(const unsigned char *b, size_t len, int be, int truncated, size_t base,
                       size_t *bad, struct esc_state *esc)
{
    if (len % 2) {
        if (!truncated) {
            *bad = base + len - 1;
            return ET_R_UTF16_ODD;
        }
        len--;
    }
    for (size_t i = 0; i < len; i += 2) {
        uint32_t u = be ? (uint32_t)b[i] << 8 | b[i + 1] : (uint32_t)b[i + 1] << 8 | b[i];
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (i + 2 >= len) {
                if (truncated)
                    break;
                *bad = base + i;
                return ET_R_UTF16_SURROGATE;
            }
            uint32_t v =
                be ? (uint32_t)b[i + 2] << 8 | b[i + 3] : (uint32_t)b[i + 3] << 8 | b[i + 2];
            if (v < 0xDC00 || v > 0xDFFF) {
                *bad = base + i;
                return ET_R_UTF16_SURROGATE;
            }
            i += 2;
            esc_feed(esc, 0x80);
            continue;
        }
        if (u >= 0xDC00 && u <= 0xDFFF) {
            *bad = base + i;
            return ET_R_UTF16_SURROGATE;
        }
        if (forbidden(u)) {
            *bad = base + i;
            return ET_R_CONTROL;
        }
        esc_feed(esc, u < 0x80 ? u : 0x80);
    }
    return ET_OK;
}

/* ------------------------------------------------------------------------ */
/* Escapes that hide letters from the detectors                             */
/* ------------------------------------------------------------------------ */

/*
 * Plain text that spells letters as escapes would pass detection with the
 * names intact but unreadable to detectors: RTF (\'c8\'e2), HTML numeric
 * references (&#1048;), JSON (\u0418), quoted-printable (=D0=98). We refuse
 * those rather than index them. A small state machine over the ASCII
 * projection of the text (non-ASCII fed as 0x80), so every encoding shares it.
 */
struct esc_state {
    unsigned pos;        /* characters fed */
    unsigned lead;       /* non-space characters fed, for signatures */
    char head[16];       /* first non-space characters, lower case */
    int found;           /* 1 once an escape was seen */
    unsigned prev[8];    /* last characters, newest at [0] */
    unsigned qp_pairs;   /* "=XX=XX" sequences */
    unsigned rtf_hex;    /* \'xx outside an RTF header */
    unsigned b64_run;    /* length of the current run of base64 characters */
    unsigned b64_kinds;  /* 1 upper, 2 lower, 4 digit seen in that run */
    unsigned b64_blocks; /* long mixed runs seen: MIME bodies, data: URIs */
};

static int is_hex(unsigned c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_uhex(unsigned c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static void esc_feed(struct esc_state *s, unsigned c)
{
    if (s->found)
        return;
    s->pos++;
    if (s->lead < sizeof s->head - 1 &&
        !(s->lead == 0 && (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xFEFF))) {
        s->head[s->lead++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : (c < 0x80 ? c : '?'));
        s->head[s->lead] = '\0';
        if (strncmp(s->head, "{\\rtf", 5) == 0 || strncmp(s->head, "<!doctype html", 14) == 0 ||
            strncmp(s->head, "<html", 5) == 0)
            s->found = 1;
    }
    memmove(s->prev + 1, s->prev, sizeof s->prev - sizeof s->prev[0]);
    s->prev[0] = c;
    const unsigned *p = s->prev;
    /* &#123;  or &#x41;  (checked at the ';') */
    if (c == ';') {
        int k = 1;
        while (k < 7 && is_hex(p[k]))
            k++;
        if (k > 1 && k < 7) {
            if (p[k] == '#' && k + 1 < 8 && p[k + 1] == '&')
                s->found = 1;
            else if ((p[k] == 'x' || p[k] == 'X') && k + 2 < 8 && p[k + 1] == '#' &&
                     p[k + 2] == '&')
                s->found = 1;
        }
    }
    /* \u0418 */
    if (is_hex(p[0]) && is_hex(p[1]) && is_hex(p[2]) && is_hex(p[3]) && p[4] == 'u' && p[5] == '\\')
        s->found = 1;
    /* =D0=98: two quoted-printable bytes in a row, the first with the high bit */
    if (is_uhex(p[0]) && is_uhex(p[1]) && p[2] == '=' && is_uhex(p[3]) && p[4] >= '8' &&
        is_uhex(p[4]) && p[5] == '=') {
        if (++s->qp_pairs >= 2)
            s->found = 1;
    }
    /* base64: MIME parts and data: URIs carry whole documents (a scanned
     * passport, a statement) that no detector can read. A run of 64+
     * characters of the base64 alphabet with upper case, lower case and
     * digits (hex digests have no upper case, words have spaces). */
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
        c == '/') {
        s->b64_run++;
        s->b64_kinds |= (c >= 'A' && c <= 'Z')   ? 1u
                        : (c >= 'a' && c <= 'z') ? 2u
                        : (c >= '0' && c <= '9') ? 4u
                                                 : 0u;
        if (s->b64_run == 64 && s->b64_kinds == 7u && ++s->b64_blocks >= 2)
            s->found = 1;
        if (s->b64_run == 256 && s->b64_kinds == 7u)
            s->found = 1;
    } else if (c != '=') {
        s->b64_run = 0;
        s->b64_kinds = 0;
    }
    /* \'e0 (RTF hex escape in a fragment without the header) */
    if (is_hex(p[0]) && is_hex(p[1]) && p[2] == '\'' && p[3] == '\\') {
        if (++s->rtf_hex >= 2)
            s->found = 1;
    }
}

/* ------------------------------------------------------------------------ */
/* 8-bit scoring                                                            */
/* ------------------------------------------------------------------------ */

#define MIN_CYR_FOR_VOWELS 24u /* fewer Cyrillic letters: no vowel check */
#define MIN_VOWELS         0.28
#define MAX_VOWELS         0.62
/* How common each 8-bit encoding is in these files, in bits (log prior):
 * Mac Cyrillic and ISO-8859-5 are rare, windows-1251 is everywhere. */
static const double base_rate[ET_N8BIT] = {0.0, -1.0, -1.0, -3.0, -3.0, -1.0, -1.5, 0.0, -2.0};
#define TIE_BITS       0.5        /* readings this close are equally good */
#define MAX_SCORED     65536u     /* non-ASCII characters looked at */
#define UCHARDET_BYTES (1u << 20) /* what uchardet is fed */

/* Context terms, log2. */
#define LC_LOWER_LOWER (-0.04)
#define LC_LOWER_UPPER (-6.6) /* "пРИВЕТ": KOI8 read as cp1251 and the like */
#define LC_UPPER_UPPER (-1.7)
#define LC_UPPER_LOWER (-0.5)
#define LC_CAPS_UPPER  (-0.07)
#define LC_CAPS_LOWER  (-4.3)
#define LC_START_UPPER (-2.7)
#define LC_START_LOWER (-0.23)
#define LC_MIX         (-10.0) /* Cyrillic and Latin letters inside one word */
#define LC_SYM_IN_WORD (-6.6)  /* symbol between two letters */
#define LC_SYM_GLUED   (-6.6)  /* symbol (not an opening quote) glued to a word's start */
#define LC_UNPAIRED    (-6.6)  /* each « without » or » without « */
#define LC_RUN_4       (-2.0)  /* 4 consonants in a row: "вств" exists, but rarely */
#define LC_RUN_LONG    (-4.0)  /* 5 consonants ("нтств") or 3 vowels */
#define LC_RUN_BAD     (-8.0)  /* longer: a wrong reading */
#define LC_HARMONY     (-8.0)  /* kk/ky: front-only vowel in a word with back vowels */
#define WORD_REACH     24      /* bytes looked at on each side for vowel harmony */

struct score8 {
    double ctx; /* context terms, profile independent */
    uint32_t ctx_bad;
    uint32_t harmony;       /* front vowels in words that also have back vowels */
    uint32_t doubled;       /* ә і ө ұ ү twice in a row */
    uint32_t cyr, vowels;   /* Cyrillic letters scored, and how many are vowels */
    uint32_t guillemets[2]; /* « and », which prose pairs */
    double base[ET_NPROF];  /* unigram terms */
    uint32_t base_bad[ET_NPROF];
};

/* Marks that may stand right before a word: opening quotes and brackets. */
static int opens_word(uint32_t cp)
{
    return cp == 0xAB || cp == 0x201C || cp == 0x201E || cp == 0x2018;
}

/* Length of the run of Cyrillic vowels (or consonants) ending at \p at. */
static unsigned cyr_run(const struct et_tables *t, int k, const unsigned char *b, size_t at,
                        int vowel)
{
    unsigned run = 1;
    while (at > 0 && run < 8) {
        unsigned char pb = b[--at];
        if (!IS_CYR(t->cls[k][pb]) || !(t->vowel[k][pb] & ET_V_VOWEL) != !vowel)
            break;
        run++;
    }
    return run;
}

/* Does the word around \p at (decoded in candidate \p k) have a back vowel? */
static int word_has_back(const struct et_tables *t, int k, const unsigned char *b, size_t len,
                         size_t at)
{
    size_t lo = at, hi = at;
    while (lo > 0 && at - lo < WORD_REACH && IS_LETTER(t->cls[k][b[lo - 1]]))
        lo--;
    while (hi + 1 < len && hi - at < WORD_REACH && IS_LETTER(t->cls[k][b[hi + 1]]))
        hi++;
    for (size_t i = lo; i <= hi; i++)
        if (t->vowel[k][b[i]] & ET_V_BACK)
            return 1;
    return 0;
}

/*
 * Score one 8-bit candidate over the sampled positions. Each non-ASCII byte
 * is judged with its neighbours decoded the same way.
 */
static void score_candidate(const struct et_tables *t, int k, const unsigned char *b, size_t len,
                            const uint32_t *pos, size_t npos, struct score8 *s)
{
    const uint8_t *cls = t->cls[k];
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < npos; i++) {
        size_t at = pos[i];
        unsigned char pb = at > 0 ? b[at - 1] : ' ', nb = at + 1 < len ? b[at + 1] : ' ';
        uint8_t c = cls[b[at]], p = cls[pb], n = cls[nb];
        int border = 0; /* the same box character again */
        if (IS_LETTER(c)) {
            if (IS_LETTER(p)) {
                if (IS_CYR(p) != IS_CYR(c)) {
                    s->ctx += LC_MIX;
                    s->ctx_bad++;
                } else if (!IS_UPPER(p)) {
                    if (IS_UPPER(c)) {
                        s->ctx += LC_LOWER_UPPER;
                        s->ctx_bad++;
                    } else {
                        s->ctx += LC_LOWER_LOWER;
                    }
                } else if (at >= 2 && IS_UPPER(cls[b[at - 2]])) {
                    /* inside an all-caps word ("ПРОТОКОЛ") */
                    s->ctx += IS_UPPER(c) ? LC_CAPS_UPPER : LC_CAPS_LOWER;
                } else {
                    s->ctx += IS_UPPER(c) ? LC_UPPER_UPPER : LC_UPPER_LOWER;
                }
            } else {
                s->ctx += IS_UPPER(c) ? LC_START_UPPER : LC_START_LOWER;
            }
            /* a non-ASCII neighbour is judged at its own turn */
            if (nb < 0x80 && IS_LETTER(n) && IS_CYR(n) != IS_CYR(c)) {
                s->ctx += LC_MIX;
                s->ctx_bad++;
            }
            if (IS_CYR(c)) {
                uint8_t v = t->vowel[k][b[at]];
                unsigned run = cyr_run(t, k, b, at, v & ET_V_VOWEL);
                s->cyr++;
                s->vowels += v & ET_V_VOWEL;
                /* Wrong readings pile up consonants ("опнрнйнк") or vowels. */
                if (v & ET_V_VOWEL ? run == 3 : run == 4 || run == 5) {
                    s->ctx += run == 4 ? LC_RUN_4 : LC_RUN_LONG;
                } else if (v & ET_V_VOWEL ? run >= 4 : run >= 6) {
                    s->ctx += LC_RUN_BAD;
                    s->ctx_bad++;
                }
                if (v & ET_V_FRONT && word_has_back(t, k, b, len, at))
                    s->harmony++;
                /* Kazakh never doubles ә і ө ұ ү (Kyrgyz does, for long vowels). */
                if (v & ET_V_TURKIC && pb == b[at])
                    s->doubled++;
            }
        } else if (c == CL_PUNCT || c == CL_RARE || c == CL_GRAPHIC) {
            uint32_t cp = t->cp[k][b[at]];
            if (IS_LETTER(p) && IS_LETTER(n)) {
                s->ctx += LC_SYM_IN_WORD;
                s->ctx_bad++;
            } else if (!IS_LETTER(p) && IS_LETTER(n) && !opens_word(cp)) {
                /* "¬ладимир": a capital of cp1251 read as Mac Cyrillic and the like */
                s->ctx += LC_SYM_GLUED;
                s->ctx_bad++;
            }
            if (cp == 0xAB || cp == 0xBB)
                s->guillemets[cp == 0xBB]++;
            if (c == CL_RARE)
                s->ctx_bad++;
            /* Tables repeat one border character between corners ("═══") and
             * stand alone between spaces ("│ Имя │"); box characters touching
             * letters are a wrong decoding. */
            if (c == CL_GRAPHIC) {
                if (pb == b[at])
                    border = 1;
                if (IS_LETTER(p) || IS_LETTER(n)) {
                    s->ctx += LC_SYM_IN_WORD;
                    s->ctx_bad++;
                }
            }
        }
        for (int pr = 0; pr < ET_NPROF; pr++) {
            s->base[pr] += border ? LP_GRAPHIC_RUN : t->logp[k][pr][b[at]];
            s->base_bad[pr] += t->outside[k][pr][b[at]];
        }
    }
}

/* Ask uchardet; returns one of our 8-bit encodings or ET_ENC_NONE. */
static int ask_uchardet(void *ud_in, const unsigned char *b, size_t len)
{
    uchardet_t ud = ud_in;
    int own = 0, enc = ET_ENC_NONE;
    if (!ud) {
        ud = uchardet_new();
        own = 1;
        if (!ud)
            return ET_ENC_NONE;
    }
    uchardet_reset(ud);
    if (uchardet_handle_data(ud, (const char *)b, len < UCHARDET_BYTES ? len : UCHARDET_BYTES) ==
        0) {
        uchardet_data_end(ud);
        enc = enc_from_uchardet(uchardet_get_charset(ud));
    }
    uchardet_reset(ud);
    if (own)
        uchardet_delete(ud);
    return enc;
}

/*
 * Choose among the 8-bit encodings. Every candidate that decodes all bytes
 * is scored, allowed or not: if an encoding the caller did not allow reads
 * the bytes clearly better than every allowed one, the allowed reading is a
 * wrong guess and the file is refused (or the fallback used). The best
 * allowed reading must also look like text (see the comment below).
 */
static int detect_8bit(const struct et_tables *t, void *ud, const unsigned char *b, size_t len,
                       size_t multibyte, size_t utf8_bad, const struct et_options *o,
                       struct et_result *r)
{
    uint8_t present[256] = {0};
    uint32_t *pos;
    size_t npos = 0;

    /* Controls are the same bytes in every candidate: refuse once. */
    for (size_t i = 0; i < len; i++) {
        if (b[i] < 0x80 && forbidden(b[i])) {
            r->offset = i;
            return r->reason = ET_R_CONTROL;
        }
        present[b[i]] = 1;
    }
    pos = malloc(sizeof *pos * (len < MAX_SCORED ? len : MAX_SCORED));
    if (!pos)
        return r->reason = ET_R_NOMEM;
    for (size_t i = 0; i < len && npos < MAX_SCORED; i++)
        if (b[i] >= 0x80)
            pos[npos++] = (uint32_t)i;

    r->ud_enc = o->prior_bits > 0 ? ask_uchardet(ud, b, len) : ET_ENC_NONE;

    struct {
        double score; /* with priors */
        double raw;   /* without, best over the profiles */
        int prof;
        uint32_t bad, cyr, vowels;
        int plausible;
    } c[ET_N8BIT];
    int possible[ET_N8BIT] = {0};
    double score_all = -INFINITY;
    int best_k = -1;
    for (int k = 0; k < ET_N8BIT; k++) {
        int enc = ET_ENC_FIRST_8BIT + k;
        possible[k] = 1;
        for (int ch = 0x80; ch < 256 && possible[k]; ch++)
            if (present[ch] && t->cls[k][ch] == CL_INVALID)
                possible[k] = 0;
        if (!possible[k])
            continue;
        struct score8 s;
        score_candidate(t, k, b, len, pos, npos, &s);
        c[k].raw = -INFINITY;
        s.ctx +=
            LC_UNPAIRED * (s.guillemets[0] > s.guillemets[1] ? s.guillemets[0] - s.guillemets[1]
                                                             : s.guillemets[1] - s.guillemets[0]);
        for (int p = 0; p < ET_NPROF; p++) {
            double sc = s.ctx + s.base[p];
            if (p == ET_PROF_KK || p == ET_PROF_KY)
                sc += LC_HARMONY * s.harmony;
            if (p == ET_PROF_KK)
                sc += LC_HARMONY * s.doubled;
            if (sc > c[k].raw) {
                c[k].raw = sc;
                c[k].prof = p;
            }
        }
        c[k].bad = s.ctx_bad + s.base_bad[c[k].prof];
        c[k].cyr = s.cyr;
        c[k].vowels = s.vowels;
        /* Equal decodings score equal: the list order breaks ties (cp1251
         * before kz-1048 for Russian), then how common the encoding is in
         * these files, then uchardet's vote. */
        c[k].score = c[k].raw - 0.001 * k + base_rate[k] + (enc == r->ud_enc ? o->prior_bits : 0.0);
        /*
         * Text: at most one implausible character in twenty (none in a short
         * text), and with enough Cyrillic letters a share of vowels that
         * languages have (a scrambled reading can be free of odd characters).
         */
        double vr = c[k].cyr ? (double)c[k].vowels / c[k].cyr : 0.0;
        c[k].plausible = (size_t)c[k].bad * 20 <= npos &&
                         (c[k].cyr < MIN_CYR_FOR_VOWELS || (vr >= MIN_VOWELS && vr <= MAX_VOWELS));
        if (!c[k].plausible)
            continue;
        if (c[k].score > score_all)
            score_all = c[k].score;
        if ((o->allowed & (1u << enc)) && (best_k < 0 || c[k].score > c[best_k].score))
            best_k = k;
    }
    free(pos);

    r->scored = (uint32_t)npos;
    /* The best plausible reading must be allowed (or as good as the best):
     * otherwise the allowed one is a wrong guess. */
    if (best_k >= 0 && c[best_k].score >= score_all - TIE_BITS) {
        double second = -INFINITY;
        for (int k = 0; k < ET_N8BIT; k++)
            if (possible[k] && k != best_k && c[k].score > second)
                second = c[k].score;
        r->profile = c[best_k].prof;
        r->implausible = c[best_k].bad;
        r->margin = isfinite(second) ? c[best_k].score - second : 99.0;
        r->vowels = c[best_k].cyr ? (double)c[best_k].vowels / c[best_k].cyr : 0.0;
        double rate = npos ? (double)c[best_k].bad / (double)npos : 0.0;
        r->enc = ET_ENC_FIRST_8BIT + best_k;
        r->confidence = (int)(85.0 - 300.0 * rate);
        if (npos < 8 && r->confidence > 70)
            r->confidence = 70;
        return r->reason = ET_OK;
    }
    int fb = o->fallback;
    if (fb >= ET_ENC_FIRST_8BIT && fb < ET_ENC_COUNT && possible[fb - ET_ENC_FIRST_8BIT]) {
        r->enc = fb;
        r->profile = -1;
        r->used_fallback = 1;
        r->confidence = 40;
        return r->reason = ET_OK;
    }
    if (multibyte > 0) {
        r->offset = utf8_bad;
        return r->reason = ET_R_UTF8_INVALID;
    }
    return r->reason = ET_R_NOT_TEXT;
}

/* Share of letters and spaces among ASCII text, for the probe's confidence. */
static int ascii_confidence(const unsigned char *b, size_t len)
{
    size_t n = len < 65536 ? len : 65536, good = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = b[i];
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
            good++;
        else if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            good++;
    }
    if (n == 0)
        return 0;
    double r = (double)good / (double)n;
    return r >= 0.7 ? 90 : r >= 0.4 ? 75 : 60;
}

int et_detect(const struct et_tables *t, void *ud, const unsigned char *b, size_t len,
              int truncated, const struct et_options *o, struct et_result *r)
{
    struct esc_state esc;
    memset(r, 0, sizeof *r);
    memset(&esc, 0, sizeof esc);
    r->enc = ET_ENC_NONE;
    r->profile = -1;
    r->ud_enc = ET_ENC_NONE;
    if (len == 0)
        return r->reason = ET_R_EMPTY;

    /* Byte order marks. */
    if (len >= 4 && ((b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0) ||
                     (b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF)))
        return r->reason = ET_R_UTF32;
    if (len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
        int be = b[0] == 0xFE;
        int rc = utf16_check(b + 2, len - 2, be, truncated, 2, &r->offset, &esc);
        if (rc != ET_OK)
            return r->reason = rc;
        if (esc.found)
            return r->reason = ET_R_ESCAPED;
        r->enc = be ? ET_ENC_UTF16BE : ET_ENC_UTF16LE;
        r->skip = 2;
        r->confidence = 95;
        return r->reason = ET_OK;
    }

    size_t skip = (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) ? 3 : 0;
    size_t bad = 0, mb = 0;
    int ctrl = 0;
    int valid = et_utf8_check(b + skip, len - skip, truncated, &bad, &ctrl, &mb);
    bad += skip;
    int rc;
    if (valid) {
        r->enc = ET_ENC_UTF8;
        r->skip = skip;
        r->confidence = skip ? 98 : mb ? 95 : ascii_confidence(b, len);
        rc = ET_OK;
    } else if (ctrl) {
        r->offset = bad;
        return r->reason = ET_R_CONTROL;
    } else if (skip) {
        r->offset = bad;
        return r->reason = ET_R_UTF8_BOM;
    } else {
        rc = detect_8bit(t, ud, b, len, mb, bad, o, r);
        if (rc != ET_OK)
            return rc;
        /* Few non-ASCII characters (English with a curly quote) is weak
         * evidence for the encoding, but the ASCII prose around them is not. */
        if (r->scored < 8 && !r->used_fallback) {
            int a = ascii_confidence(b, len) - 5;
            if (a > r->confidence)
                r->confidence = a;
        }
    }
    /* ASCII bytes mean the same in UTF-8 and every 8-bit candidate. */
    for (size_t i = skip; i < len && !esc.found; i++)
        esc_feed(&esc, b[i] < 0x80 ? b[i] : 0x80);
    if (esc.found) {
        r->enc = ET_ENC_NONE;
        r->confidence = 0;
        return r->reason = ET_R_ESCAPED;
    }
    return r->reason = rc;
}

/* ------------------------------------------------------------------------ */
/* Conversion                                                               */
/* ------------------------------------------------------------------------ */

size_t et_convert_bound(int enc, size_t len)
{
    if (enc == ET_ENC_UTF8)
        return len + 1;
    if (enc == ET_ENC_UTF16LE || enc == ET_ENC_UTF16BE)
        return len / 2 * 3 + 1;
    return len * 3 + 1; /* every 8-bit character is in the BMP */
}

size_t et_convert_size(const struct et_tables *t, int enc, const unsigned char *b, size_t len)
{
    if (enc < ET_ENC_FIRST_8BIT || enc >= ET_ENC_COUNT)
        return et_convert_bound(enc, len);
    const uint32_t *cp = t->cp[enc - ET_ENC_FIRST_8BIT];
    size_t n = 1;
    for (size_t i = 0; i < len; i++) {
        uint32_t c = cp[b[i]];
        n += c < 0x80 ? 1 : c < 0x800 ? 2 : 3; /* invalid bytes fail in et_convert */
    }
    return n;
}

static size_t put_utf8(char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

size_t et_convert(const struct et_tables *t, int enc, const unsigned char *b, size_t len, char *out,
                  size_t *bad)
{
    size_t o = 0, where = 0;
    if (!bad)
        bad = &where;
    if (enc == ET_ENC_UTF8) {
        size_t mb;
        int ctrl;
        if (!et_utf8_check(b, len, 0, bad, &ctrl, &mb))
            return (size_t)-1;
        memcpy(out, b, len);
        return len;
    }
    if (enc == ET_ENC_UTF16LE || enc == ET_ENC_UTF16BE) {
        int be = enc == ET_ENC_UTF16BE;
        if (len % 2) {
            *bad = len - 1;
            return (size_t)-1;
        }
        for (size_t i = 0; i < len; i += 2) {
            uint32_t u = be ? (uint32_t)b[i] << 8 | b[i + 1] : (uint32_t)b[i + 1] << 8 | b[i];
            if (u >= 0xD800 && u <= 0xDBFF && i + 3 < len) {
                uint32_t v =
                    be ? (uint32_t)b[i + 2] << 8 | b[i + 3] : (uint32_t)b[i + 3] << 8 | b[i + 2];
                if (v >= 0xDC00 && v <= 0xDFFF) {
                    o += put_utf8(out + o, 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00));
                    i += 2;
                    continue;
                }
            }
            if ((u >= 0xD800 && u <= 0xDFFF) || forbidden(u)) {
                *bad = i;
                return (size_t)-1;
            }
            o += put_utf8(out + o, u);
        }
        return o;
    }
    if (enc < ET_ENC_FIRST_8BIT || enc >= ET_ENC_COUNT)
        return (size_t)-1;
    const uint32_t *cp = t->cp[enc - ET_ENC_FIRST_8BIT];
    for (size_t i = 0; i < len; i++) {
        uint32_t c = cp[b[i]];
        if (c == ET_CP_INVALID || forbidden(c)) {
            *bad = i;
            return (size_t)-1;
        }
        o += put_utf8(out + o, c);
    }
    return o;
}
