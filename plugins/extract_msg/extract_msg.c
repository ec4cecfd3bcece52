/*
 * plugins/extract_msg/extract_msg.c: Outlook messages (.msg).
 *
 * A .msg is an OLE2 compound file whose streams hold MAPI properties
 * (MS-OXMSG): "__substg1.0_TTTTPPPP" for a variable-size property (tag,
 * type), "__properties_version1.0" for the fixed-size ones, one storage per
 * recipient and per attachment. Read with libgsf's MS-OLE reader from the
 * document's bytes in memory.
 *
 * Page 1: the properties that name people, one "Name: value" line each
 * (Subject, From, Sent-For, To, Cc, Bcc, and every recipient's name and
 * address): they are personal data and go through detection like any
 * text. Page 2: the plain-text body. Strings come as UTF-16LE (type 001F)
 * or in the message's code page (001E; PR_MESSAGE_CODEPAGE or
 * PR_INTERNET_CPID, else the string8_charset option), converted strictly.
 *
 * Children (host->doc_add_child), run through the whole pipeline by the
 * core: attachments (their data, 0x3701) under their file name; embedded
 * messages (attach method 5) and OLE objects (method 6) copied out into a
 * compound file of their own; the HTML body, when there is no plain one, as
 * "body.html" (for extract_html); else the compressed RTF body,
 * decompressed, as "body.rtf" (for extract_rtf).
 *
 * Fail closed, INTAKE_EFORMAT with a reason that quotes nothing of the
 * message: a file libgsf cannot open (truncated, damaged), a stream it
 * cannot read, a string not valid in its charset, a compressed RTF body
 * that does not decompress to its size, limits passed. Every other property (transport
 * headers, named properties, dates, flags) is dropped: never stored.
 *
 * Lifetimes: gsf_init() in cb_init (idempotent, never undone: other
 * instances may still use libgsf); the instance is read-only afterwards;
 * each call opens its own reader.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-output-memory.h>
#include <gsf/gsf-utils.h>

#include <intake/intake.h>

#define EXTRACT_MSG_VERSION "0.1.0"

struct extract_msg_config {
    const char *string8_charset; /* 001E strings when the message names no code page */
    int64_t max_bytes;
    int64_t max_attachments;
    int64_t max_recipients;
};

static const struct intake_option extract_msg_options[] = {
    {INTAKE_OPT_STR, "string8_charset", "windows-1251", 0,
     offsetof(struct extract_msg_config, string8_charset),
     "charset of 8-bit strings (type 001E) when the message names no code page, or its code "
     "page does not fit",
     0, 0},
    {INTAKE_OPT_SIZE, "max_bytes", "64M", 0, offsetof(struct extract_msg_config, max_bytes),
     "messages larger than this are refused", 1, 4294967295.0},
    {INTAKE_OPT_INT, "max_attachments", "1000", 0,
     offsetof(struct extract_msg_config, max_attachments), "most attachments in one message", 0,
     1e6},
    {INTAKE_OPT_INT, "max_recipients", "10000", 0,
     offsetof(struct extract_msg_config, max_recipients), "most recipients in one message", 0, 1e7},
    {0},
};

static const char *const extract_msg_mimes[] = {
    "application/vnd.ms-outlook",
    NULL,
};

struct extract_msg_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    char *string8_charset;
    uint64_t max_bytes, max_attachments, max_recipients;
};

/* One message being read. */
struct msg {
    const struct extract_msg_instance *in;
    struct intake_doc *doc;
    struct intake_error *err;
    char codepage[24]; /* iconv name of the message's code page, or "" */
    unsigned attachments, objects, recipients;
};

/* MAPI property ids and types used here (MS-OXPROPS). */
#define PT_STRING8 0x001E
#define PT_UNICODE 0x001F
#define PT_BINARY  0x0102
#define PT_OBJECT  0x000D

#define PID_SUBJECT              0x0037
#define PID_SENT_REPR_NAME       0x0042
#define PID_SENT_REPR_EMAIL      0x0065
#define PID_SENDER_NAME          0x0C1A
#define PID_SENDER_EMAIL         0x0C1F
#define PID_DISPLAY_BCC          0x0E02
#define PID_DISPLAY_CC           0x0E03
#define PID_DISPLAY_TO           0x0E04
#define PID_BODY                 0x1000
#define PID_RTF_COMPRESSED       0x1009
#define PID_HTML                 0x1013
#define PID_DISPLAY_NAME         0x3001
#define PID_EMAIL_ADDRESS        0x3003
#define PID_SMTP_ADDRESS         0x39FE
#define PID_ATTACH_DATA          0x3701
#define PID_ATTACH_FILENAME      0x3704
#define PID_ATTACH_METHOD        0x3705
#define PID_ATTACH_LONG_FILENAME 0x3707
#define PID_INTERNET_CPID        0x3FDE
#define PID_MESSAGE_CODEPAGE     0x3FFD
#define PID_SENDER_SMTP          0x5D01
#define PID_SENT_REPR_SMTP       0x5D02

#define ATTACH_EMBEDDED_MSG 5
#define ATTACH_OLE          6

/* ------------------------------------------------------------------ */
/* streams                                                            */
/* ------------------------------------------------------------------ */

static int is_storage(GsfInput *c)
{
    return GSF_IS_INFILE(c) && gsf_infile_num_children(GSF_INFILE(c)) >= 0;
}

/* The child of \p dir named \p name (MS-OXMSG writes the hex in capitals;
 * some writers do not), or NULL. A new reference. */
static GsfInput *child(GsfInfile *dir, const char *name)
{
    int n = gsf_infile_num_children(dir);
    for (int i = 0; i < n; i++) {
        const char *cn = gsf_infile_name_by_index(dir, i);
        if (cn && g_ascii_strcasecmp(cn, name) == 0)
            return gsf_infile_child_by_index(dir, i);
    }
    return NULL;
}

/* Every storage and stream of the tree opens: libgsf only warns about a
 * broken chain and then leaves the child out, which would drop text
 * silently (the caller then reads a sound tree). */
static int check_tree(struct msg *m, GsfInfile *dir, int depth)
{
    if (depth > 64)
        return INTAKE_ERR(m->err, INTAKE_EFORMAT, "msg: storages nested too deep"), -1;
    int n = gsf_infile_num_children(dir);
    for (int i = 0; i < n; i++) {
        GsfInput *c = gsf_infile_child_by_index(dir, i);
        if (!c || !gsf_infile_name_by_index(dir, i)) {
            if (c)
                g_object_unref(c);
            return INTAKE_ERR(m->err, INTAKE_EFORMAT,
                              "msg: a storage or stream cannot be opened (damaged or truncated)"),
                   -1;
        }
        int rc = is_storage(c) ? check_tree(m, GSF_INFILE(c), depth + 1) : 0;
        g_object_unref(c);
        if (rc)
            return -1;
    }
    return 0;
}

/* A stream's bytes (a new GByteArray), NULL with the error set. */
static GByteArray *read_all(struct msg *m, GsfInput *s)
{
    gsf_off_t size = gsf_input_size(s);
    if (size < 0 || (uint64_t)size > m->in->max_bytes) {
        INTAKE_ERR(m->err, INTAKE_EFORMAT, "msg: a property stream has an impossible size");
        return NULL;
    }
    GByteArray *b = g_byte_array_sized_new((guint)size);
    g_byte_array_set_size(b, (guint)size);
    if (size > 0 && !gsf_input_read(s, (size_t)size, b->data)) {
        g_byte_array_unref(b);
        INTAKE_ERR(m->err, INTAKE_EFORMAT, "msg: a property stream cannot be read (damaged?)");
        return NULL;
    }
    return b;
}

/* The bytes of property \p id of type \p type in \p dir: 1 and *out when
 * there, 0 when not, -1 on error. */
static int prop_bytes(struct msg *m, GsfInfile *dir, unsigned id, unsigned type, GByteArray **out)
{
    char name[32];
    snprintf(name, sizeof name, "__substg1.0_%04X%04X", id, type);
    GsfInput *s = child(dir, name);
    *out = NULL;
    if (!s)
        return 0;
    if (is_storage(s)) {
        g_object_unref(s);
        return 0;
    }
    *out = read_all(m, s);
    g_object_unref(s);
    return *out ? 1 : -1;
}

/* A fixed-size (4-byte) property from the storage's __properties stream;
 * \p header: 32 bytes for the message, 24 for an embedded one, 8 else. */
static int prop_long(struct msg *m, GsfInfile *dir, size_t header, unsigned id, uint32_t *out)
{
    GsfInput *s = child(dir, "__properties_version1.0");
    if (!s)
        return 0;
    if (is_storage(s)) {
        g_object_unref(s);
        return 0;
    }
    GByteArray *b = read_all(m, s);
    g_object_unref(s);
    if (!b)
        return -1;
    int found = 0;
    for (size_t o = header; o + 16 <= b->len; o += 16) {
        const guint8 *e = b->data + o;
        uint32_t tag =
            (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 | (uint32_t)e[3] << 24;
        if (tag >> 16 == id && (tag & 0xFFFF) == 0x0003) {
            *out = (uint32_t)e[8] | (uint32_t)e[9] << 8 | (uint32_t)e[10] << 16 |
                   (uint32_t)e[11] << 24;
            found = 1;
            break;
        }
    }
    g_byte_array_unref(b);
    return found;
}

/* A Windows code page number as an iconv name, "" when unknown. */
static void codepage_name(uint32_t cp, char *out, size_t cap)
{
    out[0] = '\0';
    if (cp == 65001)
        snprintf(out, cap, "UTF-8");
    else if (cp == 20866)
        snprintf(out, cap, "KOI8-R");
    else if (cp == 21866)
        snprintf(out, cap, "KOI8-U");
    else if (cp >= 28591 && cp <= 28599)
        snprintf(out, cap, "ISO-8859-%u", cp - 28590);
    else if (cp == 1200)
        snprintf(out, cap, "UTF-16LE");
    else if (cp >= 437 && cp <= 1258)
        snprintf(out, cap, "CP%u", cp);
    if (out[0]) {
        GIConv cd = g_iconv_open("UTF-8", out);
        if (cd == (GIConv)-1)
            out[0] = '\0';
        else
            g_iconv_close(cd);
    }
}

/* \p b from \p charset to UTF-8 strictly; NULL when it does not fit. */
static char *convert(const GByteArray *b, size_t n, const char *charset)
{
    gsize rd = 0, w = 0;
    GError *ge = NULL;
    char *u = g_convert((const char *)b->data, (gssize)n, "UTF-8", charset, &rd, &w, &ge);
    if (ge || !u || rd != n) {
        if (ge)
            g_error_free(ge);
        g_free(u);
        return NULL;
    }
    return u;
}

/*
 * String property \p id as UTF-8: the Unicode form, else the 8-bit one in
 * the message's code page, else in string8_charset. 1 and *out when there,
 * 0 when not, -1 (error set) when it is there but is not text.
 */
static int prop_string(struct msg *m, GsfInfile *dir, unsigned id, char **out)
{
    GByteArray *b = NULL;
    *out = NULL;
    int r = prop_bytes(m, dir, id, PT_UNICODE, &b);
    if (r < 0)
        return -1;
    if (r > 0) {
        size_t n = b->len & ~(size_t)1;
        while (n >= 2 && b->data[n - 1] == 0 && b->data[n - 2] == 0)
            n -= 2; /* writers end strings with a NUL */
        *out = convert(b, n, "UTF-16LE");
    } else {
        r = prop_bytes(m, dir, id, PT_STRING8, &b);
        if (r <= 0)
            return r;
        size_t n = b->len;
        while (n && b->data[n - 1] == 0)
            n--;
        if (m->codepage[0])
            *out = convert(b, n, m->codepage);
        if (!*out)
            *out = convert(b, n, m->in->string8_charset);
    }
    g_byte_array_unref(b);
    if (!*out || !g_utf8_validate(*out, -1, NULL)) {
        g_free(*out);
        *out = NULL;
        return INTAKE_ERR(m->err, INTAKE_EFORMAT, "msg: property 0x%04X is not text in its charset",
                          id),
               -1;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* page 1: the people                                                 */
/* ------------------------------------------------------------------ */

/* "Label: value" for a property, when there and not empty. */
static int line(struct msg *m, GsfInfile *dir, GString *p, const char *label, unsigned id)
{
    char *v = NULL;
    int r = prop_string(m, dir, id, &v);
    if (r < 0)
        return -1;
    if (v && *g_strstrip(v))
        g_string_append_printf(p, "%s: %s\n", label, v);
    g_free(v);
    return 0;
}

/* "Label: name <address>" from two or three properties. */
static int person(struct msg *m, GsfInfile *dir, GString *p, const char *label, unsigned name_id,
                  unsigned addr_id, unsigned smtp_id)
{
    char *name = NULL, *addr = NULL, *smtp = NULL;
    int rc = -1;
    if (prop_string(m, dir, name_id, &name) < 0 || prop_string(m, dir, addr_id, &addr) < 0 ||
        prop_string(m, dir, smtp_id, &smtp) < 0)
        goto out;
    GString *v = g_string_new(NULL);
    if (name && *g_strstrip(name))
        g_string_append(v, name);
    /* Both addresses: an Exchange address (/O=.../CN=user) names a person too. */
    const char *addrs[] = {smtp, addr};
    for (int i = 0; i < 2; i++) {
        char *a = (char *)addrs[i];
        if (!a || !*g_strstrip(a) || (i == 1 && smtp && g_ascii_strcasecmp(a, smtp) == 0))
            continue;
        g_string_append_printf(v, "%s<%s>", v->len ? " " : "", a);
    }
    if (v->len)
        g_string_append_printf(p, "%s: %s\n", label, v->str);
    g_string_free(v, TRUE);
    rc = 0;
out:
    g_free(name);
    g_free(addr);
    g_free(smtp);
    return rc;
}

/* Storages of \p dir whose name starts with \p prefix, in name order. */
static GPtrArray *storages(GsfInfile *dir, const char *prefix)
{
    GPtrArray *a = g_ptr_array_new();
    int n = gsf_infile_num_children(dir);
    size_t pl = strlen(prefix);
    for (int i = 0; i < n; i++) {
        const char *cn = gsf_infile_name_by_index(dir, i);
        if (cn && g_ascii_strncasecmp(cn, prefix, pl) == 0)
            g_ptr_array_add(a, (gpointer)cn);
    }
    return a;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int header_page(struct msg *m, GsfInfile *root)
{
    GString *p = g_string_new(NULL);
    int rc = -1;
    if (line(m, root, p, "Subject", PID_SUBJECT) < 0 ||
        person(m, root, p, "From", PID_SENDER_NAME, PID_SENDER_EMAIL, PID_SENDER_SMTP) < 0 ||
        person(m, root, p, "Sent-For", PID_SENT_REPR_NAME, PID_SENT_REPR_EMAIL,
               PID_SENT_REPR_SMTP) < 0 ||
        line(m, root, p, "To", PID_DISPLAY_TO) < 0 || line(m, root, p, "Cc", PID_DISPLAY_CC) < 0 ||
        line(m, root, p, "Bcc", PID_DISPLAY_BCC) < 0)
        goto out;
    GPtrArray *rs = storages(root, "__recip_version1.0_#");
    if (rs->len > 1)
        qsort(rs->pdata, rs->len, sizeof(gpointer), cmp_names);
    if (rs->len > m->in->max_recipients) {
        g_ptr_array_free(rs, TRUE);
        INTAKE_ERR(m->err, INTAKE_EFORMAT, "msg: %u recipients, more than max_recipients %llu",
                   rs->len, (unsigned long long)m->in->max_recipients);
        goto out;
    }
    for (guint i = 0; i < rs->len; i++) {
        GsfInput *r = child(root, rs->pdata[i]);
        int bad = r && is_storage(r) &&
                  person(m, GSF_INFILE(r), p, "Recipient", PID_DISPLAY_NAME, PID_EMAIL_ADDRESS,
                         PID_SMTP_ADDRESS) < 0;
        if (r)
            g_object_unref(r);
        if (bad) {
            g_ptr_array_free(rs, TRUE);
            goto out;
        }
        m->recipients++;
    }
    g_ptr_array_free(rs, TRUE);
    rc = p->len ? m->in->host->doc_add_page(m->doc, p->str, p->len, m->err) : INTAKE_OK;
out:
    g_string_free(p, TRUE);
    return rc;
}

/* ------------------------------------------------------------------ */
/* body                                                               */
/* ------------------------------------------------------------------ */

static uint32_t get_le32(const guint8 *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * PR_RTF_COMPRESSED (MS-OXRTFCP): "LZFu" is LZ77 over a 4096-byte window
 * preloaded with this common RTF (207 bytes), a control byte before every
 * 8 tokens (bit set: a 12-bit offset and 4-bit length - 2, big-endian; a
 * reference to the write position ends the data); "MELA" is stored as
 * is. A new array, or NULL with the error set. The CRC is not checked: a
 * damaged body is refused by extract_rtf or read as what it says.
 */
static GByteArray *lzfu(struct msg *m, const GByteArray *c)
{
    static const char prebuf[] =
        "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss "
        "\\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier"
        "{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";
    _Static_assert(sizeof prebuf - 1 == 207, "the MS-OXRTFCP dictionary is 207 bytes");
    if (c->len < 16) {
        INTAKE_ERR(m->err, INTAKE_EFORMAT, "msg: the compressed RTF body is damaged");
        return NULL;
    }
    uint32_t csize = get_le32(c->data), raw = get_le32(c->data + 4);
    uint32_t type = get_le32(c->data + 8);
    size_t end = (size_t)csize + 4 < c->len ? (size_t)csize + 4 : c->len;
    if (raw > m->in->max_bytes || (type != 0x75465A4Cu && type != 0x414C454Du)) {
        INTAKE_ERR(m->err, INTAKE_EFORMAT, "msg: the compressed RTF body is damaged");
        return NULL;
    }
    GByteArray *o = g_byte_array_sized_new(raw);
    if (type == 0x414C454Du) { /* MELA */
        g_byte_array_append(o, c->data + 16, (guint)MIN((size_t)raw, c->len - 16));
        return o;
    }
    guint8 dict[4096] = {0};
    memcpy(dict, prebuf, sizeof prebuf - 1);
    unsigned w = sizeof prebuf - 1;
    size_t i = 16;
    int ended = 0;
    while (!ended && i < end) {
        unsigned ctl = c->data[i++];
        for (unsigned bit = 0; bit < 8 && !ended && i < end; bit++) {
            if (!(ctl & 1u << bit)) {
                guint8 ch = c->data[i++];
                g_byte_array_append(o, &ch, 1);
                dict[w] = ch;
                w = (w + 1) & 4095;
            } else if (i + 2 > end) {
                break;
            } else {
                unsigned ref = (unsigned)c->data[i] << 8 | c->data[i + 1];
                i += 2;
                unsigned off = ref >> 4, len = (ref & 15) + 2;
                if (off == w) {
                    ended = 1;
                    break;
                }
                for (unsigned k = 0; k < len; k++) {
                    guint8 ch = dict[(off + k) & 4095];
                    g_byte_array_append(o, &ch, 1);
                    dict[w] = ch;
                    w = (w + 1) & 4095;
                }
            }
            if (o->len > raw)
                ended = 1; /* more than it declared: refused below */
        }
    }
    if (o->len != raw) { /* cut short, or more than it declared */
        g_byte_array_unref(o);
        INTAKE_ERR(m->err, INTAKE_EFORMAT, "msg: the compressed RTF body is damaged");
        return NULL;
    }
    return o;
}

static int body(struct msg *m, GsfInfile *root)
{
    const struct intake_host *host = m->in->host;
    char *t = NULL;
    int r = prop_string(m, root, PID_BODY, &t);
    if (r < 0)
        return -1;
    if (r > 0) {
        int rc = *t ? host->doc_add_page(m->doc, t, strlen(t), m->err) : INTAKE_OK;
        g_free(t);
        return rc;
    }
    /* No plain body: the HTML one, as a child for extract_html (its
     * <meta charset> says how to read bytes stored as binary). */
    GByteArray *b = NULL;
    r = prop_bytes(m, root, PID_HTML, PT_BINARY, &b);
    if (r < 0)
        return -1;
    if (r == 0) {
        r = prop_string(m, root, PID_HTML, &t);
        if (r < 0)
            return -1;
        if (r > 0) {
            b = g_byte_array_new_take((guint8 *)t, strlen(t));
            t = NULL;
        }
    }
    if (b) {
        int rc =
            b->len ? host->doc_add_child(m->doc, b->data, b->len, "body.html", m->err) : INTAKE_OK;
        g_byte_array_unref(b);
        return rc;
    }
    /* Only compressed RTF (or no body at all): decompressed, as a child
     * for extract_rtf. */
    r = prop_bytes(m, root, PID_RTF_COMPRESSED, PT_BINARY, &b);
    if (r < 0)
        return -1;
    if (!b)
        return INTAKE_OK;
    GByteArray *rtf = lzfu(m, b);
    g_byte_array_unref(b);
    if (!rtf)
        return -1;
    int rc =
        rtf->len ? host->doc_add_child(m->doc, rtf->data, rtf->len, "body.rtf", m->err) : INTAKE_OK;
    g_byte_array_unref(rtf);
    return rc;
}

/* ------------------------------------------------------------------ */
/* attachments                                                        */
/* ------------------------------------------------------------------ */

/* A file name usable as a child's name: no path separators or control
 * characters; NULL when empty. */
static char *clean_name(char *fn)
{
    if (!fn || !*g_strstrip(fn)) {
        g_free(fn);
        return NULL;
    }
    for (char *c = fn; *c; c++)
        if (*c == '/' || *c == '\\' || (unsigned char)*c < 0x20 || *c == 0x7F)
            *c = '_';
    return fn;
}

/* Copy storage \p from (its streams and storages) into \p to. */
static int copy_tree(struct msg *m, GsfInfile *from, GsfOutfile *to, int depth, int top_msg)
{
    if (depth > 64)
        return INTAKE_ERR(m->err, INTAKE_EFORMAT, "msg: storages nested too deep");
    int n = gsf_infile_num_children(from);
    for (int i = 0; i < n; i++) {
        const char *name = gsf_infile_name_by_index(from, i);
        GsfInput *c = gsf_infile_child_by_index(from, i);
        if (!name || !c) {
            if (c)
                g_object_unref(c);
            return INTAKE_ERR(m->err, INTAKE_EFORMAT, "msg: an embedded storage cannot be read");
        }
        int rc = INTAKE_OK;
        int dir = is_storage(c);
        GsfOutput *o = gsf_outfile_new_child(to, name, dir);
        if (!o) {
            rc = INTAKE_ERR(m->err, INTAKE_EFORMAT, "msg: an embedded storage cannot be copied");
        } else if (dir) {
            rc = copy_tree(m, GSF_INFILE(c), GSF_OUTFILE(o), depth + 1, 0);
        } else {
            GByteArray *b = read_all(m, c);
            if (!b) {
                rc = -1;
            } else {
                /* An embedded message's property header is 24 bytes, a
                 * message's own 32: the copy stands alone. */
                static const guint8 pad[8] = {0};
                int ok = 1;
                if (top_msg && strcmp(name, "__properties_version1.0") == 0 && b->len >= 24)
                    ok = gsf_output_write(o, 24, b->data) && gsf_output_write(o, 8, pad) &&
                         gsf_output_write(o, b->len - 24, b->data + 24);
                else
                    ok = b->len == 0 || gsf_output_write(o, b->len, b->data);
                g_byte_array_unref(b);
                if (!ok)
                    rc = INTAKE_ERR(m->err, INTAKE_EFORMAT,
                                    "msg: an embedded stream cannot be copied");
            }
        }
        if (o) {
            if (!gsf_output_close(o) && rc == INTAKE_OK)
                rc = INTAKE_ERR(m->err, INTAKE_EFORMAT, "msg: an embedded stream cannot be copied");
            g_object_unref(o);
        }
        g_object_unref(c);
        if (rc)
            return rc;
    }
    return INTAKE_OK;
}

/* An embedded message or OLE object: a compound file of its own, as a child. */
static int embedded(struct msg *m, GsfInfile *obj, int is_msg, const char *name)
{
    GsfOutput *mem = gsf_output_memory_new();
    GsfOutfile *out = gsf_outfile_msole_new(mem);
    int rc = INTAKE_OK;
    if (!out) {
        rc = INTAKE_ERR(m->err, INTAKE_ENOMEM, "msg: cannot write an embedded message");
    } else {
        guint8 clsid[16];
        if (gsf_infile_msole_get_class_id(GSF_INFILE_MSOLE(obj), clsid))
            gsf_outfile_msole_set_class_id(GSF_OUTFILE_MSOLE(out), clsid);
        if (is_msg) { /* Outlook's class, whatever the storage said */
            static const guint8 msg_clsid[16] = {0x0B, 0x0D, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
                                                 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
            gsf_outfile_msole_set_class_id(GSF_OUTFILE_MSOLE(out), msg_clsid);
        }
        rc = copy_tree(m, obj, out, 0, is_msg);
        if (!gsf_output_close(GSF_OUTPUT(out)) && rc == INTAKE_OK)
            rc = INTAKE_ERR(m->err, INTAKE_EFORMAT, "msg: cannot write an embedded message");
        g_object_unref(out);
    }
    if (rc == INTAKE_OK) {
        const guint8 *bytes = gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem));
        gsf_off_t len = gsf_output_size(mem);
        rc = bytes && len > 0
                 ? m->in->host->doc_add_child(m->doc, bytes, (size_t)len, name, m->err)
                 : INTAKE_ERR(m->err, INTAKE_EFORMAT, "msg: cannot write an embedded message");
    }
    if (!gsf_output_is_closed(mem)) /* closing the compound file closes it */
        gsf_output_close(mem);
    g_object_unref(mem);
    return rc;
}

static int attachment(struct msg *m, GsfInfile *a)
{
    char *fn = NULL;
    if (prop_string(m, a, PID_ATTACH_LONG_FILENAME, &fn) < 0)
        return -1;
    if (!(fn = clean_name(fn)) && prop_string(m, a, PID_ATTACH_FILENAME, &fn) < 0)
        return -1;
    if (!(fn = clean_name(fn)) && prop_string(m, a, PID_DISPLAY_NAME, &fn) < 0)
        return -1;
    fn = clean_name(fn);
    uint32_t method = 0;
    if (prop_long(m, a, 8, PID_ATTACH_METHOD, &method) < 0) {
        g_free(fn);
        return -1;
    }
    int rc = INTAKE_OK;
    char def[40];
    GsfInput *obj = child(a, "__substg1.0_3701000D");
    if (obj && is_storage(obj)) {
        int is_msg = method != ATTACH_OLE; /* method 5, or a writer that left it out */
        snprintf(def, sizeof def, is_msg ? "message-%u.msg" : "object-%u", ++m->objects);
        rc = embedded(m, GSF_INFILE(obj), is_msg, is_msg || !fn ? def : fn);
    } else if (method == ATTACH_EMBEDDED_MSG || method == ATTACH_OLE) {
        rc = INTAKE_ERR(m->err, INTAKE_EFORMAT,
                        "msg: an embedded message or object without its storage");
    } else {
        GByteArray *b = NULL;
        int r = prop_bytes(m, a, PID_ATTACH_DATA, PT_BINARY, &b);
        if (r < 0) {
            rc = -1;
        } else if (b && b->len) {
            snprintf(def, sizeof def, "attachment-%u", m->attachments + 1);
            rc = m->in->host->doc_add_child(m->doc, b->data, b->len, fn ? fn : def, m->err);
        } /* else: by reference (a path or a link), no bytes to read */
        if (b)
            g_byte_array_unref(b);
    }
    if (obj)
        g_object_unref(obj);
    g_free(fn);
    m->attachments++;
    return rc;
}

static int attachments(struct msg *m, GsfInfile *root)
{
    GPtrArray *as = storages(root, "__attach_version1.0_#");
    if (as->len > 1)
        qsort(as->pdata, as->len, sizeof(gpointer), cmp_names);
    int rc = INTAKE_OK;
    if (as->len > m->in->max_attachments)
        rc = INTAKE_ERR(m->err, INTAKE_EFORMAT,
                        "msg: %u attachments, more than max_attachments %llu", as->len,
                        (unsigned long long)m->in->max_attachments);
    for (guint i = 0; rc == INTAKE_OK && i < as->len; i++) {
        GsfInput *a = child(root, as->pdata[i]);
        if (a && is_storage(a))
            rc = attachment(m, GSF_INFILE(a));
        if (a)
            g_object_unref(a);
    }
    g_ptr_array_free(as, TRUE);
    return rc;
}

/* ------------------------------------------------------------------ */
/* callbacks                                                          */
/* ------------------------------------------------------------------ */

static void instance_free(struct extract_msg_instance *in)
{
    in->host->free(in->string8_charset);
    in->host->free(in);
}

static int cb_extract_msg_init(const struct intake_host *host, const struct intake_context *ctx,
                               const void *config, void **instance, struct intake_error *err)
{
    const struct extract_msg_config *cfg = config;
    intake_return_val_if_fail(host && instance && cfg, INTAKE_EINVAL);
    if (!INTAKE_HOST_HAS(host, doc_add_child))
        return INTAKE_ERR(err, INTAKE_EABI, "the core has no doc_add_child (ABI < 1.2)");
    const char *cs =
        cfg->string8_charset && *cfg->string8_charset ? cfg->string8_charset : "windows-1251";
    GIConv cd = g_iconv_open("UTF-8", cs);
    if (cd == (GIConv)-1)
        return INTAKE_ERR(err, INTAKE_ECONFIG, "string8_charset: unknown charset");
    g_iconv_close(cd);
    struct extract_msg_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    memset(in, 0, sizeof *in);
    in->host = host;
    in->ctx = ctx;
    in->max_bytes = (uint64_t)cfg->max_bytes;
    in->max_attachments = (uint64_t)cfg->max_attachments;
    in->max_recipients = (uint64_t)cfg->max_recipients;
    size_t n = strlen(cs) + 1;
    if (!(in->string8_charset = host->alloc(n))) {
        host->free(in);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    }
    memcpy(in->string8_charset, cs, n);
    gsf_init();
    *instance = in;
    return INTAKE_OK;
}

static void cb_extract_msg_exit(void *instance)
{
    if (instance)
        instance_free(instance);
}

static int cb_extract_msg_process(void *instance, void *worker, struct intake_doc *doc,
                                  struct intake_error *err)
{
    struct extract_msg_instance *in = instance;
    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    (void)worker;
    const struct intake_host *host = in->host;
    size_t n = 0;
    const unsigned char *b = host->doc_source(doc, &n);
    if (n > in->max_bytes)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "msg: %zu bytes, more than max_bytes %llu", n,
                          (unsigned long long)in->max_bytes);
    if (n == 0)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "msg: empty");
    GsfInput *src = gsf_input_memory_new(b, (gsf_off_t)n, FALSE);
    GError *ge = NULL;
    GsfInfile *root = src ? gsf_infile_msole_new(src, &ge) : NULL;
    if (ge)
        g_error_free(ge); /* libgsf's words are not passed on */
    struct msg m = {.in = in, .doc = doc, .err = err};
    int rc = INTAKE_OK;
    if (!root) {
        rc = INTAKE_ERR(err, INTAKE_EFORMAT,
                        "msg: not a compound file libgsf can open (damaged or truncated)");
    } else {
        GsfInput *props = child(root, "__properties_version1.0");
        GPtrArray *sub = storages(root, "__substg1.0_");
        if (!props && sub->len == 0)
            rc = INTAKE_ERR(err, INTAKE_EFORMAT,
                            "msg: a compound file without message properties (not a .msg)");
        if (props)
            g_object_unref(props);
        g_ptr_array_free(sub, TRUE);
    }
    if (rc == INTAKE_OK)
        rc = check_tree(&m, root, 0);
    uint32_t cp = 0;
    int r = rc == INTAKE_OK ? prop_long(&m, root, 32, PID_INTERNET_CPID, &cp) : 0;
    if (r == 0 && rc == INTAKE_OK)
        r = prop_long(&m, root, 32, PID_MESSAGE_CODEPAGE, &cp);
    if (r < 0)
        rc = -1;
    else if (r > 0)
        codepage_name(cp, m.codepage, sizeof m.codepage);
    if (rc == INTAKE_OK)
        rc = header_page(&m, root);
    if (rc == INTAKE_OK)
        rc = body(&m, root);
    if (rc == INTAKE_OK)
        rc = attachments(&m, root);
    if (rc < 0) /* a helper set the error and returned -1 */
        rc = err && err->code ? err->code : INTAKE_EFORMAT;
    if (rc == INTAKE_OK)
        intake_log_debug(host, in->ctx, doc,
                         "%u pages, %u recipients, %u attachments (%u embedded)",
                         host->doc_page_count(doc), m.recipients, m.attachments, m.objects);
    else
        intake_log_info(host, in->ctx, doc, "refused: %s", err ? err->msg : "");
    if (root)
        g_object_unref(root);
    if (src)
        g_object_unref(src);
    return rc;
}

/* Does the OLE directory hold a stream named \p name (UTF-16LE)? */
static int has_name(const unsigned char *s, size_t n, const char *name)
{
    unsigned char u[80];
    size_t k = 0;
    for (; name[k] && 2 * k + 3 < sizeof u; k++) {
        u[2 * k] = (unsigned char)name[k];
        u[2 * k + 1] = 0;
    }
    return memmem(s, n, u, 2 * k) != NULL;
}

/* Probe: an OLE2 file with message property streams and none of the
 * Word/Excel/PowerPoint ones (those embed messages too, and are
 * extract_legacy's). */
static int cb_extract_msg_probe(void *instance, const unsigned char *bytes, size_t len,
                                const char *mime)
{
    (void)instance;
    (void)mime;
    static const unsigned char ole[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    if (!bytes || len < sizeof ole || memcmp(bytes, ole, sizeof ole) != 0)
        return 0;
    if (!has_name(bytes, len, "__properties_version1.0") || !has_name(bytes, len, "__substg1.0_"))
        return 0;
    if (has_name(bytes, len, "WordDocument") || has_name(bytes, len, "Workbook") ||
        has_name(bytes, len, "PowerPoint Document"))
        return 0;
    return 95;
}

static const struct intake_plugin extract_msg_plugin = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_EXTRACT,
    .name = "extract_msg",
    .version = EXTRACT_MSG_VERSION,
    .description = "Outlook messages (.msg): subject, people and body as pages, attachments and "
                   "embedded messages as child documents (libgsf)",
    .options = extract_msg_options,
    .config_size = sizeof(struct extract_msg_config),
    .mime_types = extract_msg_mimes,
    .cb_init = cb_extract_msg_init,
    .cb_process = cb_extract_msg_process,
    .cb_exit = cb_extract_msg_exit,
    .cb_probe = cb_extract_msg_probe,
};

INTAKE_PLUGIN_DEFINE(extract_msg, extract_msg_plugin)
