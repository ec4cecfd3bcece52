/*
 * detect_patterns: confusable folding for text read by OCR.
 *
 * OCR with a Cyrillic model reads Latin identifiers with Cyrillic
 * look-alike letters ("М11127104" for N11127104, "ехатріе@..." for
 * example@...), and with a Latin model reads Cyrillic words with Latin
 * ones ("пacпopт"). dp_fold() writes a copy of a stretch of text in which
 * such tokens are folded back, with a map from every output byte to the
 * source byte it came from, so that spans found in the copy point at the
 * original bytes.
 *
 * Pure function, no globals, thread-safe. Internal to the plugin.
 */
#ifndef DP_FOLD_H
#define DP_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "checksums.h"

/**
 * Fold t[0, len) token by token (runs of bytes other than ASCII white
 * space):
 *  - a token with Cyrillic letters and ASCII digits or '@' is an
 *    identifier read with a Cyrillic model: look-alike Cyrillic letters
 *    become their Latin twins (А->A, М->M, т->m, і->i...), З/з becomes 3,
 *    Cyrillic М right before exactly 8 digits becomes N (the Kazakh
 *    passport letter, which OCR reads as М), and O/o/l/I between digits
 *    become 0 and 1;
 *  - a token with Cyrillic and Latin letters and no digit is a Cyrillic
 *    word read partly with Latin letters: look-alike Latin letters become
 *    Cyrillic (a->а, c->с, p->р, n->п, m->т...);
 *  - other tokens are copied.
 * \p out must hold 2 * len bytes; \p map as many entries: map[i] is the
 * offset in \p t of the byte output byte i stands for (for a replaced
 * letter, the start of the original letter). \return the output length;
 * *changed is set to 1 when some byte was folded.
 */
DP_INTERNAL size_t dp_fold(const char *t, size_t len, char *out, uint32_t *map, int *changed);

/** The Latin letter (or digit: З is 3) Cyrillic code point \p cp looks
 *  like, or 0: the table dp_fold() folds identifiers with. */
DP_INTERNAL char dp_fold_latin(uint32_t cp);

/** End offset in \p t of the source of output byte \p i (exclusive). */
DP_INTERNAL size_t dp_fold_src_end(const char *t, const uint32_t *map, size_t i);

#endif /* DP_FOLD_H */
