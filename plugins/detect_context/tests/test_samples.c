/*
 * detect_context over the repository's sample documents: every letter and
 * digit of every DATE and ADDRESS line of each .expect file is covered, and
 * no DECOY is touched.
 */
#include "samples_check.h"

int intake_plugin_entry_detect_context(const struct intake_host *host,
                                       const struct intake_plugin **out);

int main(void)
{
    static const char *const types[] = {"DATE", "ADDRESS", NULL};
    struct samples_check c = {.entry = intake_plugin_entry_detect_context,
                              .dir = DC_SAMPLES_DIR,
                              .types = types,
                              .digits = 1};
    return samples_check_run(&c);
}
