/*
 * detect_patterns: the scanning engine (see dp_engine.h).
 *
 * Two Vectorscan block-mode databases per instance:
 *
 *   main     family triggers: cheap regexes that fire where an entity
 *            *ends* (no SOM flag: start-of-match tracking took this pass
 *            from 686 to 520 MB/s); the validators in dp_validate.c find
 *            the start and check structure and check digits. Also the
 *            passport words, after which the validators look for series
 *            written apart. This is the only pass over the whole text.
 *   context  the context words, caseless (Unicode folding for Cyrillic).
 *            They are scanned only in the windows around the candidates,
 *            merged: over the whole text they cost more than all the
 *            triggers together (Cyrillic literals are low-entropy bytes).
 *
 * A scan: main pass; validation of the hits; on pages read by OCR, the
 * IBANs whose country code came out as a digit (dp_v_iban_ocr: no trigger
 * can fire on them) and the folded second look (fold_regions); context
 * pass over the candidate windows; scoring; overlap resolution.
 */
#include "dp_engine.h"
#include "dp_fold.h"

#include <errno.h>
#include <fcntl.h>
#include <hs/hs.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <intake/span.h>

#define LBIT(l) (1u << (l))

/* ------------------------------------------------------------- families */

enum dp_family {
    FAM_EMAIL,
    FAM_URL,
    FAM_WWW,
    FAM_IPV4,
    FAM_IPV6,
    FAM_NUM,
    FAM_PASS,
    FAM_IBAN,
    FAM_EMAIL_SPLIT, /* OCR: a space after a dot of the domain */
    FAM_MIX,         /* OCR: Cyrillic next to an ASCII letter, digit or '@' */
    FAM_COUNT
};

static const struct {
    const char *re;
    unsigned flags;
    uint32_t labels; /* compiled when one of these labels is enabled */
} fam_tab[FAM_COUNT] = {
    /* ends two letters after the first dot of the domain */
    [FAM_EMAIL] = {"[A-Za-z0-9._%+\\-]@[A-Za-z0-9\\-]+\\.[A-Za-z]{2}", 0, LBIT(INTAKE_LABEL_EMAIL)},
    [FAM_URL] = {"(?:https?|ftp)://[^\\s]", HS_FLAG_CASELESS, LBIT(INTAKE_LABEL_URL)},
    [FAM_WWW] = {"www\\.[A-Za-z0-9\\-]", HS_FLAG_CASELESS, LBIT(INTAKE_LABEL_URL)},
    [FAM_IPV4] = {"[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]", 0, LBIT(INTAKE_LABEL_IP_ADDRESS)},
    [FAM_IPV6] = {"[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}", 0,
                  LBIT(INTAKE_LABEL_IP_ADDRESS)},
    /* 8+ digits joined by up to 3 separators (space, NBSP, - ( ) +), then
     * the first character that cannot continue the number, or a fourth
     * separator (a longer run ends the number too: without this branch a
     * number followed by four spaces or blank lines was never seen): fires
     * once per number, however many digit groups it has */
    [FAM_NUM] = {"(?:[0-9](?:[ ()+\\-\\n]|\\xC2\\xA0){0,3}){7}[0-9]"
                 "(?:(?:[ ()+\\-\\n]|\\xC2\\xA0){0,3}(?:[^0-9 ()+\\-\\n\\xC2]|\\xC2[^\\xA0]|\\z)"
                 "|(?:[ ()+\\-\\n]|\\xC2\\xA0){4})",
                 0,
                 LBIT(INTAKE_LABEL_PHONE) | LBIT(INTAKE_LABEL_NATIONAL_ID) |
                     LBIT(INTAKE_LABEL_PASSPORT) | LBIT(INTAKE_LABEL_CARD) |
                     LBIT(INTAKE_LABEL_IBAN) /* 20-digit accounts */},
    /* one trigger for N + 8 digits, two letters + 7 and one letter + 7:
     * fewer patterns keep the database fast; C tells them apart */
    [FAM_PASS] = {"[A-Z][0-9]{7}", 0, LBIT(INTAKE_LABEL_PASSPORT)},
    /* country, check digits, first BBAN group, compact or spaced */
    [FAM_IBAN] = {"[A-Z]{2}[0-9]{2} ?[0-9A-Z]{4}", 0, LBIT(INTAKE_LABEL_IBAN)},
    [FAM_EMAIL_SPLIT] = {"[A-Za-z0-9._%+\\-]@[A-Za-z0-9\\-]+\\. [a-z]{2}", 0,
                         LBIT(INTAKE_LABEL_EMAIL)},
    /* Cyrillic glued to 6 digits or to an '@': an identifier read with
     * Cyrillic look-alikes (М11127104, АМ0436642, 88О315300123,
     * ехатріе@...): the folded second look (fold_regions). Digits and '@'
     * keep the database fast; any Cyrillic letter next to any ASCII one
     * took the full-text pass from 600 to 250 MB/s. */
    [FAM_MIX] = {"[\\xD0-\\xD4][\\x80-\\xBF][0-9]{6}|[0-9]{6}[\\xD0-\\xD4]|@[\\xD0-\\xD4]|"
                 "[\\xD0-\\xD4][\\x80-\\xBF]@",
                 0,
                 LBIT(INTAKE_LABEL_EMAIL) | LBIT(INTAKE_LABEL_PHONE) |
                     LBIT(INTAKE_LABEL_NATIONAL_ID) | LBIT(INTAKE_LABEL_PASSPORT) |
                     LBIT(INTAKE_LABEL_CARD) | LBIT(INTAKE_LABEL_IBAN)},
};

/* -------------------------------------------------------- context words */

/*
 * Words that make a nearby number more likely to be the entity. Written
 * for this plugin from the usual vocabulary of case files in Russian,
 * Kazakh, Kyrgyz, Turkmen, Uzbek (Latin and Cyrillic) and English.
 * Matched caselessly; "whole" words must also end at a word boundary
 * (abbreviations), the others are stems that take suffixes ("паспорта",
 * "телефонынан", "hisobiga").
 */
static const struct {
    const char *word;
    uint8_t cat;
    uint8_t whole;
} ctx_tab[] = {
    /* phones */
    {"тел.", DP_CTX_PHONE, 0},
    {"тел:", DP_CTX_PHONE, 0},
    {"телефон", DP_CTX_PHONE, 0},
    {"tel", DP_CTX_PHONE, 1},
    {"tel.", DP_CTX_PHONE, 0},
    {"tel:", DP_CTX_PHONE, 0},
    {"telefon", DP_CTX_PHONE, 0},
    {"telephone", DP_CTX_PHONE, 0},
    {"phone", DP_CTX_PHONE, 0},
    {"mobile", DP_CTX_PHONE, 0},
    {"mob.", DP_CTX_PHONE, 0},
    {"моб.", DP_CTX_PHONE, 0},
    {"мобильн", DP_CTX_PHONE, 0},
    {"сотов", DP_CTX_PHONE, 0},
    {"ұялы", DP_CTX_PHONE, 0},
    {"уюлдук", DP_CTX_PHONE, 0},
    {"номер", DP_CTX_PHONE, 0},
    {"нөмір", DP_CTX_PHONE, 0},
    {"nomer", DP_CTX_PHONE, 0},
    {"nömer", DP_CTX_PHONE, 0},
    {"raqam", DP_CTX_PHONE, 0},
    {"рақам", DP_CTX_PHONE, 0},
    {"belgi", DP_CTX_PHONE, 0},
    {"факс", DP_CTX_PHONE, 0},
    {"fax", DP_CTX_PHONE, 1},
    {"number", DP_CTX_PHONE, 0},
    {"call", DP_CTX_PHONE, 0},
    {"contact", DP_CTX_PHONE, 0},
    {"whatsapp", DP_CTX_PHONE, 0},
    {"telegram", DP_CTX_PHONE, 0},
    {"viber", DP_CTX_PHONE, 0},
    /* e-mail */
    {"e-mail", DP_CTX_EMAIL, 0},
    {"email", DP_CTX_EMAIL, 0},
    {"почт", DP_CTX_EMAIL, 0},
    {"пошта", DP_CTX_EMAIL, 0},
    {"pochta", DP_CTX_EMAIL, 0},
    {"poçta", DP_CTX_EMAIL, 0},
    /* personal identification numbers */
    {"ИИН", DP_CTX_ID, 1},
    {"ЖСН", DP_CTX_ID, 1},
    {"IIN", DP_CTX_ID, 1},
    {"ИНН", DP_CTX_ID, 1},
    {"INN", DP_CTX_ID, 1},
    {"ПИНФЛ", DP_CTX_ID, 1},
    {"PINFL", DP_CTX_ID, 1},
    {"ЖШШИР", DP_CTX_ID, 1},
    {"JShShIR", DP_CTX_ID, 1},
    {"ПИН", DP_CTX_ID, 1},
    {"MMH", DP_CTX_ID, 1}, /* ИИН as OCR with rus+eng reads it */
    {"PIN", DP_CTX_ID, 1},
    {"ЖИН", DP_CTX_ID, 1},
    {"TIN", DP_CTX_ID, 1},
    {"СНИЛС", DP_CTX_ID, 1},
    {"SNILS", DP_CTX_ID, 1},
    {"идентификац", DP_CTX_ID, 0},
    {"identification", DP_CTX_ID, 0},
    {"identifikats", DP_CTX_ID, 0},
    {"сәйкестендіру", DP_CTX_ID, 0},
    {"personal number", DP_CTX_ID, 0},
    {"personal code", DP_CTX_ID, 0},
    /* company identifiers: a number after them is not personal data */
    {"БИН", DP_CTX_ORG, 1},
    {"БСН", DP_CTX_ORG, 1},
    {"BIN", DP_CTX_ORG, 1},
    {"ОГРН", DP_CTX_ORG, 1},
    {"OGRN", DP_CTX_ORG, 1},
    {"КПП", DP_CTX_ORG, 1},
    /* passports and identity documents */
    {"паспорт", DP_CTX_PASS, 0},
    {"pasport", DP_CTX_PASS, 0},
    {"passport", DP_CTX_PASS, 0},
    {"төлқұжат", DP_CTX_PASS, 0},
    {"удостоверени", DP_CTX_PASS, 0},
    {"куәлік", DP_CTX_PASS, 0},
    {"id card", DP_CTX_PASS, 0},
    {"id-card", DP_CTX_PASS, 0},
    {"id-карт", DP_CTX_PASS, 0},
    {"серия", DP_CTX_PASS, 0},
    {"series", DP_CTX_PASS, 0},
    {"şahsyýetnama", DP_CTX_PASS, 0},
    {"kimlik", DP_CTX_PASS, 0},
    /* payment cards */
    {"карт", DP_CTX_CARD, 0},
    {"card", DP_CTX_CARD, 0},
    {"karta", DP_CTX_CARD, 0},
    {"visa", DP_CTX_CARD, 1},
    {"mastercard", DP_CTX_CARD, 1},
    {"humo", DP_CTX_CARD, 1},
    {"uzcard", DP_CTX_CARD, 1},
    /* bank accounts */
    {"счет", DP_CTX_ACCT, 0},
    {"счёт", DP_CTX_ACCT, 0},
    {"IBAN", DP_CTX_ACCT, 1},
    {"ИИК", DP_CTX_ACCT, 1},
    {"IIK", DP_CTX_ACCT, 1},
    {"ЖСК", DP_CTX_ACCT, 1},
    {"account", DP_CTX_ACCT, 0},
    {"шот", DP_CTX_ACCT, 0},
    {"эсеп", DP_CTX_ACCT, 0},
    {"эсеб", DP_CTX_ACCT, 0}, /* эсеби, эсебине: p -> b before a vowel */
    {"hisob", DP_CTX_ACCT, 0},
    {"ҳисоб", DP_CTX_ACCT, 0},
    {"hasap", DP_CTX_ACCT, 0},
    {"hasab", DP_CTX_ACCT, 0}, /* hasaby */
    {"р/с", DP_CTX_ACCT, 1},
    {"банк", DP_CTX_ACCT, 0},
    {"bank", DP_CTX_ACCT, 0},
};
#define N_CTX       (sizeof ctx_tab / sizeof ctx_tab[0])
#define CTX_ID_BASE 1000u

/* Context categories each label uses (to compile only what is needed). */
static uint32_t ctx_cats_for(uint32_t labels)
{
    uint32_t c = 0;
    if (labels & LBIT(INTAKE_LABEL_PHONE))
        c |= DP_CTX_PHONE;
    if (labels & LBIT(INTAKE_LABEL_EMAIL))
        c |= DP_CTX_EMAIL;
    if (labels & LBIT(INTAKE_LABEL_NATIONAL_ID))
        c |= DP_CTX_ID | DP_CTX_ORG;
    if (labels & LBIT(INTAKE_LABEL_PASSPORT))
        c |= DP_CTX_PASS;
    if (labels & LBIT(INTAKE_LABEL_CARD))
        c |= DP_CTX_CARD | DP_CTX_ACCT;
    if (labels & LBIT(INTAKE_LABEL_IBAN))
        c |= DP_CTX_ACCT;
    return c;
}

/* ---------------------------------------------------------------- types */

struct dp_engine {
    hs_database_t *db;     /* triggers + passport words, over the whole text */
    hs_database_t *ctx_db; /* context words, over candidate windows; NULL if none */
    struct dp_settings set;
    struct dp_alloc a;
    uint8_t ctx_len[N_CTX]; /* byte length of each word (case variants keep it) */
    size_t ctx_max;         /* longest context word, bytes */
    int from_cache;         /* both databases were loaded from cache_dir */
};

struct dp_hit {
    uint64_t end;
    uint32_t fam;
};

struct dp_ctxhit {
    uint64_t start, end;
    uint32_t cat;
    uint32_t whole;
};

struct dp_scanner {
    const struct dp_engine *e;
    hs_scratch_t *scratch; /* fits both databases (never used nested) */
    struct dp_hit *hits;
    size_t nhits, caphits;
    struct dp_ctxhit *anchors; /* passport words of the main pass */
    size_t nanchors, capanchors;
    struct dp_ctxhit *ctx; /* context words near candidates, by end */
    size_t nctx, capctx;
    uint64_t base; /* offset of the window being scanned for context */
    struct dp_cands cands;
    int oom;
    size_t raw; /* dp_scan_raw: number of callbacks */
    /* the folded second look at mixed-script tokens (fold_regions) */
    uint64_t *mix; /* ends of FAM_MIX hits */
    size_t nmix, capmix;
    char *fbuf;     /* folded copy of one region */
    uint32_t *fmap; /* its map: output byte -> offset in the region */
    size_t capf;
    struct dp_hit *fhits; /* main-database hits in the folded copy */
    size_t nfhits, capfhits;
    struct dp_ctxhit *fanch; /* passport words in the folded copy */
    size_t nfanch, capfanch;
    struct dp_ctxhit *fctx; /* context words in folded copies, original offsets */
    size_t nfctx, capfctx;
    struct dp_cands fcands;     /* candidates in the folded copy */
    int folding;                /* on_match fills the f* arrays */
    const char *ftext;          /* the region in the original text */
    uint64_t fbase;             /* its offset */
    const struct dp_range *ocr; /* the pages read by OCR, during dp_scan */
    size_t nocr;
};

uint32_t dp_labels_supported(void)
{
    return LBIT(INTAKE_LABEL_EMAIL) | LBIT(INTAKE_LABEL_PHONE) | LBIT(INTAKE_LABEL_NATIONAL_ID) |
           LBIT(INTAKE_LABEL_PASSPORT) | LBIT(INTAKE_LABEL_IBAN) | LBIT(INTAKE_LABEL_CARD) |
           LBIT(INTAKE_LABEL_IP_ADDRESS) | LBIT(INTAKE_LABEL_URL);
}

/* ---------------------------------------------------------------- build */

static int has_non_ascii(const char *w)
{
    for (; *w; w++)
        if ((unsigned char)*w >= 0x80)
            return 1;
    return 0;
}

/* The pattern of a context word: the literal, regex-escaped. ASCII words
 * start with \b (cheap in the database, and it spares the callbacks for
 * "tin" in "Martin"). No \b at the end: "IIN880315300123" must match, and
 * digits are word characters. UCP mode has no \b; for those words, and
 * next to Cyrillic letters, the C check after the scan decides. */
static char *ctx_pattern(const struct dp_alloc *a, const char *w)
{
    size_t n = strlen(w);
    char *out = a->alloc(2 * n + 3);
    if (!out)
        return NULL;
    int ascii = !has_non_ascii(w);
    char *o = out;
    if (ascii) {
        *o++ = '\\';
        *o++ = 'b';
    }
    for (const char *p = w; *p; p++) {
        if (strchr(".^$|()[]{}*+?\\/-", *p))
            *o++ = '\\';
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

/* ---------------------------------------------------------------- cache */

/*
 * Compiling the databases is most of an intake process's start-up (about
 * 0.12 s, paid by every `intake redact` and every batch). The serialized
 * databases are kept in cache_dir, one file per pattern set:
 *
 *   "INTAKE-HSDB1\n", u64 key length, key, u64 db length, db, u64 FNV-1a of db
 *
 * The key is the whole input of the compile (Vectorscan version, every
 * pattern with its flags and id), compared byte for byte, so a file can
 * only stand for the very same compile; the checksum catches a torn or
 * damaged file. A file or folder that others could write, or that another
 * user owns, is ignored: the cache must not be a way to weaken detection.
 * Anything wrong means compiling as before; the cache is never required.
 */
#define CACHE_MAGIC "INTAKE-HSDB1\n"

struct buf {
    char *p;
    size_t n, cap;
};

static int buf_add(struct buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q)
            return -1;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
    return 0;
}

static int buf_u64(struct buf *b, uint64_t v)
{
    return buf_add(b, &v, sizeof v);
}

static uint64_t fnv1a(const void *d, size_t n)
{
    const unsigned char *p = d;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* The compile's whole input, and the cache file's path for it. */
static int cache_key(const char *dir, const char *const *pats, const unsigned *flags,
                     const unsigned *ids, unsigned n, struct buf *key, char *path, size_t pathsz)
{
    const char *v = hs_version();
    if (buf_add(key, v, strlen(v) + 1))
        return -1;
    for (unsigned i = 0; i < n; i++)
        if (buf_u64(key, ids[i]) || buf_u64(key, flags[i]) ||
            buf_add(key, pats[i], strlen(pats[i]) + 1))
            return -1;
    int w = snprintf(path, pathsz, "%s/dp-%016llx.hsdb", dir,
                     (unsigned long long)fnv1a(key->p, key->n));
    return w > 0 && (size_t)w < pathsz ? 0 : -1;
}

/* Only what this user alone can write is trusted. */
static int private_to_us(const struct stat *st)
{
    return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

static hs_database_t *cache_load(const char *dir, const char *path, const struct buf *key)
{
    struct stat ds, st;
    if (stat(dir, &ds) != 0 || !S_ISDIR(ds.st_mode) || !private_to_us(&ds))
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return NULL;
    hs_database_t *db = NULL;
    char *d = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !private_to_us(&st) ||
        st.st_size > (off_t)(256u << 20))
        goto out;
    size_t len = (size_t)st.st_size;
    if (!(d = malloc(len ? len : 1)))
        goto out;
    for (size_t got = 0; got < len;) {
        ssize_t r = read(fd, d + got, len - got);
        if (r <= 0)
            goto out;
        got += (size_t)r;
    }
    size_t ml = sizeof CACHE_MAGIC - 1, at = ml;
    uint64_t kl, dl, sum;
    if (len < ml + 3 * sizeof(uint64_t) || memcmp(d, CACHE_MAGIC, ml) != 0)
        goto out;
    memcpy(&kl, d + at, sizeof kl);
    at += sizeof kl;
    if (kl != key->n || len - at < kl || memcmp(d + at, key->p, kl) != 0)
        goto out;
    at += kl;
    if (len - at < 2 * sizeof(uint64_t))
        goto out;
    memcpy(&dl, d + at, sizeof dl);
    at += sizeof dl;
    if (dl != len - at - sizeof sum)
        goto out;
    memcpy(&sum, d + at + dl, sizeof sum);
    if (sum != fnv1a(d + at, dl))
        goto out;
    /* A database for another platform is refused here: then we compile. */
    if (hs_deserialize_database(d + at, dl, &db) != HS_SUCCESS)
        db = NULL;
out:
    free(d);
    close(fd);
    return db;
}

/* Best effort: a cache that cannot be written costs only the next start-up. */
static void cache_store(const char *dir, const char *path, const struct buf *key,
                        const hs_database_t *db)
{
    char *ser = NULL;
    size_t sl = 0;
    if (mkdir(dir, 0700) != 0 && errno == ENOENT) { /* ~/.cache itself may be missing */
        char parent[PATH_MAX];
        if ((size_t)snprintf(parent, sizeof parent, "%s", dir) >= sizeof parent)
            return;
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) {
            *slash = '\0';
            mkdir(parent, 0700);
        }
        mkdir(dir, 0700);
    }
    struct stat ds;
    if (stat(dir, &ds) != 0 || !S_ISDIR(ds.st_mode) || !private_to_us(&ds))
        return;
    if (hs_serialize_database(db, &ser, &sl) != HS_SUCCESS)
        return;
    struct buf f = {0};
    uint64_t sum = fnv1a(ser, sl);
    int ok = !buf_add(&f, CACHE_MAGIC, sizeof CACHE_MAGIC - 1) && !buf_u64(&f, key->n) &&
             !buf_add(&f, key->p, key->n) && !buf_u64(&f, sl) && !buf_add(&f, ser, sl) &&
             !buf_u64(&f, sum);
    free(ser); /* hs_serialize_database uses the misc allocator: malloc */
    char tmp[PATH_MAX + 32];
    int w = snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    if (ok && w > 0 && (size_t)w < sizeof tmp) {
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0) {
            size_t done = 0;
            while (done < f.n) {
                ssize_t r = write(fd, f.p + done, f.n - done);
                if (r <= 0)
                    break;
                done += (size_t)r;
            }
            int good = close(fd) == 0 && done == f.n;
            if (!good || rename(tmp, path) != 0)
                unlink(tmp);
        }
    }
    free(f.p);
}

/* Compile \p n patterns into *db (through the cache in \p cache_dir when it
 * is set); INTAKE_EINTERNAL on failure (a bug). *cached becomes 1 when the
 * database came from the cache. */
static int compile(const char *const *pats, const unsigned *flags, const unsigned *ids, unsigned n,
                   const char *cache_dir, hs_database_t **db, int *cached, struct intake_error *err)
{
    struct buf key = {0};
    char path[PATH_MAX];
    int use_cache = cache_dir && *cache_dir &&
                    cache_key(cache_dir, pats, flags, ids, n, &key, path, sizeof path) == 0;
    if (use_cache && (*db = cache_load(cache_dir, path, &key)) != NULL) {
        *cached = 1;
        free(key.p);
        return INTAKE_OK;
    }
    hs_compile_error_t *ce = NULL;
    if (hs_compile_multi(pats, flags, ids, n, HS_MODE_BLOCK, NULL, db, &ce) == HS_SUCCESS) {
        if (use_cache)
            cache_store(cache_dir, path, &key, *db);
        free(key.p);
        return INTAKE_OK;
    }
    free(key.p);
    /* The patterns are ours, so the message holds no document text. */
    int rc = INTAKE_ERR(err, INTAKE_EINTERNAL, "vectorscan compile failed (pattern %d): %s",
                        ce ? ce->expression : -1, ce && ce->message ? ce->message : "?");
    hs_free_compile_error(ce);
    *db = NULL;
    return rc;
}

int dp_engine_create(const struct dp_settings *set, const struct dp_alloc *a,
                     struct dp_engine **out, struct intake_error *err)
{
    intake_return_val_if_fail(set && a && a->alloc && a->free && out, INTAKE_EINVAL);
    *out = NULL;
    if ((set->labels & dp_labels_supported()) == 0)
        return INTAKE_ERR(err, INTAKE_ECONFIG, "no entity type enabled");

    struct dp_engine *e = a->alloc(sizeof *e);
    if (!e)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    memset(e, 0, sizeof *e);
    e->set = *set;
    e->a = *a;

    const char *pats[FAM_COUNT + N_CTX], *cpats[N_CTX];
    unsigned flags[FAM_COUNT + N_CTX], ids[FAM_COUNT + N_CTX], cflags[N_CTX], cids[N_CTX];
    char *owned[N_CTX];
    unsigned n = 0, nc = 0, nowned = 0;
    int rc = INTAKE_OK;

    for (unsigned f = 0; f < FAM_COUNT; f++) {
        if (!(fam_tab[f].labels & set->labels))
            continue;
        pats[n] = fam_tab[f].re;
        flags[n] = fam_tab[f].flags;
        ids[n++] = f;
    }
    uint32_t cats = ctx_cats_for(set->labels);
    for (unsigned c = 0; c < N_CTX; c++) {
        e->ctx_len[c] = (uint8_t)strlen(ctx_tab[c].word);
        if (!(ctx_tab[c].cat & cats))
            continue;
        if (e->ctx_len[c] > e->ctx_max)
            e->ctx_max = e->ctx_len[c];
        char *p = ctx_pattern(a, ctx_tab[c].word);
        if (!p) {
            rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
            goto out;
        }
        owned[nowned++] = p;
        unsigned fl =
            HS_FLAG_CASELESS | (has_non_ascii(ctx_tab[c].word) ? HS_FLAG_UTF8 | HS_FLAG_UCP : 0u);
        cpats[nc] = p;
        cflags[nc] = fl;
        cids[nc++] = CTX_ID_BASE + c;
        if (ctx_tab[c].cat & DP_CTX_PASS) { /* also an anchor in the main pass */
            pats[n] = p;
            flags[n] = fl;
            ids[n++] = CTX_ID_BASE + c;
        }
    }
    int c1 = 0, c2 = 1;
    rc = compile(pats, flags, ids, n, set->cache_dir, &e->db, &c1, err);
    if (rc == INTAKE_OK && nc)
        c2 = 0, rc = compile(cpats, cflags, cids, nc, set->cache_dir, &e->ctx_db, &c2, err);
    e->from_cache = c1 && c2;
out:
    for (unsigned i = 0; i < nowned; i++)
        a->free(owned[i]);
    if (rc != INTAKE_OK) {
        dp_engine_destroy(e);
        return rc;
    }
    *out = e;
    return INTAKE_OK;
}

int dp_engine_from_cache(const struct dp_engine *e)
{
    return e && e->from_cache;
}

void dp_engine_destroy(struct dp_engine *e)
{
    if (!e)
        return;
    if (e->db)
        hs_free_database(e->db);
    if (e->ctx_db)
        hs_free_database(e->ctx_db);
    e->a.free(e);
}

int dp_scanner_create(const struct dp_engine *e, struct dp_scanner **out, struct intake_error *err)
{
    intake_return_val_if_fail(e && out, INTAKE_EINVAL);
    *out = NULL;
    struct dp_scanner *s = e->a.alloc(sizeof *s);
    if (!s)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    s->e = e;
    s->cands.alloc = s->fcands.alloc = e->a.alloc;
    s->cands.free = s->fcands.free = e->a.free;
    if (hs_alloc_scratch(e->db, &s->scratch) != HS_SUCCESS ||
        (e->ctx_db && hs_alloc_scratch(e->ctx_db, &s->scratch) != HS_SUCCESS)) {
        if (s->scratch)
            hs_free_scratch(s->scratch);
        e->a.free(s);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "vectorscan scratch allocation failed");
    }
    *out = s;
    return INTAKE_OK;
}

void dp_scanner_destroy(struct dp_scanner *s)
{
    if (!s)
        return;
    const struct dp_alloc *a = &s->e->a;
    if (s->scratch)
        hs_free_scratch(s->scratch);
    a->free(s->hits);
    a->free(s->anchors);
    a->free(s->ctx);
    a->free(s->cands.v);
    a->free(s->mix);
    a->free(s->fbuf);
    a->free(s->fmap);
    a->free(s->fhits);
    a->free(s->fanch);
    a->free(s->fctx);
    a->free(s->fcands.v);
    a->free(s);
}

/* ----------------------------------------------------------------- scan */

/* Grow an array of \p elem-byte items to hold one more. */
static int grow(const struct dp_alloc *a, void **v, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 1;
    size_t ncap = *cap ? *cap * 2 : 1024;
    void *nv = a->alloc(ncap * elem);
    if (!nv)
        return 0;
    if (n)
        memcpy(nv, *v, n * elem);
    a->free(*v);
    *v = nv;
    *cap = ncap;
    return 1;
}

/* Push a context word ending at \p end into \p v. */
static int push_ctx(const struct dp_engine *e, struct dp_ctxhit **v, size_t *n, size_t *cap,
                    unsigned c, uint64_t end)
{
    if (!grow(&e->a, (void **)v, cap, *n, sizeof **v))
        return 0;
    uint64_t l = e->ctx_len[c];
    (*v)[(*n)++] = (struct dp_ctxhit){.start = end >= l ? end - l : 0,
                                      .end = end,
                                      .cat = ctx_tab[c].cat,
                                      .whole = ctx_tab[c].whole};
    return 1;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ud)
{
    (void)from;
    (void)flags;
    struct dp_scanner *s = ud;
    const struct dp_engine *e = s->e;
    if (s->folding) {
        if (id >= CTX_ID_BASE) {
            if (!push_ctx(e, &s->fanch, &s->nfanch, &s->capfanch, id - CTX_ID_BASE, to))
                goto oom;
        } else if (id != FAM_MIX) {
            if (!grow(&e->a, (void **)&s->fhits, &s->capfhits, s->nfhits, sizeof *s->fhits))
                goto oom;
            s->fhits[s->nfhits++] = (struct dp_hit){.end = to, .fam = id};
        }
        return 0;
    }
    if (id >= CTX_ID_BASE) {
        if (!push_ctx(e, &s->anchors, &s->nanchors, &s->capanchors, id - CTX_ID_BASE, to))
            goto oom;
        return 0;
    }
    if (id == FAM_MIX) {
        if (s->nmix && s->mix[s->nmix - 1] + 64 > to)
            return 0; /* the region around the last one covers it */
        if (!grow(&e->a, (void **)&s->mix, &s->capmix, s->nmix, sizeof *s->mix))
            goto oom;
        s->mix[s->nmix++] = to;
        return 0;
    }
    if (!grow(&e->a, (void **)&s->hits, &s->caphits, s->nhits, sizeof *s->hits))
        goto oom;
    s->hits[s->nhits++] = (struct dp_hit){.end = to, .fam = id};
    return 0;
oom:
    s->oom = 1;
    return 1;
}

static int on_ctx(unsigned int id, unsigned long long from, unsigned long long to,
                  unsigned int flags, void *ud)
{
    (void)from;
    (void)flags;
    struct dp_scanner *s = ud;
    if (!push_ctx(s->e, &s->ctx, &s->nctx, &s->capctx, id - CTX_ID_BASE, s->base + to)) {
        s->oom = 1;
        return 1;
    }
    return 0;
}

/* A context word in a folded copy: pushed with its original offsets. */
static int on_fold_ctx(unsigned int id, unsigned long long from, unsigned long long to,
                       unsigned int flags, void *ud)
{
    (void)from;
    (void)flags;
    struct dp_scanner *s = ud;
    const struct dp_engine *e = s->e;
    unsigned c = id - CTX_ID_BASE;
    if (to < e->ctx_len[c] || to == 0)
        return 0;
    if (!grow(&e->a, (void **)&s->fctx, &s->capfctx, s->nfctx, sizeof *s->fctx)) {
        s->oom = 1;
        return 1;
    }
    s->fctx[s->nfctx++] =
        (struct dp_ctxhit){.start = s->fbase + s->fmap[to - e->ctx_len[c]],
                           .end = s->fbase + dp_fold_src_end(s->ftext, s->fmap, (size_t)to - 1),
                           .cat = ctx_tab[c].cat,
                           .whole = ctx_tab[c].whole};
    return 0;
}

static int on_match_count(unsigned int id, unsigned long long from, unsigned long long to,
                          unsigned int flags, void *ud)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    ((struct dp_scanner *)ud)->raw++;
    return 0;
}

static int cmp_hit(const void *x, const void *y)
{
    const struct dp_hit *a = x, *b = y;
    return a->end < b->end ? -1 : a->end > b->end ? 1 : (int)a->fam - (int)b->fam;
}

static int cmp_ctx(const void *x, const void *y)
{
    const struct dp_ctxhit *a = x, *b = y;
    return a->end < b->end ? -1 : a->end > b->end ? 1 : 0;
}

/* By start, then longest first: containers come before what they contain
 * (scores do not exist yet when candidates are sorted). */
static int cmp_cand(const void *x, const void *y)
{
    const struct dp_cand *a = x, *b = y;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end > b->end ? -1 : 1;
    return (int)a->kind - (int)b->kind;
}

/* Vectorscan reports in end order in practice; sort only if not. */
static void sort_if_needed(void *v, size_t n, size_t elem, int (*cmp)(const void *, const void *))
{
    const char *p = v;
    for (size_t i = 1; i < n; i++)
        if (cmp(p + (i - 1) * elem, p + i * elem) > 0) {
            qsort(v, n, elem, cmp);
            return;
        }
}

/* Context around [start, end): does a word of \p mask occur in the window?
 * Also: does any word end exactly at \p start (a glued "IIN880315...")?
 * and is the nearest identifier word before it a company one? */
struct ctx_found {
    int near;  /* a word of the mask in the window */
    int exact; /* some word ends at start */
    int org;   /* a company word before, and no personal ID word */
};

static struct ctx_found ctx_lookup(const struct dp_engine *e, const struct dp_scanner *s,
                                   uint64_t start, uint64_t end, uint32_t mask)
{
    struct ctx_found f = {0, 0, 0};
    uint64_t wb = e->set.window_before, wa = e->set.window_after;
    uint64_t lo_end = start > wb ? start - wb : 0;
    size_t lo = 0, hi = s->nctx;
    while (lo < hi) { /* first word with end >= lo_end */
        size_t mid = lo + (hi - lo) / 2;
        if (s->ctx[mid].end < lo_end)
            lo = mid + 1;
        else
            hi = mid;
    }
    int id_seen = 0, org_seen = 0;
    for (size_t k = lo; k < s->nctx; k++) {
        const struct dp_ctxhit *c = &s->ctx[k];
        if (c->end > end + wa + 64)
            break;
        if (c->end <= start) {
            if (c->end == start)
                f.exact = 1;
            if (c->cat & mask)
                f.near = 1;
            id_seen |= (c->cat & DP_CTX_ID) != 0;
            org_seen |= (c->cat & DP_CTX_ORG) != 0;
        } else if (c->start >= end && c->start - end <= wa) {
            if (c->cat & mask)
                f.near = 1;
        }
    }
    f.org = org_seen && !id_seen;
    return f;
}

/* Not inside a UTF-8 sequence. Always true on valid UTF-8 (all our spans
 * start and end next to ASCII); the host checks its text, this only keeps
 * a stray byte from turning into a refused span. */
static int on_boundary(const char *t, size_t len, uint64_t off)
{
    return off >= len || ((unsigned char)t[off] & 0xC0) != 0x80;
}

static void score_cands(const struct dp_engine *e, struct dp_scanner *s, const char *text,
                        size_t len)
{
    struct dp_cands *c = &s->cands;
    size_t w = 0;
    for (size_t i = 0; i < c->n; i++) {
        struct dp_cand x = c->v[i];
        if (!on_boundary(text, len, x.start) || !on_boundary(text, len, x.end))
            continue;
        const struct dp_kind_info *ki = dp_kind_info(x.kind);
        if (!(e->set.labels & LBIT(ki->label)))
            continue;
        struct ctx_found f = ctx_lookup(e, s, x.start, x.end, ki->ctx_mask);
        if ((x.flags & DP_CF_GLUED) && !f.exact)
            continue;
        /* Read through OCR damage: a check digit or a context word must
         * vouch for it, so that folded decoys stay out. */
        if ((x.flags & DP_CF_DAMAGED) && !f.near && !dp_kind_checked(x.kind))
            continue;
        float sc = f.near ? ki->ctx : ki->base;
        if (!f.near && (x.flags & DP_CF_NUMSIGN) &&
            (ki->label == INTAKE_LABEL_NATIONAL_ID || ki->label == INTAKE_LABEL_CARD))
            sc *= 0.7f; /* "№ 880315300123" is more often a document number */
        if (ki->label == INTAKE_LABEL_NATIONAL_ID && f.org && sc > 0.2f)
            sc = 0.2f;
        if (sc <= 0.0f || sc < e->set.min_score)
            continue;
        x.score = sc;
        c->v[w++] = x;
    }
    c->n = w;
}

/* Candidates are sorted by start, longest first. Keep one span per range
 * (the best score), and drop a candidate contained in a kept one at least
 * as confident (a number read by two rules, a "card" inside an IBAN).
 * Partial overlaps stay: the core merges the spans of all detectors. */
static void resolve(struct dp_scanner *s)
{
    struct dp_cands *c = &s->cands;
    size_t w = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct dp_cand *x = &c->v[i];
        if (w > 0 && c->v[w - 1].start == x->start && c->v[w - 1].end == x->end) {
            if (x->score > c->v[w - 1].score)
                c->v[w - 1] = *x;
            continue;
        }
        int drop = 0;
        for (size_t k = w; k > 0 && w - k < 8 && !drop; k--) {
            const struct dp_cand *a = &c->v[k - 1];
            drop = a->start <= x->start && x->end <= a->end && a->score >= x->score;
        }
        if (!drop)
            c->v[w++] = *x;
    }
    c->n = w;
}

/* Keep the words that start (and, for abbreviations, end) at a word
 * boundary: ASCII \b cannot tell next to Cyrillic letters. */
static size_t filter_words(struct dp_ctxhit *v, size_t n, const char *text, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (dp_letter_before(text, v[i].start))
            continue;
        if (v[i].whole && dp_letter_at(text, len, v[i].end))
            continue;
        v[w++] = v[i];
    }
    return w;
}

/* Scan the context database over the candidates' windows, merged: every
 * word a lookup can see lies inside [start - before - longest word,
 * end + after + longest word). */
static int collect_context(const struct dp_engine *e, struct dp_scanner *s, const char *text,
                           size_t len)
{
    if (!e->ctx_db)
        return HS_SUCCESS;
    uint64_t before = e->set.window_before + e->ctx_max, after = e->set.window_after + e->ctx_max;
    size_t i = 0;
    while (i < s->cands.n) {
        uint64_t rs = s->cands.v[i].start > before ? s->cands.v[i].start - before : 0;
        uint64_t re = s->cands.v[i].end + after;
        for (i++; i < s->cands.n && s->cands.v[i].start <= re + before; i++)
            if (s->cands.v[i].end + after > re)
                re = s->cands.v[i].end + after;
        if (re > len)
            re = len;
        s->base = rs;
        hs_error_t hr =
            hs_scan(e->ctx_db, text + rs, (unsigned)(re - rs), 0, s->scratch, on_ctx, s);
        if (hr != HS_SUCCESS)
            return hr;
    }
    return HS_SUCCESS;
}

/* Is byte \p off of the text on a page read by OCR? (A few ranges, one per
 * page, looked up per passport word only.) */
static int in_ocr(const struct dp_scanner *s, uint64_t off)
{
    for (size_t i = 0; i < s->nocr; i++)
        if (s->ocr[i].start <= off && off < s->ocr[i].end)
            return 1;
    return 0;
}

/* Run the validators over the main-database hits \p hits (and the passport
 * words \p anch) of \p text, appending candidates to \p out. \p map (NULL:
 * none) and \p base give the original offset of a byte of a folded copy. */
static void validate(const struct dp_engine *e, const struct dp_scanner *s, const char *text,
                     size_t len, struct dp_hit *hits, size_t nhits, struct dp_ctxhit *anch,
                     size_t nanch, const uint32_t *map, uint64_t base, struct dp_cands *out)
{
    sort_if_needed(hits, nhits, sizeof *hits, cmp_hit);
    size_t floor[FAM_COUNT] = {0};
    for (size_t i = 0; i < nhits; i++) {
        size_t end = hits[i].end;
        unsigned f = hits[i].fam;
        switch (f) {
        case FAM_NUM:
            if (end > floor[f])
                floor[f] = dp_v_numeric(text, len, end, floor[f], out);
            break;
        case FAM_EMAIL:
        case FAM_EMAIL_SPLIT:
            if (end > floor[FAM_EMAIL])
                floor[FAM_EMAIL] = dp_v_email(text, len, end, floor[FAM_EMAIL], out);
            break;
        case FAM_URL:
        case FAM_WWW:
            if (end > floor[FAM_URL])
                floor[FAM_URL] = dp_v_url(text, len, end, f == FAM_WWW, floor[FAM_URL], out);
            break;
        case FAM_IPV4:
            if (end > floor[f])
                floor[f] = dp_v_ipv4(text, len, end, floor[f], out);
            break;
        case FAM_IPV6:
            if (end > floor[f])
                floor[f] = dp_v_ipv6(text, len, end, floor[f], out);
            break;
        case FAM_PASS: dp_v_passport(text, len, end, out); break;
        case FAM_IBAN: dp_v_iban(text, len, end, out); break;
        default: break;
        }
    }
    /* Passport series and number written apart: only after a passport word. */
    if (e->set.labels & LBIT(INTAKE_LABEL_PASSPORT))
        for (size_t i = 0; i < nanch; i++) {
            uint64_t w = anch[i].end - 1; /* the word's last byte */
            int ocr = s->nocr && in_ocr(s, map ? base + map[w] : w);
            dp_v_passport_near(text, len, anch[i].end, e->set.window_before, ocr, out);
        }
}

/* Append to s->mix the ends of the mixed-script boundaries in [a, b): a
 * Cyrillic letter (2-byte U+0400-U+052F) next to an ASCII letter, digit or
 * '@'. One every 64 bytes is enough: the regions reach farther. */
static int mixed_tokens(const struct dp_engine *e, struct dp_scanner *s, const char *text, size_t a,
                        size_t b)
{
#define ASC(c)                                                                                     \
    (((unsigned)(((unsigned char)(c) | 0x20) - 'a') < 26u) ||                                      \
     ((unsigned)((unsigned char)(c) - '0') < 10u) || (c) == '@')
    for (size_t i = a; i + 1 < b; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0xD0 || c > 0xD4)
            continue;
        if ((i > a && ASC(text[i - 1])) || (i + 2 < b && ASC(text[i + 2]))) {
            uint64_t at = i + 2;
            if (!s->nmix || s->mix[s->nmix - 1] + 64 <= at) {
                if (!grow(&e->a, (void **)&s->mix, &s->capmix, s->nmix, sizeof *s->mix))
                    return 0;
                s->mix[s->nmix++] = at;
            }
        }
        i++;
    }
#undef ASC
    return 1;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

#define IS_WS(c) ((c) == ' ' || (c) == '\n' || (c) == '\t' || (c) == '\r' || (c) == '\f')

/*
** The second look, for text read by OCR. Around every token that mixes
** Cyrillic with ASCII letters, digits or '@' (FAM_MIX), a region of whole
** tokens is folded (dp_fold: "М11127104" -> "N11127104", "ехатріе@..." ->
** "example@...", "пacпopт" -> "паспорт"), scanned with both databases and
** validated like the text. Its candidates are mapped back to the original
** bytes and added as DP_CF_DAMAGED (the scorer wants a check digit or a
** context word for them); context words found in the folded copy join the
** others. Cost: only the regions, which plain text seldom has. On pages
** read by OCR (\p ocr), every Cyrillic letter next to an ASCII letter,
** digit or '@' starts a region (mixed_tokens), so that context words read
** partly as Latin ("пacпopт") are seen too.
*/
static hs_error_t fold_regions(const struct dp_engine *e, struct dp_scanner *s, const char *text,
                               size_t len)
{
    const uint64_t BEFORE = 192, AFTER = 128, SNAP = 64;
    size_t i = 0;
    while (i < s->nmix) {
        uint64_t rs = s->mix[i] > BEFORE ? s->mix[i] - BEFORE : 0, re = s->mix[i] + AFTER;
        for (i++; i < s->nmix && s->mix[i] <= re + BEFORE; i++)
            re = s->mix[i] + AFTER;
        if (re > len)
            re = len;
        /* whole tokens, and whole code points */
        for (uint64_t k = 0; rs > 0 && k < SNAP && !IS_WS(text[rs - 1]); k++)
            rs--;
        while (rs > 0 && ((unsigned char)text[rs] & 0xC0) == 0x80)
            rs--;
        for (uint64_t k = 0; re < len && k < SNAP && !IS_WS(text[re]); k++)
            re++;
        while (re < len && ((unsigned char)text[re] & 0xC0) == 0x80)
            re++;
        size_t n = (size_t)(re - rs);
        if (2 * n > s->capf) {
            size_t cap = 2 * n > 4096 ? 2 * n : 4096;
            e->a.free(s->fbuf);
            e->a.free(s->fmap);
            s->fbuf = e->a.alloc(cap);
            s->fmap = e->a.alloc(cap * sizeof *s->fmap);
            s->capf = s->fbuf && s->fmap ? cap : 0;
            if (!s->capf) {
                s->oom = 1;
                return HS_SUCCESS;
            }
        }
        const char *rt = text + rs;
        int changed;
        size_t fn = dp_fold(rt, n, s->fbuf, s->fmap, &changed);
        if (!changed || fn == 0)
            continue;
        s->nfhits = s->nfanch = s->fcands.n = 0;
        s->folding = 1;
        hs_error_t hr = hs_scan(e->db, s->fbuf, (unsigned)fn, 0, s->scratch, on_match, s);
        s->folding = 0;
        if (s->oom || hr != HS_SUCCESS)
            return hr;
        s->nfanch = filter_words(s->fanch, s->nfanch, s->fbuf, fn);
        validate(e, s, s->fbuf, fn, s->fhits, s->nfhits, s->fanch, s->nfanch, s->fmap, rs,
                 &s->fcands);
        if (s->fcands.oom)
            return HS_SUCCESS;
        /* Also the candidates with no folded byte: a passport number after
         * a folded passport word ("пacпopт AN 0436642") is new. The others
         * duplicate the plain pass's, and resolve() keeps one. */
        for (size_t c = 0; c < s->fcands.n; c++) {
            const struct dp_cand *x = &s->fcands.v[c];
            if (x->end <= x->start)
                continue;
            dp_cands_push(&s->cands, rs + s->fmap[x->start],
                          rs + dp_fold_src_end(rt, s->fmap, (size_t)x->end - 1), x->kind,
                          x->flags | DP_CF_DAMAGED);
        }
        if (e->ctx_db) {
            s->ftext = rt;
            s->fbase = rs;
            hr = hs_scan(e->ctx_db, s->fbuf, (unsigned)fn, 0, s->scratch, on_fold_ctx, s);
            if (s->oom || hr != HS_SUCCESS)
                return hr;
        }
    }
    return HS_SUCCESS;
}

int dp_scan(const struct dp_engine *e, struct dp_scanner *s, const char *text, size_t len,
            const struct dp_range *ocr, size_t nocr, const struct dp_cand **res, size_t *n,
            struct intake_error *err)
{
    intake_return_val_if_fail(e && s && s->e == e && (text || len == 0) && res && n, INTAKE_EINVAL);
    *res = NULL;
    *n = 0;
    if (len > UINT_MAX)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "text of %zu bytes is too long to scan", len);
    s->nhits = s->nanchors = s->nctx = s->cands.n = s->nmix = s->nfctx = 0;
    s->oom = s->cands.oom = s->fcands.oom = 0;
    s->folding = 0;
    if (len == 0)
        return INTAKE_OK;

    hs_error_t hr = hs_scan(e->db, text, (unsigned)len, 0, s->scratch, on_match, s);
    if (s->oom)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory while scanning");
    if (hr != HS_SUCCESS)
        return INTAKE_ERR(err, INTAKE_EINTERNAL, "vectorscan scan failed (%d)", (int)hr);
    s->ocr = ocr;
    s->nocr = nocr;
    validate(e, s, text, len, s->hits, s->nhits, s->anchors, s->nanchors, NULL, 0, &s->cands);
    for (size_t i = 0; i < nocr; i++) {
        size_t a = ocr[i].start < len ? (size_t)ocr[i].start : len;
        size_t b = ocr[i].end < len ? (size_t)ocr[i].end : len;
        if (!mixed_tokens(e, s, text, a, b))
            return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory while scanning");
        /* IBANs whose country code OCR read with a digit ("К7..." for KZ):
         * no trigger fires on them, and only OCR pages have them */
        if (e->set.labels & LBIT(INTAKE_LABEL_IBAN))
            dp_v_iban_ocr(text, len, a, b, &s->cands);
    }
    if (nocr)
        sort_if_needed(s->mix, s->nmix, sizeof *s->mix, cmp_u64);
    if (s->nmix && !s->cands.oom) {
        hr = fold_regions(e, s, text, len);
        if (s->oom || s->fcands.oom)
            return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory while scanning");
        if (hr != HS_SUCCESS)
            return INTAKE_ERR(err, INTAKE_EINTERNAL, "vectorscan scan failed (%d)", (int)hr);
    }
    if (s->cands.oom)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory while validating");
    if (s->cands.n == 0)
        return INTAKE_OK;

    sort_if_needed(s->cands.v, s->cands.n, sizeof *s->cands.v, cmp_cand);
    hr = collect_context(e, s, text, len);
    if (s->oom)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory while scanning");
    if (hr != HS_SUCCESS)
        return INTAKE_ERR(err, INTAKE_EINTERNAL, "vectorscan scan failed (%d)", (int)hr);
    for (size_t i = 0; i < s->nfctx; i++) /* context words read through OCR damage */
        if (!grow(&e->a, (void **)&s->ctx, &s->capctx, s->nctx, sizeof *s->ctx))
            return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory while scanning");
        else
            s->ctx[s->nctx++] = s->fctx[i];
    s->nctx = filter_words(s->ctx, s->nctx, text, len);
    sort_if_needed(s->ctx, s->nctx, sizeof *s->ctx, cmp_ctx);

    score_cands(e, s, text, len);
    resolve(s);
    *res = s->cands.v;
    *n = s->cands.n;
    return INTAKE_OK;
}

int dp_scan_raw(const struct dp_engine *e, struct dp_scanner *s, const char *text, size_t len,
                size_t *hits, struct intake_error *err)
{
    intake_return_val_if_fail(e && s && s->e == e && (text || len == 0) && hits, INTAKE_EINVAL);
    if (len > UINT_MAX)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "text of %zu bytes is too long to scan", len);
    s->raw = 0;
    hs_error_t hr = hs_scan(e->db, text, (unsigned)len, 0, s->scratch, on_match_count, s);
    if (hr != HS_SUCCESS)
        return INTAKE_ERR(err, INTAKE_EINTERNAL, "vectorscan scan failed (%d)", (int)hr);
    *hits = s->raw;
    return INTAKE_OK;
}
