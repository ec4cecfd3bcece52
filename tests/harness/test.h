/*
 * tests/harness/test.h: a tiny TAP producer for meson's `protocol: 'tap'`.
 *
 *   TEST_OK(cond, "name %d", i);
 *   TEST_EQ_INT(got, want, "name");
 *   TEST_EQ_STR(got, want, "name");
 *   return test_done();
 *
 * The plan is printed at the end ("1..N"), which TAP allows.
 */
#ifndef INTAKE_TEST_H
#define INTAKE_TEST_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int test_count_;
static int test_failed_;

__attribute__((format(printf, 4, 5))) static inline int test_report_(int ok, const char *file,
                                                                     int line, const char *fmt, ...)
{
    va_list ap;
    test_count_++;
    printf("%s %d - ", ok ? "ok" : "not ok", test_count_);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!ok) {
        test_failed_++;
        printf("#   failed at %s:%d\n", file, line);
    }
    fflush(stdout);
    return ok;
}

#define TEST_OK(cond, ...) test_report_(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define TEST_EQ_INT(got, want, ...)                                                                \
    do {                                                                                           \
        long long g_ = (long long)(got), w_ = (long long)(want);                                   \
        if (!TEST_OK(g_ == w_, __VA_ARGS__))                                                       \
            printf("#   got %lld, want %lld\n", g_, w_);                                           \
    } while (0)

#define TEST_EQ_STR(got, want, ...)                                                                \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        int same_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;                                   \
        if (!TEST_OK(same_, __VA_ARGS__))                                                          \
            printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)");       \
    } while (0)

/** Print a diagnostic line (TAP comment). */
#define TEST_NOTE(...)                                                                             \
    do {                                                                                           \
        printf("# ");                                                                              \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
    } while (0)

/** \p s with its line breaks written as \\n, for a TAP description (a TAP
 *  line is one line). Static buffer: one call per printf. */
static inline const char *test_oneline(const char *s)
{
    static char buf[512];
    size_t o = 0;
    for (; *s && o + 3 < sizeof buf; s++) {
        if (*s == '\n') {
            buf[o++] = '\\';
            buf[o++] = 'n';
        } else {
            buf[o++] = *s;
        }
    }
    buf[o] = '\0';
    return buf;
}

static inline int test_done(void)
{
    printf("1..%d\n", test_count_);
    return test_failed_ ? 1 : 0;
}

#endif
