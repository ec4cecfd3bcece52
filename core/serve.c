/*
 * core/serve.c: `intake serve`, a web page and a JSON API for researchers
 * over a redacted store.
 *
 * What it may show: only what the index plugin returns through cb_search
 * (the redacted text, the redacted source name, metadata, entity counts)
 * and <store>/redacted/<id>.pdf for an indexed id. Nothing else of the
 * filesystem is reachable: routes are fixed strings, the one file path is
 * built from a validated 64-hex-digit id and opened with O_NOFOLLOW.
 * Originals are never in the store, so never served.
 *
 * Access: loopback by default; any other address needs --token FILE and
 * every request then needs `Authorization: Bearer <token>`. Limits: GET and
 * HEAD only, no request body, 16 kB of request head (libmicrohttpd's
 * connection memory), 64 connections, 16 per address, a token bucket per
 * client address (20 requests/s, bursts of 40).
 *
 * Headers on every response: a Content-Security-Policy that allows only
 * this origin's script and style (no inline script), no framing, nosniff,
 * no referrer, no caching. The HTML is rendered on the server (the script
 * only adds conveniences), so the page works with scripts off.
 */
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "engine_internal.h"

#define SERVE_PAGE_SIZE   10
#define SERVE_MAX_LIMIT   100
#define SERVE_MAX_PAGE    1000
#define SERVE_MAX_URL     2048
#define SERVE_RATE        20.0 /* requests per second per client address */
#define SERVE_BURST       40.0
#define SERVE_RATE_SLOTS  256
#define SERVE_MAX_HITS    100
#define SERVE_FACET_SLOTS 256

static const char csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'";

struct rate_slot {
    unsigned char addr[16];
    double tokens;
    double last;
};

struct serve {
    struct intake_engine *e;
    pthread_mutex_t lock; /* the engine is not promised to be thread-safe */
    const char *store;
    char token[256];
    size_t token_len;
    int v12; /* the index plugin fills the ABI 1.2 hit members */
    pthread_mutex_t rate_lock;
    struct rate_slot rate[SERVE_RATE_SLOTS];
};

/* ------------------------------------------------------------------ */
/* a growing string                                                   */
/* ------------------------------------------------------------------ */

struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        sb_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* HTML text and attribute values. Control characters but \n and \t go. */
static void sb_html(struct sbuf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': sb_str(b, "&lt;"); break;
        case '>': sb_str(b, "&gt;"); break;
        case '&': sb_str(b, "&amp;"); break;
        case '"': sb_str(b, "&quot;"); break;
        case '\'': sb_str(b, "&#39;"); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
                sb_put(b, s, 1);
        }
    }
}

/* A snippet: matches between \x02 and \x03 become <mark>. */
static void sb_snippet(struct sbuf *b, const char *s)
{
    int open = 0;
    for (; s && *s; s++) {
        if (*s == '\x02' && !open) {
            sb_str(b, "<mark>");
            open = 1;
        } else if (*s == '\x03' && open) {
            sb_str(b, "</mark>");
            open = 0;
        } else if (*s == '\n' || *s == '\r' || *s == '\t') {
            sb_str(b, " ");
        } else {
            char c[2] = {*s, 0};
            sb_html(b, c);
        }
    }
    if (open)
        sb_str(b, "</mark>");
}

/* A query-string value. */
static void sb_url(struct sbuf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            sb_put(b, (const char *)&c, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            sb_put(b, e, 3);
        }
    }
}

/* The redacted text, placeholders ([PERSON-3]) marked for the eye. */
static void sb_doc_text(struct sbuf *b, const char *s)
{
    while (s && *s) {
        if (*s == '[') {
            const char *p = s + 1;
            while ((*p >= 'A' && *p <= 'Z') || *p == '_')
                p++;
            if (p > s + 1 && *p == '-') {
                p++;
                while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                       (*p >= '0' && *p <= '9'))
                    p++;
            }
            if (p > s + 1 && *p == ']') {
                sb_str(b, "<span class=\"ph\">");
                sb_put(b, s, (size_t)(p - s + 1));
                sb_str(b, "</span>");
                s = p + 1;
                continue;
            }
        }
        char c[2] = {*s, 0};
        sb_html(b, c);
        s++;
    }
}

/* ------------------------------------------------------------------ */
/* search through the engine                                          */
/* ------------------------------------------------------------------ */

struct hit_copy {
    char *id, *source, *mime, *lang, *snippet, *text, *entities;
    double score;
    int64_t ingested;
    uint64_t size;
    uint32_t pages;
};

struct facet_copy {
    char facet[16];
    char value[96];
    uint64_t count;
};

struct results {
    const struct serve *S;
    struct hit_copy hits[SERVE_MAX_HITS];
    int n;
    struct facet_copy facets[SERVE_FACET_SLOTS];
    int nf;
    uint64_t total;
};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int on_hit(void *user, const struct intake_hit *h)
{
    struct results *r = user;
    if (r->n >= SERVE_MAX_HITS)
        return 1;
    struct hit_copy *c = &r->hits[r->n++];
    c->id = dup_or_null(h->doc_id);
    c->source = dup_or_null(h->source_name);
    c->mime = dup_or_null(h->mime);
    c->lang = dup_or_null(h->lang);
    c->snippet = dup_or_null(h->snippet);
    c->text = dup_or_null(h->text);
    c->entities = r->S->v12 ? dup_or_null(h->entity_counts) : NULL;
    c->score = h->score;
    c->ingested = h->ingested;
    c->size = h->size;
    c->pages = h->pages;
    if (r->S->v12 && h->total)
        r->total = h->total;
    return 0;
}

static int on_facet(void *user, const char *facet, const char *value, uint64_t count)
{
    struct results *r = user;
    if (strcmp(facet, "total") == 0)
        r->total = count;
    else if (r->nf < SERVE_FACET_SLOTS) {
        struct facet_copy *f = &r->facets[r->nf++];
        snprintf(f->facet, sizeof f->facet, "%s", facet);
        snprintf(f->value, sizeof f->value, "%s", value);
        f->count = count;
    }
    return 0;
}

static void results_clear(struct results *r)
{
    for (int i = 0; i < r->n; i++) {
        struct hit_copy *c = &r->hits[i];
        free(c->id);
        free(c->source);
        free(c->mime);
        free(c->lang);
        free(c->snippet);
        free(c->text);
        free(c->entities);
    }
    r->n = 0;
}

static int run_query(struct serve *S, struct intake_query *q, struct results *r,
                     struct intake_error *err)
{
    memset(r, 0, sizeof *r);
    r->S = S;
    q->flags |= INTAKE_QUERY_V1_2;
    intake_error_clear(err);
    pthread_mutex_lock(&S->lock);
    int rc = intake_engine_search(S->e, q, on_hit, r, err);
    pthread_mutex_unlock(&S->lock);
    return rc;
}

/* ------------------------------------------------------------------ */
/* responses                                                          */
/* ------------------------------------------------------------------ */

static void security_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Content-Security-Policy", csp);
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(resp, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
}

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, const char *mime,
                                const void *data, size_t len, int copy)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, (void *)data, copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", mime);
    security_headers(resp);
    if (status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"intake\"");
    if (status == 429)
        MHD_add_response_header(resp, "Retry-After", "1");
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result send_sbuf(struct MHD_Connection *c, unsigned status, const char *mime,
                                 struct sbuf *b)
{
    if (b->oom) {
        free(b->p);
        static const char oom[] = "out of memory\n";
        return send_buf(c, 500, "text/plain; charset=utf-8", oom, sizeof oom - 1, 0);
    }
    enum MHD_Result r = send_buf(c, status, mime, b->p ? b->p : "", b->len, 1);
    free(b->p);
    return r;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_object *j)
{
    const char *s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
    enum MHD_Result r = send_buf(c, status, "application/json; charset=utf-8", s, strlen(s), 1);
    json_object_put(j);
    return r;
}

static enum MHD_Result send_json_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    json_object *j = json_object_new_object();
    json_object_object_add(j, "error", json_object_new_string(msg));
    return send_json(c, status, j);
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *msg)
{
    return send_buf(c, status, "text/plain; charset=utf-8", msg, strlen(msg), 1);
}

/* ------------------------------------------------------------------ */
/* pages                                                              */
/* ------------------------------------------------------------------ */

static void page_head(struct sbuf *b, const char *title, const char *q, int sort_date)
{
    sb_str(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
              "<meta name=\"referrer\" content=\"no-referrer\"><title>");
    sb_html(b, title);
    sb_str(b, " · intake</title><link rel=\"stylesheet\" href=\"/static/style.css\">"
              "<script src=\"/static/app.js\" defer></script></head>\n<body><header>"
              "<a class=\"home\" href=\"/\">intake</a>"
              "<form action=\"/\" method=\"get\" role=\"search\">"
              "<input type=\"search\" id=\"q\" name=\"q\" autocomplete=\"off\" "
              "aria-label=\"Search the redacted corpus\" "
              "placeholder=\"words, &quot;a phrase&quot;, prefix*, lang:ru, has:PHONE, year:2024\" "
              "value=\"");
    sb_html(b, q ? q : "");
    sb_str(b, "\"><select id=\"sort\" name=\"sort\" aria-label=\"Order\">");
    sb_printf(b, "<option value=\"relevance\"%s>most relevant</option>",
              sort_date ? "" : " selected");
    sb_printf(b, "<option value=\"date\"%s>newest</option>", sort_date ? " selected" : "");
    sb_str(b, "</select><button type=\"submit\">Search</button></form></header>\n<main>");
}

static void page_tail(struct sbuf *b)
{
    sb_str(b, "</main></body></html>\n");
}

static const char *facet_title(const char *f)
{
    return strcmp(f, "lang") == 0     ? "Language"
           : strcmp(f, "type") == 0   ? "Type"
           : strcmp(f, "entity") == 0 ? "Redacted"
           : strcmp(f, "year") == 0   ? "Year ingested"
                                      : NULL;
}

/* Facet counts, each value a link that adds its filter to the query. */
static void render_facets(struct sbuf *b, const struct results *r, const char *q, int sort_date)
{
    static const char *const order[] = {"lang", "type", "entity", "year"};
    static const char *const filter[] = {"lang:", "type:", "has:", "year:"};
    sb_str(b, "<aside class=\"facets\" id=\"facets\">");
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        int any = 0;
        int has_filter = strstr(q, filter[k]) != NULL;
        for (int i = 0; i < r->nf; i++) {
            const struct facet_copy *f = &r->facets[i];
            if (strcmp(f->facet, order[k]) != 0 || !f->value[0])
                continue;
            if (!any)
                sb_printf(b, "<h2>%s</h2><ul data-facet=\"%s\">", facet_title(order[k]), order[k]);
            any = 1;
            sb_str(b, "<li>");
            if (!has_filter && !strpbrk(f->value, " \"")) {
                sb_str(b, "<a href=\"/?q=");
                struct sbuf nq = {0};
                sb_str(&nq, q);
                sb_str(&nq, " ");
                sb_str(&nq, filter[k]);
                sb_str(&nq, f->value);
                sb_url(b, nq.p ? nq.p : "");
                free(nq.p);
                sb_str(b, sort_date ? "&amp;sort=date" : "");
                sb_printf(b, "\" data-filter=\"%s", filter[k]);
                sb_html(b, f->value);
                sb_str(b, "\">");
                sb_html(b, f->value);
                sb_str(b, "</a>");
            } else {
                sb_html(b, f->value);
            }
            sb_printf(b, " <span>%llu</span></li>", (unsigned long long)f->count);
        }
        if (any)
            sb_str(b, "</ul>");
    }
    sb_str(b, "</aside>");
}

static void fmt_date(int64_t t, char *buf, size_t cap)
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(buf, cap, "%Y-%m-%d", &tm);
}

/* ---- the dashboard: bars drawn by the server ---- */

struct bar {
    const char *label;
    uint64_t n;
};

/* Horizontal bars with labels; attributes only (CSP forbids style=""). */
static void svg_hbars(struct sbuf *b, const char *title, const struct bar *bars, int n)
{
    uint64_t max = 1;
    for (int i = 0; i < n; i++)
        if (bars[i].n > max)
            max = bars[i].n;
    int h = 22 * (n ? n : 1) + 8;
    sb_str(b, "<figure><figcaption>");
    sb_html(b, title);
    sb_printf(b,
              "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"360\" height=\"%d\" "
              "viewBox=\"0 0 360 %d\" role=\"img\" aria-label=\"",
              h, h);
    sb_html(b, title);
    sb_str(b, "\">");
    if (!n)
        sb_str(b, "<text x=\"4\" y=\"18\" font-size=\"12\" fill=\"#5b6475\">nothing yet</text>");
    for (int i = 0; i < n; i++) {
        int w = (int)(230.0 * (double)bars[i].n / (double)max);
        int y = 4 + 22 * i;
        sb_printf(b, "<text x=\"0\" y=\"%d\" font-size=\"12\" fill=\"#1d2433\">", y + 13);
        sb_html(b, bars[i].label);
        sb_printf(b,
                  "</text><rect x=\"96\" y=\"%d\" width=\"%d\" height=\"16\" fill=\"#1f5fbf\"/>"
                  "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#1d2433\">%llu</text>",
                  y, w > 1 ? w : 1, 100 + w, y + 13, (unsigned long long)bars[i].n);
    }
    sb_str(b, "</svg></figure>");
}

/* Vertical bars per month. */
static void svg_vbars(struct sbuf *b, const char *title, const struct bar *bars, int n)
{
    uint64_t max = 1;
    for (int i = 0; i < n; i++)
        if (bars[i].n > max)
            max = bars[i].n;
    int bw = n > 12 ? 18 : 28, w = 40 + (bw + 6) * (n ? n : 1);
    sb_str(b, "<figure><figcaption>");
    sb_html(b, title);
    sb_printf(b,
              "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"170\" "
              "viewBox=\"0 0 %d 170\" role=\"img\" aria-label=\"",
              w, w);
    sb_html(b, title);
    sb_str(b, "\">");
    if (!n)
        sb_str(b, "<text x=\"4\" y=\"18\" font-size=\"12\" fill=\"#5b6475\">nothing yet</text>");
    for (int i = 0; i < n; i++) {
        int h = (int)(120.0 * (double)bars[i].n / (double)max);
        int x = 20 + (bw + 6) * i;
        sb_printf(b,
                  "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#1f5fbf\"/>"
                  "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#1d2433\" "
                  "text-anchor=\"middle\">%llu</text>"
                  "<text x=\"%d\" y=\"164\" font-size=\"9\" fill=\"#5b6475\" "
                  "text-anchor=\"middle\">",
                  x, 140 - (h > 1 ? h : 1), bw, h > 1 ? h : 1, x + bw / 2, 136 - h,
                  (unsigned long long)bars[i].n, x + bw / 2);
        sb_html(b, bars[i].label + (strlen(bars[i].label) > 2 ? 2 : 0)); /* 24-05 */
        sb_str(b, "</text>");
    }
    sb_str(b, "</svg></figure>");
}

static int stats(struct serve *S, struct results *r, struct intake_error *err)
{
    struct intake_query q = {.text = "", .limit = 1, .flags = INTAKE_QUERY_ALL};
    q.facet = on_facet;
    q.facet_user = r;
    int rc = run_query(S, &q, r, err);
    results_clear(r);
    return rc;
}

static int collect_bars(const struct results *r, const char *facet, struct bar *out, int cap)
{
    int n = 0;
    for (int i = 0; i < r->nf && n < cap; i++)
        if (strcmp(r->facets[i].facet, facet) == 0 && r->facets[i].value[0])
            out[n++] = (struct bar){r->facets[i].value, r->facets[i].count};
    return n;
}

static void render_dashboard(struct serve *S, struct sbuf *b)
{
    static struct results r; /* big: not on a connection thread's stack */
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    struct intake_error err;
    pthread_mutex_lock(&mu);
    sb_str(b, "<section class=\"results\" id=\"dashboard\">");
    if (stats(S, &r, &err)) {
        sb_str(b, "<p class=\"error\">");
        sb_html(b, err.msg);
        sb_str(b, "</p>");
    } else {
        struct bar bars[64];
        sb_printf(b, "<p class=\"count\">%llu documents in the redacted store</p>",
                  (unsigned long long)r.total);
        sb_str(b, "<div class=\"dashboard\">");
        svg_hbars(b, "Documents per language", bars, collect_bars(&r, "lang", bars, 64));
        int nm = collect_bars(&r, "month", bars, 64);
        svg_vbars(b, "Documents per month of ingest", nm > 24 ? bars + nm - 24 : bars,
                  nm > 24 ? 24 : nm);
        svg_hbars(b, "Entities redacted, by type", bars, collect_bars(&r, "entities", bars, 64));
        sb_str(b, "</div>");
    }
    sb_str(b, "<p class=\"help\">Search with words, <code>\"a phrase\"</code>, "
              "<code>prefix*</code>, <code>AND</code>/<code>OR</code>/<code>NOT</code>, and "
              "filters <code>lang:ru,kk</code> <code>type:pdf</code> <code>has:PHONE</code> "
              "<code>year:2024</code> <code>date:2024-01..2024-06</code> "
              "<code>source:case-117</code>. Words match across scripts and inflections "
              "(<code>Ashgabat</code> finds <code>Ашхабад</code>).</p></section>");
    pthread_mutex_unlock(&mu);
}

static int parse_int(const char *s, int lo, int hi, int dflt)
{
    if (!s || !*s)
        return dflt;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi)
        return -1;
    return (int)v;
}

static enum MHD_Result page_search(struct serve *S, struct MHD_Connection *c)
{
    const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q");
    const char *sort = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "sort");
    int sort_date = sort && strcmp(sort, "date") == 0;
    int page = parse_int(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "page"), 1,
                         SERVE_MAX_PAGE, 1);
    struct sbuf b = {0};
    int empty = !q || !q[strspn(q, " \t\r\n")];
    page_head(&b, empty ? "Search" : q, q, sort_date);
    if (empty) {
        render_dashboard(S, &b);
        page_tail(&b);
        return send_sbuf(c, 200, "text/html; charset=utf-8", &b);
    }
    unsigned status = 200;
    struct results *r = calloc(1, sizeof *r);
    if (!r) {
        free(b.p);
        return send_text(c, 500, "out of memory\n");
    }
    struct intake_error err;
    if (page < 0) {
        status = 400;
        snprintf(err.msg, sizeof err.msg, "page must be a number from 1 to %d", SERVE_MAX_PAGE);
    } else {
        struct intake_query iq = {.text = q,
                                  .limit = SERVE_PAGE_SIZE,
                                  .offset = (uint32_t)(page - 1) * SERVE_PAGE_SIZE,
                                  .sort = sort_date ? INTAKE_SORT_DATE : INTAKE_SORT_RELEVANCE,
                                  .facet = on_facet};
        iq.facet_user = r;
        if (run_query(S, &iq, r, &err))
            status = err.code == INTAKE_EINVAL ? 400 : 500;
    }
    if (status != 200) {
        sb_str(&b, "<section class=\"results\"><p class=\"error\" id=\"error\">");
        sb_html(&b, err.msg);
        sb_str(&b, "</p></section>");
    } else {
        render_facets(&b, r, q, sort_date);
        sb_str(&b, "<section class=\"results\" id=\"results\">");
        sb_printf(&b, "<p class=\"count\" id=\"count\">%llu document%s</p><ol class=\"hits\">",
                  (unsigned long long)r->total, r->total == 1 ? "" : "s");
        for (int i = 0; i < r->n; i++) {
            const struct hit_copy *h = &r->hits[i];
            char date[32];
            fmt_date(h->ingested, date, sizeof date);
            sb_str(&b, "<li class=\"hit\"><a class=\"title\" href=\"/doc/");
            sb_html(&b, h->id);
            sb_str(&b, "\">");
            sb_html(&b, h->source ? h->source : h->id);
            sb_str(&b, "</a><span class=\"meta\"><span class=\"lang\">");
            sb_html(&b, h->lang ? h->lang : "und");
            sb_str(&b, "</span> · ");
            sb_html(&b, h->mime ? h->mime : "");
            sb_printf(&b, " · %s</span><p class=\"snippet\">", date);
            sb_snippet(&b, h->snippet);
            sb_str(&b, "</p></li>");
        }
        sb_str(&b, "</ol><nav class=\"pages\">");
        if (page > 1) {
            sb_str(&b, "<a rel=\"prev\" href=\"/?q=");
            sb_url(&b, q);
            sb_printf(&b, "%s&amp;page=%d\">← previous</a>", sort_date ? "&amp;sort=date" : "",
                      page - 1);
        }
        uint64_t pages = (r->total + SERVE_PAGE_SIZE - 1) / SERVE_PAGE_SIZE;
        if (pages > 1)
            sb_printf(&b, "<span>page %d of %llu</span>", page, (unsigned long long)pages);
        if ((uint64_t)page < pages && page < SERVE_MAX_PAGE) {
            sb_str(&b, "<a rel=\"next\" href=\"/?q=");
            sb_url(&b, q);
            sb_printf(&b, "%s&amp;page=%d\">next →</a>", sort_date ? "&amp;sort=date" : "",
                      page + 1);
        }
        sb_str(&b, "</nav></section>");
    }
    results_clear(r);
    free(r);
    page_tail(&b);
    return send_sbuf(c, status, "text/html; charset=utf-8", &b);
}

static int is_doc_id(const char *s, size_t n)
{
    if (n != 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* The redacted PDF of an indexed document, or -1. */
static int open_pdf(const struct serve *S, const char *id, off_t *size)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/redacted/%s.pdf", S->store, id) >= sizeof path)
        return -1;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    *size = st.st_size;
    return fd;
}

static int fetch_doc(struct serve *S, const char *id, struct results *r, struct intake_error *err)
{
    struct intake_query q = {.doc_id = id, .limit = 1, .flags = INTAKE_QUERY_WITH_TEXT};
    return run_query(S, &q, r, err);
}

static json_object *entities_json(const char *s)
{
    json_object *j = s ? json_tokener_parse(s) : NULL;
    return j ? j : json_object_new_object();
}

static enum MHD_Result doc_route(struct serve *S, struct MHD_Connection *c, const char *rest,
                                 int api)
{
    size_t n = strlen(rest);
    int pdf = !api && n == 68 && strcmp(rest + 64, ".pdf") == 0;
    if (!is_doc_id(rest, pdf ? 64 : n))
        return api ? send_json_error(c, 404, "no such document")
                   : send_text(c, 404, "no such document\n");
    char id[65];
    memcpy(id, rest, 64);
    id[64] = '\0';
    struct results *r = calloc(1, sizeof *r);
    if (!r)
        return send_text(c, 500, "out of memory\n");
    struct intake_error err;
    int rc = fetch_doc(S, id, r, &err);
    enum MHD_Result ret;
    off_t size = 0;
    int fd = rc == 0 && r->n ? open_pdf(S, id, &size) : -1;
    if (rc) {
        ret = api ? send_json_error(c, 500, err.msg) : send_text(c, 500, err.msg);
    } else if (!r->n) {
        ret = api ? send_json_error(c, 404, "no such document")
                  : send_text(c, 404, "no such document\n");
    } else if (pdf) {
        if (fd < 0) {
            ret = send_text(c, 404, "this document has no redacted PDF\n");
        } else {
            struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)size, fd);
            fd = -1; /* the response owns it */
            if (!resp)
                return MHD_NO;
            MHD_add_response_header(resp, "Content-Type", "application/pdf");
            MHD_add_response_header(resp, "Content-Disposition",
                                    "inline; filename=\"redacted.pdf\"");
            security_headers(resp);
            ret = MHD_queue_response(c, 200, resp);
            MHD_destroy_response(resp);
        }
    } else if (api) {
        const struct hit_copy *h = &r->hits[0];
        json_object *j = json_object_new_object();
        json_object_object_add(j, "id", json_object_new_string(h->id));
        json_object_object_add(j, "source", h->source ? json_object_new_string(h->source) : NULL);
        json_object_object_add(j, "mime", json_object_new_string(h->mime ? h->mime : ""));
        json_object_object_add(j, "lang", json_object_new_string(h->lang ? h->lang : "und"));
        json_object_object_add(j, "size", json_object_new_int64((int64_t)h->size));
        json_object_object_add(j, "pages", json_object_new_int64(h->pages));
        json_object_object_add(j, "ingested", json_object_new_int64(h->ingested));
        json_object_object_add(j, "entity_counts", entities_json(h->entities));
        json_object_object_add(j, "pdf", json_object_new_boolean(fd >= 0));
        json_object_object_add(j, "text", json_object_new_string(h->text ? h->text : ""));
        ret = send_json(c, 200, j);
    } else {
        const struct hit_copy *h = &r->hits[0];
        struct sbuf b = {0};
        char date[32];
        fmt_date(h->ingested, date, sizeof date);
        page_head(&b, h->source ? h->source : h->id, "", 0);
        sb_str(&b, "<article id=\"document\"><h1>");
        sb_html(&b, h->source ? h->source : "(no name)");
        sb_str(&b, "</h1><dl><dt>Document id</dt><dd><code>");
        sb_html(&b, h->id);
        sb_str(&b, "</code></dd><dt>Language</dt><dd id=\"lang\">");
        sb_html(&b, h->lang ? h->lang : "und");
        sb_str(&b, "</dd><dt>Type</dt><dd>");
        sb_html(&b, h->mime ? h->mime : "");
        sb_printf(&b, "</dd><dt>Ingested</dt><dd>%s</dd><dt>Redacted</dt><dd id=\"entities\">",
                  date);
        json_object *ents = entities_json(h->entities);
        int any = 0;
        json_object_object_foreach(ents, key, val)
        {
            sb_printf(&b, "%s", any ? ", " : "");
            sb_html(&b, key);
            sb_printf(&b, " %lld", (long long)json_object_get_int64(val));
            any = 1;
        }
        json_object_put(ents);
        if (!any)
            sb_str(&b, "nothing");
        sb_str(&b, "</dd></dl>");
        if (fd >= 0) {
            sb_str(&b, "<p><a id=\"pdf\" href=\"/doc/");
            sb_html(&b, h->id);
            sb_str(&b, ".pdf\">The redacted PDF</a></p>");
        }
        sb_str(&b, "<pre class=\"text\" id=\"text\">");
        sb_doc_text(&b, h->text);
        sb_str(&b, "</pre></article>");
        page_tail(&b);
        ret = send_sbuf(c, 200, "text/html; charset=utf-8", &b);
    }
    if (fd >= 0)
        close(fd);
    results_clear(r);
    free(r);
    return ret;
}

static void facets_json(json_object *j, const struct results *r)
{
    static const char *const names[] = {"lang", "type", "entity", "entities", "year", "month"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        json_object *o = json_object_new_object();
        for (int i = 0; i < r->nf; i++)
            if (strcmp(r->facets[i].facet, names[k]) == 0)
                json_object_object_add(o, r->facets[i].value,
                                       json_object_new_int64((int64_t)r->facets[i].count));
        json_object_object_add(j, names[k], o);
    }
}

static enum MHD_Result api_search(struct serve *S, struct MHD_Connection *c)
{
    const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q");
    const char *sort = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "sort");
    int limit = parse_int(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit"), 1,
                          SERVE_MAX_LIMIT, 20);
    int offset =
        parse_int(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "offset"), 0, 100000, 0);
    if (!q)
        return send_json_error(c, 400, "q is missing");
    if (limit < 0 || offset < 0)
        return send_json_error(c, 400, "limit is 1..100, offset 0..100000");
    if (sort && strcmp(sort, "date") != 0 && strcmp(sort, "relevance") != 0)
        return send_json_error(c, 400, "sort is relevance or date");
    struct results *r = calloc(1, sizeof *r);
    if (!r)
        return send_json_error(c, 500, "out of memory");
    struct intake_query iq = {.text = q,
                              .limit = (uint32_t)limit,
                              .offset = (uint32_t)offset,
                              .sort = sort && strcmp(sort, "date") == 0 ? INTAKE_SORT_DATE
                                                                        : INTAKE_SORT_RELEVANCE,
                              .facet = on_facet};
    iq.facet_user = r;
    struct intake_error err;
    enum MHD_Result ret;
    if (run_query(S, &iq, r, &err)) {
        ret = send_json_error(c, err.code == INTAKE_EINVAL ? 400 : 500, err.msg);
    } else {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "total", json_object_new_int64((int64_t)r->total));
        json_object_object_add(j, "limit", json_object_new_int(limit));
        json_object_object_add(j, "offset", json_object_new_int(offset));
        json_object *hits = json_object_new_array();
        for (int i = 0; i < r->n; i++) {
            const struct hit_copy *h = &r->hits[i];
            json_object *o = json_object_new_object();
            json_object_object_add(o, "id", json_object_new_string(h->id));
            json_object_object_add(o, "source",
                                   h->source ? json_object_new_string(h->source) : NULL);
            json_object_object_add(o, "mime", json_object_new_string(h->mime ? h->mime : ""));
            json_object_object_add(o, "lang", json_object_new_string(h->lang ? h->lang : "und"));
            json_object_object_add(o, "score", json_object_new_double(h->score));
            json_object_object_add(o, "ingested", json_object_new_int64(h->ingested));
            json_object_object_add(o, "entity_counts", entities_json(h->entities));
            /* matches between U+0002 and U+0003, as in the plugin ABI */
            json_object_object_add(o, "snippet",
                                   json_object_new_string(h->snippet ? h->snippet : ""));
            json_object_array_add(hits, o);
        }
        json_object_object_add(j, "hits", hits);
        json_object *f = json_object_new_object();
        facets_json(f, r);
        json_object_object_add(j, "facets", f);
        ret = send_json(c, 200, j);
    }
    results_clear(r);
    free(r);
    return ret;
}

static enum MHD_Result api_stats(struct serve *S, struct MHD_Connection *c)
{
    struct results *r = calloc(1, sizeof *r);
    if (!r)
        return send_json_error(c, 500, "out of memory");
    struct intake_error err;
    enum MHD_Result ret;
    if (stats(S, r, &err)) {
        ret = send_json_error(c, 500, err.msg);
    } else {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "documents", json_object_new_int64((int64_t)r->total));
        facets_json(j, r);
        ret = send_json(c, 200, j);
    }
    free(r);
    return ret;
}

/* ------------------------------------------------------------------ */
/* the request handler                                                */
/* ------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A token bucket per client address (IPv4 or IPv6; slots by hash). */
static int rate_ok(struct serve *S, struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    unsigned char addr[16] = {0};
    if (ci && ci->client_addr) {
        if (ci->client_addr->sa_family == AF_INET)
            memcpy(addr, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, 4);
        else if (ci->client_addr->sa_family == AF_INET6)
            memcpy(addr, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, 16);
    }
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ addr[i]) * 16777619u;
    double t = now_s();
    pthread_mutex_lock(&S->rate_lock);
    struct rate_slot *s = &S->rate[h % SERVE_RATE_SLOTS];
    if (memcmp(s->addr, addr, 16) != 0 || s->last == 0) {
        memcpy(s->addr, addr, 16);
        s->tokens = SERVE_BURST;
        s->last = t;
    }
    s->tokens += (t - s->last) * SERVE_RATE;
    if (s->tokens > SERVE_BURST)
        s->tokens = SERVE_BURST;
    s->last = t;
    int ok = s->tokens >= 1.0;
    if (ok)
        s->tokens -= 1.0;
    pthread_mutex_unlock(&S->rate_lock);
    return ok;
}

static int token_ok(const struct serve *S, struct MHD_Connection *c)
{
    if (!S->token_len)
        return 1;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!h || strncmp(h, "Bearer ", 7) != 0)
        return 0;
    h += 7;
    size_t n = strlen(h);
    unsigned char diff = (unsigned char)(n != S->token_len);
    for (size_t i = 0; i < S->token_len; i++) /* constant time in the token */
        diff |= (unsigned char)(S->token[i] ^ (i < n ? h[i] : 0));
    return diff == 0;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    struct serve *S = cls;
    (void)version;
    (void)upload;
    static int first_call_marker;
    if (*con_cls == NULL) {
        *con_cls = &first_call_marker;
        /* refuse at the headers: no body is ever read */
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
            return send_text(c, 405, "only GET and HEAD\n");
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if ((cl && strcmp(cl, "0") != 0) ||
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding"))
            return send_text(c, 413, "no request body is accepted\n");
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (!rate_ok(S, c))
        return send_text(c, 429, "too many requests\n");
    if (!token_ok(S, c))
        return send_text(c, 401, "a bearer token is needed\n");
    if (strlen(url) > SERVE_MAX_URL)
        return send_text(c, 414, "URL too long\n");

    if (strcmp(url, "/") == 0)
        return page_search(S, c);
    if (strncmp(url, "/doc/", 5) == 0)
        return doc_route(S, c, url + 5, 0);
    if (strcmp(url, "/api/search") == 0)
        return api_search(S, c);
    if (strncmp(url, "/api/doc/", 9) == 0)
        return doc_route(S, c, url + 9, 1);
    if (strcmp(url, "/api/stats") == 0)
        return api_stats(S, c);
    for (const struct intake_web_asset *a = intake_web_assets; a->path; a++)
        if (strcmp(url, a->path) == 0)
            return send_buf(c, 200, a->mime, a->data, a->len, 0);
    if (strncmp(url, "/api/", 5) == 0)
        return send_json_error(c, 404, "no such endpoint");
    return send_text(c, 404, "not found\n");
}

/* ------------------------------------------------------------------ */
/* the command                                                        */
/* ------------------------------------------------------------------ */

static int is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return 1;
        if (IN6_IS_ADDR_V4MAPPED(a))
            return a->s6_addr[12] == 127;
    }
    return 0;
}

/* HOST:PORT or [V6]:PORT, numeric or a name. */
static int parse_listen(const char *s, struct sockaddr_storage *out, socklen_t *len)
{
    char host[256], port[16];
    const char *colon;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof host)
            return -1;
        memcpy(host, s + 1, (size_t)(end - s - 1));
        host[end - s - 1] = '\0';
        colon = end + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof host)
            return -1;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
    }
    snprintf(port, sizeof port, "%s", colon + 1);
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 0 || p > 65535)
        return -1;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
        return -1;
    memcpy(out, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

static int read_token(const char *path, struct serve *S)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "intake: --token %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && (st.st_mode & 0077))
        fprintf(stderr, "intake: warning: --token %s is readable by others (chmod 600)\n", path);
    ssize_t n = read(fd, S->token, sizeof S->token - 1);
    close(fd);
    if (n < 0)
        n = 0;
    S->token[n] = '\0';
    while (n > 0 && (S->token[n - 1] == '\n' || S->token[n - 1] == '\r' || S->token[n - 1] == ' ' ||
                     S->token[n - 1] == '\t'))
        S->token[--n] = '\0';
    for (ssize_t i = 0; i < n; i++)
        if ((unsigned char)S->token[i] <= 0x20 || (unsigned char)S->token[i] >= 0x7f) {
            fprintf(stderr, "intake: --token %s: the token must be printable ASCII, one line\n",
                    path);
            return -1;
        }
    if (n < 16) {
        fprintf(stderr, "intake: --token %s: the token must be at least 16 characters\n", path);
        return -1;
    }
    S->token_len = (size_t)n;
    return 0;
}

static void serve_usage(FILE *f)
{
    fprintf(f, "usage: intake serve [--store DIR] [--config FILE] [--listen HOST:PORT] "
               "[--token FILE]\n"
               "  --listen defaults to 127.0.0.1:8080; an address other than loopback needs\n"
               "  --token FILE (a bearer token of at least 16 characters). Port 0 picks one.\n");
}

int intake_serve_main(int argc, char **argv, const char *default_config)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"store", required_argument, 0, 's'},
        {"listen", required_argument, 0, 'L'}, {"token", required_argument, 0, 't'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *cfg = NULL, *store = NULL, *listen = "127.0.0.1:8080", *token = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "c:s:L:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': cfg = optarg; break;
        case 's': store = optarg; break;
        case 'L': listen = optarg; break;
        case 't': token = optarg; break;
        case 'h': serve_usage(stdout); return 0;
        default: serve_usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        serve_usage(stderr);
        return 2;
    }
    if (!cfg)
        cfg = getenv("INTAKE_CONFIG") && *getenv("INTAKE_CONFIG") ? getenv("INTAKE_CONFIG")
                                                                  : default_config;
    if (!store)
        store = getenv("INTAKE_STORE") && *getenv("INTAKE_STORE") ? getenv("INTAKE_STORE")
                                                                  : "intake-store";

    struct sockaddr_storage sa;
    socklen_t salen = 0;
    if (parse_listen(listen, &sa, &salen)) {
        fprintf(stderr, "intake: --listen %s: want HOST:PORT, e.g. 127.0.0.1:8080\n", listen);
        return 2;
    }
    static struct serve S; /* the rate table is large; one per process */
    memset(&S, 0, sizeof S);
    if (!is_loopback((struct sockaddr *)&sa) && !token) {
        fprintf(stderr,
                "intake: refusing to listen on %s without --token FILE: only a loopback "
                "address may go without a bearer token\n",
                listen);
        return 2;
    }
    if (token && read_token(token, &S))
        return 2;
    char dbpath[4096];
    struct stat st;
    snprintf(dbpath, sizeof dbpath, "%s/intake.db", store);
    if (stat(dbpath, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "intake: no store at %s\n", store);
        return 2;
    }

    struct intake_error err;
    intake_error_clear(&err);
    if (intake_engine_create(cfg, NULL, &S.e, &err)) {
        fprintf(stderr, "intake: %s\n", err.msg);
        return 2;
    }
    intake_engine_set_store(S.e, store);
    S.store = store;
    for (size_t i = 0; i < S.e->ninstances; i++) {
        const struct intake_plugin *d = &S.e->instances[i].plugin->desc;
        if (d->stage == INTAKE_STAGE_INDEX && d->cb_search) {
            S.v12 = d->abi_minor >= 2;
            break;
        }
    }
    pthread_mutex_init(&S.lock, NULL);
    pthread_mutex_init(&S.rate_lock, NULL);

    /* Signals are taken by this thread only (sigwait below). */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (sa.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, &S, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)2, MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)16, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)15, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "intake: cannot listen on %s: %s\n", listen, strerror(errno));
        intake_engine_destroy(S.e);
        return 2;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[INET6_ADDRSTRLEN] = "?";
    if (sa.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, host, sizeof host);
    else
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, host, sizeof host);
    fprintf(stderr, "intake: serving %s read-only at http://%s%s%s:%u/%s\n", store,
            sa.ss_family == AF_INET6 ? "[" : "", host, sa.ss_family == AF_INET6 ? "]" : "",
            di ? (unsigned)di->port : 0u, S.token_len ? " (bearer token required)" : "");
    fflush(stderr);

    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "intake: stopping (signal %d)\n", sig);
    MHD_stop_daemon(d);
    intake_engine_destroy(S.e);
    pthread_mutex_destroy(&S.lock);
    pthread_mutex_destroy(&S.rate_lock);
    return 0;
}
