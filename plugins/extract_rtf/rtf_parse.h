/*
 * plugins/extract_rtf/rtf_parse.h: a small RTF reader, no library.
 *
 * rtf_parse() reads a whole RTF document into three UTF-8 texts: the body
 * (with tables as tabs and newlines, hidden text included), the notes
 * (headers, footers, footnotes, annotations and their authors) and the
 * document information (\info: title, author, operator ...; revision
 * authors, custom properties, document variables, field instructions).
 * Pictures and embedded object data are dropped and counted. Anything it
 * cannot read fully (unbalanced or truncated groups, bad escapes, a byte
 * that is not a character of its code page, limits passed) is an error
 * with a reason that holds no document content.
 *
 * Pure: no globals, no I/O; iconv handles are opened and closed per call.
 */
#ifndef EXTRACT_RTF_PARSE_H
#define EXTRACT_RTF_PARSE_H

#include <stddef.h>

/** A growable UTF-8 buffer (NUL-terminated when len > 0). */
struct rtf_buf {
    char *p;
    size_t len, cap;
};

struct rtf_limits {
    unsigned max_depth; /* deepest group nesting accepted */
    size_t max_text;    /* most UTF-8 bytes of output (all three texts) */
};

struct rtf_result {
    struct rtf_buf body;  /* the document's text */
    struct rtf_buf notes; /* headers, footers, footnotes, annotations */
    struct rtf_buf info;  /* document information and other hidden text */
    unsigned pictures;    /* \pict groups dropped */
    unsigned objects;     /* \objdata groups dropped */
    unsigned skipped;     /* other destinations skipped (\*\ unknown, tables) */
    int codepage;         /* the document's code page (\ansicpg, default 1252) */
    size_t offset;        /* error: byte offset in the input */
    char why[160];        /* error: reason, no document content */
};

enum rtf_status {
    RTF_OK = 0,
    RTF_EFORMAT = 1, /* malformed or unreadable: refuse the document */
    RTF_ELIMIT = 2,  /* a limit passed: refuse the document */
    RTF_ENOMEM = 3
};

/** Parse \p len bytes of RTF into \p r (zeroed by the call). On error the
 *  buffers are wiped and freed and r->why says why. */
int rtf_parse(const unsigned char *src, size_t len, const struct rtf_limits *lim,
              struct rtf_result *r);

/** Wipe (the text is personal data) and free the buffers of \p r. */
void rtf_result_clear(struct rtf_result *r);

/** Does \p len bytes look like the start of an RTF document ("{\rtf")? */
int rtf_looks_like(const unsigned char *src, size_t len);

#endif
