/*
 * lid_engine: language identification by script, letters and lexicon.
 *
 * One linear score per language profile (data/<name>.lang) from four kinds
 * of evidence, all written by hand from knowledge of the languages:
 *   letters   a letter outside a profile's alphabet costs, a distinctive
 *             letter ("mark") earns, a letter of another script costs;
 *   words     frequent short words (function words, legal register);
 *   suffixes  frequent word endings (case and plural suffixes);
 *   doubles   doubled vowels (Kyrgyz, Mongolian long vowels).
 * Text is cut into units (a line, or a run of one script in a line); a
 * Viterbi pass over the units with switch penalties (cheap at a blank
 * line, dearer inside a paragraph) gives the segments, and each segment is
 * decided on its summed evidence, abstaining ("und") when it is short or
 * the margin between the two best profiles is small.
 *
 * The model is built once (lid_model_create) and read-only after, so it
 * can be shared by threads and forked workers. The scratch holds one
 * caller's buffers: one per worker.
 */
#ifndef LID_ENGINE_H
#define LID_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <intake/intake.h>

#define LID_MAX_LANG 32

struct lid_alloc {
    void *(*alloc)(size_t);
    void (*free)(void *);
};

struct lid_model;
struct lid_scratch;

/** One decided segment. \c lang and \c script are borrowed from the model
 *  (valid while it lives). */
struct lid_segment {
    uint64_t start, end; /* byte offsets into the text */
    const char *lang;    /* output tag ("und" when abstaining) */
    const char *script;  /* ISO 15924: Cyrl, Latn, Zyyy, or ICU's code for others */
    float confidence;    /* 0..1; for "und", how sure the best guess was */
    uint32_t letters;    /* letters in the segment (for the document's main language) */
};

/** Load every *.lang file of \p dir. \p out is owned by the caller:
 *  lid_model_destroy. Errors name the file and line, never text. */
int lid_model_create(const char *dir, const struct lid_alloc *a, struct lid_model **out,
                     struct intake_error *err);
void lid_model_destroy(struct lid_model *m);
size_t lid_model_nlang(const struct lid_model *m);
/** Output tag of profile \p i (borrowed). */
const char *lid_model_lang(const struct lid_model *m, size_t i);

int lid_scratch_create(const struct lid_model *m, struct lid_scratch **out,
                       struct intake_error *err);
void lid_scratch_destroy(struct lid_scratch *s);

/**
 * Segment \p text and decide each segment. \p segs points into \p s and
 * stays valid until the next call with \p s. INTAKE_ENOMEM on failure.
 */
int lid_analyse(const struct lid_model *m, struct lid_scratch *s, const char *text, size_t len,
                const struct lid_segment **segs, size_t *nsegs, struct intake_error *err);

/** The language of \p text taken as one piece (no segmentation). */
int lid_identify(const struct lid_model *m, struct lid_scratch *s, const char *text, size_t len,
                 struct lid_segment *out, struct intake_error *err);

/** The summed score of every profile over \p text (for tools: the
 *  evidence behind a decision). \p out has lid_model_nlang() entries. */
int lid_scores(const struct lid_model *m, struct lid_scratch *s, const char *text, size_t len,
               float *out, struct intake_error *err);

/** The document's main language: the decided tag with the most letters,
 *  "und" when no segment was decided. Borrowed from the model. */
const char *lid_main_lang(const struct lid_segment *segs, size_t n);

#endif
