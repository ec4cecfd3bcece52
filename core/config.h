/*
 * core/config.h: INI configuration (parsed with inih) and option tables.
 *
 * Every section is kept with the line it started on and each key's line,
 * so errors can name file, line and section. Option tables (option.h)
 * validate a section and fill a plugin's config struct.
 */
#ifndef INTAKE_CORE_CONFIG_H
#define INTAKE_CORE_CONFIG_H

#include <stddef.h>

#include <intake/error.h>
#include <intake/option.h>

struct intake_cfg_entry {
    char *key;
    char *value; /* after ${VAR} expansion */
    int line;
};

struct intake_cfg_section {
    char *name;
    int line;
    struct intake_cfg_entry *entries;
    size_t nentries;
};

struct intake_config {
    char *path; /* file name used in messages */
    struct intake_cfg_section *sections;
    size_t nsections;
};

/** Parse a file, or \p text when not NULL (reported as \p path). INTAKE_ECONFIG on error. */
int intake_config_parse(const char *path, const char *text, struct intake_config **out,
                        struct intake_error *err);
void intake_config_destroy(struct intake_config *cfg);
/** Set \p key in \p sec to \p value (copied), replacing what the file said:
 *  command-line options that map onto plugin options. Line 0 = not from the file. */
int intake_config_override(struct intake_cfg_section *sec, const char *key, const char *value);

const struct intake_cfg_section *intake_config_section(const struct intake_config *cfg,
                                                       const char *name);
/** The entry for \p key in \p sec, or NULL. */
const struct intake_cfg_entry *intake_cfg_get(const struct intake_cfg_section *sec,
                                              const char *key);

/**
 * Validate \p sec against \p options and fill \p out (a zeroed struct of the
 * plugin's config_size). Keys in \p core_keys (NULL-terminated) are skipped.
 * Unknown keys, bad values, missing required options: INTAKE_ECONFIG with
 * "FILE:LINE: [section] ...". Free what it allocated with intake_options_clear().
 */
int intake_options_apply(const struct intake_config *cfg, const struct intake_cfg_section *sec,
                         const struct intake_option *options, const char *const *core_keys,
                         void *out, struct intake_error *err);
void intake_options_clear(const struct intake_option *options, void *out);

/** Value parsers shared with the policy code; 0 on success. */
int intake_parse_bool(const char *s, int *out);
int intake_parse_size(const char *s, long long *out);
int intake_parse_duration_ms(const char *s, long long *out);

#endif
