/*
 * plugins/index_sqlite/tokenizer.h: the `intake` FTS5 tokenizer (ICU).
 *
 * One position per word; at that position, besides the folded word, a
 * document row gets (FTS5_TOKEN_COLOCATED) its Snowball stem in the
 * document's language and, for a word that is not plain ASCII, a loose
 * cross-script key; a query word gets its stems in every language its
 * script may be, its key and its plain ASCII transliteration. See
 * README.md, "The tokenizer".
 */
#ifndef INDEX_SQLITE_TOKENIZER_H
#define INDEX_SQLITE_TOKENIZER_H

#include <sqlite3.h>

#define ITOK_NAME     "intake"
#define ITOK_KEY_MARK '\x1f' /* first byte of a cross-script key: its own namespace */

/** Per connection: the language of the row being written or deleted. The
 *  index plugin sets it before each INSERT/DELETE on documents_fts; the
 *  tokenizer reads it in document mode. Owned by the connection (freed when
 *  it closes). */
struct itok_conn {
    char lang[16];
};

/** Register the tokenizer on \p db unless it is there already; \p out (may
 *  be NULL) receives the connection's state. \return a SQLite result code. */
int itok_register(sqlite3 *db, struct itok_conn **out);

/** A tokenizer outside SQLite (tests, tools). Not thread-safe: one per thread. */
struct itok;
int itok_create(struct itok **out);
void itok_destroy(struct itok *t);

/** Same contract as FTS5's xToken. */
typedef int (*itok_emit_fn)(void *ctx, int tflags, const char *tok, int n, int start, int end);

/** Tokenize \p text (\p len bytes of UTF-8) as FTS5 would with \p flags
 *  (FTS5_TOKENIZE_*); \p lang is the document's language (NULL: none).
 *  \return SQLITE_OK or the first non-OK value of \p emit. */
int itok_tokenize(struct itok *t, const char *lang, int flags, const char *text, int len,
                  itok_emit_fn emit, void *ctx);

#endif
