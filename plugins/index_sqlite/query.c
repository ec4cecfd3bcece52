/*
 * plugins/index_sqlite/query.c: filters of the query language.
 *
 * A filter is `name:value` (or `name:"a value"`) outside quotes and
 * parentheses, its name one of lang, type, has, year, date, source, sort.
 * Every other `x:y` is left to the word query (`name:`, `text:` columns,
 * URLs). Filters AND together; a filter given twice is refused.
 */
#include "query.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <intake/plugin.h>
#include <intake/span.h>

__attribute__((format(printf, 3, 4))) static int fail(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return -1;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/*
 * YYYY, YYYY-MM or YYYY-MM-DD: the first second of that period in \p start
 * and the first second after it in \p end (UTC). \return 0 or -1.
 */
static int parse_date(const char *s, size_t n, int64_t *start, int64_t *end)
{
    int y = 0, m = 0, d = 0;
    char buf[16];
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    int used = 0;
    if (n == 4 && sscanf(buf, "%4d%n", &y, &used) == 1 && used == 4) {
        *start = days_from_civil(y, 1, 1) * 86400;
        *end = days_from_civil(y + 1, 1, 1) * 86400;
    } else if (n == 7 && sscanf(buf, "%4d-%2d%n", &y, &m, &used) == 2 && used == 7 && m >= 1 &&
               m <= 12) {
        *start = days_from_civil(y, (unsigned)m, 1) * 86400;
        *end = m == 12 ? days_from_civil(y + 1, 1, 1) * 86400
                       : days_from_civil(y, (unsigned)m + 1, 1) * 86400;
    } else if (n == 10 && sscanf(buf, "%4d-%2d-%2d%n", &y, &m, &d, &used) == 3 && used == 10 &&
               m >= 1 && m <= 12 && d >= 1 && d <= 31) {
        *start = days_from_civil(y, (unsigned)m, (unsigned)d) * 86400;
        *end = *start + 86400;
    } else {
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (!((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '-'))
            return -1;
    return y >= 1970 && y <= 9999 ? 0 : -1;
}

/* `A`, `A..B`, `A..`, `..B`: an ingest range. */
static int parse_range(const char *v, size_t n, struct iq_filters *f)
{
    const char *dots = NULL;
    for (size_t i = 0; i + 1 < n; i++)
        if (v[i] == '.' && v[i + 1] == '.')
            dots = v + i;
    int64_t s, e;
    if (!dots) {
        if (parse_date(v, n, &s, &e))
            return -1;
        f->from = s, f->to = e;
        return 0;
    }
    size_t ln = (size_t)(dots - v), rn = n - ln - 2;
    if (ln == 0 && rn == 0)
        return -1;
    if (ln) {
        if (parse_date(v, ln, &s, &e))
            return -1;
        f->from = s;
    }
    if (rn) {
        if (parse_date(dots + 2, rn, &s, &e))
            return -1;
        f->to = e;
    }
    return f->from >= 0 && f->to >= 0 && f->from >= f->to ? -1 : 0;
}

static int valid_value(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == '"' || v[i] == '\\')
            return 0;
    return 1;
}

static int apply(const char *name, const char *v, size_t n, struct iq_filters *f, char *why,
                 size_t cap)
{
    char val[IQ_VALUE];
    if (n == 0)
        return fail(why, cap,
                    "malformed query: %s: needs a value (lang:ru, type:pdf, has:PHONE, "
                    "year:2024, date:2024-01..2024-06, source:case-117, sort:date)",
                    name);
    if (n >= IQ_VALUE - 8 || !valid_value(v, n))
        return fail(why, cap, "malformed query: the value of %s: is too long or has odd characters",
                    name);
    memcpy(val, v, n);
    val[n] = '\0';
    if (strcmp(name, "lang") == 0) {
        if (f->lang[0])
            return fail(why, cap, "malformed query: %s: given twice (use lang:ru,kk for either)",
                        name);
        /* ru,kk -> ["ru","kk"]; codes are letters, digits and '-' */
        size_t o = 0;
        f->lang[o++] = '[';
        for (size_t i = 0; i < n;) {
            size_t j = i;
            while (j < n && val[j] != ',')
                j++;
            if (j == i)
                return fail(why, cap, "malformed query: lang: has an empty code in '%s'", val);
            if (o > 1)
                f->lang[o++] = ',';
            f->lang[o++] = '"';
            for (size_t k = i; k < j; k++) {
                char c = val[k];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-'))
                    return fail(why, cap,
                                "malformed query: lang: wants language codes like ru or kk, not "
                                "'%s'",
                                val);
                f->lang[o++] = c;
            }
            f->lang[o++] = '"';
            i = j + 1;
        }
        f->lang[o++] = ']';
        f->lang[o] = '\0';
        return 0;
    }
    char *slot = strcmp(name, "type") == 0     ? f->type
                 : strcmp(name, "has") == 0    ? f->has
                 : strcmp(name, "source") == 0 ? f->source
                                               : NULL;
    if (slot) {
        if (slot[0])
            return fail(why, cap, "malformed query: %s: given twice", name);
        if (slot == f->has) {
            for (char *p = val; *p; p++)
                if (*p >= 'a' && *p <= 'z')
                    *p = (char)(*p - 32);
            if (intake_label_from_name(val) == INTAKE_LABEL_NONE && strcmp(val, "OTHER") != 0)
                return fail(why, cap,
                            "malformed query: has: unknown entity type '%s' (PERSON, PHONE, "
                            "EMAIL, NATIONAL_ID, PASSPORT, IBAN, CARD, DATE, ADDRESS, LOCATION, "
                            "IP_ADDRESS, URL, VEHICLE_PLATE, ORGANISATION)",
                            val);
        }
        memcpy(slot, val, n + 1);
        return 0;
    }
    if (strcmp(name, "year") == 0 || strcmp(name, "date") == 0) {
        if (f->from >= 0 || f->to >= 0)
            return fail(why, cap, "malformed query: %s: a second date filter", name);
        if ((name[0] == 'y' && (n != 4 && n != 10 && !(n >= 6 && strstr(val, "..")))) ||
            parse_range(val, n, f))
            return fail(why, cap,
                        name[0] == 'y'
                            ? "malformed query: year: wants a year or a range of years (year:2024, "
                              "year:2019..2023), not '%s'"
                            : "malformed query: date: wants YYYY, YYYY-MM, YYYY-MM-DD or a range "
                              "A..B, not '%s'",
                        val);
        return 0;
    }
    if (strcmp(name, "sort") == 0) {
        if (strcmp(val, "date") == 0 || strcmp(val, "new") == 0)
            f->sort = INTAKE_SORT_DATE;
        else if (strcmp(val, "relevance") == 0 || strcmp(val, "rank") == 0)
            f->sort = INTAKE_SORT_RELEVANCE;
        else
            return fail(why, cap, "malformed query: sort: is relevance or date, not '%s'", val);
        return 0;
    }
    return -1; /* not reached: names are checked by the caller */
}

static const char *const filter_names[] = {"lang", "type",   "has",  "year",
                                           "date", "source", "sort", NULL};

int iq_parse(const char *q, char *rest, size_t cap, struct iq_filters *f, char *why, size_t whycap)
{
    memset(f, 0, sizeof *f);
    f->from = f->to = -1;
    f->sort = -1;
    size_t n = strlen(q);
    if (cap < n + 1)
        return fail(why, whycap, "%s", "malformed query: too long");
    memcpy(rest, q, n + 1);
    int depth = 0;
    for (size_t i = 0; i < n;) {
        char c = q[i];
        if (c == '"') { /* a phrase: skip it ("" is an escaped quote) */
            for (i++; i < n; i++) {
                if (q[i] == '"' && i + 1 < n && q[i + 1] == '"')
                    i++;
                else if (q[i] == '"')
                    break;
            }
            i++;
            continue;
        }
        if (c == '(' || c == ')') {
            depth += c == '(' ? 1 : -1;
            i++;
            continue;
        }
        int at_start =
            i == 0 || q[i - 1] == ' ' || q[i - 1] == '\t' || q[i - 1] == '(' || q[i - 1] == '\n';
        const char *name = NULL;
        size_t nl = 0;
        for (int k = 0; at_start && filter_names[k]; k++) {
            nl = strlen(filter_names[k]);
            if (strncmp(q + i, filter_names[k], nl) == 0 && q[i + nl] == ':') {
                name = filter_names[k];
                break;
            }
        }
        if (!name) {
            i++;
            continue;
        }
        if (depth > 0)
            return fail(why, whycap,
                        "malformed query: %s: is a filter and goes outside parentheses", name);
        size_t v = i + nl + 1, e;
        const char *val = q + v;
        size_t vn;
        if (q[v] == '"') {
            e = v + 1;
            while (e < n && q[e] != '"')
                e++;
            if (e >= n)
                return fail(why, whycap, "malformed query: %s: has an unterminated \"", name);
            val = q + v + 1;
            vn = e - v - 1;
            e++;
        } else {
            e = v;
            while (e < n && q[e] != ' ' && q[e] != '\t' && q[e] != '\n' && q[e] != ')')
                e++;
            vn = e - v;
        }
        if (apply(name, val, vn, f, why, whycap))
            return -1;
        memset(rest + i, ' ', e - i);
        i = e;
    }
    return 0;
}
