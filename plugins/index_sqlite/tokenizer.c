/*
 * plugins/index_sqlite/tokenizer.c: the `intake` FTS5 tokenizer.
 *
 * Words: maximal runs of letters, digits and combining marks (ICU character
 * properties), joined across an apostrophe after o/g (Uzbek o‘, g‘ in any of
 * its spellings); a run holding Han, kana, Thai, Lao, Khmer or Myanmar
 * letters is split by ICU's dictionary word break iterator. Placeholders
 * (`[PERSON-3]`) are one word.
 *
 * Each word is one position. What is emitted there:
 *
 *   surface   NFKC_Casefold (Turkic i for tr, az, kk), ё→е, every apostrophe
 *             variant as ', homoglyphs of the word's minority script
 *             (Latin a inside a Cyrillic word) mapped to its majority script
 *   stem      Snowball: documents by their language (ru, en, tr); queries
 *             in every language the word's script may be
 *   key       \x1f + a loose cross-script key (transliterated to ASCII,
 *             letters of one sound merged: Ашхабад, Aşgabat, Ashgabat all
 *             give ASGABAT); documents only for words that are not plain
 *             ASCII, queries always (so an English `hold` never matches
 *             `gold`, while `Ashgabat` finds `Ашхабад`)
 *   translit  queries only: the plain ASCII transliteration of a non-ASCII
 *             word (Алматы → almaty), which finds ASCII Latin text
 *
 * Colocated tokens do not move the position, and the number of positions
 * does not depend on the language: snippets and phrase queries line up
 * whatever language a row was written with. Deleting a row needs the
 * language it was written with (the stems): the plugin sets it first.
 *
 * Speed: plain ASCII words never touch ICU; other words take one
 * normalisation call. Measured in tests/bench/bench_search.sh.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dladdr, RTLD_NODELETE */
#endif
#include "tokenizer.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <intake/span.h>

#define MAXW    128 /* UTF-16 units of a word we normalise; longer ones are cut */
#define MAXTOK  512 /* bytes of one emitted token */
#define MAXSTEM 3

enum { ST_RU, ST_EN, ST_TR, ST_N };
static const char *const stem_names[ST_N] = {"russian", "english", "turkish"};

struct itok {
    struct itok_conn *conn;
    struct sb_stemmer *stem[ST_N];
    int stem_failed[ST_N];
    UBreakIterator *bi; /* dictionary scripts only, made on first need */
    const UNormalizer2 *nfkc_cf, *nfd;
};

/* ------------------------------------------------------------------ */
/* character classes                                                  */
/* ------------------------------------------------------------------ */

static int is_apostrophe(UChar32 c)
{
    switch (c) {
    case 0x27:   /* ' */
    case 0x60:   /* ` */
    case 0xB4:   /* ´ */
    case 0x2018: /* ‘ */
    case 0x2019: /* ’ */
    case 0x02B9: /* ʹ */
    case 0x02BB: /* ʻ (Uzbek's own) */
    case 0x02BC: /* ʼ */
    case 0x02BD: /* ʽ */ return 1;
    }
    return 0;
}

static int is_word_char(UChar32 c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if ((c >= 0x400 && c <= 0x52F && c != 0x482) ||
        (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7))
        return 1; /* Cyrillic and Latin letters: the common case, without a lookup */
    if (is_apostrophe(c))
        return 0;
    return u_isalnum(c) || (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0;
}

static int is_dictionary_script(UChar32 c)
{
    return (c >= 0x0E00 && c <= 0x0EFF) || (c >= 0x1000 && c <= 0x109F) ||
           (c >= 0x1780 && c <= 0x17FF) || (c >= 0x3040 && c <= 0x30FF) ||
           (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) || c >= 0x20000;
}

static int is_cyrillic(UChar32 c)
{
    return c >= 0x0400 && c <= 0x052F;
}

static int is_latin(UChar32 c)
{
    return (c >= 'a' && c <= 'z') || (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) ||
           (c >= 0x1E00 && c <= 0x1EFF);
}

static UChar32 next_cp(const unsigned char *s, int32_t *i, int32_t n)
{
    UChar32 c;
    if (s[*i] < 0x80)
        return s[(*i)++];
    U8_NEXT(s, *i, n, c);
    return c < 0 ? 0xFFFD : c;
}

/* ------------------------------------------------------------------ */
/* transliteration and the loose key                                  */
/* ------------------------------------------------------------------ */

/* Plain ASCII for one folded letter: Russian-style for Cyrillic, Kazakh 2021
 * and Uzbek Latin where they have their own letters. NULL: no ASCII form. */
static const char *translit_cp(UChar32 c)
{
    static const char *const cyr[0x60] = {
        /* 0430 */ "a",
        "b",
        "v",
        "g",
        "d",
        "e",
        "zh",
        "z",
        "i",
        "y",
        "k",
        "l",
        "m",
        "n",
        "o",
        "p",
        /* 0440 */ "r",
        "s",
        "t",
        "u",
        "f",
        "kh",
        "ts",
        "ch",
        "sh",
        "shch",
        "",
        "y",
        "",
        "e",
        "yu",
        "ya",
        /* 0450 */ "e",
        "e",
        "dj",
        "g",
        "ye",
        "dz",
        "i",
        "yi",
        "j",
        "l",
        "n",
        "c",
        "k",
        "i",
        "u",
        "dzh",
    };
    if (c < 0x80)
        return NULL; /* the caller copies ASCII itself */
    if (c == 0x045E)
        return "o'"; /* ў: Uzbek o‘ */
    if (c >= 0x0430 && c < 0x0460)
        return cyr[c - 0x0430];
    switch (c) {
    case 0x0491: return "g";  /* ґ */
    case 0x0493: return "gh"; /* ғ */
    case 0x0497: return "zh"; /* җ */
    case 0x049B: return "q";  /* қ */
    case 0x049D: return "k";
    case 0x04A3: return "ng"; /* ң */
    case 0x04AF: return "u";  /* ү */
    case 0x04B1: return "u";  /* ұ */
    case 0x04B3: return "h";  /* ҳ */
    case 0x04B7: return "j";  /* ҷ */
    case 0x04BB: return "h";  /* һ */
    case 0x04D9: return "a";  /* ә */
    case 0x04E9: return "o";  /* ө */
    case 0x04E3: return "i";  /* ӣ */
    case 0x04EF: return "u";  /* ӯ */
    case 0x00DF: return "ss";
    case 0x00E6: return "ae";
    case 0x00E7: return "ch"; /* ç */
    case 0x00F0: return "d";
    case 0x00F8: return "o";
    case 0x00FE: return "th";
    case 0x0111: return "d";
    case 0x011F: return "g"; /* ğ */
    case 0x0131: return "i"; /* ı */
    case 0x0142: return "l";
    case 0x0148: return "n"; /* ň */
    case 0x00F1: return "n"; /* ñ */
    case 0x0153: return "oe";
    case 0x015F: return "sh"; /* ş */
    case 0x0161: return "sh"; /* š */
    case 0x010D: return "ch"; /* č */
    case 0x017E: return "zh"; /* ž */
    case 0x0259: return "a";  /* ə */
    case 0x0027: return "'";
    }
    return NULL;
}

/* Latin letters with diacritics not in the table: the base letter. */
static int translit_latin(const struct itok *t, UChar32 c, char *out)
{
    UChar d[8];
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = unorm2_getDecomposition(t->nfd, c, d, 8, &st);
    if (U_FAILURE(st) || n < 1 || d[0] >= 0x80)
        return -1;
    out[0] = (char)u_tolower(d[0]);
    return 1;
}

/*
 * The plain ASCII transliteration of a folded word, or -1 when a letter has
 * none (Greek, Armenian, ...: no key then).
 */
static int translit(const struct itok *t, const UChar *w, int32_t n, char *out, int cap)
{
    int o = 0;
    for (int32_t i = 0; i < n;) {
        UChar32 c;
        U16_NEXT(w, i, n, c);
        char tmp[2];
        const char *s = NULL;
        int len;
        if (c < 0x80) {
            tmp[0] = (char)c;
            s = tmp;
            len = 1;
        } else if ((s = translit_cp(c)) != NULL) {
            len = (int)strlen(s);
        } else if (U_GET_GC_MASK(c) & U_GC_M_MASK) {
            continue; /* a combining mark left by NFKC */
        } else if (is_latin(c) && translit_latin(t, c, tmp) == 1) {
            s = tmp;
            len = 1;
        } else {
            return -1;
        }
        if (o + len >= cap)
            return -1;
        memcpy(out + o, s, (size_t)len);
        o += len;
    }
    out[o] = '\0';
    return o;
}

/*
 * The loose key of a transliteration: one class letter per sound that the
 * region's spellings of one name disagree on (sh/ş/ш; kh/h/g/ğ/ғ/х/x;
 * k/q/қ; y/i/ı/ы/й; v/w; j/zh/ж), runs of one class merged, apostrophes
 * dropped, a final voiced consonant devoiced unless \p prefix.
 */
static int loose_key(const char *s, int n, char *out, int cap, int prefix)
{
    int o = 0;
    out[o++] = ITOK_KEY_MARK;
    for (int i = 0; i < n;) {
        char c = s[i], k;
        char d = i + 1 < n ? s[i + 1] : 0;
        int adv = 1;
        if ((c == 's' || c == 'c' || c == 'z' || c == 'k' || c == 'g') && d == 'h') {
            k = c == 's' ? 'S' : c == 'c' ? 'C' : c == 'z' ? 'J' : 'G';
            adv = 2;
            if (c == 's' && i + 3 < n && s[i + 2] == 'c' && s[i + 3] == 'h')
                adv = 4; /* shch */
        } else if (c == 't' && d == 's') {
            k = 'C';
            adv = 2;
        } else {
            switch (c) {
            case '\'': i++; continue;
            case 'h':
            case 'g':
            case 'x': k = 'G'; break;
            case 'q':
            case 'k':
            case 'c': k = 'K'; break;
            case 'y':
            case 'i': k = 'I'; break;
            case 'w':
            case 'v': k = 'V'; break;
            case 'j': k = 'J'; break;
            default: k = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
            }
        }
        i += adv;
        if (o > 1 && out[o - 1] == k)
            continue;
        if (o + 1 >= cap)
            return -1;
        out[o++] = k;
    }
    if (!prefix && o > 2) {
        char *l = &out[o - 1];
        *l = *l == 'D' ? 'T' : *l == 'B' ? 'P' : *l == 'Z' ? 'S' : *l == 'V' ? 'F' : *l;
    }
    out[o] = '\0';
    return o;
}

/* ------------------------------------------------------------------ */
/* folding                                                            */
/* ------------------------------------------------------------------ */

static UChar32 homoglyph(UChar32 c, int to_cyrillic)
{
    static const struct {
        UChar32 lat, cyr;
    } map[] = {{'a', 0x430}, {'c', 0x441}, {'e', 0x435}, {'o', 0x43E}, {'p', 0x440},
               {'x', 0x445}, {'y', 0x443}, {'k', 0x43A}, {'m', 0x43C}, {'t', 0x442},
               {'b', 0x432}, {'h', 0x43D}, {'i', 0x456}, {'j', 0x458}, {'s', 0x455}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (to_cyrillic && c == map[i].lat)
            return map[i].cyr;
        if (!to_cyrillic && c == map[i].cyr)
            return map[i].lat;
    }
    return c;
}

static int turkic_lang(const char *lang)
{
    return lang &&
           (strncmp(lang, "tr", 2) == 0 || strncmp(lang, "az", 2) == 0 ||
            strncmp(lang, "kk", 2) == 0) &&
           (lang[2] == '\0' || lang[2] == '-' || lang[2] == '_');
}

/*
 * Fold one word (UTF-8 bytes) into \p dst (UTF-16); \return its length, or
 * -1 if ICU refused. Also counts its Cyrillic and Latin letters.
 */
static int32_t fold_word(const struct itok *t, const unsigned char *s, int32_t n, int turkic,
                         UChar *dst, int *ncyr, int *nlat)
{
    UChar src[MAXW + 2];
    int32_t sl = 0;
    for (int32_t i = 0; i < n && sl < MAXW;) {
        UChar32 c = next_cp(s, &i, n);
        if (c == 0x130)
            c = 'i'; /* İ: i everywhere (NFKC_CF would leave i + U+0307) */
        else if (c == 'I' && turkic)
            c = 0x131; /* Turkic capital I is ı */
        U16_APPEND_UNSAFE(src, sl, c);
    }
    UErrorCode st = U_ZERO_ERROR;
    UChar tmp[MAXW * 3];
    int32_t tl = 0;
    /* Fast path: letters of the Latin, Greek and Cyrillic blocks that NFKC
     * leaves alone need only simple case folding (most words of our
     * corpora); anything else takes the full NFKC_Casefold. */
    for (int32_t i = 0; i < sl && tl >= 0; i++) {
        UChar c = src[i];
        if (c >= 0x530 || (c >= 0xA0 && c < 0xC0) || (c >= 0x132 && c <= 0x133) ||
            (c >= 0x13F && c <= 0x140) || c == 0x149 || c == 0x17F || (c >= 0x1C4 && c <= 0x1CC) ||
            (c >= 0x1F1 && c <= 0x1F3) || (c >= 0x2B0 && c < 0x370) || c == 0x37A || c == 0x37E ||
            (c >= 0x384 && c <= 0x387) || (c >= 0x3D0 && c <= 0x3D6) ||
            (c >= 0x3F0 && c <= 0x3F9) || c == 0xDF || c == 0x130)
            tl = -1;
        else
            tmp[tl++] = (UChar)u_foldCase(c, U_FOLD_CASE_DEFAULT);
    }
    if (tl < 0) {
        tl = unorm2_normalize(t->nfkc_cf, src, sl, tmp, MAXW * 3, &st);
        if (U_FAILURE(st))
            return -1;
    }
    /* post-map, and count scripts */
    int32_t dl = 0;
    *ncyr = *nlat = 0;
    for (int32_t i = 0; i < tl && dl < MAXW;) {
        UChar32 c;
        U16_NEXT(tmp, i, tl, c);
        if (c == 0x451)
            c = 0x435; /* ё → е */
        else if (is_apostrophe(c))
            c = '\'';
        else if (c == 0x307 && dl > 0 && dst[dl - 1] == 'i')
            continue;
        if (is_cyrillic(c))
            (*ncyr)++;
        else if (is_latin(c))
            (*nlat)++;
        U16_APPEND_UNSAFE(dst, dl, c);
    }
    if (*ncyr && *nlat) {
        int to_cyr = *ncyr >= *nlat;
        *ncyr = *nlat = 0;
        for (int32_t i = 0; i < dl; i++) {
            dst[i] = (UChar)homoglyph(dst[i], to_cyr);
            if (is_cyrillic(dst[i]))
                (*ncyr)++;
            else if (is_latin(dst[i]))
                (*nlat)++;
        }
    }
    return dl;
}

/* ------------------------------------------------------------------ */
/* one word                                                           */
/* ------------------------------------------------------------------ */

struct emitted {
    const char *tok[8];
    int len[8], n;
};

static int emit_once(struct emitted *e, itok_emit_fn emit, void *ctx, int colocated,
                     const char *tok, int n, int start, int end)
{
    if (n <= 0 || n > MAXTOK)
        return SQLITE_OK;
    for (int i = 0; i < e->n; i++)
        if (e->len[i] == n && memcmp(e->tok[i], tok, (size_t)n) == 0)
            return SQLITE_OK;
    if (e->n < 8) {
        e->tok[e->n] = tok;
        e->len[e->n++] = n;
    }
    return emit(ctx, colocated ? FTS5_TOKEN_COLOCATED : 0, tok, n, start, end);
}

static struct sb_stemmer *stemmer(struct itok *t, int which)
{
    if (!t->stem[which] && !t->stem_failed[which]) {
        t->stem[which] = sb_stemmer_new(stem_names[which], "UTF_8");
        t->stem_failed[which] = t->stem[which] == NULL;
    }
    return t->stem[which];
}

static int doc_stemmer(const char *lang)
{
    if (!lang)
        return -1;
    if (strncmp(lang, "ru", 2) == 0 && (lang[2] == 0 || lang[2] == '-'))
        return ST_RU;
    if (strncmp(lang, "en", 2) == 0 && (lang[2] == 0 || lang[2] == '-'))
        return ST_EN;
    if (strncmp(lang, "tr", 2) == 0 && (lang[2] == 0 || lang[2] == '-'))
        return ST_TR;
    return -1;
}

struct run_ctx {
    struct itok *t;
    const char *lang;
    int flags, turkic;
    itok_emit_fn emit;
    void *ctx;
};

static int word(struct run_ctx *r, const char *text, int s, int e)
{
    struct itok *t = r->t;
    const unsigned char *w = (const unsigned char *)text + s;
    int n = e - s, ascii = 1;
    char surf[MAXTOK + 8], tr[MAXTOK], key[MAXTOK];
    int sl = 0;
    UChar fold[MAXTOK + 4];
    int32_t fl = 0;
    int ncyr = 0, nlat = 0, letters = 0;
    for (int i = 0; i < n; i++)
        if (w[i] >= 0x80)
            ascii = 0;
    if (ascii && r->turkic && n > 0 && memchr(w, 'I', (size_t)(unsigned)n))
        ascii = 0; /* Turkic I is ı: ICU's path */
    if (ascii || n > MAXW * 2) {
        /* plain ASCII (or too long to normalise): lower-case bytes */
        int m = n < MAXTOK ? n : MAXTOK;
        for (int i = 0; i < m; i++) {
            char c = (char)w[i];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c + 32);
            if (c == '`')
                c = '\'';
            if ((c >= 'a' && c <= 'z') || (unsigned char)c >= 0x80)
                letters = 1;
            surf[sl++] = c;
            if (ascii)
                fold[fl++] = (UChar)(unsigned char)c;
        }
        if (!ascii)
            fl = 0;
        nlat = letters && ascii;
    } else {
        fl = fold_word(t, w, n, r->turkic, fold, &ncyr, &nlat);
        if (fl < 0)
            return SQLITE_OK; /* not text ICU can normalise: no token */
        UErrorCode st = U_ZERO_ERROR;
        u_strToUTF8(surf, MAXTOK, &sl, fold, fl, &st);
        if (U_FAILURE(st) || sl > MAXTOK)
            return SQLITE_OK;
        letters = ncyr + nlat > 0;
        if (!letters)
            for (int32_t i = 0; i < fl && !letters; i++)
                letters = u_isalpha(fold[i]);
    }

    struct emitted em = {.n = 0};
    int rc = emit_once(&em, r->emit, r->ctx, 0, surf, sl, s, e);
    /* Words of under four characters (и, на, the, of: a third of all
     * tokens) get neither stem nor key: a cross-script or inflected search
     * for them would find everything anyway, and they would cost a third
     * more index. */
    int32_t chars = ascii ? (int32_t)sl : u_countChar32(fold, fl);
    if (rc != SQLITE_OK || (r->flags & FTS5_TOKENIZE_AUX) || !letters || chars < 4)
        return rc;
    int query = (r->flags & FTS5_TOKENIZE_QUERY) != 0;
    int prefix = (r->flags & FTS5_TOKENIZE_PREFIX) != 0;

    /* stems */
    int which[MAXSTEM], nw = 0;
    if (!query) {
        int d = doc_stemmer(r->lang);
        if ((d == ST_RU && ncyr) || ((d == ST_EN || d == ST_TR) && nlat && !ncyr))
            which[nw++] = d;
    } else if (!prefix) {
        if (ncyr)
            which[nw++] = ST_RU;
        else if (nlat) {
            which[nw++] = ST_EN;
            which[nw++] = ST_TR;
        }
    }
    for (int i = 0; i < nw; i++) {
        struct sb_stemmer *sb = stemmer(t, which[i]);
        if (!sb)
            continue;
        const sb_symbol *st = sb_stemmer_stem(sb, (const sb_symbol *)surf, sl);
        if (st && (rc = emit_once(&em, r->emit, r->ctx, 1, (const char *)st, sb_stemmer_length(sb),
                                  s, e)) != SQLITE_OK)
            return rc;
    }

    /* key and transliteration */
    if (!ascii || query) {
        int tl = translit(t, fold, fl, tr, sizeof tr);
        if (tl > 0) {
            int kl = loose_key(tr, tl, key, sizeof key, prefix);
            if (kl > 1 && (rc = emit_once(&em, r->emit, r->ctx, 1, key, kl, s, e)) != SQLITE_OK)
                return rc;
            if (query && !ascii &&
                (rc = emit_once(&em, r->emit, r->ctx, 1, tr, tl, s, e)) != SQLITE_OK)
                return rc;
        }
    }
    return SQLITE_OK;
}

/* ------------------------------------------------------------------ */
/* placeholders and dictionary scripts                                */
/* ------------------------------------------------------------------ */

/*
 * `[LABEL]`, `[LABEL-tag]` at \p i (or, in a query, `LABEL-tag` bare, for a
 * known label): \return its end, or 0. The token is the folded text with
 * brackets; a document also gets the bare label at the same position, so
 * `PERSON` finds every `[PERSON-n]`.
 */
static int placeholder(const char *s, int i, int n, int query, int *lab_s, int *lab_e)
{
    int j = i, bracket = s[i] == '[';
    if (bracket)
        j++;
    else if (!query || (i > 0 && is_word_char((unsigned char)s[i - 1])))
        return 0;
    *lab_s = j;
    while (j < n && ((s[j] >= 'A' && s[j] <= 'Z') || (s[j] == '_' && j > *lab_s)))
        j++;
    *lab_e = j;
    if (j == *lab_s || j - *lab_s > 20)
        return 0;
    if (j < n && s[j] == '-') {
        int k = ++j;
        while (j < n && j - k < 32 &&
               ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z') ||
                (s[j] >= '0' && s[j] <= '9')))
            j++;
        if (j == k)
            return 0;
    } else if (!bracket) {
        return 0;
    }
    if (bracket) {
        if (j >= n || s[j] != ']')
            return 0;
        return j + 1;
    }
    if (j < n && is_word_char((unsigned char)s[j]))
        return 0;
    char lab[24];
    memcpy(lab, s + *lab_s, (size_t)(*lab_e - *lab_s));
    lab[*lab_e - *lab_s] = '\0';
    return intake_label_from_name(lab) != INTAKE_LABEL_NONE ? j : 0;
}

static int emit_placeholder(struct run_ctx *r, const char *s, int i, int end, int ls, int le)
{
    char tok[80];
    int o = 0;
    tok[o++] = '[';
    for (int j = s[i] == '[' ? i + 1 : i; j < end && s[j] != ']' && o < 76; j++)
        tok[o++] = (s[j] >= 'A' && s[j] <= 'Z') ? (char)(s[j] + 32) : s[j];
    tok[o++] = ']';
    int rc = r->emit(r->ctx, 0, tok, o, i, end);
    if (rc == SQLITE_OK && !(r->flags & (FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_AUX))) {
        for (int j = ls; j < le; j++)
            tok[j - ls] = (char)(s[j] + 32);
        rc = r->emit(r->ctx, FTS5_TOKEN_COLOCATED, tok, le - ls, i, end);
    }
    return rc;
}

/* A run with dictionary-script letters: ICU's word break iterator decides. */
static int dictionary_run(struct run_ctx *r, const char *text, int s, int e)
{
    struct itok *t = r->t;
    UErrorCode st = U_ZERO_ERROR;
    if (!t->bi) {
        t->bi = ubrk_open(UBRK_WORD, "", NULL, 0, &st);
        if (U_FAILURE(st)) {
            t->bi = NULL;
            return word(r, text, s, e);
        }
    }
    UText *ut = utext_openUTF8(NULL, text + s, e - s, &st);
    if (U_FAILURE(st))
        return word(r, text, s, e);
    ubrk_setUText(t->bi, ut, &st);
    int rc = SQLITE_OK;
    int32_t a = ubrk_first(t->bi), b;
    while (rc == SQLITE_OK && U_SUCCESS(st) && (b = ubrk_next(t->bi)) != UBRK_DONE) {
        if (ubrk_getRuleStatus(t->bi) >= UBRK_WORD_NONE_LIMIT)
            rc = word(r, text, s + a, s + b);
        a = b;
    }
    utext_close(ut);
    return rc;
}

/* ------------------------------------------------------------------ */
/* the tokenizer                                                      */
/* ------------------------------------------------------------------ */

int itok_tokenize(struct itok *t, const char *lang, int flags, const char *text, int len,
                  itok_emit_fn emit, void *ctx)
{
    struct run_ctx r = {t, lang, flags, 0, emit, ctx};
    /* Turkic folding only where the document says so: a query's language is
     * unknown, and the keys fold ı and i together anyway. */
    r.turkic = !(flags & FTS5_TOKENIZE_QUERY) && turkic_lang(lang);
    const unsigned char *u = (const unsigned char *)text;
    int query = (flags & FTS5_TOKENIZE_QUERY) != 0;
    int32_t i = 0;
    while (i < len) {
        if (text[i] == '[' || (query && text[i] >= 'A' && text[i] <= 'Z')) {
            int ls, le, end = placeholder(text, i, len, query, &ls, &le);
            if (end) {
                int rc = emit_placeholder(&r, text, i, end, ls, le);
                if (rc != SQLITE_OK)
                    return rc;
                i = end;
                continue;
            }
        }
        int32_t at = i;
        UChar32 c = next_cp(u, &i, len);
        if (!is_word_char(c))
            continue;
        int32_t s = at, e = i, dict = is_dictionary_script(c);
        UChar32 prev = c;
        while (i < len) {
            int32_t j = i;
            UChar32 d = next_cp(u, &j, len);
            if (is_word_char(d)) {
                dict |= is_dictionary_script(d);
                prev = d;
                i = e = j;
                continue;
            }
            /* o‘zbek, g'alaba: an apostrophe after o/g, before a letter */
            if (is_apostrophe(d) && (prev == 'o' || prev == 'g' || prev == 'O' || prev == 'G') &&
                j < len) {
                int32_t k = j;
                UChar32 f = next_cp(u, &k, len);
                if (is_word_char(f) && u_isalpha(f)) {
                    prev = f;
                    i = e = k;
                    continue;
                }
            }
            break;
        }
        int rc = dict ? dictionary_run(&r, text, s, e) : word(&r, text, s, e);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

int itok_create(struct itok **out)
{
    struct itok *t = calloc(1, sizeof *t);
    if (!t)
        return SQLITE_NOMEM;
    UErrorCode st = U_ZERO_ERROR;
    t->nfkc_cf = unorm2_getNFKCCasefoldInstance(&st);
    t->nfd = unorm2_getNFDInstance(&st);
    if (U_FAILURE(st)) {
        free(t);
        return SQLITE_ERROR;
    }
    *out = t;
    return SQLITE_OK;
}

void itok_destroy(struct itok *t)
{
    if (!t)
        return;
    for (int i = 0; i < ST_N; i++)
        if (t->stem[i])
            sb_stemmer_delete(t->stem[i]);
    if (t->bi)
        ubrk_close(t->bi);
    free(t);
}

/* ------------------------------------------------------------------ */
/* FTS5 glue                                                          */
/* ------------------------------------------------------------------ */

static int fts_create(void *user, const char **argv, int argc, Fts5Tokenizer **out)
{
    (void)argv;
    (void)argc;
    struct itok *t = NULL;
    int rc = itok_create(&t);
    if (rc != SQLITE_OK)
        return rc;
    t->conn = user;
    *out = (Fts5Tokenizer *)t;
    return SQLITE_OK;
}

static void fts_delete(Fts5Tokenizer *tok)
{
    itok_destroy((struct itok *)tok);
}

static int fts_tokenize(Fts5Tokenizer *tok, void *ctx, int flags, const char *text, int len,
                        int (*xToken)(void *, int, const char *, int, int, int))
{
    struct itok *t = (struct itok *)tok;
    const char *lang = t->conn && t->conn->lang[0] ? t->conn->lang : NULL;
    return itok_tokenize(t, lang, flags, text, len, xToken, ctx);
}

static void conn_free(void *p)
{
    sqlite3_free(p);
}

static fts5_api *fts5_api_of(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    return api;
}

/*
 * A connection holds pointers into this module once the tokenizer is
 * registered, and the core may unload the plugin before it closes a
 * connection it lent us: pin the module for the life of the process.
 */
static void pin_module(void)
{
    static int pinned;
    Dl_info info;
    if (pinned || !dladdr((void *)pin_module, &info) || !info.dli_fname)
        return;
    if (dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE))
        pinned = 1; /* the extra reference is never dropped: that is the point */
}

int itok_register(sqlite3 *db, struct itok_conn **out)
{
    fts5_api *api = fts5_api_of(db);
    if (!api)
        return SQLITE_ERROR;
    void *user = NULL;
    fts5_tokenizer tk;
    if (api->xFindTokenizer(api, ITOK_NAME, &user, &tk) == SQLITE_OK && user &&
        tk.xTokenize == fts_tokenize) {
        if (out)
            *out = user;
        return SQLITE_OK;
    }
    pin_module();
    struct itok_conn *conn = sqlite3_malloc(sizeof *conn);
    if (!conn)
        return SQLITE_NOMEM;
    memset(conn, 0, sizeof *conn);
    fts5_tokenizer def = {fts_create, fts_delete, fts_tokenize};
    int rc = api->xCreateTokenizer(api, ITOK_NAME, conn, &def, conn_free);
    if (rc != SQLITE_OK)
        return rc; /* FTS5 called conn_free */
    if (out)
        *out = conn;
    return SQLITE_OK;
}
