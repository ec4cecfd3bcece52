/*
 * core/anonymise.h: the one place that turns text + spans into redacted
 * text. Nothing else in intake writes redacted text (invariant 1).
 */
#ifndef INTAKE_CORE_ANONYMISE_H
#define INTAKE_CORE_ANONYMISE_H

#include <stddef.h>
#include <stdint.h>

#include <intake/span.h>

#include "config.h"

enum intake_op {
    INTAKE_OP_KEEP = 0,      /* leave the text as it is */
    INTAKE_OP_REPLACE = 1,   /* [EMAIL] */
    INTAKE_OP_PSEUDONYM = 2, /* [PERSON-1]: same entity, same number, within the document */
    INTAKE_OP_MASK = 3,      /* ********78: last 2 characters kept when 6 or more */
    INTAKE_OP_REDACT = 4     /* one block character per character */
};

enum intake_pseudonym_scope {
    INTAKE_SCOPE_DOCUMENT = 0, /* [PERSON-1], [PERSON-2] ... numbered per document */
    INTAKE_SCOPE_CASE = 1,     /* [PERSON-3f9a0c1e]: keyed HMAC, stable within a folder */
    INTAKE_SCOPE_CORPUS = 2    /* the same HMAC, stable across the whole store */
};

struct intake_policy {
    int op[INTAKE_LABEL_COUNT];
    double threshold[INTAKE_LABEL_COUNT]; /* spans scoring below are ignored */
    int scope;                            /* enum intake_pseudonym_scope */
    unsigned char key[64];                /* HMAC key (scope case/corpus); never stored */
    size_t key_len;
    char key_path[4096]; /* where it was read, to refuse a key inside a store */
};

/** The default: every type redacted (pseudonyms for PERSON, [TYPE] for the
 *  rest) except ORGANISATION, which is kept; threshold 0.5. */
void intake_policy_default(struct intake_policy *p);
/** Apply a [policy] section: `TYPE = operator`, `threshold = x`,
 *  `threshold.TYPE = x`. Unknown keys and values are INTAKE_ECONFIG. */
int intake_policy_configure(struct intake_policy *p, const struct intake_config *cfg,
                            const struct intake_cfg_section *sec, struct intake_error *err);
const char *intake_op_name(int op);
/** Forget the key (zeroes the policy's secret). */
void intake_policy_clear(struct intake_policy *p);
/** Non-zero when the policy's key file lies inside \p dir (a store must never hold it). */
int intake_policy_key_inside(const struct intake_policy *p, const char *dir);

/** One entity after merging; offsets are into the original text. */
struct intake_entity {
    uint64_t start, end;
    uint32_t label;
    uint32_t source; /* detector instance of the winning span */
    float score;
    int op;
    uint32_t number;       /* pseudonym number, 0 unless op == PSEUDONYM (document scope) */
    char tag[9];           /* pseudonym HMAC (8 hex digits) for case and corpus scope */
    uint32_t cues;         /* INTAKE_CUE_* of the winning span */
    uint64_t key;          /* the entity's person key (pseudonym identity) */
    uint64_t rstart, rend; /* where its replacement sits in the redacted text */
};

struct intake_redaction {
    char *text; /* redacted UTF-8, NUL-terminated; caller clears */
    size_t len;
    struct intake_entity *entities; /* sorted by start, non-overlapping */
    size_t nentities;
};

/**
 * Merge \p spans (overlapping spans become one entity covering their union,
 * labelled by the longest, then most confident span; spans of kept types or
 * under threshold are dropped first so they never shield a redacted one),
 * then apply \p policy. \p out is cleared with intake_redaction_clear().
 */
/** The same, for a document in folder \p scope (case scope: the HMAC
 *  includes it, so one person has one pseudonym per case). NULL = "". */
int intake_anonymise_scoped(const char *text, size_t len, const struct intake_span *spans,
                            size_t nspans, const struct intake_policy *policy, const char *scope,
                            struct intake_redaction *out, struct intake_error *err);
int intake_anonymise(const char *text, size_t len, const struct intake_span *spans, size_t nspans,
                     const struct intake_policy *policy, struct intake_redaction *out,
                     struct intake_error *err);
void intake_redaction_clear(struct intake_redaction *r);

#endif
