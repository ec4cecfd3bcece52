/*
 * plugins/extract_html/extract_html.c: HTML and XHTML in, UTF-8 pages out.
 *
 * The bytes are first decoded to UTF-8 here, strictly (a byte that is not
 * a character of the charset refuses the document): the charset comes
 * from a byte-order mark, else from the document (<meta charset>, <meta
 * http-equiv content-type>, <?xml encoding>), else UTF-8 when the bytes
 * are valid UTF-8, else uchardet's guess. libxml2's HTML parser then reads
 * the UTF-8 with recovery, no network, no entity loading and the
 * document's own encoding hint ignored (it has been applied).
 *
 * Pages: the visible text in reading order (block elements end lines,
 * table cells are tabs, <pre> is kept as it is, attribute text users see:
 * alt, title, aria-label, placeholder, and the value of text inputs), then,
 * when there is any, one page with the <title> and the <meta name=...>
 * contents (author, description, keywords ...) for detection. Dropped:
 * <script>, <style>, <template>, comments, processing instructions, and
 * everything that is not text (images, embedded objects, URLs in links).
 *
 * Lifetimes: the instance holds options (read-only after cb_init); the
 * worker owns one uchardet handle.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <uchardet/uchardet.h>

#include <intake/intake.h>

#define EXTRACT_HTML_VERSION "0.1.0"
#define SNIFF_BYTES          4096 /* where the charset declaration must be */

struct extract_html_config {
    int64_t max_bytes;             /* larger files are refused */
    const char *default_charset;   /* when neither the file nor uchardet can say */
    int32_t meta;                  /* <title> and <meta> contents as a page */
    const char *const *attributes; /* attributes whose text is included */
};

static const struct intake_option extract_html_options[] = {
    {INTAKE_OPT_SIZE, "max_bytes", "64M", 0, offsetof(struct extract_html_config, max_bytes),
     "HTML files larger than this are refused", 1, 4294967295.0},
    {INTAKE_OPT_STR, "default_charset", NULL, 0,
     offsetof(struct extract_html_config, default_charset),
     "charset assumed when the file declares none, is not UTF-8 and uchardet cannot tell "
     "(unset: refuse the file)",
     0, 0},
    {INTAKE_OPT_BOOL, "meta", "true", 0, offsetof(struct extract_html_config, meta),
     "the <title> and <meta name=...> contents (author, description ...) as a last page for "
     "detection; false drops them",
     0, 0},
    {INTAKE_OPT_LIST, "attributes", "alt,title,aria-label,placeholder", 0,
     offsetof(struct extract_html_config, attributes),
     "attributes whose text readers see, included where the element is", 0, 0},
    {0},
};

#define MAX_ATTRS 16

struct extract_html_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    size_t max_bytes;
    const char *default_charset; /* borrowed from the core's config, valid until cb_exit */
    int meta;
    const char *attrs[MAX_ATTRS + 1];
};

struct extract_html_worker {
    uchardet_t ud;
};

/* ---- a growable output buffer; wiped when freed (personal data) ---- */

struct obuf {
    char *p;
    size_t len, cap;
    int oom;
};

static void ob_add(struct obuf *b, const char *s, size_t n)
{
    if (b->oom || !n)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = malloc(cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        if (b->p) {
            memcpy(p, b->p, b->len);
            explicit_bzero(b->p, b->cap);
            free(b->p);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void ob_free(struct obuf *b)
{
    if (b->p) {
        explicit_bzero(b->p, b->cap);
        free(b->p);
    }
    memset(b, 0, sizeof *b);
}

static char ob_last(const struct obuf *b)
{
    return b->len ? b->p[b->len - 1] : '\n';
}

static void ob_trim_space(struct obuf *b)
{
    while (b->len && b->p[b->len - 1] == ' ')
        b->p[--b->len] = '\0';
}

/* End the line (block element): no trailing space, no empty lines. */
static void ob_break(struct obuf *b)
{
    ob_trim_space(b);
    if (ob_last(b) != '\n')
        ob_add(b, "\n", 1);
}

static void ob_tab(struct obuf *b)
{
    ob_trim_space(b);
    ob_add(b, "\t", 1);
}

/* Text with HTML white space collapsed; NBSP counts as a space. */
static void ob_text(struct obuf *b, const char *s, size_t n, int pre)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        int ws = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
        size_t k = 1;
        if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0) {
            ws = 1;
            k = 2;
        }
        if (pre) {
            if (c == '\r')
                ; /* \r\n and lone \r: the \n does it, or nothing */
            else if (ws && k == 2)
                ob_add(b, " ", 1);
            else
                ob_add(b, s + i, 1);
        } else if (ws) {
            char l = ob_last(b);
            if (l != ' ' && l != '\n' && l != '\t')
                ob_add(b, " ", 1);
        } else {
            size_t j = i + 1;
            while (j < n && (unsigned char)s[j] > ' ' && (unsigned char)s[j] != 0xC2)
                j++;
            ob_add(b, s + i, j - i);
            k = j - i;
        }
        i += k;
    }
}

/* ---- charset ---- */

/* A charset name as iconv knows it (web names that differ). */
static const char *iconv_name(const char *cs)
{
    static const struct {
        const char *web, *iconv;
    } map[] = {
        {"iso-8859-1", "CP1252"},
        {"latin1", "CP1252"},
        {"us-ascii", "CP1252"},
        {"ascii", "CP1252"},
        {"x-mac-cyrillic", "MAC-CYRILLIC"},
        {"kz-1048", "RK1048"},
        {"kz1048", "RK1048"},
        {"strk1048-2002", "RK1048"},
        {"ptcp154", "PT154"},
        {"pt154", "PT154"},
        {"cp154", "PT154"},
        {"x-cp1251", "CP1251"},
        {"windows-1251", "CP1251"},
        {"cp-1251", "CP1251"},
        {"utf8", "UTF-8"},
        {"unicode-1-1-utf-8", "UTF-8"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(cs, map[i].web) == 0)
            return map[i].iconv;
    return cs;
}

/* The charset the document declares in its first SNIFF_BYTES, or "". */
static void declared_charset(const unsigned char *s, size_t n, char *out, size_t cap)
{
    char low[SNIFF_BYTES + 1];
    size_t m = n < SNIFF_BYTES ? n : SNIFF_BYTES;
    out[0] = '\0';
    for (size_t i = 0; i < m; i++)
        low[i] = s[i] ? (char)tolower(s[i]) : ' ';
    low[m] = '\0';
    const char *p = low;
    /* <?xml ... encoding="x"?> */
    const char *x = strstr(low, "<?xml");
    if (x && x < low + 64) {
        const char *e = strstr(x, "?>"), *k = strstr(x, "encoding");
        if (k && (!e || k < e))
            p = k + 8;
        else
            p = NULL;
    } else {
        p = NULL;
    }
    for (const char *m1 = strstr(low, "<meta"); !p && m1; m1 = strstr(m1 + 5, "<meta")) {
        const char *e = strchr(m1, '>');
        const char *k = strstr(m1, "charset");
        if (k && (!e || k < e))
            p = k + 7;
    }
    if (!p)
        return;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (*p != '=')
        return;
    p++;
    while (*p == ' ' || *p == '"' || *p == '\'')
        p++;
    size_t k = 0;
    while (k + 1 < cap &&
           (isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.' || *p == ':'))
        out[k++] = *p++;
    out[k] = '\0';
}

static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        unsigned min;
        if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
            min = 0x80;
        } else if ((c >> 4) == 0xE) {
            k = 2;
            min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            min = 0x10000;
        } else {
            return 0;
        }
        if (k > n - i - 1)
            return 0;
        unsigned v = c & (0x3F >> k);
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            v = (v << 6) | (s[i + j] & 0x3F);
        }
        if (v < min || v > 0x10FFFF || (v >= 0xD800 && v < 0xE000))
            return 0;
        i += k + 1;
    }
    return 1;
}

/* Decode \p n bytes from \p cs to UTF-8 (malloc'ed) strictly; NULL and
 * *bad = offset on a byte that is not a character, *bad = -1 when iconv
 * does not know the charset, -2 on no memory. */
static char *to_utf8(const unsigned char *s, size_t n, const char *cs, size_t *outlen, long *bad)
{
    iconv_t cd = iconv_open("UTF-8", iconv_name(cs));
    if (cd == (iconv_t)-1) {
        *bad = -1;
        return NULL;
    }
    size_t cap = n * 4 + 16;
    char *out = malloc(cap), *o = out, *in = (char *)s;
    size_t il = n, ol = cap;
    if (!out) {
        iconv_close(cd);
        *bad = -2;
        return NULL;
    }
    size_t rc = iconv(cd, &in, &il, &o, &ol);
    if (rc != (size_t)-1)
        rc = iconv(cd, NULL, NULL, &o, &ol);
    iconv_close(cd);
    if (rc == (size_t)-1) {
        *bad = (long)(n - il);
        explicit_bzero(out, cap);
        free(out);
        return NULL;
    }
    *outlen = (size_t)(o - out);
    return out;
}

/* ---- the tree walk ---- */

static int is_name(const xmlNode *n, const char *const *names)
{
    for (; *names; names++)
        if (xmlStrcasecmp(n->name, (const xmlChar *)*names) == 0)
            return 1;
    return 0;
}

static const char *const skip_elems[] = {"script", "style", "template", "head", NULL};
static const char *const block_elems[] = {
    "address",  "article", "aside",  "blockquote", "body",    "br",      "caption",  "center",
    "dd",       "details", "dialog", "div",        "dl",      "dt",      "fieldset", "figcaption",
    "figure",   "footer",  "form",   "h1",         "h2",      "h3",      "h4",       "h5",
    "h6",       "header",  "hr",     "html",       "legend",  "li",      "main",     "nav",
    "ol",       "option",  "p",      "pre",        "section", "summary", "table",    "tbody",
    "textarea", "tfoot",   "thead",  "tr",         "ul",      "title",   NULL};
static const char *const cell_elems[] = {"td", "th", NULL};
static const char *const ignored_meta[] = {
    "viewport",         "robots",       "generator", "theme-color", "referrer",
    "format-detection", "color-scheme", "googlebot", "google",      NULL};

struct walk {
    const struct extract_html_instance *in;
    struct obuf body, meta;
    int pre;           /* inside <pre>: depth counter */
    unsigned comments; /* dropped */
    unsigned scripts;  /* dropped */
};

static void attr_text(struct walk *W, struct obuf *b, const xmlChar *v)
{
    if (!v || !*v)
        return;
    char l = ob_last(b);
    if (l != ' ' && l != '\n' && l != '\t')
        ob_add(b, " ", 1);
    ob_text(b, (const char *)v, strlen((const char *)v), 0);
    ob_add(b, " ", 1);
    (void)W;
}

static void meta_line(struct obuf *b, const char *label, const xmlChar *v)
{
    if (!v || !*v)
        return;
    ob_break(b);
    ob_add(b, label, strlen(label));
    ob_add(b, ": ", 2);
    ob_text(b, (const char *)v, strlen((const char *)v), 0);
    ob_break(b);
}

/* All the text under \p n (for <title>), collapsed. */
static void plain_text(const xmlNode *n, struct obuf *b)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
            ob_text(b, (const char *)c->content, strlen((const char *)c->content), 0);
}

enum { W_SKIP, W_LEAF, W_DESCEND };

/* Entering an element: what it adds before its children. */
static int enter(struct walk *W, xmlNode *n)
{
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content)
            ob_text(&W->body, (const char *)n->content, strlen((const char *)n->content),
                    W->pre > 0);
        return W_LEAF;
    }
    if (n->type == XML_COMMENT_NODE) {
        W->comments++;
        return W_SKIP;
    }
    if (n->type != XML_ELEMENT_NODE)
        return W_SKIP;
    if (xmlStrcasecmp(n->name, (const xmlChar *)"title") == 0) {
        struct obuf t = {0};
        plain_text(n, &t);
        if (t.len) {
            ob_break(&W->meta);
            ob_add(&W->meta, "Title: ", 7);
            ob_add(&W->meta, t.p, t.len);
            ob_break(&W->meta);
        }
        W->meta.oom |= t.oom;
        ob_free(&t);
        return W_SKIP;
    }
    if (xmlStrcasecmp(n->name, (const xmlChar *)"meta") == 0) {
        xmlChar *name = xmlGetProp(n, (const xmlChar *)"name");
        if (!name)
            name = xmlGetProp(n, (const xmlChar *)"property");
        if (name) {
            char label[64];
            snprintf(label, sizeof label, "%s", (const char *)name);
            for (char *q = label; *q; q++)
                *q = (char)tolower((unsigned char)*q);
            int ignore = 0;
            for (const char *const *m = ignored_meta; *m; m++)
                ignore |= strcmp(label, *m) == 0;
            if (!ignore) {
                xmlChar *content = xmlGetProp(n, (const xmlChar *)"content");
                meta_line(&W->meta, label, content);
                xmlFree(content);
            }
            xmlFree(name);
        }
        return W_SKIP;
    }
    if (is_name(n, skip_elems)) {
        /* <head>: its <title> and <meta> still count */
        if (xmlStrcasecmp(n->name, (const xmlChar *)"head") == 0)
            return W_DESCEND;
        W->scripts++;
        return W_SKIP;
    }
    if (is_name(n, block_elems))
        ob_break(&W->body);
    if (xmlStrcasecmp(n->name, (const xmlChar *)"pre") == 0)
        W->pre++;
    for (const char *const *a = W->in->attrs; *a; a++) {
        xmlChar *v = xmlGetProp(n, (const xmlChar *)*a);
        attr_text(W, &W->body, v);
        xmlFree(v);
    }
    if (xmlStrcasecmp(n->name, (const xmlChar *)"input") == 0) {
        xmlChar *type = xmlGetProp(n, (const xmlChar *)"type");
        if (!type || xmlStrcasecmp(type, (const xmlChar *)"hidden") != 0) {
            xmlChar *v = xmlGetProp(n, (const xmlChar *)"value");
            attr_text(W, &W->body, v);
            xmlFree(v);
        }
        xmlFree(type);
    }
    return W_DESCEND;
}

static void leave(struct walk *W, xmlNode *n)
{
    if (n->type != XML_ELEMENT_NODE)
        return;
    if (xmlStrcasecmp(n->name, (const xmlChar *)"pre") == 0 && W->pre > 0)
        W->pre--;
    if (is_name(n, cell_elems))
        ob_tab(&W->body);
    else if (is_name(n, block_elems))
        ob_break(&W->body);
}

/* Depth-first without recursion (libxml2 bounds the depth, but a stack of
 * C frames is not needed for it). */
static void walk_tree(struct walk *W, xmlNode *root)
{
    xmlNode *n = root;
    while (n) {
        int d = enter(W, n);
        if (d == W_DESCEND && n->children) {
            n = n->children;
            continue;
        }
        if (d != W_SKIP)
            leave(W, n);
        while (n && n != root && !n->next) {
            n = n->parent;
            if (n)
                leave(W, n);
        }
        if (!n || n == root)
            break;
        n = n->next;
    }
}

/* ---- callbacks ---- */

static int cb_extract_html_init(const struct intake_host *host, const struct intake_context *ctx,
                                const void *config, void **instance, struct intake_error *err)
{
    const struct extract_html_config *cfg = config;
    intake_return_val_if_fail(host && instance, INTAKE_EINVAL);
    struct extract_html_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "extract_html: no memory for the instance");
    memset(in, 0, sizeof *in);
    in->host = host;
    in->ctx = ctx;
    in->max_bytes = (size_t)64 << 20;
    in->meta = 1;
    static const char *const def_attrs[] = {"alt", "title", "aria-label", "placeholder", NULL};
    const char *const *attrs = def_attrs;
    if (cfg) {
        if (cfg->max_bytes <= 0) {
            host->free(in);
            return INTAKE_ERR(err, INTAKE_ECONFIG, "extract_html: max_bytes must be positive");
        }
        in->max_bytes = (size_t)cfg->max_bytes;
        in->meta = cfg->meta != 0;
        if (cfg->attributes)
            attrs = cfg->attributes;
        if (cfg->default_charset && cfg->default_charset[0]) {
            iconv_t cd = iconv_open("UTF-8", iconv_name(cfg->default_charset));
            if (cd == (iconv_t)-1) {
                host->free(in);
                return INTAKE_ERR(err, INTAKE_ECONFIG,
                                  "extract_html: default_charset: unknown charset '%s'",
                                  cfg->default_charset);
            }
            iconv_close(cd);
            in->default_charset = cfg->default_charset;
        }
    }
    size_t k = 0;
    for (; attrs[k]; k++) {
        if (k == MAX_ATTRS) {
            host->free(in);
            return INTAKE_ERR(err, INTAKE_ECONFIG, "extract_html: attributes: more than %d",
                              MAX_ATTRS);
        }
        in->attrs[k] = attrs[k];
    }
    in->attrs[k] = NULL;
    xmlInitParser(); /* before the workers fork */
    *instance = in;
    return INTAKE_OK;
}

static void cb_extract_html_exit(void *instance)
{
    struct extract_html_instance *in = instance;
    if (in)
        in->host->free(in);
}

static int cb_extract_html_worker_init(void *instance, void **worker, struct intake_error *err)
{
    struct extract_html_instance *in = instance;
    struct extract_html_worker *w = in->host->alloc(sizeof *w);
    if (!w)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "extract_html: no memory for the worker");
    w->ud = uchardet_new();
    if (!w->ud) {
        in->host->free(w);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "extract_html: uchardet_new failed");
    }
    *worker = w;
    return INTAKE_OK;
}

static void cb_extract_html_worker_exit(void *instance, void *worker)
{
    struct extract_html_instance *in = instance;
    struct extract_html_worker *w = worker;
    if (!w)
        return;
    uchardet_delete(w->ud);
    in->host->free(w);
}

/* Pick the charset: BOM, declaration, UTF-8, uchardet, default. Sets
 * *skip to the BOM's length. Returns NULL when none can be trusted. */
static const char *pick_charset(const struct extract_html_instance *in,
                                struct extract_html_worker *w, const unsigned char *s, size_t n,
                                size_t *skip, char *decl, size_t cap, const char **how)
{
    *skip = 0;
    if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
        *skip = 3;
        *how = "byte-order mark";
        return "UTF-8";
    }
    if (n >= 2 && s[0] == 0xFF && s[1] == 0xFE) {
        *skip = 2;
        *how = "byte-order mark";
        return "UTF-16LE";
    }
    if (n >= 2 && s[0] == 0xFE && s[1] == 0xFF) {
        *skip = 2;
        *how = "byte-order mark";
        return "UTF-16BE";
    }
    declared_charset(s, n, decl, cap);
    int utf8 = valid_utf8(s, n);
    if (decl[0]) {
        const char *cs = iconv_name(decl);
        /* A page labelled UTF-8 that is not: let detection decide. */
        if (strcasecmp(cs, "UTF-8") != 0 || utf8) {
            *how = "declared";
            return cs;
        }
    }
    if (utf8) {
        *how = "valid UTF-8";
        return "UTF-8";
    }
    if (w && w->ud) {
        uchardet_reset(w->ud);
        if (uchardet_handle_data(w->ud, (const char *)s, n) == 0) {
            uchardet_data_end(w->ud);
            const char *g = uchardet_get_charset(w->ud);
            if (g && g[0] && strcasecmp(g, "ASCII") != 0 && strcasecmp(g, "UTF-8") != 0) {
                snprintf(decl, cap, "%s", g);
                *how = "uchardet";
                return decl;
            }
        }
    }
    if (in->default_charset) {
        *how = "default_charset";
        return in->default_charset;
    }
    return NULL;
}

static int cb_extract_html_process(void *instance, void *worker, struct intake_doc *doc,
                                   struct intake_error *err)
{
    struct extract_html_instance *in = instance;
    struct extract_html_worker *w = worker;
    const struct intake_host *h;
    const unsigned char *src;
    size_t len = 0, skip = 0, ulen = 0;
    char decl[64];
    const char *how = "";
    long bad = 0;
    int rc = INTAKE_OK;

    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    h = in->host;
    src = h->doc_source(doc, &len);
    if (!src || len == 0)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "extract_html: empty file");
    if (len > in->max_bytes)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "extract_html: file too large (%zu bytes, max_bytes is %zu)", len,
                          in->max_bytes);
    const char *cs = pick_charset(in, w, src, len, &skip, decl, sizeof decl, &how);
    if (!cs)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "extract_html: no charset declared, not UTF-8, and uchardet cannot "
                          "tell (set default_charset to assume one)");
    char *u = to_utf8(src + skip, len - skip, cs, &ulen, &bad);
    if (!u) {
        if (bad == -2)
            return INTAKE_ERR(err, INTAKE_ENOMEM, "extract_html: no memory to decode");
        if (bad == -1)
            return INTAKE_ERR(err, INTAKE_EFORMAT, "extract_html: unknown charset (%s)", how);
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "extract_html: not valid in its charset (%s, byte offset %ld)", how,
                          bad + (long)skip);
    }
    if (memchr(u, '\0', ulen)) {
        size_t off = (size_t)((char *)memchr(u, '\0', ulen) - u);
        explicit_bzero(u, ulen);
        free(u);
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "extract_html: NUL character in the text (offset %zu of the decoded "
                          "text): not an HTML document",
                          off);
    }
    if (ulen > INT32_MAX) {
        explicit_bzero(u, ulen);
        free(u);
        return INTAKE_ERR(err, INTAKE_EFORMAT, "extract_html: decoded text over 2 GB");
    }
    htmlDocPtr hd =
        htmlReadMemory(u, (int)ulen, NULL, "UTF-8",
                       HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                           HTML_PARSE_NOWARNING | HTML_PARSE_IGNORE_ENC | HTML_PARSE_NOIMPLIED);
    explicit_bzero(u, ulen);
    free(u);
    if (!hd)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "extract_html: the HTML parser found no document");

    struct walk W;
    memset(&W, 0, sizeof W);
    W.in = in;
    for (xmlNode *n = hd->children; n; n = n->next)
        walk_tree(&W, n);
    xmlFreeDoc(hd); /* libxml2 does not wipe its nodes; they are freed at once */

    if (W.body.oom || W.meta.oom) {
        rc = INTAKE_ERR(err, INTAKE_ENOMEM, "extract_html: no memory for the text");
        goto out;
    }
    ob_break(&W.body);
    ob_break(&W.meta);
    if (W.body.oom || W.meta.oom) {
        rc = INTAKE_ERR(err, INTAKE_ENOMEM, "extract_html: no memory for the text");
        goto out;
    }
    int want_meta = in->meta && W.meta.len > 0;
    if (W.body.len == 0 && !want_meta) {
        rc = INTAKE_ERR(err, INTAKE_EFORMAT, "extract_html: no text in the document");
        goto out;
    }
    rc = h->doc_add_page(doc, W.body.p ? W.body.p : "", W.body.len, err);
    if (rc == INTAKE_OK && want_meta)
        rc = h->doc_add_page(doc, W.meta.p, W.meta.len, err);
    if (rc == INTAKE_OK) {
        char name[64];
        size_t k = 0;
        for (; cs[k] && k + 1 < sizeof name; k++)
            name[k] = (char)toupper((unsigned char)cs[k]);
        name[k] = '\0';
        rc = h->doc_meta_set(doc, "encoding", name, err);
    }
    if (rc == INTAKE_OK && want_meta)
        rc = h->doc_meta_set(doc, "info_page", "2", err);
    if (rc == INTAKE_OK)
        intake_log_debug(h, in->ctx, doc,
                         "charset %s (%s); %zu text, %zu title/meta bytes%s; %u scripts/styles, "
                         "%u comments dropped",
                         cs, how, W.body.len, W.meta.len,
                         W.meta.len && !in->meta ? " (meta dropped)" : "", W.scripts, W.comments);
out:
    ob_free(&W.body);
    ob_free(&W.meta);
    return rc;
}

static int cb_extract_html_probe(void *instance, const unsigned char *bytes, size_t len,
                                 const char *mime)
{
    (void)instance;
    (void)mime;
    size_t i = 0;
    if (!bytes)
        return 0;
    if (len >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
        i = 3;
    while (i < len && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\r' || bytes[i] == '\n'))
        i++;
    if (len - i >= 14 && strncasecmp((const char *)bytes + i, "<!doctype html", 14) == 0)
        return 90;
    if (len - i >= 5 && strncasecmp((const char *)bytes + i, "<html", 5) == 0)
        return 90;
    return 0;
}

static const char *const extract_html_mime_types[] = {
    "text/html",
    "application/xhtml+xml",
    NULL,
};

static const struct intake_plugin extract_html_descriptor = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_EXTRACT,
    .flags = 0,
    .name = "extract_html",
    .version = EXTRACT_HTML_VERSION,
    .description = "HTML and XHTML (libxml2): visible text, alt/title text, <title> and <meta> "
                   "for detection",
    .options = extract_html_options,
    .config_size = sizeof(struct extract_html_config),
    .mime_types = extract_html_mime_types,
    .cb_init = cb_extract_html_init,
    .cb_worker_init = cb_extract_html_worker_init,
    .cb_process = cb_extract_html_process,
    .cb_worker_exit = cb_extract_html_worker_exit,
    .cb_exit = cb_extract_html_exit,
    .cb_probe = cb_extract_html_probe,
};

INTAKE_PLUGIN_DEFINE(extract_html, extract_html_descriptor)
