/*
 * plugins/extract_image/extract_image.c: raster images as image pages.
 *
 * PNG, JPEG, TIFF (every page), BMP, WebP and GIF (first frame: Leptonica
 * returns no other) are decoded with Leptonica and handed to the core one
 * page per frame through host->doc_add_image_page, as 8-bit gray or RGB;
 * other depths and colormaps are converted, alpha is flattened onto white,
 * the resolution is kept. The OCR stage reads the text from them.
 *
 * Decompression bombs: the dimensions and the number of pages are read from
 * the headers BEFORE anything is decoded (Leptonica's header readers for
 * PNG, JPEG and WebP; our own bounded parsers for TIFF, BMP and GIF, whose
 * Leptonica "header" readers decode the whole file), and a file over
 * max_pixels per page, max_pages or max_total_pixels is refused with
 * INTAKE_EFORMAT and a reason: the core quarantines it.
 *
 * Metadata (EXIF, XMP, ICC, comments, TIFF tags) never reaches the store:
 * only pixels and the resolution are passed on.
 *
 * Lifetimes: the instance (limits) is read-only after cb_init; there is no
 * worker state. Leptonica's own messages go to stderr and carry no pixels.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>

#include <intake/intake.h>

#define EXTRACT_IMAGE_VERSION "0.1.0"

struct extract_image_config {
    int64_t max_pixels;       /* per page */
    int64_t max_pages;        /* per file */
    int64_t max_total_pixels; /* per file, all pages */
};

static const struct intake_option extract_image_options[] = {
    {INTAKE_OPT_INT, "max_pixels", "100000000", 0,
     offsetof(struct extract_image_config, max_pixels),
     "largest page in pixels (width x height); checked in the header before decoding", 1, 4e9},
    {INTAKE_OPT_INT, "max_pages", "500", 0, offsetof(struct extract_image_config, max_pages),
     "most pages (TIFF directories, GIF frames) in one file; checked before decoding", 1, 1e6},
    {INTAKE_OPT_INT, "max_total_pixels", "1000000000", 0,
     offsetof(struct extract_image_config, max_total_pixels),
     "most pixels over all pages of one file (the page images stay in memory; keep it "
     "below [pipeline] memory_limit)",
     1, 1e12},
    {0},
};

static const char *const extract_image_mimes[] = {
    "image/png",      "image/jpeg", "image/tiff", "image/bmp",
    "image/x-ms-bmp", "image/webp", "image/gif",  NULL,
};

struct extract_image_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    uint64_t max_pixels, max_pages, max_total_pixels;
};

/* What the headers say: page count and the largest page, before decoding. */
struct image_header {
    int format;          /* Leptonica IFF_* */
    uint64_t pages;      /* frames or directories */
    uint64_t max_pixels; /* of the largest page */
    uint64_t total;      /* over all pages */
};

/* ------------------------------------------------------------------ */
/* header parsers for the formats Leptonica decodes to read a header  */
/* ------------------------------------------------------------------ */

static uint32_t rd16(const unsigned char *p, int be)
{
    return be ? (uint32_t)p[0] << 8 | p[1] : (uint32_t)p[1] << 8 | p[0];
}
static uint32_t rd32(const unsigned char *p, int be)
{
    return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
              : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* One value of a SHORT or LONG TIFF tag entry (12 bytes). 0 when absent or odd. */
static uint64_t tiff_entry_value(const unsigned char *e, int be)
{
    uint32_t type = rd16(e + 2, be), count = rd32(e + 4, be);
    if (count != 1)
        return 0;
    if (type == 3) /* SHORT */
        return rd16(e + 8, be);
    if (type == 4) /* LONG */
        return rd32(e + 8, be);
    return 0;
}

/*
 * Walk the IFD chain of a classic TIFF: count directories and read each
 * one's ImageWidth/ImageLength. Bounded by max_pages + 1 directories and by
 * the file size; a loop, a directory out of bounds, BigTIFF or a page
 * without dimensions is a refusal (fail closed).
 */
static int tiff_header(const unsigned char *b, size_t n, uint64_t max_pages, struct image_header *h,
                       struct intake_error *err)
{
    if (n < 8 || !((b[0] == 'I' && b[1] == 'I') || (b[0] == 'M' && b[1] == 'M')))
        return INTAKE_ERR(err, INTAKE_EFORMAT, "TIFF: bad header");
    int be = b[0] == 'M';
    if (rd16(b + 2, be) != 42)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "TIFF: BigTIFF or bad version is not supported");
    uint64_t off = rd32(b + 4, be);
    uint64_t prev = 0;
    while (off != 0) {
        /* IFDs must move forward: no cycles, and the walk is bounded. */
        if (off <= prev || off + 2 > n)
            return INTAKE_ERR(err, INTAKE_EFORMAT, "TIFF: directory chain is damaged");
        if (h->pages >= max_pages)
            return INTAKE_ERR(err, INTAKE_EFORMAT, "TIFF: more than %llu pages (max_pages)",
                              (unsigned long long)max_pages);
        uint32_t cnt = rd16(b + off, be);
        if (off + 2 + (uint64_t)cnt * 12 + 4 > n)
            return INTAKE_ERR(err, INTAKE_EFORMAT, "TIFF: directory out of bounds");
        uint64_t w = 0, hgt = 0;
        for (uint32_t i = 0; i < cnt; i++) {
            const unsigned char *e = b + off + 2 + (uint64_t)i * 12;
            uint32_t tag = rd16(e, be);
            if (tag == 256)
                w = tiff_entry_value(e, be);
            else if (tag == 257)
                hgt = tiff_entry_value(e, be);
        }
        if (!w || !hgt)
            return INTAKE_ERR(err, INTAKE_EFORMAT, "TIFF: page %llu has no dimensions",
                              (unsigned long long)h->pages + 1);
        uint64_t px = w * hgt;
        if (px > h->max_pixels)
            h->max_pixels = px;
        h->total += px;
        h->pages++;
        prev = off;
        off = rd32(b + off + 2 + (uint64_t)cnt * 12, be);
    }
    if (!h->pages)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "TIFF: no pages");
    return INTAKE_OK;
}

/* BMP: BITMAPINFOHEADER (or later) width and height; height < 0 is top-down. */
static int bmp_header(const unsigned char *b, size_t n, struct image_header *h,
                      struct intake_error *err)
{
    if (n < 26 || b[0] != 'B' || b[1] != 'M')
        return INTAKE_ERR(err, INTAKE_EFORMAT, "BMP: bad header");
    uint32_t hsize = rd32(b + 14, 0);
    uint64_t w, hgt;
    if (hsize == 12) { /* OS/2 BITMAPCOREHEADER: 16-bit sizes */
        w = rd16(b + 18, 0);
        hgt = rd16(b + 20, 0);
    } else if (hsize >= 40) {
        int32_t sw = (int32_t)rd32(b + 18, 0), sh = (int32_t)rd32(b + 22, 0);
        if (sw <= 0 || sh == INT32_MIN)
            return INTAKE_ERR(err, INTAKE_EFORMAT, "BMP: bad dimensions");
        w = (uint64_t)sw;
        hgt = (uint64_t)(sh < 0 ? -(int64_t)sh : sh);
    } else {
        return INTAKE_ERR(err, INTAKE_EFORMAT, "BMP: unknown header");
    }
    h->pages = 1;
    h->max_pixels = h->total = w * hgt;
    return INTAKE_OK;
}

/*
 * GIF: the logical screen and every image descriptor, walking the block
 * structure without decoding: giflib (under Leptonica) slurps every frame,
 * so frames and their sizes are checked here first.
 */
static int gif_header(const unsigned char *b, size_t n, uint64_t max_pages, struct image_header *h,
                      struct intake_error *err)
{
    if (n < 13 || memcmp(b, "GIF", 3) != 0)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "GIF: bad header");
    uint64_t sw = rd16(b + 6, 0), sh = rd16(b + 8, 0);
    h->max_pixels = sw * sh;
    size_t p = 13;
    if (b[10] & 0x80)
        p += (size_t)3 << ((b[10] & 7) + 1); /* global color table */
    while (p < n) {
        unsigned char c = b[p++];
        if (c == 0x3B) /* trailer */
            break;
        if (c == 0x21) { /* extension: label, then sub-blocks */
            if (p >= n)
                break;
            p++;
        } else if (c == 0x2C) { /* image descriptor */
            if (p + 9 > n)
                break;
            uint64_t px = (uint64_t)rd16(b + p + 4, 0) * rd16(b + p + 6, 0);
            if (px > h->max_pixels)
                h->max_pixels = px;
            h->total += px;
            if (++h->pages > max_pages)
                return INTAKE_ERR(err, INTAKE_EFORMAT, "GIF: more than %llu frames (max_pages)",
                                  (unsigned long long)max_pages);
            unsigned char flags = b[p + 8];
            p += 9;
            if (flags & 0x80)
                p += (size_t)3 << ((flags & 7) + 1); /* local color table */
            p++;                                     /* LZW minimum code size */
        } else {
            return INTAKE_ERR(err, INTAKE_EFORMAT, "GIF: damaged block structure");
        }
        while (p < n && b[p] != 0) /* data sub-blocks */
            p += (size_t)b[p] + 1;
        p++;
    }
    if (!h->pages)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "GIF: no image");
    return INTAKE_OK;
}

/* Read the headers and check the limits; nothing is decoded. */
static int check_header(const struct extract_image_instance *in, const unsigned char *b, size_t n,
                        struct image_header *h, struct intake_error *err)
{
    memset(h, 0, sizeof *h);
    if (n < 12)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "image: file too short");
    l_int32 fmt = IFF_UNKNOWN;
    if (findFileFormatBuffer(b, &fmt) != 0)
        fmt = IFF_UNKNOWN;
    h->format = fmt;
    int rc = INTAKE_OK;
    switch (fmt) {
    case IFF_PNG:
    case IFF_JFIF_JPEG:
    case IFF_WEBP: {
        l_int32 f = 0, w = 0, hh = 0, bps = 0, spp = 0, cmap = 0;
        if (pixReadHeaderMem(b, n, &f, &w, &hh, &bps, &spp, &cmap) != 0 || w <= 0 || hh <= 0)
            return INTAKE_ERR(err, INTAKE_EFORMAT, "image: unreadable header");
        h->pages = 1;
        h->max_pixels = h->total = (uint64_t)w * (uint64_t)hh;
        break;
    }
    case IFF_BMP: rc = bmp_header(b, n, h, err); break;
    case IFF_GIF: rc = gif_header(b, n, in->max_pages, h, err); break;
    default:
        if (!L_FORMAT_IS_TIFF(fmt))
            return INTAKE_ERR(err, INTAKE_EFORMAT, "image: unsupported format");
        rc = tiff_header(b, n, in->max_pages, h, err);
    }
    if (rc)
        return rc;
    if (h->pages > in->max_pages)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "image: %llu pages, more than max_pages %llu",
                          (unsigned long long)h->pages, (unsigned long long)in->max_pages);
    if (h->max_pixels > in->max_pixels)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "image: a page of %llu pixels is larger than max_pixels %llu "
                          "(decompression bomb?)",
                          (unsigned long long)h->max_pixels, (unsigned long long)in->max_pixels);
    if (h->total > in->max_total_pixels)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "image: %llu pixels over all pages, more than max_total_pixels %llu",
                          (unsigned long long)h->total, (unsigned long long)in->max_total_pixels);
    return INTAKE_OK;
}

/* ------------------------------------------------------------------ */
/* pixels                                                             */
/* ------------------------------------------------------------------ */

/* Any Leptonica pix -> 8-bit gray or 32-bit RGB without colormap or alpha.
 * Returns a new pix (the caller destroys both). */
static PIX *normalise(PIX *pix)
{
    PIX *a = NULL, *b = NULL;
    if (pixGetColormap(pix))
        pix = a = pixRemoveColormap(pix, REMOVE_CMAP_BASED_ON_SRC);
    if (!pix)
        return NULL;
    int d = pixGetDepth(pix);
    if (d == 32) {
        /* Transparent areas become white paper, not black. */
        b = pixGetSpp(pix) == 4 ? pixAlphaBlendUniform(pix, 0xffffff00) : pixCopy(NULL, pix);
        if (b)
            pixSetSpp(b, 3);
    } else if (d == 8) {
        b = pixCopy(NULL, pix);
    } else {
        b = pixConvertTo8(pix, 0);
    }
    pixDestroy(&a);
    return b;
}

/* Hand one normalised pix to the core as an image page. */
static int add_page(const struct extract_image_instance *in, struct intake_doc *doc, PIX *pix,
                    unsigned char *buf, struct intake_error *err)
{
    uint32_t w = (uint32_t)pixGetWidth(pix), h = (uint32_t)pixGetHeight(pix);
    uint32_t ch = pixGetDepth(pix) == 32 ? 3 : 1;
    l_uint32 *data = pixGetData(pix);
    int wpl = pixGetWpl(pix);
    /* Leptonica packs bytes in native-endian 32-bit words: copy through its
     * accessors into plain rows. */
    for (uint32_t y = 0; y < h; y++) {
        const l_uint32 *line = data + (size_t)y * wpl;
        unsigned char *row = buf + (size_t)y * w * ch;
        if (ch == 1) {
            for (uint32_t x = 0; x < w; x++)
                row[x] = (unsigned char)GET_DATA_BYTE(line, x);
        } else {
            for (uint32_t x = 0; x < w; x++) {
                l_uint32 v = line[x];
                row[3 * x] = (unsigned char)(v >> L_RED_SHIFT);
                row[3 * x + 1] = (unsigned char)(v >> L_GREEN_SHIFT);
                row[3 * x + 2] = (unsigned char)(v >> L_BLUE_SHIFT);
            }
        }
    }
    l_int32 xres = pixGetXRes(pix);
    struct intake_image img = {
        .width = w,
        .height = h,
        .stride = w * ch,
        .channels = ch,
        /* Implausible resolutions are unknown (the OCR stage has a default). */
        .dpi = xres >= 50 && xres <= 2400 ? (uint32_t)xres : 0,
        .pixels = buf,
    };
    return in->host->doc_add_image_page(doc, &img, 0, 0, err);
}

/* Decode page by page; each page is checked against its header size. */
static int decode_pages(const struct extract_image_instance *in, struct intake_doc *doc,
                        const unsigned char *b, size_t n, const struct image_header *h,
                        struct intake_error *err)
{
    const struct intake_host *host = in->host;
    int is_tiff = L_FORMAT_IS_TIFF(h->format);
    uint64_t pages = is_tiff ? h->pages : 1; /* GIF: Leptonica gives the first frame */
    /* One row buffer for all pages: the largest page at 3 bytes a pixel. */
    unsigned char *buf = host->alloc((size_t)h->max_pixels * 3);
    if (!buf)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "image: out of memory for a page");
    int rc = INTAKE_OK;
    size_t offset = 0;
    for (uint64_t i = 0; i < pages && rc == INTAKE_OK; i++) {
        PIX *raw = is_tiff ? pixReadMemFromMultipageTiff(b, n, &offset) : pixReadMem(b, n);
        if (!raw) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT, "image: page %llu cannot be decoded",
                            (unsigned long long)i + 1);
            break;
        }
        if ((uint64_t)pixGetWidth(raw) * (uint64_t)pixGetHeight(raw) > h->max_pixels) {
            /* The decoder disagrees with the header we checked: refuse. */
            pixDestroy(&raw);
            rc = INTAKE_ERR(err, INTAKE_EFORMAT, "image: page %llu is larger than its header",
                            (unsigned long long)i + 1);
            break;
        }
        PIX *pix = normalise(raw);
        pixDestroy(&raw);
        if (!pix) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT, "image: page %llu has an unsupported depth",
                            (unsigned long long)i + 1);
            break;
        }
        rc = add_page(in, doc, pix, buf, err);
        pixDestroy(&pix);
        if (is_tiff && offset == 0 && i + 1 < pages)
            break; /* the decoder saw fewer pages than the header walk: keep what we have */
    }
    host->free(buf);
    return rc;
}

/* ------------------------------------------------------------------ */
/* callbacks                                                          */
/* ------------------------------------------------------------------ */

static int cb_extract_image_init(const struct intake_host *host, const struct intake_context *ctx,
                                 const void *config, void **instance, struct intake_error *err)
{
    const struct extract_image_config *cfg = config;
    intake_return_val_if_fail(host && instance && cfg, INTAKE_EINVAL);
    if (!INTAKE_HOST_HAS(host, doc_add_image_page))
        return INTAKE_ERR(err, INTAKE_EABI, "the core has no doc_add_image_page (ABI < 1.1)");
    struct extract_image_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    in->host = host;
    in->ctx = ctx;
    in->max_pixels = (uint64_t)cfg->max_pixels;
    in->max_pages = (uint64_t)cfg->max_pages;
    in->max_total_pixels = (uint64_t)cfg->max_total_pixels;
    *instance = in;
    return INTAKE_OK;
}

static void cb_extract_image_exit(void *instance)
{
    struct extract_image_instance *in = instance;
    if (in)
        in->host->free(in);
}

static int cb_extract_image_process(void *instance, void *worker, struct intake_doc *doc,
                                    struct intake_error *err)
{
    struct extract_image_instance *in = instance;
    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    (void)worker;
    const struct intake_host *host = in->host;
    size_t n = 0;
    const unsigned char *b = host->doc_source(doc, &n);
    struct image_header h;
    int rc = check_header(in, b, n, &h, err);
    if (rc) {
        intake_log_info(host, in->ctx, doc, "refused before decoding: %s", err ? err->msg : "");
        return rc;
    }
    rc = decode_pages(in, doc, b, n, &h, err);
    if (rc == INTAKE_OK)
        intake_log_debug(host, in->ctx, doc, "%u image pages (header: %llu pages, format %d)",
                         host->doc_page_count(doc), (unsigned long long)h.pages, h.format);
    return rc;
}

/* Probe: the magic bytes of the formats we take, for when libmagic names
 * an image oddly (image/x-portable-..., application/octet-stream). */
static int cb_extract_image_probe(void *instance, const unsigned char *bytes, size_t len,
                                  const char *mime)
{
    (void)instance;
    (void)mime;
    if (len < 12)
        return 0;
    l_int32 fmt = IFF_UNKNOWN;
    if (findFileFormatBuffer(bytes, &fmt) != 0)
        return 0;
    int ours = fmt == IFF_PNG || fmt == IFF_JFIF_JPEG || fmt == IFF_WEBP || fmt == IFF_GIF ||
               fmt == IFF_BMP || L_FORMAT_IS_TIFF(fmt);
    return ours ? 90 : 0;
}

static const struct intake_plugin extract_image_plugin = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_EXTRACT,
    .name = "extract_image",
    .version = EXTRACT_IMAGE_VERSION,
    .description = "PNG, JPEG, TIFF, BMP, WebP, GIF as image pages for OCR (Leptonica); "
                   "size limits checked before decoding",
    .options = extract_image_options,
    .config_size = sizeof(struct extract_image_config),
    .mime_types = extract_image_mimes,
    .cb_init = cb_extract_image_init,
    .cb_process = cb_extract_image_process,
    .cb_exit = cb_extract_image_exit,
    .cb_probe = cb_extract_image_probe,
};

INTAKE_PLUGIN_DEFINE(extract_image, extract_image_plugin)
