/*
 * dc_engine: the scanner of detect_context (quasi-identifiers by context:
 * dates of birth, street addresses, places of birth or residence, vehicle
 * plates). Plain C over UTF-8; no ICU, no regex.
 *
 *   lexicon  the keyword list (data/keywords.txt), built once, read-only;
 *   scanner  per-worker scratch arrays (tokens, dates, hits).
 */
#ifndef DC_ENGINE_H
#define DC_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <intake/intake.h>

/* Entity types the plugin can report (the `types` option). */
#define DC_T_DATE     0x1u
#define DC_T_ADDRESS  0x2u
#define DC_T_LOCATION 0x4u
#define DC_T_PLATE    0x8u
#define DC_T_ALL      0xFu

struct dc_alloc {
    void *(*alloc)(size_t);
    void (*free)(void *);
};

struct dc_settings {
    const char *data_dir; /* folder of keywords.txt */
    unsigned types;       /* DC_T_* */
    size_t window;        /* bytes of context searched on each side of a date */
    double min_score;     /* hits scored below are dropped */
};

struct dc_hit {
    uint64_t start, end; /* byte offsets [start, end) */
    uint32_t label;      /* INTAKE_LABEL_DATE, _ADDRESS, _LOCATION, _VEHICLE_PLATE */
    float score;
};

struct dc_lexicon;
struct dc_scanner;

/** DC_T_* bit of a type name (DATE, ADDRESS, LOCATION, VEHICLE_PLATE, all;
 *  any case), 0 if unknown. */
unsigned dc_type_bit(const char *name);

int dc_lexicon_create(const struct dc_settings *set, const struct dc_alloc *a,
                      struct dc_lexicon **out, struct intake_error *err);
void dc_lexicon_destroy(struct dc_lexicon *lex);
size_t dc_lexicon_size(const struct dc_lexicon *lex);

int dc_scanner_create(const struct dc_lexicon *lex, struct dc_scanner **out,
                      struct intake_error *err);
void dc_scanner_destroy(struct dc_scanner *sc);

/** Scan \p text; the hits (sorted by start, borrowed, valid until the next
 *  scan) go to *hits. */
int dc_scan(const struct dc_lexicon *lex, struct dc_scanner *sc, const char *text, size_t len,
            const struct dc_hit **hits, size_t *n, struct intake_error *err);

#endif
