/*
 * intake: entity labels and detected spans.
 *
 * A span is a plain value: byte offsets into the document's extracted UTF-8
 * text, never pointers, so the text buffer may move. Plugins add spans with
 * host->doc_add_span(), which copies them.
 */
#ifndef INTAKE_SPAN_H
#define INTAKE_SPAN_H

#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Entity types of DESIGN.md. Values are part of the ABI: append only. */
enum intake_label {
    INTAKE_LABEL_NONE = 0,
    INTAKE_LABEL_PERSON = 1,
    INTAKE_LABEL_PHONE = 2,
    INTAKE_LABEL_EMAIL = 3,
    INTAKE_LABEL_NATIONAL_ID = 4,
    INTAKE_LABEL_PASSPORT = 5,
    INTAKE_LABEL_IBAN = 6,
    INTAKE_LABEL_CARD = 7,
    INTAKE_LABEL_DATE = 8,
    INTAKE_LABEL_ADDRESS = 9,
    INTAKE_LABEL_LOCATION = 10,
    INTAKE_LABEL_IP_ADDRESS = 11,
    INTAKE_LABEL_URL = 12,
    INTAKE_LABEL_VEHICLE_PLATE = 13,
    INTAKE_LABEL_ORGANISATION = 14,
    INTAKE_LABEL_COUNT = 15 /* one past the last label */
};

/** One detected entity. Fixed-width fields only (ABI struct). */
struct intake_span {
    uint64_t start;  /* byte offset [start, end) into the extracted UTF-8 text */
    uint64_t end;    /* exclusive */
    uint32_t label;  /* enum intake_label */
    uint32_t source; /* detector instance id: set by the core, plugins leave 0 */
    float score;     /* confidence in [0, 1]; the policy threshold decides */
    uint32_t cues;   /* INTAKE_CUE_* that fired, for the reviewer; 0 = not said
                        (ABI 1.0 called this field reserved) */
    uint64_t key;    /* detector's hash of the normalised entity (same person,
                        any grammatical case -> same key); 0 = let the core
                        hash the case-folded surface text */
};

/** Cues behind a span (struct intake_span.cues), for the human reviewer. */
#define INTAKE_CUE_LIST       0x1u   /* a word list (gazetteer) */
#define INTAKE_CUE_MORPHOLOGY 0x2u   /* surname or patronymic endings */
#define INTAKE_CUE_INITIALS   0x4u   /* initials next to it */
#define INTAKE_CUE_ROLE       0x8u   /* a role word or title announces it */
#define INTAKE_CUE_CAPITAL    0x10u  /* a capitalised word no list knows */
#define INTAKE_CUE_PROPAGATED 0x20u  /* another mention in the document was sure */
#define INTAKE_CUE_KNOWN      0x40u  /* on the case's known-names list */
#define INTAKE_CUE_PATTERN    0x80u  /* the shape of an identifier */
#define INTAKE_CUE_CHECKSUM   0x100u /* its check digit holds */
#define INTAKE_CUE_CONTEXT    0x200u /* a context word nearby */
#define INTAKE_CUE_COUNT      10

/** Name of cue bit \p i (0 <= i < INTAKE_CUE_COUNT): "list", "morphology" ... */
static inline const char *intake_cue_name(unsigned i)
{
    static const char *const names[INTAKE_CUE_COUNT] = {
        "list",       "morphology", "initials", "role",     "capital",
        "propagated", "known",      "pattern",  "checksum", "context"};
    return i < INTAKE_CUE_COUNT ? names[i] : "?";
}

/** Upper-case name of a label ("PERSON"), or NULL for an unknown value. */
static inline const char *intake_label_name(uint32_t label)
{
    static const char *const names[INTAKE_LABEL_COUNT] = {
        NULL,       "PERSON",     "PHONE", "EMAIL",         "NATIONAL_ID",
        "PASSPORT", "IBAN",       "CARD",  "DATE",          "ADDRESS",
        "LOCATION", "IP_ADDRESS", "URL",   "VEHICLE_PLATE", "ORGANISATION",
    };
    return label < INTAKE_LABEL_COUNT ? names[label] : NULL;
}

/** Label for an upper-case name, or INTAKE_LABEL_NONE. */
static inline uint32_t intake_label_from_name(const char *name)
{
    for (uint32_t l = 1; l < INTAKE_LABEL_COUNT; l++)
        if (strcmp(intake_label_name(l), name) == 0)
            return l;
    return INTAKE_LABEL_NONE;
}

#ifdef __cplusplus
}
#endif
#endif /* INTAKE_SPAN_H */
