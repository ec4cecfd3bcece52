/*
 * plugins/index_sqlite/query.h: the filters of the query language
 * (`lang:`, `type:`, `has:`, `year:`, `date:`, `source:`, `sort:`), taken
 * out of a query before its words go to FTS5. One parser for `intake
 * search` and `intake serve` (both reach it through cb_search).
 */
#ifndef INDEX_SQLITE_QUERY_H
#define INDEX_SQLITE_QUERY_H

#include <stddef.h>
#include <stdint.h>

#define IQ_VALUE 128

struct iq_filters {
    char lang[IQ_VALUE];   /* JSON array of language codes, "" for none */
    char type[IQ_VALUE];   /* MIME type or a part of one (pdf, text), "" for none */
    char has[IQ_VALUE];    /* entity type, upper case (PERSON), "" for none */
    char source[IQ_VALUE]; /* prefix of the redacted source name, "" for none */
    int64_t from, to;      /* ingest time range [from, to), -1 for open */
    int sort;              /* -1 not given, else INTAKE_SORT_* */
};

/**
 * Take the filters out of \p q: \p rest (\p cap bytes, at least strlen(q)+1)
 * receives the query with each filter blanked out, \p f the filters.
 * \return 0, or -1 with a one-line reason in \p why.
 */
int iq_parse(const char *q, char *rest, size_t cap, struct iq_filters *f, char *why, size_t whycap);

#endif
