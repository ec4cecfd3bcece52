/*
 * plugins/extract_office/office.h: what extract_office and export_office
 * share (office.c is compiled into both): the zip package read into memory
 * under limits, the roles of its members, and THE WALK, the one reading
 * order from XML to pages of text that both plugins follow.
 *
 * The extractor adds the walk's pages to the document; the exporter walks
 * the same bytes again, checks that it gets the same pages the document
 * has, and writes each segment's redacted text back into the XML node it
 * came from. Because both run this code, an offset in the document's text
 * always names the node it was read from.
 *
 * Page model (only non-empty pages are added, always in this order; each
 * ends with "\n"):
 *
 *   BODY      the main text in reading order: paragraphs, tables (a cell's
 *             paragraphs in turn), text boxes where they are anchored,
 *             tracked insertions, field results; for spreadsheets the
 *             cells row by row (tab between cells)
 *   HEADFOOT  headers and footers (ODF: master pages)
 *   NOTES     footnotes and endnotes
 *   COMMENTS  comments (annotations), with their authors
 *   HIDDEN    tracked deletions, hidden text (vanish / display none),
 *             field codes, alternate-content fallbacks, alt text, link
 *             targets, form field values, formulas and raw cell values
 *   OTHER     XML parts of no known kind (charts, diagrams, custom XML,
 *             embedded objects): every text node
 *   PROPS     document properties (core/app/custom, meta.xml), authors of
 *             changes and comments, sheet names, member names of media and
 *             unknown members
 */
#ifndef INTAKE_OFFICE_H
#define INTAKE_OFFICE_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include <intake/intake.h>

enum office_format {
    OFFICE_UNKNOWN = 0,
    OFFICE_DOCX,
    OFFICE_DOCM,
    OFFICE_ODT,
    OFFICE_XLSX,
    OFFICE_ODS
};

enum office_page {
    OFFICE_PAGE_BODY = 0,
    OFFICE_PAGE_HEADFOOT,
    OFFICE_PAGE_NOTES,
    OFFICE_PAGE_COMMENTS,
    OFFICE_PAGE_HIDDEN,
    OFFICE_PAGE_OTHER,
    OFFICE_PAGE_PROPS,
    OFFICE_PAGE_COUNT
};

/** What a member of the package is, decided from its name alone. */
enum office_role {
    OFFICE_ROLE_COPY = 0,  /* structural, no text: copied as it is (content types, manifest) */
    OFFICE_ROLE_BODY,      /* main document part (document.xml, content.xml, sheets) */
    OFFICE_ROLE_HEADFOOT,  /* word/header*.xml, word/footer*.xml, ODF styles.xml */
    OFFICE_ROLE_NOTES,     /* word/footnotes.xml, word/endnotes.xml */
    OFFICE_ROLE_COMMENTS,  /* word/comments.xml, xl/comments*.xml */
    OFFICE_ROLE_CLEAR,     /* no text but personal data: commentsExtended, people.xml */
    OFFICE_ROLE_PROPS,     /* docProps/core|app|custom.xml, meta.xml */
    OFFICE_ROLE_SETTINGS,  /* word/settings.xml (document variables, mail merge) */
    OFFICE_ROLE_STYLES,    /* word/styles.xml: read for hidden styles */
    OFFICE_ROLE_RELS,      /* *.rels: external targets */
    OFFICE_ROLE_SST,       /* xl/sharedStrings.xml */
    OFFICE_ROLE_WORKBOOK,  /* xl/workbook.xml: sheet names, defined names */
    OFFICE_ROLE_XML_OTHER, /* any other XML part: every text node */
    OFFICE_ROLE_MEDIA,     /* pictures: OCR pages / placeholders */
    OFFICE_ROLE_THUMB,     /* thumbnails and object previews: dropped / placeholders */
    OFFICE_ROLE_EMBED,     /* embedded files: child documents / emptied */
    OFFICE_ROLE_FONT,      /* embedded fonts: copied */
    OFFICE_ROLE_BINARY,    /* any other binary member: dropped / emptied */
    OFFICE_ROLE_DIR,       /* a folder entry */
    OFFICE_ROLE_MIMETYPE   /* ODF "mimetype": stored first, uncompressed */
};

/** Limits on the package (zip bombs). */
struct office_limits {
    int64_t max_total;   /* uncompressed bytes of all members */
    int64_t max_members; /* entries in the zip */
    double max_ratio;    /* uncompressed / compressed file size, checked past ratio_floor */
    int64_t ratio_floor; /* bytes: the ratio is not checked below this much output */
};

struct office_member {
    char *name;          /* path inside the zip (UTF-8) */
    unsigned char *data; /* its bytes (malloc; NUL-terminated, len excludes it) */
    size_t len;
    int role;      /* enum office_role */
    xmlDocPtr xml; /* parsed by office_walk when the role has text, else NULL */
};

struct office_pkg {
    int format; /* enum office_format */
    struct office_member *m;
    size_t n;
};

/** A run of page text read from one XML node (a text node, or an attribute's text). */
struct office_seg {
    uint32_t page;  /* enum office_page */
    uint32_t flags; /* OFFICE_SEG_* */
    uint64_t off;   /* byte offset in its page */
    uint64_t len;
    xmlNodePtr node; /* the text node to rewrite; NULL for a member name */
};
#define OFFICE_SEG_URI  0x1u /* the node is a URI: percent-encode what is written back */
#define OFFICE_SEG_NAME 0x2u /* a member name: the exporter cannot rename, so refuses to change */
/* XLSX: the node is a cell's <v> index into the shared strings; the text
 * is the string's. The exporter makes the cell an inline string. */
#define OFFICE_SEG_SST 0x4u

struct office_buf {
    char *p;
    size_t len, cap;
};

struct office_text {
    struct office_buf page[OFFICE_PAGE_COUNT];
    struct office_seg *seg;
    size_t nseg, segcap;
    int page_no[OFFICE_PAGE_COUNT]; /* the document page of each kind, -1 when empty */
    uint32_t npages;                /* non-empty pages */
    int oom;
};

/** True if \p b looks like an OOXML or ODF package (cheap: names in the zip). */
int office_probe(const unsigned char *b, size_t len);

/**
 * Read every member of the zip in \p src into \p pkg, under \p lim. Refused
 * with INTAKE_EFORMAT and a reason: not a zip, truncated (no central
 * directory), encrypted members, duplicate names, too many members, too
 * large, too compressed, not an OOXML/ODF text or spreadsheet package.
 */
int office_pkg_read(const unsigned char *src, size_t len, const struct office_limits *lim,
                    struct office_pkg *pkg, struct intake_error *err);
void office_pkg_clear(struct office_pkg *pkg);
const char *office_format_name(int format);

/**
 * THE WALK: parse the package's XML parts (kept in pkg->m[i].xml) and build
 * the pages and segments of \p t. Malformed XML, or XML with a DTD, is
 * INTAKE_EFORMAT. \p t is cleared first.
 */
int office_walk(struct office_pkg *pkg, struct office_text *t, struct intake_error *err);
void office_text_clear(struct office_text *t);

/** A short, content-free label for member \p i for messages ("word/document.xml" or "member 12").
 */
const char *office_member_label(const struct office_pkg *pkg, size_t i, char *buf, size_t n);

/**
 * export_office: after the segments were rewritten, remove from the parsed
 * parts what a redacted copy must not hold: tracked deletions (dropped) and
 * insertions (accepted), formatting changes, comment anchors and comment
 * parts, hidden text (vanish, display none, hidden fields), document
 * properties and people (emptied, still valid), document variables, mail
 * merge and template links, ODF printer settings. INTAKE_ENOMEM on allocation
 * failure, INTAKE_EFORMAT when ODF settings.xml is malformed.
 */
int office_clean(struct office_pkg *pkg);

/** Write a zip of \p n members (names, data, whether to store uncompressed)
 *  into a malloc'd buffer. Deterministic: fixed times, no extra fields. */
struct office_out {
    const char *name;
    const unsigned char *data;
    size_t len;
    int store; /* 1 = stored, 0 = deflated */
};
int office_zip_write(const struct office_out *m, size_t n, unsigned char **out, size_t *outlen);

/** Zero and free. */
void office_buf_free(struct office_buf *b);

#endif
