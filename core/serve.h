/*
 * core/serve.h: `intake serve`, the researchers' web page and JSON API over
 * a redacted store (read-only).
 */
#ifndef INTAKE_SERVE_H
#define INTAKE_SERVE_H

#include <stddef.h>

/** A file compiled into the binary (core/web/, by core/web/embed.py). */
struct intake_web_asset {
    const char *path; /* "/static/style.css" */
    const char *mime;
    const unsigned char *data;
    size_t len;
};
extern const struct intake_web_asset intake_web_assets[]; /* {NULL}-terminated */

/** `intake serve [--store DIR] [--config FILE] [--listen HOST:PORT] [--token FILE]`:
 *  \return the process exit code. */
int intake_serve_main(int argc, char **argv, const char *default_config);

#endif
