/*
 * Check a detect plugin against the repository's sample documents
 * (tests/fixtures/samples/<name>.txt with <name>.expect beside it): every
 * letter (and digit, when asked) of every .expect line of the checked types
 * is covered by a span scored >= 0.5, and no DECOY line is touched. TAP
 * output through test.h; never prints sample text beyond the failing key.
 */
#ifndef INTAKE_TEST_SAMPLES_CHECK_H
#define INTAKE_TEST_SAMPLES_CHECK_H

#include <intake/intake.h>

struct samples_check {
    intake_plugin_entry_fn entry;     /* the plugin's static entry point */
    const char *dir;                  /* tests/fixtures/samples */
    const char *const *types;         /* .expect types to check, NULL-terminated */
    int digits;                       /* digits must be covered too */
    const char *const *skip_prefixes; /* left outside spans, e.g. "Mr "; NULL-terminated or NULL */
};

/** Run the checks; returns test_done()'s exit status. */
int samples_check_run(const struct samples_check *c);

#endif
