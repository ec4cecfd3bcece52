/*
 * plugins/extract_rtf/rtf_parse.c: the RTF reader (see rtf_parse.h).
 *
 * One pass over the bytes with a stack of group states. Each group has a
 * destination (where its text goes, or nowhere), a \ucN count and a code
 * page for \'xx bytes and raw 8-bit text (from \ansicpg, or from the font's
 * \fcharset / \cpg in the font table). Bytes of one code page are collected
 * and converted with iconv when something else comes, so double-byte code
 * pages work too. Limits: group depth, output size; \binN may not run past
 * the end.
 */
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtf_parse.h"

/* Where a group's text goes. */
enum dest {
    D_BODY = 0,
    D_NOTES = 1,
    D_INFO = 2,
    D_SKIP = 3,   /* dropped: formatting tables, pictures, unknown \*\ */
    D_FONTTBL = 4 /* font table: its control words matter, its text not */
};

struct group {
    uint8_t dest;
    uint8_t uc;    /* \ucN: fallback characters after \uN */
    uint8_t star;  /* \* seen: the next control word names an optional destination */
    uint8_t fresh; /* no text yet in this group: a destination word still counts */
    int cp;        /* code page of \'xx bytes; 0 = the document's */
    int font;      /* font table: the font this group describes, -1 none */
};

struct font {
    int num, charset, cpg;
};

#define PEND_MAX 64
#define NCD      8

struct parser {
    const unsigned char *s;
    size_t n, i;
    struct group *st;
    unsigned depth, max_depth;
    size_t max_text, total;
    struct rtf_result *r;
    int doc_cp;
    int deff;
    struct font *fonts;
    size_t nfonts, capfonts;
    unsigned char pend[PEND_MAX];
    size_t npend;
    int pend_cp;
    int pend_dest;
    size_t pend_off; /* input offset of the first pending byte */
    struct {
        int cp;
        iconv_t cd;
    } cds[NCD];
    unsigned skip; /* fallback characters still to skip after \uN */
    unsigned hi;   /* pending high surrogate */
};

__attribute__((format(printf, 4, 5))) static int fail(struct parser *P, int code, size_t off,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(P->r->why, sizeof P->r->why, fmt, ap);
    va_end(ap);
    P->r->offset = off;
    return code;
}

static void buf_wipe(struct rtf_buf *b)
{
    if (b->p) {
        explicit_bzero(b->p, b->cap);
        free(b->p);
    }
    b->p = NULL;
    b->len = b->cap = 0;
}

void rtf_result_clear(struct rtf_result *r)
{
    buf_wipe(&r->body);
    buf_wipe(&r->notes);
    buf_wipe(&r->info);
}

static struct rtf_buf *dest_buf(struct parser *P, int dest)
{
    switch (dest) {
    case D_BODY: return &P->r->body;
    case D_NOTES: return &P->r->notes;
    case D_INFO: return &P->r->info;
    default: return NULL;
    }
}

/* Append \p len bytes to the buffer of \p dest (nothing for skipped ones). */
static int put(struct parser *P, int dest, const char *s, size_t len)
{
    struct rtf_buf *b = dest_buf(P, dest);
    if (!b || !len)
        return RTF_OK;
    if (P->total + len > P->max_text)
        return fail(P, RTF_ELIMIT, P->i, "text longer than max_text (%zu bytes)", P->max_text);
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *p = malloc(cap);
        if (!p)
            return fail(P, RTF_ENOMEM, P->i, "out of memory for %zu bytes of text", cap);
        if (b->p) {
            memcpy(p, b->p, b->len);
            explicit_bzero(b->p, b->cap); /* never leave text behind in freed memory */
            free(b->p);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, len);
    b->len += len;
    b->p[b->len] = '\0';
    P->total += len;
    return RTF_OK;
}

static int put_cp(struct parser *P, int dest, uint32_t c)
{
    char u[4];
    size_t n;
    if (c >= 0xD800 && c < 0xE000)
        c = 0xFFFD;
    if (c < 0x80) {
        u[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (char)(0xC0 | (c >> 6));
        u[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (char)(0xE0 | (c >> 12));
        u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        u[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (c >> 18));
        u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        u[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    return put(P, dest, u, n);
}

/* iconv name of a Windows code page number, or NULL. */
static const char *cp_name(int cp, char *tmp, size_t cap)
{
    switch (cp) {
    case 1048: return "RK1048";
    case 10000: return "MACINTOSH";
    case 10007: return "MAC-CYRILLIC";
    case 20866: return "KOI8-R";
    case 21866: return "KOI8-U";
    case 28591: return "ISO-8859-1";
    case 28595: return "ISO-8859-5";
    case 65001: return "UTF-8";
    case 154: return "PT154";
    default: break;
    }
    if (cp <= 0 || cp > 65535)
        return NULL;
    snprintf(tmp, cap, "CP%d", cp);
    return tmp;
}

static iconv_t get_cd(struct parser *P, int cp)
{
    char tmp[16];
    int k;
    for (k = 0; k < NCD && P->cds[k].cd; k++)
        if (P->cds[k].cp == cp)
            return P->cds[k].cd;
    const char *name = cp_name(cp, tmp, sizeof tmp);
    iconv_t cd = name ? iconv_open("UTF-8", name) : (iconv_t)-1;
    if (cd == (iconv_t)-1)
        return NULL;
    if (k == NCD) { /* full: drop the oldest */
        iconv_close(P->cds[0].cd);
        memmove(&P->cds[0], &P->cds[1], sizeof P->cds[0] * (NCD - 1));
        k = NCD - 1;
    }
    P->cds[k].cp = cp;
    P->cds[k].cd = cd;
    return cd;
}

/* Convert the pending bytes. With \p all = 0 an incomplete multi-byte
 * character at the end stays pending (more bytes may follow). */
static int flush(struct parser *P, int all)
{
    size_t k;
    if (!P->npend)
        return RTF_OK;
    for (k = 0; k < P->npend && P->pend[k] < 0x80; k++)
        ;
    if (k == P->npend || !dest_buf(P, P->pend_dest)) {
        int rc = put(P, P->pend_dest, (const char *)P->pend, P->npend);
        P->npend = 0;
        return rc;
    }
    iconv_t cd = get_cd(P, P->pend_cp);
    if (!cd)
        return fail(P, RTF_EFORMAT, P->pend_off, "code page %d is not supported", P->pend_cp);
    iconv(cd, NULL, NULL, NULL, NULL);
    char out[PEND_MAX * 4 + 16];
    char *in = (char *)P->pend, *o = out;
    size_t inleft = P->npend, outleft = sizeof out;
    size_t rc = iconv(cd, &in, &inleft, &o, &outleft);
    int err = rc == (size_t)-1 ? errno : 0;
    int st = put(P, P->pend_dest, out, (size_t)(o - out));
    if (st)
        return st;
    if (err == EINVAL && !all) { /* incomplete character: keep its bytes */
        memmove(P->pend, in, inleft);
        P->npend = inleft;
        return RTF_OK;
    }
    P->npend = 0;
    if (err)
        return fail(P, RTF_EFORMAT, P->pend_off,
                    "a byte is not a character of code page %d (near byte offset %zu)", P->pend_cp,
                    P->pend_off);
    return RTF_OK;
}

static int cur_cp(struct parser *P)
{
    int cp = P->st[P->depth].cp;
    return cp ? cp : P->doc_cp;
}

/* One byte of text in the current group's code page. */
static int put_byte(struct parser *P, unsigned char b)
{
    struct group *g = &P->st[P->depth];
    if (g->dest == D_SKIP || g->dest == D_FONTTBL)
        return RTF_OK;
    int cp = cur_cp(P);
    if (P->npend && (P->pend_cp != cp || P->pend_dest != g->dest)) {
        int rc = flush(P, 1);
        if (rc)
            return rc;
    }
    if (P->npend == PEND_MAX) {
        int rc = flush(P, 0);
        if (rc)
            return rc;
        if (P->npend == PEND_MAX) /* cannot happen: a character is < 8 bytes */
            return fail(P, RTF_EFORMAT, P->i, "unreadable text in code page %d", cp);
    }
    if (!P->npend)
        P->pend_off = P->i;
    P->pend[P->npend++] = b;
    P->pend_cp = cp;
    P->pend_dest = g->dest;
    return RTF_OK;
}

/* A Unicode character (or a special's code point) in the current group. */
static int put_char(struct parser *P, uint32_t c)
{
    int rc = flush(P, 1);
    if (rc)
        return rc;
    return put_cp(P, P->st[P->depth].dest, c);
}

static int put_str(struct parser *P, const char *s)
{
    int rc = flush(P, 1);
    if (rc)
        return rc;
    return put(P, P->st[P->depth].dest, s, strlen(s));
}

/* Windows code page of an RTF \fcharset, or 0 for "the document's". */
static int charset_cp(int charset)
{
    switch (charset) {
    case 0:
    case 1: return 0;
    case 2: return 1252; /* symbol font: not text; read as Latin so nothing fails */
    case 77: return 10000;
    case 128: return 932;
    case 129: return 949;
    case 134: return 936;
    case 136: return 950;
    case 161: return 1253;
    case 162: return 1254;
    case 163: return 1258;
    case 177: return 1255;
    case 178: return 1256;
    case 186: return 1257;
    case 204: return 1251;
    case 222: return 874;
    case 238: return 1250;
    case 255: return 437;
    default: return 0;
    }
}

static struct font *font_find(struct parser *P, int num)
{
    for (size_t k = 0; k < P->nfonts; k++)
        if (P->fonts[k].num == num)
            return &P->fonts[k];
    return NULL;
}

static int font_cp(struct parser *P, int num)
{
    struct font *f = font_find(P, num);
    if (!f)
        return 0;
    if (f->cpg)
        return f->cpg;
    return charset_cp(f->charset);
}

static int font_add(struct parser *P, int num)
{
    if (font_find(P, num))
        return RTF_OK;
    if (P->nfonts == P->capfonts) {
        size_t cap = P->capfonts ? P->capfonts * 2 : 16;
        if (cap > 65536)
            return fail(P, RTF_ELIMIT, P->i, "more than 65536 fonts");
        struct font *f = realloc(P->fonts, cap * sizeof *f);
        if (!f)
            return fail(P, RTF_ENOMEM, P->i, "out of memory for the font table");
        P->fonts = f;
        P->capfonts = cap;
    }
    P->fonts[P->nfonts++] = (struct font){num, 0, 0};
    return RTF_OK;
}

/* Destinations by name. */
enum dkind {
    K_SKIP,        /* dropped */
    K_PICT,        /* dropped and counted as a picture */
    K_OBJDATA,     /* dropped and counted as an object */
    K_NOTES,       /* text to the notes */
    K_INFO,        /* text to the document information */
    K_INFO_FIELD,  /* an \info field: labelled line */
    K_TRANSPARENT, /* a container: its groups decide */
    K_FONTTBL
};

struct dword {
    const char *name;
    uint8_t kind;
    const char *label; /* K_INFO_FIELD */
};

/* Destinations that are known whether or not \* precedes them. */
static const struct dword dwords[] = {
    {"fonttbl", K_FONTTBL, NULL},
    {"colortbl", K_SKIP, NULL},
    {"stylesheet", K_SKIP, NULL},
    {"listtable", K_SKIP, NULL},
    {"listoverridetable", K_SKIP, NULL},
    {"rsidtbl", K_SKIP, NULL},
    {"filetbl", K_SKIP, NULL},
    {"pgdsctbl", K_SKIP, NULL},
    {"latentstyles", K_SKIP, NULL},
    {"themedata", K_SKIP, NULL},
    {"colorschememapping", K_SKIP, NULL},
    {"datastore", K_SKIP, NULL},
    {"xmlnstbl", K_SKIP, NULL},
    {"generator", K_SKIP, NULL},
    {"mmathPr", K_SKIP, NULL},
    {"pnseclvl", K_SKIP, NULL},
    {"bkmkstart", K_SKIP, NULL},
    {"bkmkend", K_SKIP, NULL},
    {"ftnsep", K_SKIP, NULL},
    {"ftnsepc", K_SKIP, NULL},
    {"aftnsep", K_SKIP, NULL},
    {"aftnsepc", K_SKIP, NULL},
    {"sp", K_SKIP, NULL}, /* shape properties (\sn/\sv) */
    {"nonshppict", K_SKIP, NULL},
    {"pict", K_PICT, NULL},
    {"objdata", K_OBJDATA, NULL},
    {"footnote", K_NOTES, NULL},
    {"annotation", K_NOTES, NULL},
    {"atnauthor", K_NOTES, NULL},
    {"atnid", K_NOTES, NULL},
    {"header", K_NOTES, NULL},
    {"headerl", K_NOTES, NULL},
    {"headerr", K_NOTES, NULL},
    {"headerf", K_NOTES, NULL},
    {"footer", K_NOTES, NULL},
    {"footerl", K_NOTES, NULL},
    {"footerr", K_NOTES, NULL},
    {"footerf", K_NOTES, NULL},
    {"info", K_INFO, NULL},
    {"revtbl", K_INFO, NULL},
    {"userprops", K_INFO, NULL},
    {"docvar", K_INFO, NULL},
    {"fldinst", K_INFO, NULL},
    {"template", K_INFO, NULL},
    {"title", K_INFO_FIELD, "Title"},
    {"subject", K_INFO_FIELD, "Subject"},
    {"author", K_INFO_FIELD, "Author"},
    {"operator", K_INFO_FIELD, "Operator"},
    {"manager", K_INFO_FIELD, "Manager"},
    {"company", K_INFO_FIELD, "Company"},
    {"category", K_INFO_FIELD, "Category"},
    {"keywords", K_INFO_FIELD, "Keywords"},
    {"comment", K_INFO_FIELD, "Comment"},
    {"doccomm", K_INFO_FIELD, "Comments"},
    {"hlinkbase", K_INFO_FIELD, "Hyperlink base"},
    {"shpinst", K_TRANSPARENT, NULL},
    {"shppict", K_TRANSPARENT, NULL},
    {"shptxt", K_TRANSPARENT, NULL},
    {"ud", K_TRANSPARENT, NULL},
    {"upr", K_TRANSPARENT, NULL},
    {"field", K_TRANSPARENT, NULL},
    {"fldrslt", K_TRANSPARENT, NULL},
    {"object", K_TRANSPARENT, NULL},
    {"result", K_TRANSPARENT, NULL},
    {NULL, 0, NULL},
};

static const struct dword *dword_find(const char *w)
{
    for (const struct dword *d = dwords; d->name; d++)
        if (strcmp(d->name, w) == 0)
            return d;
    return NULL;
}

/* Text-producing control words: 1 (and *rc) when \p w is one. */
static int special(struct parser *P, const char *w, int *rc)
{
    static const struct {
        const char *w;
        const char *s;
    } sp[] = {
        {"par", "\n"},           {"line", "\n"},       {"sect", "\n"},
        {"page", "\n"},          {"row", "\n"},        {"nestrow", "\n"},
        {"tab", "\t"},           {"cell", "\t"},       {"nestcell", "\t"},
        {"emdash", "\u2014"},    {"endash", "\u2013"}, {"bullet", "\u2022"},
        {"lquote", "\u2018"},    {"rquote", "\u2019"}, {"ldblquote", "\u201C"},
        {"rdblquote", "\u201D"}, {"emspace", " "},     {"enspace", " "},
        {"qmspace", " "},        {NULL, NULL},
    };
    for (int k = 0; sp[k].w; k++)
        if (strcmp(sp[k].w, w) == 0) {
            *rc = put_str(P, sp[k].s);
            return 1;
        }
    return 0;
}

/* Open a destination \p d in the current group. */
static int set_dest(struct parser *P, const struct dword *d)
{
    struct group *g = &P->st[P->depth];
    int rc = flush(P, 1);
    if (rc)
        return rc;
    if (g->dest == D_SKIP || g->dest == D_FONTTBL)
        return RTF_OK; /* inside a dropped group everything is dropped */
    switch (d->kind) {
    case K_SKIP:
        g->dest = D_SKIP;
        P->r->skipped++;
        break;
    case K_PICT:
        g->dest = D_SKIP;
        P->r->pictures++;
        break;
    case K_OBJDATA:
        g->dest = D_SKIP;
        P->r->objects++;
        break;
    case K_FONTTBL:
        g->dest = D_FONTTBL;
        g->font = -1;
        break;
    case K_NOTES:
        /* Each note on a line of its own. Inside \info it stays there. */
        if (g->dest != D_INFO)
            g->dest = D_NOTES;
        if (P->r->notes.len && P->r->notes.p[P->r->notes.len - 1] != '\n' && g->dest == D_NOTES)
            return put(P, D_NOTES, "\n", 1);
        break;
    case K_INFO:
        g->dest = D_INFO;
        if (P->r->info.len && P->r->info.p[P->r->info.len - 1] != '\n')
            return put(P, D_INFO, "\n", 1);
        break;
    case K_INFO_FIELD:
        if (g->dest != D_INFO)
            break; /* \title outside \info: not a destination we know */
        if (P->r->info.len && P->r->info.p[P->r->info.len - 1] != '\n') {
            rc = put(P, D_INFO, "\n", 1);
            if (rc)
                return rc;
        }
        rc = put(P, D_INFO, d->label, strlen(d->label));
        return rc ? rc : put(P, D_INFO, ": ", 2);
    case K_TRANSPARENT: break;
    }
    return RTF_OK;
}

/* One control word with its parameter. */
static int control_word(struct parser *P, const char *w, int has_param, long param, size_t at)
{
    struct group *g = &P->st[P->depth];
    int star = g->star;
    g->star = 0;

    const struct dword *d = dword_find(w);
    if (d && g->fresh) /* a destination only counts as the group's first word */
        return set_dest(P, d);
    if (star && g->fresh) {
        /* \*\unknown: optional destination we cannot read: drop it. */
        static const struct dword unk = {"*", K_SKIP, NULL};
        return set_dest(P, &unk);
    }
    if (strcmp(w, "bin") == 0) {
        int rc = flush(P, 1);
        if (rc)
            return rc;
        if (!has_param || param < 0)
            return fail(P, RTF_EFORMAT, at, "\\bin without a length");
        if ((size_t)param > P->n - P->i)
            return fail(P, RTF_EFORMAT, at, "truncated: \\bin runs past the end of the file");
        P->i += (size_t)param;
        return RTF_OK;
    }
    if (g->dest == D_SKIP)
        return RTF_OK;
    if (g->dest == D_FONTTBL) {
        if (strcmp(w, "f") == 0 && has_param && param >= 0) {
            g->font = (int)param; /* the font this group describes */
            return font_add(P, (int)param);
        }
        struct font *f = g->font >= 0 ? font_find(P, g->font) : NULL;
        if (f && strcmp(w, "fcharset") == 0)
            f->charset = (int)param;
        else if (f && strcmp(w, "cpg") == 0)
            f->cpg = (int)param;
        return RTF_OK;
    }

    if (P->skip) { /* a control word ends the fallback of a \uN */
        P->skip = 0;
    }
    if (strcmp(w, "u") == 0 && has_param) {
        long v = param < 0 ? param + 65536 : param;
        if (v < 0 || v > 0x10FFFF)
            v = 0xFFFD;
        int rc = RTF_OK;
        if (v >= 0xD800 && v < 0xDC00) {
            if (P->hi)
                rc = put_char(P, 0xFFFD);
            P->hi = (unsigned)v;
        } else if (v >= 0xDC00 && v < 0xE000 && P->hi) {
            rc = put_char(P, 0x10000 + ((P->hi - 0xD800) << 10) + ((unsigned)v - 0xDC00));
            P->hi = 0;
        } else {
            if (P->hi)
                rc = put_char(P, 0xFFFD);
            P->hi = 0;
            if (!rc)
                rc = put_char(P, (uint32_t)v);
        }
        P->skip = g->uc;
        return rc;
    }
    if (P->hi) { /* a high surrogate with no low one */
        P->hi = 0;
        int rc = put_char(P, 0xFFFD);
        if (rc)
            return rc;
    }
    if (strcmp(w, "uc") == 0 && has_param) {
        g->uc = (uint8_t)(param < 0 ? 0 : param > 16 ? 16 : param);
        return RTF_OK;
    }
    int src = RTF_OK;
    if (special(P, w, &src))
        return src;
    if (strcmp(w, "ansicpg") == 0 && has_param) {
        int rc = flush(P, 1);
        P->doc_cp = (int)param;
        P->r->codepage = (int)param;
        return rc;
    }
    if (strcmp(w, "f") == 0 && has_param) {
        int rc = flush(P, 1);
        g->cp = font_cp(P, (int)param);
        return rc;
    }
    if (strcmp(w, "plain") == 0) {
        int rc = flush(P, 1);
        g->cp = font_cp(P, P->deff);
        return rc;
    }
    if (strcmp(w, "deff") == 0 && has_param) {
        P->deff = (int)param;
        return RTF_OK;
    }
    if (strcmp(w, "mac") == 0)
        P->doc_cp = P->r->codepage = 10000;
    else if (strcmp(w, "pc") == 0)
        P->doc_cp = P->r->codepage = 437;
    else if (strcmp(w, "pca") == 0)
        P->doc_cp = P->r->codepage = 850;
    return RTF_OK;
}

/* A control symbol: \\ \{ \} \~ \_ \- \* \' (handled by the caller), ... */
static int control_symbol(struct parser *P, unsigned char c, size_t at)
{
    struct group *g = &P->st[P->depth];
    if (c == '*') {
        g->star = 1;
        return RTF_OK;
    }
    g->star = 0;
    g->fresh = 0;
    if (g->dest == D_SKIP || g->dest == D_FONTTBL)
        return RTF_OK;
    if (P->skip && (c == '\\' || c == '{' || c == '}' || c == '~' || c == '_')) {
        P->skip--; /* an escaped character is one fallback character */
        return RTF_OK;
    }
    P->skip = 0;
    switch (c) {
    case '\\':
    case '{':
    case '}': return put_byte(P, c);
    case '~': return put_char(P, ' ');
    case '_': return put_char(P, '-');
    case '-': return RTF_OK; /* optional hyphen */
    case '\n':
    case '\r': return put_char(P, '\n'); /* \<newline> = \par */
    case '|':
    case ':': return RTF_OK; /* formula character, index subentry */
    default: (void)at; return RTF_OK;
    }
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int rtf_looks_like(const unsigned char *src, size_t len)
{
    size_t i = 0;
    if (len >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF)
        i = 3;
    while (i < len && (src[i] == ' ' || src[i] == '\r' || src[i] == '\n' || src[i] == '\t'))
        i++;
    return len - i >= 5 && memcmp(src + i, "{\\rtf", 5) == 0;
}

static int run(struct parser *P)
{
    size_t start = 0;
    int closed = 0;
    if (P->n >= 3 && P->s[0] == 0xEF && P->s[1] == 0xBB && P->s[2] == 0xBF)
        start = 3;
    while (start < P->n && (P->s[start] == ' ' || P->s[start] == '\r' || P->s[start] == '\n' ||
                            P->s[start] == '\t'))
        start++;
    if (P->n - start < 5 || memcmp(P->s + start, "{\\rtf", 5) != 0)
        return fail(P, RTF_EFORMAT, start, "not RTF: no {\\rtf at the start");
    P->i = start;
    while (P->i < P->n) {
        size_t at = P->i;
        unsigned char c = P->s[P->i++];
        int rc = RTF_OK;
        if (closed) {
            if (c == ' ' || c == '\r' || c == '\n' || c == '\t' || c == 0)
                continue;
            return fail(P, RTF_EFORMAT, at, "data after the end of the document");
        }
        if (c == '{') {
            if ((rc = flush(P, 1)))
                return rc;
            if (P->depth + 1 >= P->max_depth)
                return fail(P, RTF_ELIMIT, at, "groups nested deeper than max_depth (%u)",
                            P->max_depth);
            P->st[P->depth + 1] = P->st[P->depth];
            P->depth++;
            P->st[P->depth].star = 0;
            P->st[P->depth].fresh = 1;
            P->skip = 0;
            continue;
        }
        if (c == '}') {
            if ((rc = flush(P, 1)))
                return rc;
            if (P->hi) {
                P->hi = 0;
                if ((rc = put_char(P, 0xFFFD)))
                    return rc;
            }
            if (P->depth == 0)
                return fail(P, RTF_EFORMAT, at, "unbalanced: '}' without a group");
            P->depth--;
            P->skip = 0;
            if (P->depth == 0)
                closed = 1;
            continue;
        }
        if (P->depth == 0)
            return fail(P, RTF_EFORMAT, at, "text outside the document's group");
        struct group *g = &P->st[P->depth];
        if (c == '\\') {
            if (P->i >= P->n)
                return fail(P, RTF_EFORMAT, at, "truncated: a lone backslash at the end");
            unsigned char d = P->s[P->i];
            if ((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z')) {
                char w[40];
                size_t k = 0;
                while (P->i < P->n && ((P->s[P->i] >= 'a' && P->s[P->i] <= 'z') ||
                                       (P->s[P->i] >= 'A' && P->s[P->i] <= 'Z'))) {
                    if (k >= 32)
                        return fail(P, RTF_EFORMAT, at, "control word longer than 32 letters");
                    w[k++] = (char)P->s[P->i++];
                }
                w[k] = '\0';
                int has = 0, neg = 0;
                long v = 0;
                if (P->i < P->n && P->s[P->i] == '-') {
                    neg = 1;
                    P->i++;
                }
                int digits = 0;
                while (P->i < P->n && P->s[P->i] >= '0' && P->s[P->i] <= '9') {
                    if (digits < 10)
                        v = v * 10 + (P->s[P->i] - '0');
                    digits++;
                    P->i++;
                }
                if (digits) {
                    has = 1;
                    if (neg)
                        v = -v;
                } else if (neg) {
                    P->i--; /* a '-' that is text */
                }
                if (P->i < P->n && P->s[P->i] == ' ')
                    P->i++;
                rc = control_word(P, w, has, v, at);
                if (rc)
                    return rc;
                continue;
            }
            P->i++;
            if (d == '\'') {
                if (P->n - P->i < 2)
                    return fail(P, RTF_EFORMAT, at, "truncated: \\' at the end");
                int h = hexval(P->s[P->i]), l = hexval(P->s[P->i + 1]);
                if (h < 0 || l < 0)
                    return fail(P, RTF_EFORMAT, at, "\\' not followed by two hex digits");
                P->i += 2;
                g->star = 0;
                g->fresh = 0;
                if (P->skip) {
                    P->skip--;
                    continue;
                }
                if (P->hi) {
                    P->hi = 0;
                    if ((rc = put_char(P, 0xFFFD)))
                        return rc;
                }
                if ((rc = put_byte(P, (unsigned char)(h * 16 + l))))
                    return rc;
                continue;
            }
            if ((rc = control_symbol(P, d, at)))
                return rc;
            continue;
        }
        if (c == '\r' || c == '\n')
            continue;
        g->star = 0;
        g->fresh = 0;
        if (P->skip) {
            P->skip--;
            continue;
        }
        if (P->hi) {
            P->hi = 0;
            if ((rc = put_char(P, 0xFFFD)))
                return rc;
        }
        if (c == '\t')
            rc = put_str(P, "\t");
        else if (c < 0x20)
            continue; /* stray control bytes are not text */
        else
            rc = put_byte(P, c);
        if (rc)
            return rc;
    }
    if (!closed)
        return fail(P, RTF_EFORMAT, P->n, "truncated: %u group%s not closed", P->depth,
                    P->depth == 1 ? "" : "s");
    return flush(P, 1);
}

int rtf_parse(const unsigned char *src, size_t len, const struct rtf_limits *lim,
              struct rtf_result *r)
{
    struct parser P;
    memset(r, 0, sizeof *r);
    memset(&P, 0, sizeof P);
    P.s = src;
    P.n = len;
    P.r = r;
    P.max_depth = lim && lim->max_depth ? lim->max_depth : 512;
    P.max_text = lim && lim->max_text ? lim->max_text : (size_t)256 << 20;
    P.doc_cp = 1252;
    r->codepage = 1252;
    P.st = calloc((size_t)P.max_depth + 1, sizeof *P.st);
    if (!P.st) {
        snprintf(r->why, sizeof r->why, "out of memory for the group stack");
        return RTF_ENOMEM;
    }
    P.st[0].uc = 1;
    int rc = run(&P);
    for (int k = 0; k < NCD && P.cds[k].cd; k++)
        iconv_close(P.cds[k].cd);
    explicit_bzero(P.pend, sizeof P.pend);
    free(P.st);
    free(P.fonts);
    if (rc != RTF_OK)
        rtf_result_clear(r);
    return rc;
}
