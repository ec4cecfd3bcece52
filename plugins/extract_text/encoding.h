/*
 * plugins/extract_text/encoding.h: text encoding detection and conversion
 * for the extract_text plugin. Internal: no host calls, so unit tests link
 * encoding.c directly.
 *
 * One detector serves both cb_probe and cb_process (et_detect), so that what
 * the probe promises is what process delivers.
 *
 * Order of decisions (see README.md):
 *   1. BOM: UTF-8 (stripped), UTF-16LE/BE (converted strictly); UTF-32 refused.
 *   2. No BOM: strict UTF-8 validation; valid UTF-8 passes byte for byte.
 *   3. Otherwise the 8-bit candidates (windows-1251, KOI8-R, IBM866, Mac
 *      Cyrillic, ISO-8859-5, KZ-1048, PTCP154, windows-1252, KOI8-U): each candidate
 *      that decodes every byte is scored by a small language model (letter
 *      frequencies per language, case and script transitions, symbols inside
 *      words); uchardet's answer gets a small prior. The best is accepted only
 *      if its decoding looks like text (few implausible characters).
 * Anything with NUL or C0 controls other than \t \n \r \f (or DEL, or C1
 * controls) is refused in every encoding.
 */
#ifndef INTAKE_EXTRACT_TEXT_ENCODING_H
#define INTAKE_EXTRACT_TEXT_ENCODING_H

#include <stddef.h>
#include <stdint.h>

/** Encodings. The 8-bit ones are contiguous from ET_ENC_FIRST_8BIT. */
enum et_enc {
    ET_ENC_NONE = -1,
    ET_ENC_UTF8 = 0,
    ET_ENC_UTF16LE,
    ET_ENC_UTF16BE,
    ET_ENC_CP1251, /* windows-1251 */
    ET_ENC_KOI8R,  /* koi8-r */
    ET_ENC_CP866,  /* ibm866 (DOS) */
    ET_ENC_MACCYR, /* x-mac-cyrillic */
    ET_ENC_ISO8859_5,
    ET_ENC_KZ1048, /* kz-1048 = RK1048 = STRK1048-2002 */
    ET_ENC_PT154,  /* ptcp154 */
    ET_ENC_CP1252, /* windows-1252 (English and other Latin text) */
    ET_ENC_KOI8U,  /* koi8-u (Ukrainian letters where KOI8-R has box drawing) */
    ET_ENC_COUNT
};
#define ET_ENC_FIRST_8BIT ET_ENC_CP1251
#define ET_N8BIT          (ET_ENC_COUNT - ET_ENC_FIRST_8BIT)
/** Bit mask of every 8-bit encoding, for et_options.allowed. */
#define ET_ALL_8BIT (((1u << ET_N8BIT) - 1u) << ET_ENC_FIRST_8BIT)

/** Language profiles the 8-bit scorer knows (letter frequencies). */
enum et_profile {
    ET_PROF_RU,
    ET_PROF_UK,
    ET_PROF_KK,
    ET_PROF_KY,
    ET_PROF_TG,
    ET_PROF_UZ,
    ET_PROF_LATN,
    ET_NPROF
};

/** Why detection refused the bytes. Texts (et_reason_text) are content-free. */
enum et_reason {
    ET_OK = 0,
    ET_R_EMPTY,           /* zero bytes */
    ET_R_CONTROL,         /* NUL, C0 other than \t\n\r\f, DEL or C1: binary */
    ET_R_UTF8_BOM,        /* BOM says UTF-8 but the rest is not */
    ET_R_UTF16_ODD,       /* UTF-16 with an odd number of bytes */
    ET_R_UTF16_SURROGATE, /* unpaired surrogate */
    ET_R_UTF32,           /* UTF-32 BOM: not supported */
    ET_R_UTF8_INVALID,    /* looks like broken UTF-8 and no 8-bit encoding fits */
    ET_R_NOT_TEXT,        /* not text in any supported encoding */
    ET_R_ESCAPED,         /* RTF / &#NNNN; / \uNNNN / quoted-printable hides letters */
    ET_R_NOMEM,           /* malloc failed */
    ET_R_COUNT
};

/** Per-byte tables of the 8-bit encodings, built once from iconv (read-only after). */
struct et_tables {
    uint32_t cp[ET_N8BIT][256];               /* code point, or ET_CP_INVALID */
    uint8_t cls[ET_N8BIT][256];               /* character class (encoding.c) */
    uint8_t outside[ET_N8BIT][ET_NPROF][256]; /* letter not in the profile's alphabet */
    uint8_t vowel[ET_N8BIT][256];             /* ET_V_* bits of a Cyrillic letter */
    float logp[ET_N8BIT][ET_NPROF][256];      /* log2 unigram probability under the profile */
};
#define ET_CP_INVALID 0xFFFFFFFFu
#define ET_V_VOWEL    1u /* a Cyrillic vowel of any of the languages */
#define ET_V_FRONT    2u /* ә ө ү і: Kazakh/Kyrgyz front-only vowels */
#define ET_V_BACK     4u /* а о ұ ы: back vowels (vowel harmony forbids mixing) */
#define ET_V_TURKIC   8u /* ә і ө ұ ү: never doubled in Kazakh */

/** What the caller allows. */
struct et_options {
    uint32_t allowed;  /* bit (1u << enc) per allowed 8-bit encoding */
    int fallback;      /* 8-bit enc to use when nothing plausible is found, or ET_ENC_NONE */
    double prior_bits; /* bonus for uchardet's answer (0 = ignore uchardet) */
};

/** The outcome of et_detect. */
struct et_result {
    int reason;           /* enum et_reason; ET_OK when enc is usable */
    int enc;              /* enum et_enc chosen, ET_ENC_NONE if refused */
    size_t skip;          /* BOM bytes to skip before converting */
    size_t offset;        /* byte offset of the first offending byte (reasons that have one) */
    int confidence;       /* 0..100 that this is text we can read (cb_probe) */
    int profile;          /* best language profile for 8-bit encodings, else -1 */
    int ud_enc;           /* what uchardet said, mapped to our encodings (ET_ENC_NONE) */
    int used_fallback;    /* 1 when enc came from et_options.fallback */
    uint32_t scored;      /* 8-bit: number of non-ASCII characters scored */
    uint32_t implausible; /* 8-bit: of those, how many looked wrong in the best decoding */
    double margin;        /* 8-bit: score of the best minus the runner-up, in bits */
    double vowels;        /* 8-bit: share of vowels among the scored Cyrillic letters */
};

/**
 * Build the 8-bit tables by asking iconv for each byte of each encoding.
 * \return 0, or -1 with a message (no document content) in \p msg.
 */
int et_tables_init(struct et_tables *t, char *msg, size_t msgsize);

/**
 * Detect the encoding of \p len bytes. \p ud is a uchardet handle (reset
 * here) or NULL to create a temporary one. \p truncated: the bytes are a
 * prefix of a longer file, so a UTF-8/UTF-16 sequence cut at the end is fine.
 * \return r->reason. Thread-safe for distinct \p ud.
 */
int et_detect(const struct et_tables *t, void *ud, const unsigned char *b, size_t len,
              int truncated, const struct et_options *o, struct et_result *r);

/** Upper bound of the UTF-8 size of \p len source bytes in \p enc. */
size_t et_convert_bound(int enc, size_t len);
/** Buffer size for et_convert: exact for 8-bit encodings (a 64 MB cp1251 file
 *  needs ~110 MB, not the 192 MB bound), the bound otherwise; +1 for a NUL. */
size_t et_convert_size(const struct et_tables *t, int enc, const unsigned char *b, size_t len);

/**
 * Convert \p len bytes in \p enc (after any BOM) to UTF-8 in \p out (at
 * least et_convert_bound bytes). UTF-8 is copied. \return the number of
 * bytes written, or (size_t)-1 if the bytes are not valid (bad offset in
 * \p bad, may be NULL).
 */
size_t et_convert(const struct et_tables *t, int enc, const unsigned char *b, size_t len, char *out,
                  size_t *bad);

/** Canonical lower-case name ("windows-1251"); "none" for ET_ENC_NONE. */
const char *et_enc_name(int enc);
/** glibc iconv name of an 8-bit encoding ("RK1048"), or NULL. */
const char *et_iconv_name(int enc);
/** Encoding for a name or alias, case-insensitive ("cp1251", "rk1048"), or ET_ENC_NONE. */
int et_enc_from_name(const char *name);
/** Static, content-free text for a reason. */
const char *et_reason_text(int reason);
/** Name of a profile ("ru"). */
const char *et_profile_name(int profile);

/**
 * Strict UTF-8 check: no overlongs, surrogates or > U+10FFFF, and no
 * forbidden controls. \return 1 if valid; else 0 with the offset in \p bad and
 * *is_control = 1 when the problem is a control character.
 */
int et_utf8_check(const unsigned char *b, size_t len, int truncated, size_t *bad, int *is_control,
                  size_t *multibyte);

#endif
