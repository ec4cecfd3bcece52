/*
 * intake: error values shared by the core and plugins.
 *
 * Functions return an enum intake_status (0 = OK, negative = error) and fill a
 * caller-provided struct intake_error. Messages never contain document
 * content: only ids, offsets, labels, counts and instance names.
 *
 * Everything here is header-only so that plugins never link core symbols.
 */
#ifndef INTAKE_ERROR_H
#define INTAKE_ERROR_H

#include <stdarg.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Status codes. PipeWire-style sign: 0 is success, errors are negative. */
enum intake_status {
    INTAKE_OK = 0,
    INTAKE_ENOMEM = -1,
    INTAKE_EINVAL = -2,    /* misuse of an API */
    INTAKE_EIO = -3,       /* reading or writing a file failed */
    INTAKE_EFORMAT = -4,   /* unsupported or corrupt input document: quarantine */
    INTAKE_ECONFIG = -5,   /* bad configuration: refuse to start */
    INTAKE_EABI = -6,      /* plugin/host ABI mismatch: refuse to start */
    INTAKE_ETIMEOUT = -7,  /* a deadline passed: quarantine */
    INTAKE_ERETRY = -8,    /* transient, e.g. SQLITE_BUSY: retry */
    INTAKE_EINTERNAL = -9, /* bug or broken library */
    INTAKE_ENOSPC = -10    /* the store's file system is full: not the document's fault;
                              the document stays queued (ABI 1.2) */
};

/** Per-call error details. Thread-safe because each call has its own. */
struct intake_error {
    int code;         /* an enum intake_status */
    int line;         /* source line that set it, for debugging */
    const char *file; /* source file that set it (static string) */
    char msg[256];    /* one line, no document content */
};

#if defined(__GNUC__)
#define INTAKE_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define INTAKE_PRINTF(fmt, args)
#endif

/** Static text for a status code, like sqlite3_errstr(). Never NULL. */
static inline const char *intake_strerror(int code)
{
    switch (code) {
    case INTAKE_OK: return "ok";
    case INTAKE_ENOMEM: return "out of memory";
    case INTAKE_EINVAL: return "invalid argument";
    case INTAKE_EIO: return "input/output error";
    case INTAKE_EFORMAT: return "unsupported or corrupt document";
    case INTAKE_ECONFIG: return "configuration error";
    case INTAKE_EABI: return "plugin ABI mismatch";
    case INTAKE_ETIMEOUT: return "deadline exceeded";
    case INTAKE_ERETRY: return "temporary failure";
    case INTAKE_EINTERNAL: return "internal error";
    case INTAKE_ENOSPC: return "no space left in the store";
    default: return "unknown error";
    }
}

/** Fill \p err (may be NULL) and return \p code; the one spot to break on. */
INTAKE_PRINTF(5, 0)
static inline int intake_error_vset(struct intake_error *err, int code, const char *file, int line,
                                    const char *fmt, va_list ap)
{
    if (err) {
        err->code = code;
        err->file = file;
        err->line = line;
        if (fmt)
            vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        else
            snprintf(err->msg, sizeof err->msg, "%s", intake_strerror(code));
    }
    return code;
}

INTAKE_PRINTF(5, 6)
static inline int intake_error_set(struct intake_error *err, int code, const char *file, int line,
                                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    intake_error_vset(err, code, file, line, fmt, ap);
    va_end(ap);
    return code;
}

/** Reset \p err to "no error". */
static inline void intake_error_clear(struct intake_error *err)
{
    if (err) {
        err->code = INTAKE_OK;
        err->line = 0;
        err->file = NULL;
        err->msg[0] = '\0';
    }
}

/** Set an error with file and line; evaluates to \p code. */
#define INTAKE_ERR(err, code, ...) intake_error_set((err), (code), __FILE__, __LINE__, __VA_ARGS__)

/** Guard a public entry point against misuse instead of crashing. */
#define intake_return_val_if_fail(expr, val)                                                       \
    do {                                                                                           \
        if (!(expr))                                                                               \
            return (val);                                                                          \
    } while (0)

#ifdef __cplusplus
}
#endif
#endif /* INTAKE_ERROR_H */
