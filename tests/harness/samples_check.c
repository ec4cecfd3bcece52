/* tests/harness/samples_check.c: see samples_check.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"
#include "samples_check.h"
#include "test.h"

static const char *const samples[] = {"en-judgment",  "en-witness", "kk-report", "ky-statement",
                                      "ru-statement", "ru-verdict", "tk-report", "uz-statement"};

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b) {
        *len = fread(b, 1, (size_t)n, f);
        b[*len] = '\0';
    }
    fclose(f);
    return b;
}

/* Byte \p i is covered by a span of score >= 0.5. */
static int covered(const struct intake_span *sp, size_t n, size_t i)
{
    for (size_t k = 0; k < n; k++)
        if (sp[k].score >= 0.5f && sp[k].start <= i && i < sp[k].end)
            return 1;
    return 0;
}

static int must_cover(unsigned char c, int digits)
{
    return c >= 0x80 || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
           (digits && c >= '0' && c <= '9');
}

int samples_check_run(const struct samples_check *c)
{
    const struct intake_plugin *p;
    struct intake_error err;
    intake_error_clear(&err);
    void *in = NULL, *wk = NULL;
    if (!TEST_OK(harness_load(c->entry, &p) == INTAKE_OK &&
                     p->cb_init(harness_host(), NULL, NULL, &in, &err) == INTAKE_OK &&
                     p->cb_worker_init(in, &wk, &err) == INTAKE_OK,
                 "plugin loads with the default data_dir"))
        return test_done();
    for (size_t s = 0; s < sizeof samples / sizeof samples[0]; s++) {
        char path[1024];
        size_t tl = 0, el = 0;
        snprintf(path, sizeof path, "%s/%s.txt", c->dir, samples[s]);
        char *text = slurp(path, &tl);
        snprintf(path, sizeof path, "%s/%s.expect", c->dir, samples[s]);
        char *exp = slurp(path, &el);
        if (!TEST_OK(text && exp, "%s: sample and expect readable", samples[s])) {
            free(text);
            free(exp);
            continue;
        }
        struct intake_doc *d = harness_doc_create(text, tl);
        TEST_OK(p->cb_process(in, wk, d, &err) == INTAKE_OK, "%s: processed", samples[s]);
        size_t ns;
        const struct intake_span *sp = harness_doc_spans(d, &ns);
        char *save = NULL;
        for (char *line = strtok_r(exp, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            char *tab = strchr(line, '\t');
            if (!tab)
                continue;
            *tab = '\0';
            int person = 0, decoy = strcmp(line, "DECOY") == 0;
            for (const char *const *t = c->types; *t && !person; t++)
                person = strcmp(line, *t) == 0;
            if (!person && !decoy)
                continue;
            const char *type = line, *what = tab + 1;
            size_t skip = 0;
            for (const char *const *t = c->skip_prefixes; person && t && *t; t++)
                if (strncmp(what, *t, strlen(*t)) == 0)
                    skip = strlen(*t);
            size_t wl = strlen(what);
            int found = 0, ok = 1;
            for (const char *q = strstr(text, what); q; q = strstr(q + 1, what)) {
                found++;
                size_t off = (size_t)(q - text);
                for (size_t b = skip; b < wl; b++) {
                    int cov = covered(sp, ns, off + b);
                    if (person && must_cover((unsigned char)what[b], c->digits) && !cov)
                        ok = 0;
                    if (decoy && cov)
                        ok = 0;
                }
            }
            /* never print the sample text itself beyond the expect key */
            TEST_OK(found && ok, "%s: %s line %zu bytes %s", samples[s], type, wl,
                    ok ? "ok" : (person ? "missed" : "eaten"));
            if (!ok)
                printf("#   %s\n", what);
        }
        harness_doc_destroy(d);
        free(text);
        free(exp);
    }
    p->cb_worker_exit(in, wk);
    p->cb_exit(in);
    return test_done();
}
