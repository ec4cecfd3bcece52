/*
 * detect_patterns: check digits and structure rules of identifiers.
 *
 * Pure functions over ASCII digit strings (no I/O, no allocation, no
 * globals), so they are thread-safe and unit-tested directly. Every
 * function takes the digits as characters '0'..'9' and a length; callers
 * have already checked that the characters are digits.
 *
 * Internal to the plugin: hidden visibility, never exported from the .so.
 */
#ifndef DP_CHECKSUMS_H
#define DP_CHECKSUMS_H

#include <stddef.h>

#if defined(__GNUC__)
#define DP_INTERNAL __attribute__((visibility("hidden")))
#else
#define DP_INTERNAL
#endif

/** 1 when y-m-d is a real calendar date (Gregorian, leap years). */
DP_INTERNAL int dp_valid_date(int year, int month, int day);

/**
 * Kazakhstan IIN/BIN check digit over 12 digits: weights 1..11 mod 11; if
 * that gives 10, weights 3..11,1,2; 10 again means the number is unusable.
 * \return 1 when the 12th digit matches, 0 otherwise (also when unusable).
 */
DP_INTERNAL int dp_kz12_check(const char *d);

/** KZ 12-digit classes decided from structure only (after the checksum). */
enum dp_kz12_class {
    DP_KZ12_OTHER = 0, /* neither a plausible IIN nor a BIN */
    DP_KZ12_IIN = 1,   /* YYMMDD valid date, 7th digit 0..6 (0: foreigner) */
    DP_KZ12_BIN = 2    /* 5th digit 4..6: legal entity, YYMM valid month */
};
DP_INTERNAL enum dp_kz12_class dp_kz12_classify(const char *d);

/** Russia INN check digits: 10 digits (organisations), 12 digits (persons). */
DP_INTERNAL int dp_ru_inn10_check(const char *d);
DP_INTERNAL int dp_ru_inn12_check(const char *d);

/**
 * Russia SNILS over 11 digits (9 + 2 check): sum of d[i] * (9 - i); below
 * 100 it is the check number, 100 and 101 give 00, above 101 take mod 101
 * (100 again gives 00). Numbers up to 001-001-998 carry no check number
 * and are refused.
 */
DP_INTERNAL int dp_snils_check(const char *d);

/** Luhn (ISO/IEC 7812) over \p n digits. */
DP_INTERNAL int dp_luhn_check(const char *d, size_t n);

/**
 * Uzbekistan PINFL structure over 14 digits: first digit 1..6 (century and
 * sex), then DDMMYY a valid date in that century. \return 1 when it holds.
 */
DP_INTERNAL int dp_uz_pinfl_structure(const char *d);
/** The unofficial 7-3-1 weighted check digit of a PINFL: extra evidence only. */
DP_INTERNAL int dp_uz_pinfl_check(const char *d);

/**
 * Kyrgyzstan PIN structure over 14 digits: sex digit 1 or 2, DDMMYYYY a
 * valid date between 1900 and 2099. No check digit is published.
 */
DP_INTERNAL int dp_kg_pin_structure(const char *d);

/** Expected IBAN length for a two-letter country code, 0 when unknown. */
DP_INTERNAL int dp_iban_country_length(char c0, char c1);

/**
 * ISO 13616 mod-97 over a compact IBAN of \p n characters [0-9A-Z]
 * (country, 2 check digits, BBAN). \return 1 when the remainder is 1.
 */
DP_INTERNAL int dp_iban_mod97(const char *s, size_t n);

#endif /* DP_CHECKSUMS_H */
