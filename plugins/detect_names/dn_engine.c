/*
 * dn_engine: see dn_engine.h.
 *
 * One pass tokenises the text (ICU character properties), a second groups
 * capitalised words and initials into chains and scores each chain from
 * its cues (first-name lists, surname and patronymic morphology, initials,
 * a role word or title before it, place and institution context, sentence
 * position); a third propagates the confident names to their other
 * mentions in the document, in any inflection or script.
 */
#include "dn_engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf8.h>

#define DN_SKEL_MAX  48 /* longer words are never names */
#define DN_CHAIN_MAX 6  /* words in one name */

/* A word of a fixed list with its length: the lists are scanned for
 * every token, and a strlen per entry was a good part of the scan. */
struct lit {
    const char *s;
    size_t n;
};
/* clang-format off */
#define LIT(x) {x, sizeof(x) - 1}
/* clang-format on */

/* ------------------------------------------------------------------ */
/* hash map: skeleton string -> int value                              */

struct smap_ent {
    uint64_t h;
    uint32_t off; /* into pool */
    uint32_t len;
    int32_t val;
    uint32_t used;
};

struct smap {
    const struct dn_alloc *a;
    struct smap_ent *tab;
    size_t cap, n; /* cap is a power of two */
    char *pool;
    size_t plen, pcap;
    /* A slot is live when its used == gen + 1: clearing (once per document,
     * on tables sized for the largest one) bumps gen instead of zeroing. */
    uint32_t gen;
};

static uint64_t fnv1a(const char *s, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
#define FNV_SEED 0xcbf29ce484222325ULL

static void smap_free(struct smap *m)
{
    if (m->a) {
        m->a->free(m->tab);
        m->a->free(m->pool);
    }
    m->tab = NULL;
    m->pool = NULL;
    m->cap = m->n = m->plen = m->pcap = 0;
}

static void smap_clear(struct smap *m)
{
    if (m->tab && m->n && ++m->gen == UINT32_MAX) {
        memset(m->tab, 0, m->cap * sizeof *m->tab);
        m->gen = 0;
    }
    m->n = 0;
    m->plen = 0;
}

static struct smap_ent *smap_slot(const struct smap *m, const char *s, size_t n, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        struct smap_ent *e = &m->tab[i];
        if (e->used != m->gen + 1)
            return e;
        if (e->h == h && e->len == n && memcmp(m->pool + e->off, s, n) == 0)
            return e;
    }
}

/* Value of \p s, whose hash is \p h, or \p def when absent. */
static int32_t smap_get_h(const struct smap *m, const char *s, size_t n, uint64_t h, int32_t def)
{
    if (!m->cap || n == 0)
        return def;
    struct smap_ent *e = smap_slot(m, s, n, h);
    return e->used == m->gen + 1 ? e->val : def;
}

/* Value of \p s, or \p def when absent. */
static int32_t smap_get(const struct smap *m, const char *s, size_t n, int32_t def)
{
    return smap_get_h(m, s, n, fnv1a(s, n, FNV_SEED), def);
}

static int smap_grow(struct smap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 256;
    struct smap_ent *nt = m->a->alloc(ncap * sizeof *nt);
    if (!nt)
        return -1;
    memset(nt, 0, ncap * sizeof *nt);
    struct smap old = *m;
    m->tab = nt;
    m->cap = ncap;
    for (size_t i = 0; i < old.cap; i++)
        if (old.tab[i].used == m->gen + 1) {
            struct smap_ent *e =
                smap_slot(m, old.pool + old.tab[i].off, old.tab[i].len, old.tab[i].h);
            *e = old.tab[i];
        }
    m->a->free(old.tab);
    return 0;
}

/* Slot for \p s, inserted with value \p init when new; NULL on ENOMEM. */
static struct smap_ent *smap_put(struct smap *m, const char *s, size_t n, int32_t init)
{
    if ((m->n + 1) * 2 > m->cap && smap_grow(m) != 0)
        return NULL;
    uint64_t h = fnv1a(s, n, FNV_SEED);
    struct smap_ent *e = smap_slot(m, s, n, h);
    if (e->used == m->gen + 1)
        return e;
    if (m->plen + n > m->pcap) {
        size_t ncap = m->pcap ? m->pcap * 2 : 4096;
        while (ncap < m->plen + n)
            ncap *= 2;
        char *np = m->a->alloc(ncap);
        if (!np)
            return NULL;
        if (m->plen)
            memcpy(np, m->pool, m->plen);
        m->a->free(m->pool);
        m->pool = np;
        m->pcap = ncap;
    }
    memcpy(m->pool + m->plen, s, n);
    e->h = h;
    e->off = (uint32_t)m->plen;
    e->len = (uint32_t)n;
    e->val = init;
    e->used = m->gen + 1;
    m->plen += n;
    m->n++;
    return e;
}

/* ------------------------------------------------------------------ */
/* hash set: skeleton hash -> 3 bits                                   */

/* The dictionaries hold some 200 000 forms: only their 64-bit hashes are
 * kept (4 MB, no strings; a false hit needs a 61-bit collision), with 3
 * bits of value in the low bits. 0 is an empty slot. */
struct hset {
    uint64_t *tab;
    size_t cap, n; /* cap is a power of two */
};

static uint64_t hset_key(const char *s, size_t n)
{
    uint64_t h = fnv1a(s, n, FNV_SEED) & ~(uint64_t)7;
    return h ? h : 8;
}

static int hset_get(const struct hset *m, const char *s, size_t n)
{
    if (!m->n)
        return 0;
    uint64_t h = hset_key(s, n);
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)(h >> 3) & mask;; i = (i + 1) & mask) {
        uint64_t e = m->tab[i];
        if (!e)
            return 0;
        if ((e & ~(uint64_t)7) == h)
            return (int)(e & 7);
    }
}

static int hset_reserve(const struct dn_alloc *a, struct hset *m, size_t want)
{
    size_t ncap = m->cap ? m->cap : 1024;
    while (ncap < want * 2)
        ncap *= 2;
    if (ncap == m->cap)
        return 0;
    uint64_t *nt = a->alloc(ncap * sizeof *nt);
    if (!nt)
        return -1;
    memset(nt, 0, ncap * sizeof *nt);
    for (size_t i = 0; i < m->cap; i++)
        if (m->tab[i]) {
            size_t j = (size_t)(m->tab[i] >> 3) & (ncap - 1);
            while (nt[j])
                j = (j + 1) & (ncap - 1);
            nt[j] = m->tab[i];
        }
    a->free(m->tab);
    m->tab = nt;
    m->cap = ncap;
    return 0;
}

static int hset_add(const struct dn_alloc *a, struct hset *m, const char *s, size_t n, int bits)
{
    if ((m->n + 1) * 2 > m->cap && hset_reserve(a, m, m->n + 1))
        return -1;
    uint64_t h = hset_key(s, n);
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)(h >> 3) & mask;; i = (i + 1) & mask) {
        if (!m->tab[i]) {
            m->tab[i] = h | (uint64_t)bits;
            m->n++;
            return 0;
        }
        if ((m->tab[i] & ~(uint64_t)7) == h) {
            m->tab[i] |= (uint64_t)bits;
            return 0;
        }
    }
}

/* ------------------------------------------------------------------ */
/* skeleton                                                            */

static int is_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* Other Latin letters with diacritics (Polish ą ę, Czech ř ů, Romanian
 * ș ț, Latvian ā ē ķ, Hungarian ő ű...): the base letter of their canonical
 * decomposition, so that a European name is a word and not a gap. */
static const char *latin_base(UChar32 c)
{
    static const char *const ascii[26] = {"a", "b", "c", "d", "e", "f", "g", "h", "i",
                                          "z", "k", "l", "m", "n", "o", "p", "k", "r",
                                          "s", "t", "u", "v", "v", "h", "i", "z"};
    if (!((c >= 0xC0 && c <= 0x24F) || (c >= 0x1E00 && c <= 0x1EFF)))
        return NULL;
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *nfd = unorm2_getNFDInstance(&e);
    UChar buf[8];
    if (U_FAILURE(e) || unorm2_getDecomposition(nfd, c, buf, 8, &e) < 1 || U_FAILURE(e))
        return NULL;
    UChar b = (UChar)(buf[0] | 0x20);
    return b >= 'a' && b <= 'z' ? ascii[b - 'a'] : NULL;
}

/* ASCII spelling of one lower-case code point; NULL when it is not a
 * letter we fold (the word is then not a name candidate), "" to drop. */
static const char *fold_cp(UChar32 c, char prev)
{
    if (c < 0x80) {
        static const char *const ascii[26] = {"a", "b", "c", "d", "e", "f", "g", "h", "i",
                                              "z", "k", "l", "m", "n", "o", "p", "k", "r",
                                              "s", "t", "u", "v", "v", "h", "i", "z"};
        if (c >= 'a' && c <= 'z')
            return ascii[c - 'a'];
        if (c == '\'' || c == '`' || c == '-')
            return "";
        return NULL;
    }
    if (c >= 0x430 && c <= 0x44F) {
        static const char *const cyr[32] = {"a", "b", "v", "g", "d", "e", "z", "z", "i",  "i", "k",
                                            "l", "m", "n", "o", "p", "r", "s", "t", "u",  "f", "h",
                                            "c", "c", "s", "s", "",  "i", "",  "e", "iu", "ia"};
        if (c == 0x435) /* е is "ye" at the start and after a vowel (Аннаев ~ Annaýew) */
            return (prev == 0 || is_vowel(prev)) ? "ie" : "e";
        return cyr[c - 0x430];
    }
    switch (c) {
    case 0x451: return "io"; /* ё */
    case 0x4D9: return "a";  /* ә */
    case 0x493: return "g";  /* ғ */
    case 0x49B: return "k";  /* қ */
    case 0x4A3: return "n";  /* ң */
    case 0x4E9: return "o";  /* ө */
    case 0x4B1: return "u";  /* ұ */
    case 0x4AF: return "u";  /* ү */
    case 0x4BB: return "h";  /* һ */
    case 0x456: return "i";  /* і */
    case 0x4E3: return "i";  /* ӣ */
    case 0x4EF: return "u";  /* ӯ */
    case 0x4B3: return "h";  /* ҳ */
    case 0x4B7: return "z";  /* ҷ */
    case 0x45E: return "o";  /* ў */
    case 0x454: return "ie"; /* є */
    case 0x457: return "i";  /* ї */
    case 0xE4:
    case 0xE0:
    case 0xE1:
    case 0xE2:
    case 0xE3:
    case 0xE5: return "a";
    case 0xE7:
    case 0x10D:
    case 0x107: return "c";
    case 0xE8:
    case 0xE9:
    case 0xEA:
    case 0xEB:
    case 0x11B: return "e";
    case 0xEC:
    case 0xED:
    case 0xEE:
    case 0xEF:
    case 0x131: return "i";
    case 0xF1:
    case 0x148:
    case 0x144: return "n";
    case 0xF2:
    case 0xF3:
    case 0xF4:
    case 0xF5:
    case 0xF6:
    case 0xF8: return "o";
    case 0xF9:
    case 0xFA:
    case 0xFB:
    case 0xFC:
    case 0x16B: return "u";
    case 0xFD:
    case 0xFF: return "i";
    case 0x15F:
    case 0x161:
    case 0x15B: return "s";
    case 0x17E:
    case 0x17A:
    case 0x17C: return "z";
    case 0x11F: return "g";
    case 0x142: return "l";
    case 0x2010:
    case 0x2011: /* hyphen, non-breaking hyphen */
    case 0x2BB:
    case 0x2BC:
    case 0x2018:
    case 0x2019:
    case 0xB4:
    case 0x2BF:
    case 0x2BE: return "";   /* Uzbek o‘ g‘ and apostrophes */
    case 0xE6: return "ae";  /* æ */
    case 0x153: return "oe"; /* œ */
    case 0xDF: return "s";   /* ß */
    case 0xF0: return "d";   /* ð */
    case 0xFE: return "t";   /* þ */
    case 0x111: return "d";  /* đ */
    default: return latin_base(c);
    }
}

/* Whether \p s has a letter that can end a Latin digraph (sh ch zh kh gh
 * ts dz): the digraph passes are skipped without one. */
static int digraph_end(const char *s, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (s[i] == 'h' || s[i] == 's' || s[i] == 'z')
            return 1;
    return 0;
}

size_t dn_skeleton(const char *s, size_t n, char *out, size_t cap)
{
    char tmp[DN_SKEL_MAX * 2 + 8];
    size_t k = 0;
    /* English possessive: Valko's, Sokolenko’s */
    if (n > 2 && s[n - 1] == 's' && s[n - 2] == '\'')
        n -= 2;
    else if (n > 4 && s[n - 1] == 's' && memcmp(s + n - 4, "\xe2\x80\x99", 3) == 0)
        n -= 4;
    for (size_t i = 0; i < n;) {
        UChar32 c;
        unsigned char b = (unsigned char)s[i];
        /* ASCII letters inline, as fold_cp spells them: this runs for
         * every letter of every word looked at */
        if (b < 0x80 && ((b | 0x20) >= 'a' && (b | 0x20) <= 'z')) {
            static const char ascii[] = "abcdefghizklmnopkrstuvvhiz";
            if (k >= sizeof tmp - 2)
                return 0;
            tmp[k++] = ascii[(b | 0x20) - 'a'];
            i++;
            continue;
        }
        if ((b == 0xD0 || b == 0xD1) && i + 1 < n && ((unsigned char)s[i + 1] & 0xC0) == 0x80 &&
            (c = ((UChar32)(b & 0x1F) << 6) | ((unsigned char)s[i + 1] & 0x3F)) >= 0x410 &&
            c <= 0x44F) {
            /* А..я decoded inline, lower case by offset */
            i += 2;
            if (c <= 0x42F)
                c += 32;
        } else {
            U8_NEXT(s, i, n, c);
            if (c < 0)
                return 0;
            /* ICU only off the common ranges */
            if (c < 0x80)
                c = c >= 'A' && c <= 'Z' ? c + 32 : c;
            else if (c >= 0x410 && c <= 0x42F)
                c += 32;
            else if (!(c >= 0x430 && c <= 0x44F))
                c = u_tolower(c);
        }
        const char *f = fold_cp(c, k ? tmp[k - 1] : 0);
        if (!f)
            return 0;
        /* at most a few letters: no strlen or memcpy call */
        for (; *f; f++) {
            if (k >= sizeof tmp - 2)
                return 0;
            tmp[k++] = *f;
        }
    }
    /* Latin digraphs onto one letter, twice so that "kh"->"h" then
     * "sh"->"s" agree with the Cyrillic (Askhat, Асхат -> "asat"). */
    for (int pass = 0; pass < 2 && digraph_end(tmp, k); pass++) {
        size_t w = 0;
        for (size_t r = 0; r < k; r++) {
            char c = tmp[r], d = r + 1 < k ? tmp[r + 1] : 0;
            if (d == 'h' && (c == 's' || c == 'c' || c == 'z' || c == 'k' || c == 'g')) {
                tmp[w++] = c == 'k' ? 'h' : c;
                r++;
            } else if ((c == 't' && d == 's') || (c == 'd' && d == 'z')) {
                tmp[w++] = c == 't' ? 'c' : 'z';
                r++;
            } else
                tmp[w++] = c;
        }
        k = w;
    }
    /* doubled letters once (Kassymov ~ Касымов, Анна ~ Ana) */
    size_t w = 0;
    for (size_t r = 0; r < k; r++)
        if (w == 0 || tmp[w - 1] != tmp[r])
            tmp[w++] = tmp[r];
    if (w == 0 || w > DN_SKEL_MAX || w + 1 > cap)
        return 0;
    memcpy(out, tmp, w);
    out[w] = '\0';
    return w;
}

/* ------------------------------------------------------------------ */
/* endings                                                             */

/* Inflection endings as skeletons: Russian declension, the Kazakh,
 * Kyrgyz, Turkmen and Uzbek case and possessive suffixes. A word is
 * "stem + up to three of these". Lengths stored: this is the hot loop. */
struct dn_end {
    char s[6];
    uint8_t n;
};
static const struct dn_end dn_ends[] = {
    {"ami", 3}, {"ah", 2},    {"a", 1},    {"ben", 3},  {"dan", 3},  {"den", 3},  {"din", 3},
    {"don", 3}, {"dun", 3},   {"da", 2},   {"de", 2},   {"di", 2},   {"do", 2},   {"du", 2},
    {"ego", 3}, {"eiu", 3},   {"emu", 3},  {"ei", 2},   {"em", 2},   {"ev", 2},   {"e", 1},
    {"ga", 2},  {"ge", 2},    {"go", 2},   {"iami", 4}, {"imi", 3},  {"ia", 2},   {"ie", 2},
    {"ih", 2},  {"im", 2},    {"in", 2},   {"iu", 2},   {"i", 1},    {"ka", 2},   {"ke", 2},
    {"ko", 2},  {"menen", 5}, {"mdan", 4}, {"men", 3},  {"ndan", 4}, {"ning", 4}, {"nan", 3},
    {"nda", 3}, {"nde", 3},   {"nen", 3},  {"nin", 3},  {"non", 3},  {"nun", 3},  {"na", 2},
    {"ne", 2},  {"ni", 2},    {"nu", 2},   {"ogo", 3},  {"oiu", 3},  {"omu", 3},  {"oe", 2},
    {"oi", 2},  {"om", 2},    {"ov", 2},   {"o", 1},    {"pen", 3},  {"si", 2},   {"tan", 3},
    {"ten", 3}, {"tin", 3},   {"ton", 3},  {"tun", 3},  {"ta", 2},   {"te", 2},   {"ti", 2},
    {"to", 2},  {"un", 2},    {"u", 1},
};
/* dn_ends[dn_end_first[c - 'a'] .. dn_end_first[c - 'a' + 1]) start with c */
static const uint8_t dn_end_first[27] = {0,  3,  4,  4,  14, 21, 21, 24, 24, 33, 33, 36, 36, 39,
                                         52, 60, 61, 61, 61, 62, 71, 73, 73, 73, 73, 73, 73};
#define DN_NENDS (sizeof dn_ends / sizeof dn_ends[0])

/* The fewest endings (at most three) that spell each suffix of a word,
 * by its length, worked out on first use: every test "stem + endings"
 * cuts the same word at several points, and a recursive search per cut
 * was the hottest code of the scan. */
#define DN_END_NONE    4    /* no spelling in endings */
#define DN_END_UNKNOWN 0xFF /* not worked out yet */
struct wends {
    const char *w;
    size_t n;
    uint8_t *m; /* m[rl]: endings in the last rl letters (8 entries) */
    uint8_t own[8];
};

/* \p memo: 8 bytes kept with a token (reset by wends_reset), or NULL. */
static void wends_reset(uint8_t *m)
{
    memset(m, DN_END_UNKNOWN, 8);
    m[0] = 0;
}

static void wends_init(struct wends *e, const char *w, size_t n, uint8_t *memo)
{
    e->w = w;
    e->n = n;
    e->m = memo ? memo : e->own;
    if (!memo)
        wends_reset(e->own);
}

static unsigned wends_min(struct wends *e, size_t rl)
{
    if (e->m[rl] != DN_END_UNKNOWN)
        return e->m[rl];
    unsigned best = DN_END_NONE;
    const char *r = rl <= e->n ? e->w + e->n - rl : "";
    if (r[0] >= 'a' && r[0] <= 'z')
        for (size_t i = dn_end_first[r[0] - 'a']; i < dn_end_first[r[0] - 'a' + 1] && best > 1;
             i++) {
            const struct dn_end *d = &dn_ends[i];
            if (d->n > rl)
                continue;
            size_t k = 1; /* r[0] matches: the table is by first letter */
            while (k < d->n && d->s[k] == r[k])
                k++;
            if (k < d->n)
                continue;
            unsigned rest = wends_min(e, rl - d->n);
            if (rest + 1 < best)
                best = rest + 1;
        }
    e->m[rl] = (uint8_t)best;
    return best;
}

/* Whether the last \p rl letters are endings, \p depth of the three
 * allowed already used. */
static int wends_ok(struct wends *e, size_t rl, int depth)
{
    return rl == 0 || (rl < 8 && wends_min(e, rl) + (unsigned)depth <= 3);
}

/* Whether \p r (the end of a word) is up to three endings less \p depth. */
static int ends_ok(const char *r, size_t n, int depth)
{
    if (n == 0 || n > 7)
        return n == 0;
    struct wends e;
    wends_init(&e, r, n, NULL);
    return wends_ok(&e, n, depth);
}

/* Longest single ending of \p w leaving at least \p keep letters; its length. */
static size_t one_ending(const char *w, size_t n, size_t keep)
{
    size_t best = 0;
    for (size_t i = 0; i < DN_NENDS; i++) {
        size_t el = dn_ends[i].n;
        if (el > best && n >= el + keep && memcmp(w + n - el, dn_ends[i].s, el) == 0)
            best = el;
    }
    return best;
}

/* ------------------------------------------------------------------ */
/* lexicon                                                             */

enum {
    L_FIRST = 1 << 0,
    L_STOP = 1 << 1,
    L_STOP_STEM = 1 << 2,
    L_ROLE = 1 << 3,
    L_ROLE_STEM = 1 << 4,
    L_PLACE = 1 << 5,
    L_PLACE_STEM = 1 << 6,
    L_GEO = 1 << 7, /* countries and cities (geo.txt): stop words, no institution */
    L_GEO_STEM = 1 << 8,
    L_HEAD = 1 << 11, /* a head noun after an organisation's name (heads.txt) */
    L_HEAD_STEM = 1 << 12,
    L_LAT = 1 << 13,         /* a head noun written in Latin letters */
    L_CYR = 1 << 14,         /* ... in Cyrillic: heads match words of their own script only */
    L_FIRST_EN = 1 << 9,     /* a first name of the English list */
    L_FIRST_NATIVE = 1 << 10 /* ... of another list */
};

/* Common words from the hunspell dictionaries, by script: a capitalised
 * word that the language writes in lower case is no name cue. */
enum {
    D_EN = 1 << 0,
    D_RU = 1 << 1,
    D_RU_STEM = 1 << 2, /* a Russian lemma less its ending (больш- of большой) */
};

struct dn_lexicon {
    struct dn_alloc a;
    struct smap words;  /* skeleton -> L_* bits */
    struct hset common; /* skeleton -> D_* bits */
    double min_score;
    int propagate;
    /* Listed persons (known names, allow-list): each word's skeleton and
     * its stem less a final vowel -> listed person index, -2 when several
     * share it. Persons 0..nknown-1 are known, the rest allowed. */
    struct smap listed;
    uint64_t *listed_key; /* per listed person: its pseudonym key */
    size_t nlisted, nknown;
};

static const struct {
    const char *code;
    unsigned bit;
} dn_langs[] = {{"ru", DN_LANG_RU}, {"kk", DN_LANG_KK}, {"ky", DN_LANG_KY}, {"uz", DN_LANG_UZ},
                {"tk", DN_LANG_TK}, {"tg", DN_LANG_TG}, {"en", DN_LANG_EN}};

unsigned dn_lang_bit(const char *name)
{
    char b[8];
    size_t n = 0;
    while (*name == ' ')
        name++;
    for (; *name && *name != ' ' && n < sizeof b - 1; name++)
        b[n++] = (char)(*name >= 'A' && *name <= 'Z' ? *name + 32 : *name);
    b[n] = '\0';
    if (strcmp(b, "all") == 0)
        return DN_LANG_ALL;
    for (size_t i = 0; i < sizeof dn_langs / sizeof dn_langs[0]; i++)
        if (strcmp(b, dn_langs[i].code) == 0)
            return dn_langs[i].bit;
    return 0;
}

/* Add every word of one list file. Words ending in '*' are stems. */
static int load_list(struct dn_lexicon *lex, const char *dir, const char *file, int exact, int stem,
                     struct intake_error *err)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path)
        return INTAKE_ERR(err, INTAKE_ECONFIG, "detect_names: data_dir path too long");
    FILE *f = fopen(path, "rb");
    if (!f)
        return INTAKE_ERR(err, INTAKE_ECONFIG, "detect_names: cannot open %s in data_dir (%s)",
                          file, strerror(errno));
    char line[8192];
    int rc = INTAKE_OK;
    while (rc == INTAKE_OK && fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        char *save = NULL;
        for (char *w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
            size_t wl = strlen(w);
            int is_stem = wl > 1 && w[wl - 1] == '*';
            if (is_stem)
                wl--;
            char sk[DN_SKEL_MAX + 1];
            size_t sl = dn_skeleton(w, wl, sk, sizeof sk);
            if (!sl)
                continue;
            struct smap_ent *e = smap_put(&lex->words, sk, sl, 0);
            if (!e) {
                rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
                break;
            }
            int script = exact == L_HEAD    ? ((unsigned char)w[0] < 0x80 ? L_LAT : L_CYR)
                         : exact != L_FIRST ? 0
                         : strcmp(file, "first_en.txt") == 0 ? L_FIRST_EN
                                                             : L_FIRST_NATIVE;
            e->val |= (is_stem ? (stem | exact) : exact) | script;
            if (exact == L_FIRST && sl + 1 <= DN_SKEL_MAX &&
                (sk[0] == 'e' || (sk[0] == 'i' && sk[1] == 'e'))) {
                /* a given name's initial Е is E or Ye in Latin: Ержан ~
                 * Erzhan ~ Yerzhan, Elena ~ Елена */
                char alt[DN_SKEL_MAX + 2];
                size_t al;
                if (sk[0] == 'e') {
                    alt[0] = 'i';
                    memcpy(alt + 1, sk, sl);
                    al = sl + 1;
                } else {
                    memcpy(alt, sk + 1, sl - 1);
                    al = sl - 1;
                }
                struct smap_ent *e2 = smap_put(&lex->words, alt, al, 0);
                if (!e2) {
                    rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
                    break;
                }
                e2->val |= exact | script;
            }
        }
    }
    fclose(f);
    return rc;
}

static uint64_t key_of(const char *stem, size_t sl, char initial);
static int surname_stem(const char *w, size_t n, size_t *stem);
static int is_patronymic(const char *w, size_t n);

/* Put one form of a listed word; a form two persons share names neither. */
static int listed_put(struct dn_lexicon *lex, const char *w, size_t n, int32_t person)
{
    struct smap_ent *e = smap_put(&lex->listed, w, n, person);
    if (!e)
        return -1;
    if (e->val != person)
        e->val = -2;
    return 0;
}

/*
 * Load a list of names, one person a line ("Иванова Мария Петровна",
 * "Rahimova Gulnora"). Every word is matched through its skeleton, so every
 * script and spelling the skeleton folds together, and through its stem
 * (less a final vowel) plus a case ending, so every inflection. The
 * person's key is the one detection gives a full name (surname stem and
 * the first initial), so the listed and the found mentions share one
 * pseudonym. Messages name the file, never a name in it.
 */
static int load_persons(struct dn_lexicon *lex, const char *path, struct intake_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return INTAKE_ERR(err, INTAKE_ECONFIG, "detect_names: cannot open name list %s (%s)", path,
                          strerror(errno));
    char line[4096];
    int rc = INTAKE_OK, lineno = 0;
    while (rc == INTAKE_OK && fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#')
            continue;
        char sk[8][DN_SKEL_MAX + 1];
        size_t sl[8], nw = 0;
        char *save = NULL;
        for (char *w = strtok_r(line, " \t\r\n,;", &save); w && nw < 8;
             w = strtok_r(NULL, " \t\r\n,;", &save)) {
            sl[nw] = dn_skeleton(w, strlen(w), sk[nw], sizeof sk[nw]);
            if (sl[nw] >= 2)
                nw++;
        }
        if (!nw)
            continue;
        size_t person = lex->nlisted;
        uint64_t *nk = lex->a.alloc((person + 1) * sizeof *nk);
        if (!nk) {
            rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
            break;
        }
        if (person)
            memcpy(nk, lex->listed_key, person * sizeof *nk);
        if (lex->listed_key)
            lex->a.free(lex->listed_key);
        lex->listed_key = nk;
        /* the key: surname by its ending, else the first word; the initial
         * of the first other word that is no patronymic */
        size_t sur = 0, stem = 0;
        for (size_t k = 0; k < nw; k++)
            if (surname_stem(sk[k], sl[k], &stem)) {
                sur = k;
                break;
            }
        if (!stem || stem > sl[sur])
            stem = sl[sur] > 4 ? sl[sur] - 1 : sl[sur];
        char initial = 0;
        for (size_t k = 0; k < nw && !initial; k++)
            if (k != sur && !is_patronymic(sk[k], sl[k]))
                initial = sk[k][0];
        lex->listed_key[person] = key_of(sk[sur], stem, initial);
        for (size_t k = 0; k < nw && rc == INTAKE_OK; k++) {
            if (sl[k] < 3)
                continue; /* an initial alone names no one */
            if (listed_put(lex, sk[k], sl[k], (int32_t)person))
                rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
            else if (sl[k] >= 4 && is_vowel(sk[k][sl[k] - 1]) &&
                     listed_put(lex, sk[k], sl[k] - 1, (int32_t)person))
                rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
        }
        lex->nlisted++;
    }
    fclose(f);
    (void)lineno;
    return rc;
}

/*
 * Load the lower-case entries of one hunspell .dic file (word/FLAGS a line,
 * the first line a count) as skeletons. Capitalised entries are proper
 * nouns, names among them, and are left out. Affixes are not expanded: the
 * lookup strips endings itself. A missing file is no error: without the
 * dictionary more words are redacted, never fewer.
 */
static int load_dict(struct dn_lexicon *lex, const char *dir, const char *file, int bit,
                     int stem_bit, struct intake_error *err)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path)
        return INTAKE_OK;
    FILE *f = fopen(path, "rb");
    if (!f)
        return INTAKE_OK;
    char line[512];
    int rc = INTAKE_OK;
    /* the first line counts the entries: room for them at once */
    if (fgets(line, sizeof line, f)) {
        const char *p = line;
        if ((unsigned char)p[0] == 0xEF)
            p += 3;
        unsigned long cnt = strtoul(p, NULL, 10);
        if (cnt && cnt < 10000000 &&
            hset_reserve(&lex->a, &lex->common, lex->common.n + (size_t)cnt))
            rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    }
    while (rc == INTAKE_OK && fgets(line, sizeof line, f)) {
        char *w = line;
        if ((unsigned char)w[0] == 0xEF && (unsigned char)w[1] == 0xBB &&
            (unsigned char)w[2] == 0xBF)
            w += 3; /* BOM */
        size_t wl = strcspn(w, "/\t \r\n");
        if (wl < 3)
            continue;
        size_t j = 0;
        UChar32 c;
        U8_NEXT(w, j, wl, c);
        if (c < 0 || !u_islower(c))
            continue;
        char sk[DN_SKEL_MAX + 1];
        size_t sl = dn_skeleton(w, wl, sk, sizeof sk);
        if (sl < 3)
            continue;
        /* adjectives (большой, европейский) also by their stem: the
         * lookup accepts only adjective endings after it */
        /* (skeletons: -ый and -ий are "i" once doubled letters merge, -ой "oi") */
        size_t adj = !stem_bit || sl < 5 || sk[sl - 1] != 'i' ? 0
                     : sk[sl - 2] == 'o'                      ? 2
                     : !is_vowel(sk[sl - 2])                  ? 1
                                                              : 0;
        if (hset_add(&lex->a, &lex->common, sk, sl, bit) ||
            (adj && hset_add(&lex->a, &lex->common, sk, sl - adj, stem_bit)))
            rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    }
    fclose(f);
    return rc;
}

int dn_lexicon_create(const struct dn_settings *set, const struct dn_alloc *a,
                      struct dn_lexicon **out, struct intake_error *err)
{
    intake_return_val_if_fail(set && a && out && set->data_dir, INTAKE_EINVAL);
    struct dn_lexicon *lex = a->alloc(sizeof *lex);
    if (!lex)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    memset(lex, 0, sizeof *lex);
    lex->a = *a;
    lex->words.a = &lex->a;
    lex->listed.a = &lex->a;
    lex->min_score = set->min_score;
    lex->propagate = set->propagate;
    int rc = INTAKE_OK;
    for (size_t i = 0; rc == INTAKE_OK && i < sizeof dn_langs / sizeof dn_langs[0]; i++) {
        if (!(set->langs & dn_langs[i].bit))
            continue;
        char file[32];
        snprintf(file, sizeof file, "first_%s.txt", dn_langs[i].code);
        rc = load_list(lex, set->data_dir, file, L_FIRST, L_FIRST, err);
    }
    if (rc == INTAKE_OK)
        rc = load_list(lex, set->data_dir, "stop.txt", L_STOP, L_STOP_STEM, err);
    if (rc == INTAKE_OK)
        rc = load_list(lex, set->data_dir, "roles.txt", L_ROLE, L_ROLE_STEM, err);
    if (rc == INTAKE_OK)
        rc = load_list(lex, set->data_dir, "places.txt", L_PLACE, L_PLACE_STEM, err);
    if (rc == INTAKE_OK)
        rc = load_list(lex, set->data_dir, "heads.txt", L_HEAD, L_HEAD_STEM, err);
    if (rc == INTAKE_OK)
        rc =
            load_list(lex, set->data_dir, "geo.txt", L_STOP | L_GEO, L_STOP_STEM | L_GEO_STEM, err);
    if (rc == INTAKE_OK && set->dict_dir && set->dict_dir[0]) {
        rc = load_dict(lex, set->dict_dir, "en_US.dic", D_EN, 0, err);
        if (rc == INTAKE_OK)
            rc = load_dict(lex, set->dict_dir, "ru_RU.dic", D_RU, D_RU_STEM, err);
    }
    if (rc == INTAKE_OK && set->known_file && set->known_file[0])
        rc = load_persons(lex, set->known_file, err);
    lex->nknown = lex->nlisted;
    if (rc == INTAKE_OK && set->allow_file && set->allow_file[0])
        rc = load_persons(lex, set->allow_file, err);
    if (rc != INTAKE_OK) {
        dn_lexicon_destroy(lex);
        return rc;
    }
    *out = lex;
    return INTAKE_OK;
}

void dn_lexicon_destroy(struct dn_lexicon *lex)
{
    if (!lex)
        return;
    smap_free(&lex->words);
    smap_free(&lex->listed);
    lex->a.free(lex->common.tab);
    if (lex->listed_key)
        lex->a.free(lex->listed_key);
    lex->a.free(lex);
}

size_t dn_lexicon_size(const struct dn_lexicon *lex)
{
    return lex ? lex->words.n : 0;
}

size_t dn_lexicon_dict_size(const struct dn_lexicon *lex)
{
    return lex ? lex->common.n : 0;
}

static int lex_bits(const struct dn_lexicon *lex, const char *w, size_t n)
{
    return smap_get(&lex->words, w, n, 0);
}

/* Whether \p w is a list word (exact bit) or a stem word of at least
 * \p min_stem letters plus endings. */
static int lex_has_min(const struct dn_lexicon *lex, const char *w, size_t n, uint8_t *memo,
                       int exact, int stem, size_t min_stem)
{
    if (lex_bits(lex, w, n) & exact)
        return 1;
    struct wends e;
    wends_init(&e, w, n, memo);
    for (size_t k = n - 1; k >= 3 && k >= min_stem && n - k <= 7; k--)
        if (wends_ok(&e, n - k, k < 4 ? 1 : 0) && (lex_bits(lex, w, k) & stem))
            return 1;
    return 0;
}

static int lex_has(const struct dn_lexicon *lex, const char *w, size_t n, uint8_t *memo, int exact,
                   int stem)
{
    return lex_has_min(lex, w, n, memo, exact, stem, 0);
}

/* ------------------------------------------------------------------ */
/* morphology                                                          */

/* Patronymic: -ович/-евич/-овна/-евна/-ична, Turkmen -owiç/-owna, Uzbek
 * -ovich/-ovna, Kazakh -ұлы/-қызы, Kyrgyz -уулу/-кызы, Uzbek o‘g‘li/qizi,
 * each plus endings. */
/* The letters a..z found in w[3..n), as bits: the marker searches below
 * start at the fourth letter and skip a marker whose first letter is not
 * there (most words have none of the markers). */
static uint32_t letters_after3(const char *w, size_t n)
{
    uint32_t m = 0;
    for (size_t i = 3; i < n; i++)
        if (w[i] >= 'a' && w[i] <= 'z')
            m |= 1u << (w[i] - 'a');
    return m;
}

static int is_patronymic(const char *w, size_t n)
{
    static const struct lit mk[] = {LIT("ovic"), LIT("evic"), LIT("ovn"), LIT("evn"), LIT("icn"),
                                    LIT("kizi"), LIT("uli"),  LIT("ulu"), LIT("ogli")};
    uint32_t has = letters_after3(w, n);
    for (size_t m = 0; m < sizeof mk / sizeof mk[0]; m++) {
        size_t ml = mk[m].n;
        if (!(has & (1u << (mk[m].s[0] - 'a'))))
            continue;
        for (size_t p = 3; p + ml <= n && n - (p + ml) <= 7; p++) {
            if (w[p] != mk[m].s[0] || memcmp(w + p, mk[m].s, ml) != 0)
                continue;
            const char *r = w + p + ml;
            size_t rl = n - p - ml;
            if (m >= 2 && m <= 4) {
                /* -овна declines -овны/-овне/-овну/-овной: not the adjectives
                 * уголовное, условный, духовным */
                if (rl == 0 || !strchr("aieuo", r[0]) || (r[0] == 'o' && (rl < 2 || r[1] != 'i')) ||
                    (r[0] == 'i' && rl > 1 && (r[1] == 'm' || r[1] == 'h' || r[1] == 'e')))
                    continue;
            }
            if (ends_ok(r, rl, 0) || (rl == 1 && r[0] == 'n') /* Kyrgyz кызын, уулун */)
                return 1;
        }
    }
    return 0;
}

/* Detached Turkic patronymic particle (ұлы, қызы, уулу, o‘g‘li, qizi). */
static int is_particle(const char *w, size_t n)
{
    static const struct lit pt[] = {LIT("uli"),  LIT("ulu"),  LIT("kizi"),
                                    LIT("ogli"), LIT("oglu"), LIT("uuli")};
    for (size_t i = 0; i < sizeof pt / sizeof pt[0]; i++) {
        size_t pl = pt[i].n;
        if (n >= pl && memcmp(w, pt[i].s, pl) == 0 &&
            (ends_ok(w + pl, n - pl, 0) || (n == pl + 1 && w[pl] == 'n')))
            return 1;
    }
    return 0;
}

/* Surname: -ов/-ев/-ин/-ский/-цкий/-енко/-зода/-ян plus endings (the
 * feminine -а is one of them). Returns 2 strong, 1 weak (-ин), 0 no;
 * \p stem gets the stem length (up to and with the marker). */
static int surname_stem(const char *w, size_t n, size_t *stem)
{
    static const struct {
        const char *m;
        size_t ml;
        int strength;
        int need_end; /* -ский: the bare stem is a place (Подольск) */
    } mk[] = {{"ov", sizeof "ov" - 1, 2, 0},
              {"ev", sizeof "ev" - 1, 2, 0},
              {"sk", sizeof "sk" - 1, 2, 1},
              {"ck", sizeof "ck" - 1, 2, 1},
              {"enk", sizeof "enk" - 1, 2, 0},
              {"zod", sizeof "zod" - 1, 2, 1},
              {"zad", sizeof "zad" - 1, 2, 1},
              {"ian", sizeof "ian" - 1, 2, 0},
              /* Georgian -швили/-дзе, Ukrainian -чук/-юк, Greek -пулос/-акис/-идис,
               * Lithuanian -аускас, Spanish -ez (Fernández), Turkish -oğlu */
              {"svili", sizeof "svili" - 1, 2, 0},
              {"aze", sizeof "aze" - 1, 2, 0},
              {"ize", sizeof "ize" - 1, 2, 0},
              {"cuk", sizeof "cuk" - 1, 2, 0},
              {"iuk", sizeof "iuk" - 1, 2, 0},
              {"pulos", sizeof "pulos" - 1, 2, 0},
              {"poulos", sizeof "poulos" - 1, 2, 0},
              {"akis", sizeof "akis" - 1, 2, 0},
              {"idis", sizeof "idis" - 1, 2, 0},
              {"auskas", sizeof "auskas" - 1, 2, 0},
              {"oglu", sizeof "oglu" - 1, 2, 0},
              {"in", sizeof "in" - 1, 1, 0}};
    uint32_t has = letters_after3(w, n);
    for (size_t m = 0; m < sizeof mk / sizeof mk[0]; m++) {
        size_t ml = mk[m].ml;
        if (!(has & (1u << (mk[m].m[0] - 'a'))))
            continue;
        for (size_t p = n >= ml ? n - ml : 0;; p--) {
            if (p < 3 || n - (p + ml) > 7)
                break;
            if (w[p] == mk[m].m[0] && memcmp(w + p, mk[m].m, ml) == 0 &&
                (!mk[m].need_end || p + ml < n) && ends_ok(w + p + ml, n - p - ml, 0)) {
                *stem = p + ml;
                return mk[m].strength;
            }
        }
    }
    return 0;
}

static size_t put_joined(char *dst, const char *a, size_t an, const char *b)
{
    size_t k = an;
    memcpy(dst, a, an);
    for (; *b; b++)
        if (k == 0 || dst[k - 1] != *b)
            dst[k++] = *b;
    return k;
}

/* First name in any inflection: \p base gets the list form. */
static int first_name(const struct dn_lexicon *lex, const char *w, size_t n, uint8_t *memo,
                      int kk_end, char *base, size_t *bl)
{
    if (lex_bits(lex, w, n) & L_FIRST) {
        memcpy(base, w, n);
        *bl = n;
        return 1;
    }
    static const char *const add[] = {"", "a", "ia", "i", "ii"};
    /* Turkic suffixes keep the name whole (Сона-ның); only Russian endings
     * replace its last vowel (Сон-ы): a word ending in a Kazakh letter
     * gets no vowel back (Соның is no Сона) */
    size_t nadd = kk_end ? 1 : sizeof add / sizeof add[0];
    char buf[DN_SKEL_MAX + 8];
    struct wends e;
    wends_init(&e, w, n, memo);
    /* FNV-1a of each prefix of w: a candidate is a prefix plus a few
     * letters, hashed on from there instead of from its start */
    uint64_t hp[DN_SKEL_MAX + 1];
    int hashed = n <= DN_SKEL_MAX;
    for (size_t i = 0; hashed && i <= n; i++)
        hp[i] = i ? fnv1a(w + i - 1, 1, hp[i - 1]) : FNV_SEED;
    for (size_t k = n - 1; k >= 3 && n - k <= 6; k--) {
        if (!wends_ok(&e, n - k, 0))
            continue;
        for (size_t j = 0; j < nadd; j++) {
            size_t l = put_joined(buf, w, k, add[j]); /* buf[0..k) is w[0..k) */
            uint64_t h = hashed ? fnv1a(buf + k, l - k, hp[k]) : fnv1a(buf, l, FNV_SEED);
            int hit = smap_get_h(&lex->words, buf, l, h, 0) & L_FIRST;
            if (!hit && j == 0 && (buf[l - 1] == 'd' || buf[l - 1] == 'g' || buf[l - 1] == 'b')) {
                /* Turkic voicing before a vowel suffix: Aýnabat -> Aýnabadyň */
                buf[l - 1] = buf[l - 1] == 'd' ? 't' : buf[l - 1] == 'g' ? 'k' : 'p';
                hit = lex_bits(lex, buf, l) & L_FIRST;
            }
            if (hit) {
                memcpy(base, buf, l);
                *bl = l;
                return 1;
            }
        }
    }
    return 0;
}

/* Turkic compound given names end in a name element (Нұрбек, Айгүл,
 * Бауыржан, Нұрлыхан, Ербол, Қалдыбай, Бектұр): \p w is stem + element
 * + endings. */
static int name_element(const char *w, size_t n)
{
    static const struct lit el[] = {LIT("bek"),   LIT("bai"),   LIT("gul"), LIT("zan"), LIT("han"),
                                    LIT("nur"),   LIT("bol"),   LIT("tai"), LIT("kul"), LIT("gali"),
                                    LIT("murat"), LIT("zamal"), LIT("bibi")};
    uint32_t has = letters_after3(w, n);
    for (size_t i = 0; i < sizeof el / sizeof el[0]; i++) {
        size_t el_n = el[i].n;
        if (!(has & (1u << (el[i].s[0] - 'a'))))
            continue;
        for (size_t p = 3; p + el_n <= n && n - (p + el_n) <= 5; p++)
            if (memcmp(w + p, el[i].s, el_n) == 0 && ends_ok(w + p + el_n, n - p - el_n, 1))
                return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* scanner                                                             */

enum {
    T_CAP = 1 << 0,    /* Capitalised */
    T_UPPER = 1 << 1,  /* ALL CAPS (2+ letters) or mixed-case acronym */
    T_INIT = 1 << 2,   /* one capital letter followed by '.' */
    T_SSTART = 1 << 3, /* starts a sentence */
    T_JOIN = 1 << 4,   /* only blanks (one line break at most) since the previous word */
    T_SOFT = 1 << 5,   /* only blanks and , : — - since the previous word, same sentence */
    T_DOTB = 1 << 6,   /* "." right after the previous word, then blanks */
    T_NL = 1 << 7,     /* first word of a line */
    T_COLON = 1 << 8,  /* followed by ':' (a form label) */
    T_LETTER = 1 << 9, /* one capital letter without a dot (A. N Smith) */
    T_LINK = 1 << 10,  /* lower-case name particle: van, von, de, di, da, bin, ibn */
    T_EN = 1 << 11,    /* in a block language identification calls English */
    T_KK = 1 << 12,    /* in a block it calls Kazakh */
    T_OPEN = 1 << 13,  /* right after an opening bracket or quote */
    T_FWEAK = 1 << 14, /* a non-Latin word that only the English first names list has */
    T_QUOTE = 1 << 15, /* right after an opening quote */
};

enum {
    C_NONE,
    C_STOP,
    C_ROLE,
    C_TITLE,
    C_FIRST,
    C_SURNAME,
    C_SURWEAK,
    C_PATRO,
    C_INIT,
    C_PART,
    C_UNK,
    C_LINK
};

struct tok {
    uint32_t start, end;
    uint32_t sk_off;
    uint16_t sk_len; /* 0xFFFF: not computed yet; 0: not foldable */
    uint16_t flags;
    char ini;      /* first letter folded to ASCII (initials), 0 unknown */
    char prep;     /* a lower-case Russian preposition of place (в, во, из, на...) */
    uint8_t em[8]; /* endings of the skeleton, worked out on use (struct wends) */
};

struct chain {
    uint32_t t0, t1;     /* tokens [t0, t1] */
    uint64_t start, end; /* bytes */
    float score;
    uint32_t cues;
    uint64_t key;
    int32_t person; /* index or -1 */
    uint32_t sur;   /* token of the surname, or UINT32_MAX */
    char initial;   /* skeleton of the first initial, 0 none */
    uint8_t fbl;
    uint8_t known;            /* holds a known name: kept at score 1 */
    uint8_t enumerated;       /* raised as an item of a list of names */
    uint16_t allowed;         /* words of an allowed person in it */
    char fb[DN_SKEL_MAX + 1]; /* first-name base (skeleton), fbl bytes */
};

struct person {
    uint64_t key;
};

struct dn_scanner {
    struct dn_alloc a;
    struct tok *toks;
    size_t nt, ct;
    char *sk;
    size_t skl, skc;
    struct chain *ch;
    size_t nch, cch;
    struct person *pp;
    size_t np, cp;
    struct dn_hit *hits;
    size_t nh, chh;
    struct smap stems;   /* surname stem -> person index (-2: several) */
    struct smap firsts;  /* first-name base -> person index (-2: several) */
    struct smap pkeys;   /* person key (8 bytes) -> person index */
    uint32_t *tok_chain; /* token -> chain index + 1, 0 none */
    size_t ctc;
    size_t n_en;       /* lower-case "the", "of", "and" in the document */
    int english;       /* English text: capitals alone mark no name */
    size_t n_kk;       /* words with a Kazakh letter (ә ғ қ ң ө ұ ү һ і) */
    const char *text;  /* the text of the current dn_scan (borrowed) */
    size_t n_cyr;      /* words that start with a Cyrillic letter */
    struct smap lower; /* the document's lower-case words (built on first use) */
    int lower_built;
    int kazakh; /* Kazakh text */
    /* language blocks for the next dn_scan (borrowed), else the guesses above */
    const struct dn_lang_range *ranges;
    size_t nranges;
};

void dn_scanner_set_langs(struct dn_scanner *sc, const struct dn_lang_range *r, size_t n)
{
    sc->ranges = r;
    sc->nranges = n;
}

/* English or Kazakh at token \p i: the language identifier's blocks when it
 * ran, else the document-level guess from function words and letters. */
static int tok_english(const struct dn_scanner *sc, size_t i)
{
    return sc->nranges ? (sc->toks[i].flags & T_EN) != 0 : sc->english;
}
static int tok_kazakh(const struct dn_scanner *sc, size_t i)
{
    return sc->nranges ? (sc->toks[i].flags & T_KK) != 0 : sc->kazakh;
}

int dn_scanner_create(const struct dn_lexicon *lex, struct dn_scanner **out,
                      struct intake_error *err)
{
    intake_return_val_if_fail(lex && out, INTAKE_EINVAL);
    struct dn_scanner *sc = lex->a.alloc(sizeof *sc);
    if (!sc)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    memset(sc, 0, sizeof *sc);
    sc->a = lex->a;
    sc->stems.a = &sc->a;
    sc->firsts.a = &sc->a;
    sc->pkeys.a = &sc->a;
    sc->lower.a = &sc->a;
    *out = sc;
    return INTAKE_OK;
}

void dn_scanner_destroy(struct dn_scanner *sc)
{
    if (!sc)
        return;
    sc->a.free(sc->toks);
    sc->a.free(sc->sk);
    sc->a.free(sc->ch);
    sc->a.free(sc->pp);
    sc->a.free(sc->hits);
    sc->a.free(sc->tok_chain);
    smap_free(&sc->stems);
    smap_free(&sc->firsts);
    smap_free(&sc->pkeys);
    smap_free(&sc->lower);
    sc->a.free(sc);
}

/* Grow array *p of *cap elements of size \p sz to hold \p need. */
static int grow(const struct dn_alloc *a, void **p, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need)
        nc *= 2;
    void *np = a->alloc(nc * sz);
    if (!np)
        return -1;
    if (*cap)
        memcpy(np, *p, *cap * sz);
    a->free(*p);
    *p = np;
    *cap = nc;
    return 0;
}

static int is_apos(UChar32 c)
{
    return c == '\'' || c == 0x2019 || c == 0x2BB || c == 0x2BC || c == 0x2018 || c == '`';
}

static int is_letter(UChar32 c)
{
    if (c < 0x80)
        return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    if ((c >= 0x410 && c <= 0x44F) || c == 0x401 || c == 0x451)
        return 1; /* Russian letters without ICU: this runs for every character */
    return u_isalpha(c) || is_apos(c);
}

/* A letter that is no apostrophe (is_letter && !is_apos), the test on
 * every character of the text: ASCII and Russian without ICU. */
static int word_letter(UChar32 c)
{
    if (c < 0x80)
        return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    if ((c >= 0x410 && c <= 0x44F) || c == 0x401 || c == 0x451)
        return 1;
    return u_isalpha(c) && !is_apos(c);
}

/* Name particles written in lower case: 1 for a word of its own (van, de,
 * bin), 2 for a hyphenated prefix before a capital (al-Hassan, аль-Хадж). */
static int link_word(const char *w, size_t n)
{
    static const struct lit pre[] = {
        LIT("al-"), LIT("el-"),  LIT("ad-"),  LIT("an-"),  LIT("ar-"), LIT("as-"), LIT("at-"),
        LIT("az-"), LIT("ash-"), LIT("ibn-"), LIT("bin-"), LIT("d'"),  LIT("o'"),  LIT("аль-"),
        LIT("ал-"), LIT("әл-"),  LIT("эль-"), LIT("ад-"),  LIT("ан-"), LIT("ар-"), LIT("ас-"),
        LIT("ат-"), LIT("аз-"),  LIT("аш-"),  LIT("ибн-"), LIT("д'")};
    /* this runs for every word: most have no hyphen or apostrophe near
     * the start and are longer than any particle */
    int joiner = 0; /* a hyphen or apostrophe in the first six bytes */
    for (size_t i = 0; n > 2 && i < n && i < 6 && !joiner; i++)
        joiner = w[i] == '-' || w[i] == '\'';
    if (joiner)
        for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
            if (pre[i].s[0] != w[0])
                continue;
            size_t pl = pre[i].n;
            if (n > pl + 1 && memcmp(w, pre[i].s, pl) == 0) {
                UChar32 c;
                size_t k = pl;
                U8_NEXT(w, k, n, c);
                if (c >= 0 && (u_isupper(c) || u_istitle(c)))
                    return 2;
            }
        }
    if (n > 8 || n < 2) /* "дель" is the longest, 8 bytes */
        return 0;
    /* the particles by length in bytes, each followed by '|' (the list is
     * searched for most lower-case words) */
    static const char *const solo[9] = {
        /* 0 */ "",
        /* 1 */ "",
        /* 2 */ "de|di|da|du|le|la|al|el|zu|",
        /* 3 */ "van|von|der|den|del|das|dos|bin|ibn|ben|ter|ten|",
        /* 4 */ "де|ди|",
        /* 5 */ "della|",
        /* 6 */ "ван|фон|дер|ибн|бин|бен|аль|эль|",
        /* 7 */ "",
        /* 8 */ "дель|",
    };
    for (const char *p = solo[n]; *p; p += n + 1)
        if (p[0] == w[0] && p[1] == w[1] && memcmp(p, w, n) == 0)
            return 1;
    return 0;
}

/* Letters of the Kazakh (and Kyrgyz) alphabet that Russian lacks. */
static int is_kk_letter(UChar32 c)
{
    switch (c) {
    case 0x4D9:
    case 0x4D8:
    case 0x493:
    case 0x492:
    case 0x49B:
    case 0x49A:
    case 0x4A3:
    case 0x4A2:
    case 0x4E9:
    case 0x4E8:
    case 0x4B1:
    case 0x4B0:
    case 0x4AF:
    case 0x4AE:
    case 0x4BB:
    case 0x4BA:
    case 0x456:
    case 0x406: return 1;
    default: return 0;
    }
}

/* Russian prepositions after which a capitalised word is a place or an
 * organisation rather than a person (в Москве, из Газпрома, на Кипре). */
static char place_prep(const char *w, size_t n)
{
    static const struct lit pp[] = {LIT("в"),     LIT("во"),   LIT("из"),    LIT("на"),
                                    LIT("под"),   LIT("над"),  LIT("из-за"), LIT("из-под"),
                                    LIT("около"), LIT("близ"), LIT("через")};
    if (n > 12 || n < 2)
        return 0;
    for (size_t i = 0; (unsigned char)w[0] >= 0xD0 && i < sizeof pp / sizeof pp[0]; i++)
        if (pp[i].s[1] == w[1] && pp[i].n == n && memcmp(w, pp[i].s, n) == 0)
            return 1;
    /* English words before places, institutions and documents (in Lyon,
     * of Appeal, the Registry): 2, a weaker hint than the Russian ones */
    static const struct lit en[] = {LIT("the"),    LIT("of"),      LIT("in"),        LIT("at"),
                                    LIT("from"),   LIT("to"),      LIT("into"),      LIT("for"),
                                    LIT("on"),     LIT("under"),   LIT("within"),    LIT("near"),
                                    LIT("across"), LIT("against"), LIT("throughout")};
    if ((unsigned char)w[0] < 0x80 && n <= 10)
        for (size_t i = 0; i < sizeof en / sizeof en[0]; i++)
            if (en[i].n == n && en[i].s[0] == w[0] && memcmp(w, en[i].s, n) == 0)
                return 2;
    return 0;
}

/* 1 upper or title case, -1 lower case, 0 neither; ASCII and Russian
 * without ICU. */
static int case_of(UChar32 c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? 1 : c >= 'a' && c <= 'z' ? -1 : 0;
    if (c >= 0x410 && c <= 0x42F)
        return 1;
    if (c >= 0x430 && c <= 0x44F)
        return -1;
    return u_isupper(c) || u_istitle(c) ? 1 : u_islower(c) ? -1 : 0;
}

/* Tokenise: words of letters, with inner apostrophes and hyphens. */
static int tokenize(struct dn_scanner *sc, const char *t, size_t n)
{
    sc->nt = 0;
    sc->skl = 0;
    sc->n_en = 0;
    sc->n_kk = 0;
    sc->n_cyr = 0;
    size_t i = 0;
    int sent = 1;      /* a sentence starts at the next word */
    int breaks = 0;    /* line breaks since the previous word */
    int hard = 0;      /* punctuation that is not , : — - since the previous word */
    int soft = 0;      /* , : - — since the previous word */
    int dot_first = 0; /* the gap starts with '.' */
    int dot_only = 1;  /* the gap is '.' and blanks only */
    int open = 0;      /* the gap ends with ( [ (1) or “ " « „ ' (2) */
    size_t gap_len = 0;
    while (i < n) {
        unsigned char b = (unsigned char)t[i];
        UChar32 c;
        size_t s = i;
        if (b == ' ') { /* the commonest gap character, as the gap code below takes it */
            if (gap_len == 0)
                dot_first = 0;
            gap_len++;
            i++;
            continue;
        }
        if (b < 0x80) {
            c = b;
            i++;
        } else {
            U8_NEXT(t, i, n, c);
            if (c < 0)
                c = 0xFFFD;
        }
        if (b < 0x80 ? !((b | 0x20) >= 'a' && (b | 0x20) <= 'z') : !word_letter(c)) {
            if (gap_len == 0)
                dot_first = c == '.';
            else if (c != ' ' && c != '\t' && c != 0xA0 && !(c == '-' && gap_len == 1 && dot_first))
                dot_only = 0; /* ".-" of hyphenated initials (J.-P.) is still a dot gap */
            gap_len++;
            if (c != ' ' && c != 0xA0) /* « Title » as tokenised text writes it */
                open = c == '(' || c == '['                                               ? 1
                       : c == 0x201C || c == '"' || c == 0xAB || c == 0x201E || c == '\'' ? 2
                                                                                          : 0;
            if (c == '\n')
                breaks++;
            else if (c == '.' || c == '!' || c == '?' || c == 0x2026) {
                sent = 1;
                hard = 1;
            } else if (c == ',' || c == ':' || c == '-' || c == 0x2014 || c == 0x2013)
                soft = 1;
            else if (c != ' ' && c != '\t' && c != '\r' && c != 0xA0)
                hard = 1;
            continue;
        }
        /* a word: letters, plus apostrophes or hyphens between letters */
        size_t end = i;
        int nup = 1, nlow = 0, nlet = 1, kk = is_kk_letter(c), part_caps = 0;
        int first_up = case_of(c) > 0;
        if (!first_up)
            nup = 0, nlow = case_of(c) < 0 ? 1 : 0;
        while (end < n) {
            /* ASCII and Russian letters as word_letter and case_of see them,
             * without their calls: most characters of the text */
            unsigned char b0 = (unsigned char)t[end];
            if (b0 < 0x80 && (b0 | 0x20) >= 'a' && (b0 | 0x20) <= 'z') {
                nlet++;
                if (b0 <= 'Z')
                    nup++;
                else
                    nlow++;
                end++;
                continue;
            }
            if ((b0 == 0xD0 || b0 == 0xD1) && end + 1 < n &&
                ((unsigned char)t[end + 1] & 0xC0) == 0x80) {
                UChar32 r = ((UChar32)(b0 & 0x1F) << 6) | ((unsigned char)t[end + 1] & 0x3F);
                if (r >= 0x410 && r <= 0x44F) { /* А..я: no Kazakh letter among them */
                    nlet++;
                    if (r < 0x430)
                        nup++;
                    else
                        nlow++;
                    end += 2;
                    continue;
                }
            }
            size_t j = end;
            UChar32 d;
            if ((unsigned char)t[j] < 0x80)
                d = (unsigned char)t[j++];
            else
                U8_NEXT(t, j, n, d);
            if (d >= 0 && word_letter(d)) {
                nlet++;
                kk |= d >= 0x400 && is_kk_letter(d);
                int cs = case_of(d);
                if (cs > 0)
                    nup++;
                else if (cs < 0)
                    nlow++;
                end = j;
                continue;
            }
            if (d == '-' || d == 0x2010 || d == 0x2011 || is_apos(d)) {
                size_t k = j;
                UChar32 e;
                if (k < n) {
                    U8_NEXT(t, k, n, e);
                    if (e >= 0 && word_letter(e)) {
                        end = j;
                        part_caps += case_of(e) > 0; /* Gębarska-Piątek, O'Brien */
                        continue;
                    }
                }
            }
            break;
        }
        if (sc->nt + 1 > sc->ct && /* grow's test inline: once per word */
            grow(&sc->a, (void **)&sc->toks, &sc->ct, sc->nt + 1, sizeof *sc->toks))
            return -1;
        struct tok *tk = &sc->toks[sc->nt++];
        sc->n_kk += kk ? 1 : 0;
        sc->n_cyr += c >= 0x400 && c <= 0x4FF;
        tk->start = (uint32_t)s;
        tk->end = (uint32_t)end;
        tk->sk_off = 0;
        tk->sk_len = 0xFFFF;
        tk->flags = 0;
        tk->ini = 0;
        tk->prep = 0;
        if (c < 0x80)
            tk->ini = (char)(c | 0x20);
        else {
            const char *f = fold_cp(u_tolower(c), 0);
            if (f && f[0])
                tk->ini = f[0];
        }
        if (first_up) {
            if (nlet == 1 && end < n && t[end] == '.')
                tk->flags |= T_INIT;
            else if (nlet == 2 && nup == 1 && end < n && t[end] == '.' &&
                     (t[end - 1] == 'h' || c == 'Y'))
                tk->flags |= T_INIT; /* Uzbek and English digraph initials: Sh. Ch. Kh. Yu. */
            else if (nup >= 2 && (nlow == 0 || nup * 2 >= nlet || nlet <= 4))
                tk->flags |= T_UPPER;
            else if (nlet > 1 || nup == nlet)
                tk->flags |= T_CAP;
            if (nup - part_caps >= 2 && nlow > 0)
                tk->flags = (uint16_t)((tk->flags & ~T_CAP) | T_UPPER); /* AQSh, McDonald */
            if (nlet == 1 && !(tk->flags & T_INIT))
                tk->flags |= T_LETTER;
        } else if (nlow > 0) {
            size_t wl = end - s;
            if ((wl == 3 && (memcmp(t + s, "the", 3) == 0 || memcmp(t + s, "and", 3) == 0)) ||
                (wl == 2 && memcmp(t + s, "of", 2) == 0))
                sc->n_en++;
            if (wl <= 12) {
                tk->prep = place_prep(t + s, wl);
                int lk = link_word(t + s, wl);
                if (lk == 2)
                    tk->flags |= T_CAP; /* al-Hassan, аль-Хадж, ibn-Rushd */
                else if (lk == 1)
                    tk->flags |= T_LINK;
            } else if (memchr(t + s, '-', 9) || memchr(t + s, '\'', 5)) {
                if (link_word(t + s, wl) == 2)
                    tk->flags |= T_CAP;
            }
        }
        if (sc->nt == 1 || breaks >= 2)
            sent = 1;
        if (sent && sc->nt > 1 && dot_first) {
            /* "г. Подольск", "О. В. Харитонов", "ст. 127": an abbreviation or an
             * initial before the dot does not end the sentence */
            const struct tok *p = &sc->toks[sc->nt - 2];
            size_t plen = p->end - p->start;
            /* ...but the end of an e-mail or web address is no abbreviation */
            int addr = p->start > 0 && (t[p->start - 1] == '.' || t[p->start - 1] == '@');
            int abbr = ((unsigned char)t[p->start] >= 0x80 ? plen <= 6 : plen <= 3) &&
                       !(p->flags & (T_CAP | T_UPPER)) && breaks == 0 && !addr;
            if ((p->flags & T_INIT) || abbr)
                sent = breaks >= 2;
        }
        if (sent)
            tk->flags |= T_SSTART;
        if (breaks)
            tk->flags |= T_NL;
        if (end < n && t[end] == ':')
            tk->flags |= T_COLON;
        if (sc->nt > 1 && !hard && !soft && breaks <= 1)
            tk->flags |= T_JOIN;
        if (sc->nt > 1 && !hard && breaks <= 1)
            tk->flags |= T_SOFT;
        if (open)
            tk->flags |= open == 2 ? (T_OPEN | T_QUOTE) : T_OPEN;
        if (sc->nt > 1 && dot_first && dot_only && gap_len <= 3 && breaks == 0)
            tk->flags |= T_DOTB;
        sent = hard = soft = breaks = dot_first = open = 0;
        dot_only = 1;
        gap_len = 0;
        i = end;
    }
    return 0;
}

/* Skeleton of token \p i (computed once); NULL if not foldable. */
static const char *tok_skel(struct dn_scanner *sc, const char *t, size_t i, size_t *len)
{
    struct tok *tk = &sc->toks[i];
    if (tk->sk_len == 0xFFFF) {
        if (sc->skl + DN_SKEL_MAX + 2 > sc->skc &&
            grow(&sc->a, (void **)&sc->sk, &sc->skc, sc->skl + DN_SKEL_MAX + 2, 1)) {
            *len = 0;
            return NULL;
        }
        size_t l =
            dn_skeleton(t + tk->start, tk->end - tk->start, sc->sk + sc->skl, DN_SKEL_MAX + 2);
        tk->sk_off = (uint32_t)sc->skl;
        tk->sk_len = (uint16_t)l;
        sc->skl += l + 1;
        wends_reset(tk->em);
    }
    *len = tk->sk_len;
    return tk->sk_len ? sc->sk + tk->sk_off : NULL;
}

static int is_title(const char *w, size_t n)
{
    static const struct lit ti[] = {LIT("mr"),      LIT("mrs"),       LIT("ms"),     LIT("miss"),
                                    LIT("dr"),      LIT("gr"),        LIT("mister"), LIT("madam"),
                                    LIT("sir"),     LIT("dame"),      LIT("mme"),    LIT("mlle"),
                                    LIT("doctor"),  LIT("lord"),      LIT("lady"),   LIT("judge"),
                                    LIT("justice"), LIT("professor"), LIT("prof")};
    /* the titles have 2 to 9 letters and start with d g j l m p s */
    const uint32_t first = 1u << ('d' - 'a') | 1u << ('g' - 'a') | 1u << ('j' - 'a') |
                           1u << ('l' - 'a') | 1u << ('m' - 'a') | 1u << ('p' - 'a') |
                           1u << ('s' - 'a');
    if (n < 2 || n > 9 || w[0] < 'a' || w[0] > 'z' || !(first & (1u << (w[0] - 'a'))))
        return 0;
    for (size_t i = 0; i < sizeof ti / sizeof ti[0]; i++)
        if (ti[i].n == n && ti[i].s[0] == w[0] && memcmp(ti[i].s, w, n) == 0)
            return 1;
    return 0;
}

static int common_skel(const struct dn_lexicon *lex, const char *w, size_t n, int script);
static int tok_script(const struct dn_scanner *sc, const char *t, size_t i);

/* Whether the token is an English function word as written (The, This,
 * When...): after initials it opens the next sentence ("to W.K. The"). */
static int en_function_word(const char *t, const struct tok *tk)
{
    static const struct lit fw[] = {
        LIT("the"),   LIT("a"),     LIT("an"),    LIT("this"),  LIT("that"),    LIT("these"),
        LIT("those"), LIT("when"),  LIT("where"), LIT("while"), LIT("with"),    LIT("from"),
        LIT("then"),  LIT("there"), LIT("their"), LIT("they"),  LIT("he"),      LIT("she"),
        LIT("it"),    LIT("his"),   LIT("her"),   LIT("its"),   LIT("our"),     LIT("we"),
        LIT("you"),   LIT("in"),    LIT("on"),    LIT("at"),    LIT("by"),      LIT("for"),
        LIT("of"),    LIT("to"),    LIT("and"),   LIT("or"),    LIT("but"),     LIT("as"),
        LIT("if"),    LIT("so"),    LIT("no"),    LIT("not"),   LIT("after"),   LIT("before"),
        LIT("on"),    LIT("upon"),  LIT("under"), LIT("since"), LIT("however"), LIT("more"),
        LIT("most"),  LIT("also")};
    size_t n = tk->end - tk->start;
    if (n > 7)
        return 0;
    for (size_t k = 0; k < sizeof fw / sizeof fw[0]; k++) {
        if (fw[k].n != n)
            continue;
        size_t j = 0;
        while (j < n && (t[tk->start + j] | 0x20) == fw[k].s[j])
            j++;
        if (j == n)
            return 1;
    }
    return 0;
}

/* Whether one of the last two letters of token \p tk is a letter of the
 * Kazakh alphabet that Russian lacks (a Turkic suffix: -ның, -ға, -ге). */
static int kk_tail(const char *t, const struct tok *tk)
{
    int32_t i = (int32_t)tk->end;
    for (int k = 0; k < 2 && i > (int32_t)tk->start; k++) {
        UChar32 c;
        U8_PREV(t, (int32_t)tk->start, i, c);
        if (c >= 0 && is_kk_letter(c))
            return 1;
    }
    return 0;
}

/* Whether the Cyrillic word \p w has a Kazakh dative after с or ш
 * (Облысқа, Алғашқы, Кеңеске, Өкінішке): its "ск" is no -ский surname. */
static int kk_dative(const char *w, size_t n)
{
    static const char *const pat[] = {"сқ", "шқ"};
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i + 4 <= n; i++)
            if (memcmp(w + i, pat[k], 4) == 0)
                return 1;
    return n > 6 && (memcmp(w + n - 6, "ске", 6) == 0 || memcmp(w + n - 6, "шке", 6) == 0);
}

/* Class of a capitalised token (or initial); \p fb/\p fbl: first-name base. */
static int classify(const struct dn_lexicon *lex, struct dn_scanner *sc, const char *t, size_t i,
                    char *fb, size_t *fbl)
{
    const struct tok *tk = &sc->toks[i];
    if (tk->flags & T_INIT)
        return C_INIT;
    if ((tk->flags & T_LETTER) && (tk->flags & T_DOTB) && i > 0 && (sc->toks[i - 1].flags & T_INIT))
        return C_INIT; /* "A. N Loizou", "F.A" */
    size_t n;
    const char *w = tok_skel(sc, t, i, &n);
    if (!w)
        return C_NONE;
    if (is_title(w, n))
        return C_TITLE;
    int bits = lex_bits(lex, w, n);
    if (bits & L_STOP) /* Алматы is a city before it is Алмат + -ы */
        return C_STOP;
    /* order: a listed first name as written; the morphology of patronymics
     * and surnames (Иванова is not Иван + -ова); then first names in any
     * inflection. */
    /* a non-Latin word that only the English list names is a weaker cue
     * (the Kazakh word биыл is no Bill): noted for a lone word at a
     * sentence start */
    int cyr = (unsigned char)t[tk->start] >= 0x80;
    sc->toks[i].flags &= (uint16_t)~T_FWEAK;
    if (cyr && (bits & L_FIRST) && !(bits & L_FIRST_NATIVE))
        sc->toks[i].flags |= T_FWEAK;
    if (bits & L_FIRST) {
        memcpy(fb, w, n);
        *fbl = n;
        return C_FIRST;
    }
    if (is_patronymic(w, n))
        return C_PATRO;
    size_t st;
    int s = surname_stem(w, n, &st);
    /* -ский/-цкий words that Russian writes in lower case are adjectives
     * (Европейского, Турецкой, Исторический), not surnames; -ов/-ев/-ин
     * words are not checked: Волков and Соколов are common nouns' plurals */
    if (s == 2 && st >= 2 && w[st - 1] == 'k' && (w[st - 2] == 's' || w[st - 2] == 'c') &&
        tok_script(sc, t, i) == D_RU && common_skel(lex, w, n, D_RU))
        s = 0;
    /* -овь/-евь (Церковь, Морковь): no -ов surname ends in a soft sign */
    if (s && st == n && tk->end - tk->start >= 2 && (unsigned char)t[tk->end - 2] == 0xD1 &&
        (unsigned char)t[tk->end - 1] == 0x8C)
        s = 0;
    if (s == 2 && st >= 2 && w[st - 1] == 'k' && w[st - 2] == 's' &&
        (unsigned char)t[tk->start] >= 0x80 && kk_dative(t + tk->start, tk->end - tk->start))
        s = 0;
    if (s && tok_english(sc, i)) {
        /* English -ow/-ew words (Widow, Review, Glasgow) and Polish -ów,
         * -owy place names are not -ov/-ev surnames; nor are -in words
         * (Berlin, Cousin) a cue on their own */
        size_t tl = tk->end - tk->start;
        const char *raw = t + tk->start;
        for (size_t k = tl > 4 ? tl - 4 : 0; k < tl; k++)
            if (raw[k] == 'w') {
                s = 0;
                break;
            }
        if (s == 1)
            s = 0;
    }
    /* an inflected first name beats a stop stem: Юлии is not июль + -ии,
     * and Russian months are not capitalised */
    if (s != 2 && first_name(lex, w, n, sc->toks[i].em, kk_tail(t, tk), fb, fbl)) {
        /* ...but a longer stop stem is the better reading: Россия is
         * росси- + -я, not Ross + -ия */
        size_t common = 0;
        while (common < n && common < *fbl && w[common] == fb[common])
            common++;
        if (common >= n ||
            !lex_has_min(lex, w, n, sc->toks[i].em, L_STOP, L_STOP_STEM, common + 1)) {
            if (cyr && !(lex_bits(lex, fb, *fbl) & L_FIRST_NATIVE))
                sc->toks[i].flags |= T_FWEAK;
            return C_FIRST;
        }
        *fbl = 0;
        return C_STOP;
    }
    /* a surname's own marker must lie inside the stop stem: Ростов is a
     * city, Грузинов (груз- + -инов) a person */
    size_t min_stem = s == 2 ? st : 0;
    if (lex_has_min(lex, w, n, sc->toks[i].em, L_STOP, L_STOP_STEM, min_stem))
        return C_STOP;
    if (lex_has_min(lex, w, n, sc->toks[i].em, L_ROLE, L_ROLE_STEM, min_stem))
        return C_ROLE;
    if (s == 2)
        return C_SURNAME;
    if (s == 1)
        return C_SURWEAK;
    if (n < 2)
        return C_NONE;
    if (name_element(w, n)) {
        memcpy(fb, w, n);
        *fbl = n;
        return C_FIRST;
    }
    return C_UNK;
}

static int add_chain(struct dn_scanner *sc, const struct chain *c)
{
    if (grow(&sc->a, (void **)&sc->ch, &sc->cch, sc->nch + 1, sizeof *sc->ch))
        return -1;
    sc->ch[sc->nch++] = *c;
    return 0;
}

static uint64_t key_of(const char *stem, size_t sl, char initial)
{
    uint64_t h = fnv1a("PERSON:", 7, FNV_SEED);
    h = fnv1a(stem, sl, h);
    h = fnv1a("|", 1, h);
    if (initial)
        h = fnv1a(&initial, 1, h);
    return h ? h : 1;
}

/* Surname stem of token \p i for keys and propagation: the morphological
 * stem, or the word less one ending. */
static size_t sur_stem(struct dn_scanner *sc, const char *t, size_t i, const char **w)
{
    size_t n, st;
    *w = tok_skel(sc, t, i, &n);
    if (!*w)
        return 0;
    if (surname_stem(*w, n, &st))
        return st;
    return n - one_ending(*w, n, 4);
}

/* Whether the initials [a, b] spell a common abbreviation (U.S., E.U., P.M.). */
static int initials_abbr(const struct dn_scanner *sc, size_t a, size_t b)
{
    static const struct lit ab[] = {
        LIT("us"), LIT("usa"), LIT("uk"),  LIT("eu"),   LIT("un"), LIT("ussr"), LIT("nb"),
        LIT("ps"), LIT("am"),  LIT("pm"),  LIT("ad"),   LIT("bc"), LIT("sa"),   LIT("nv"),
        LIT("bv"), LIT("ag"),  LIT("dc"),  LIT("ok"),   LIT("ie"), LIT("eg"),   LIT("rf"),
        LIT("rk"), LIT("kr"),  LIT("ssr"), LIT("sssr"), LIT("ssa")};
    char buf[8];
    size_t k = 0;
    for (size_t i = a; i <= b; i++) {
        if (!(sc->toks[i].flags & (T_INIT | T_LETTER)))
            continue;
        if (k + 1 >= sizeof buf)
            return 0;
        buf[k++] = sc->toks[i].ini;
    }
    for (size_t i = 0; i < sizeof ab / sizeof ab[0]; i++)
        if (ab[i].n == k && memcmp(ab[i].s, buf, k) == 0)
            return 1;
    return 0;
}

/* Whether the capitalised token \p i is written in lower case elsewhere in
 * the document (Бақыт and бақыт, Победа and победа): a common word that
 * starts a sentence or a title, not a name. */
static int seen_lower(struct dn_scanner *sc, const char *t, size_t i)
{
    const struct tok *tk = &sc->toks[i];
    size_t n = tk->end - tk->start;
    if (n < 4 || n > 64)
        return 0;
    if (!sc->lower_built) {
        sc->lower_built = 1;
        for (size_t k = 0; k < sc->nt; k++) {
            const struct tok *o = &sc->toks[k];
            size_t ol = o->end - o->start;
            if (ol >= 4 && !(o->flags & (T_CAP | T_UPPER | T_INIT | T_LETTER | T_LINK)) &&
                !smap_put(&sc->lower, t + o->start, ol, 1))
                return 0;
        }
    }
    if (!sc->lower.n)
        return 0;
    char buf[80];
    size_t k = 0, j = 0;
    UChar32 c;
    U8_NEXT(t + tk->start, j, n, c);
    if (c < 0)
        return 0;
    c = u_tolower(c);
    UBool bad = 0;
    U8_APPEND(buf, k, sizeof buf, c, bad);
    if (bad || k + (n - j) > sizeof buf)
        return 0;
    memcpy(buf + k, t + tk->start + j, n - j);
    return smap_get(&sc->lower, buf, k + n - j, 0) != 0;
}

/* Whether (1; 2 for a Russian adjective by its stem) skeleton \p w of a word in \p script (D_EN or
 * D_RU) is a common word of the dictionaries: as written, or a dictionary word plus endings
 * (English -s/-es/-ed/-ing; the Russian and Turkic case endings of dn_ends for Cyrillic). */
static int common_skel(const struct dn_lexicon *lex, const char *w, size_t n, int script)
{
    if (!lex->common.n || n < 3)
        return 0;
    if (hset_get(&lex->common, w, n) & script)
        return 1;
    if (script & D_EN) {
        static const struct lit suf[] = {LIT("s"), LIT("es"), LIT("d"), LIT("ed"), LIT("ing")};
        for (size_t k = 0; k < sizeof suf / sizeof suf[0]; k++) {
            size_t sl = suf[k].n;
            if (n >= sl + 3 && memcmp(w + n - sl, suf[k].s, sl) == 0 &&
                (hset_get(&lex->common, w, n - sl) & D_EN))
                return 1;
        }
        return 0;
    }
    /* Cyrillic: a dictionary word plus one Russian ending (союза); an adjective stem
     * plus an adjective ending (Большого, Европейской) */
    static const struct lit adj[] = {LIT("ogo"),  LIT("ego"), LIT("omu"),  LIT("emu"), LIT("oi"),
                                     LIT("i"),    LIT("ei"),  LIT("oe"),   LIT("ie"),  LIT("aia"),
                                     LIT("iaia"), LIT("uiu"), LIT("iuiu"), LIT("om"),  LIT("em"),
                                     LIT("im"),   LIT("ih"),  LIT("imi")};
    for (size_t k = n - 1; k >= 4 && n - k <= 7; k--) {
        int v = hset_get(&lex->common, w, k);
        if (!v)
            continue;
        if ((v & D_RU) && (script & D_RU) && n - k <= 3 && one_ending(w + k, n - k, 0) == n - k)
            return 1;
        if ((v & D_RU_STEM) && (script & D_RU))
            for (size_t j = 0; j < sizeof adj / sizeof adj[0]; j++)
                if (adj[j].n == n - k && memcmp(adj[j].s, w + k, n - k) == 0)
                    return 1;
    }
    return 0;
}

/* Dictionary for token \p i: English for Latin words, Russian for
 * Cyrillic ones; 0 otherwise. (The Kazakh dictionary is not used: Kazakh
 * given names are common words, Бақыт, Арман, Болат.) */
static int tok_script(const struct dn_scanner *sc, const char *t, size_t i)
{
    unsigned char c = (unsigned char)t[sc->toks[i].start];
    if (c < 0x80)
        return D_EN;
    if (c >= 0xD0 && c <= 0xD3)
        return D_RU;
    return 0;
}

/* Whether Cyrillic token \p i ends like a Russian full adjective
 * (-ая, -ого, -ому, -ую, -ых, -ыми, -ое, -ые and soft pairs). */
static int ru_adjective(struct dn_scanner *sc, const char *t, size_t i)
{
    static const struct lit e[] = {LIT("aia"), LIT("iaia"), LIT("ogo"), LIT("ego"),
                                   LIT("omu"), LIT("emu"),  LIT("uiu"), LIT("iuiu"),
                                   LIT("ih"),  LIT("imi"),  LIT("oe"),  LIT("ie")};
    size_t n;
    const char *w = tok_skel(sc, t, i, &n);
    if (!w || n < 5 || (unsigned char)t[sc->toks[i].start] < 0x80)
        return 0;
    for (size_t k = 0; k < sizeof e / sizeof e[0]; k++) {
        size_t l = e[k].n;
        if (n > l + 2 && memcmp(w + n - l, e[k].s, l) == 0)
            return 1;
    }
    return 0;
}

/* Whether the capitalised token \p i is a common word of its language. */
static int tok_common(const struct dn_lexicon *lex, struct dn_scanner *sc, const char *t, size_t i)
{
    if (!lex->common.n)
        return 0;
    int script = tok_script(sc, t, i);
    size_t n;
    const char *w = script ? tok_skel(sc, t, i, &n) : NULL;
    return w && common_skel(lex, w, n, script);
}

/* Whether capitalised words with no name cue [a, b] read as a place: after
 * a Russian preposition of place (в Лондоне, из Киева, на Украине), or, in
 * Kazakh text, with a locative suffix (Лондонда, Киевте). */
static int unk_place(const struct dn_scanner *sc, size_t a, size_t b)
{
    if (a > 0 && (sc->toks[a].flags & T_JOIN) && sc->toks[a - 1].prep == 1)
        return 1;
    if (tok_kazakh(sc, b) && sc->toks[b].sk_len != 0xFFFF && sc->toks[b].sk_len >= 5) {
        const char *w = sc->sk + sc->toks[b].sk_off;
        size_t n = sc->toks[b].sk_len;
        if ((w[n - 1] == 'a' || w[n - 1] == 'e') && (w[n - 2] == 'd' || w[n - 2] == 't'))
            return 1;
    }
    return 0;
}

/* Score one run of name words [a, b] (classes in cls[]); 0 = not a name. */
static float score_run(const struct dn_scanner *sc, const int *cls, size_t a, size_t b, int role,
                       int place, uint32_t *cues)
{
    int strong = 0, weak = 0, init = 0, unk = 0, patro = 0, upper = 1, words = 0;
    for (size_t i = a; i <= b; i++) {
        if (cls[i - a] == C_LINK)
            continue;
        switch (cls[i - a]) {
        case C_FIRST:
            strong++;
            *cues |= DN_CUE_FIRST;
            break;
        case C_SURNAME:
            strong++;
            *cues |= DN_CUE_SURNAME;
            break;
        case C_SURWEAK:
            weak++;
            *cues |= DN_CUE_SURNAME;
            break;
        case C_PATRO:
            strong++;
            patro++;
            *cues |= DN_CUE_PATRO;
            break;
        case C_PART:
            patro++;
            *cues |= DN_CUE_PATRO;
            break;
        case C_INIT:
            init++;
            *cues |= DN_CUE_INITIAL;
            break;
        default:
            unk++;
            *cues |= DN_CUE_CAP;
            break;
        }
        if (cls[i - a] != C_INIT) {
            words++;
            if (!(sc->toks[i].flags & T_UPPER))
                upper = 0;
        }
    }
    if (role)
        *cues |= DN_CUE_ROLE;
    if (words == 0) {
        /* initials alone: a person after a title (Mr M., Ms S.A.); two or
         * more are an anonymised name (F.A., B.K.) unless a common
         * abbreviation */
        if (role)
            return 0.95f;
        return init >= 2 && !initials_abbr(sc, a, b) ? 0.75f : 0.0f;
    }
    int sstart = (sc->toks[a].flags & T_SSTART) != 0;
    int cues2 = strong + weak + (init ? 1 : 0) + (patro && !strong ? 1 : 0);
    if (upper) { /* headings: a clear full name, or one word shaped as a name */
        if (strong >= 2 || (strong >= 1 && (role || init)))
            return 0.9f;
        if (role) /* "Президент РФ", "министр МВД": an abbreviation of 2-3 letters */
            return words == 1 && !init && a == b &&
                           sc->toks[a].end - sc->toks[a].start <=
                               ((unsigned char)sc->text[sc->toks[a].start] < 0x80 ? 3u : 6u)
                       ? 0.45f
                       : 0.85f;
        for (size_t i = a; i <= b; i++)
            if (cls[i - a] == C_SURNAME || cls[i - a] == C_PATRO ||
                (cls[i - a] == C_FIRST && words >= 2))
                return 0.7f;
        return 0.0f;
    }
    if (place && cues2 < 2 && !role)
        return 0;
    if (cues2 >= 2 || (strong && words >= 2))
        return (patro || role) ? 0.97f : 0.92f;
    if (role)
        return 0.95f;
    if (init && unk) /* "A. B. Smith"; not "B. Trial", an enumerated heading */
        return (sc->toks[a].flags & T_NL) && cls[0] == C_INIT && words == 1 ? 0.0f : 0.9f;
    if (strong + weak == 1 && words == 1) {
        if (cls[0] == C_SURNAME || (a != b && cls[b - a] == C_SURNAME))
            return sstart ? 0.7f : 0.8f;
        if (weak)
            return sstart ? 0.0f : 0.6f;
        if (sstart && cls[0] == C_FIRST && (sc->toks[a].flags & T_FWEAK))
            return 0.45f;              /* only an English name, in Cyrillic, opening a sentence */
        return sstart ? 0.65f : 0.75f; /* first name or patronymic alone */
    }
    if (strong + weak + init + patro == 0 && unk_place(sc, a, b))
        return 0.0f;
    if (strong + weak + init + patro == 0 && sc->n_cyr * 2 > sc->nt &&
        !(sc->nranges && tok_english(sc, b))) {
        /* Latin words with no name cue in a Cyrillic text are mostly
         * brands, media and software (Facebook, Linux): a doubt. Not in a
         * block langid calls English (a statement in English inside a
         * Russian file): there the English rule below decides. */
        /* ...but not a gloss in brackets after a Cyrillic name */
        int latin = (sc->toks[a].flags & (T_OPEN | T_QUOTE)) != T_OPEN;
        for (size_t i = a; i <= b && latin; i++)
            latin = (unsigned char)sc->text[sc->toks[i].start] < 0x80;
        if (latin)
            return 0.45f;
    }
    if (strong + weak + init + patro == 0 && tok_english(sc, b)) {
        /* English capitalises institutions and documents too, so such a
         * word is a weak cue; but a victim's given name in no list looks
         * exactly like this ("According to her statement, X was able"), and
         * a missed name costs more than a redacted word: it is at the
         * threshold; after "the", "in", "of"... or an opening bracket or
         * quote it is left just under it, a doubt for the reviewer; in a list next to a sure name
         * it is raised (enumerations, below). */
        if (words > 1 || sstart || (sc->toks[b].flags & T_COLON) || (sc->toks[a].flags & T_NL))
            return 0.0f; /* phrases are institutions' names (Regional Court) */
        if ((a > 0 && (sc->toks[a].flags & T_JOIN) && sc->toks[a - 1].prep == 2) ||
            (sc->toks[a].flags & T_OPEN))
            return 0.45f; /* the Registry, in Lyon; (a gloss), “a title” */
        return 0.5f;
    }
    if (sstart)
        return words >= 2 ? 0.55f : 0.0f;
    if (sc->toks[b].flags & T_COLON) /* "Telephone:", "Officer:" */
        return 0;
    if (words == 1 && (sc->toks[a].flags & T_NL))
        return 0; /* a lone unknown word opening a line: a label or a heading */
    return words >= 2 ? 0.6f : 0.55f;
}

/* Whether token \p i (a neighbour of a name) is a place noun or abbreviation. */
/* A short lower-case Latin word with no dot after it is no abbreviation:
 * "to" is not the company form TOO, nor "st" a street. */
static int short_latin(const struct dn_scanner *sc, const char *t, size_t i)
{
    const struct tok *tk = &sc->toks[i];
    return tk->end - tk->start <= 3 && (unsigned char)t[tk->start] < 0x80 &&
           !(tk->flags & (T_CAP | T_UPPER)) &&
           !(i + 1 < sc->nt && (sc->toks[i + 1].flags & T_DOTB));
}

static int tok_place(const struct dn_lexicon *lex, struct dn_scanner *sc, const char *t, size_t i)
{
    size_t n;
    const char *w = tok_skel(sc, t, i, &n);
    return w && !short_latin(sc, t, i) && lex_has(lex, w, n, sc->toks[i].em, L_PLACE, L_PLACE_STEM);
}

/* Whether token \p i is a head noun of heads.txt (министрлігі, мұражайы). */
static int tok_head(const struct dn_lexicon *lex, struct dn_scanner *sc, const char *t, size_t i)
{
    size_t n;
    const char *w = tok_skel(sc, t, i, &n);
    if (!w || short_latin(sc, t, i))
        return 0;
    /* English "holding" is no Russian холдинг */
    int script = (unsigned char)t[sc->toks[i].start] < 0x80 ? L_LAT : L_CYR;
    if ((lex_bits(lex, w, n) & (L_HEAD | script)) == (L_HEAD | script))
        return 1;
    struct wends e;
    wends_init(&e, w, n, sc->toks[i].em);
    for (size_t k = n - 1; k >= 3 && n - k <= 7; k--)
        if (wends_ok(&e, n - k, k < 4 ? 1 : 0) &&
            (lex_bits(lex, w, k) & (L_HEAD_STEM | script)) == (L_HEAD_STEM | script))
            return 1;
    return 0;
}

/* Whether Cyrillic token \p i ends in a Turkic genitive (-ның, -дың, -тың,
 * -нын, -дын, -тын...): a possessor before a head noun, maybe a person
 * (Асановтың компаниясы, X атасының музейі). */
static int kk_genitive(struct dn_scanner *sc, const char *t, size_t i)
{
    size_t n;
    const char *w = tok_skel(sc, t, i, &n);
    if (!w || n < 5 || (unsigned char)t[sc->toks[i].start] < 0x80)
        return 0;
    const char *e = w + n - 3;
    return (e[0] == 'n' || e[0] == 'd' || e[0] == 't') && (e[1] == 'i' || e[1] == 'u') &&
           e[2] == 'n';
}

/* Whether Cyrillic token \p i is Kazakh or Kyrgyz (a letter Russian
 * lacks, or in a Kazakh block). */
static int turkic_word(struct dn_scanner *sc, const char *t, size_t i)
{
    const struct tok *tk = &sc->toks[i];
    if ((unsigned char)t[tk->start] < 0x80)
        return 0;
    if (tok_kazakh(sc, i))
        return 1;
    for (uint32_t k = tk->start; k + 1 < tk->end; k++) {
        UChar32 c;
        int32_t j = (int32_t)k;
        U8_NEXT(t, j, (int32_t)tk->end, c);
        if (c >= 0 && is_kk_letter(c))
            return 1;
    }
    return 0;
}

/* Whether the Turkic place noun at \p i has the possessive that ties it to
 * the name before it (Шымкент қаласы, Абай көшесінде), not bare (X жол,
 * X қала тұрғыны: a road, a city of someone else's sentence). */
static int kk_possessive(struct dn_scanner *sc, const char *t, size_t i)
{
    static const struct lit cs[] = {LIT("ndagi"), LIT("nda"), LIT("nde"), LIT("nin"), LIT("nan"),
                                    LIT("nen"),   LIT("na"),  LIT("ne"),  LIT("n")};
    size_t n;
    const char *w = tok_skel(sc, t, i, &n);
    if (!w || n < 3)
        return 0;
    for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++) {
        size_t l = cs[k].n;
        if (n > l + 2 && memcmp(w + n - l, cs[k].s, l) == 0) {
            n -= l;
            break;
        }
    }
    return w[n - 1] == 'i' || w[n - 1] == 'u';
}

/* Whether lower-case token \p i is a Turkic word that follows a person's
 * name: named (есімді, атты), Mr/Mrs (мырза, ханым), kin and honorifics
 * (ата, апа, әже, аға, апай, ағай, қажы), with their endings. */
static int post_role(struct dn_scanner *sc, const char *t, size_t i)
{
    static const struct lit pr[] = {LIT("esimdi"), LIT("esimi"), LIT("atti"), LIT("mirza"),
                                    LIT("hanim"),  LIT("ata"),   LIT("apa"),  LIT("aze"),
                                    LIT("aga"),    LIT("apai"),  LIT("agai"), LIT("kazi")};
    size_t n;
    const char *w = tok_skel(sc, t, i, &n);
    if (!w || (unsigned char)t[sc->toks[i].start] < 0x80)
        return 0;
    for (size_t k = 0; k < sizeof pr / sizeof pr[0]; k++) {
        size_t l = pr[k].n;
        if (n >= l && memcmp(w, pr[k].s, l) == 0 && ends_ok(w + l, n - l, 0))
            return 1;
    }
    return 0;
}

/* Whether token \p i is a country or city of geo.txt. */
static int tok_geo(const struct dn_lexicon *lex, struct dn_scanner *sc, const char *t, size_t i)
{
    size_t n;
    const char *w = tok_skel(sc, t, i, &n);
    return w && lex_has(lex, w, n, sc->toks[i].em, L_GEO, L_GEO_STEM);
}

static int tok_role(const struct dn_lexicon *lex, struct dn_scanner *sc, const char *t, size_t i)
{
    size_t n;
    const char *w = tok_skel(sc, t, i, &n);
    return w && (is_title(w, n) || lex_has(lex, w, n, sc->toks[i].em, L_ROLE, L_ROLE_STEM));
}

/* Who a chain names: its surname token, first initial and first-name base. */
static void chain_identity(struct dn_scanner *sc, const char *t, struct chain *c, const int *cls,
                           const char *fb, size_t fbl)
{
    uint32_t sur = UINT32_MAX;
    char initial = 0;
    for (uint32_t i = c->t0; i <= c->t1; i++) {
        int k = cls[i - c->t0];
        if ((k == C_SURNAME || k == C_SURWEAK) && sur == UINT32_MAX)
            sur = i;
    }
    if (sur == UINT32_MAX)
        for (uint32_t i = c->t1 + 1; i-- > c->t0;)
            if (cls[i - c->t0] == C_UNK) {
                sur = i;
                break;
            }
    for (uint32_t i = c->t0; i <= c->t1 && !initial; i++) {
        int k = cls[i - c->t0];
        if (k == C_FIRST && fbl)
            initial = fb[0];
        else if (k == C_INIT) {
            size_t n;
            const char *w = tok_skel(sc, t, i, &n);
            if (w)
                initial = w[0];
        }
    }
    c->sur = sur;
    c->initial = initial;
    c->fbl = (uint8_t)(fbl <= DN_SKEL_MAX ? fbl : 0);
    memcpy(c->fb, fb, c->fbl);
}

/* Persons: register a confident chain (first those with an initial, then
 * the bare surnames, which join the one person of that surname). Its
 * person index, -1 none, -2 ENOMEM. */
static int register_person(struct dn_scanner *sc, const char *t, struct chain *c, int bare)
{
    const char *sw = NULL;
    size_t sl = c->sur != UINT32_MAX ? sur_stem(sc, t, c->sur, &sw) : 0;
    if (sl < 3 && !c->fbl)
        return -1;
    if (sl >= 3) {
        /* the stem a person already has, so that Гайдамака Р. П. and
         * Гайдамаком Русланом get the same key whatever ending was cut */
        size_t wl;
        const char *w = tok_skel(sc, t, c->sur, &wl);
        struct wends e;
        wends_init(&e, w, w ? wl : 0, w ? sc->toks[c->sur].em : NULL);
        for (size_t k = wl; w && k >= 3 && wl - k <= 7; k--)
            if (wends_ok(&e, wl - k, 0) && smap_get(&sc->stems, w, k, -1) != -1) {
                sw = w;
                sl = k;
                break;
            }
    }
    if (bare != (c->initial == 0 || sl < 3))
        return -1;
    if (bare && sl < 3 && c->fbl) { /* "Әсел Нұрланқызының": the one Әсел */
        int32_t v = smap_get(&sc->firsts, c->fb, c->fbl, -1);
        if (v >= 0) {
            c->person = v;
            c->key = sc->pp[v].key;
            return v;
        }
    }
    if (bare && sl >= 3) {
        int32_t v = smap_get(&sc->stems, sw, sl, -1);
        if (v >= 0) {
            c->person = v;
            c->key = sc->pp[v].key;
            return v;
        }
    }
    uint64_t key = sl >= 3 ? key_of(sw, sl, c->initial) : key_of(c->fb, c->fbl, '*');
    struct smap_ent *pk = smap_put(&sc->pkeys, (const char *)&key, sizeof key, (int32_t)sc->np);
    if (!pk)
        return -2;
    int32_t idx = pk->val;
    if (idx == (int32_t)sc->np) {
        if (grow(&sc->a, (void **)&sc->pp, &sc->cp, sc->np + 1, sizeof *sc->pp))
            return -2;
        sc->pp[sc->np++].key = key;
    }
    if (sl >= 3) {
        struct smap_ent *e = smap_put(&sc->stems, sw, sl, idx);
        if (!e)
            return -2;
        if (e->val != idx)
            e->val = -2; /* same surname, other initial: the bare surname is ambiguous */
    }
    if (c->fbl) {
        struct smap_ent *e = smap_put(&sc->firsts, c->fb, c->fbl, idx);
        if (!e)
            return -2;
        if (e->val != idx)
            e->val = -2;
    }
    /* The other words of a full name (a given name in no list: "Ainur
     * Bekova" -> "Ainur"), so that the word alone later in the document is
     * this person too. Same "several persons" rule as first names. */
    for (uint32_t k = c->t0; !bare && k <= c->t1 && k < sc->nt; k++) {
        if (k == c->sur || !(sc->toks[k].flags & (T_CAP | T_UPPER)) || (sc->toks[k].flags & T_INIT))
            continue;
        size_t wl;
        const char *w = tok_skel(sc, t, k, &wl);
        if (!w || wl < 3)
            continue;
        struct smap_ent *e = smap_put(&sc->firsts, w, wl, idx);
        if (!e)
            return -2;
        if (e->val != idx)
            e->val = -2;
    }
    c->key = sc->pp[idx].key;
    c->person = idx;
    return idx;
}

/* Person whose surname stem the word \p w is an inflection of; -1 none, -2 several. */
static int32_t match_stem(const struct dn_scanner *sc, const char *w, size_t n, uint8_t *memo)
{
    struct wends e;
    wends_init(&e, w, n, memo);
    for (size_t k = n; k >= 3 && n - k <= 7; k--)
        if (wends_ok(&e, n - k, 0)) {
            int32_t v = smap_get(&sc->stems, w, k, -1);
            if (v != -1)
                return v;
        }
    return -1;
}

/* The listed person the word \p w is a form of; -1 none, -2 several. */
static int32_t match_listed(const struct dn_lexicon *lex, const char *w, size_t n, uint8_t *memo)
{
    int32_t v = smap_get(&lex->listed, w, n, -1);
    if (v != -1)
        return v;
    struct wends e;
    wends_init(&e, w, n, memo);
    for (size_t k = n - 1; k >= 3 && n - k <= 7; k--)
        if (wends_ok(&e, n - k, 0) && (v = smap_get(&lex->listed, w, k, -1)) != -1)
            return v;
    return -1;
}

static int listed_pass(const struct dn_lexicon *lex, struct dn_scanner *sc, const char *t)
{
    /* per chain: allowed words seen, other name words seen */
    for (size_t i = 0; i < sc->nt; i++) {
        const struct tok *tk = &sc->toks[i];
        if (tk->flags & T_INIT)
            continue;
        size_t wl;
        const char *w = tok_skel(sc, t, i, &wl);
        if (!w || wl < 3)
            continue;
        int32_t p = match_listed(lex, w, wl, sc->toks[i].em);
        if (p == -1)
            continue;
        int known = p == -2 || (size_t)p < lex->nknown; /* shared: fail closed */
        uint32_t ci = sc->tok_chain[i];
        if (!known) {
            if (ci)
                sc->ch[ci - 1].allowed++;
            continue;
        }
        uint64_t key = p >= 0 ? lex->listed_key[p] : 0;
        if (ci) {
            struct chain *c = &sc->ch[ci - 1];
            c->score = 1.0f;
            c->cues |= DN_CUE_KNOWN;
            c->known = 1;
            if (key)
                c->key = key;
        } else {
            struct chain c = {.t0 = (uint32_t)i,
                              .t1 = (uint32_t)i,
                              .start = tk->start,
                              .end = tk->end,
                              .score = 1.0f,
                              .cues = DN_CUE_KNOWN,
                              .person = -1,
                              .sur = (uint32_t)i,
                              .known = 1,
                              .key = key};
            if (!c.key) {
                const char *sw;
                size_t sl = sur_stem(sc, t, i, &sw);
                c.key = key_of(sw, sl, 0);
            }
            if (add_chain(sc, &c))
                return -1;
            sc->tok_chain[i] = (uint32_t)sc->nch;
        }
    }
    /* drop chains whose every name word is an allowed person's */
    for (size_t k = 0; k < sc->nch; k++) {
        struct chain *c = &sc->ch[k];
        if (!c->allowed || c->known)
            continue;
        uint32_t words = 0;
        for (uint32_t i = c->t0; i <= c->t1 && i < sc->nt; i++)
            if (!(sc->toks[i].flags & T_INIT) && (sc->toks[i].flags & (T_CAP | T_UPPER)))
                words++;
        if (c->allowed >= words)
            c->score = 0;
    }
    return 0;
}

/* Whether the text [s, e) between two names separates items of a list:
 * a comma, "and", "or", "и", "или", "және", "мен", with blanks. */
static int list_gap(const char *t, uint64_t s, uint64_t e)
{
    static const struct lit conj[] = {LIT("and"),  LIT("or"),  LIT("&"),  LIT("и"), LIT("или"),
                                      LIT("және"), LIT("мен"), LIT("va"), LIT("we")};
    if (e <= s || e - s > 16)
        return 0;
    while (s < e && (t[s] == ' ' || t[s] == ','))
        s++;
    while (e > s && t[e - 1] == ' ')
        e--;
    if (s == e)
        return 1;
    for (size_t k = 0; k < sizeof conj / sizeof conj[0]; k++)
        if (conj[k].n == e - s && memcmp(t + s, conj[k].s, e - s) == 0)
            return 1;
    return 0;
}

static int cmp_hit(const void *x, const void *y)
{
    const struct dn_hit *a = x, *b = y;
    return a->start < b->start ? -1 : a->start > b->start ? 1 : 0;
}

int dn_scan(const struct dn_lexicon *lex, struct dn_scanner *sc, const char *text, size_t len,
            const struct dn_hit **hits, size_t *n, struct intake_error *err)
{
    intake_return_val_if_fail(lex && sc && hits && n && (text || !len), INTAKE_EINVAL);
    *hits = NULL;
    *n = 0;
    sc->nh = sc->nch = sc->np = 0;
    smap_clear(&sc->stems);
    smap_clear(&sc->firsts);
    smap_clear(&sc->pkeys);
    smap_clear(&sc->lower);
    sc->lower_built = 0;
    if (len == 0)
        return INTAKE_OK;
    if (len >= UINT32_MAX)
        return INTAKE_ERR(err, INTAKE_EINVAL, "detect_names: text of %zu bytes too large", len);
    sc->text = text;
    if (tokenize(sc, text, len))
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    /* English capitalises institutions, documents and titles as well as
     * names (the Regional Court, the Code of Criminal Procedure): in an
     * English text an unknown capitalised word alone is no name cue */
    sc->english = sc->n_en * 25 >= sc->nt && sc->n_en >= 3;
    sc->kazakh = sc->n_kk * 20 >= sc->nt && sc->n_kk >= 3;
    for (size_t i = 0, r = 0; sc->nranges && i < sc->nt; i++) {
        while (r < sc->nranges && sc->ranges[r].end <= sc->toks[i].start)
            r++;
        if (r < sc->nranges && sc->ranges[r].start <= sc->toks[i].start)
            sc->toks[i].flags |=
                (sc->ranges[r].english ? T_EN : 0) | (sc->ranges[r].kazakh ? T_KK : 0);
    }
    if (grow(&sc->a, (void **)&sc->tok_chain, &sc->ctc, sc->nt + 1, sizeof *sc->tok_chain))
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    memset(sc->tok_chain, 0, sc->nt * sizeof *sc->tok_chain);

    /* 1. chains of capitalised words and initials */
    int cls[DN_CHAIN_MAX + 1];
    char fbs[DN_CHAIN_MAX + 1][DN_SKEL_MAX + 8];
    size_t fbls[DN_CHAIN_MAX + 1];
    for (size_t i = 0; i < sc->nt;) {
        const struct tok *tk = &sc->toks[i];
        if (!(tk->flags & (T_CAP | T_UPPER | T_INIT))) {
            i++;
            continue;
        }
        /* extend over words joined by blanks (or the dot of an initial) */
        size_t j = i;
        while (j + 1 < sc->nt && j + 1 - i < DN_CHAIN_MAX) {
            const struct tok *nx = &sc->toks[j + 1];
            const struct tok *cu = &sc->toks[j];
            int joined = (nx->flags & T_JOIN) || ((cu->flags & T_INIT) && (nx->flags & T_DOTB));
            if (!joined)
                break;
            if (nx->flags & (T_CAP | T_UPPER | T_INIT)) {
                if ((nx->flags & T_UPPER) && !(cu->flags & T_UPPER) && !(cu->flags & T_INIT))
                    break; /* "Иванов УК" */
                j++;
                continue;
            }
            if (nx->flags & T_LINK) { /* "Ludwig van Beethoven", "Anna van der Berg" */
                size_t k = j + 1;
                while (k < sc->nt && k - i < DN_CHAIN_MAX && (sc->toks[k].flags & T_LINK) &&
                       (sc->toks[k].flags & T_JOIN))
                    k++;
                if (k < sc->nt && k - i < DN_CHAIN_MAX && (sc->toks[k].flags & T_JOIN) &&
                    (sc->toks[k].flags & (T_CAP | T_UPPER))) {
                    j = k - 1;
                    continue;
                }
            }
            size_t pl;
            const char *pw = tok_skel(sc, text, j + 1, &pl);
            if (pw && !(cu->flags & T_INIT) && is_particle(pw, pl)) {
                j++;
                continue;
            }
            break;
        }
        /* classify, then cut at stop words, role words and titles */
        for (size_t k = i; k <= j; k++) {
            fbls[k - i] = 0;
            const struct tok *kt = &sc->toks[k];
            if (kt->flags & (T_CAP | T_UPPER | T_INIT))
                cls[k - i] = classify(lex, sc, text, k, fbs[k - i], &fbls[k - i]);
            else if (kt->flags & T_LINK)
                cls[k - i] = C_LINK;
            else
                cls[k - i] = C_PART;
        }
        /* A capitalised stop word right after an initial, or after a title
         * and a first name, is the surname ("Mr G. Antal", "Mr Jonathan
         * Moore": skeletons fold them onto a city and a function word),
         * unless it is a place or institution noun (A. Court, J. Street). */
        for (size_t k = i + 1; k <= j; k++)
            if (cls[k - i] == C_STOP && (sc->toks[k].flags & T_CAP) &&
                (cls[k - 1 - i] == C_INIT ||
                 (cls[k - 1 - i] == C_FIRST && k >= i + 2 &&
                  (cls[k - 2 - i] == C_TITLE || cls[k - 2 - i] == C_ROLE))) &&
                !tok_place(lex, sc, text, k) && !en_function_word(text, &sc->toks[k]))
                cls[k - i] = C_UNK;
        size_t a = i;
        while (a <= j) {
            int c0 = cls[a - i];
            if (c0 == C_STOP || c0 == C_NONE || c0 == C_ROLE || c0 == C_TITLE || c0 == C_PART ||
                c0 == C_LINK) {
                a++;
                continue;
            }
            size_t b = a;
            while (b + 1 <= j) {
                int c1 = cls[b + 1 - i];
                if (c1 == C_STOP || c1 == C_NONE || c1 == C_ROLE || c1 == C_TITLE)
                    break;
                if (c1 == C_UNK && (sc->toks[b + 1].flags & T_NL))
                    break; /* "Saule Abenova\nDate of birth" */
                if (c1 == C_UNK && cls[b - i] == C_INIT && cls[a - i] != C_INIT &&
                    !(b == a + 1 && cls[a - i] == C_FIRST))
                    break; /* (a middle initial does not: John F. Kennedy) */ /* "Гайдамака Р. П.
                                                                                 Моя мать": initials
                                                                                 closed the name */
                b++;
            }
            while (b > a && cls[b - i] == C_LINK)
                b--;
            /* A capitalised word that only starts the sentence ("Позже
             * Руслан", "Later Smith") is no part of the name, unless two
             * more name words follow (Гайдамак Руслан Петрович). */
            if (a < b && cls[a - i] == C_UNK && (sc->toks[a].flags & T_SSTART)) {
                int more = 0, inits = 0, morph = 0;
                for (size_t k = a + 1; k <= b; k++) {
                    int ck = cls[k - i];
                    more += ck == C_FIRST || ck == C_SURNAME || ck == C_PATRO || ck == C_SURWEAK;
                    morph += ck == C_SURNAME || ck == C_PATRO;
                    inits += ck == C_INIT;
                }
                /* ...or a surname or patronymic by its ending follows: the
                 * unknown word is then more likely a given name (Мустафа
                 * Джемилев) than an adverb; over-redacting it costs less */
                if (more + (inits ? 1 : 0) < 2 && !morph)
                    a++;
            }
            /* a title or role word, even one that is also a stop word
             * (President, Judge, Deputy) */
            int role_before =
                a > i && (cls[a - 1 - i] == C_TITLE || cls[a - 1 - i] == C_ROLE ||
                          (cls[a - 1 - i] == C_STOP && tok_role(lex, sc, text, a - 1)));
            /* a party of a case (Smith v. Jones, CASE OF SMITH v. RUSSIA) or a
             * judge or counsel with a post-nominal (Smith J, Jones LJ, Brown QC) */
            int party = 0;
            size_t post = 0;
            if (b + 1 < sc->nt) {
                const struct tok *nx = &sc->toks[b + 1];
                size_t nl = nx->end - nx->start;
                const char *nw = text + nx->start;
                if ((nx->flags & T_SOFT) && nl == 1 && nw[0] == 'v' &&
                    (nx->end >= len || text[nx->end] == '.' || text[nx->end] == ' '))
                    party = 1;
                else if ((nx->flags & T_JOIN) && !(nx->flags & T_SSTART) &&
                         ((nl == 1 && nw[0] == 'J') ||
                          (nl == 2 && (memcmp(nw, "LJ", 2) == 0 || memcmp(nw, "CJ", 2) == 0 ||
                                       memcmp(nw, "QC", 2) == 0 || memcmp(nw, "KC", 2) == 0))) &&
                         (nx->end >= len || !is_letter((unsigned char)text[nx->end])))
                    post = b + 1;
            }
            if (!party && a > 0 && a == i) {
                const struct tok *pv = &sc->toks[a - 1];
                if (pv->end - pv->start == 1 && text[pv->start] == 'v' &&
                    ((sc->toks[a].flags & T_DOTB) || (sc->toks[a].flags & T_JOIN)))
                    party = 1;
            }
            /* Unknown words cut off by a stop word are part of an
             * institution's name (Specialised Inter-District Criminal Court). */
            int near_stop = (a > i && cls[a - 1 - i] == C_STOP && !role_before &&
                             !tok_geo(lex, sc, text, a - 1)) ||
                            (b < j && cls[b + 1 - i] == C_STOP && !tok_geo(lex, sc, text, b + 1));
            if (near_stop && !party && !post && !role_before) {
                int cue = 0;
                for (size_t k = a; k <= b; k++)
                    cue += cls[k - i] != C_UNK && cls[k - i] != C_PART;
                if (!cue) {
                    a = b + 1;
                    continue;
                }
            }
            int role = 0, place = 0;
            if (role_before) {
                role = 1;
            } else if (a == i && a > 0) {
                const struct tok *cur = &sc->toks[a];
                if ((cur->flags & T_SOFT) && !(cur->flags & T_SSTART) &&
                    tok_role(lex, sc, text, a - 1))
                    role = 1;
                else if ((cur->flags & T_DOTB) &&
                         sc->toks[a - 1].end - sc->toks[a - 1].start <= 4 &&
                         tok_role(lex, sc, text, a - 1))
                    role = 1; /* "гр. Иванов"; not "...работодатель. Перед" */
                /* "г. Подольск", "Шымкент қ.", "улица Абая"; a bare one-letter
                 * word is a preposition (с Харитоновым), not "с." for село */
                const struct tok *pv = &sc->toks[a - 1];
                if (!role &&
                    ((cur->flags & T_DOTB) || ((cur->flags & T_JOIN) && pv->end - pv->start > 3)) &&
                    !(pv->flags & T_CAP) && tok_place(lex, sc, text, a - 1))
                    place = 1;
            }
            /* Turkic words after a name that announce a person: "X есімді"
             * (named X), "X мырза", "X ханым", "X ата", "X апамыз" */
            if (!role && b + 1 < sc->nt && (sc->toks[b + 1].flags & T_JOIN) &&
                !(sc->toks[b + 1].flags & (T_CAP | T_UPPER | T_INIT)) && post_role(sc, text, b + 1))
                role = 1;
            /* "Подольский городской суд", "Abay Avenue", "Altyn Kadr LLP" */
            int street = 0;
            int genitive = kk_genitive(sc, text, b);
            for (size_t k = b + 1; k < sc->nt && k <= b + 2 && (sc->toks[k].flags & T_JOIN); k++)
                if ((tok_place(lex, sc, text, k) &&
                     (k == b + 1 || tok_place(lex, sc, text, b + 1) ||
                      (sc->toks[b + 1].flags & (T_CAP | T_UPPER))) &&
                     (!turkic_word(sc, text, k) || kk_possessive(sc, text, k) ||
                      (k + 1 < sc->nt && (sc->toks[k + 1].flags & T_DOTB)))) ||
                    (!genitive && !(k > b + 1 && kk_genitive(sc, text, k - 1)) &&
                     tok_head(lex, sc, text, k))) {
                    /* also "Қабанбай батыр көшесі" */
                    place = 1;
                    /* a street or district noun right after: the name is the
                     * street's (Amir Temur ko'chasi, Abay Avenue) */
                    street = k == b + 1 && sc->toks[k].end - sc->toks[k].start >= 5 && !role &&
                             (unsigned char)text[sc->toks[k].start] < 0x80; /* Latin: Cyrillic
                             stems such as қала- also start verbs (қалады) */
                    size_t kl;
                    const char *kw = tok_skel(sc, text, k, &kl);
                    if (kw && kl >= 5 && memcmp(kw, "batir", 5) == 0)
                        street = 0; /* Қабанбай батыр is a person as well as a street */
                    break;
                }
            /* Words with no name cue that the language writes in lower
             * case (Appeal, Union, Союз, Совета) are headings,
             * institutions and sentence words, not names. */
            int common = !role && !party && !post && lex->common.n, adjs = 0;
            for (size_t k = a; common && k <= b; k++) {
                common = cls[k - i] == C_UNK && tok_common(lex, sc, text, k);
                adjs += common && ru_adjective(sc, text, k);
            }
            /* several words: only with a Russian adjective among them
             * (Православная Церковь, Советского Союза); two common nouns
             * can be a foreign name (a herald and a campsite) */
            if (a < b && !adjs)
                common = 0;
            /* "компании Xxx", "телеканала «Xxx»": one word with no name cue
             * at all right after a lower-case head noun is that organisation
             * (not two: "клуба X Фрэнк Y" goes on with a person) */
            if (!role && !party && !post && a == i && a == b && a > 0 &&
                ((sc->toks[a].flags & T_JOIN) || (sc->toks[a].flags & T_QUOTE)) &&
                !(sc->toks[a - 1].flags & (T_CAP | T_UPPER)) && tok_head(lex, sc, text, a - 1)) {
                int cue = 0;
                for (size_t k = a; k <= b; k++)
                    cue += cls[k - i] != C_UNK && cls[k - i] != C_PART && cls[k - i] != C_LINK;
                if (!cue)
                    common = 1;
            }
            struct chain c = {
                .t0 = (uint32_t)a, .t1 = (uint32_t)b, .person = -1, .sur = UINT32_MAX};
            c.score =
                street || common ? 0.0f : score_run(sc, cls + (a - i), a, b, role, place, &c.cues);
            /* «Xxx yyy»: one capitalised word with no sure cue opening a
             * quote and followed by lower-case words is the title of a work,
             * a newspaper or a programme (Russian and Kazakh capitalise only
             * the first word of a title) */
            if (a == b && c.score > 0 && !role && (sc->toks[a].flags & T_QUOTE) &&
                (cls[a - i] == C_UNK || cls[a - i] == C_SURWEAK) && b + 1 < sc->nt &&
                (sc->toks[b + 1].flags & T_JOIN) &&
                !(sc->toks[b + 1].flags & (T_CAP | T_UPPER | T_INIT | T_LINK)))
                c.score = 0;
            if (a == b && c.score > 0 && c.score <= 0.65f && !role && seen_lower(sc, text, a))
                c.score = 0; /* stays a candidate for propagation */
            if ((party || post) && !place && c.score < 0.85f) {
                c.score = 0.85f;
                c.cues |= DN_CUE_ROLE;
            }
            /* a run of several words that scored nothing stays a candidate:
             * propagation marks all of it when one word is a known person's
             * name (Resul Sadak after Sadak) */
            if (c.score > 0 || (!place && a < b)) {
                c.start = sc->toks[a].start; /* "Mr" itself identifies no one */
                /* ...but "Justice" in "Lord Justice X", "Mr Justice X" is
                 * part of the judge's name */
                if (a >= i + 2 &&
                    (cls[a - 1 - i] == C_TITLE || cls[a - 1 - i] == C_ROLE ||
                     (cls[a - 1 - i] == C_STOP && tok_role(lex, sc, text, a - 1))) &&
                    cls[a - 2 - i] == C_TITLE && (sc->toks[a - 1].flags & T_CAP) &&
                    (sc->toks[a - 1].flags & T_JOIN))
                    c.start = sc->toks[a - 1].start;
                c.end = sc->toks[post ? post : b].end;
                if ((sc->toks[b].flags & T_INIT) && c.end < len && text[c.end] == '.')
                    c.end++;
                const char *fb = "";
                size_t fbl = 0;
                for (size_t k = a; k <= b; k++)
                    if (cls[k - i] == C_FIRST && fbls[k - i]) {
                        fb = fbs[k - i];
                        fbl = fbls[k - i];
                        break;
                    }
                chain_identity(sc, text, &c, cls + (a - i), fb, fbl);
                if (add_chain(sc, &c))
                    return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
                for (size_t k = a; k <= b; k++)
                    sc->tok_chain[k] = (uint32_t)sc->nch;
            }
            a = b + 1;
        }
        i = j + 1;
    }

    /* 1b. enumerations: a weak candidate listed next to a sure name
     * ("Judges A, B, C and D", "their children, A, B and C") is a name */
    for (int pass = 0; pass < 2; pass++)
        for (size_t q = 0; q < sc->nch; q++) {
            size_t k = pass ? sc->nch - 1 - q : q;
            struct chain *c = &sc->ch[k];
            if (c->score <= 0 || c->score >= 0.5f)
                continue;
            for (int side = 0; side < 2; side++) {
                if ((side == 0 && k == 0) || (side == 1 && k + 1 >= sc->nch))
                    continue;
                const struct chain *o = &sc->ch[side ? k + 1 : k - 1];
                if (o->score < 0.5f ||
                    !(o->enumerated || (o->cues & (DN_CUE_FIRST | DN_CUE_SURNAME | DN_CUE_PATRO |
                                                   DN_CUE_INITIAL | DN_CUE_ROLE))))
                    continue;
                if (list_gap(text, side ? c->end : o->end, side ? o->start : c->start)) {
                    c->score = 0.6f;
                    c->enumerated = 1;
                    break;
                }
            }
        }

    /* 2. persons from the confident chains: full names first, then bare
     * surnames (which join the one full name of that surname) */
    for (int bare = 0; lex->propagate && bare < 2; bare++)
        for (size_t k = 0; k < sc->nch; k++)
            if (sc->ch[k].score >= 0.85f && register_person(sc, text, &sc->ch[k], bare) == -2)
                return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    for (size_t k = 0; k < sc->nch; k++) {
        struct chain *c = &sc->ch[k];
        if (!c->key) {
            const char *sw;
            size_t sl = sur_stem(sc, text, c->sur != UINT32_MAX ? c->sur : c->t0, &sw);
            c->key = sl ? key_of(sw, sl, c->initial) : 0;
        }
    }

    /* 3. propagation: other mentions of the confident persons */
    if (lex->propagate && sc->np) {
        for (size_t i = 0; i < sc->nt; i++) {
            const struct tok *tk = &sc->toks[i];
            if (!(tk->flags & (T_CAP | T_UPPER)))
                continue;
            uint32_t ci = sc->tok_chain[i];
            if (ci && sc->ch[ci - 1].score >= 0.85f && sc->ch[ci - 1].person >= 0)
                continue;
            size_t wl;
            const char *w = tok_skel(sc, text, i, &wl);
            if (!w || wl < 3)
                continue;
            int32_t p = match_stem(sc, w, wl, sc->toks[i].em);
            float sc_new = 0.9f;
            if (p == -1) {
                char fb[DN_SKEL_MAX + 8];
                size_t fbl;
                if (first_name(lex, w, wl, sc->toks[i].em, kk_tail(text, tk), fb, &fbl))
                    p = smap_get(&sc->firsts, fb, fbl, -1);
                if (p == -1) /* a word of a confident full name, in no list */
                    p = smap_get(&sc->firsts, w, wl, -1);
                sc_new = 0.85f;
            }
            if (p == -1)
                continue;
            if (p == -2) { /* several persons share it: a name all the same */
                sc_new = 0.85f;
            }
            if (ci) {
                struct chain *c = &sc->ch[ci - 1];
                if (c->score < sc_new)
                    c->score = sc_new;
                c->cues |= DN_CUE_PROP;
                if (p >= 0)
                    c->key = sc->pp[p].key;
            } else {
                struct chain c = {.t0 = (uint32_t)i,
                                  .t1 = (uint32_t)i,
                                  .start = tk->start,
                                  .end = tk->end,
                                  .score = sc_new,
                                  .cues = DN_CUE_PROP,
                                  .person = p >= 0 ? p : -1,
                                  .sur = (uint32_t)i};
                if (p >= 0)
                    c.key = sc->pp[p].key;
                else {
                    const char *sw;
                    size_t sl = sur_stem(sc, text, i, &sw);
                    c.key = key_of(sw, sl, 0);
                }
                if (add_chain(sc, &c))
                    return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
                sc->tok_chain[i] = (uint32_t)sc->nch;
            }
        }
    }

    /* 4. keys of surname-only chains: the one person with that surname */
    for (size_t k = 0; k < sc->nch; k++) {
        struct chain *c = &sc->ch[k];
        if (c->person >= 0 || !lex->propagate)
            continue;
        size_t wl;
        const char *w = tok_skel(sc, text, c->t0, &wl);
        if (w && c->t0 == c->t1) {
            int32_t p = match_stem(sc, w, wl, sc->toks[c->t0].em);
            if (p >= 0)
                c->key = sc->pp[p].key;
        }
    }

    /* 4b. listed names: a known name is a person whatever the score, in
     * every inflection, script and letter case; a chain made only of an
     * allowed person's words (and initials) is left as it is */
    if (lex->nlisted && listed_pass(lex, sc, text))
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");

    /* 5. hits */
    for (size_t k = 0; k < sc->nch; k++) {
        const struct chain *c = &sc->ch[k];
        if (c->score < lex->min_score || c->score <= 0)
            continue;
        if (grow(&sc->a, (void **)&sc->hits, &sc->chh, sc->nh + 1, sizeof *sc->hits))
            return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
        struct dn_hit *h = &sc->hits[sc->nh++];
        h->start = c->start;
        h->end = c->end;
        h->score = c->score;
        h->cues = c->cues;
        h->key = c->key ? c->key : key_of("", 0, 0);
    }
    if (sc->nh > 1) /* qsort(NULL, 0) is undefined */
        qsort(sc->hits, sc->nh, sizeof *sc->hits, cmp_hit);
    *hits = sc->hits;
    *n = sc->nh;
    return INTAKE_OK;
}
