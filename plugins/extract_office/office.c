/*
 * plugins/extract_office/office.c: the package and THE WALK shared by
 * extract_office and export_office (see office.h for the page model).
 *
 * Reading: libarchive's seekable zip reader over the bytes in memory (the
 * central directory is what Word and LibreOffice read, so a file cut short
 * is refused rather than read in part), every member into memory under
 * the limits; libxml2 with no network, no entity substitution, no DTD at
 * all (a DTD could hide text in entities the walk would not see), and its
 * messages switched off (they quote the document).
 *
 * Writing: a small deterministic zip writer on zlib (no extra fields, fixed
 * times, ODF's "mimetype" stored first) for export_office and the tests.
 */
#include "office.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>
#include <libxml/parser.h>
#include <zlib.h>

/* ------------------------------------------------------------------ */
/* buffers                                                            */
/* ------------------------------------------------------------------ */

void office_buf_free(struct office_buf *b)
{
    if (b->p) {
        memset(b->p, 0, b->cap); /* document text is personal data */
        free(b->p);
    }
    b->p = NULL;
    b->len = b->cap = 0;
}

static int buf_add(struct office_buf *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = malloc(cap);
        if (!p)
            return -1;
        if (b->p) {
            memcpy(p, b->p, b->len);
            memset(b->p, 0, b->cap);
            free(b->p);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

/* ------------------------------------------------------------------ */
/* names and roles                                                    */
/* ------------------------------------------------------------------ */

static int starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static int ends(const char *s, const char *e)
{
    size_t n = strlen(s), m = strlen(e);
    return n >= m && strcmp(s + n - m, e) == 0;
}

/* "word/header12.xml" against prefix "word/header": digits, then ".xml". */
static int numbered(const char *s, const char *prefix)
{
    if (!starts(s, prefix))
        return 0;
    s += strlen(prefix);
    while (isdigit((unsigned char)*s))
        s++;
    return strcmp(s, ".xml") == 0;
}

static int looks_xml(const struct office_member *m)
{
    if (ends(m->name, ".xml") || ends(m->name, ".rels") || ends(m->name, ".vml"))
        return 1;
    size_t i = 0;
    if (m->len >= 3 && memcmp(m->data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    return m->len >= i + 5 && memcmp(m->data + i, "<?xml", 5) == 0;
}

static const char *const fixed_names[] = {"[Content_Types].xml",
                                          "_rels/.rels",
                                          "word/document.xml",
                                          "word/styles.xml",
                                          "word/settings.xml",
                                          "word/comments.xml",
                                          "word/footnotes.xml",
                                          "word/endnotes.xml",
                                          "word/people.xml",
                                          "word/_rels/document.xml.rels",
                                          "docProps/core.xml",
                                          "docProps/app.xml",
                                          "docProps/custom.xml",
                                          "xl/workbook.xml",
                                          "xl/sharedStrings.xml",
                                          "mimetype",
                                          "content.xml",
                                          "styles.xml",
                                          "meta.xml",
                                          "settings.xml",
                                          "META-INF/manifest.xml",
                                          NULL};

const char *office_member_label(const struct office_pkg *pkg, size_t i, char *buf, size_t n)
{
    if (i < pkg->n)
        for (const char *const *f = fixed_names; *f; f++)
            if (strcmp(pkg->m[i].name, *f) == 0)
                return *f;
    snprintf(buf, n, "member %zu", i + 1);
    return buf;
}

static int role_of(int format, const struct office_member *m)
{
    const char *s = m->name;
    if (ends(s, "/"))
        return OFFICE_ROLE_DIR;
    if (format == OFFICE_ODT || format == OFFICE_ODS) {
        if (strcmp(s, "mimetype") == 0)
            return OFFICE_ROLE_MIMETYPE;
        if (strcmp(s, "content.xml") == 0)
            return OFFICE_ROLE_BODY;
        if (strcmp(s, "styles.xml") == 0)
            return OFFICE_ROLE_HEADFOOT;
        if (strcmp(s, "meta.xml") == 0)
            return OFFICE_ROLE_PROPS;
        if (strcmp(s, "settings.xml") == 0 || strcmp(s, "META-INF/manifest.xml") == 0 ||
            starts(s, "Configurations2/"))
            return OFFICE_ROLE_COPY;
        if (starts(s, "Pictures/") || starts(s, "media/"))
            return OFFICE_ROLE_MEDIA;
        if (starts(s, "Thumbnails/") || starts(s, "ObjectReplacements/"))
            return OFFICE_ROLE_THUMB;
        if (starts(s, "Fonts/"))
            return OFFICE_ROLE_FONT;
        if (looks_xml(m))
            return OFFICE_ROLE_XML_OTHER;
        if (starts(s, "Object"))
            return OFFICE_ROLE_EMBED;
        return OFFICE_ROLE_BINARY;
    }
    if (strcmp(s, "[Content_Types].xml") == 0)
        return OFFICE_ROLE_COPY;
    if (ends(s, ".rels"))
        return OFFICE_ROLE_RELS;
    if (strcmp(s, "docProps/core.xml") == 0 || strcmp(s, "docProps/app.xml") == 0 ||
        strcmp(s, "docProps/custom.xml") == 0)
        return OFFICE_ROLE_PROPS;
    if (starts(s, "docProps/thumbnail"))
        return OFFICE_ROLE_THUMB;
    if (strstr(s, "/media/"))
        return OFFICE_ROLE_MEDIA;
    if (strstr(s, "/embeddings/"))
        return OFFICE_ROLE_EMBED;
    if (strstr(s, "/fonts/") && !looks_xml(m))
        return OFFICE_ROLE_FONT;
    if (format == OFFICE_DOCX || format == OFFICE_DOCM) {
        if (strcmp(s, "word/document.xml") == 0)
            return OFFICE_ROLE_BODY;
        if (numbered(s, "word/header") || numbered(s, "word/footer"))
            return OFFICE_ROLE_HEADFOOT;
        if (strcmp(s, "word/footnotes.xml") == 0 || strcmp(s, "word/endnotes.xml") == 0)
            return OFFICE_ROLE_NOTES;
        if (strcmp(s, "word/comments.xml") == 0)
            return OFFICE_ROLE_COMMENTS;
        if (starts(s, "word/comments") || strcmp(s, "word/people.xml") == 0)
            return OFFICE_ROLE_CLEAR;
        if (strcmp(s, "word/settings.xml") == 0)
            return OFFICE_ROLE_SETTINGS;
        if (strcmp(s, "word/styles.xml") == 0)
            return OFFICE_ROLE_STYLES;
    } else {
        if (strcmp(s, "xl/workbook.xml") == 0)
            return OFFICE_ROLE_WORKBOOK;
        if (strcmp(s, "xl/sharedStrings.xml") == 0)
            return OFFICE_ROLE_SST;
        if (numbered(s, "xl/worksheets/sheet"))
            return OFFICE_ROLE_BODY;
        if (numbered(s, "xl/comments") || starts(s, "xl/threadedComments/"))
            return OFFICE_ROLE_COMMENTS;
    }
    return looks_xml(m) ? OFFICE_ROLE_XML_OTHER : OFFICE_ROLE_BINARY;
}

const char *office_format_name(int format)
{
    switch (format) {
    case OFFICE_DOCX: return "docx";
    case OFFICE_DOCM: return "docm";
    case OFFICE_ODT: return "odt";
    case OFFICE_XLSX: return "xlsx";
    case OFFICE_ODS: return "ods";
    default: return "unknown";
    }
}

static const void *find_bytes(const unsigned char *b, size_t len, const char *s)
{
    return memmem(b, len, s, strlen(s));
}

int office_probe(const unsigned char *b, size_t len)
{
    if (!b || len < 30 || memcmp(b, "PK\3\4", 4) != 0)
        return 0;
    /* ODF: "mimetype" first, stored, its content right after the header */
    if (memcmp(b + 30, "mimetype", 8) == 0) {
        size_t n = len - 38 < 80 ? len - 38 : 80;
        return find_bytes(b + 38, n, "application/vnd.oasis.opendocument.text") ||
               find_bytes(b + 38, n, "application/vnd.oasis.opendocument.spreadsheet");
    }
    return find_bytes(b, len, "[Content_Types].xml") &&
           (find_bytes(b, len, "word/document.xml") || find_bytes(b, len, "xl/workbook.xml"));
}

/* ------------------------------------------------------------------ */
/* reading the package                                                */
/* ------------------------------------------------------------------ */

void office_pkg_clear(struct office_pkg *pkg)
{
    for (size_t i = 0; i < pkg->n; i++) {
        struct office_member *m = &pkg->m[i];
        if (m->xml)
            xmlFreeDoc(m->xml);
        if (m->data) {
            memset(m->data, 0, m->len);
            free(m->data);
        }
        free(m->name);
    }
    free(pkg->m);
    memset(pkg, 0, sizeof *pkg);
}

static int cmp_names(const void *a, const void *b)
{
    const struct office_member *x = *(const struct office_member *const *)a;
    const struct office_member *y = *(const struct office_member *const *)b;
    return strcmp(x->name, y->name);
}

static const struct office_member *member(const struct office_pkg *pkg, const char *name)
{
    for (size_t i = 0; i < pkg->n; i++)
        if (strcmp(pkg->m[i].name, name) == 0)
            return &pkg->m[i];
    return NULL;
}

static int detect_format(const struct office_pkg *pkg)
{
    const struct office_member *mt = member(pkg, "mimetype");
    if (mt) {
        const char *s = (const char *)mt->data;
        if (starts(s, "application/vnd.oasis.opendocument.text"))
            return OFFICE_ODT;
        if (starts(s, "application/vnd.oasis.opendocument.spreadsheet"))
            return OFFICE_ODS;
        return OFFICE_UNKNOWN;
    }
    const struct office_member *ct = member(pkg, "[Content_Types].xml");
    if (!ct)
        return OFFICE_UNKNOWN;
    if (member(pkg, "word/document.xml")) {
        const char *s = (const char *)ct->data;
        return strstr(s, "wordprocessingml.document.main+xml") ? OFFICE_DOCX : OFFICE_DOCM;
    }
    if (member(pkg, "xl/workbook.xml"))
        return OFFICE_XLSX;
    return OFFICE_UNKNOWN;
}

int office_pkg_read(const unsigned char *src, size_t len, const struct office_limits *lim,
                    struct office_pkg *pkg, struct intake_error *err)
{
    memset(pkg, 0, sizeof *pkg);
    if (!src || len < 22 || memcmp(src, "PK", 2) != 0)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "not a zip package");
    struct archive *a = archive_read_new();
    if (!a)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    archive_read_support_format_zip_seekable(a);
    int rc = INTAKE_OK;
    if (archive_read_open_memory(a, src, len) != ARCHIVE_OK) {
        rc = INTAKE_ERR(err, INTAKE_EFORMAT,
                        "truncated or damaged zip: no readable central directory");
        goto out;
    }
    size_t cap = 0;
    uint64_t total = 0;
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        if ((int64_t)pkg->n + 1 > lim->max_members) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT, "zip bomb: more than max_members (%lld) members",
                            (long long)lim->max_members);
            goto out;
        }
        if (archive_entry_is_encrypted(e)) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT, "encrypted package member (member %zu)",
                            pkg->n + 1);
            goto out;
        }
        const char *name = archive_entry_pathname_utf8(e);
        if (!name)
            name = archive_entry_pathname(e);
        if (!name || !*name) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT, "member %zu has no readable name", pkg->n + 1);
            goto out;
        }
        if (archive_entry_size_is_set(e) &&
            (uint64_t)archive_entry_size(e) > (uint64_t)lim->max_total - total) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT,
                            "zip bomb: members declare more than max_uncompressed (%lld bytes)",
                            (long long)lim->max_total);
            goto out;
        }
        if (pkg->n == cap) {
            cap = cap ? cap * 2 : 32;
            struct office_member *nm = realloc(pkg->m, cap * sizeof *nm);
            if (!nm) {
                rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
                goto out;
            }
            pkg->m = nm;
        }
        struct office_member *m = &pkg->m[pkg->n++];
        memset(m, 0, sizeof *m);
        m->name = strdup(name);
        size_t mcap = archive_entry_size_is_set(e) ? (size_t)archive_entry_size(e) + 1 : 4096;
        m->data = malloc(mcap);
        if (!m->name || !m->data) {
            rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
            goto out;
        }
        for (;;) {
            if (m->len + 65536 + 1 > mcap) {
                size_t nc = mcap * 2 > m->len + 65536 + 1 ? mcap * 2 : m->len + 65536 + 1;
                unsigned char *nd = malloc(nc);
                if (!nd) {
                    rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
                    goto out;
                }
                memcpy(nd, m->data, m->len);
                memset(m->data, 0, m->len);
                free(m->data);
                m->data = nd;
                mcap = nc;
            }
            la_ssize_t got = archive_read_data(a, m->data + m->len, 65536);
            if (got < 0) {
                rc = INTAKE_ERR(err, INTAKE_EFORMAT, "damaged zip: member %zu cannot be read",
                                pkg->n);
                goto out;
            }
            if (got == 0)
                break;
            m->len += (size_t)got;
            total += (uint64_t)got;
            if (total > (uint64_t)lim->max_total) {
                rc = INTAKE_ERR(err, INTAKE_EFORMAT,
                                "zip bomb: more than max_uncompressed (%lld bytes) uncompressed",
                                (long long)lim->max_total);
                goto out;
            }
            if ((int64_t)total > lim->ratio_floor && (double)total > lim->max_ratio * (double)len) {
                rc = INTAKE_ERR(err, INTAKE_EFORMAT,
                                "zip bomb: compression ratio over max_ratio (%g)", lim->max_ratio);
                goto out;
            }
        }
        m->data[m->len] = '\0';
    }
    if (r != ARCHIVE_EOF) {
        rc =
            INTAKE_ERR(err, INTAKE_EFORMAT, "truncated or damaged zip (after %zu members)", pkg->n);
        goto out;
    }
    /* Two members of one name: readers disagree on which one counts. */
    if (pkg->n > 1) {
        const struct office_member **s = malloc(pkg->n * sizeof *s);
        if (!s) {
            rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < pkg->n; i++)
            s[i] = &pkg->m[i];
        qsort(s, pkg->n, sizeof *s, cmp_names);
        int dup = 0;
        for (size_t i = 1; i < pkg->n; i++)
            dup |= strcmp(s[i - 1]->name, s[i]->name) == 0;
        free(s);
        if (dup) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT, "damaged package: two members of the same name");
            goto out;
        }
    }
    pkg->format = detect_format(pkg);
    if (pkg->format == OFFICE_UNKNOWN) {
        rc = INTAKE_ERR(err, INTAKE_EFORMAT,
                        "not a word-processing or spreadsheet package (DOCX, ODT, XLSX, ODS)");
        goto out;
    }
    for (size_t i = 0; i < pkg->n; i++)
        pkg->m[i].role = role_of(pkg->format, &pkg->m[i]);
out:
    archive_read_free(a);
    if (rc)
        office_pkg_clear(pkg);
    return rc;
}

/* ------------------------------------------------------------------ */
/* THE WALK                                                           */
/* ------------------------------------------------------------------ */

struct sst_item {
    struct office_buf s;
    int used;
};

/* A style as declared: its parent and whether it hides text itself
 * (1), shows it (0) or inherits (-1). */
struct style_ent {
    char *id, *parent;
    int state;
};

struct walk {
    struct office_pkg *pkg;
    struct office_text *t;
    int format;
    char **hidden_styles; /* style ids / names whose text is hidden */
    size_t nhidden, hcap;
    struct style_ent *sty; /* every style read, resolved into hidden_styles */
    size_t nsty, stycap;
    struct sst_item *sst;
    size_t nsst;
};

struct ctx {
    int page;     /* where visible text goes */
    int hidden;   /* hidden text */
    int del;      /* tracked deletion */
    int fallback; /* mc:Fallback */
    int ffdata;   /* legacy form field data */
    int cell_s;   /* XLSX: the cell's value is a shared-string index */
};

static int tpage(const struct ctx *c)
{
    return c->hidden || c->del || c->fallback ? OFFICE_PAGE_HIDDEN : c->page;
}

static void emit(struct walk *w, int page, const char *s, size_t n, xmlNodePtr node, uint32_t flags)
{
    struct office_text *t = w->t;
    if (!n || t->oom)
        return;
    struct office_buf *b = &t->page[page];
    if (node || (flags & OFFICE_SEG_NAME)) {
        if (t->nseg == t->segcap) {
            size_t cap = t->segcap ? t->segcap * 2 : 256;
            struct office_seg *ns = realloc(t->seg, cap * sizeof *ns);
            if (!ns) {
                t->oom = 1;
                return;
            }
            t->seg = ns;
            t->segcap = cap;
        }
        t->seg[t->nseg++] = (struct office_seg){(uint32_t)page, flags, b->len, n, node};
    }
    if (buf_add(b, s, n) != 0)
        t->oom = 1;
}

static void sep(struct walk *w, int page, const char *s)
{
    emit(w, page, s, strlen(s), NULL, 0);
}

/* An attribute's value as a segment of its own line. */
static void emit_attr(struct walk *w, int page, xmlAttrPtr a, uint32_t flags)
{
    xmlNodePtr v = a->children;
    if (!v || v->type != XML_TEXT_NODE || v->next || !v->content || !*v->content)
        return;
    /* its own line: never glued to the text before it */
    const struct office_buf *b = &w->t->page[page];
    if (b->len && b->p[b->len - 1] != '\n')
        sep(w, page, "\n");
    emit(w, page, (const char *)v->content, strlen((const char *)v->content), v, flags);
    sep(w, page, "\n");
}

static int blank(const xmlChar *s)
{
    for (; s && *s; s++)
        if (!isspace(*s))
            return 0;
    return 1;
}

static int is(xmlNodePtr n, const char *nsfrag, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0 && n->ns &&
           n->ns->href && strstr((const char *)n->ns->href, nsfrag);
}

#define NS_W      "wordprocessingml"
#define NS_W_P    "purl.oclc.org/ooxml/wordprocessingml"
#define NS_MC     "markup-compatibility"
#define NS_TEXT   "opendocument:xmlns:text"
#define NS_OFFICE "opendocument:xmlns:office"
#define NS_TABLE  "opendocument:xmlns:table"
#define NS_STYLE  "opendocument:xmlns:style"
#define NS_SML    "spreadsheetml"

static const char *attr_local(xmlAttrPtr a)
{
    return (const char *)a->name;
}

static const xmlChar *prop(xmlNodePtr n, const char *local)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (strcmp((const char *)a->name, local) == 0 && a->children &&
            a->children->type == XML_TEXT_NODE)
            return a->children->content;
    return NULL;
}

static int hidden_style(const struct walk *w, const xmlChar *id)
{
    if (!id)
        return 0;
    for (size_t i = 0; i < w->nhidden; i++)
        if (strcmp(w->hidden_styles[i], (const char *)id) == 0)
            return 1;
    return 0;
}

static void add_hidden_style(struct walk *w, const xmlChar *id)
{
    if (!id || hidden_style(w, id))
        return;
    if (w->nhidden == w->hcap) {
        size_t cap = w->hcap ? w->hcap * 2 : 16;
        char **n = realloc(w->hidden_styles, cap * sizeof *n);
        if (!n) {
            w->t->oom = 1;
            return;
        }
        w->hidden_styles = n;
        w->hcap = cap;
    }
    char *s = strdup((const char *)id);
    if (!s) {
        w->t->oom = 1;
        return;
    }
    w->hidden_styles[w->nhidden++] = s;
}

/* w:vanish: 1 present and on, 0 switched off, -1 absent. */
static int vanish_state(xmlNodePtr rpr)
{
    for (xmlNodePtr k = rpr ? rpr->children : NULL; k; k = k->next)
        if (is(k, NS_W, "vanish")) {
            const xmlChar *v = prop(k, "val");
            return !v ||
                   !(strcmp((const char *)v, "0") == 0 || strcmp((const char *)v, "false") == 0 ||
                     strcmp((const char *)v, "off") == 0);
        }
    return -1;
}

static int vanish_in(xmlNodePtr rpr)
{
    return vanish_state(rpr) == 1;
}

static void add_style(struct walk *w, const xmlChar *id, const xmlChar *parent, int state)
{
    if (!id)
        return;
    if (w->nsty == w->stycap) {
        size_t cap = w->stycap ? w->stycap * 2 : 32;
        struct style_ent *n = realloc(w->sty, cap * sizeof *n);
        if (!n) {
            w->t->oom = 1;
            return;
        }
        w->sty = n;
        w->stycap = cap;
    }
    struct style_ent *e = &w->sty[w->nsty];
    e->id = strdup((const char *)id);
    e->parent = parent ? strdup((const char *)parent) : NULL;
    e->state = state;
    if (!e->id || (parent && !e->parent)) {
        free(e->id);
        free(e->parent);
        w->t->oom = 1;
        return;
    }
    w->nsty++;
}

static int cmp_style(const void *a, const void *b)
{
    return strcmp(((const struct style_ent *)a)->id, ((const struct style_ent *)b)->id);
}

/* w->sty is sorted (resolve_styles): a sheet can have ten thousand
 * automatic styles. */
static const struct style_ent *find_style(const struct walk *w, const char *id)
{
    if (!id || !w->nsty)
        return NULL;
    struct style_ent key = {(char *)(uintptr_t)id, NULL, 0};
    return bsearch(&key, w->sty, w->nsty, sizeof *w->sty, cmp_style);
}

/* Deeper chains than this (or a cycle without a decision) count as hidden:
 * fail closed, the copy loses text rather than keeps it. */
#define STYLE_DEPTH 16

/*
 * A style hides its text when the first style up its basedOn /
 * parent-style-name chain that says anything says hidden. Resolved after
 * every part's styles are read (ODF: a content.xml automatic style's
 * parent is a styles.xml common style).
 */
static void resolve_styles(struct walk *w)
{
    if (w->nsty)
        qsort(w->sty, w->nsty, sizeof *w->sty, cmp_style);
    for (size_t i = 0; i < w->nsty; i++) {
        const struct style_ent *e = &w->sty[i];
        int hidden = 0, depth = 0;
        while (e && e->state < 0 && depth < STYLE_DEPTH) {
            e = find_style(w, e->parent);
            depth++;
        }
        if (depth >= STYLE_DEPTH)
            hidden = 1;
        else if (e)
            hidden = e->state == 1;
        if (hidden)
            add_hidden_style(w, (const xmlChar *)w->sty[i].id);
    }
}

static void free_styles(struct walk *w)
{
    for (size_t i = 0; i < w->nsty; i++) {
        free(w->sty[i].id);
        free(w->sty[i].parent);
    }
    free(w->sty);
    w->sty = NULL;
    w->nsty = w->stycap = 0;
    for (size_t i = 0; i < w->nhidden; i++)
        free(w->hidden_styles[i]);
    free(w->hidden_styles);
    w->hidden_styles = NULL;
    w->nhidden = w->hcap = 0;
}

static xmlNodePtr child(xmlNodePtr n, const char *nsfrag, const char *name)
{
    for (xmlNodePtr k = n ? n->children : NULL; k; k = k->next)
        if (is(k, nsfrag, name))
            return k;
    return NULL;
}

/* Is a run or paragraph hidden, directly or by its style? */
static int docx_hidden(const struct walk *w, xmlNodePtr n, const char *pr, const char *style)
{
    xmlNodePtr p = child(n, NS_W, pr);
    if (!p)
        return 0;
    if (!strcmp(pr, "rPr") && vanish_in(p))
        return 1;
    xmlNodePtr st = child(p, NS_W, style);
    return st && hidden_style(w, prop(st, "val"));
}

/* Per-page lengths, to end a paragraph on every page it wrote to. */
struct snap {
    size_t len[OFFICE_PAGE_COUNT];
};

static void snap_take(const struct walk *w, struct snap *s)
{
    for (int i = 0; i < OFFICE_PAGE_COUNT; i++)
        s->len[i] = w->t->page[i].len;
}

static void snap_end(struct walk *w, const struct snap *s, const char *sepstr)
{
    for (int i = 0; i < OFFICE_PAGE_COUNT; i++)
        if (w->t->page[i].len > s->len[i])
            sep(w, i, sepstr);
}

/* -------------------------- WordprocessingML ----------------------- */

static void docx_attrs(struct walk *w, xmlNodePtr n, const struct ctx *c)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
        const char *l = attr_local(a);
        if (!strcmp(l, "author") || !strcmp(l, "initials"))
            emit_attr(w, OFFICE_PAGE_PROPS, a, 0);
        else if (!strcmp(l, "descr") || !strcmp(l, "title") || !strcmp(l, "alt") ||
                 (!strcmp(l, "instr") && is(n, NS_W, "fldSimple")) ||
                 (!strcmp(l, "string") && !strcmp((const char *)n->name, "textpath")) ||
                 (!strcmp(l, "val") &&
                  (c->ffdata || is(n, NS_W, "tblCaption") || is(n, NS_W, "tblDescription"))))
            emit_attr(w, OFFICE_PAGE_HIDDEN, a, 0);
        else if (!strcmp(l, "href"))
            emit_attr(w, OFFICE_PAGE_HIDDEN, a, OFFICE_SEG_URI);
    }
}

static void docx_walk(struct walk *w, xmlNodePtr n, struct ctx c)
{
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            xmlNodePtr p = n->parent;
            const char *content = (const char *)n->content;
            if (!content || !*content)
                continue;
            if (is(p, NS_W, "t"))
                emit(w, tpage(&c), content, strlen(content), n, 0);
            else if (is(p, NS_W, "delText") || is(p, NS_W, "delInstrText") ||
                     is(p, NS_W, "instrText")) {
                emit(w, OFFICE_PAGE_HIDDEN, content, strlen(content), n, 0);
                sep(w, OFFICE_PAGE_HIDDEN, " ");
            } else if (!blank(n->content)) {
                emit(w, OFFICE_PAGE_HIDDEN, content, strlen(content), n, 0);
                sep(w, OFFICE_PAGE_HIDDEN, "\n");
            }
            continue;
        }
        if (n->type != XML_ELEMENT_NODE)
            continue;
        struct ctx k = c;
        if (is(n, NS_W, "ffData"))
            k.ffdata = 1;
        docx_attrs(w, n, &k);
        int inrun = n->parent && is(n->parent, NS_W, "r");
        if (is(n, NS_W, "del") || is(n, NS_W, "moveFrom"))
            k.del = 1;
        else if (is(n, NS_W, "r") && docx_hidden(w, n, "rPr", "rStyle"))
            k.hidden = 1;
        else if (is(n, NS_MC, "Fallback"))
            k.fallback = 1;
        else if (inrun && is(n, NS_W, "tab")) {
            sep(w, tpage(&k), "\t");
            continue;
        } else if (inrun && (is(n, NS_W, "br") || is(n, NS_W, "cr"))) {
            sep(w, tpage(&k), "\n");
            continue;
        } else if (inrun && is(n, NS_W, "noBreakHyphen")) {
            sep(w, tpage(&k), "-");
            continue;
        } else if (is(n, NS_W, "p")) {
            if (docx_hidden(w, n, "pPr", "pStyle"))
                k.hidden = 1;
            struct snap s;
            snap_take(w, &s);
            docx_walk(w, n->children, k);
            snap_end(w, &s, "\n");
            continue;
        }
        docx_walk(w, n->children, k);
    }
}

/* word/styles.xml: character and paragraph styles, with their basedOn
 * parents, for resolve_styles(). */
static void docx_styles(struct walk *w, xmlNodePtr root)
{
    for (xmlNodePtr s = root ? root->children : NULL; s; s = s->next)
        if (is(s, NS_W, "style")) {
            xmlNodePtr b = child(s, NS_W, "basedOn");
            add_style(w, prop(s, "styleId"), b ? prop(b, "val") : NULL,
                      vanish_state(child(s, NS_W, "rPr")));
        }
}

/* word/settings.xml: document variables and mail-merge data sources. */
static void docx_settings(struct walk *w, xmlNodePtr n, int in)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        int k = in || is(n, NS_W, "docVars") || is(n, NS_W, "mailMerge");
        if (k)
            for (xmlAttrPtr a = n->properties; a; a = a->next)
                if (!strcmp(attr_local(a), "val") || !strcmp(attr_local(a), "name"))
                    emit_attr(w, OFFICE_PAGE_PROPS, a, 0);
        docx_settings(w, n->children, k);
    }
}

/* -------------------------- OpenDocument --------------------------- */

static int odf_hidden(const struct walk *w, xmlNodePtr n)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
        const char *l = attr_local(a);
        if ((!strcmp(l, "style-name") || !strcmp(l, "cond-style-name")) && a->children &&
            hidden_style(w, a->children->content))
            return 1;
        if (!strcmp(l, "display") && a->children && a->children->content &&
            !strcmp((const char *)a->children->content, "none"))
            return 1;
    }
    return 0;
}

static void odf_attrs(struct walk *w, xmlNodePtr n)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
        const char *l = attr_local(a);
        if (!strcmp(l, "href"))
            emit_attr(w, OFFICE_PAGE_HIDDEN, a, OFFICE_SEG_URI);
        else if (!strcmp(l, "name") && (is(n, NS_TABLE, "table") || is(n, NS_TABLE, "named-range")))
            emit_attr(w, OFFICE_PAGE_PROPS, a, 0);
        else if (!strcmp(l, "author"))
            emit_attr(w, OFFICE_PAGE_PROPS, a, 0);
        else if (starts(l, "string-value") || !strcmp(l, "formula") || !strcmp(l, "value") ||
                 !strcmp(l, "date-value") || !strcmp(l, "time-value") || !strcmp(l, "title") ||
                 !strcmp(l, "description") || !strcmp(l, "current-value") || !strcmp(l, "label") ||
                 !strcmp(l, "condition"))
            emit_attr(w, OFFICE_PAGE_HIDDEN, a, 0);
    }
}

static void odf_walk(struct walk *w, xmlNodePtr n, struct ctx c)
{
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            xmlNodePtr p = n->parent;
            const char *content = (const char *)n->content;
            if (!content || !*content)
                continue;
            int textual = p && p->ns && p->ns->href && strstr((const char *)p->ns->href, NS_TEXT);
            if (!textual && blank(n->content))
                continue;
            int pg = tpage(&c);
            if (p && p->ns && p->ns->href &&
                (strstr((const char *)p->ns->href, "svg") ||
                 strstr((const char *)p->ns->href, "purl.org/dc")))
                pg = c.page == OFFICE_PAGE_BODY ? OFFICE_PAGE_HIDDEN : pg;
            emit(w, pg, content, strlen(content), n, 0);
            continue;
        }
        if (n->type != XML_ELEMENT_NODE)
            continue;
        struct ctx k = c;
        odf_attrs(w, n);
        if (odf_hidden(w, n))
            k.hidden = 1;
        if (is(n, NS_TEXT, "s")) {
            const xmlChar *cnt = prop(n, "c");
            long m = cnt ? strtol((const char *)cnt, NULL, 10) : 1;
            for (long i = 0; i < (m < 1 ? 1 : m > 100 ? 100 : m); i++)
                sep(w, tpage(&k), " ");
            continue;
        }
        if (is(n, NS_TEXT, "tab")) {
            sep(w, tpage(&k), "\t");
            continue;
        }
        if (is(n, NS_TEXT, "line-break")) {
            sep(w, tpage(&k), "\n");
            continue;
        }
        if (is(n, NS_TEXT, "tracked-changes"))
            k.del = 1;
        else if (is(n, NS_TEXT, "note-body") && k.page == OFFICE_PAGE_BODY)
            k.page = OFFICE_PAGE_NOTES;
        else if (is(n, NS_OFFICE, "annotation"))
            k.page = OFFICE_PAGE_COMMENTS;
        else if (is(n, NS_OFFICE, "master-styles"))
            k.page = OFFICE_PAGE_HEADFOOT;
        struct snap s;
        snap_take(w, &s);
        odf_walk(w, n->children, k);
        if (is(n, NS_TEXT, "p") || is(n, NS_TEXT, "h") || is(n, NS_TEXT, "note-citation") ||
            (n->ns && n->ns->href && strstr((const char *)n->ns->href, "purl.org/dc")))
            snap_end(w, &s, "\n");
        else if (is(n, NS_TABLE, "table-cell") && w->format == OFFICE_ODS)
            snap_end(w, &s, "\t");
        else if (is(n, NS_TABLE, "table-row") && w->format == OFFICE_ODS)
            snap_end(w, &s, "\n");
    }
}

/* Automatic and common styles whose text is not displayed. */
static void odf_styles(struct walk *w, xmlNodePtr n, int depth)
{
    for (; n && depth < 8; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is(n, NS_STYLE, "style")) {
            xmlNodePtr tp = child(n, NS_STYLE, "text-properties");
            const xmlChar *d = tp ? prop(tp, "display") : NULL;
            add_style(w, prop(n, "name"), prop(n, "parent-style-name"),
                      !d ? -1 : !strcmp((const char *)d, "none"));
            continue;
        }
        odf_styles(w, n->children, depth + 1);
    }
}

/* -------------------------- SpreadsheetML -------------------------- */

static void text_of(xmlNodePtr n, struct office_buf *b, int *oom)
{
    for (; n; n = n->next) {
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content) {
            if (buf_add(b, n->content, strlen((const char *)n->content)) != 0)
                *oom = 1;
        } else if (n->type == XML_ELEMENT_NODE)
            text_of(n->children, b, oom);
    }
}

static void sst_read(struct walk *w, xmlNodePtr root)
{
    size_t n = 0;
    for (xmlNodePtr s = root ? root->children : NULL; s; s = s->next)
        n += is(s, NS_SML, "si");
    w->sst = calloc(n ? n : 1, sizeof *w->sst);
    if (!w->sst) {
        w->t->oom = 1;
        return;
    }
    for (xmlNodePtr s = root->children; s; s = s->next)
        if (is(s, NS_SML, "si"))
            text_of(s->children, &w->sst[w->nsst++].s, &w->t->oom);
}

static void xlsx_walk(struct walk *w, xmlNodePtr n, struct ctx c)
{
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            xmlNodePtr p = n->parent;
            const char *content = (const char *)n->content;
            if (!content || blank(n->content))
                continue;
            if (is(p, NS_SML, "v") && c.cell_s) {
                char *end = NULL;
                unsigned long i = strtoul(content, &end, 10);
                if (end && !*end && i < w->nsst) {
                    w->sst[i].used = 1;
                    emit(w, c.page, w->sst[i].s.p ? w->sst[i].s.p : "", w->sst[i].s.len, n,
                         OFFICE_SEG_SST);
                }
            } else if (is(p, NS_SML, "f")) {
                emit(w, OFFICE_PAGE_HIDDEN, content, strlen(content), n, 0);
                sep(w, OFFICE_PAGE_HIDDEN, "\n");
            } else
                emit(w, c.page, content, strlen(content), n, 0);
            continue;
        }
        if (n->type != XML_ELEMENT_NODE)
            continue;
        struct ctx k = c;
        if (is(n, NS_SML, "c")) {
            const xmlChar *t = prop(n, "t");
            k.cell_s = t && !strcmp((const char *)t, "s");
        } else if (is(n, NS_SML, "headerFooter"))
            k.page = OFFICE_PAGE_HEADFOOT;
        struct snap s;
        snap_take(w, &s);
        xlsx_walk(w, n->children, k);
        if (is(n, NS_SML, "c"))
            snap_end(w, &s, "\t");
        else if (is(n, NS_SML, "row") || k.page == OFFICE_PAGE_HEADFOOT)
            snap_end(w, &s, "\n");
    }
}

static void xlsx_workbook(struct walk *w, xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is(n, NS_SML, "sheet"))
            for (xmlAttrPtr a = n->properties; a; a = a->next)
                if (!strcmp(attr_local(a), "name"))
                    emit_attr(w, OFFICE_PAGE_PROPS, a, 0);
        if (is(n, NS_SML, "definedName")) {
            for (xmlNodePtr k = n->children; k; k = k->next)
                if (k->type == XML_TEXT_NODE && k->content)
                    emit(w, OFFICE_PAGE_HIDDEN, (const char *)k->content,
                         strlen((const char *)k->content), k, 0);
            sep(w, OFFICE_PAGE_HIDDEN, "\n");
            continue;
        }
        xlsx_workbook(w, n->children);
    }
}

/* -------------------------- any XML -------------------------------- */

/* Every text node, and attributes that carry people or their words. */
static void generic_walk(struct walk *w, xmlNodePtr n, int page)
{
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content && !blank(n->content)) {
                emit(w, page, (const char *)n->content, strlen((const char *)n->content), n, 0);
                sep(w, page, "\n");
            }
            continue;
        }
        if (n->type != XML_ELEMENT_NODE)
            continue;
        for (xmlAttrPtr a = n->properties; a; a = a->next) {
            const char *l = attr_local(a);
            if (!strcmp(l, "author") || !strcmp(l, "initials") || !strcmp(l, "userId") ||
                !strcmp(l, "displayName") || !strcmp(l, "descr") || !strcmp(l, "title") ||
                (w->format == OFFICE_XLSX && (!strcmp(l, "v") || !strcmp(l, "name"))))
                emit_attr(w, page == OFFICE_PAGE_PROPS ? page : OFFICE_PAGE_OTHER, a, 0);
            else if (!strcmp(l, "href"))
                emit_attr(w, OFFICE_PAGE_HIDDEN, a, OFFICE_SEG_URI);
        }
        generic_walk(w, n->children, page);
    }
}

/* *.rels: targets outside the package (links, templates on a user's disk). */
static void rels_walk(struct walk *w, xmlNodePtr root)
{
    for (xmlNodePtr r = root ? root->children : NULL; r; r = r->next) {
        if (r->type != XML_ELEMENT_NODE)
            continue;
        const xmlChar *mode = prop(r, "TargetMode");
        if (!mode || strcmp((const char *)mode, "External") != 0)
            continue;
        for (xmlAttrPtr a = r->properties; a; a = a->next)
            if (!strcmp(attr_local(a), "Target"))
                emit_attr(w, OFFICE_PAGE_HIDDEN, a, OFFICE_SEG_URI);
    }
}

/* ------------------------------------------------------------------ */

static int has_text(int role)
{
    switch (role) {
    case OFFICE_ROLE_BODY:
    case OFFICE_ROLE_HEADFOOT:
    case OFFICE_ROLE_NOTES:
    case OFFICE_ROLE_COMMENTS:
    case OFFICE_ROLE_CLEAR:
    case OFFICE_ROLE_PROPS:
    case OFFICE_ROLE_SETTINGS:
    case OFFICE_ROLE_STYLES:
    case OFFICE_ROLE_RELS:
    case OFFICE_ROLE_SST:
    case OFFICE_ROLE_WORKBOOK:
    case OFFICE_ROLE_XML_OTHER: return 1;
    default: return 0;
    }
}

static void walk_member(struct walk *w, struct office_member *m)
{
    xmlNodePtr root = xmlDocGetRootElement(m->xml);
    int odf = w->format == OFFICE_ODT || w->format == OFFICE_ODS;
    int xlsx = w->format == OFFICE_XLSX;
    struct ctx c = {0};
    switch (m->role) {
    case OFFICE_ROLE_BODY:
        c.page = OFFICE_PAGE_BODY;
        if (odf)
            odf_walk(w, root, c);
        else if (xlsx)
            xlsx_walk(w, root, c);
        else
            docx_walk(w, root, c);
        break;
    case OFFICE_ROLE_HEADFOOT:
        c.page = OFFICE_PAGE_HEADFOOT;
        if (odf)
            odf_walk(w, root, c);
        else
            docx_walk(w, root, c);
        break;
    case OFFICE_ROLE_NOTES:
        c.page = OFFICE_PAGE_NOTES;
        docx_walk(w, root, c);
        break;
    case OFFICE_ROLE_COMMENTS:
        c.page = OFFICE_PAGE_COMMENTS;
        if (xlsx)
            generic_walk(w, root, OFFICE_PAGE_COMMENTS);
        else
            docx_walk(w, root, c);
        break;
    case OFFICE_ROLE_PROPS:
        if (odf) {
            for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next)
                if (n->type == XML_ELEMENT_NODE)
                    for (xmlNodePtr k = n->children; k; k = k->next)
                        if (k->type == XML_ELEMENT_NODE)
                            for (xmlAttrPtr a = k->properties; a; a = a->next)
                                if (!strcmp(attr_local(a), "name") ||
                                    !strcmp(attr_local(a), "href") ||
                                    !strcmp(attr_local(a), "title"))
                                    emit_attr(w, OFFICE_PAGE_PROPS, a, 0);
        } else
            for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next)
                if (n->type == XML_ELEMENT_NODE)
                    for (xmlAttrPtr a = n->properties; a; a = a->next)
                        if (!strcmp(attr_local(a), "name"))
                            emit_attr(w, OFFICE_PAGE_PROPS, a, 0);
        generic_walk(w, root, OFFICE_PAGE_PROPS);
        break;
    case OFFICE_ROLE_CLEAR: generic_walk(w, root, OFFICE_PAGE_PROPS); break;
    case OFFICE_ROLE_SETTINGS: docx_settings(w, root, 0); break;
    case OFFICE_ROLE_RELS: rels_walk(w, root); break;
    case OFFICE_ROLE_WORKBOOK: xlsx_workbook(w, root); break;
    case OFFICE_ROLE_XML_OTHER: generic_walk(w, root, OFFICE_PAGE_OTHER); break;
    default: break; /* styles, shared strings: read before the walk */
    }
}

void office_text_clear(struct office_text *t)
{
    for (int i = 0; i < OFFICE_PAGE_COUNT; i++)
        office_buf_free(&t->page[i]);
    free(t->seg);
    memset(t, 0, sizeof *t);
    for (int i = 0; i < OFFICE_PAGE_COUNT; i++)
        t->page_no[i] = -1;
}

/* A member name worth detection: media, embedded and unknown members. */
static int name_worth(int role)
{
    return role == OFFICE_ROLE_MEDIA || role == OFFICE_ROLE_EMBED || role == OFFICE_ROLE_BINARY ||
           role == OFFICE_ROLE_XML_OTHER || role == OFFICE_ROLE_THUMB || role == OFFICE_ROLE_FONT;
}

/*
 * A member name office programs make up (image3.png, oleObject1.bin,
 * Microsoft_Excel_Worksheet2.xlsx, LibreOffice's hex picture names,
 * "Object 1"): no person's data, so not sent to detection, where capitalised
 * words like "Document1" would be taken for names and refuse the export.
 */
static int generated_name(const char *name)
{
    static const char *const stems[] = {"image",
                                        "media",
                                        "picture",
                                        "oleobject",
                                        "document",
                                        "worksheet",
                                        "presentation",
                                        "drawing",
                                        "package",
                                        "chart",
                                        "item",
                                        "thumbnail",
                                        "object",
                                        "vbaproject",
                                        "printersettings",
                                        "font",
                                        "microsoft_word_document",
                                        "microsoft_excel_worksheet",
                                        "microsoft_powerpoint_presentation",
                                        "microsoft_visio_drawing",
                                        "microsoft_word_97_-_2003_document",
                                        "microsoft_excel_97-2003_worksheet",
                                        NULL};
    const char *b = strrchr(name, '/');
    b = b ? b + 1 : name;
    const char *dot = strrchr(b, '.');
    size_t n = dot ? (size_t)(dot - b) : strlen(b);
    size_t hex = 0;
    for (size_t i = 0; i < n; i++)
        hex += isxdigit((unsigned char)b[i]) != 0;
    if (n >= 16 && hex == n)
        return 1;
    while (n > 0 && (isdigit((unsigned char)b[n - 1]) || b[n - 1] == ' '))
        n--;
    for (const char *const *s = stems; *s; s++)
        if (strlen(*s) == n && strncasecmp(*s, b, n) == 0)
            return 1;
    return 0;
}

int office_walk(struct office_pkg *pkg, struct office_text *t, struct intake_error *err)
{
    office_text_clear(t);
    struct walk w = {.pkg = pkg, .t = t, .format = pkg->format};
    int rc = INTAKE_OK;
    char lb[32];
    /* parse every part that can hold text */
    for (size_t i = 0; i < pkg->n; i++) {
        struct office_member *m = &pkg->m[i];
        if (!has_text(m->role) || m->xml)
            continue;
        if (m->len > INT32_MAX) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT, "XML part too large (%s)",
                            office_member_label(pkg, i, lb, sizeof lb));
            goto out;
        }
        m->xml = xmlReadMemory((const char *)m->data, (int)m->len, NULL, NULL,
                               XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (!m->xml || !xmlDocGetRootElement(m->xml)) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT, "malformed XML in %s",
                            office_member_label(pkg, i, lb, sizeof lb));
            goto out;
        }
        if (m->xml->intSubset || m->xml->extSubset) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT, "XML with a DTD in %s (refused: entities)",
                            office_member_label(pkg, i, lb, sizeof lb));
            goto out;
        }
    }
    /* what the walk needs first: hidden styles, shared strings */
    for (size_t i = 0; i < pkg->n; i++) {
        struct office_member *m = &pkg->m[i];
        xmlNodePtr root = m->xml ? xmlDocGetRootElement(m->xml) : NULL;
        if (m->role == OFFICE_ROLE_STYLES)
            docx_styles(&w, root);
        else if ((w.format == OFFICE_ODT || w.format == OFFICE_ODS) &&
                 (m->role == OFFICE_ROLE_BODY || m->role == OFFICE_ROLE_HEADFOOT))
            odf_styles(&w, root, 0);
        else if (m->role == OFFICE_ROLE_SST && !w.sst)
            sst_read(&w, root);
    }
    resolve_styles(&w);
    /* main parts first, then the rest in package order */
    for (size_t i = 0; i < pkg->n; i++)
        if (pkg->m[i].role == OFFICE_ROLE_BODY)
            walk_member(&w, &pkg->m[i]);
    for (size_t i = 0; i < pkg->n; i++)
        if (pkg->m[i].role != OFFICE_ROLE_BODY && pkg->m[i].xml)
            walk_member(&w, &pkg->m[i]);
    for (size_t i = 0; i < w.nsst; i++)
        if (!w.sst[i].used && w.sst[i].s.len) {
            emit(&w, OFFICE_PAGE_HIDDEN, w.sst[i].s.p, w.sst[i].s.len, NULL, 0);
            sep(&w, OFFICE_PAGE_HIDDEN, "\n");
        }
    for (size_t i = 0; i < pkg->n; i++)
        if (name_worth(pkg->m[i].role) && !generated_name(pkg->m[i].name)) {
            emit(&w, OFFICE_PAGE_PROPS, pkg->m[i].name, strlen(pkg->m[i].name), NULL,
                 OFFICE_SEG_NAME);
            sep(&w, OFFICE_PAGE_PROPS, "\n");
        }
    if (t->oom) {
        rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory reading the text");
        goto out;
    }
    for (int i = 0; i < OFFICE_PAGE_COUNT; i++) {
        struct office_buf *b = &t->page[i];
        if (b->len && b->p[b->len - 1] != '\n' && buf_add(b, "\n", 1) != 0) {
            rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory reading the text");
            goto out;
        }
        t->page_no[i] = b->len ? (int)t->npages++ : -1;
    }
out:
    free_styles(&w);
    for (size_t i = 0; i < w.nsst; i++)
        office_buf_free(&w.sst[i].s);
    free(w.sst);
    return rc;
}

/* ------------------------------------------------------------------ */
/* writing a zip                                                      */
/* ------------------------------------------------------------------ */

static int put16(struct office_buf *b, unsigned v)
{
    unsigned char c[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    return buf_add(b, c, 2);
}

static int put32(struct office_buf *b, uint32_t v)
{
    unsigned char c[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    return buf_add(b, c, 4);
}

static int deflate_raw(const unsigned char *in, size_t n, struct office_buf *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&z, (uLong)n) + 16;
    out->p = malloc(cap);
    out->cap = cap;
    out->len = 0;
    if (!out->p) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out->p;
    z.avail_out = (uInt)cap;
    int r = deflate(&z, Z_FINISH);
    out->len = cap - z.avail_out;
    deflateEnd(&z);
    return r == Z_STREAM_END ? 0 : -1;
}

int office_zip_write(const struct office_out *m, size_t n, unsigned char **out, size_t *outlen)
{
    struct office_buf z = {0}, cd = {0};
    int bad = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        if (m[i].len > 0xFFFFFFF0u || strlen(m[i].name) > 0xFFFF || z.len > 0xFFFFFFF0u) {
            bad = 1;
            break;
        }
        uint32_t crc = (uint32_t)crc32(0L, m[i].data, (uInt)m[i].len);
        struct office_buf c = {0};
        int store = m[i].store || m[i].len == 0;
        if (!store && deflate_raw(m[i].data, m[i].len, &c) != 0) {
            office_buf_free(&c);
            bad = 1;
            break;
        }
        const unsigned char *body = store ? m[i].data : (const unsigned char *)c.p;
        size_t blen = store ? m[i].len : c.len;
        uint32_t off = (uint32_t)z.len;
        size_t nl = strlen(m[i].name);
        int utf8 = 0;
        for (size_t k = 0; k < nl; k++)
            utf8 |= (unsigned char)m[i].name[k] >= 0x80;
        unsigned flags = utf8 ? 0x0800 : 0;
        unsigned method = store ? 0 : 8;
        bad |= put32(&z, 0x04034b50) | put16(&z, 20) | put16(&z, flags) | put16(&z, method) |
               put16(&z, 0) | put16(&z, 0x21) | put32(&z, crc) | put32(&z, (uint32_t)blen) |
               put32(&z, (uint32_t)m[i].len) | put16(&z, (unsigned)nl) | put16(&z, 0) |
               buf_add(&z, m[i].name, nl) | (blen ? buf_add(&z, body, blen) : 0);
        bad |= put32(&cd, 0x02014b50) | put16(&cd, 20) | put16(&cd, 20) | put16(&cd, flags) |
               put16(&cd, method) | put16(&cd, 0) | put16(&cd, 0x21) | put32(&cd, crc) |
               put32(&cd, (uint32_t)blen) | put32(&cd, (uint32_t)m[i].len) |
               put16(&cd, (unsigned)nl) | put16(&cd, 0) | put16(&cd, 0) | put16(&cd, 0) |
               put16(&cd, 0) | put32(&cd, ends(m[i].name, "/") ? 0x10 : 0) | put32(&cd, off) |
               buf_add(&cd, m[i].name, nl);
        office_buf_free(&c);
    }
    if (!bad && (n > 0xFFFF || z.len + cd.len > 0xFFFFFFF0u))
        bad = 1;
    uint32_t cdoff = (uint32_t)z.len;
    if (!bad)
        bad |= buf_add(&z, cd.p ? cd.p : "", cd.len) | put32(&z, 0x06054b50) | put16(&z, 0) |
               put16(&z, 0) | put16(&z, (unsigned)n) | put16(&z, (unsigned)n) |
               put32(&z, (uint32_t)cd.len) | put32(&z, cdoff) | put16(&z, 0);
    office_buf_free(&cd);
    if (bad) {
        office_buf_free(&z);
        return INTAKE_ENOMEM;
    }
    *out = (unsigned char *)z.p;
    *outlen = z.len;
    return INTAKE_OK;
}

/* ------------------------------------------------------------------ */
/* export: what is removed from a redacted copy                       */
/* ------------------------------------------------------------------ */

static void drop(xmlNodePtr n)
{
    xmlUnlinkNode(n);
    xmlFreeNode(n);
}

/* Replace \p n by its children (accept a tracked insertion). */
static void unwrap(xmlNodePtr n)
{
    xmlNodePtr k = n->children;
    while (k) {
        xmlNodePtr next = k->next;
        xmlUnlinkNode(k);
        xmlAddPrevSibling(n, k);
        k = next;
    }
    drop(n);
}

static int docx_removed(xmlNodePtr n)
{
    static const char *const names[] = {"del",
                                        "moveFrom",
                                        "commentRangeStart",
                                        "commentRangeEnd",
                                        "commentReference",
                                        "cellIns",
                                        "cellDel",
                                        "cellMerge",
                                        "moveFromRangeStart",
                                        "moveFromRangeEnd",
                                        "moveToRangeStart",
                                        "moveToRangeEnd",
                                        "customXmlDelRangeStart",
                                        "customXmlDelRangeEnd",
                                        "customXmlInsRangeStart",
                                        "customXmlInsRangeEnd",
                                        "customXmlMoveFromRangeStart",
                                        "customXmlMoveFromRangeEnd",
                                        "customXmlMoveToRangeStart",
                                        "customXmlMoveToRangeEnd",
                                        NULL};
    if (!n->ns || !n->ns->href || !strstr((const char *)n->ns->href, NS_W))
        return 0;
    for (const char *const *s = names; *s; s++)
        if (!strcmp((const char *)n->name, *s))
            return 1;
    return ends((const char *)n->name, "Change"); /* rPrChange, pPrChange, ... */
}

static void docx_clean(const struct walk *w, xmlNodePtr n, int para_hidden)
{
    while (n) {
        xmlNodePtr next = n->next;
        if (n->type == XML_ELEMENT_NODE) {
            if (docx_removed(n)) {
                drop(n);
            } else if (is(n, NS_W, "r") && (para_hidden || docx_hidden(w, n, "rPr", "rStyle"))) {
                drop(n);
            } else if (is(n, NS_W, "ins") || is(n, NS_W, "moveTo")) {
                xmlNodePtr first = n->children;
                docx_clean(w, first, para_hidden);
                unwrap(n);
            } else {
                int ph = para_hidden || (is(n, NS_W, "p") && docx_hidden(w, n, "pPr", "pStyle"));
                docx_clean(w, n->children, ph);
            }
        }
        n = next;
    }
}

static void odf_clean(const struct walk *w, xmlNodePtr n)
{
    while (n) {
        xmlNodePtr next = n->next;
        if (n->type == XML_ELEMENT_NODE) {
            if (is(n, NS_OFFICE, "annotation") || is(n, NS_OFFICE, "annotation-end") ||
                is(n, NS_TEXT, "tracked-changes") || is(n, NS_TEXT, "change") ||
                is(n, NS_TEXT, "change-start") || is(n, NS_TEXT, "change-end") ||
                is(n, NS_TEXT, "hidden-text") || is(n, NS_TEXT, "hidden-paragraph") ||
                ((is(n, NS_TEXT, "span") || is(n, NS_TEXT, "p") || is(n, NS_TEXT, "h") ||
                  is(n, NS_TEXT, "section")) &&
                 odf_hidden(w, n)))
                drop(n);
            else
                odf_clean(w, n->children);
        }
        n = next;
    }
}

static void odf_settings_clean(xmlNodePtr n)
{
    while (n) {
        xmlNodePtr next = n->next;
        if (n->type == XML_ELEMENT_NODE) {
            const xmlChar *name = prop(n, "name");
            if (!strcmp((const char *)n->name, "config-item") && name &&
                (!strcmp((const char *)name, "PrinterName") ||
                 !strcmp((const char *)name, "PrinterSetup")))
                drop(n);
            else
                odf_settings_clean(n->children);
        }
        n = next;
    }
}

static void clear_children(xmlNodePtr n)
{
    while (n && n->children)
        drop(n->children);
}

int office_clean(struct office_pkg *pkg)
{
    struct office_text t;
    memset(&t, 0, sizeof t);
    struct walk w = {.pkg = pkg, .t = &t, .format = pkg->format};
    int odf = pkg->format == OFFICE_ODT || pkg->format == OFFICE_ODS;
    for (size_t i = 0; i < pkg->n; i++) {
        struct office_member *m = &pkg->m[i];
        xmlNodePtr root = m->xml ? xmlDocGetRootElement(m->xml) : NULL;
        if (m->role == OFFICE_ROLE_STYLES)
            docx_styles(&w, root);
        else if (odf && (m->role == OFFICE_ROLE_BODY || m->role == OFFICE_ROLE_HEADFOOT))
            odf_styles(&w, root, 0);
    }
    resolve_styles(&w);
    for (size_t i = 0; i < pkg->n; i++) {
        struct office_member *m = &pkg->m[i];
        /* ODF settings.xml: the printer's name and its setup blob go */
        if (odf && !strcmp(m->name, "settings.xml") && m->len < INT32_MAX) {
            if (!m->xml) /* the exporter may have parsed it already (sheet names) */
                m->xml = xmlReadMemory((const char *)m->data, (int)m->len, NULL, NULL,
                                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
            if (!m->xml) {
                free_styles(&w);
                return INTAKE_EFORMAT;
            }
            odf_settings_clean(xmlDocGetRootElement(m->xml));
            continue;
        }
        xmlNodePtr root = m->xml ? xmlDocGetRootElement(m->xml) : NULL;
        if (!root)
            continue;
        switch (m->role) {
        case OFFICE_ROLE_BODY:
        case OFFICE_ROLE_HEADFOOT:
        case OFFICE_ROLE_NOTES:
        case OFFICE_ROLE_XML_OTHER:
            if (odf)
                odf_clean(&w, root);
            else
                docx_clean(&w, root, 0);
            break;
        case OFFICE_ROLE_COMMENTS:
            clear_children(root);
            /* SpreadsheetML comments need both lists, empty or not */
            if (pkg->format == OFFICE_XLSX && is(root, NS_SML, "comments") &&
                (!xmlNewChild(root, root->ns, BAD_CAST "authors", NULL) ||
                 !xmlNewChild(root, root->ns, BAD_CAST "commentList", NULL)))
                t.oom = 1;
            break;
        case OFFICE_ROLE_CLEAR: clear_children(root); break;
        case OFFICE_ROLE_SST:
            /* every used string is now an inline string of its cell */
            clear_children(root);
            if (!xmlSetProp(root, BAD_CAST "count", BAD_CAST "0") ||
                !xmlSetProp(root, BAD_CAST "uniqueCount", BAD_CAST "0"))
                t.oom = 1;
            break;
        case OFFICE_ROLE_PROPS:
            if (odf) {
                for (xmlNodePtr k = root->children; k; k = k->next)
                    if (k->type == XML_ELEMENT_NODE)
                        clear_children(k); /* office:meta */
            } else
                clear_children(root);
            break;
        case OFFICE_ROLE_SETTINGS:
            for (xmlNodePtr k = root->children, nx; k; k = nx) {
                nx = k->next;
                if (is(k, NS_W, "docVars") || is(k, NS_W, "mailMerge") ||
                    is(k, NS_W, "attachedTemplate"))
                    drop(k);
            }
            break;
        default: break;
        }
    }
    free_styles(&w);
    return t.oom ? INTAKE_ENOMEM : INTAKE_OK;
}
