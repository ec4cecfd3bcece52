/*
 * dn_engine: the name finder behind detect_names, free of the host so the
 * unit tests, dn_spans and the benchmark run exactly what the plugin runs.
 *
 *   lexicon  word lists (first names, role words, stop words, place nouns)
 *            loaded once in cb_init; read-only afterwards.
 *   scanner  per-worker scratch: tokens, skeletons, chains, the
 *            document's persons and the hits; reused from one document to
 *            the next.
 *
 * Every word is compared through its "skeleton": lower-cased, Cyrillic
 * and Latin folded onto one ASCII spelling (Жұмабеков, Zhumabekov and
 * Jumabekov -> "zumabekov"), so one rule set serves every language and
 * script and the skeleton of a surname stem is the person's key.
 */
#ifndef DN_ENGINE_H
#define DN_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <intake/intake.h>

/* Languages of the first-name lists (option `languages`). */
enum {
    DN_LANG_RU = 1u << 0,
    DN_LANG_KK = 1u << 1,
    DN_LANG_KY = 1u << 2,
    DN_LANG_UZ = 1u << 3,
    DN_LANG_TK = 1u << 4,
    DN_LANG_TG = 1u << 5,
    DN_LANG_EN = 1u << 6,
    DN_LANG_ALL = (1u << 7) - 1
};

/** Language bit for "ru", "kk", ... (any case); 0 if unknown. */
unsigned dn_lang_bit(const char *name);

struct dn_alloc {
    void *(*alloc)(size_t);
    void (*free)(void *);
};

struct dn_settings {
    const char *data_dir;   /* folder with first_*.txt, roles.txt, stop.txt, places.txt, geo.txt */
    unsigned langs;         /* DN_LANG_* bits: which first-name lists to load */
    double min_score;       /* drop hits below */
    int propagate;          /* document-level propagation of confident names */
    const char *known_file; /* names always redacted (one person a line), or NULL */
    const char *allow_file; /* names always kept (public officials), or NULL */
    const char *dict_dir;   /* hunspell dictionaries of common words (en_US.dic, ru_RU.dic),
                               or NULL; a missing file is skipped */
};

struct dn_lexicon;
struct dn_scanner;

/** One PERSON hit: byte range, score and the person key (never 0). */
struct dn_hit {
    uint64_t start, end;
    float score;
    uint32_t cues; /* DN_CUE_* bits, for debugging and the tests */
    uint64_t key;
};

enum {
    DN_CUE_FIRST = 1u << 0,   /* first-name list */
    DN_CUE_SURNAME = 1u << 1, /* surname morphology */
    DN_CUE_PATRO = 1u << 2,   /* patronymic morphology or particle */
    DN_CUE_INITIAL = 1u << 3, /* initials */
    DN_CUE_ROLE = 1u << 4,    /* role word or title before */
    DN_CUE_CAP = 1u << 5,     /* capitalised unknown word */
    DN_CUE_PROP = 1u << 6,    /* propagated from a confident mention */
    DN_CUE_KNOWN = 1u << 7    /* a name from the known-names list */
};

int dn_lexicon_create(const struct dn_settings *set, const struct dn_alloc *a,
                      struct dn_lexicon **out, struct intake_error *err);
void dn_lexicon_destroy(struct dn_lexicon *lex);
/** Number of words loaded (all lists), for the log. */
size_t dn_lexicon_size(const struct dn_lexicon *lex);
/** Number of common-word forms loaded from the dictionaries, for the log. */
size_t dn_lexicon_dict_size(const struct dn_lexicon *lex);

int dn_scanner_create(const struct dn_lexicon *lex, struct dn_scanner **out,
                      struct intake_error *err);
void dn_scanner_destroy(struct dn_scanner *sc);

/** A block of the text in one language (from language identification). */
struct dn_lang_range {
    uint64_t start, end; /* bytes, sorted, not overlapping */
    uint8_t english, kazakh;
};
/** Language blocks for the next dn_scan on \p sc (borrowed until then);
 *  n = 0 falls back to the scanner's own guess for the whole document. */
void dn_scanner_set_langs(struct dn_scanner *sc, const struct dn_lang_range *r, size_t n);

/** Find the names in \p text. The hits, sorted by start and not
 *  overlapping, stay valid until the next dn_scan on this scanner. */
int dn_scan(const struct dn_lexicon *lex, struct dn_scanner *sc, const char *text, size_t len,
            const struct dn_hit **hits, size_t *n, struct intake_error *err);

/** The skeleton of UTF-8 \p s into \p out (NUL-terminated); its length, or 0
 *  when the word has no letters or does not fit. Exposed for the tests. */
size_t dn_skeleton(const char *s, size_t n, char *out, size_t cap);

#endif
