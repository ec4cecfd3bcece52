/*
 * plugins/extract_pdf/tests/pdf_fixtures.h: PDFs made at test time for the
 * PDF plugins' tests (extract_pdf, export_pdf). Header-only, static.
 *
 * cairo draws exact numbers of characters (the rule's edges), characters
 * whose text layer says U+E000 or U+FFFD whatever the glyph (through
 * cairo_show_text_glyphs), images of a given area, and metadata. A tiny
 * hand-written PDF with the standard security handler (RC4, revision 2)
 * stands in for an encrypted file, since cairo cannot encrypt.
 * Every text is written for these tests; the personal data is invented.
 */
#ifndef PDF_FIXTURES_H
#define PDF_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <openssl/evp.h>

/** One line of text on a page. */
struct fx_line {
    double x, y;      /* baseline start, points from the top-left */
    const char *text; /* UTF-8 */
    int bad;          /* 0: as is; 1: every glyph's text is U+E000; 2: U+FFFD */
};

/** A page: size, lines, and optionally a gray image covering a fraction of it. */
struct fx_page {
    double w, h;
    const struct fx_line *lines;
    int nlines;
    double image_frac; /* side of a square image as a fraction of the page width/height */
    double font_size;  /* 0 = 11 */
};

/* Draw \p text at the current point; with bad != 0 every glyph's text in
 * the PDF's ToUnicode map is one private-use or replacement character. */
static void fx_show(cairo_t *cr, const char *text, int bad)
{
    if (!bad) {
        cairo_show_text(cr, text);
        return;
    }
    double x, y;
    cairo_get_current_point(cr, &x, &y);
    cairo_glyph_t *g = NULL;
    int ng = 0;
    cairo_text_cluster_t *cl = NULL;
    int nc = 0;
    cairo_text_cluster_flags_t fl = 0;
    cairo_scaled_font_text_to_glyphs(cairo_get_scaled_font(cr), x, y, text, (int)strlen(text), &g,
                                     &ng, &cl, &nc, &fl);
    const char *one = bad == 1 ? "\xee\x80\x80" : "\xef\xbf\xbd"; /* U+E000 : U+FFFD */
    size_t n = (size_t)ng * 3;
    char *u = malloc(n + 1);
    cairo_text_cluster_t *c = malloc(sizeof *c * (size_t)(ng ? ng : 1));
    for (int i = 0; i < ng; i++) {
        memcpy(u + 3 * i, one, 3);
        c[i].num_bytes = 3;
        c[i].num_glyphs = 1;
    }
    cairo_show_text_glyphs(cr, u, (int)n, g, ng, c, ng, 0);
    free(u);
    free(c);
    cairo_glyph_free(g);
    cairo_text_cluster_free(cl);
}

/** Write a PDF of \p npages pages to \p path; title/author may be NULL. 0 on success. */
static int fx_make_pdf(const char *path, const struct fx_page *pages, int npages, const char *title,
                       const char *author)
{
    cairo_surface_t *s = cairo_pdf_surface_create(path, pages[0].w, pages[0].h);
    if (cairo_surface_status(s))
        return -1;
    if (title)
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title);
    if (author)
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_AUTHOR, author);
    cairo_t *cr = cairo_create(s);
    for (int p = 0; p < npages; p++) {
        const struct fx_page *pg = &pages[p];
        cairo_pdf_surface_set_size(s, pg->w, pg->h);
        if (pg->image_frac > 0) {
            int iw = (int)(pg->w * pg->image_frac), ih = (int)(pg->h * pg->image_frac);
            cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, iw, ih);
            cairo_t *ic = cairo_create(img);
            cairo_set_source_rgb(ic, 0.6, 0.6, 0.6);
            cairo_paint(ic);
            cairo_destroy(ic);
            cairo_set_source_surface(cr, img, pg->w - iw, pg->h - ih);
            cairo_paint(cr);
            cairo_surface_destroy(img);
        }
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                               CAIRO_FONT_WEIGHT_NORMAL);
        cairo_set_font_size(cr, pg->font_size > 0 ? pg->font_size : 11);
        for (int i = 0; i < pg->nlines; i++) {
            cairo_move_to(cr, pg->lines[i].x, pg->lines[i].y);
            fx_show(cr, pg->lines[i].text, pg->lines[i].bad);
        }
        cairo_show_page(cr);
    }
    cairo_destroy(cr);
    cairo_surface_finish(s);
    int rc = cairo_surface_status(s) ? -1 : 0;
    cairo_surface_destroy(s);
    return rc;
}

/** \p n characters of ASCII letters in words of \p word letters separated by
 *  spaces (0: one word). */
static inline char *fx_letters(int n, int word)
{
    char *s = malloc((size_t)n * 2 + 2), *p = s;
    for (int i = 0; i < n; i++) {
        if (word && i && i % word == 0)
            *p++ = ' ';
        *p++ = (char)('a' + i % 26);
    }
    *p = '\0';
    return s;
}

/* ---- an encrypted PDF (standard security handler, RC4 40-bit, R2) ---- */

static void fx_rc4(const unsigned char *key, size_t klen, unsigned char *buf, size_t n)
{
    unsigned char S[256];
    for (int i = 0; i < 256; i++)
        S[i] = (unsigned char)i;
    for (int i = 0, j = 0; i < 256; i++) {
        j = (j + S[i] + key[i % klen]) & 255;
        unsigned char t = S[i];
        S[i] = S[j];
        S[j] = t;
    }
    for (size_t k = 0, i = 0, j = 0; k < n; k++) {
        i = (i + 1) & 255;
        j = (j + S[i]) & 255;
        unsigned char t = S[i];
        S[i] = S[j];
        S[j] = t;
        buf[k] ^= S[(S[i] + S[j]) & 255];
    }
}

static void fx_md5(const unsigned char *a, size_t n, unsigned char out[16])
{
    unsigned int len = 16;
    EVP_Digest(a, n, out, &len, EVP_md5(), NULL);
}

static const unsigned char fx_pad[32] = {
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A};

static void fx_padpw(const char *pw, unsigned char out[32])
{
    size_t n = strlen(pw) > 32 ? 32 : strlen(pw);
    memcpy(out, pw, n);
    memcpy(out + n, fx_pad, 32 - n);
}

static void fx_hex(FILE *f, const unsigned char *b, size_t n)
{
    fputc('<', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02X", b[i]);
    fputc('>', f);
}

/**
 * Write a one-page PDF whose content stream draws \p text (ASCII, no
 * parentheses) in Helvetica, encrypted with user password \p user.
 * 0 on success.
 */
static inline int fx_make_encrypted_pdf(const char *path, const char *user, const char *owner,
                                        const char *text)
{
    unsigned char upad[32], opad[32], okey[16], O[32], U[32], key[16], id[16];
    const int32_t P = -44;
    for (int i = 0; i < 16; i++)
        id[i] = (unsigned char)(i * 17 + 3);
    fx_padpw(user, upad);
    fx_padpw(owner, opad);
    fx_md5(opad, 32, okey);
    memcpy(O, upad, 32);
    fx_rc4(okey, 5, O, 32);
    unsigned char kin[32 + 32 + 4 + 16];
    memcpy(kin, upad, 32);
    memcpy(kin + 32, O, 32);
    for (int i = 0; i < 4; i++)
        kin[64 + i] = (unsigned char)(((uint32_t)P >> (8 * i)) & 0xff);
    memcpy(kin + 68, id, 16);
    fx_md5(kin, sizeof kin, key);
    memcpy(U, fx_pad, 32);
    fx_rc4(key, 5, U, 32);

    char content[512];
    int clen = snprintf(content, sizeof content, "BT /F1 14 Tf 20 150 Td (%s) Tj ET", text);
    unsigned char okin[10], ok[16];
    memcpy(okin, key, 5);
    okin[5] = 4, okin[6] = 0, okin[7] = 0, okin[8] = 0, okin[9] = 0; /* object 4, gen 0 */
    fx_md5(okin, 10, ok);
    fx_rc4(ok, 10, (unsigned char *)content, (size_t)clen);

    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    long off[7];
    fprintf(f, "%%PDF-1.4\n");
    off[1] = ftell(f);
    fprintf(f, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    off[2] = ftell(f);
    fprintf(f, "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
    off[3] = ftell(f);
    fprintf(f, "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
               "/Resources << /Font << /F1 5 0 R >> >> >>\nendobj\n");
    off[4] = ftell(f);
    fprintf(f, "4 0 obj\n<< /Length %d >>\nstream\n", clen);
    fwrite(content, 1, (size_t)clen, f);
    fprintf(f, "\nendstream\nendobj\n");
    off[5] = ftell(f);
    fprintf(f, "5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n");
    off[6] = ftell(f);
    fprintf(f, "6 0 obj\n<< /Filter /Standard /V 1 /R 2 /O ");
    fx_hex(f, O, 32);
    fprintf(f, " /U ");
    fx_hex(f, U, 32);
    fprintf(f, " /P %d >>\nendobj\n", (int)P);
    long xref = ftell(f);
    fprintf(f, "xref\n0 7\n0000000000 65535 f \n");
    for (int i = 1; i < 7; i++)
        fprintf(f, "%010ld 00000 n \n", off[i]);
    fprintf(f, "trailer\n<< /Size 7 /Root 1 0 R /Encrypt 6 0 R /ID [");
    fx_hex(f, id, 16);
    fx_hex(f, id, 16);
    fprintf(f, "] >>\nstartxref\n%ld\n%%%%EOF\n", xref);
    return fclose(f);
}

/** Read a whole file (malloc'ed, NUL-terminated); NULL on failure. */
static char *fx_slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap + 1);
    while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, (cap *= 2) + 1);
    }
    fclose(fp);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static int fx_contains(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; n >= m && i <= n - m; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

#endif
