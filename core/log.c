/* core/log.c: one line per message on stderr, written with a single write(2)
 * so lines from several worker processes never interleave. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "doc.h"

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};
static int core_level = INTAKE_LOG_INFO; /* set once by main before any fork */

int intake_log_level_parse(const char *s)
{
    for (int i = 0; i < 5; i++)
        if (s && strcmp(s, level_names[i]) == 0)
            return i;
    return -1;
}

const char *intake_log_level_name(int level)
{
    return level >= 0 && level < 5 ? level_names[level] : "?";
}

void intake_log_set_level(int level)
{
    core_level = level;
}
int intake_log_get_level(void)
{
    return core_level;
}

static int json_lines; /* `intake watch`: one JSON object per line */

void intake_log_set_json(int on)
{
    json_lines = on;
}

/* \p text is "intake: <level>: [src] doc=... message": as JSON, the same
 * line becomes {"ts":...,"level":...,"msg":...} with the text escaped. */
static int to_json(char *out, size_t cap, int level, const char *text)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int n = snprintf(out, cap, "{\"ts\":%lld.%03ld,\"level\":\"%s\",\"msg\":\"",
                     (long long)ts.tv_sec, ts.tv_nsec / 1000000, intake_log_level_name(level));
    if (n < 0 || (size_t)n >= cap)
        return -1;
    size_t o = (size_t)n;
    for (const unsigned char *c = (const unsigned char *)text; *c && o + 8 < cap; c++) {
        if (*c == '"' || *c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)*c;
        } else if (*c < 0x20) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", *c);
        } else {
            out[o++] = (char)*c;
        }
    }
    out[o++] = '"';
    out[o++] = '}';
    return (int)o;
}

static void emit(int level, const char *prefix, const char *fmt, va_list ap)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "%s", prefix);
    if (n < 0)
        return;
    if ((size_t)n < sizeof line) {
        int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
        if (m > 0)
            n += m;
    }
    if ((size_t)n >= sizeof line - 1)
        n = (int)sizeof line - 2;
    char js[2200];
    if (json_lines) {
        line[n] = '\0';
        const char *msg = line;
        /* The "intake: <level>: " part is in the fields already. */
        const char *p = strchr(line, ':');
        if (p && (p = strchr(p + 1, ':')) && p[1] == ' ')
            msg = p + 2;
        int jn = to_json(js, sizeof js - 1, level, msg);
        if (jn > 0) {
            js[jn++] = '\n';
            ssize_t w = write(STDERR_FILENO, js, (size_t)jn);
            (void)w;
            return;
        }
    }
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}

void intake_log_plugin(const struct intake_context *ctx, const struct intake_doc *doc, int level,
                       const char *fmt, ...)
{
    if (!ctx || level > ctx->level)
        return;
    char prefix[256];
    const char *id = doc ? intake_doc_id(doc) : NULL;
    snprintf(prefix, sizeof prefix, "intake: %s: [%s:%s]%s%.12s ", intake_log_level_name(level),
             ctx->type, ctx->name, id ? " doc=" : "", id ? id : "");
    va_list ap;
    va_start(ap, fmt);
    emit(level, prefix, fmt, ap);
    va_end(ap);
}

void intake_log(int level, const char *fmt, ...)
{
    if (level > core_level)
        return;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "intake: %s: ", intake_log_level_name(level));
    va_list ap;
    va_start(ap, fmt);
    emit(level, prefix, fmt, ap);
    va_end(ap);
}
