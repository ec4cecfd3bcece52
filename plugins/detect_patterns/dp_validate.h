/*
 * detect_patterns: per-hit validation.
 *
 * The Vectorscan triggers only report where a candidate *ends* (no SOM:
 * start-of-match tracking costs a quarter of the throughput). Each function
 * here takes such an end offset, finds the start by walking back over the
 * family's character class, applies word-boundary rules that work next to
 * Cyrillic letters (ASCII \b does not), checks the structure and check
 * digits, and appends zero or more candidates with a "kind" that carries
 * the evidence. Scores are assigned later from the kind and the context
 * words (dp_kind_score).
 *
 * Pure functions of the text: no globals, thread-safe. Internal to the
 * plugin (hidden visibility).
 */
#ifndef DP_VALIDATE_H
#define DP_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "checksums.h"

/** What a candidate is, with the strength of its evidence. */
enum dp_kind {
    DP_K_NONE = 0,
    DP_K_EMAIL,
    DP_K_URL,
    DP_K_IPV4,
    DP_K_IPV6,
    DP_K_PHONE_INTL,          /* +CC with the national length of a known country */
    DP_K_PHONE_E164,          /* + and 8..15 digits, country not in our table */
    DP_K_PHONE_TRUNK,         /* 8 7xx / 8 9xx ... 11 digits (KZ/RU domestic) */
    DP_K_PHONE_TRUNK_OTHER,   /* 8 3xx-8xx ... 11 digits (RU landlines) */
    DP_K_PHONE_LOCAL,         /* grouped domestic forms: KG 0xxx, TR 0 (5xx),
                                 UZ 9x xxx-xx-xx, TM 8 6x */
    DP_K_PHONE_LOCAL_COMPACT, /* the same without separators: weaker */
    DP_K_PHONE_LOCAL_WEAK,    /* 9 bare digits with an Uzbek operator code */
    DP_K_IIN,                 /* KZ IIN: check digit, date, century digit */
    DP_K_IIN_GROUPED,         /* the same written in groups */
    DP_K_ID12_BAD,            /* 12 digits failing every check: context only, low */
    DP_K_INN12,               /* RU person INN, both check digits */
    DP_K_SNILS,               /* RU SNILS ddd-ddd-ddd dd with check number */
    DP_K_SNILS_COMPACT,       /* 11 bare digits with a valid SNILS check number */
    DP_K_SNILS_BAD,           /* SNILS layout, wrong check number */
    DP_K_PINFL,               /* UZ PINFL structure and date */
    DP_K_PINFL_CHK,           /* ... and the unofficial 7-3-1 check digit */
    DP_K_KGPIN,               /* KG PIN structure and date */
    DP_K_ID14_BAD,            /* 14 digits, no structure: context only, low */
    DP_K_PASS_KZ,             /* N + 8 digits */
    DP_K_PASS_SERIES,         /* KG AC/AN/ID, UZ AA..AE/FA/KA + 7 digits */
    DP_K_PASS_2L,             /* other two letters + 7 digits */
    DP_K_PASS_1L,             /* one letter + 7 digits (TM) */
    DP_K_PASS_RU,             /* 45 12 345678 */
    DP_K_PASS_RU46,           /* 4512 345678 */
    DP_K_PASS_RU_COMPACT,     /* 4512345678 (not a valid INN-10) */
    DP_K_PASS_RU_MARKED,      /* 4512 № 345678: also "2021 № 123456", so context decides */
    DP_K_PASS_SOVIET,         /* I-AŞ 654321, II-ЖК № 123456 (TM and older passports) */
    DP_K_IBAN,                /* known country, its length, mod 97 */
    DP_K_IBAN_UNKNOWN,        /* country not in the table, mod 97 */
    DP_K_IBAN_BAD,            /* IBAN layout, failing mod 97 */
    DP_K_CARD,                /* Luhn, known network prefix and length */
    DP_K_CARD_WEAK,           /* Luhn, known network, unusual length or layout */
    DP_K_CARD_NONET,          /* Luhn and card layout, no known network: context decides */
    DP_K_ACCOUNT_RU,          /* 20-digit Russian account of a person (408.., 423..) */
    DP_K_ACCOUNT_20,          /* other 20-digit accounts (Uzbek 20206...): context only */
    DP_K_PASS_IDCARD,         /* 9-digit identity card number (KZ) after a document word */
    DP_K_COUNT
};

/** Context categories (bit mask) of the context words. */
#define DP_CTX_PHONE 0x01u
#define DP_CTX_EMAIL 0x02u
#define DP_CTX_ID    0x04u
#define DP_CTX_ORG   0x08u /* company identifiers: BIN, OGRN... lowers IDs */
#define DP_CTX_PASS  0x10u
#define DP_CTX_CARD  0x20u
#define DP_CTX_ACCT  0x40u

/** Scoring row of a kind. */
struct dp_kind_info {
    uint32_t label;    /* enum intake_label */
    float base;        /* score without a context word; 0 = only with context */
    float ctx;         /* score with a context word of ctx_mask in the window */
    uint32_t ctx_mask; /* DP_CTX_* that count for this kind */
    const char *name;  /* for tests and debug logs */
};
DP_INTERNAL const struct dp_kind_info *dp_kind_info(unsigned kind);
/** 1 when a candidate of \p kind passed a check digit (mod 97, Luhn, the
 *  IIN/INN/SNILS/PINFL checks) or is an e-mail address: evidence enough
 *  for a candidate read through OCR damage without a context word. */
DP_INTERNAL int dp_kind_checked(unsigned kind);

/** Candidate flags. */
#define DP_CF_GLUED   0x1u /* ASCII letter right before: kept only if a context word ends there */
#define DP_CF_NUMSIGN 0x2u /* "№"/"No"/"N" right before: a document number more often than not */
#define DP_CF_DAMAGED                                                                              \
    0x4u /* read through OCR damage (look-alike letters folded, a line break or                    \
            a split domain joined, "--7" for "+7"): kept only when a check                         \
            digit holds or a context word is near */

struct dp_cand {
    uint64_t start, end; /* byte offsets [start, end) */
    uint16_t kind;       /* enum dp_kind */
    uint16_t flags;      /* DP_CF_* */
    float score;         /* filled by the scorer */
};

/** Growable candidate array; the owner supplies the allocator. */
struct dp_cands {
    struct dp_cand *v;
    size_t n, cap;
    void *(*alloc)(size_t);
    void (*free)(void *);
    int oom; /* set when a push failed: the caller reports ENOMEM */
};
DP_INTERNAL void dp_cands_push(struct dp_cands *c, size_t start, size_t end, unsigned kind,
                               unsigned flags);

/*
 * Validators. \p t / \p len is the whole text, \p hit_end the end offset the
 * scanner reported. \p floor is the end of the last token this family
 * already handled: expansion never goes left of it, so a token is parsed
 * once however many scanner hits fall inside it. Each returns the new
 * floor (the end of the token it consumed).
 */
DP_INTERNAL size_t dp_v_numeric(const char *t, size_t len, size_t hit_end, size_t floor,
                                struct dp_cands *out);
DP_INTERNAL size_t dp_v_email(const char *t, size_t len, size_t hit_end, size_t floor,
                              struct dp_cands *out);
DP_INTERNAL size_t dp_v_ipv4(const char *t, size_t len, size_t hit_end, size_t floor,
                             struct dp_cands *out);
DP_INTERNAL size_t dp_v_ipv6(const char *t, size_t len, size_t hit_end, size_t floor,
                             struct dp_cands *out);
/** \p hit_end: just after "://x" (scheme) or "www.x" (\p www = 1). */
DP_INTERNAL size_t dp_v_url(const char *t, size_t len, size_t hit_end, int www, size_t floor,
                            struct dp_cands *out);
/** \p hit_end: just after "CCkkBBBB" (compact) or "CCkk BBBB" (groups of 4). */
DP_INTERNAL void dp_v_iban(const char *t, size_t len, size_t hit_end, struct dp_cands *out);
/** \p hit_end: just after one capital letter and 7 digits; the validator
 *  tells N + 8 digits, two letters + 7 digits and one letter + 7 digits. */
DP_INTERNAL void dp_v_passport(const char *t, size_t len, size_t hit_end, struct dp_cands *out);
/**
 * Series and number written apart, looked for within \p window bytes after
 * a passport context word that ends at \p from (these forms are too common
 * in other numbers to scan for everywhere): "AN 1234567", "AC № 1234567",
 * Russian "45 12 № 345678", "4512 номер 345678", the Turkmen and older
 * Soviet-style "I-AŞ 654321", and the 9-digit number of a Kazakh identity
 * card. On a page read by OCR (\p ocr): also the digits of a series
 * and number read partly as letters ("АСОЗ91060"), and the Kyrgyz series
 * ID read as "10", "1D" or "I0" right after the word (DP_CF_DAMAGED).
 */
DP_INTERNAL void dp_v_passport_near(const char *t, size_t len, size_t from, size_t window, int ocr,
                                    struct dp_cands *out);
/**
 * IBANs in [\p a, \p b) of a page read by OCR whose country code came out
 * with a digit for a letter, or a Cyrillic look-alike ("К729 9146 ...",
 * "К2..." for KZ...): each reading of the code is tried, and one is kept
 * only when its country's length and mod 97 hold. DP_CF_DAMAGED.
 */
DP_INTERNAL void dp_v_iban_ocr(const char *t, size_t len, size_t a, size_t b, struct dp_cands *out);

/** 1 when the code point ending just before \p i is a letter (Latin, Cyrillic, ...). */
DP_INTERNAL int dp_letter_before(const char *t, size_t i);
/** 1 when the code point starting at \p i is a letter. */
DP_INTERNAL int dp_letter_at(const char *t, size_t len, size_t i);

#endif /* DP_VALIDATE_H */
