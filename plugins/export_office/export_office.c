/*
 * plugins/export_office/export_office.c: a redacted DOCX, ODT, XLSX or ODS
 * per such document, <store>/<dir>/<id>.docx|.odt|.xlsx|.ods: the same
 * package and formatting, every redacted span replaced by its placeholder.
 * Spreadsheets (sheet_fix): shared-string cells become inline strings with
 * their own redacted text, formulas holding redacted text are dropped
 * (cached values stay), typed values that were redacted become strings.
 *
 * How: the original (doc_source) is read again with the code extract_office
 * uses (office.c, compiled into both) and THE WALK is run again. Its pages
 * must be byte for byte the first office_text_pages pages of the document
 * (else the export is refused: the offsets would not name the same
 * nodes). Then every segment (a text node or an attribute's value the walk
 * read) gets the redacted text of its byte range (doc_redacted_range; each
 * redacted byte written once, so an entity split over runs lands whole in
 * its first run and the rest of it in no run), and office_clean() removes
 * what the copy must not keep:
 *
 *   - tracked changes: deletions dropped, insertions accepted, formatting
 *     changes and move ranges removed (ODF: text:tracked-changes and the
 *     change marks);
 *   - comments: anchors removed, comment parts and people emptied (ODF:
 *     office:annotation);
 *   - hidden text: runs with vanish or a hidden style, also through
 *     basedOn / parent-style-name chains (ODF: display none, hidden fields
 *     and paragraphs);
 *   - document properties: core.xml, app.xml, custom.xml emptied, still
 *     valid; ODF meta.xml's office:meta emptied; document variables, mail
 *     merge and template links removed from word/settings.xml;
 *   - pictures, thumbnails and object previews: a plain grey placeholder
 *     in the same format where Leptonica writes it (PNG, JPEG, GIF, BMP,
 *     TIFF, WebP), else PNG bytes under the same name; names and
 *     relationships are unchanged, so the package stays consistent;
 *   - embedded files and other binary members (printer settings, caches):
 *     emptied (zero bytes). Fonts are copied. ODF settings.xml loses the
 *     printer's name and setup.
 *
 * Text that the walk reads but the copy keeps (field codes, alternate
 * content, alt text, link targets (percent-encoded), other XML parts) is
 * rewritten with its redacted form. A member name with an entity in it
 * cannot be renamed without breaking the package: such a document is
 * refused (fail closed).
 *
 * The zip is made by office_zip_write (deterministic; ODF's mimetype
 * first and stored) and stored with host->store_write (atomic, durable;
 * a full disk is INTAKE_ENOSPC).
 * Without a store (intake redact) nothing is written. Lifetimes: the
 * instance is read-only options.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>
#include <libxml/parser.h>

#include "office.h"

#define EXPORT_OFFICE_VERSION "0.1.0"
#define DOC_ID_LEN            64

struct export_office_config {
    const char *dir;
};

static const struct intake_option export_office_options[] = {
    {INTAKE_OPT_STR, "dir", "redacted", 0, offsetof(struct export_office_config, dir),
     "folder for the documents, relative to the store (no '..', not absolute)", 0, 0},
    {0},
};

struct export_office_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    const char *dir;
};

static int cb_export_office_init(const struct intake_host *host, const struct intake_context *ctx,
                                 const void *config, void **instance, struct intake_error *err)
{
    const struct export_office_config *cfg = config;
    intake_return_val_if_fail(host && instance && cfg, INTAKE_EINVAL);
    if (!INTAKE_HOST_HAS(host, doc_redacted_range))
        return INTAKE_ERR(err, INTAKE_EABI, "the core lacks ABI 1.1 (doc_redacted_range)");
    if (!INTAKE_HOST_HAS(host, store_write))
        return INTAKE_ERR(err, INTAKE_EABI, "the core lacks host->store_write (ABI 1.2)");
    if (!host->store_dir_ok(cfg->dir))
        return INTAKE_ERR(err, INTAKE_ECONFIG,
                          "dir must be a relative folder inside the store, without '..'");
    struct export_office_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    in->host = host;
    in->ctx = ctx;
    in->dir = cfg->dir;
    *instance = in;
    return INTAKE_OK;
}

static void cb_export_office_exit(void *instance)
{
    struct export_office_instance *in = instance;
    if (in)
        in->host->free(in);
}

/* ------------------------------------------------------------------ */
/* placeholders                                                       */
/* ------------------------------------------------------------------ */

/* A grey picture in the format of \p orig where Leptonica writes it, else
 * PNG. *out is lept_free'd by the caller. */
static int placeholder(const struct office_member *m, l_uint8 **out, size_t *outlen)
{
    l_int32 fmt = IFF_UNKNOWN;
    if (m->len)
        findFileFormatBuffer(m->data, &fmt);
    switch (fmt) {
    case IFF_PNG:
    case IFF_JFIF_JPEG:
    case IFF_GIF:
    case IFF_BMP:
    case IFF_WEBP: break;
    case IFF_TIFF:
    case IFF_TIFF_PACKBITS:
    case IFF_TIFF_RLE:
    case IFF_TIFF_G3:
    case IFF_TIFF_G4:
    case IFF_TIFF_LZW:
    case IFF_TIFF_ZIP:
    case IFF_TIFF_JPEG: fmt = IFF_TIFF_ZIP; break;
    default: fmt = IFF_PNG; break;
    }
    PIX *pix = pixCreate(64, 64, fmt == IFF_WEBP ? 32 : 8);
    if (!pix)
        return -1;
    pixSetAllArbitrary(pix, fmt == IFF_WEBP ? 0xC8C8C800u : 200);
    int r = pixWriteMem(out, outlen, pix, fmt);
    if (r != 0 && fmt != IFF_PNG)
        r = pixWriteMem(out, outlen, pix, IFF_PNG);
    pixDestroy(&pix);
    return r == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* segments                                                           */
/* ------------------------------------------------------------------ */

struct aseg {
    uint64_t start, end; /* in the document's text */
    const struct office_seg *s;
};

static int cmp_aseg(const void *a, const void *b)
{
    const struct aseg *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static char *uri_encode(const char *s, size_t n)
{
    static const char ok[] = "-._~:/?#@!$&'()*+,;=%";
    char *o = malloc(n * 3 + 1), *p = o;
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            (c && strchr(ok, c)))
            *p++ = (char)c;
        else
            p += sprintf(p, "%%%02X", c);
    }
    *p = '\0';
    return o;
}

/* ------------------------------------------------------------------ */
/* spreadsheets                                                       */
/* ------------------------------------------------------------------ */

/*
 * What rewrite() saw, marked on the elements (libxml2 leaves _private to
 * the application) and acted on by sheet_fix() once every segment is
 * written: acting at once would free text nodes later segments name.
 */
#define MARK_CHANGED 0x1u  /* <v> or <f>: its text was redacted */
#define MARK_SST     0x2u  /* <v>: holds its shared string's redacted text now */
#define MARK_DROP    0x4u  /* remove the element */
#define MARK_VALUE   0x8u  /* ODS cell: a typed value (number, date, ...) was redacted */
#define MARK_FORMULA 0x10u /* ODS cell: its formula was redacted */

static void mark(xmlNodePtr n, uintptr_t f)
{
    if (n)
        n->_private = (void *)((uintptr_t)n->_private | f);
}

static uintptr_t marks(xmlNodePtr n)
{
    return n ? (uintptr_t)n->_private : 0;
}

static int el(xmlNodePtr n, const char *nsfrag, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name) && n->ns &&
           n->ns->href && strstr((const char *)n->ns->href, nsfrag);
}

#define NS_SML   "spreadsheetml"
#define NS_TABLE "opendocument:xmlns:table"

/* A sheet name with a placeholder in it: Excel and Calc refuse []:*?/\
 * and names over 31 characters. In place, never longer. */
static void sheet_name(char *s)
{
    size_t chars = 0, i = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && ++chars > 31)
            break;
        if (s[i] == '[')
            s[i] = '(';
        else if (s[i] == ']')
            s[i] = ')';
        else if (strchr(":*?/\\'", s[i]))
            s[i] = '_';
    }
    s[i] = '\0';
}

/*
 * Renamed sheets, old name -> new. The old name is personal data and is
 * also copied where the walk does not read (ODF settings.xml's view
 * entries, range addresses, pivot sources): sheet_fix() replaces it in
 * every attribute and text node of every XML part.
 */
struct renames {
    char **old, **new;
    size_t n, cap;
    int oom;
};

static void renames_free(struct renames *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->old[i]);
        free(r->new[i]);
    }
    free(r->old);
    free(r->new);
    memset(r, 0, sizeof *r);
}

/* Record old -> \p txt (sanitised, made unique among the new names, in
 * place: the caller's buffer has room for 31 characters and a suffix). */
static void renames_add(struct renames *r, const char *old, char *txt)
{
    sheet_name(txt);
    for (int k = 2; k < 100; k++) {
        int dup = 0;
        for (size_t i = 0; i < r->n; i++)
            dup |= !strcmp(r->new[i], txt);
        if (!dup)
            break;
        /* "Name (PHONE)" twice: the second is "Name (PHONE) 2" */
        size_t len = strlen(txt);
        while (len > 0 && (len > 24 || txt[len - 1] == ' ' ||
                           (k > 2 && txt[len - 1] >= '0' && txt[len - 1] <= '9')))
            len--;
        while (len > 0 && ((unsigned char)txt[len] & 0xC0) == 0x80)
            len--;
        snprintf(txt + len, 8, " %d", k);
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        char **o = realloc(r->old, cap * sizeof *o);
        if (o)
            r->old = o;
        char **nw = o ? realloc(r->new, cap * sizeof *nw) : NULL;
        if (!o || !nw) {
            r->oom = 1;
            return;
        }
        r->new = nw;
        r->cap = cap;
    }
    r->old[r->n] = strdup(old);
    r->new[r->n] = strdup(txt);
    if (!r->old[r->n] || !r->new[r->n]) {
        free(r->old[r->n]);
        free(r->new[r->n]);
        r->oom = 1;
        return;
    }
    r->n++;
}

/* Before segment \p node gets its redacted text \p txt: mark what the
 * text's change means for a spreadsheet. */
static void sheet_mark(xmlNodePtr node, char *txt, struct renames *rn)
{
    xmlNodePtr p = node->parent;
    if (p && p->type == XML_ATTRIBUTE_NODE) {
        const char *a = (const char *)p->name;
        xmlNodePtr e = p->parent;
        int cell = el(e, NS_TABLE, "table-cell") || el(e, NS_TABLE, "covered-table-cell");
        if (!strcmp(a, "name") && (el(e, NS_SML, "sheet") || el(e, NS_TABLE, "table")))
            renames_add(rn, node->content ? (const char *)node->content : "", txt);
        else if (!strcmp(a, "name") && e && e->type == XML_ELEMENT_NODE &&
                 strstr((const char *)e->name, "named-"))
            mark(e, MARK_DROP); /* a named range or expression: no placeholder in a name */
        else if (cell && (!strcmp(a, "value") || !strcmp(a, "date-value") ||
                          !strcmp(a, "time-value") || !strcmp(a, "boolean-value")))
            mark(e, MARK_VALUE);
        else if (cell && !strcmp(a, "formula"))
            mark(e, MARK_FORMULA);
        else if (!cell && (!strcmp(a, "formula") || !strcmp(a, "condition") ||
                           !strcmp(a, "value") || !strcmp(a, "date-value") ||
                           !strcmp(a, "time-value") || !strcmp(a, "boolean-value")))
            mark(e, MARK_DROP); /* conditions, validations, fields: no placeholder inside */
        return;
    }
    if (el(p, NS_SML, "v") || el(p, NS_SML, "f"))
        mark(p, MARK_CHANGED);
    else if (el(p, NS_SML, "definedName"))
        mark(p, MARK_DROP); /* a name's formula with a placeholder would not parse */
    else if (el(p, NS_SML, "formula") || el(p, NS_SML, "formula1") || el(p, NS_SML, "formula2"))
        mark(p->parent, MARK_DROP); /* the rule or validation it belongs to */
}

static xmlNodePtr kid(xmlNodePtr n, const char *nsfrag, const char *name)
{
    for (xmlNodePtr k = n ? n->children : NULL; k; k = k->next)
        if (el(k, nsfrag, name))
            return k;
    return NULL;
}

static void drop(xmlNodePtr n)
{
    xmlUnlinkNode(n);
    xmlFreeNode(n);
}

/* The cell's value becomes an inline string \p text (copied first: it may
 * be the <v> being removed). */
static int cell_inline(xmlNodePtr c, const xmlChar *text)
{
    xmlChar *copy = xmlStrdup(text ? text : BAD_CAST "");
    if (!copy)
        return -1;
    for (xmlNodePtr k = c->children, nx; k; k = nx) {
        nx = k->next;
        if (el(k, NS_SML, "v") || el(k, NS_SML, "is"))
            drop(k);
    }
    xmlNodePtr is = xmlNewDocNode(c->doc, c->ns, BAD_CAST "is", NULL);
    xmlNodePtr t = is ? xmlNewTextChild(is, c->ns, BAD_CAST "t", copy) : NULL;
    xmlFree(copy);
    if (!t || !xmlSetProp(c, BAD_CAST "t", BAD_CAST "inlineStr")) {
        xmlFreeNode(is);
        return -1;
    }
    xmlNodeSetSpacePreserve(t, 1);
    if (c->children)
        xmlAddPrevSibling(c->children, is);
    else
        xmlAddChild(c, is);
    return 0;
}

static const xmlChar *text_of_el(xmlNodePtr n)
{
    return n && n->children && n->children->type == XML_TEXT_NODE ? n->children->content
                                                                  : BAD_CAST "";
}

struct sids {
    char **v;
    size_t n, cap;
    int oom;
};

static void sids_add(struct sids *s, const xmlChar *si)
{
    if (!si || s->oom)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        char **nv = realloc(s->v, cap * sizeof *nv);
        if (!nv) {
            s->oom = 1;
            return;
        }
        s->v = nv;
        s->cap = cap;
    }
    if (!(s->v[s->n] = strdup((const char *)si)))
        s->oom = 1;
    else
        s->n++;
}

static int sids_has(const struct sids *s, const xmlChar *si)
{
    for (size_t i = 0; si && i < s->n; i++)
        if (!strcmp(s->v[i], (const char *)si))
            return 1;
    return 0;
}

static const xmlChar *attr(xmlNodePtr n, const char *local)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (!strcmp((const char *)a->name, local) && a->children &&
            a->children->type == XML_TEXT_NODE)
            return a->children->content;
    return NULL;
}

static int is_val(xmlNodePtr n, const char *local, const char *val)
{
    const xmlChar *v = attr(n, local);
    return v && !strcmp((const char *)v, val);
}

/* One XLSX cell after rewrite(). */
static int xlsx_cell(xmlNodePtr c, struct sids *dropped)
{
    xmlNodePtr v = kid(c, NS_SML, "v"), f = kid(c, NS_SML, "f");
    int shared = is_val(c, "t", "s"), str = is_val(c, "t", "str"), fdrop = 0;
    if (f && (marks(f) & MARK_CHANGED)) {
        /* fail closed: a formula with redacted text goes; its cached value stays */
        if (is_val(f, "t", "shared"))
            sids_add(dropped, attr(f, "si"));
        drop(f);
        f = NULL;
        fdrop = 1;
    }
    if (shared) {
        if (v && (marks(v) & MARK_SST)) {
            if (f)
                return xmlSetProp(c, BAD_CAST "t", BAD_CAST "str") ? 0 : -1;
            return cell_inline(c, text_of_el(v));
        }
        /* an index the walk did not read (empty string, out of range) */
        if (v)
            drop(v);
        xmlUnsetProp(c, BAD_CAST "t");
        return 0;
    }
    if ((v && (marks(v) & MARK_CHANGED)) || (fdrop && str)) {
        if (f)
            return xmlSetProp(c, BAD_CAST "t", BAD_CAST "str") ? 0 : -1;
        return cell_inline(c, text_of_el(v));
    }
    return 0;
}

/* Dependents of a dropped shared formula (no text of their own) go too. */
static int xlsx_dependents(xmlNodePtr n, const struct sids *dropped)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (el(n, NS_SML, "c")) {
            xmlNodePtr f = kid(n, NS_SML, "f");
            if (f && is_val(f, "t", "shared") && sids_has(dropped, attr(f, "si"))) {
                int str = is_val(n, "t", "str");
                drop(f);
                if (str && cell_inline(n, text_of_el(kid(n, NS_SML, "v"))) != 0)
                    return -1;
            }
            continue;
        }
        if (xlsx_dependents(n->children, dropped) != 0)
            return -1;
    }
    return 0;
}

static void ods_cell(xmlNodePtr c)
{
    uintptr_t m = marks(c);
    for (xmlAttrPtr a = c->properties, nx; a; a = nx) {
        nx = a->next;
        const char *l = (const char *)a->name;
        if (((m & MARK_VALUE) &&
             (!strcmp(l, "value") || !strcmp(l, "date-value") || !strcmp(l, "time-value") ||
              !strcmp(l, "boolean-value") || !strcmp(l, "currency"))) ||
            ((m & MARK_FORMULA) && !strcmp(l, "formula")))
            xmlRemoveProp(a);
    }
    /* the displayed text (text:p, redacted) is now the value */
    if (m & MARK_VALUE)
        for (xmlAttrPtr a = c->properties; a; a = a->next)
            if (!strcmp((const char *)a->name, "value-type"))
                xmlSetNsProp(c, a->ns, a->name, BAD_CAST "string");
}

static int sheet_walk(xmlNodePtr n, int format, struct sids *dropped)
{
    for (xmlNodePtr nx; n; n = nx) {
        nx = n->next;
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (marks(n) & MARK_DROP) {
            drop(n);
            continue;
        }
        if (format == OFFICE_XLSX && el(n, NS_SML, "c")) {
            if (xlsx_cell(n, dropped) != 0)
                return -1;
            continue;
        }
        if (format == OFFICE_ODS && marks(n))
            ods_cell(n);
        if (sheet_walk(n->children, format, dropped) != 0)
            return -1;
    }
    return 0;
}

/* xl/calcChain.xml lists formula cells; one whose formula was dropped
 * makes Excel repair the file. It is a cache Excel rebuilds: it goes, with
 * its relationship and content type. */
static int is_calc_chain(const char *name)
{
    return !strcmp(name, "xl/calcChain.xml");
}

static int drop_calc_chain(struct office_pkg *pkg)
{
    for (size_t i = 0; i < pkg->n; i++) {
        struct office_member *m = &pkg->m[i];
        if (!strcmp(m->name, "[Content_Types].xml") && !m->xml && m->len < INT32_MAX) {
            m->xml = xmlReadMemory((const char *)m->data, (int)m->len, NULL, NULL,
                                   XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
            if (!m->xml || m->xml->intSubset)
                return INTAKE_EFORMAT;
        }
        xmlNodePtr root = m->xml ? xmlDocGetRootElement(m->xml) : NULL;
        if (!root || (strcmp(m->name, "[Content_Types].xml") != 0 &&
                      strcmp(m->name, "xl/_rels/workbook.xml.rels") != 0))
            continue;
        for (xmlNodePtr k = root->children, nx; k; k = nx) {
            nx = k->next;
            const xmlChar *pn = k->type == XML_ELEMENT_NODE ? attr(k, "PartName") : NULL;
            const xmlChar *tg = k->type == XML_ELEMENT_NODE ? attr(k, "Target") : NULL;
            if ((pn && !strcmp((const char *)pn, "/xl/calcChain.xml")) ||
                (tg && (!strcmp((const char *)tg, "calcChain.xml") ||
                        !strcmp((const char *)tg, "/xl/calcChain.xml"))))
                drop(k);
        }
    }
    return INTAKE_OK;
}

/* \p s with every \p old replaced by \p new (xmlMalloc'd), or NULL. */
static xmlChar *replace_all(const xmlChar *s, const char *old, const char *new)
{
    size_t ol = strlen(old), nl = strlen(new), cnt = 0;
    if (!s || !ol)
        return NULL;
    for (const char *p = (const char *)s; (p = strstr(p, old)) != NULL; p += ol)
        cnt++;
    if (!cnt)
        return NULL;
    size_t len = strlen((const char *)s);
    xmlChar *o = xmlMalloc(len + cnt * nl + 1);
    if (!o)
        return NULL;
    char *w = (char *)o;
    for (const char *p = (const char *)s;;) {
        const char *q = strstr(p, old);
        if (!q) {
            strcpy(w, p);
            break;
        }
        memcpy(w, p, (size_t)(q - p));
        w += q - p;
        memcpy(w, new, nl);
        w += nl;
        p = q + ol;
    }
    return o;
}

static int sweep_text(xmlNodePtr t, const struct renames *rn)
{
    for (size_t i = 0; i < rn->n; i++) {
        xmlChar *r = replace_all(t->content, rn->old[i], rn->new[i]);
        if (r) {
            xmlNodeSetContent(t, r);
            xmlFree(r);
        }
    }
    return 0;
}

/* The old sheet names out of every attribute and text node under \p n. */
static void sweep(xmlNodePtr n, const struct renames *rn)
{
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            sweep_text(n, rn);
            continue;
        }
        if (n->type != XML_ELEMENT_NODE)
            continue;
        for (xmlAttrPtr a = n->properties; a; a = a->next)
            for (xmlNodePtr v = a->children; v; v = v->next)
                if (v->type == XML_TEXT_NODE)
                    sweep_text(v, rn);
        sweep(n->children, rn);
    }
}

/* After rewrite(), before office_clean() (which empties the shared strings). */
static int sheet_fix(struct office_pkg *pkg, const struct renames *rn, struct intake_error *err)
{
    int rc = INTAKE_OK;
    struct sids dropped = {0};
    /* ODF settings.xml names sheets in its view settings; not walked */
    for (size_t i = 0; rn->n && i < pkg->n; i++) {
        struct office_member *m = &pkg->m[i];
        if (pkg->format == OFFICE_ODS && !m->xml && !strcmp(m->name, "settings.xml") &&
            m->len < INT32_MAX) {
            m->xml = xmlReadMemory((const char *)m->data, (int)m->len, NULL, NULL,
                                   XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
            if (!m->xml || m->xml->intSubset)
                return INTAKE_ERR(err, INTAKE_EFORMAT, "malformed XML in settings.xml");
        }
        if (m->xml)
            sweep(xmlDocGetRootElement(m->xml), rn);
    }
    for (size_t i = 0; rc == INTAKE_OK && i < pkg->n; i++) {
        xmlNodePtr root = pkg->m[i].xml ? xmlDocGetRootElement(pkg->m[i].xml) : NULL;
        if (!root)
            continue;
        dropped.n = 0;
        if (sheet_walk(root, pkg->format, &dropped) != 0 ||
            (dropped.n && xlsx_dependents(root, &dropped) != 0) || dropped.oom)
            rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory fixing the sheets");
        for (size_t k = 0; k < dropped.n; k++)
            free(dropped.v[k]);
    }
    free(dropped.v);
    if (rc == INTAKE_OK && pkg->format == OFFICE_XLSX && drop_calc_chain(pkg) != INTAKE_OK)
        rc = INTAKE_ERR(err, INTAKE_EFORMAT, "malformed XML in [Content_Types].xml");
    return rc;
}

/*
 * Check the walk's pages against the document's, then write each
 * segment's redacted text into its node.
 */
static int rewrite(const struct export_office_instance *in, struct intake_doc *doc,
                   struct office_text *t, int format, struct renames *rn, struct intake_error *err)
{
    int sheet = format == OFFICE_XLSX || format == OFFICE_ODS;
    const struct intake_host *host = in->host;
    const char *np = host->doc_meta_get(doc, "office_text_pages");
    size_t tlen = 0, rlen = 0;
    const char *text = host->doc_text(doc, &tlen);
    const char *red = host->doc_redacted_text(doc, &rlen);
    if (!red)
        return INTAKE_ERR(err, INTAKE_EINVAL, "document has no redacted text");
    if (!np || strtoul(np, NULL, 10) != t->npages || host->doc_page_count(doc) < t->npages)
        return INTAKE_ERR(err, INTAKE_EINTERNAL,
                          "the package reads differently now than at extraction (page count)");
    uint64_t pstart[OFFICE_PAGE_COUNT] = {0};
    for (int k = 0; k < OFFICE_PAGE_COUNT; k++) {
        if (t->page_no[k] < 0)
            continue;
        uint64_t s = 0, e = 0;
        if (host->doc_page_range(doc, (uint32_t)t->page_no[k], &s, &e) != 0 || e > tlen ||
            e - s != t->page[k].len || memcmp(text + s, t->page[k].p, t->page[k].len) != 0)
            return INTAKE_ERR(err, INTAKE_EINTERNAL,
                              "the package reads differently now than at extraction (page %d)",
                              t->page_no[k] + 1);
        pstart[k] = s;
    }
    struct aseg *a = malloc((t->nseg ? t->nseg : 1) * sizeof *a);
    if (!a)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    for (size_t i = 0; i < t->nseg; i++) {
        a[i].start = pstart[t->seg[i].page] + t->seg[i].off;
        a[i].end = a[i].start + t->seg[i].len;
        a[i].s = &t->seg[i];
    }
    qsort(a, t->nseg, sizeof *a, cmp_aseg);
    int rc = INTAKE_OK;
    uint64_t last = 0;
    size_t changed = 0;
    char *tmp = NULL;
    size_t tmpcap = 0;
    for (size_t i = 0; rc == INTAKE_OK && i < t->nseg; i++) {
        uint64_t rs = 0, re = 0;
        if (host->doc_redacted_range(doc, a[i].start, a[i].end, &rs, &re) != 0 || re > rlen ||
            rs > re) {
            rc = INTAKE_ERR(err, INTAKE_EINTERNAL, "no redacted range for bytes %llu-%llu",
                            (unsigned long long)a[i].start, (unsigned long long)a[i].end);
            break;
        }
        if (rs < last)
            rs = last < re ? last : re;
        if (re > last)
            last = re;
        size_t n = (size_t)(re - rs);
        const struct office_seg *s = a[i].s;
        /* a shared string becomes its cell's own text, redacted or not */
        int sst = (s->flags & OFFICE_SEG_SST) != 0;
        if (!sst && n == s->len && memcmp(red + rs, text + a[i].start, n) == 0)
            continue; /* nothing redacted here */
        if (s->flags & OFFICE_SEG_NAME) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT,
                            "a member name in the package holds personal data: not exported");
            break;
        }
        if (n + 1 > tmpcap) {
            free(tmp);
            tmpcap = n + 1;
            tmp = malloc(tmpcap);
            if (!tmp) {
                rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
                break;
            }
        }
        memcpy(tmp, red + rs, n);
        tmp[n] = '\0';
        if (sst) {
            xmlNodeSetContent(s->node, (const xmlChar *)tmp);
            mark(s->node->parent, MARK_SST);
            changed++;
            continue;
        }
        if (sheet) {
            if (n + 16 > tmpcap) { /* room for a sheet name's " 99" */
                char *g = realloc(tmp, n + 16);
                if (!g) {
                    rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
                    break;
                }
                tmp = g;
                tmpcap = n + 16;
            }
            sheet_mark(s->node, tmp, rn);
            if (rn->oom) {
                rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
                break;
            }
        }
        if (s->flags & OFFICE_SEG_URI) {
            char *u = uri_encode(tmp, n);
            if (!u) {
                rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
                break;
            }
            xmlNodeSetContent(s->node, (const xmlChar *)u);
            free(u);
        } else
            xmlNodeSetContent(s->node, (const xmlChar *)tmp);
        changed++;
    }
    free(tmp);
    free(a);
    if (rc == INTAKE_OK)
        intake_log_debug(host, in->ctx, doc, "%zu of %zu text node(s) rewritten", changed, t->nseg);
    return rc;
}

/* ------------------------------------------------------------------ */
/* the package                                                        */
/* ------------------------------------------------------------------ */

static int build(const struct export_office_instance *in, struct intake_doc *doc,
                 struct office_pkg *pkg, unsigned char **zip, size_t *ziplen,
                 struct intake_error *err)
{
    (void)in;
    (void)doc;
    struct office_out *o = calloc(pkg->n ? pkg->n : 1, sizeof *o);
    void **owned = calloc(pkg->n ? pkg->n : 1, sizeof *owned);
    int *lept = calloc(pkg->n ? pkg->n : 1, sizeof *lept);
    int rc = INTAKE_OK;
    size_t k = 0;
    if (!o || !owned || !lept) {
        rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
        goto out;
    }
    /* ODF: mimetype first, stored */
    for (size_t i = 0; i < pkg->n; i++)
        if (pkg->m[i].role == OFFICE_ROLE_MIMETYPE)
            o[k++] = (struct office_out){pkg->m[i].name, pkg->m[i].data, pkg->m[i].len, 1};
    for (size_t i = 0; rc == INTAKE_OK && i < pkg->n; i++) {
        struct office_member *m = &pkg->m[i];
        struct office_out *x = &o[k];
        *x = (struct office_out){m->name, m->data, m->len, 0};
        switch (m->role) {
        case OFFICE_ROLE_MIMETYPE: continue;
        case OFFICE_ROLE_XML_OTHER:
            if (pkg->format == OFFICE_XLSX && is_calc_chain(m->name))
                continue; /* see drop_calc_chain() */
            goto xml;
        case OFFICE_ROLE_DIR: x->store = 1; break;
        case OFFICE_ROLE_MEDIA:
        case OFFICE_ROLE_THUMB: {
            l_uint8 *p = NULL;
            size_t n = 0;
            if (placeholder(m, &p, &n) != 0) {
                rc = INTAKE_ERR(err, INTAKE_ENOMEM, "cannot make a placeholder picture");
                break;
            }
            owned[i] = p;
            lept[i] = 1;
            x->data = p;
            x->len = n;
            break;
        }
        case OFFICE_ROLE_EMBED:
        case OFFICE_ROLE_BINARY:
            x->data = (const unsigned char *)"";
            x->len = 0;
            break;
        default:
        xml:
            if (m->xml) {
                xmlChar *mem = NULL;
                int n = 0;
                xmlDocDumpMemory(m->xml, &mem, &n);
                if (!mem || n < 0) {
                    rc = INTAKE_ERR(err, INTAKE_ENOMEM, "cannot serialise an XML part");
                    break;
                }
                owned[i] = mem;
                x->data = mem;
                x->len = (size_t)n;
            }
            break;
        }
        k++;
    }
    if (rc == INTAKE_OK && office_zip_write(o, k, zip, ziplen) != INTAKE_OK)
        rc = INTAKE_ERR(err, INTAKE_ENOMEM, "cannot write the package");
out:
    for (size_t i = 0; owned && i < pkg->n; i++)
        if (owned[i]) {
            if (lept[i])
                lept_free(owned[i]);
            else
                xmlFree(owned[i]);
        }
    free(owned);
    free(lept);
    free(o);
    return rc;
}

static int cb_export_office_process(void *instance, void *worker, struct intake_doc *doc,
                                    struct intake_error *err)
{
    struct export_office_instance *in = instance;
    (void)worker;
    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    const struct intake_host *host = in->host;
    const char *store = host->store_dir(in->ctx);
    const char *fmt = host->doc_meta_get(doc, "office_format");
    if (!fmt || (strcmp(fmt, "docx") != 0 && strcmp(fmt, "odt") != 0 && strcmp(fmt, "xlsx") != 0 &&
                 strcmp(fmt, "ods") != 0))
        return INTAKE_OK; /* not ours */
    if (!store) {
        intake_log_trace(host, in->ctx, doc, "no store: nothing to export");
        return INTAKE_OK;
    }
    const char *id = host->doc_id(doc);
    size_t len = 0;
    const unsigned char *src = host->doc_source(doc, &len);
    /* extract_office accepted these bytes under its limits */
    struct office_limits lim = {INT64_MAX / 2, 10000000, 1e18, INT64_MAX / 2};
    struct office_pkg pkg;
    int rc = office_pkg_read(src, len, &lim, &pkg, err);
    if (rc)
        return rc;
    struct office_text t;
    struct renames rn = {0};
    memset(&t, 0, sizeof t);
    unsigned char *zip = NULL;
    size_t ziplen = 0;
    rc = office_walk(&pkg, &t, err);
    if (rc == INTAKE_OK)
        rc = rewrite(in, doc, &t, pkg.format, &rn, err);
    if (rc == INTAKE_OK && (pkg.format == OFFICE_XLSX || pkg.format == OFFICE_ODS))
        rc = sheet_fix(&pkg, &rn, err);
    renames_free(&rn);
    if (rc == INTAKE_OK && (rc = office_clean(&pkg)) != INTAKE_OK)
        rc = INTAKE_ERR(err, rc,
                        rc == INTAKE_EFORMAT ? "malformed XML in settings.xml" : "out of memory");
    if (rc == INTAKE_OK)
        rc = build(in, doc, &pkg, &zip, &ziplen, err);
    office_text_clear(&t);
    office_pkg_clear(&pkg);
    if (rc == INTAKE_OK) {
        char name[DOC_ID_LEN + 8];
        snprintf(name, sizeof name, "%s.%s", id, fmt);
        rc = host->store_write(in->ctx, in->dir, name, zip, ziplen, err);
    }
    if (zip) {
        memset(zip, 0, ziplen);
        free(zip);
    }
    if (rc == INTAKE_OK)
        intake_log_debug(host, in->ctx, doc, "exported a redacted %s of %zu bytes", fmt, ziplen);
    return rc;
}

static const struct intake_plugin export_office_plugin = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_EXPORT,
    .name = "export_office",
    .version = EXPORT_OFFICE_VERSION,
    .description = "redacted DOCX/ODT/XLSX/ODS: placeholders in place, no comments, changes, "
                   "hidden text, properties or pictures",
    .options = export_office_options,
    .config_size = sizeof(struct export_office_config),
    .cb_init = cb_export_office_init,
    .cb_process = cb_export_office_process,
    .cb_exit = cb_export_office_exit,
};

INTAKE_PLUGIN_DEFINE(export_office, export_office_plugin)
