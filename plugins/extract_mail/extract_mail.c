/*
 * plugins/extract_mail/extract_mail.c: e-mail (.eml, message/rfc822).
 *
 * Parsed with GMime. Page 1 is the headers that name people (From, To, Cc,
 * Bcc, Reply-To, Sender, Subject, Date by default), RFC 2047 decoded, one
 * "Name: value" line each: they are personal data and go through detection
 * like any text. Then one page per body part (text/plain, text/html not
 * marked as an attachment), its transfer encoding (base64,
 * quoted-printable) undone and its declared charset converted to UTF-8;
 * HTML is reduced to its text with libxml2's HTML parser (scripts, styles
 * and comments dropped, attributes never kept).
 *
 * Everything else becomes a child document (host->doc_add_child), which the
 * core runs through the whole pipeline: attachments under their file name
 * (or "attachment-N"), embedded messages (message/rfc822) as "message-N.eml",
 * and body parts whose charset is missing, unknown or wrong ("body-N.txt",
 * "body-N.html"), so that extract_text's charset detection reads them
 * instead of a guess here.
 *
 * Fail closed: a message GMime finds truncated or whose MIME structure is
 * broken (a multipart without boundary, parts it may skip), an encrypted
 * message (multipart/encrypted, S/MIME enveloped data), or one past the
 * limits is refused with INTAKE_EFORMAT and a reason that quotes nothing of
 * the message. Headers not listed are never passed on (Received, Message-ID
 * ...): they do not reach the store.
 *
 * Lifetimes: g_mime_init() runs in cb_init, before the workers fork (GMime
 * starts no threads); the instance is read-only afterwards. Each call makes
 * its own parser and options.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <intake/intake.h>

#define EXTRACT_MAIL_VERSION "0.1.0"

struct extract_mail_config {
    const char *const *headers;         /* header names passed on as text */
    const char *const *header_charsets; /* for unencoded 8-bit header bytes */
    int64_t max_bytes;                  /* larger messages are refused */
    int64_t max_parts;                  /* MIME parts of any kind */
    int32_t html_text;                  /* HTML bodies: text here (true) or a child */
};

static const struct intake_option extract_mail_options[] = {
    {INTAKE_OPT_LIST, "headers", "From,To,Cc,Bcc,Reply-To,Sender,Subject,Date", 0,
     offsetof(struct extract_mail_config, headers),
     "headers passed on as text for detection (page 1); the others are dropped", 0, 0},
    {INTAKE_OPT_LIST, "header_charsets", "UTF-8,windows-1251", 0,
     offsetof(struct extract_mail_config, header_charsets),
     "charsets tried, in order, for raw 8-bit bytes in headers", 0, 0},
    {INTAKE_OPT_SIZE, "max_bytes", "64M", 0, offsetof(struct extract_mail_config, max_bytes),
     "messages larger than this are refused", 1, 4294967295.0},
    {INTAKE_OPT_INT, "max_parts", "1000", 0, offsetof(struct extract_mail_config, max_parts),
     "most MIME parts in one message (multiparts included)", 1, 1e6},
    {INTAKE_OPT_BOOL, "html_text", "true", 0, offsetof(struct extract_mail_config, html_text),
     "HTML bodies: take their text here (libxml2); false hands them on as text/html children "
     "(for extract_html)",
     0, 0},
    {0},
};

static const char *const extract_mail_mimes[] = {
    "message/rfc822",
    "message/news",
    NULL,
};

struct extract_mail_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    char **headers;
    size_t nheaders;
    const char **charsets; /* NULL-terminated, for GMime */
    size_t ncharsets;
    uint64_t max_bytes, max_parts;
    int html_text;
};

/* One message being read. */
struct mail {
    const struct extract_mail_instance *in;
    struct intake_doc *doc;
    struct intake_error *err;
    const char *refusal; /* the first fatal parser warning */
    uint64_t parts;
    unsigned attachments, messages, bodies;
    GString *page; /* scratch */
    GMimeParserOptions *po;
};

/* ------------------------------------------------------------------ */
/* parser warnings: which of them refuse the message                  */
/* ------------------------------------------------------------------ */

static void on_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer user)
{
    (void)offset;
    (void)item; /* may quote the message: never passed on */
    struct mail *m = user;
    const char *why = NULL;
    switch (code) {
    case GMIME_WARN_TRUNCATED_MESSAGE: why = "the message is truncated"; break;
    case GMIME_WARN_MALFORMED_MULTIPART: why = "a multipart has no parts"; break;
    case GMIME_CRIT_INVALID_HEADER_NAME:
        why = "an invalid header name (parts may be skipped)";
        break;
    case GMIME_CRIT_CONFLICTING_HEADER: why = "conflicting headers"; break;
    case GMIME_CRIT_CONFLICTING_PARAMETER: why = "conflicting header parameters"; break;
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: why = "a multipart without boundary"; break;
    case GMIME_CRIT_NESTING_OVERFLOW: why = "MIME parts nested too deep"; break;
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
        why = "a part without headers or content";
        break;
    default: break;
    }
    if (why && !m->refusal)
        m->refusal = why;
}

/* ------------------------------------------------------------------ */
/* text                                                               */
/* ------------------------------------------------------------------ */

static int add_page(struct mail *m, const char *s, size_t n)
{
    return m->in->host->doc_add_page(m->doc, s, n, m->err);
}

/* The decoded content of a leaf part (transfer encoding undone). */
static GByteArray *part_bytes(GMimePart *part)
{
    GMimeDataWrapper *w = g_mime_part_get_content(part);
    GMimeStream *st = g_mime_stream_mem_new();
    GByteArray *out = NULL;
    if (w && g_mime_data_wrapper_write_to_stream(w, st) >= 0) {
        GByteArray *a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(st));
        out = g_byte_array_sized_new(a->len);
        g_byte_array_append(out, a->data, a->len);
    } else if (!w) {
        out = g_byte_array_new(); /* a part without content: empty */
    }
    g_object_unref(st);
    return out;
}

/* The bytes as UTF-8 from their declared charset: NULL when there is no
 * charset and they are not UTF-8, or the charset is unknown, or they are
 * not valid in it (the caller hands them to extract_text's detection). */
static char *to_utf8(const GByteArray *b, const char *charset, gsize *out_len)
{
    const char *data = (const char *)b->data;
    if (!charset || !*charset || g_ascii_strcasecmp(charset, "us-ascii") == 0 ||
        g_ascii_strcasecmp(charset, "utf-8") == 0 || g_ascii_strcasecmp(charset, "utf8") == 0) {
        if (!g_utf8_validate(data, (gssize)b->len, NULL))
            return NULL;
        *out_len = b->len;
        return g_strndup(data, b->len);
    }
    const char *name = g_mime_charset_iconv_name(charset);
    GError *ge = NULL;
    gsize rd = 0;
    char *u = g_convert(data, (gssize)b->len, "UTF-8", name ? name : charset, &rd, out_len, &ge);
    if (ge || !u || rd != b->len) {
        if (ge)
            g_error_free(ge);
        g_free(u);
        return NULL;
    }
    return u;
}

static int html_block(const xmlChar *n)
{
    static const char *const blocks[] = {
        "p",  "div",   "br", "li", "tr",         "td",  "th",    "h1", "h2", "h3", "h4", "h5",
        "h6", "table", "ul", "ol", "blockquote", "pre", "title", "hr", "dd", "dt", NULL};
    for (const char *const *b = blocks; *b; b++)
        if (xmlStrcasecmp(n, (const xmlChar *)*b) == 0)
            return 1;
    return 0;
}

/* Text nodes in document order; script, style and their like are dropped,
 * block elements end a line. Bounded recursion (libxml2 caps the depth at
 * 256 without HTML_PARSE_HUGE). */
static void html_walk(xmlNode *n, GString *out)
{
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content)
                g_string_append(out, (const char *)n->content);
        } else if (n->type == XML_ELEMENT_NODE) {
            if (xmlStrcasecmp(n->name, (const xmlChar *)"script") == 0 ||
                xmlStrcasecmp(n->name, (const xmlChar *)"style") == 0 ||
                xmlStrcasecmp(n->name, (const xmlChar *)"template") == 0)
                continue;
            html_walk(n->children, out);
            if (html_block(n->name) && out->len && out->str[out->len - 1] != '\n')
                g_string_append_c(out, '\n');
        }
    }
}

/* HTML (already UTF-8) -> its text; -1 when libxml2 cannot read it. */
static int html_to_text(const char *u, size_t n, GString *out)
{
    if (n > INT32_MAX)
        return -1;
    htmlDocPtr d =
        htmlReadMemory(u, (int)n, NULL, "UTF-8",
                       HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                           HTML_PARSE_NOBLANKS | HTML_PARSE_NOIMPLIED | HTML_PARSE_COMPACT);
    if (!d) {
        if (n == 0)
            return 0;
        return -1;
    }
    html_walk(xmlDocGetRootElement(d) ? d->children : NULL, out);
    xmlFreeDoc(d);
    if (!g_utf8_validate(out->str, (gssize)out->len, NULL))
        return -1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* headers                                                            */
/* ------------------------------------------------------------------ */

static int listed(const struct extract_mail_instance *in, const char *name)
{
    for (size_t i = 0; i < in->nheaders; i++)
        if (g_ascii_strcasecmp(in->headers[i], name) == 0)
            return 1;
    return 0;
}

/* Page 1: the listed headers, decoded, one line each, in message order. */
static int header_page(struct mail *m, GMimeObject *obj)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
    int n = hl ? g_mime_header_list_get_count(hl) : 0;
    GString *p = m->page;
    g_string_truncate(p, 0);
    for (int i = 0; i < n; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        const char *name = g_mime_header_get_name(h);
        if (!name || !listed(m->in, name))
            continue;
        /* From the raw value, with the parser's fallback charsets: the
         * decoded value would split a display name holding a comma. */
        const char *raw = g_mime_header_get_raw_value(h);
        char *v = raw ? g_mime_utils_header_unfold(raw) : NULL;
        char *dec = NULL;
        if (v &&
            (g_ascii_strcasecmp(name, "Subject") == 0 || g_ascii_strcasecmp(name, "Date") == 0)) {
            dec = g_mime_utils_header_decode_text(m->po, v);
        } else if (v) {
            InternetAddressList *al = internet_address_list_parse(m->po, v);
            dec = al && internet_address_list_length(al) > 0
                      ? internet_address_list_to_string(al, NULL, FALSE)
                      : g_mime_utils_header_decode_text(m->po, v);
            if (al)
                g_object_unref(al);
        }
        g_free(v);
        if (dec)
            g_strstrip(dec);
        g_string_append_printf(p, "%s: %s\n", name, dec ? dec : "");
        g_free(dec);
    }
    if (!g_utf8_validate(p->str, (gssize)p->len, NULL))
        return INTAKE_ERR(m->err, INTAKE_EFORMAT,
                          "mail: a header is not text in any of header_charsets");
    return add_page(m, p->str, p->len);
}

/* ------------------------------------------------------------------ */
/* parts                                                              */
/* ------------------------------------------------------------------ */

/* A file name usable as a child's name: UTF-8, no path separators, no
 * control characters; else NULL. */
static char *clean_name(const char *fn)
{
    if (!fn || !*fn || !g_utf8_validate(fn, -1, NULL))
        return NULL;
    char *s = g_strdup(fn);
    for (char *c = s; *c; c++)
        if (*c == '/' || *c == '\\' || (unsigned char)*c < 0x20 || *c == 0x7F)
            *c = '_';
    return s;
}

static int add_child(struct mail *m, const void *bytes, size_t len, const char *name)
{
    return m->in->host->doc_add_child(m->doc, bytes, len, name, m->err);
}

static int is_type(GMimeContentType *ct, const char *type, const char *sub)
{
    return ct && g_mime_content_type_is_type(ct, type, sub);
}

static int walk(struct mail *m, GMimeObject *obj);

static int walk_message_part(struct mail *m, GMimeMessagePart *mp)
{
    GMimeMessage *msg = g_mime_message_part_get_message(mp);
    if (!msg)
        return INTAKE_OK;
    GMimeStream *st = g_mime_stream_mem_new();
    int rc = INTAKE_OK;
    if (g_mime_object_write_to_stream(GMIME_OBJECT(msg), NULL, st) < 0) {
        rc = INTAKE_ERR(m->err, INTAKE_EFORMAT, "mail: an embedded message cannot be written");
    } else {
        GByteArray *a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(st));
        const char *fn =
            g_mime_object_get_content_disposition_parameter(GMIME_OBJECT(mp), "filename");
        char *name = clean_name(fn);
        char def[32];
        snprintf(def, sizeof def, "message-%u.eml", ++m->messages);
        rc = add_child(m, a->data, a->len, name ? name : def);
        g_free(name);
    }
    g_object_unref(st);
    return rc;
}

/* A body part: a page of text, or a child when its charset cannot be trusted. */
static int body_part(struct mail *m, GMimePart *part, int html)
{
    GByteArray *b = part_bytes(part);
    if (!b)
        return INTAKE_ERR(m->err, INTAKE_EFORMAT, "mail: a body part cannot be decoded");
    const char *cs = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
    gsize ulen = 0;
    char *u = to_utf8(b, cs, &ulen);
    int rc;
    m->bodies++;
    if (!u || (html && !m->in->html_text)) {
        /* Charset missing or wrong: extract_text (or extract_html) detects it. */
        char name[32];
        snprintf(name, sizeof name, "body-%u.%s", m->bodies, html ? "html" : "txt");
        rc = add_child(m, b->data, b->len, name);
    } else if (html) {
        GString *t = g_string_new(NULL);
        rc = html_to_text(u, ulen, t) == 0
                 ? add_page(m, t->str, t->len)
                 : INTAKE_ERR(m->err, INTAKE_EFORMAT, "mail: an HTML body cannot be read");
        g_string_free(t, TRUE);
    } else {
        rc = add_page(m, u, ulen);
    }
    g_free(u);
    g_byte_array_unref(b);
    return rc;
}

static int attachment(struct mail *m, GMimePart *part)
{
    GByteArray *b = part_bytes(part);
    if (!b)
        return INTAKE_ERR(m->err, INTAKE_EFORMAT, "mail: an attachment cannot be decoded");
    char *name = clean_name(g_mime_part_get_filename(part));
    char def[32];
    snprintf(def, sizeof def, "attachment-%u", ++m->attachments);
    int rc = b->len ? add_child(m, b->data, b->len, name ? name : def) : INTAKE_OK;
    g_free(name);
    g_byte_array_unref(b);
    return rc;
}

static int walk(struct mail *m, GMimeObject *obj)
{
    if (++m->parts > m->in->max_parts)
        return INTAKE_ERR(m->err, INTAKE_EFORMAT, "mail: more than max_parts %llu MIME parts",
                          (unsigned long long)m->in->max_parts);
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    if (GMIME_IS_MULTIPART_ENCRYPTED(obj) || is_type(ct, "application", "pkcs7-mime") ||
        is_type(ct, "application", "x-pkcs7-mime") || is_type(ct, "application", "pgp-encrypted"))
        return INTAKE_ERR(m->err, INTAKE_EFORMAT, "mail: encrypted (PGP/MIME or S/MIME)");
    if (GMIME_IS_MULTIPART_SIGNED(obj)) {
        /* The signed content; the signature is no text. */
        GMimeObject *c =
            g_mime_multipart_get_part(GMIME_MULTIPART(obj), GMIME_MULTIPART_SIGNED_CONTENT);
        return c ? walk(m, c) : INTAKE_OK;
    }
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int n = g_mime_multipart_get_count(mp);
        for (int i = 0; i < n; i++) {
            int rc = walk(m, g_mime_multipart_get_part(mp, i));
            if (rc)
                return rc;
        }
        return INTAKE_OK;
    }
    if (GMIME_IS_MESSAGE_PART(obj))
        return walk_message_part(m, GMIME_MESSAGE_PART(obj));
    if (!GMIME_IS_PART(obj))
        return INTAKE_OK; /* nothing else carries content */
    GMimePart *part = GMIME_PART(obj);
    const char *disp = g_mime_object_get_disposition(obj);
    int inline_ =
        !(disp && g_ascii_strcasecmp(disp, "attachment") == 0) && !g_mime_part_get_filename(part);
    if (inline_ && (is_type(ct, "text", "plain") || !ct))
        return body_part(m, part, 0);
    if (inline_ && is_type(ct, "text", "html"))
        return body_part(m, part, 1);
    return attachment(m, part);
}

/* ------------------------------------------------------------------ */
/* callbacks                                                          */
/* ------------------------------------------------------------------ */

static char *dup_str(const struct intake_host *host, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = host->alloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void instance_free(struct extract_mail_instance *in)
{
    const struct intake_host *host = in->host;
    for (size_t i = 0; i < in->nheaders; i++)
        host->free(in->headers[i]);
    for (size_t i = 0; i < in->ncharsets; i++)
        host->free((char *)in->charsets[i]);
    host->free(in->headers);
    host->free(in->charsets);
    host->free(in);
    g_mime_shutdown();
}

static int cb_extract_mail_init(const struct intake_host *host, const struct intake_context *ctx,
                                const void *config, void **instance, struct intake_error *err)
{
    const struct extract_mail_config *cfg = config;
    intake_return_val_if_fail(host && instance && cfg, INTAKE_EINVAL);
    if (!INTAKE_HOST_HAS(host, doc_add_child))
        return INTAKE_ERR(err, INTAKE_EABI, "the core has no doc_add_child (ABI < 1.2)");
    struct extract_mail_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    memset(in, 0, sizeof *in);
    g_mime_init(); /* counted: each instance_free shuts it down once */
    in->host = host;
    in->ctx = ctx;
    in->max_bytes = (uint64_t)cfg->max_bytes;
    in->max_parts = (uint64_t)cfg->max_parts;
    in->html_text = cfg->html_text;
    size_t nh = 0, nc = 0;
    while (cfg->headers && cfg->headers[nh])
        nh++;
    while (cfg->header_charsets && cfg->header_charsets[nc])
        nc++;
    int oom = !(in->headers = host->alloc((nh ? nh : 1) * sizeof *in->headers)) ||
              !(in->charsets = host->alloc((nc + 1) * sizeof *in->charsets));
    for (size_t i = 0; !oom && i < nh; i++, in->nheaders++)
        oom |= !(in->headers[i] = dup_str(host, cfg->headers[i]));
    for (size_t i = 0; !oom && i < nc; i++) {
        GIConv cd = g_mime_iconv_open("UTF-8", cfg->header_charsets[i]);
        if (cd == (GIConv)-1) {
            instance_free(in);
            return INTAKE_ERR(err, INTAKE_ECONFIG, "header_charsets: unknown charset");
        }
        g_mime_iconv_close(cd);
        oom |= !(in->charsets[i] = dup_str(host, cfg->header_charsets[i]));
        in->ncharsets += !oom;
    }
    if (oom) {
        instance_free(in);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    }
    in->charsets[in->ncharsets] = NULL;
    *instance = in;
    return INTAKE_OK;
}

static void cb_extract_mail_exit(void *instance)
{
    struct extract_mail_instance *in = instance;
    if (!in)
        return;
    instance_free(in);
}

static int cb_extract_mail_process(void *instance, void *worker, struct intake_doc *doc,
                                   struct intake_error *err)
{
    struct extract_mail_instance *in = instance;
    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    (void)worker;
    const struct intake_host *host = in->host;
    size_t n = 0;
    const unsigned char *b = host->doc_source(doc, &n);
    if (n > in->max_bytes)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "mail: %zu bytes, more than max_bytes %llu", n,
                          (unsigned long long)in->max_bytes);
    if (n == 0)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "mail: empty");
    struct mail m = {.in = in, .doc = doc, .err = err, .page = g_string_new(NULL)};
    GMimeParserOptions *po = m.po = g_mime_parser_options_new();
    g_mime_parser_options_set_warning_callback(po, on_warning, &m);
    g_mime_parser_options_set_fallback_charsets(po, in->charsets);
    g_mime_parser_options_set_rfc2047_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
    GMimeStream *st = g_mime_stream_mem_new_with_buffer((const char *)b, n);
    GMimeParser *p = g_mime_parser_new_with_stream(st);
    g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
    GMimeMessage *msg = g_mime_parser_construct_message(p, po);
    int rc = INTAKE_OK;
    if (!msg)
        rc = INTAKE_ERR(err, INTAKE_EFORMAT, "mail: not a message GMime can read");
    else if (m.refusal)
        rc = INTAKE_ERR(err, INTAKE_EFORMAT, "mail: %s", m.refusal);
    /* Header decoding uses the fallback charsets of the global options. */
    if (rc == INTAKE_OK)
        rc = header_page(&m, GMIME_OBJECT(msg));
    GMimeObject *body = msg ? g_mime_message_get_mime_part(msg) : NULL;
    if (rc == INTAKE_OK && body)
        rc = walk(&m, body);
    if (rc == INTAKE_OK && m.refusal) /* warnings raised while decoding */
        rc = INTAKE_ERR(err, INTAKE_EFORMAT, "mail: %s", m.refusal);
    if (rc == INTAKE_OK)
        intake_log_debug(
            host, in->ctx, doc, "%u pages, %llu parts, %u attachments, %u embedded messages",
            host->doc_page_count(doc), (unsigned long long)m.parts, m.attachments, m.messages);
    else
        intake_log_info(host, in->ctx, doc, "refused: %s", err ? err->msg : "");
    if (msg)
        g_object_unref(msg);
    g_object_unref(p);
    g_object_unref(st);
    g_mime_parser_options_free(po);
    g_string_free(m.page, TRUE);
    return rc;
}

/*
 * Probe: an RFC 5322 header block (libmagic calls a message that starts
 * with Subject:, MIME-Version: or Message-ID: text/plain). At least two
 * mail headers among the first lines, every line before the blank one a
 * header or its continuation.
 */
static int cb_extract_mail_probe(void *instance, const unsigned char *bytes, size_t len,
                                 const char *mime)
{
    (void)instance;
    (void)mime;
    static const char *const known[] = {"from",     "to",          "cc",           "subject",
                                        "date",     "message-id",  "mime-version", "content-type",
                                        "received", "return-path", "reply-to",     "sender",
                                        NULL};
    size_t i = 0, lim = len < 8192 ? len : 8192;
    int hits = 0, lines = 0;
    while (i < lim) {
        size_t e = i;
        while (e < lim && bytes[e] != '\n')
            e++;
        if (e >= lim)
            break;
        size_t l = e - i - (e > i && bytes[e - 1] == '\r');
        if (l == 0)
            return hits >= 2 && lines > 0 ? 90 : 0; /* end of the header block */
        lines++;
        if (bytes[i] == ' ' || bytes[i] == '\t') {
            if (lines == 1)
                return 0;
        } else {
            size_t c = i;
            while (c < i + l && bytes[c] > ' ' && bytes[c] < 0x7F && bytes[c] != ':')
                c++;
            if (c == i || c >= i + l || bytes[c] != ':')
                return 0;
            for (const char *const *k = known; *k; k++)
                if (strlen(*k) == c - i && strncasecmp((const char *)bytes + i, *k, c - i) == 0)
                    hits++;
        }
        i = e + 1;
    }
    return 0;
}

static const struct intake_plugin extract_mail_plugin = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_EXTRACT,
    .name = "extract_mail",
    .version = EXTRACT_MAIL_VERSION,
    .description = "e-mail (.eml): headers and text bodies as pages, attachments and embedded "
                   "messages as child documents (GMime)",
    .options = extract_mail_options,
    .config_size = sizeof(struct extract_mail_config),
    .mime_types = extract_mail_mimes,
    .cb_init = cb_extract_mail_init,
    .cb_process = cb_extract_mail_process,
    .cb_exit = cb_extract_mail_exit,
    .cb_probe = cb_extract_mail_probe,
};

INTAKE_PLUGIN_DEFINE(extract_mail, extract_mail_plugin)
