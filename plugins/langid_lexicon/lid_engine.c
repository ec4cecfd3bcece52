/*
 * lid_engine: see lid_engine.h for the method.
 *
 * Speed: one table lookup per code point below U+0530 (Latin, IPA, Greek,
 * Cyrillic), ICU only for rarer code points; per word one hash probe for
 * the word and three for its endings; letters are counted per unit and
 * weighed once per distinct letter when the unit closes.
 */
#include "lid_engine.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#define NCP     0x530 /* code points with table entries: Latin, IPA, Greek, Cyrillic */
#define TOK_MAX 48    /* letters kept per word; longer words are scored on letters only */
#define BUF_MAX 160

/* Weights of the evidence. Set by reasoning about orders of magnitude
 * (a function word outweighs a letter; a foreign letter costs more than a
 * shared one earns), not fitted to any evaluation set. */
#define W_WORD      2.0f /* a listed word */
#define W_SUF       0.6f /* a listed ending (per length that matches) */
#define PEN_ALPHA   2.0f /* a letter outside the profile's alphabet */
#define CAP_SCALE   0.3f /* letters of capitalised words: likely names, often foreign */
#define PEN_SCRIPT  1.0f /* per letter of another script, at most 3 per word */
#define UND_COST    0.2f /* per letter, the cost of calling a unit "und" in the Viterbi */
#define P_SCRIPT    3.0f /* switch penalty at a script change inside a line */
#define P_LINE      6.0f /* ... at a line break inside a paragraph (wrapped text) */
#define P_PARA      3.0f /* ... at a blank line or page break */
#define MARGIN      3.0f /* abstain below this margin between the two best */
#define MIN_TOKENS  3    /* abstain on fewer words */
#define MIN_LETTERS 8

enum { C_SEP = 0, C_LATN = 1, C_CYRL = 2, C_APOS = 3, C_DIGIT = 4, C_MARK = 5, C_OTHER = 6 };
enum { S_NONE = 0, S_LATN = 1, S_CYRL = 2, S_OTHER = 3 };
enum { B_SCRIPT = 0, B_LINE = 1, B_PARA = 2 };
#define UZ_APOS 0x27 /* histogram slot of an apostrophe after o or g (Uzbek oʻ gʻ) */

struct lid_profile {
    char tag[16];
    char name[32]; /* file name without .lang, for errors */
    int script;    /* S_LATN or S_CYRL */
    float expect_rate, expect_w;
};

struct hslot {
    uint64_t h;
    uint32_t off, len;
    uint32_t mask; /* profiles listing the key */
    uint32_t used;
};

#define BLOOM_BITS 16 /* a 8 KiB bit set: most misses never touch the slots */

struct htab {
    uint64_t bloom[(1u << BLOOM_BITS) / 64];
    struct hslot *slots;
    size_t cap; /* power of two */
    size_t n;
};

struct lid_model {
    struct lid_alloc a;
    size_t nlang;
    struct lid_profile prof[LID_MAX_LANG];
    uint16_t lower[NCP];
    uint8_t cls[NCP];
    float lw[NCP][LID_MAX_LANG]; /* per letter occurrence */
    float dw[NCP][LID_MAX_LANG]; /* per doubled letter */
    uint32_t expmask[NCP];       /* profiles whose expected set holds the letter */
    uint32_t alien[NCP];         /* profiles of the letter's script that never write it */
    uint8_t in_alpha[LID_MAX_LANG][NCP];
    struct htab words, sufs;
    char *keys; /* arena of normalised keys */
    size_t keys_len, keys_cap;
};

struct unit {
    uint64_t start, end;
    uint32_t boundary; /* B_*: what precedes the unit */
    uint32_t script;
    uint32_t tokens, letters;
    int32_t other_code; /* UScriptCode of the first letter of another script, or -1 */
    uint32_t alien;     /* profiles that cannot have written a lower-case letter of the unit */
    uint32_t cut;       /* a block must start here (see lid_analyse) */
};

struct lid_scratch {
    const struct lid_alloc *a;
    size_t nlang;
    struct unit *units;
    float *score; /* units x (nlang + 1): per-unit label scores (last = und) */
    float *obs;   /* units x nlang: letters of the expected set */
    uint8_t *bp;  /* units x (nlang + 1): Viterbi back-pointers */
    size_t nunits, ucap;
    struct lid_segment *segs;
    size_t nsegs, scap;
    /* unit being built */
    uint32_t hist[NCP], hcap[NCP];
    uint16_t seen[NCP];
    size_t nseen;
    float cur[LID_MAX_LANG];
};

/* ---- small helpers ---- */

/* Hash of a short key, eight bytes at a time (keys are words: the
 * byte-at-a-time FNV was a quarter of the running time). */
static inline uint64_t fnv(const unsigned char *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    while (n >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        h = (h ^ x) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t x = 0;
        for (size_t i = 0; i < n; i++)
            x |= (uint64_t)p[i] << (8 * i);
        h = (h ^ x) * 0xC4CEB9FE1A85EC53ull;
    }
    h ^= h >> 29;
    return h | 1;
}

static size_t put_utf8(unsigned char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | (c >> 6));
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (c >> 12));
        o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (c >> 18));
    o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* Decode one code point at p[*i] (advancing *i); invalid bytes give U+FFFD. */
static uint32_t get_utf8(const unsigned char *p, size_t n, size_t *i)
{
    unsigned char b = p[*i];
    if (b < 0x80) {
        (*i)++;
        return b;
    }
    size_t need;
    uint32_t c;
    if ((b & 0xE0) == 0xC0) {
        need = 1;
        c = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
        need = 2;
        c = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
        need = 3;
        c = b & 0x07;
    } else {
        (*i)++;
        return 0xFFFD;
    }
    if (*i + need >= n) { /* truncated sequence at the end */
        *i = n;
        return 0xFFFD;
    }
    for (size_t k = 1; k <= need; k++) {
        unsigned char t = p[*i + k];
        if ((t & 0xC0) != 0x80) {
            *i += k;
            return 0xFFFD;
        }
        c = (c << 6) | (t & 0x3F);
    }
    *i += need + 1;
    return c;
}

/* Class of a code point at or above NCP (ICU; rare in our texts). */
static int cls_high(uint32_t c, int32_t *code)
{
    if (c == 0x2018 || c == 0x2019 || c == 0x02BB || c == 0x02BC)
        return C_APOS;
    if (c >= 0x2000 && c <= 0x206F)
        return C_SEP;
    if (u_isalpha((UChar32)c)) {
        UErrorCode ec = U_ZERO_ERROR;
        *code = (int32_t)uscript_getScript((UChar32)c, &ec);
        if (U_FAILURE(ec))
            *code = USCRIPT_UNKNOWN;
        if (*code == USCRIPT_LATIN)
            return C_LATN;
        if (*code == USCRIPT_CYRILLIC)
            return C_CYRL;
        return C_OTHER;
    }
    if (u_isdigit((UChar32)c))
        return C_DIGIT;
    if (u_getCombiningClass((UChar32)c) != 0 || u_charType((UChar32)c) == U_NON_SPACING_MARK)
        return C_MARK;
    return C_SEP;
}

/* ---- model: tables and hash ---- */

static int htab_grow(struct lid_model *m, struct htab *t)
{
    size_t ncap = t->cap ? t->cap * 2 : 4096;
    struct hslot *ns = m->a.alloc(ncap * sizeof *ns);
    if (!ns)
        return -1;
    memset(ns, 0, ncap * sizeof *ns);
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].used)
            continue;
        size_t j = t->slots[i].h & (ncap - 1);
        while (ns[j].used)
            j = (j + 1) & (ncap - 1);
        ns[j] = t->slots[i];
    }
    if (t->slots)
        m->a.free(t->slots);
    t->slots = ns;
    t->cap = ncap;
    return 0;
}

static uint32_t htab_get(const struct lid_model *m, const struct htab *t, const unsigned char *k,
                         size_t n)
{
    if (!t->cap)
        return 0;
    uint64_t h = fnv(k, n);
    uint32_t bb = (uint32_t)(h >> (64 - BLOOM_BITS));
    if (!(t->bloom[bb >> 6] & (1ull << (bb & 63))))
        return 0;
    for (size_t j = h & (t->cap - 1);; j = (j + 1) & (t->cap - 1)) {
        const struct hslot *s = &t->slots[j];
        if (!s->used)
            return 0;
        if (s->h == h && s->len == n && memcmp(m->keys + s->off, k, n) == 0)
            return s->mask;
    }
}

static int htab_add(struct lid_model *m, struct htab *t, const unsigned char *k, size_t n,
                    uint32_t mask)
{
    if ((t->n + 1) * 2 > t->cap && htab_grow(m, t))
        return -1;
    uint64_t h = fnv(k, n);
    size_t j = h & (t->cap - 1);
    for (;; j = (j + 1) & (t->cap - 1)) {
        struct hslot *s = &t->slots[j];
        if (!s->used)
            break;
        if (s->h == h && s->len == n && memcmp(m->keys + s->off, k, n) == 0) {
            s->mask |= mask;
            return 0;
        }
    }
    if (m->keys_len + n > m->keys_cap) {
        size_t ncap = m->keys_cap ? m->keys_cap * 2 : 65536;
        while (ncap < m->keys_len + n)
            ncap *= 2;
        char *nk = m->a.alloc(ncap);
        if (!nk)
            return -1;
        if (m->keys) {
            memcpy(nk, m->keys, m->keys_len);
            m->a.free(m->keys);
        }
        m->keys = nk;
        m->keys_cap = ncap;
    }
    memcpy(m->keys + m->keys_len, k, n);
    uint32_t bb = (uint32_t)(h >> (64 - BLOOM_BITS));
    t->bloom[bb >> 6] |= 1ull << (bb & 63);
    t->slots[j] = (struct hslot){h, (uint32_t)m->keys_len, (uint32_t)n, mask, 1};
    m->keys_len += n;
    t->n++;
    return 0;
}

/* Code-point tables from ICU: class and lower case of everything below NCP. */
static void build_tables(struct lid_model *m)
{
    for (uint32_t c = 0; c < NCP; c++) {
        int32_t code = -1;
        int k = C_SEP;
        if (c == '\'' || c == '`' || c == 0x02BB || c == 0x02BC || c == 0x02B9)
            k = C_APOS;
        else if (c >= '0' && c <= '9')
            k = C_DIGIT;
        else if (c >= 0x300 && c <= 0x36F)
            k = C_MARK;
        else if (c >= 0x80 || (c | 0x20) - 'a' < 26)
            k = c < 0x80 || u_isalpha((UChar32)c) ? cls_high(c, &code) : C_SEP;
        if (c < 0x80 && (c | 0x20) - 'a' < 26)
            k = C_LATN;
        if (k == C_LATN || k == C_CYRL) {
            uint32_t l = (uint32_t)u_tolower((UChar32)c);
            if (c == 0x130) /* İ: Turkish capital dotted i */
                l = 'i';
            m->lower[c] = l < NCP ? (uint16_t)l : (uint16_t)c;
        } else {
            m->lower[c] = (uint16_t)c;
        }
        m->cls[c] = (uint8_t)k;
    }
}

/*
** Normalise one word as the runtime tokenizer does (lower case, every
** apostrophe as '), into o (BUF_MAX). Returns its length, 0 when the word
** holds anything but letters and inner apostrophes.
*/
static size_t norm_word(const struct lid_model *m, const char *w, size_t n, unsigned char *o)
{
    size_t i = 0, k = 0;
    while (i < n) {
        uint32_t c = get_utf8((const unsigned char *)w, n, &i);
        int32_t code = -1;
        int cl = c < NCP ? m->cls[c] : cls_high(c, &code);
        if (cl == C_APOS) {
            if (k + 1 >= BUF_MAX)
                return 0;
            o[k++] = '\'';
            continue;
        }
        if (cl != C_LATN && cl != C_CYRL)
            return 0;
        uint32_t l = c < NCP ? m->lower[c] : c;
        if (k + 4 >= BUF_MAX)
            return 0;
        k += put_utf8(o + k, l);
    }
    return k;
}

static int letter_of(const struct lid_model *m, const char *s, size_t n, size_t *i, uint32_t *out)
{
    uint32_t c = get_utf8((const unsigned char *)s, n, i);
    if (c == '\'' || c == 0x02BB || c == 0x2018 || c == 0x2019 || c == 0x02BC) {
        *out = UZ_APOS;
        return 1;
    }
    if (c >= NCP || (m->cls[c] != C_LATN && m->cls[c] != C_CYRL))
        return 0;
    *out = m->lower[c];
    return 1;
}

/* Parse one .lang file into profile li. */
static int load_profile(struct lid_model *m, const char *path, size_t li, struct intake_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return INTAKE_ERR(err, INTAKE_ECONFIG, "langid: cannot open %s: %s", path, strerror(errno));
    struct lid_profile *p = &m->prof[li];
    char line[4096];
    int mode = 0, lineno = 0, rc = INTAKE_OK;
    uint32_t bit = 1u << li;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *h = strchr(line, '#');
        if (h)
            *h = '\0';
        char *save = NULL;
        char *tok = strtok_r(line, " \t\r\n", &save);
        if (!tok)
            continue;
        if (strcmp(tok, "words") == 0) {
            mode = 1;
            continue;
        }
        if (strcmp(tok, "suffixes") == 0) {
            mode = 2;
            continue;
        }
        if (mode == 0) {
            char *a1 = strtok_r(NULL, " \t\r\n", &save);
            if (strcmp(tok, "lang") == 0 && a1 && strlen(a1) < sizeof p->tag) {
                strcpy(p->tag, a1);
            } else if (strcmp(tok, "script") == 0 && a1) {
                p->script = strcmp(a1, "Latn") == 0 ? S_LATN : strcmp(a1, "Cyrl") == 0 ? S_CYRL : 0;
                if (!p->script)
                    goto bad;
            } else if (strcmp(tok, "alphabet") == 0) {
                for (char *s = a1; s; s = strtok_r(NULL, " \t\r\n", &save))
                    for (size_t i = 0, n = strlen(s); i < n;) {
                        uint32_t c;
                        if (!letter_of(m, s, n, &i, &c))
                            goto bad;
                        m->in_alpha[li][c] = 1;
                    }
            } else if (strcmp(tok, "mark") == 0 || strcmp(tok, "double") == 0) {
                int dbl = tok[0] == 'd';
                for (char *s = a1; s; s = strtok_r(NULL, " \t\r\n", &save)) {
                    char *wv = strtok_r(NULL, " \t\r\n", &save);
                    size_t i = 0, n = strlen(s);
                    uint32_t c;
                    if (!wv || !letter_of(m, s, n, &i, &c) || i != n)
                        goto bad;
                    if (dbl)
                        m->dw[c][li] = (float)atof(wv);
                    else
                        m->lw[c][li] = (float)atof(wv);
                }
            } else if (strcmp(tok, "expect") == 0) {
                char *rate = strtok_r(NULL, " \t\r\n", &save);
                char *w = strtok_r(NULL, " \t\r\n", &save);
                if (!a1 || !rate || !w)
                    goto bad;
                for (size_t i = 0, n = strlen(a1); i < n;) {
                    uint32_t c;
                    if (!letter_of(m, a1, n, &i, &c))
                        goto bad;
                    m->expmask[c] |= bit;
                }
                p->expect_rate = (float)atof(rate);
                p->expect_w = (float)atof(w);
            } else {
                goto bad;
            }
            continue;
        }
        for (; tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
            unsigned char key[BUF_MAX];
            size_t k = norm_word(m, tok, strlen(tok), key);
            if (!k)
                goto bad;
            if (htab_add(m, mode == 1 ? &m->words : &m->sufs, key, k, bit)) {
                rc = INTAKE_ERR(err, INTAKE_ENOMEM, "langid: out of memory");
                goto out;
            }
        }
    }
    if (!p->tag[0] || !p->script) {
        rc = INTAKE_ERR(err, INTAKE_ECONFIG, "langid: %s: needs 'lang' and 'script'", path);
        goto out;
    }
    goto out;
bad:
    rc = INTAKE_ERR(err, INTAKE_ECONFIG, "langid: %s:%d: cannot parse the line", path, lineno);
out:
    fclose(f);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int lid_model_create(const char *dir, const struct lid_alloc *a, struct lid_model **out,
                     struct intake_error *err)
{
    intake_return_val_if_fail(dir && a && out, INTAKE_EINVAL);
    struct lid_model *m = a->alloc(sizeof *m);
    if (!m)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "langid: out of memory");
    memset(m, 0, sizeof *m);
    m->a = *a;
    build_tables(m);

    DIR *d = opendir(dir);
    if (!d) {
        a->free(m);
        return INTAKE_ERR(err, INTAKE_ECONFIG, "langid: cannot open the data folder: %s",
                          strerror(errno));
    }
    char *names[LID_MAX_LANG + 1];
    size_t nn = 0;
    int rc = INTAKE_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".lang") != 0)
            continue;
        if (nn == LID_MAX_LANG) {
            rc = INTAKE_ERR(err, INTAKE_ECONFIG, "langid: more than %d profiles", LID_MAX_LANG);
            break;
        }
        names[nn] = a->alloc(l + 1);
        if (!names[nn]) {
            rc = INTAKE_ERR(err, INTAKE_ENOMEM, "langid: out of memory");
            break;
        }
        memcpy(names[nn++], de->d_name, l + 1);
    }
    closedir(d);
    if (rc == INTAKE_OK && nn == 0)
        rc = INTAKE_ERR(err, INTAKE_ECONFIG, "langid: no *.lang profile in the data folder");
    if (nn)
        qsort(names, nn, sizeof *names, cmp_str);
    for (size_t i = 0; i < nn && rc == INTAKE_OK; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(m->prof[i].name, sizeof m->prof[i].name, "%.*s", (int)(strlen(names[i]) - 5),
                 names[i]);
        rc = load_profile(m, path, i, err);
        m->nlang = i + 1;
    }
    for (size_t i = 0; i < nn; i++)
        a->free(names[i]);
    if (rc != INTAKE_OK) {
        lid_model_destroy(m);
        return rc;
    }
    /* Letter weights: a mark's weight, or the cost of a letter outside the
     * alphabet; letters of the other script cost at unit level instead. */
    for (uint32_t c = 0; c < NCP; c++) {
        int cs = c == UZ_APOS          ? S_LATN
                 : m->cls[c] == C_LATN ? S_LATN
                 : m->cls[c] == C_CYRL ? S_CYRL
                                       : 0;
        if (!cs)
            continue;
        for (size_t l = 0; l < m->nlang; l++) {
            if (m->prof[l].script != cs)
                continue;
            if (!m->in_alpha[l][c] && m->lw[c][l] <= 0.0f) {
                m->lw[c][l] -= PEN_ALPHA;
                if (c != UZ_APOS)
                    m->alien[c] |= 1u << l;
            }
        }
    }
    *out = m;
    return INTAKE_OK;
}

void lid_model_destroy(struct lid_model *m)
{
    if (!m)
        return;
    if (m->words.slots)
        m->a.free(m->words.slots);
    if (m->sufs.slots)
        m->a.free(m->sufs.slots);
    if (m->keys)
        m->a.free(m->keys);
    m->a.free(m);
}

size_t lid_model_nlang(const struct lid_model *m)
{
    return m ? m->nlang : 0;
}

const char *lid_model_lang(const struct lid_model *m, size_t i)
{
    return m && i < m->nlang ? m->prof[i].tag : "und";
}

/* ---- scratch ---- */

int lid_scratch_create(const struct lid_model *m, struct lid_scratch **out,
                       struct intake_error *err)
{
    intake_return_val_if_fail(m && out, INTAKE_EINVAL);
    struct lid_scratch *s = m->a.alloc(sizeof *s);
    if (!s)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "langid: out of memory");
    memset(s, 0, sizeof *s);
    s->a = &m->a;
    s->nlang = m->nlang;
    *out = s;
    return INTAKE_OK;
}

void lid_scratch_destroy(struct lid_scratch *s)
{
    if (!s)
        return;
    const struct lid_alloc *a = s->a;
    if (s->units)
        a->free(s->units);
    if (s->score)
        a->free(s->score);
    if (s->obs)
        a->free(s->obs);
    if (s->bp)
        a->free(s->bp);
    if (s->segs)
        a->free(s->segs);
    a->free(s);
}

static void *grow_copy(const struct lid_alloc *a, void *old, size_t oldsz, size_t newsz)
{
    void *p = a->alloc(newsz);
    if (!p)
        return NULL;
    if (old) {
        memcpy(p, old, oldsz);
        a->free(old);
    }
    return p;
}

static int reserve_units(struct lid_scratch *s, size_t want)
{
    if (want <= s->ucap)
        return 0;
    size_t ncap = s->ucap ? s->ucap * 2 : 256;
    while (ncap < want)
        ncap *= 2;
    size_t L = s->nlang;
    void *u = grow_copy(s->a, s->units, s->nunits * sizeof *s->units, ncap * sizeof *s->units);
    if (!u)
        return -1;
    s->units = u;
    void *sc = grow_copy(s->a, s->score, s->nunits * (L + 1) * sizeof(float),
                         ncap * (L + 1) * sizeof(float));
    if (!sc)
        return -1;
    s->score = sc;
    void *ob = grow_copy(s->a, s->obs, s->nunits * L * sizeof(float), ncap * L * sizeof(float));
    if (!ob)
        return -1;
    s->obs = ob;
    if (s->bp)
        s->a->free(s->bp);
    s->bp = s->a->alloc(ncap * (L + 1));
    if (!s->bp)
        return -1;
    s->ucap = ncap;
    return 0;
}

/* ---- scanning ---- */

struct tok {
    uint64_t start, end;
    unsigned char buf[BUF_MAX];
    size_t blen;
    uint32_t cpend[TOK_MAX + 1]; /* byte length of buf after each letter */
    uint16_t let[TOK_MAX];
    size_t nlet;     /* letters kept (<= TOK_MAX) */
    size_t nletters; /* all letters */
    int script;
    int cap;
    int digit;
    int overflow;
    int32_t other_code;
    uint32_t prev; /* previous lower-case letter, for doubles */
};

struct scan {
    const struct lid_model *m;
    struct lid_scratch *s;
    struct unit u; /* the open unit; u.tokens == 0 when none */
    int open;
    uint32_t pending; /* boundary type before the next unit */
    int line_has_tok;
};

/* Close the open unit: weigh its letters, store it. */
static int unit_close(struct scan *sc)
{
    if (!sc->open)
        return 0;
    struct lid_scratch *s = sc->s;
    const struct lid_model *m = sc->m;
    size_t L = m->nlang;
    if (reserve_units(s, s->nunits + 1))
        return -1;
    float *sv = s->score + s->nunits * (L + 1);
    float *ob = s->obs + s->nunits * L;
    memcpy(sv, s->cur, L * sizeof(float));
    memset(ob, 0, L * sizeof(float));
    uint32_t alien = 0;
    for (size_t k = 0; k < s->nseen; k++) {
        uint16_t c = s->seen[k];
        if (s->hist[c])
            alien |= m->alien[c];
        float w = (float)s->hist[c] + CAP_SCALE * (float)s->hcap[c];
        for (size_t l = 0; l < L; l++)
            sv[l] += w * m->lw[c][l];
        uint32_t em = m->expmask[c];
        while (em) {
            int l = __builtin_ctz(em);
            em &= em - 1;
            ob[l] += (float)(s->hist[c] + s->hcap[c]);
        }
        s->hist[c] = s->hcap[c] = 0;
    }
    s->nseen = 0;
    struct unit *u = &sc->u;
    u->alien = alien;
    for (size_t l = 0; l < L; l++) {
        const struct lid_profile *p = &m->prof[l];
        if ((int)u->script != p->script) {
            float pen = PEN_SCRIPT * (float)u->letters;
            if (pen > 3.0f * (float)u->tokens)
                pen = 3.0f * (float)u->tokens;
            sv[l] -= pen;
        } else if (p->expect_w > 0.0f) {
            float miss = p->expect_rate * (float)u->letters - ob[l];
            if (miss > 0.0f)
                sv[l] -= p->expect_w * miss;
        }
    }
    sv[L] = -UND_COST * (float)u->letters;
    s->units[s->nunits++] = *u;
    sc->open = 0;
    memset(s->cur, 0, sizeof s->cur);
    return 0;
}

static void add_mask(float *cur, uint32_t mask, float w)
{
    while (mask) {
        int l = __builtin_ctz(mask);
        mask &= mask - 1;
        cur[l] += w;
    }
}

/* A word ends: add its evidence to the open unit (opening one if needed). */
static int tok_flush(struct scan *sc, struct tok *t)
{
    if (t->nletters == 0 || t->digit) {
        t->nletters = t->nlet = t->blen = 0;
        t->digit = t->overflow = 0;
        return 0;
    }
    if (sc->open && (int)sc->u.script != t->script) {
        if (unit_close(sc))
            return -1;
        sc->pending = B_SCRIPT;
    }
    if (!sc->open) {
        memset(&sc->u, 0, sizeof sc->u);
        sc->u.start = t->start;
        sc->u.script = (uint32_t)t->script;
        sc->u.boundary = sc->pending;
        sc->u.other_code = t->other_code;
        sc->open = 1;
        sc->pending = B_SCRIPT;
    }
    struct unit *u = &sc->u;
    struct lid_scratch *s = sc->s;
    const struct lid_model *m = sc->m;
    u->end = t->end;
    u->tokens++;
    u->letters += (uint32_t)t->nletters;
    sc->line_has_tok = 1;
    if (t->script != S_OTHER) {
        uint32_t *h = t->cap ? s->hcap : s->hist;
        for (size_t i = 0; i < t->nlet; i++) {
            uint16_t c = t->let[i];
            if (s->hist[c] == 0 && s->hcap[c] == 0)
                s->seen[s->nseen++] = c;
            h[c]++;
        }
        /* a trailing apostrophe is not part of the word */
        size_t bl = t->blen;
        while (bl && t->buf[bl - 1] == '\'')
            bl--;
        if (!t->overflow && bl) {
            add_mask(s->cur, htab_get(m, &m->words, t->buf, bl), W_WORD);
            size_t nl = t->nlet;
            if (bl == t->cpend[nl] && m->sufs.n)
                for (size_t k = 2; k <= 4 && k < nl; k++) {
                    size_t off = t->cpend[nl - k];
                    add_mask(s->cur, htab_get(m, &m->sufs, t->buf + off, bl - off), W_SUF);
                }
        }
    }
    t->nletters = t->nlet = t->blen = 0;
    t->digit = t->overflow = 0;
    return 0;
}

static int scan_text(struct scan *sc, const char *text, size_t len)
{
    const struct lid_model *m = sc->m;
    const unsigned char *p = (const unsigned char *)text;
    struct tok t;
    t.nletters = t.nlet = t.blen = 0;
    t.digit = t.overflow = 0;
    t.cpend[0] = 0;
    size_t i = 0;
    while (i < len) {
        size_t at = i;
        uint32_t c;
        int cl;
        int32_t code = -1;
        if (p[i] < 0x80) {
            c = p[i++];
            cl = m->cls[c];
        } else {
            c = get_utf8(p, len, &i);
            cl = c < NCP ? m->cls[c] : cls_high(c, &code);
        }
        if (cl == C_LATN || cl == C_CYRL || cl == C_OTHER) {
            int scr = cl == C_LATN ? S_LATN : cl == C_CYRL ? S_CYRL : S_OTHER;
            uint32_t l = c < NCP ? m->lower[c] : c;
            if (t.nletters == 0 && !t.digit) {
                t.start = at;
                t.script = scr;
                t.cap = l != c;
                t.other_code = code;
                t.prev = 0;
                t.blen = 0;
            } else if (t.nletters == 0) {
                t.script = scr;
                t.cap = l != c;
                t.other_code = code;
            }
            t.end = i;
            t.nletters++;
            if (scr != S_OTHER && !t.overflow) {
                if (t.nlet < TOK_MAX && t.blen + 4 < BUF_MAX) {
                    if (l < NCP && l == t.prev && scr == t.script) {
                        /* a doubled letter (long vowel) */
                        const float *dw = m->dw[l];
                        for (size_t k = 0; k < m->nlang; k++)
                            sc->s->cur[k] += dw[k];
                    }
                    t.let[t.nlet++] = (uint16_t)(l < NCP ? l : 0);
                    t.blen += put_utf8(t.buf + t.blen, l);
                    t.cpend[t.nlet] = (uint32_t)t.blen;
                } else {
                    t.overflow = 1;
                }
            }
            t.prev = l;
            continue;
        }
        if (cl == C_APOS && t.nletters > 0 && !t.overflow) {
            /* inside a word: Uzbek oʻ gʻ and tutuq ʼ, English 's */
            if (t.blen + 1 < BUF_MAX && t.nlet < TOK_MAX) {
                if ((t.prev == 'o' || t.prev == 'g') && t.script == S_LATN)
                    t.let[t.nlet++] = UZ_APOS, t.buf[t.blen++] = '\'',
                    t.cpend[t.nlet] = (uint32_t)t.blen;
                else
                    t.buf[t.blen++] = '\'';
            }
            t.prev = 0;
            continue;
        }
        if (cl == C_MARK)
            continue;
        if (cl == C_DIGIT) {
            if (t.nletters == 0 && !t.digit)
                t.start = at;
            t.digit = 1;
            continue;
        }
        if (tok_flush(sc, &t))
            return -1;
        if (c == '\n' || c == '\f' || c == 0x2029) {
            if (unit_close(sc))
                return -1;
            if (!sc->line_has_tok || c != '\n')
                sc->pending = B_PARA;
            else if (sc->pending != B_PARA)
                sc->pending = B_LINE;
            sc->line_has_tok = 0;
        }
    }
    if (tok_flush(sc, &t) || unit_close(sc))
        return -1;
    return 0;
}

/* ---- deciding ---- */

static const char *script_tag(int script, int32_t code)
{
    if (script == S_LATN)
        return "Latn";
    if (script == S_CYRL)
        return "Cyrl";
    if (script == S_OTHER && code >= 0) {
        const char *n = uscript_getShortName((UScriptCode)code);
        if (n)
            return n;
    }
    return "Zyyy";
}

/* Decide units [a, b) as one segment. */
static size_t decide(const struct lid_model *m, const struct lid_scratch *s, size_t a, size_t b,
                     struct lid_segment *out)
{
    size_t L = m->nlang;
    float tot[LID_MAX_LANG + 1] = {0};
    uint32_t tokens = 0, letters = 0, by_script[4] = {0};
    int32_t other = -1;
    for (size_t i = a; i < b; i++) {
        by_script[s->units[i].script & 3] += s->units[i].letters;
        letters += s->units[i].letters;
        if (other < 0 && s->units[i].script == S_OTHER)
            other = s->units[i].other_code;
    }
    int scr = S_NONE;
    uint32_t most = 0;
    for (int k = 1; k < 4; k++)
        if (by_script[k] > most)
            most = by_script[k], scr = k;
    /* Decide on the majority script's units only: a Latin company name in
     * a Russian sentence says nothing about which Cyrillic language it is. */
    uint32_t alien = 0;
    for (size_t i = a; i < b; i++) {
        if ((int)s->units[i].script != scr)
            continue;
        const float *sv = s->score + i * (L + 1);
        for (size_t l = 0; l < L; l++)
            tot[l] += sv[l];
        tokens += s->units[i].tokens;
        alien |= s->units[i].alien;
    }
    size_t best = L, second = L;
    for (size_t l = 0; l < L; l++)
        if (m->prof[l].script == scr && (best == L || tot[l] > tot[best]))
            best = l;
    /* The margin is taken against the runner-up that could have written
     * the text. When the best profile's alphabet holds every lower-case
     * letter of the segment, a profile whose alphabet lacks one of them
     * (Bulgarian or Ukrainian before a lower-case ы э ё, Kazakh before ҳ ў)
     * is no rival however close its score: its letter penalty is already
     * in that score, and asking for a margin over it too counted the same
     * evidence twice. Capitalised words (names, often foreign) never
     * exclude, and a profile that cannot have written the text never
     * gains from this. */
    uint32_t ruled_out = best < L && !(alien & (1u << best)) ? alien : 0;
    size_t any = L; /* the runner-up over every rival */
    for (size_t l = 0; l < L; l++) {
        if (l == best || m->prof[l].script != scr)
            continue;
        if (any == L || tot[l] > tot[any])
            any = l;
        if (!(ruled_out & (1u << l)) && (second == L || tot[l] > tot[second]))
            second = l;
    }
    /* With every rival ruled out the margin stays what it was over all of
     * them: ruling out only ever widens it, and a short snippet still needs
     * evidence of its own. */
    if (second == L)
        second = any;
    float margin = best < L ? (second < L ? tot[best] - tot[second] : tot[best]) : 0.0f;
    out->start = s->units[a].start;
    out->end = s->units[b - 1].end;
    out->script = script_tag(scr, other);
    out->letters = letters;
    float conf = margin > 0.0f ? 1.0f - expf(-margin / 4.0f) : 0.0f;
    if (best == L || tokens < MIN_TOKENS || most < MIN_LETTERS || margin < MARGIN ||
        tot[best] <= 0.0f) {
        out->lang = "und";
        out->confidence = 0.0f;
        return best;
    }
    out->lang = m->prof[best].tag;
    out->confidence = conf;
    return best;
}

static int push_seg(struct lid_scratch *s, const struct lid_segment *g)
{
    if (s->nsegs == s->scap) {
        size_t ncap = s->scap ? s->scap * 2 : 16;
        void *n = grow_copy(s->a, s->segs, s->nsegs * sizeof *s->segs, ncap * sizeof *s->segs);
        if (!n)
            return -1;
        s->segs = n;
        s->scap = ncap;
    }
    s->segs[s->nsegs++] = *g;
    return 0;
}

static int run_scan(const struct lid_model *m, struct lid_scratch *s, const char *text, size_t len)
{
    s->nunits = 0;
    s->nsegs = 0;
    s->nseen = 0;
    memset(s->cur, 0, sizeof s->cur);
    struct scan sc = {.m = m, .s = s, .open = 0, .pending = B_PARA, .line_has_tok = 0};
    return scan_text(&sc, text, len);
}

int lid_analyse(const struct lid_model *m, struct lid_scratch *s, const char *text, size_t len,
                const struct lid_segment **segs, size_t *nsegs, struct intake_error *err)
{
    intake_return_val_if_fail(m && s && (text || !len) && segs && nsegs, INTAKE_EINVAL);
    if (run_scan(m, s, text, len))
        return INTAKE_ERR(err, INTAKE_ENOMEM, "langid: out of memory");
    size_t L = m->nlang, K = L + 1, n = s->nunits;
    *segs = s->segs;
    *nsegs = 0;
    if (n == 0)
        return INTAKE_OK;
    /* Viterbi: stay with a label for free, switch at the boundary's price. */
    float prev[LID_MAX_LANG + 1], cur[LID_MAX_LANG + 1];
    memcpy(prev, s->score, K * sizeof(float));
    for (size_t i = 1; i < n; i++) {
        const struct unit *u = &s->units[i];
        float pen = u->boundary == B_PARA ? P_PARA : u->boundary == B_LINE ? P_LINE : P_SCRIPT;
        size_t arg = 0;
        for (size_t k = 1; k < K; k++)
            if (prev[k] > prev[arg])
                arg = k;
        const float *sv = s->score + i * K;
        uint8_t *bp = s->bp + i * K;
        for (size_t k = 0; k < K; k++) {
            float sw = prev[arg] - pen;
            if (prev[k] >= sw) {
                cur[k] = prev[k] + sv[k];
                bp[k] = (uint8_t)k;
            } else {
                cur[k] = sw + sv[k];
                bp[k] = (uint8_t)arg;
            }
        }
        memcpy(prev, cur, K * sizeof(float));
    }
    size_t lab = 0;
    for (size_t k = 1; k < K; k++)
        if (prev[k] > prev[lab])
            lab = k;
    /* Walk back, storing labels in bp[i*K] (slot 0 is free to reuse after use). */
    for (size_t i = n; i-- > 0;) {
        size_t next = i > 0 ? s->bp[i * K + lab] : lab;
        s->bp[i * K] = (uint8_t)lab;
        lab = next;
    }
    /* A paragraph with words enough to be judged alone does not take a
     * language from across a blank line that its own evidence does not
     * favour: units of it whose label runs on into the neighbouring
     * paragraph get the paragraph's own best label, and a block starts at
     * the blank line. So an unsure Tatar paragraph after a Kazakh one stays
     * und rather than Kazakh, and a Latin name ending a Russian paragraph
     * stays in the Russian block rather than joining the Latin paragraph
     * after it. A paragraph whose own best guess is the neighbour's language
     * keeps it (a short Kyrgyz sentence between Kyrgyz paragraphs), and so
     * does a title of a word or two. */
    for (size_t a = 0, i = 1; i <= n; i++) {
        if (i < n && s->units[i].boundary != B_PARA)
            continue;
        uint32_t tokens = 0;
        for (size_t j = a; j < i; j++)
            tokens += s->units[j].tokens;
        struct lid_segment g;
        size_t own = tokens >= MIN_TOKENS ? decide(m, s, a, i, &g) : L;
        if (own < L && a > 0 && s->bp[(a - 1) * K] == s->bp[a * K] && s->bp[a * K] != own) {
            uint8_t x = s->bp[a * K];
            for (size_t j = a; j < i && s->bp[j * K] == x; j++)
                s->bp[j * K] = (uint8_t)own;
            s->units[a].cut = 1;
        }
        if (own < L && i < n && s->bp[i * K] == s->bp[(i - 1) * K] && s->bp[(i - 1) * K] != own) {
            uint8_t x = s->bp[(i - 1) * K];
            for (size_t j = i; j-- > a && s->bp[j * K] == x;)
                s->bp[j * K] = (uint8_t)own;
            s->units[i].cut = 1;
        }
        a = i;
    }
    size_t a = 0;
    for (size_t i = 1; i <= n; i++) {
        if (i < n && s->bp[i * K] == s->bp[a * K] && !s->units[i].cut)
            continue;
        struct lid_segment g;
        decide(m, s, a, i, &g);
        /* Stretch over trailing punctuation on the same line. */
        uint64_t lim = i < n ? s->units[i].start : len;
        while (g.end < lim && text[g.end] != '\n' && text[g.end] != ' ' && text[g.end] != '\t')
            g.end++;
        if (s->nsegs > 0) {
            struct lid_segment *pv = &s->segs[s->nsegs - 1];
            if (strcmp(pv->lang, g.lang) == 0 && strcmp(pv->script, g.script) == 0) {
                /* Two undecided neighbours (or equal decisions) are one block. */
                pv->end = g.end;
                pv->letters += g.letters;
                if (g.confidence < pv->confidence)
                    pv->confidence = g.confidence;
                a = i;
                continue;
            }
        }
        if (push_seg(s, &g))
            return INTAKE_ERR(err, INTAKE_ENOMEM, "langid: out of memory");
        a = i;
    }
    *segs = s->segs;
    *nsegs = s->nsegs;
    return INTAKE_OK;
}

int lid_identify(const struct lid_model *m, struct lid_scratch *s, const char *text, size_t len,
                 struct lid_segment *out, struct intake_error *err)
{
    intake_return_val_if_fail(m && s && (text || !len) && out, INTAKE_EINVAL);
    if (run_scan(m, s, text, len))
        return INTAKE_ERR(err, INTAKE_ENOMEM, "langid: out of memory");
    if (s->nunits == 0) {
        *out = (struct lid_segment){0, len, "und", "Zyyy", 0.0f, 0};
        return INTAKE_OK;
    }
    decide(m, s, 0, s->nunits, out);
    out->start = 0;
    out->end = len;
    return INTAKE_OK;
}

const char *lid_main_lang(const struct lid_segment *segs, size_t n)
{
    /* Few distinct tags: sum letters per tag by a linear scan. */
    const char *best = "und";
    uint64_t bestn = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(segs[i].lang, "und") == 0)
            continue;
        uint64_t tot = 0;
        int seen_before = 0;
        for (size_t j = 0; j < n; j++) {
            if (segs[j].lang == segs[i].lang || strcmp(segs[j].lang, segs[i].lang) == 0) {
                if (j < i) {
                    seen_before = 1;
                    break;
                }
                tot += segs[j].letters;
            }
        }
        if (!seen_before && tot > bestn) {
            bestn = tot;
            best = segs[i].lang;
        }
    }
    return best;
}

int lid_scores(const struct lid_model *m, struct lid_scratch *s, const char *text, size_t len,
               float *out, struct intake_error *err)
{
    intake_return_val_if_fail(m && s && (text || !len) && out, INTAKE_EINVAL);
    if (run_scan(m, s, text, len))
        return INTAKE_ERR(err, INTAKE_ENOMEM, "langid: out of memory");
    size_t L = m->nlang;
    memset(out, 0, L * sizeof *out);
    for (size_t i = 0; i < s->nunits; i++)
        for (size_t l = 0; l < L; l++)
            out[l] += s->score[i * (L + 1) + l];
    return INTAKE_OK;
}
