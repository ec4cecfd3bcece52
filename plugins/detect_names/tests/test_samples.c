/*
 * detect_names over the repository's sample documents: every letter of every
 * PERSON line of each .expect file is covered (a title before a name stays
 * in the text: "Mr Valko" -> "Mr [PERSON-1]"), and no DECOY is touched.
 */
#include "samples_check.h"

int intake_plugin_entry_detect_names(const struct intake_host *host,
                                     const struct intake_plugin **out);

int main(void)
{
    static const char *const types[] = {"PERSON", NULL};
    static const char *const titles[] = {"Mr ", "Mrs ", "Ms ", "Dr ", NULL};
    struct samples_check c = {.entry = intake_plugin_entry_detect_names,
                              .dir = DN_SAMPLES_DIR,
                              .types = types,
                              .skip_prefixes = titles};
    return samples_check_run(&c);
}
