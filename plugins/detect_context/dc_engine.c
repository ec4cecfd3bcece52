/*
 * dc_engine: see dc_engine.h.
 *
 * One pass cuts the text into tokens (alphanumeric words, with '-' and the
 * apostrophes ' ` ‘ ’ ʻ ʼ joining letters and digits inside a word; single
 * punctuation characters); each word is lower-cased, stripped of
 * apostrophes and looked up in the keyword table (exact words by a 64-bit
 * hash; stems by prefix). Words that start with a number and a hyphen
 * ("15-үй", "1985-жылы", "12-nji") are looked up by the part after the
 * last hyphen. The rules then run over the token array:
 *   dates     all dates are found; one is personal when a birth word lies
 *             within the window before or after it, and no other date lies
 *             in between;
 *   places    capitalised words after a place trigger (уроженец, place of
 *             birth:, born in) or before a locative city word that a birth
 *             word follows (Алматы қаласында туған), or "in X" after a
 *             date of birth;
 *   addresses from a street, house or flat word outward, component by
 *             component (city, district, street, house, flat, post code);
 *   plates    the shapes of the Kazakh, Russian, Kyrgyz and Uzbek plates,
 *             near a vehicle word for the weak ones.
 */
#include "dc_engine.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* keyword classes (bits) */
#define C_BIRTH     0x1u
#define C_PLACE     0x2u
#define C_CITYLOC   0x4u
#define C_CITYPRE   0x8u
#define C_CITYPOST  0x10u
#define C_STREET    0x20u
#define C_HOUSEPRE  0x40u
#define C_FLATPRE   0x80u
#define C_HOUSEPOST 0x100u
#define C_FLATPOST  0x200u
#define C_ORD       0x400u
#define C_YEAR      0x800u
#define C_MONTH     0x1000u
#define C_PLATE     0x2000u
#define C_EN        0x4000u
#define C_SKIP      0x8000u

static const struct {
    const char *name;
    uint32_t bit;
} class_names[] = {
    {"BIRTH", C_BIRTH},       {"PLACE", C_PLACE},       {"CITYLOC", C_CITYLOC},
    {"CITYPRE", C_CITYPRE},   {"CITYPOST", C_CITYPOST}, {"STREET", C_STREET},
    {"HOUSEPRE", C_HOUSEPRE}, {"FLATPRE", C_FLATPRE},   {"HOUSEPOST", C_HOUSEPOST},
    {"FLATPOST", C_FLATPOST}, {"ORD", C_ORD},           {"YEAR", C_YEAR},
    {"MONTH", C_MONTH},       {"PLATE", C_PLATE},       {"EN", C_EN},
    {"SKIP", C_SKIP},
};

#define FOLD_MAX 64

struct prefix {
    unsigned char s[FOLD_MAX];
    size_t len;
    uint32_t cls;
};

struct dc_lexicon {
    struct dc_alloc a;
    struct dc_settings set;
    uint64_t *keys; /* open addressing, 0 = empty */
    uint32_t *vals;
    size_t cap, n;
    struct prefix *pre;
    size_t npre;
    /* prefixes sorted by bucket (first two bytes hashed): bucket b holds
     * pre[bstart[b] .. bstart[b + 1]) */
    uint32_t bstart[257];
    /* per code point below U+0800 (ASCII, Latin, Cyrillic): its CC_* class
     * and to_lower(); built once from the functions below so the
     * tokenizer's fast path answers exactly as they do */
    uint16_t cc[0x800];
    uint16_t low[0x800];
    /* early-outs, exact for the lists: a bit per fkey() of each exact
     * word, and per pkey() of each prefix (used when every prefix has 3
     * bytes or more: pre3); most words are in neither list */
    uint8_t fbits[1u << 13];
    uint8_t pbits[1u << 13];
    int pre3;
};

static unsigned pbucket(const unsigned char *s)
{
    return ((unsigned)s[0] * 31u + s[1]) & 255u;
}

/* a word's first two bytes, last byte and length, mixed into 16 bits */
static unsigned fkey(const unsigned char *s, size_t n)
{
    unsigned a = s[0], b = n > 1 ? s[1] : 0u, z = s[n - 1];
    uint32_t h = a * 0x9E3779B1u ^ b * 0x85EBCA77u ^ z * 0xC2B2AE3Du ^ (uint32_t)n * 0x27D4EB2Fu;
    return (h ^ (h >> 16)) & 0xFFFFu;
}

/* a prefix's first three bytes, mixed into 16 bits */
static unsigned pkey(const unsigned char *s)
{
    uint32_t h = s[0] * 0x9E3779B1u ^ s[1] * 0x85EBCA77u ^ s[2] * 0xC2B2AE3Du;
    return (h ^ (h >> 16)) & 0xFFFFu;
}

static int bit_get(const uint8_t *bits, unsigned k)
{
    return (bits[k >> 3] >> (k & 7u)) & 1;
}

static void bit_set(uint8_t *bits, unsigned k)
{
    bits[k >> 3] |= (uint8_t)(1u << (k & 7u));
}

/* token kinds and flags */
enum { TK_WORD = 1, TK_PUNCT = 2 };
#define F_CAP    0x1u  /* first letter upper case */
#define F_DIG0   0x2u  /* starts with a digit */
#define F_ALLDIG 0x4u  /* digits only */
#define F_HYPH   0x8u  /* contains a hyphen */
#define F_NL     0x10u /* a line break before it */
#define F_PARA   0x20u /* a blank line before it */
#define F_SP     0x40u /* white space before it */
#define F_ASCII  0x80u /* ASCII only */
#define F_HASLET 0x100u
#define F_UPPER  0x200u /* every letter upper case */

struct tok {
    uint32_t s, e; /* offsets inside the chunk */
    uint32_t cls;  /* keyword classes */
    uint32_t ch;   /* punctuation: the code point */
    uint16_t flags;
    uint8_t kind;
    uint8_t ndig; /* leading digits (capped at 255) */
};

struct date {
    size_t t0, t1; /* token range, inclusive */
    int year_only;
    int birth;
};

struct dc_scanner {
    const struct dc_lexicon *lex;
    struct tok *tok;
    size_t ntok, captok;
    struct date *dates;
    size_t ndates, capdates;
    struct dc_hit *hits;
    size_t nhits, caphits;
    unsigned char *mark; /* per token: already inside an address/plate */
    size_t capmark;
};

/* ---------------------------------------------------------------- UTF-8 */

static size_t u8dec(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c < 0xE0 && n >= 2 && (p[1] & 0xC0) == 0x80) {
        *cp = ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
        return 2;
    }
    if (c >= 0xE0 && c < 0xF0 && n >= 3 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
        *cp = ((c & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        return 3;
    }
    if (c >= 0xF0 && c < 0xF5 && n >= 4 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 &&
        (p[3] & 0xC0) == 0x80) {
        *cp = ((c & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
        return 4;
    }
    *cp = 0xFFFD;
    return 1;
}

static size_t u8enc(uint32_t cp, unsigned char *o)
{
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

static int is_apos(uint32_t c)
{
    return c == '\'' || c == '`' || c == 0x2018 || c == 0x2019 || c == 0x2BB || c == 0x2BC;
}

static int is_hyph(uint32_t c)
{
    return c == '-' || c == 0x2010 || c == 0x2011;
}

static int is_letter(uint32_t c)
{
    if (c < 0x80)
        return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    return (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x370 && c <= 0x52F) ||
           (c >= 0x1E00 && c <= 0x1EFF);
}

static int is_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}

static int is_space(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v' || c == 0xA0 ||
           (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x3000 || c == 0xFEFF;
}

static int is_upper(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z';
    if (c >= 0x400 && c <= 0x42F)
        return 1;
    if (c >= 0x460 && c <= 0x52F)
        return (c & 1u) == 0 && c != 0x4C0;
    if (c >= 0xC0 && c <= 0xDE)
        return c != 0xD7;
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
        return (c & 1u) == 0;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
        return (c & 1u) == 1;
    if (c == 0x178)
        return 1;
    return 0;
}

static uint32_t to_lower(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    if (c >= 0x410 && c <= 0x42F)
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40F)
        return c == 0x401 ? 0x435 : c + 0x50; /* Ё -> е */
    if (c == 0x451)
        return 0x435; /* ё -> е */
    if (is_upper(c)) {
        if (c >= 0xC0 && c <= 0xDE)
            return c + 0x20;
        if (c == 0x178)
            return 0xFF;
        return c + 1;
    }
    return c;
}

/* character classes of the tokenizer (bits) */
#define CC_LET   0x1u
#define CC_UP    0x2u /* an upper-case letter */
#define CC_DIG   0x4u
#define CC_HYPH  0x8u
#define CC_APOS  0x10u
#define CC_SPACE 0x20u
#define CC_LOWER 0x40u  /* a letter, not upper case */
#define CC_NONAS 0x80u  /* a letter outside ASCII */
#define CC_LAT   0x100u /* an ASCII letter */
#define CC_CYR   0x200u /* a letter in U+0400..U+052F */

static unsigned char_class(uint32_t c)
{
    unsigned k = 0;
    if (is_letter(c)) {
        k |= CC_LET | (is_upper(c) ? CC_UP : CC_LOWER);
        if (c < 0x80)
            k |= CC_LAT;
        else
            k |= CC_NONAS;
        if (c >= 0x400 && c <= 0x52F)
            k |= CC_CYR;
    }
    if (is_digit(c))
        k |= CC_DIG;
    if (is_hyph(c))
        k |= CC_HYPH;
    if (is_apos(c))
        k |= CC_APOS;
    if (is_space(c))
        k |= CC_SPACE;
    return k;
}

/* Lower-case, apostrophes dropped; returns the folded length (0 if too long). */
static size_t fold(const unsigned char *p, size_t n, unsigned char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        i += u8dec(p + i, n - i, &c);
        if (is_apos(c))
            continue;
        if (is_hyph(c))
            c = '-';
        if (o + 4 > FOLD_MAX)
            return 0;
        o += u8enc(to_lower(c), out + o);
    }
    return o;
}

/* The Cyrillic letter an ASCII one looks like, in a word OCR read partly
 * with Latin letters ("poдилась", "Teлeфoн"); 0 when none. Upper case
 * first: 'B' looks like в, 'b' like ь. */
static uint32_t latin_lookalike(uint32_t c)
{
    static const char up[] = "ABCEHKMOPTXY";
    static const uint16_t upc[] = {0x430, 0x432, 0x441, 0x435, 0x43D, 0x43A,
                                   0x43C, 0x43E, 0x440, 0x442, 0x445, 0x443};
    static const char lo[] = "abceikmnopruxy";
    static const uint16_t loc[] = {0x430, 0x44C, 0x441, 0x435, 0x456, 0x43A, 0x442,
                                   0x43F, 0x43E, 0x440, 0x433, 0x438, 0x445, 0x443};
    for (size_t i = 0; up[i]; i++)
        if ((uint32_t)(unsigned char)up[i] == c)
            return upc[i];
    for (size_t i = 0; lo[i]; i++)
        if ((uint32_t)(unsigned char)lo[i] == c)
            return loc[i];
    return 0;
}

/* fold() of a mixed-script word with its Latin look-alikes made Cyrillic. */
static size_t fold_cyr(const unsigned char *p, size_t n, unsigned char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c, k;
        i += u8dec(p + i, n - i, &c);
        if (is_apos(c))
            continue;
        if (is_hyph(c))
            c = '-';
        if (c < 0x80 && (k = latin_lookalike(c)) != 0)
            c = k;
        if (o + 4 > FOLD_MAX)
            return 0;
        o += u8enc(to_lower(c), out + o);
    }
    return o;
}

static uint64_t hash64(const unsigned char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 29;
    return h ? h : 1;
}

/* -------------------------------------------------------------- lexicon */

static int lex_put(struct dc_lexicon *lx, const unsigned char *s, size_t n, uint32_t cls)
{
    if (lx->n * 2 + 2 > lx->cap) {
        size_t ncap = lx->cap ? lx->cap * 2 : 1024;
        uint64_t *nk = lx->a.alloc(ncap * sizeof *nk);
        uint32_t *nv = lx->a.alloc(ncap * sizeof *nv);
        if (!nk || !nv) {
            lx->a.free(nk);
            lx->a.free(nv);
            return INTAKE_ENOMEM;
        }
        memset(nk, 0, ncap * sizeof *nk);
        memset(nv, 0, ncap * sizeof *nv);
        for (size_t i = 0; i < lx->cap; i++)
            if (lx->keys[i]) {
                size_t j = lx->keys[i] & (ncap - 1);
                while (nk[j])
                    j = (j + 1) & (ncap - 1);
                nk[j] = lx->keys[i];
                nv[j] = lx->vals[i];
            }
        lx->a.free(lx->keys);
        lx->a.free(lx->vals);
        lx->keys = nk;
        lx->vals = nv;
        lx->cap = ncap;
    }
    bit_set(lx->fbits, fkey(s, n));
    uint64_t h = hash64(s, n);
    size_t j = h & (lx->cap - 1);
    while (lx->keys[j] && lx->keys[j] != h)
        j = (j + 1) & (lx->cap - 1);
    if (!lx->keys[j]) {
        lx->keys[j] = h;
        lx->n++;
    }
    lx->vals[j] |= cls;
    return INTAKE_OK;
}

static uint32_t lex_get(const struct dc_lexicon *lx, const unsigned char *s, size_t n)
{
    uint32_t cls = 0;
    if (lx->cap && bit_get(lx->fbits, fkey(s, n))) {
        uint64_t h = hash64(s, n);
        size_t j = h & (lx->cap - 1);
        while (lx->keys[j]) {
            if (lx->keys[j] == h) {
                cls = lx->vals[j];
                break;
            }
            j = (j + 1) & (lx->cap - 1);
        }
    }
    if (n >= 2 && (!lx->pre3 || (n >= 3 && bit_get(lx->pbits, pkey(s))))) {
        unsigned b = pbucket(s);
        for (size_t i = lx->bstart[b]; i < lx->bstart[b + 1]; i++)
            if (lx->pre[i].len <= n && memcmp(lx->pre[i].s, s, lx->pre[i].len) == 0)
                cls |= lx->pre[i].cls;
    }
    return cls;
}

unsigned dc_type_bit(const char *name)
{
    if (!name)
        return 0;
    if (strcasecmp(name, "DATE") == 0)
        return DC_T_DATE;
    if (strcasecmp(name, "ADDRESS") == 0)
        return DC_T_ADDRESS;
    if (strcasecmp(name, "LOCATION") == 0)
        return DC_T_LOCATION;
    if (strcasecmp(name, "VEHICLE_PLATE") == 0 || strcasecmp(name, "PLATE") == 0)
        return DC_T_PLATE;
    if (strcasecmp(name, "all") == 0)
        return DC_T_ALL;
    return 0;
}

int dc_lexicon_create(const struct dc_settings *set, const struct dc_alloc *a,
                      struct dc_lexicon **out, struct intake_error *err)
{
    if (!set || !a || !out || !set->data_dir)
        return INTAKE_ERR(err, INTAKE_EINVAL, "dc_lexicon_create: bad arguments");
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/keywords.txt", set->data_dir) >= sizeof path)
        return INTAKE_ERR(err, INTAKE_ECONFIG, "detect_context: data_dir too long");
    FILE *f = fopen(path, "r");
    if (!f)
        return INTAKE_ERR(err, INTAKE_ECONFIG, "detect_context: cannot open keywords.txt (%s)",
                          strerror(errno));
    struct dc_lexicon *lx = a->alloc(sizeof *lx);
    if (!lx) {
        fclose(f);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    }
    memset(lx, 0, sizeof *lx);
    lx->a = *a;
    lx->set = *set;
    lx->set.data_dir = NULL; /* not kept: the config owns it */
    for (uint32_t cp = 0; cp < 0x800; cp++) {
        lx->cc[cp] = (uint16_t)char_class(cp);
        lx->low[cp] = (uint16_t)to_lower(cp);
    }
    char line[512];
    int rc = INTAKE_OK, lineno = 0;
    size_t capre = 0;
    while (rc == INTAKE_OK && fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\0')
            continue;
        char *sp = p;
        while (*sp && *sp != ' ' && *sp != '\t')
            sp++;
        if (!*sp) {
            rc = INTAKE_ERR(err, INTAKE_ECONFIG, "keywords.txt:%d: expected CLASS WORD", lineno);
            break;
        }
        *sp++ = '\0';
        uint32_t cls = 0;
        for (size_t i = 0; i < sizeof class_names / sizeof class_names[0]; i++)
            if (strcmp(class_names[i].name, p) == 0)
                cls = class_names[i].bit;
        if (!cls) {
            rc = INTAKE_ERR(err, INTAKE_ECONFIG, "keywords.txt:%d: unknown class", lineno);
            break;
        }
        while (*sp == ' ' || *sp == '\t')
            sp++;
        size_t wl = strcspn(sp, " \t\r\n");
        int is_prefix = wl > 1 && sp[wl - 1] == '*';
        if (is_prefix)
            wl--;
        unsigned char fw[FOLD_MAX];
        size_t fl = fold((const unsigned char *)sp, wl, fw);
        if (!fl) {
            rc = INTAKE_ERR(err, INTAKE_ECONFIG, "keywords.txt:%d: empty or too long", lineno);
            break;
        }
        if (is_prefix) {
            if (lx->npre == capre) {
                size_t nc = capre ? capre * 2 : 64;
                struct prefix *np = a->alloc(nc * sizeof *np);
                if (!np) {
                    rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
                    break;
                }
                if (lx->npre)
                    memcpy(np, lx->pre, lx->npre * sizeof *np);
                a->free(lx->pre);
                lx->pre = np;
                capre = nc;
            }
            memcpy(lx->pre[lx->npre].s, fw, fl);
            lx->pre[lx->npre].len = fl;
            lx->pre[lx->npre].cls = cls;
            if (fl < 2) {
                rc = INTAKE_ERR(err, INTAKE_ECONFIG, "keywords.txt:%d: prefix too short", lineno);
                break;
            }
            lx->npre++;
        } else if (lex_put(lx, fw, fl, cls) != INTAKE_OK) {
            rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
        }
    }
    fclose(f);
    if (rc == INTAKE_OK && lx->npre) {
        /* bucket the prefixes (a counting sort) */
        struct prefix *sorted = a->alloc(lx->npre * sizeof *sorted);
        if (!sorted) {
            rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
        } else {
            uint32_t cnt[257] = {0};
            for (size_t i = 0; i < lx->npre; i++)
                cnt[pbucket(lx->pre[i].s) + 1]++;
            for (size_t b = 0; b < 256; b++)
                cnt[b + 1] += cnt[b];
            memcpy(lx->bstart, cnt, sizeof cnt);
            lx->pre3 = 1;
            for (size_t i = 0; i < lx->npre; i++) {
                if (lx->pre[i].len < 3)
                    lx->pre3 = 0;
                else
                    bit_set(lx->pbits, pkey(lx->pre[i].s));
            }
            for (size_t i = 0; i < lx->npre; i++)
                sorted[cnt[pbucket(lx->pre[i].s)]++] = lx->pre[i];
            a->free(lx->pre);
            lx->pre = sorted;
        }
    }
    if (rc == INTAKE_OK && lx->n == 0)
        rc = INTAKE_ERR(err, INTAKE_ECONFIG, "keywords.txt has no words");
    if (rc != INTAKE_OK) {
        dc_lexicon_destroy(lx);
        return rc;
    }
    *out = lx;
    return INTAKE_OK;
}

void dc_lexicon_destroy(struct dc_lexicon *lx)
{
    if (!lx)
        return;
    lx->a.free(lx->keys);
    lx->a.free(lx->vals);
    lx->a.free(lx->pre);
    lx->a.free(lx);
}

size_t dc_lexicon_size(const struct dc_lexicon *lx)
{
    return lx ? lx->n + lx->npre : 0;
}

/* -------------------------------------------------------------- scanner */

int dc_scanner_create(const struct dc_lexicon *lex, struct dc_scanner **out,
                      struct intake_error *err)
{
    if (!lex || !out)
        return INTAKE_ERR(err, INTAKE_EINVAL, "dc_scanner_create: bad arguments");
    struct dc_scanner *sc = lex->a.alloc(sizeof *sc);
    if (!sc)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    memset(sc, 0, sizeof *sc);
    sc->lex = lex;
    *out = sc;
    return INTAKE_OK;
}

void dc_scanner_destroy(struct dc_scanner *sc)
{
    if (!sc)
        return;
    const struct dc_alloc *a = &sc->lex->a;
    a->free(sc->tok);
    a->free(sc->dates);
    a->free(sc->hits);
    a->free(sc->mark);
    a->free(sc);
}

static int grow(const struct dc_alloc *a, void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return INTAKE_OK;
    size_t nc = *cap ? *cap : 256;
    while (nc < need)
        nc *= 2;
    void *nv = a->alloc(nc * elem);
    if (!nv)
        return INTAKE_ENOMEM;
    if (*cap)
        memcpy(nv, *arr, *cap * elem);
    a->free(*arr);
    *arr = nv;
    *cap = nc;
    return INTAKE_OK;
}

/* Decode the character at p (n bytes left) and its CC_* class: a table for
 * code points below U+0800, u8dec() and char_class() above. */
static inline size_t cdec(const struct dc_lexicon *lx, const unsigned char *p, size_t n,
                          uint32_t *cp, unsigned *cc)
{
    unsigned b = p[0];
    if (b < 0x80) {
        *cp = b;
        *cc = lx->cc[b];
        return 1;
    }
    if (b >= 0xC2 && b < 0xE0 && n >= 2 && (p[1] & 0xC0) == 0x80) {
        uint32_t c = ((b & 0x1Fu) << 6) | (p[1] & 0x3Fu);
        *cp = c;
        *cc = lx->cc[c];
        return 2;
    }
    size_t l = u8dec(p, n, cp);
    *cc = char_class(*cp);
    return l;
}

/* Append the lower case of \p d (a letter, digit or '-') to a word being
 * folded, as fold() does; *fo becomes SIZE_MAX once it is too long. */
static inline void fold_put(const struct dc_lexicon *lx, unsigned char *fw, size_t *fo, uint32_t d)
{
    size_t o = *fo;
    if (o == SIZE_MAX)
        return;
    if (o + 4 > FOLD_MAX) {
        *fo = SIZE_MAX;
    } else if (d < 0x80) {
        fw[o] = (unsigned char)lx->low[d];
        *fo = o + 1;
    } else if (d < 0x800) {
        uint32_t lc = lx->low[d]; /* to_lower keeps 0x80..0x7FF there */
        fw[o] = (unsigned char)(0xC0 | (lc >> 6));
        fw[o + 1] = (unsigned char)(0x80 | (lc & 0x3F));
        *fo = o + 2;
    } else {
        *fo = o + u8enc(to_lower(d), fw + o);
    }
}

/* Cut \p t[0..n) into tokens. Each word is folded (as fold() does) while it
 * is read, so its characters are decoded once. */
static int tokenize(struct dc_scanner *sc, const unsigned char *t, size_t n)
{
    const struct dc_lexicon *lx = sc->lex;
    sc->ntok = 0;
    uint16_t pending = 0; /* F_SP/F_NL/F_PARA for the next token */
    int nls = 0;
    size_t i = 0;
    while (i < n) {
        uint32_t c;
        unsigned cc;
        size_t l = cdec(lx, t + i, n - i, &c, &cc);
        if (cc & CC_SPACE) {
            pending |= F_SP;
            if (c == '\n') {
                nls++;
                pending |= F_NL;
                if (nls >= 2)
                    pending |= F_PARA;
            }
            i += l;
            continue;
        }
        nls = 0;
        if (sc->ntok == sc->captok &&
            grow(&lx->a, (void **)&sc->tok, &sc->captok, sc->ntok + 1, sizeof *sc->tok))
            return INTAKE_ENOMEM;
        struct tok *tk = &sc->tok[sc->ntok++];
        tk->s = (uint32_t)i;
        tk->flags = pending;
        tk->cls = 0;
        tk->ch = 0;
        tk->ndig = 0;
        pending = 0;
        if (!(cc & (CC_LET | CC_DIG))) {
            tk->kind = TK_PUNCT;
            tk->ch = c;
            tk->e = (uint32_t)(i + l);
            i += l;
            continue;
        }
        tk->kind = TK_WORD;
        /* the word: alphanumerics, joined by a hyphen or an apostrophe
         * between two of them; the classes of its characters are OR-ed
         * (orc) and the flags read from them at the end */
        unsigned orc = cc, hyph = 0;
        size_t last_hyph = 0; /* offset after the last hyphen */
        unsigned char fw[FOLD_MAX];
        size_t fo = 0; /* folded length; SIZE_MAX once too long */
        fold_put(lx, fw, &fo, c);
        size_t j = i + l;
        while (j < n) {
            uint32_t d;
            unsigned dc;
            size_t dl = cdec(lx, t + j, n - j, &d, &dc);
            if (dc & (CC_LET | CC_DIG)) {
                orc |= dc;
                fold_put(lx, fw, &fo, d);
                j += dl;
                continue;
            }
            if ((dc & (CC_HYPH | CC_APOS)) && j + dl < n) {
                uint32_t x;
                unsigned xc;
                size_t xl = cdec(lx, t + j + dl, n - j - dl, &x, &xc);
                if (xc & (CC_LET | CC_DIG)) {
                    /* fold(): apostrophes dropped, hyphens made '-' (no
                     * character is both) */
                    if (dc & CC_HYPH) {
                        hyph = 1;
                        last_hyph = j + dl;
                        fold_put(lx, fw, &fo, '-');
                    }
                    orc |= xc;
                    fold_put(lx, fw, &fo, x);
                    j += dl + xl;
                    continue;
                }
            }
            break;
        }
        uint16_t fl = 0;
        if (cc & CC_DIG)
            fl |= F_DIG0;
        else if (cc & CC_UP)
            fl |= F_CAP;
        if (orc & CC_LET)
            fl |= F_HASLET;
        if ((orc & CC_LET) && !(orc & CC_LOWER))
            fl |= F_UPPER;
        if (!(orc & CC_NONAS))
            fl |= F_ASCII;
        if (hyph)
            fl |= F_HYPH;
        else if (!(orc & CC_LET))
            fl |= F_ALLDIG;
        /* leading digits, up to the first letter or joiner (all ASCII) */
        int ndig = 0;
        if (cc & CC_DIG)
            while (i + (size_t)ndig < j && ndig < 255 && t[i + (size_t)ndig] >= '0' &&
                   t[i + (size_t)ndig] <= '9')
                ndig++;
        int lat = (orc & CC_LAT) != 0, cyr = (orc & CC_CYR) != 0;
        tk->e = (uint32_t)j;
        tk->flags |= fl;
        tk->ndig = (uint8_t)ndig;
        /* keyword classes */
        if (fl & F_HASLET) {
            size_t wl = fo == SIZE_MAX ? 0 : fo;
            if (wl)
                tk->cls = lex_get(lx, fw, wl);
            if (!tk->cls && lat && cyr) { /* mixed script, OCR: "poдилась" */
                wl = fold_cyr(t + i, j - i, fw);
                if (wl)
                    tk->cls = lex_get(lx, fw, wl);
            }
            if (!tk->cls && last_hyph && (fl & F_DIG0)) {
                wl = fold(t + last_hyph, j - last_hyph, fw);
                if (wl)
                    tk->cls = lex_get(lx, fw, wl);
            }
        }
        i = j;
    }
    return INTAKE_OK;
}

/* ---------------------------------------------------------------- rules */

struct ctx {
    const struct dc_lexicon *lx;
    struct dc_scanner *sc;
    const unsigned char *t;
    size_t n;
    uint64_t base;
    size_t window;
    unsigned types;
};

static int add_hit(struct ctx *c, size_t s, size_t e, uint32_t label, float score)
{
    struct dc_scanner *sc = c->sc;
    if (score < (float)c->lx->set.min_score || e <= s)
        return INTAKE_OK;
    if (grow(&c->lx->a, (void **)&sc->hits, &sc->caphits, sc->nhits + 1, sizeof *sc->hits))
        return INTAKE_ENOMEM;
    sc->hits[sc->nhits++] = (struct dc_hit){c->base + s, c->base + e, label, score};
    return INTAKE_OK;
}

#define T(k) (c->sc->tok[k])

static int is_w(const struct ctx *c, size_t k)
{
    return k < c->sc->ntok && T(k).kind == TK_WORD;
}

static int is_p(const struct ctx *c, size_t k, uint32_t ch)
{
    return k < c->sc->ntok && T(k).kind == TK_PUNCT && T(k).ch == ch;
}

static size_t wlen(const struct ctx *c, size_t k)
{
    return T(k).e - T(k).s;
}

/* all digits, \p lo..hi of them */
static int num(const struct ctx *c, size_t k, int lo, int hi)
{
    if (!is_w(c, k) || !(T(k).flags & F_ALLDIG))
        return 0;
    size_t l = wlen(c, k);
    return (int)l >= lo && (int)l <= hi;
}

static int numval(const struct ctx *c, size_t k)
{
    int v = 0;
    for (uint32_t i = T(k).s; i < T(k).e && i < T(k).s + 6; i++)
        v = v * 10 + (c->t[i] - '0');
    return v;
}

static int year_ok(int y)
{
    return y >= 1900 && y <= 2035;
}

/* "1985-жылы", "1985-yil": 4 digits, hyphen, suffix of class \p cls */
static int numsuf(const struct ctx *c, size_t k, int lo, int hi, uint32_t cls)
{
    return is_w(c, k) && (T(k).flags & F_DIG0) && (T(k).flags & F_HYPH) &&
           (T(k).flags & F_HASLET) && T(k).ndig >= lo && T(k).ndig <= hi && (T(k).cls & cls) &&
           c->t[T(k).s + T(k).ndig] == '-';
}

/* tokens k and k+1 touch (no space between) */
static int adj(const struct ctx *c, size_t k)
{
    return k + 1 < c->sc->ntok && T(k).e == T(k + 1).s;
}

/* The day part of a Turkic date after the year: "12 наурызда", "12-мартта",
 * "12-nji martynda". Returns the last token or SIZE_MAX. */
static size_t day_part(const struct ctx *c, size_t k)
{
    if (num(c, k, 1, 2) && is_w(c, k + 1) && (T(k + 1).cls & C_MONTH))
        return k + 1;
    if (numsuf(c, k, 1, 2, C_MONTH))
        return k;
    if (numsuf(c, k, 1, 2, C_ORD) && is_w(c, k + 1) && (T(k + 1).cls & C_MONTH))
        return k + 1;
    return SIZE_MAX;
}

/* Is there a date starting at token k? Fills d. */
static int date_at(const struct ctx *c, size_t k, struct date *d)
{
    if (!is_w(c, k))
        return 0;
    const struct tok *tk = &T(k);
    d->t0 = k;
    d->year_only = 0;
    d->birth = 0;
    if (tk->flags & F_ALLDIG) {
        size_t l = wlen(c, k);
        /* 12.03.1985 12/03/1985 */
        if (l <= 2 && adj(c, k) && adj(c, k + 1) && adj(c, k + 2) && adj(c, k + 3) &&
            (is_p(c, k + 1, '.') || is_p(c, k + 1, '/')) && num(c, k + 2, 1, 2) &&
            T(k + 3).kind == TK_PUNCT && T(k + 3).ch == T(k + 1).ch && num(c, k + 4, 4, 4) &&
            year_ok(numval(c, k + 4)) && numval(c, k) >= 1 && numval(c, k) <= 31 &&
            numval(c, k + 2) >= 1 && numval(c, k + 2) <= 12) {
            d->t1 = k + 4;
            return 1;
        }
        /* 12 марта 1985, 12 March 1985, 12 марти соли 1985 (Tajik) */
        if (l <= 2 && is_w(c, k + 1) && (T(k + 1).cls & C_MONTH)) {
            size_t y = k + 2;
            if (is_w(c, y) && (T(y).cls & C_YEAR) && wlen(c, y) > 2)
                y++;
            if (num(c, y, 4, 4) && year_ok(numval(c, y))) {
                d->t1 = y;
                return 1;
            }
        }
        if (l == 4 && year_ok(numval(c, k))) {
            /* 1985 жылғы 12 наурызда */
            if (is_w(c, k + 1) && (T(k + 1).cls & C_YEAR)) {
                size_t e = day_part(c, k + 2);
                if (e != SIZE_MAX) {
                    d->t1 = e;
                    return 1;
                }
            }
            d->t1 = k;
            d->year_only = 1;
            return 1;
        }
        return 0;
    }
    /* 1985-03-12, 12-03-1985 */
    if ((tk->flags & F_DIG0) && (tk->flags & F_HYPH) && !(tk->flags & F_HASLET)) {
        const unsigned char *p = c->t + tk->s;
        size_t l = wlen(c, k);
        int g[3] = {0, 0, 0}, gl[3] = {0, 0, 0}, ng = 0;
        for (size_t i = 0; i < l; i++) {
            if (p[i] == '-') {
                if (++ng > 2)
                    return 0;
            } else if (p[i] >= '0' && p[i] <= '9') {
                /* a group is a date part only with 4 digits or fewer: a
                 * longer one's value is never read (and must not overflow) */
                if (gl[ng] < 8)
                    g[ng] = g[ng] * 10 + (p[i] - '0');
                gl[ng]++;
            } else {
                return 0;
            }
        }
        if (ng != 2)
            return 0;
        if (gl[0] == 4 && gl[1] == 2 && gl[2] == 2 && year_ok(g[0]) && g[1] >= 1 && g[1] <= 12 &&
            g[2] >= 1 && g[2] <= 31) {
            d->t1 = k;
            return 1;
        }
        if (gl[0] <= 2 && gl[1] == 2 && gl[2] == 4 && year_ok(g[2]) && g[1] >= 1 && g[1] <= 12 &&
            g[0] >= 1 && g[0] <= 31) {
            d->t1 = k;
            return 1;
        }
        return 0;
    }
    /* 1985-жылы 12-мартта, 1985-yil 12-martda, 1985-nji ýylyň 12-nji martynda */
    if (numsuf(c, k, 4, 4, C_YEAR | C_ORD)) {
        int y = 0;
        for (int i = 0; i < 4; i++)
            y = y * 10 + (c->t[tk->s + (uint32_t)i] - '0');
        if (!year_ok(y))
            return 0;
        size_t nx = k + 1;
        if (!(tk->cls & C_YEAR)) {
            if (!(is_w(c, nx) && (T(nx).cls & C_YEAR)))
                return 0;
            nx++;
        }
        size_t e = day_part(c, nx);
        if (e != SIZE_MAX) {
            d->t1 = e;
            return 1;
        }
        d->t1 = k;
        d->year_only = 1;
        return 1;
    }
    /* March 12, 1985 */
    if ((tk->cls & C_MONTH) && (tk->flags & F_CAP) && num(c, k + 1, 1, 2)) {
        size_t y = k + 2;
        if (is_p(c, y, ','))
            y++;
        if (num(c, y, 4, 4) && year_ok(numval(c, y))) {
            d->t1 = y;
            return 1;
        }
    }
    return 0;
}

/* "г.р.": the word р after "г." */
static int is_gr(const struct ctx *c, size_t k)
{
    if (!is_w(c, k) || k < 2 || !is_p(c, k - 1, '.') || !is_w(c, k - 2))
        return 0;
    const unsigned char *a = c->t + T(k - 2).s, *b = c->t + T(k).s;
    return wlen(c, k - 2) == 2 && wlen(c, k) == 2 && a[0] == 0xD0 && a[1] == 0xB3 && b[0] == 0xD1 &&
           b[1] == 0x80; /* г . р */
}

static int birth_tok(const struct ctx *c, size_t k)
{
    return is_w(c, k) && ((T(k).cls & C_BIRTH) || is_gr(c, k));
}

/* Birth word among the tokens of [lo, hi] (inclusive, clamped). */
static int birth_in(const struct ctx *c, size_t lo, size_t hi)
{
    for (size_t k = lo; k <= hi && k < c->sc->ntok; k++)
        if (birth_tok(c, k))
            return 1;
    return 0;
}

static int find_dates(struct ctx *c)
{
    struct dc_scanner *sc = c->sc;
    sc->ndates = 0;
    for (size_t k = 0; k < sc->ntok; k++) {
        if (!is_w(c, k) || !(T(k).flags & (F_DIG0 | F_CAP)))
            continue;
        struct date d;
        if (!date_at(c, k, &d))
            continue;
        if (grow(&c->lx->a, (void **)&sc->dates, &sc->capdates, sc->ndates + 1, sizeof d))
            return INTAKE_ENOMEM;
        sc->dates[sc->ndates++] = d;
        k = d.t1;
    }
    /* decide which are dates of birth */
    for (size_t i = 0; i < sc->ndates; i++) {
        struct date *d = &sc->dates[i];
        size_t s = T(d->t0).s, e = T(d->t1).e;
        if (d->year_only) {
            /* "1985 г.р.", "1985 года рождения", "year of birth: 1985",
             * "1985 жылы туған": a birth word right next to it */
            size_t lo = d->t0 >= 3 ? d->t0 - 3 : 0;
            int near = 0;
            for (size_t k = lo; k < d->t0; k++)
                if (birth_tok(c, k) && !(T(k).flags & F_PARA))
                    near = 1;
            for (size_t k = d->t1 + 1; k <= d->t1 + 4 && k < sc->ntok; k++) {
                if (is_p(c, k, ',') || (T(k).flags & F_NL))
                    break;
                if (birth_tok(c, k))
                    near = 1;
            }
            d->birth = near;
            continue;
        }
        size_t prev_end = i ? T(sc->dates[i - 1].t1).e : 0;
        size_t next_start = i + 1 < sc->ndates ? T(sc->dates[i + 1].t0).s : c->n;
        /* before */
        for (size_t k = d->t0; k-- > 0;) {
            if (T(k).s < prev_end || T(k).s + c->window < s)
                break;
            if (birth_tok(c, k)) {
                d->birth = 1;
                break;
            }
            if (T(k + 1).flags & F_PARA)
                break;
        }
        if (d->birth)
            continue;
        /* after */
        for (size_t k = d->t1 + 1; k < sc->ntok; k++) {
            if (T(k).e > next_start || T(k).s > e + c->window || (T(k).flags & F_PARA))
                break;
            if (birth_tok(c, k)) {
                d->birth = 1;
                break;
            }
        }
    }
    return INTAKE_OK;
}

/* Capitalised place words from token k: up to 3 words, spaces only between.
 * Returns the number of tokens (0 if none). */
static size_t cap_run(const struct ctx *c, size_t k, int stop_at_class)
{
    size_t m = 0;
    while (m < 3 && is_w(c, k + m) && (T(k + m).flags & F_CAP) && (T(k + m).flags & F_HASLET)) {
        if (m && !(T(k + m).flags & F_SP))
            break;
        if (m && (T(k + m).flags & F_NL))
            break;
        if (stop_at_class &&
            (T(k + m).cls & (C_CITYPOST | C_CITYLOC | C_STREET | C_MONTH | C_BIRTH | C_PLACE)))
            break;
        m++;
    }
    return m;
}

static int emit_loc(struct ctx *c, size_t k, size_t m, float score)
{
    if (!m || !(c->types & DC_T_LOCATION))
        return INTAKE_OK;
    return add_hit(c, T(k).s, T(k + m - 1).e, INTAKE_LABEL_LOCATION, score);
}

/* skip the filler between a trigger and a place: ":", "in", "г.", "of" */
static size_t skip_filler(const struct ctx *c, size_t k)
{
    for (int guard = 0; guard < 6 && k < c->sc->ntok; guard++) {
        const struct tok *tk = &T(k);
        if (tk->kind == TK_PUNCT && (tk->ch == ':' || tk->ch == '-' || tk->ch == 0x2013 ||
                                     tk->ch == 0x2014 || tk->ch == '.')) {
            k++;
            continue;
        }
        if (tk->kind == TK_WORD && !(tk->flags & F_CAP) &&
            (tk->cls & (C_SKIP | C_CITYPRE | C_BIRTH))) {
            k++;
            continue;
        }
        if (tk->kind == TK_WORD && (tk->cls & C_BIRTH) && !(tk->flags & F_DIG0)) {
            k++;
            continue;
        }
        break;
    }
    return k;
}

static int find_places(struct ctx *c)
{
    struct dc_scanner *sc = c->sc;
    int rc;
    for (size_t k = 0; k < sc->ntok; k++) {
        if (!is_w(c, k))
            continue;
        uint32_t cls = T(k).cls;
        /* уроженец г. Талас; place of birth: Astana; born in Osh; туған жері: */
        if ((cls & (C_PLACE | C_BIRTH)) && !(T(k).flags & F_DIG0)) {
            size_t j = skip_filler(c, k + 1);
            int trig = (cls & C_PLACE) || is_p(c, k + 1, ':') ||
                       (is_w(c, k + 1) && (T(k + 1).cls & C_SKIP));
            if (trig && j < sc->ntok && j > k) {
                size_t m = cap_run(c, j, 1);
                if ((rc = emit_loc(c, j, m, 0.9f)))
                    return rc;
            }
        }
        /* Алматы қаласында туған; Talas şäherinde doglan */
        if ((cls & C_CITYLOC) && k > 0 && birth_in(c, k + 1, k + 3)) {
            size_t m = 0;
            while (m < 3 && k >= m + 1 && is_w(c, k - m - 1) && (T(k - m - 1).flags & F_CAP) &&
                   (T(k - m - 1).flags & F_HASLET) &&
                   !(T(k - m - 1).cls & (C_MONTH | C_BIRTH | C_PLACE)) && (T(k - m).flags & F_SP) &&
                   !(T(k - m).flags & F_NL))
                m++;
            if ((rc = emit_loc(c, k - m, m, 0.9f)))
                return rc;
        }
    }
    /* born on 1999-08-07 in Andijan */
    for (size_t i = 0; i < sc->ndates; i++) {
        const struct date *d = &sc->dates[i];
        if (!d->birth)
            continue;
        size_t k = d->t1 + 1;
        /* "1990 года в г. Караганде" */
        if (is_w(c, k) && (T(k).cls & C_YEAR) && !(T(k).flags & F_CAP)) {
            k++;
            if (is_p(c, k, '.'))
                k++;
        }
        if (is_w(c, k) && (T(k).cls & C_SKIP) && !(T(k).flags & F_CAP)) {
            size_t j = skip_filler(c, k + 1);
            size_t m = cap_run(c, j, 1);
            if ((rc = emit_loc(c, j, m, 0.9f)))
                return rc;
        }
    }
    return INTAKE_OK;
}

/* ------------------------------------------------------------ addresses */

enum {
    K_NONE = 0,
    K_STREET = 1,
    K_HOUSE = 2,
    K_FLAT = 4,
    K_CITY = 8,
    K_CAPS = 16,
    K_POST = 32,
    K_BARE = 64 /* a number alone: a house only right after a street */
};

static int is_delim(const struct ctx *c, size_t k)
{
    if (k >= c->sc->ntok)
        return 1;
    const struct tok *tk = &T(k);
    if (tk->flags & (F_PARA | F_NL))
        return 1;
    if (tk->kind != TK_PUNCT)
        return 0;
    return tk->ch == ',' || tk->ch == ';' || tk->ch == ':' || tk->ch == '(' || tk->ch == ')' ||
           tk->ch == '.' || tk->ch == 0xAB || tk->ch == 0xBB || tk->ch == '"' || tk->ch == 0x201C ||
           tk->ch == 0x201D;
}

/* a house or flat number: 15, 15А, 14/2, 56-169 */
static size_t house_num(const struct ctx *c, size_t k)
{
    if (!is_w(c, k) || !(T(k).flags & F_DIG0) || T(k).ndig > 5)
        return SIZE_MAX;
    if (T(k).flags & F_HASLET) {
        /* 15А / 15a: a letter or two after the number, no hyphen word */
        if (wlen(c, k) > T(k).ndig + 4u || (T(k).flags & F_HYPH))
            return SIZE_MAX;
    }
    if (is_p(c, k + 1, '/') && adj(c, k) && num(c, k + 2, 1, 4) && adj(c, k + 1))
        return k + 2;
    return k;
}

/* Parse one component at token k (going right). Returns its kind; *end
 * gets the last token. */
static int comp_right(const struct ctx *c, size_t k, size_t *end, int en_style)
{
    if (!is_w(c, k))
        return K_NONE;
    const struct tok *tk = &T(k);
    size_t e;
    /* д. 15 / кв. 42 / flat 3 / apt. 14 */
    if ((tk->cls & (C_HOUSEPRE | C_FLATPRE)) && !(tk->flags & F_DIG0)) {
        size_t j = k + 1;
        if (is_p(c, j, '.'))
            j++;
        if (is_p(c, j, 0x2116) || is_p(c, j, '#'))
            j++;
        if ((e = house_num(c, j)) != SIZE_MAX) {
            *end = e;
            return (tk->cls & C_FLATPRE) ? K_FLAT : K_HOUSE;
        }
    }
    if (tk->flags & F_DIG0) {
        /* 15-үй, 42-пәтер, 15-uy */
        if (numsuf(c, k, 1, 5, C_HOUSEPOST | C_FLATPOST)) {
            *end = k;
            return (tk->cls & C_FLATPOST) ? K_FLAT : K_HOUSE;
        }
        /* 12-nji jaý, 34-nji öý */
        if (numsuf(c, k, 1, 5, C_ORD) && is_w(c, k + 1) &&
            (T(k + 1).cls & (C_HOUSEPOST | C_FLATPOST))) {
            *end = k + 1;
            return (T(k + 1).cls & C_FLATPOST) ? K_FLAT : K_HOUSE;
        }
        /* 150/2 үй, 45 пәтер (the number and the word apart) */
        if ((e = house_num(c, k)) != SIZE_MAX && is_w(c, e + 1) &&
            (T(e + 1).cls & (C_HOUSEPOST | C_FLATPOST)) && !(T(e + 1).flags & F_DIG0) &&
            !(T(e + 1).flags & F_NL)) {
            *end = e + 1;
            return (T(e + 1).cls & C_FLATPOST) ? K_FLAT : K_HOUSE;
        }
        /* 9-kvartal, 5-мкр */
        if (numsuf(c, k, 1, 4, C_STREET)) {
            *end = k;
            return K_STREET;
        }
        /* 56-169, 15 */
        if ((tk->flags & F_HYPH) && !(tk->flags & F_HASLET) && tk->ndig <= 4 && wlen(c, k) <= 9u &&
            is_delim(c, k + 1)) {
            *end = k;
            return K_BARE;
        }
        if ((e = house_num(c, k)) != SIZE_MAX && is_delim(c, e + 1)) {
            *end = e;
            if ((tk->flags & F_ALLDIG) && (wlen(c, k) == 5 || wlen(c, k) == 6))
                return K_POST;
            return K_BARE;
        }
    }
    /* ул. Садовая / г. Алматы: a prefix word, its dot, the name */
    if ((tk->cls & (C_STREET | C_CITYPRE)) &&
        !(tk->flags & F_CAP && tk->cls & C_CITYPRE && wlen(c, k) > 2)) {
        size_t j = k + 1;
        if (is_p(c, j, '.'))
            j++;
        size_t m = cap_run(c, j, 0);
        if (!m && is_w(c, j) && (T(j).flags & F_DIG0) && !(T(j).flags & F_ALLDIG))
            m = 1; /* мкр. 5-й */
        if (m) {
            /* "ул. Толе би", "ул. Кабанбай батыра": lower-case words that
             * end the name right before a comma */
            size_t x = j + m, ext = 0;
            while (ext < 2 && is_w(c, x) && (T(x).flags & F_HASLET) && !(T(x).flags & F_CAP) &&
                   !(T(x).flags & F_DIG0) && !T(x).cls && (T(x).flags & F_SP) &&
                   !(T(x).flags & F_NL))
                x++, ext++;
            if (ext && is_p(c, x, ','))
                m += ext;
            *end = j + m - 1;
            return (tk->cls & C_STREET) ? K_STREET : K_CITY;
        }
    }
    /* name words then a street or city word: Абай даңғылы, Бишкек ш.,
     * 7 Birch Street, Olmazor tumani, Байтерек шағын ауданы */
    size_t j = k, words = 0, lower = 0;
    if (num(c, j, 1, 5) && is_w(c, j + 1) && (T(j + 1).flags & F_CAP))
        j++; /* 7 Birch Street */
    while (words < 5 && is_w(c, j) && !(T(j).cls & (C_STREET | C_CITYPOST))) {
        if ((T(j).flags & F_DIG0) && !(T(j).flags & F_HASLET))
            break;
        if (!(T(j).flags & F_CAP) && !(words && (T(j).flags & F_HASLET) && !lower++))
            break;
        if (is_delim(c, j + 1) && !is_p(c, j + 1, '.'))
            break;
        j++;
        words++;
    }
    if (words && is_w(c, j) && (T(j).cls & (C_STREET | C_CITYPOST))) {
        int kind = (T(j).cls & C_STREET) ? K_STREET : K_CITY;
        /* a second type word: "шағын ауданы", "shoh ko'chasi", "кичи району" */
        while (is_w(c, j + 1) && (T(j + 1).cls & (C_STREET | C_CITYPOST)) &&
               !(T(j + 1).flags & F_CAP)) {
            j++;
            if (T(j).cls & C_STREET)
                kind = K_STREET;
        }
        if ((T(j).cls & (C_CITYPOST | C_STREET)) && is_p(c, j + 1, '.') && wlen(c, j) <= 8u)
            j++;
        *end = j;
        return kind;
    }
    /* bare capitalised words (a city, a country), with a post code */
    size_t m = cap_run(c, k, 1);
    if (m) {
        size_t x = k + m;
        if (num(c, x, 5, 6))
            x++;
        if (is_delim(c, x) && !(is_p(c, x, '.') && !en_style)) {
            *end = x - 1;
            return K_CAPS;
        }
    }
    return K_NONE;
}

/* Component ending at token e (going left): city or district (Бишкек ш.,
 * г. Алматы, Olmazor tumani, Павлодар). Returns its kind and *start. */
static int comp_left(const struct ctx *c, size_t e, size_t *start)
{
    if (!is_w(c, e) && !is_p(c, e, '.'))
        return K_NONE;
    size_t k = e;
    if (is_p(c, k, '.')) {
        if (!k)
            return K_NONE;
        k--;
    }
    if (!is_w(c, k))
        return K_NONE;
    /* X ш. / X қаласы / X tumani / X шағын ауданы */
    if (T(k).cls & (C_CITYPOST | C_STREET)) {
        size_t j = k;
        while (j > 0 && is_w(c, j - 1) && (T(j - 1).cls & (C_CITYPOST | C_STREET)) &&
               !(T(j - 1).flags & F_CAP))
            j--;
        size_t m = 0;
        while (m < 3 && j >= m + 1 && is_w(c, j - m - 1) && (T(j - m - 1).flags & F_HASLET) &&
               ((T(j - m - 1).flags & F_CAP) ||
                (m == 0 && j >= 2 && is_w(c, j - 2) && (T(j - 2).flags & F_CAP))) &&
               !(T(j - m).flags & F_NL))
            m++;
        if (!m)
            return K_NONE;
        *start = j - m;
        return (T(k).cls & C_STREET) && !(T(k).cls & C_CITYPOST) ? K_STREET : K_CITY;
    }
    /* г. Алматы */
    size_t m = 0;
    while (m < 3 && k >= m && is_w(c, k - m) && (T(k - m).flags & F_CAP) &&
           (T(k - m).flags & F_HASLET) && !(T(k - m).cls & (C_CITYPRE | C_MONTH)))
        m++;
    if (!m)
        return K_NONE;
    size_t s = k + 1 - m;
    if (s >= 2 && is_p(c, s - 1, '.') && is_w(c, s - 2) && (T(s - 2).cls & C_CITYPRE)) {
        *start = s - 2;
        return K_CITY;
    }
    if (s >= 1 && is_w(c, s - 1) && (T(s - 1).cls & C_CITYPRE)) {
        *start = s - 1;
        return K_CITY;
    }
    if (e != k)
        return K_NONE; /* "Name." is a sentence end */
    /* bare: must open the component (after , : ( or a line start) */
    if (s == 0 || is_delim(c, s - 1) || (T(s).flags & F_NL) ||
        (is_w(c, s - 1) && !(T(s - 1).flags & F_CAP))) {
        *start = s;
        return K_CAPS;
    }
    return K_NONE;
}

static int find_addresses(struct ctx *c)
{
    struct dc_scanner *sc = c->sc;
    for (size_t k = 0; k < sc->ntok; k++) {
        if (!is_w(c, k))
            continue;
        const struct tok *tk = &T(k);
        int anchor = (tk->cls & (C_STREET | C_HOUSEPRE | C_FLATPRE)) ||
                     ((tk->flags & F_DIG0) && (tk->cls & (C_HOUSEPOST | C_FLATPOST | C_ORD)) &&
                      (tk->flags & F_HYPH));
        if (!anchor)
            continue;
        /* the component holding the anchor: try starting up to 5 tokens left */
        size_t best_s = SIZE_MAX, best_e = 0;
        int kind = K_NONE;
        int en = (tk->cls & C_EN) != 0;
        for (size_t back = 0; back <= 5 && back <= k; back++) {
            size_t s = k - back, e;
            if (back && ((T(s).kind == TK_PUNCT && is_delim(c, s)) ||
                         (T(s + 1).flags & (F_NL | F_PARA)) || sc->mark[s]))
                break;
            int kd = comp_right(c, s, &e, en);
            if ((kd & (K_STREET | K_HOUSE | K_FLAT)) && e >= k) {
                best_s = s;
                best_e = e;
                kind = kd;
            }
        }
        if (best_s == SIZE_MAX)
            continue;
        int kinds = kind, ncomp = 1, last = kind;
        int prefix_style =
            (T(best_s).cls & C_STREET) && !(T(best_s).flags & F_DIG0) && is_p(c, best_s + 1, '.');
        size_t s = best_s, e = best_e;
        /* right */
        for (;;) {
            if (!is_p(c, e + 1, ',') && !is_p(c, e + 1, ';'))
                break;
            size_t ee;
            int kd = comp_right(c, e + 2, &ee, en);
            if (kd == K_BARE)
                kd = last == K_STREET ? K_HOUSE : K_NONE;
            if (kd == K_NONE || kd == K_POST) {
                if (kd == K_POST && en) {
                    e = ee;
                    continue;
                }
                break;
            }
            if (kd == K_CAPS && !en)
                break;
            if (kd == K_CITY && !en && (kinds & (K_HOUSE | K_FLAT)))
                break;
            if (kd == K_STREET && (kinds & K_STREET) && (kinds & (K_HOUSE | K_FLAT)))
                break; /* a second address */
            kinds |= kd;
            last = kd;
            ncomp++;
            e = ee;
            if ((T(ee).flags & F_ASCII) && (T(ee).cls & C_EN))
                en = 1;
        }
        /* left: cities and districts before the street */
        for (int guard = 0; guard < 3; guard++) {
            if (s < 2 || !is_p(c, s - 1, ','))
                break;
            size_t ss;
            int kd = comp_left(c, s - 2, &ss);
            if (kd == K_NONE || ss < k - (k < 64 ? k : 64) || sc->mark[ss])
                break;
            if (kd == K_STREET && (kinds & K_STREET))
                break;
            kinds |= kd;
            ncomp++;
            s = ss;
        }
        float score;
        if ((kinds & K_STREET) && (kinds & (K_HOUSE | K_FLAT | K_CITY)))
            score = 0.95f;
        else if ((kinds & K_HOUSE) && (kinds & K_FLAT))
            score = 0.9f;
        else if ((kinds & (K_CITY | K_CAPS)) && (kinds & (K_HOUSE | K_FLAT)))
            score = 0.85f;
        else if ((kinds & K_STREET) && prefix_style)
            score = 0.65f; /* "на ул. Садовой" */
        else if (kinds & K_STREET)
            score = 0.45f; /* "Silk Road", "aldaw ýoly": a street word alone */
        else
            score = 0.4f;
        if (c->types & DC_T_ADDRESS) {
            int rc = add_hit(c, T(s).s, T(e).e, INTAKE_LABEL_ADDRESS, score);
            if (rc)
                return rc;
        }
        for (size_t x = s; x <= e; x++)
            sc->mark[x] = 1;
        k = e;
    }
    return INTAKE_OK;
}

/* --------------------------------------------------------------- plates */

/* Russian plate letters: А В Е К М Н О Р С Т У Х and the Latin look-alikes */
static int plate_letter(uint32_t ch)
{
    static const char lat[] = "ABEKMHOPCTYX";
    static const uint32_t cyr[] = {0x410, 0x412, 0x415, 0x41A, 0x41C, 0x41D,
                                   0x41E, 0x420, 0x421, 0x422, 0x423, 0x425};
    for (int i = 0; i < 12; i++)
        if (ch == (uint32_t)(unsigned char)lat[i] || ch == cyr[i])
            return 1;
    return 0;
}

/* shape of a token: L = letter, D = digit; up to 15 characters */
static int shape(const struct ctx *c, size_t k, char *out, int ru_letters)
{
    int o = 0;
    for (uint32_t i = T(k).s; i < T(k).e;) {
        uint32_t ch;
        i += (uint32_t)u8dec(c->t + i, T(k).e - i, &ch);
        if (o >= 15)
            return 0;
        if (is_digit(ch))
            out[o++] = 'D';
        else if (ru_letters ? plate_letter(ch) : (ch >= 'A' && ch <= 'Z'))
            out[o++] = 'L';
        else
            return 0;
    }
    out[o] = '\0';
    return o;
}

static int plate_ctx(const struct ctx *c, size_t k)
{
    for (size_t j = k; j-- > 0;) {
        if (T(j).s + 96 < T(k).s || (T(j + 1).flags & F_PARA))
            break;
        if (is_w(c, j) && (T(j).cls & C_PLATE))
            return 1;
        if (is_p(c, j, '/') && j >= 1 && j + 1 < k && is_w(c, j - 1) && is_w(c, j + 1) &&
            wlen(c, j - 1) == 2 && wlen(c, j + 1) == 2)
            return 1; /* г/н */
    }
    return 0;
}

static int find_plates(struct ctx *c)
{
    struct dc_scanner *sc = c->sc;
    char s0[16], s1[16], s2[16], s3[16];
    for (size_t k = 0; k < sc->ntok; k++) {
        if (!is_w(c, k) || sc->mark[k])
            continue;
        if ((T(k).flags & F_HASLET) && !(T(k).flags & F_UPPER))
            continue;
        /* digits alone start a plate only as "DD" or "DDD" */
        if ((T(k).flags & F_ALLDIG) && wlen(c, k) != 2 && wlen(c, k) != 3)
            continue;
        size_t e = SIZE_MAX;
        int strong = 0;
        if (shape(c, k, s0, 1)) {
            /* А123ВС77, А123ВС777, А123ВС 77 */
            if (strcmp(s0, "LDDDLL") == 0) {
                e = k;
                if (num(c, k + 1, 2, 3) && !is_delim(c, k + 1))
                    e = k + 1;
                strong = 0;
            } else if (strcmp(s0, "LDDDLLDD") == 0 || strcmp(s0, "LDDDLLDDD") == 0) {
                e = k;
                strong = 1;
            }
        }
        if (e == SIZE_MAX && shape(c, k, s0, 0)) {
            if (strcmp(s0, "DDDLLLDD") == 0 || strcmp(s0, "DDLLDDDLLL") == 0 ||
                strcmp(s0, "DDLDDDLL") == 0) { /* 123ABC02, 01KG123ABC, 01A123BC */
                e = k;
                strong = 1;
            } else if (strcmp(s0, "DDD") == 0 && is_w(c, k + 1) && is_w(c, k + 2) &&
                       shape(c, k + 1, s1, 0) && shape(c, k + 2, s2, 0) && strcmp(s1, "LLL") == 0 &&
                       strcmp(s2, "DD") == 0) {
                e = k + 2; /* 123 ABC 02 */
            } else if (strcmp(s0, "DD") == 0 && is_w(c, k + 1) && is_w(c, k + 2) &&
                       shape(c, k + 1, s1, 0) && shape(c, k + 2, s2, 0)) {
                if (strcmp(s1, "DDD") == 0 && strcmp(s2, "LLL") == 0)
                    e = k + 2; /* 01 123 ABC */
                else if (strcmp(s1, "L") == 0 && strcmp(s2, "DDD") == 0 && is_w(c, k + 3) &&
                         shape(c, k + 3, s3, 0) && strcmp(s3, "LL") == 0)
                    e = k + 3; /* 01 A 123 BC */
            }
        }
        if (e == SIZE_MAX)
            continue;
        /* the parts must sit on one line, single-spaced, and stand alone */
        int ok = 1;
        for (size_t j = k + 1; j <= e; j++)
            if (T(j).flags & F_NL)
                ok = 0;
        if (e + 1 < sc->ntok && is_w(c, e + 1) && (T(e + 1).flags & F_ALLDIG) &&
            T(e + 1).s == T(e).e + 1)
            ok = 0;
        if (!ok)
            continue;
        int ctx = plate_ctx(c, k);
        float score = ctx ? 0.95f : (strong ? 0.7f : 0.4f);
        if (c->types & DC_T_PLATE) {
            int rc = add_hit(c, T(k).s, T(e).e, INTAKE_LABEL_VEHICLE_PLATE, score);
            if (rc)
                return rc;
        }
        k = e;
    }
    return INTAKE_OK;
}

/* ----------------------------------------------------------------- scan */

static int scan_chunk(struct ctx *c)
{
    struct dc_scanner *sc = c->sc;
    int rc = tokenize(sc, c->t, c->n);
    if (rc)
        return rc;
    if (grow(&c->lx->a, (void **)&sc->mark, &sc->capmark, sc->ntok + 1, 1))
        return INTAKE_ENOMEM;
    memset(sc->mark, 0, sc->ntok + 1);
    if ((rc = find_dates(c)))
        return rc;
    if (c->types & DC_T_DATE)
        for (size_t i = 0; i < sc->ndates; i++) {
            const struct date *d = &sc->dates[i];
            if (d->birth && (rc = add_hit(c, T(d->t0).s, T(d->t1).e, INTAKE_LABEL_DATE,
                                          d->year_only ? 0.9f : 0.95f)))
                return rc;
        }
    if ((c->types & (DC_T_ADDRESS | DC_T_PLATE)) && (rc = find_addresses(c)))
        return rc;
    if ((c->types & DC_T_LOCATION) && (rc = find_places(c)))
        return rc;
    if ((c->types & DC_T_PLATE) && (rc = find_plates(c)))
        return rc;
    return INTAKE_OK;
}

static int hit_cmp(const void *a, const void *b)
{
    const struct dc_hit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return (int)x->label - (int)y->label;
}

#define CHUNK (1u << 20)

int dc_scan(const struct dc_lexicon *lex, struct dc_scanner *sc, const char *text, size_t len,
            const struct dc_hit **hits, size_t *n, struct intake_error *err)
{
    if (!lex || !sc || (!text && len) || !hits || !n)
        return INTAKE_ERR(err, INTAKE_EINVAL, "dc_scan: bad arguments");
    sc->nhits = 0;
    const unsigned char *t = (const unsigned char *)text;
    size_t off = 0;
    while (off < len) {
        size_t end = len;
        if (len - off > CHUNK) {
            /* cut at a blank line, else a line break, near the chunk end */
            end = off + CHUNK;
            size_t lo = end - CHUNK / 8, cut = 0;
            for (size_t i = end; i > lo; i--)
                if (t[i - 1] == '\n' && t[i - 2] == '\n') {
                    cut = i;
                    break;
                }
            for (size_t i = end; !cut && i > lo; i--)
                if (t[i - 1] == '\n')
                    cut = i;
            for (size_t i = end; !cut && i > lo; i--)
                if (t[i - 1] == ' ')
                    cut = i;
            while (!cut && end < len && (t[end] & 0xC0) == 0x80)
                end++;
            if (cut)
                end = cut;
        }
        struct ctx c = {lex, sc, t + off, end - off, off, lex->set.window, lex->set.types};
        int rc = scan_chunk(&c);
        if (rc)
            return INTAKE_ERR(err, rc, "detect_context: %s", intake_strerror(rc));
        off = end;
    }
    if (sc->nhits > 1) /* qsort(NULL, 0) is undefined */
        qsort(sc->hits, sc->nhits, sizeof *sc->hits, hit_cmp);
    size_t w = 0;
    for (size_t i = 0; i < sc->nhits; i++) {
        if (w && sc->hits[w - 1].start == sc->hits[i].start &&
            sc->hits[w - 1].end == sc->hits[i].end && sc->hits[w - 1].label == sc->hits[i].label) {
            if (sc->hits[i].score > sc->hits[w - 1].score)
                sc->hits[w - 1].score = sc->hits[i].score;
            continue;
        }
        sc->hits[w++] = sc->hits[i];
    }
    sc->nhits = w;
    *hits = sc->hits;
    *n = sc->nhits;
    return INTAKE_OK;
}
