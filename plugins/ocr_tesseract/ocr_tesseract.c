/*
 * plugins/ocr_tesseract/ocr_tesseract.c: page images -> text, word boxes,
 * confidences (Tesseract C API, LSTM engine).
 *
 * For every page flagged INTAKE_PAGE_NEEDS_OCR and not yet OCR_DONE:
 *   1. orientation: OSD (osd.traineddata) finds a 90/180/270 degree turn and
 *      the script; the image is turned upright (Leptonica pixRotateOrth);
 *   2. skew: Leptonica pixFindSkewAndDeskew straightens a few degrees;
 *   3. recognition with a per-page deadline (Tesseract's monitor);
 *   4. the page text is built word by word from the result iterator, so
 *      every word's byte offsets are known exactly; its box is mapped back
 *      to the ORIGINAL page image (undoing deskew and turn) and converted to
 *      points; doc_set_page_text + doc_add_boxes; OCR_DONE is set.
 *
 * Languages. `languages = auto` (default): the script picks a first-pass set
 * (Cyrillic: rus+kaz+eng, Latin: Latin, unknown: rus+eng; measured, see the
 * README), then the page text's language is identified (host->identify_lang
 * when a langid instance offers it, else a small distinctive-letter rule
 * below) and, when the first pass had no model for that language or its
 * mean confidence is under min_confidence, the page is read once more with
 * the language's own set. At most one extra pass per page; the pass with the
 * better mean confidence wins. `languages = rus+kaz` pins the models.
 * Cyrillic sets always include eng: a Cyrillic model alone turns e-mails,
 * IBANs and passport numbers into Cyrillic look-alikes.
 *
 * A page that passes its deadline keeps what was recognised, is flagged
 * INTAKE_PAGE_OCR_PARTIAL and logged (warn, no content): reported, not dropped.
 *
 * Threads: OpenMP inside Tesseract would oversubscribe the cores with
 * several workers; core/main.c sets OMP_THREAD_LIMIT=1 before any worker
 * starts (this plugin sets it too if a host did not, before loading models).
 *
 * Lifetimes: the instance (options) is read-only after cb_init. Each worker
 * process owns its TessBaseAPIs: an OSD one and a small cache of APIs keyed
 * by language string (models are loaded once per set per worker); Tesseract
 * variables are set only when an API is initialised. Log lines and errors
 * carry page numbers, counts, timings and model names, never text.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include <intake/intake.h>

#define OCR_VERSION    "0.1.0"
#define OCR_CACHE      4    /* initialised APIs kept per worker */
#define OCR_LANG_MAX   96   /* longest language string */
#define OCR_OSD_MIN    1.5f /* OSD orientation confidence needed to turn a page */
#define OCR_SKEW_MIN   0.1f /* degrees: below this the page is left as is */
#define OCR_FIRST_CYRL "rus+kaz+eng"
#define OCR_FIRST_LATN "Latin"
#define OCR_FIRST_UNKN "rus+eng"

struct ocr_config {
    const char *languages; /* "auto" or a Tesseract language string */
    const char *tessdata;  /* folder with *.traineddata, or NULL */
    int64_t dpi;           /* for images without a resolution */
    int64_t page_deadline; /* ms per page, all passes together */
    double min_confidence; /* mean word confidence under which auto re-reads */
    int32_t osd;           /* detect orientation and script */
    int32_t deskew;        /* straighten small skew */
};

static const struct intake_option ocr_options[] = {
    {INTAKE_OPT_STR, "languages", "auto", 0, offsetof(struct ocr_config, languages),
     "auto (script, then language, at most one re-read per page) or Tesseract models: rus+eng", 0,
     0},
    {INTAKE_OPT_PATH, "tessdata", NULL, 0, offsetof(struct ocr_config, tessdata),
     "folder holding the *.traineddata files (default: Tesseract's own, or TESSDATA_PREFIX)", 0, 0},
    {INTAKE_OPT_INT, "dpi", "300", 0, offsetof(struct ocr_config, dpi),
     "resolution assumed for images that do not state one", 70, 2400},
    {INTAKE_OPT_DURATION, "page_deadline", "30s", 0, offsetof(struct ocr_config, page_deadline),
     "per page: past it, what was read is kept and the page is flagged partial; keep "
     "pages x deadline under [pipeline] timeout",
     1, 3.6e6},
    {INTAKE_OPT_DOUBLE, "min_confidence", "75", 0, offsetof(struct ocr_config, min_confidence),
     "auto: mean word confidence (0-100) under which the page is read again with the model of "
     "its identified language",
     0, 100},
    {INTAKE_OPT_BOOL, "orientation", "true", 0, offsetof(struct ocr_config, osd),
     "detect pages turned by 90/180/270 degrees and the script (Tesseract OSD)", 0, 0},
    {INTAKE_OPT_BOOL, "deskew", "true", 0, offsetof(struct ocr_config, deskew),
     "straighten pages scanned at a slight angle (Leptonica)", 0, 0},
    {0},
};

struct ocr_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    const struct ocr_config *cfg; /* core-owned, valid until cb_exit */
    int is_auto;
};

struct ocr_api {
    char lang[OCR_LANG_MAX];
    TessBaseAPI *api;
    uint64_t used; /* LRU tick */
};

struct ocr_worker {
    struct ocr_api cache[OCR_CACHE];
    TessBaseAPI *osd; /* NULL when orientation is off or osd.traineddata is missing */
    uint64_t tick;
};

/* One recognition pass over one page. Buffers are malloc'ed. */
struct ocr_result {
    char *text;
    size_t len, cap;
    struct intake_box *boxes;
    size_t nboxes, capboxes;
    double conf_sum; /* over words */
    int partial;     /* the deadline stopped recognition */
    char lang[OCR_LANG_MAX];
};

/* How a page image was turned before recognition, to map boxes back. */
struct ocr_geometry {
    int quads;       /* clockwise quarter turns applied (0..3) */
    double skew_rad; /* deskew rotation applied (Leptonica: clockwise positive) */
    int w0, h0;      /* original image */
    int w1, h1;      /* after the quarter turns (and the deskew, same size) */
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void result_clear(struct ocr_result *r)
{
    free(r->text);
    free(r->boxes);
    memset(r, 0, sizeof *r);
}

static int result_append(struct ocr_result *r, const char *s, size_t n)
{
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *t = realloc(r->text, cap);
        if (!t)
            return -1;
        r->text = t;
        r->cap = cap;
    }
    memcpy(r->text + r->len, s, n);
    r->len += n;
    r->text[r->len] = '\0';
    return 0;
}

static int result_box(struct ocr_result *r, const struct intake_box *b)
{
    if (r->nboxes == r->capboxes) {
        size_t cap = r->capboxes ? r->capboxes * 2 : 256;
        struct intake_box *t = realloc(r->boxes, cap * sizeof *t);
        if (!t)
            return -1;
        r->boxes = t;
        r->capboxes = cap;
    }
    r->boxes[r->nboxes++] = *b;
    return 0;
}

static double result_conf(const struct ocr_result *r)
{
    return r->nboxes ? r->conf_sum / (double)r->nboxes : 0;
}

/* ------------------------------------------------------------------ */
/* languages                                                          */
/* ------------------------------------------------------------------ */

/* A Tesseract language string: models joined by '+', [A-Za-z0-9_] each. */
static int lang_string_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= OCR_LANG_MAX || s[0] == '+' || s[n - 1] == '+')
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || (*p == '+' && p[1] != '+')))
            return 0;
    return 1;
}

/* Is model \p m one of the '+'-joined models in \p set? */
static int set_has(const char *set, const char *m)
{
    size_t n = strlen(m);
    for (const char *p = set; *p;) {
        const char *e = strchr(p, '+');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == n && memcmp(p, m, n) == 0)
            return 1;
        p += k + (e ? 1 : 0);
    }
    return 0;
}

/*
 * Per identified language (BCP 47, as a langid plugin or the rule below
 * gives it): the set to read it with, and the models that already read it
 * well in a first pass (a script model counts for the languages it covers).
 * Measured on our renders (README): rus+eng, kaz+eng and kir+eng are exact
 * where the model alone breaks e-mails and numbers; Turkmen has no model
 * and Latin reads it best; Latin also beats uzb on Uzbek.
 */
static const struct lang_model {
    const char *lang;
    const char *set;
    const char *good[3];
} lang_models[] = {
    {"ru", "rus+eng", {"rus", NULL}},      {"kk", "kaz+eng", {"kaz", NULL}},
    {"ky", "kir+eng", {"kir", NULL}},      {"uz-Cyrl", "uzb_cyrl+eng", {"uzb_cyrl", NULL}},
    {"tg", "tgk+eng", {"tgk", NULL}},      {"uz", "Latin", {"Latin", "uzb", NULL}},
    {"tk", "Latin", {"Latin", NULL}},      {"tr", "tur+eng", {"tur", "Latin", NULL}},
    {"en", "eng", {"eng", "Latin", NULL}},
};

static const struct lang_model *model_for(const char *lang)
{
    for (size_t i = 0; i < sizeof lang_models / sizeof lang_models[0]; i++) {
        size_t n = strlen(lang_models[i].lang);
        /* "uz" matches "uz" and "uz-Latn"; "uz-Cyrl" is listed before it. */
        if (strncmp(lang, lang_models[i].lang, n) == 0 &&
            (lang[n] == '\0' || (lang[n] == '-' && strcmp(lang + n, "-Cyrl") != 0) ||
             strcmp(lang_models[i].lang, "uz-Cyrl") == 0))
            return &lang_models[i];
    }
    return NULL;
}

/* Count code point \p cp in UTF-8 \p s. */
static size_t count_cp(const char *s, size_t n, const uint32_t *cps, size_t ncps)
{
    size_t c = 0;
    for (size_t i = 0; i < n;) {
        unsigned char b = (unsigned char)s[i];
        uint32_t cp;
        size_t k;
        if (b < 0x80) {
            cp = b, k = 1;
        } else if ((b & 0xe0) == 0xc0 && i + 1 < n) {
            cp = (uint32_t)(b & 0x1f) << 6 | (s[i + 1] & 0x3f), k = 2;
        } else if ((b & 0xf0) == 0xe0 && i + 2 < n) {
            cp = (uint32_t)(b & 0x0f) << 12 | (uint32_t)(s[i + 1] & 0x3f) << 6 | (s[i + 2] & 0x3f);
            k = 3;
        } else {
            cp = 0, k = 1;
        }
        for (size_t j = 0; j < ncps; j++)
            c += cp == cps[j];
        i += k;
    }
    return c;
}

/*
 * The fallback language rule, by letters only these languages have (both
 * cases). Only used when no langid instance answers. Cyrillic: Kazakh
 * ә і ұ һ (қ ғ ң ө ү shared), Kyrgyz ң ө ү without those, Uzbek ў ҳ, Tajik
 * ӣ ӯ ҷ; Latin: Turkmen ä ň ý ž, Turkish ğ ı, Uzbek ʻ ʼ ' and q.
 */
static const char *guess_lang(const char *s, size_t n, int cyrillic)
{
#define CNT(...)                                                                                   \
    count_cp(s, n, (const uint32_t[]){__VA_ARGS__},                                                \
             sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t))
    if (cyrillic) {
        size_t kk = 2 * CNT(0x4d9, 0x4d8, 0x456, 0x406, 0x4b1, 0x4b0, 0x4bb, 0x4ba) +
                    CNT(0x49b, 0x49a, 0x493, 0x492);
        size_t ky = CNT(0x4a3, 0x4a2, 0x4e9, 0x4e8, 0x4af, 0x4ae);
        size_t uz = 2 * CNT(0x45e, 0x40e) + CNT(0x4b3, 0x4b2);
        size_t tg = 2 * CNT(0x4e3, 0x4e2, 0x4ef, 0x4ee, 0x4b7, 0x4b6) + CNT(0x4b3, 0x4b2);
        if (kk >= 2 && kk >= uz && kk >= tg)
            return "kk";
        if (uz >= 2 && uz >= tg)
            return "uz-Cyrl";
        if (tg >= 2)
            return "tg";
        /* Kyrgyz long vowels: a first pass without kir reads ү as у, but
         * the doubled vowels stay (билдирүүсү -> билдируусу). */
        size_t dbl = 0;
        for (size_t i = 0; i + 3 < n; i++)
            if ((unsigned char)s[i] == 0xd1 && (unsigned char)s[i + 1] == 0x83 &&
                (unsigned char)s[i + 2] == 0xd1 && (unsigned char)s[i + 3] == 0x83)
                dbl++; /* уу */
        if (ky + 2 * dbl >= 3)
            return "ky";
        return "ru";
    }
    size_t tk = CNT(0xe4, 0xc4, 0x148, 0x147, 0xfd, 0xdd, 0x17e, 0x17d);
    size_t tr = CNT(0x11f, 0x11e, 0x131, 0x130);
    size_t uz = CNT(0x2bb, 0x2bc, 0x2018, 0x2019, '\'') + CNT('q', 'Q') / 2;
    if (tk >= 2 && tk >= tr && tk >= uz)
        return "tk";
    if (tr >= 2 && tr >= uz)
        return "tr";
    if (uz >= 2)
        return "uz";
    return "en";
#undef CNT
}

/* Does the text look mostly Cyrillic (for the fallback rule)? */
static int mostly_cyrillic(const char *s, size_t n)
{
    size_t cyr = 0, lat = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        if ((b == 0xd0 || b == 0xd1 || b == 0xd2 || b == 0xd3) && i + 1 < n)
            cyr++, i++;
        else if ((b | 0x20) >= 'a' && (b | 0x20) <= 'z')
            lat++;
    }
    return cyr > lat;
}

/* ------------------------------------------------------------------ */
/* Tesseract handles                                                  */
/* ------------------------------------------------------------------ */

/* A new API for \p lang, variables set here and only here. */
static TessBaseAPI *api_create(const struct ocr_instance *in, const char *lang,
                               struct intake_error *err)
{
    TessBaseAPI *api = TessBaseAPICreate();
    if (!api)
        return NULL;
    /* Tesseract prints warnings (e.g. about resolution) on stderr; they carry
     * no content but clutter the worker's log. */
    char *names[] = {"debug_file"};
    char *values[] = {"/dev/null"};
    if (TessBaseAPIInit4(api, in->cfg->tessdata, lang, OEM_LSTM_ONLY, NULL, 0, names, values, 1,
                         0) != 0) {
        TessBaseAPIDelete(api);
        INTAKE_ERR(err, INTAKE_ECONFIG, "cannot load Tesseract models '%s' (tessdata %s)", lang,
                   in->cfg->tessdata ? in->cfg->tessdata : "default");
        return NULL;
    }
    return api;
}

/* The worker's API for \p lang: cached, or created (evicting the least used). */
static TessBaseAPI *api_get(const struct ocr_instance *in, struct ocr_worker *w, const char *lang,
                            struct intake_error *err)
{
    struct ocr_api *victim = &w->cache[0];
    for (int i = 0; i < OCR_CACHE; i++) {
        struct ocr_api *c = &w->cache[i];
        if (c->api && strcmp(c->lang, lang) == 0) {
            c->used = ++w->tick;
            return c->api;
        }
        if (!c->api || (victim->api && c->used < victim->used))
            victim = c;
    }
    TessBaseAPI *api = api_create(in, lang, err);
    if (!api)
        return NULL;
    if (victim->api) {
        TessBaseAPIEnd(victim->api);
        TessBaseAPIDelete(victim->api);
    }
    snprintf(victim->lang, sizeof victim->lang, "%s", lang);
    victim->api = api;
    victim->used = ++w->tick;
    return api;
}

/* ------------------------------------------------------------------ */
/* geometry                                                           */
/* ------------------------------------------------------------------ */

/* The page image as a Leptonica pix (8 or 32 bpp), with its resolution. */
static PIX *image_to_pix(const struct intake_image *img, int dpi)
{
    PIX *pix = pixCreate((l_int32)img->width, (l_int32)img->height, img->channels == 1 ? 8 : 32);
    if (!pix)
        return NULL;
    l_uint32 *data = pixGetData(pix);
    int wpl = pixGetWpl(pix);
    for (uint32_t y = 0; y < img->height; y++) {
        const unsigned char *row = img->pixels + (size_t)y * img->stride;
        l_uint32 *line = data + (size_t)y * wpl;
        if (img->channels == 1)
            for (uint32_t x = 0; x < img->width; x++)
                SET_DATA_BYTE(line, x, row[x]);
        else
            for (uint32_t x = 0; x < img->width; x++)
                line[x] = (l_uint32)row[3 * x] << L_RED_SHIFT |
                          (l_uint32)row[3 * x + 1] << L_GREEN_SHIFT |
                          (l_uint32)row[3 * x + 2] << L_BLUE_SHIFT;
    }
    pixSetResolution(pix, dpi, dpi);
    return pix;
}

/* Map a point of the recognised image back to the original image. */
static void map_back(const struct ocr_geometry *g, double x, double y, double *ox, double *oy)
{
    /* Undo the deskew: pixRotate turned the picture by skew_rad (clockwise
     * positive, y down) about the centre, keeping the size. */
    if (g->skew_rad != 0) {
        double cx = g->w1 / 2.0, cy = g->h1 / 2.0, dx = x - cx, dy = y - cy;
        double c = cos(g->skew_rad), s = sin(g->skew_rad);
        x = cx + dx * c + dy * s;
        y = cy - dx * s + dy * c;
    }
    /* Undo the quarter turns: one clockwise turn sends (x, y) of an image
     * of height H to (H - y, x); the image after k turns is h0 wide when k
     * is odd, w0 when even. */
    for (int k = g->quads; k > 0; k--) {
        double wk = (k % 2) ? g->h0 : g->w0;
        double nx = y, ny = wk - x;
        x = nx;
        y = ny;
    }
    *ox = x;
    *oy = y;
}

/* ------------------------------------------------------------------ */
/* recognition                                                        */
/* ------------------------------------------------------------------ */

/*
 * One pass: recognise \p pix with \p api under a deadline of \p budget_ms,
 * and build the text and boxes into \p r. The text is assembled here from
 * the words, so each box's byte offsets are exact: words are joined by a
 * space, lines by '\n', blocks and paragraphs by a blank line.
 */
static int recognise(const struct ocr_instance *in, TessBaseAPI *api, PIX *pix, int dpi,
                     double budget_ms, const struct ocr_geometry *g, double sx, double sy,
                     struct ocr_result *r, struct intake_error *err)
{
    TessBaseAPISetImage2(api, pix);
    TessBaseAPISetSourceResolution(api, dpi);
    TessBaseAPISetPageSegMode(api, PSM_AUTO);
    ETEXT_DESC *mon = TessMonitorCreate();
    if (!mon)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for the OCR monitor");
    int ms = budget_ms < 1 ? 1 : budget_ms > 2e9 ? 2000000000 : (int)budget_ms;
    TessMonitorSetDeadlineMSecs(mon, ms);
    double t0 = now_ms();
    int rc = TessBaseAPIRecognize(api, mon);
    /* Recognize fails when the deadline cancels it; words read so far stay. */
    r->partial = rc != 0 || now_ms() - t0 >= ms;
    TessMonitorDelete(mon);

    TessResultIterator *it = TessBaseAPIGetIterator(api);
    int status = INTAKE_OK;
    if (it) {
        TessPageIterator *pit = TessResultIteratorGetPageIterator(it);
        int first = 1;
        do {
            char *word = TessResultIteratorGetUTF8Text(it, RIL_WORD);
            if (!word)
                continue; /* not recognised (deadline) or empty */
            size_t wl = strlen(word);
            if (wl == 0) {
                TessDeleteText(word);
                continue;
            }
            const char *sep = "";
            if (!first) {
                if (TessPageIteratorIsAtBeginningOf(pit, RIL_PARA))
                    sep = "\n\n";
                else if (TessPageIteratorIsAtBeginningOf(pit, RIL_TEXTLINE))
                    sep = "\n";
                else
                    sep = " ";
            }
            int l = 0, t = 0, rr = 0, b = 0;
            TessPageIteratorBoundingBox(pit, RIL_WORD, &l, &t, &rr, &b);
            float conf = TessResultIteratorConfidence(it, RIL_WORD);
            if (result_append(r, sep, strlen(sep))) {
                TessDeleteText(word);
                status = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for OCR text");
                break;
            }
            struct intake_box box = {.start = (uint32_t)r->len, .conf = conf};
            int ok = result_append(r, word, wl) == 0;
            TessDeleteText(word);
            box.end = (uint32_t)r->len;
            /* The four corners back in the original image, then their bounding box. */
            double xs[4] = {l, rr, l, rr}, ys[4] = {t, t, b, b};
            double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
            for (int k = 0; k < 4; k++) {
                double ox, oy;
                map_back(g, xs[k], ys[k], &ox, &oy);
                x0 = fmin(x0, ox), y0 = fmin(y0, oy), x1 = fmax(x1, ox), y1 = fmax(y1, oy);
            }
            x0 = fmax(0, x0), y0 = fmax(0, y0);
            x1 = fmin(g->w0, x1), y1 = fmin(g->h0, y1);
            box.x0 = (float)(x0 * sx), box.y0 = (float)(y0 * sy);
            box.x1 = (float)(x1 * sx), box.y1 = (float)(y1 * sy);
            if (!ok || result_box(r, &box)) {
                status = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for OCR text");
                break;
            }
            r->conf_sum += conf;
            first = 0;
        } while (TessResultIteratorNext(it, RIL_WORD));
        TessResultIteratorDelete(it);
    }
    TessBaseAPIClear(api);
    (void)in;
    return status;
}

/* OSD on \p pix: quarter turns to make it upright and the script name. */
static void detect_osd(struct ocr_worker *w, PIX *pix, int dpi, int *quads, char *script,
                       size_t script_len)
{
    *quads = 0;
    script[0] = '\0';
    if (!w->osd)
        return;
    /* OSD classifies a few hundred letter shapes; finding them on a
     * 300-dpi page cost about as much as a third of the recognition.
     * At half the resolution the shapes are still large enough. */
    PIX *small = NULL;
    if (dpi >= 250) {
        small = pixScale(pix, 0.5f, 0.5f);
        if (small) {
            pix = small;
            dpi /= 2;
        }
    }
    TessBaseAPISetImage2(w->osd, pix);
    TessBaseAPISetSourceResolution(w->osd, dpi);
    TessBaseAPISetPageSegMode(w->osd, PSM_OSD_ONLY);
    int deg = 0;
    float oconf = 0, sconf = 0;
    const char *name = NULL;
    if (TessBaseAPIDetectOrientationScript(w->osd, &deg, &oconf, &name, &sconf)) {
        /* deg is how far the page is turned clockwise (a page turned a
         * quarter clockwise says 90): turn it back by the rest of a circle. */
        if (oconf >= OCR_OSD_MIN && (deg == 90 || deg == 180 || deg == 270))
            *quads = (360 - deg) / 90;
        if (name && sconf > 0)
            snprintf(script, script_len, "%s", name);
    }
    /* Not freed: despite capi.h's comment, Tesseract 5 returns a pointer
     * into its own unicharset (freeing it corrupts the heap). */
    TessBaseAPIClear(w->osd);
    pixDestroy(&small);
}

/* Turn and straighten \p src; *g records what was done. New pix. */
static PIX *prepare(const struct ocr_instance *in, PIX *src, int quads, struct ocr_geometry *g)
{
    g->w0 = pixGetWidth(src), g->h0 = pixGetHeight(src);
    g->quads = quads;
    g->skew_rad = 0;
    PIX *p = quads ? pixRotateOrth(src, quads) : pixClone(src);
    if (!p)
        return NULL;
    if (in->cfg->deskew) {
        l_float32 angle = 0, conf = 0;
        PIX *gray = pixGetDepth(p) == 32 ? pixConvertRGBToLuminance(p) : pixClone(p);
        PIX *bin = gray ? pixConvertTo1(gray, 160) : NULL;
        /* pixFindSkew gives the angle; pixRotate by it straightens the page. */
        if (bin && pixFindSkew(bin, &angle, &conf) == 0 && conf > 0 &&
            fabsf(angle) >= OCR_SKEW_MIN) {
            double rad = (double)angle * M_PI / 180.0;
            PIX *d = pixRotate(p, (l_float32)rad, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
            if (d) {
                pixDestroy(&p);
                p = d;
                g->skew_rad = rad;
            }
        }
        pixDestroy(&bin);
        pixDestroy(&gray);
    }
    g->w1 = pixGetWidth(p), g->h1 = pixGetHeight(p);
    return p;
}

/* The language of a first pass, by the langid instance or our rule. */
static const char *identify(const struct ocr_instance *in, const struct ocr_result *r, int cyrillic,
                            struct intake_block *blk, const char **how)
{
    const struct intake_host *host = in->host;
    if (INTAKE_HOST_HAS(host, identify_lang) &&
        host->identify_lang(in->ctx, r->text ? r->text : "", r->len, blk) == INTAKE_OK &&
        strcmp(blk->lang, "und") != 0 && blk->lang[0]) {
        *how = "langid";
        return blk->lang;
    }
    *how = "letters";
    return guess_lang(r->text ? r->text : "", r->len, cyrillic);
}

/* OCR one page: returns INTAKE_OK, or an error that fails the document. */
static int ocr_page(const struct ocr_instance *in, struct ocr_worker *w, struct intake_doc *doc,
                    uint32_t i, struct intake_error *err)
{
    const struct intake_host *host = in->host;
    struct intake_image img;
    if (host->doc_page_image(doc, i, &img) != INTAKE_OK)
        return INTAKE_ERR(err, INTAKE_EINTERNAL, "page %u needs OCR but has no image", i + 1);
    double t0 = now_ms(), budget = (double)in->cfg->page_deadline;
    int dpi = img.dpi ? (int)img.dpi : (int)in->cfg->dpi;
    PIX *pix = image_to_pix(&img, dpi);
    if (!pix)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for page %u", i + 1);
    int quads = 0;
    char script[32] = "";
    /* With pinned languages OSD is only asked when the page reads poorly:
     * it cost a fifth of the page's time, and an upright page reads well.
     * Auto needs it first, for the script. */
    const int lazy_osd = in->cfg->osd && !in->is_auto;
    if (in->cfg->osd && !lazy_osd)
        detect_osd(w, pix, dpi, &quads, script, sizeof script);
    struct ocr_geometry g;
    PIX *p = prepare(in, pix, quads, &g);
    if (!p) {
        pixDestroy(&pix);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory for page %u", i + 1);
    }

    /* Points per pixel of the original image. */
    double wpt = 0, hpt = 0;
    host->doc_page_size(doc, i, &wpt, &hpt);
    double sx = wpt > 0 ? wpt / g.w0 : 72.0 / dpi, sy = hpt > 0 ? hpt / g.h0 : 72.0 / dpi;

    const char *first = in->cfg->languages;
    if (in->is_auto)
        first = !strcmp(script, "Cyrillic") ? OCR_FIRST_CYRL
                : !strcmp(script, "Latin")  ? OCR_FIRST_LATN
                                            : OCR_FIRST_UNKN;
    struct ocr_result best = {0}, again = {0};
    int rc = INTAKE_OK, passes = 1;
    TessBaseAPI *api = api_get(in, w, first, err);
    if (!api)
        rc = err ? err->code : INTAKE_ECONFIG;
    if (rc == INTAKE_OK)
        rc = recognise(in, api, p, dpi, budget, &g, sx, sy, &best, err);
    snprintf(best.lang, sizeof best.lang, "%s", first);
    intake_log_debug(host, in->ctx, doc,
                     "page %u: ocr pass 1 with %s: %zu words, conf %.1f, turn %d, skew %.2f deg, "
                     "script %s, %.0f ms",
                     i + 1, first, best.nboxes, result_conf(&best), quads * 90,
                     g.skew_rad * 180 / M_PI, script[0] ? script : "?", now_ms() - t0);

    /* Pinned: a poor read may be a turned page. Ask OSD; if it turns the
     * page, read it once more that way and keep the better pass. */
    if (rc == INTAKE_OK && lazy_osd && !best.partial &&
        result_conf(&best) < in->cfg->min_confidence && budget - (now_ms() - t0) > 0) {
        int q2 = 0;
        detect_osd(w, pix, dpi, &q2, script, sizeof script);
        struct ocr_geometry g2;
        PIX *p2 = q2 ? prepare(in, pix, q2, &g2) : NULL;
        if (p2) {
            rc = recognise(in, api, p2, dpi, budget - (now_ms() - t0), &g2, sx, sy, &again, err);
            snprintf(again.lang, sizeof again.lang, "%s", first);
            passes = 2;
            intake_log_debug(host, in->ctx, doc,
                             "page %u: ocr pass 2 with %s, turned %d after a poor read: %zu "
                             "words, conf %.1f, %.0f ms",
                             i + 1, first, q2 * 90, again.nboxes, result_conf(&again),
                             now_ms() - t0);
            if (rc == INTAKE_OK && !again.partial && result_conf(&again) > result_conf(&best)) {
                struct ocr_result t = best;
                best = again;
                again = t;
            }
            pixDestroy(&p2);
        }
    }

    /* Auto: one more pass when the language's model was not used or the
     * page read poorly, if there is time left. */
    if (rc == INTAKE_OK && in->is_auto && !best.partial && best.len > 0) {
        struct intake_block blk;
        const char *how = "";
        const char *lang =
            identify(in, &best,
                     !strcmp(first, OCR_FIRST_CYRL) ||
                         (strcmp(first, OCR_FIRST_LATN) && mostly_cyrillic(best.text, best.len)),
                     &blk, &how);
        const struct lang_model *m = model_for(lang);
        int covered = 0;
        for (int k = 0; m && k < 3 && m->good[k]; k++)
            covered |= set_has(first, m->good[k]);
        double left = budget - (now_ms() - t0);
        if (m && strcmp(m->set, first) != 0 &&
            (!covered || result_conf(&best) < in->cfg->min_confidence) && left > 0) {
            TessBaseAPI *api2 = api_get(in, w, m->set, err);
            if (!api2) {
                rc = err ? err->code : INTAKE_ECONFIG;
            } else {
                rc = recognise(in, api2, p, dpi, left, &g, sx, sy, &again, err);
                snprintf(again.lang, sizeof again.lang, "%s", m->set);
                passes = 2;
                intake_log_debug(host, in->ctx, doc,
                                 "page %u: ocr pass 2 with %s (language %s by %s): %zu words, "
                                 "conf %.1f, %.0f ms",
                                 i + 1, m->set, lang, how, again.nboxes, result_conf(&again),
                                 now_ms() - t0);
                /* The right model wins unless it read clearly worse (or ran
                 * out of time, when the complete first pass is better). */
                if (rc == INTAKE_OK && !again.partial &&
                    (!covered || result_conf(&again) >= result_conf(&best) - 2.0)) {
                    struct ocr_result t = best;
                    best = again;
                    again = t;
                }
            }
        }
    }
    pixDestroy(&p);
    pixDestroy(&pix);

    if (rc == INTAKE_OK)
        rc = host->doc_set_page_text(doc, i, best.text ? best.text : "", best.len, err);
    if (rc == INTAKE_OK && best.nboxes)
        rc = host->doc_add_boxes(doc, i, best.boxes, best.nboxes, err);
    if (rc == INTAKE_OK) {
        uint32_t flags = INTAKE_PAGE_OCR_DONE | (best.partial ? INTAKE_PAGE_OCR_PARTIAL : 0);
        rc = host->doc_set_page_flags(doc, i, flags);
        if (best.partial)
            intake_log_warn(host, in->ctx, doc,
                            "page %u: OCR deadline of %lld ms passed: text incomplete (%zu "
                            "words kept), page flagged partial",
                            i + 1, (long long)in->cfg->page_deadline, best.nboxes);
        intake_log_debug(host, in->ctx, doc,
                         "page %u: ocr done with %s in %d pass(es): %zu words, conf %.1f, "
                         "%.0f ms",
                         i + 1, best.lang, passes, best.nboxes, result_conf(&best), now_ms() - t0);
    }
    result_clear(&best);
    result_clear(&again);
    return rc;
}

/* ------------------------------------------------------------------ */
/* callbacks                                                          */
/* ------------------------------------------------------------------ */

static int cb_ocr_init(const struct intake_host *host, const struct intake_context *ctx,
                       const void *config, void **instance, struct intake_error *err)
{
    const struct ocr_config *cfg = config;
    intake_return_val_if_fail(host && instance && cfg, INTAKE_EINVAL);
    if (!INTAKE_HOST_HAS(host, doc_page_image) || !INTAKE_HOST_HAS(host, doc_add_boxes))
        return INTAKE_ERR(err, INTAKE_EABI, "the core has no page images (ABI < 1.1)");
    int is_auto = cfg->languages && strcmp(cfg->languages, "auto") == 0;
    if (!is_auto && !lang_string_ok(cfg->languages))
        return INTAKE_ERR(err, INTAKE_ECONFIG,
                          "languages must be auto or Tesseract models joined by '+' (rus+eng)");
    struct ocr_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    in->host = host;
    in->ctx = ctx;
    in->cfg = cfg;
    in->is_auto = is_auto;
    *instance = in;
    return INTAKE_OK;
}

static void cb_ocr_exit(void *instance)
{
    struct ocr_instance *in = instance;
    if (in)
        in->host->free(in);
}

static void cb_ocr_worker_exit(void *instance, void *worker)
{
    struct ocr_instance *in = instance;
    struct ocr_worker *w = worker;
    if (!in || !w)
        return;
    for (int i = 0; i < OCR_CACHE; i++)
        if (w->cache[i].api) {
            TessBaseAPIEnd(w->cache[i].api);
            TessBaseAPIDelete(w->cache[i].api);
        }
    if (w->osd) {
        TessBaseAPIEnd(w->osd);
        TessBaseAPIDelete(w->osd);
    }
    in->host->free(w);
}

/* Load the models this worker will need first, so a missing model fails the
 * worker at start, not a document later. */
/* Every model of the set \p langs ("rus+kaz+eng") has its file in \p datapath. */
static int models_present(const char *datapath, const char *langs, struct intake_error *err)
{
    for (const char *p = langs; *p;) {
        size_t n = strcspn(p, "+");
        char path[4096];
        int w = snprintf(path, sizeof path, "%s%s%.*s.traineddata", datapath,
                         datapath[strlen(datapath) - 1] == '/' ? "" : "/", (int)n, p);
        if (w <= 0 || (size_t)w >= sizeof path || access(path, R_OK) != 0)
            return INTAKE_ERR(err, INTAKE_ECONFIG,
                              "cannot load Tesseract models '%s' (no %.*s.traineddata in %s)",
                              langs, (int)n, p, datapath);
        p += n;
        if (*p == '+')
            p++;
    }
    return INTAKE_OK;
}

static int cb_ocr_worker_init(void *instance, void **worker, struct intake_error *err)
{
    struct ocr_instance *in = instance;
    intake_return_val_if_fail(in && worker, INTAKE_EINVAL);
    /* Normally done by core/main.c before the workers fork; never raise it. */
    setenv("OMP_THREAD_LIMIT", "1", 0);
    struct ocr_worker *w = in->host->alloc(sizeof *w);
    if (!w)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    memset(w, 0, sizeof *w);
    int rc = INTAKE_OK;
    if (in->cfg->osd) {
        w->osd = api_create(in, "osd", err);
        if (!w->osd) {
            /* Without OSD the page is read as it lies: fine for upright scans. */
            intake_log_warn(in->host, in->ctx, NULL,
                            "osd.traineddata not loadable: orientation and script detection off");
            intake_error_clear(err);
        }
    }
    /* Models load on the first page that needs them: a worker that only
     * sees text files (and every `intake redact` of one) no longer spends
     * 0.6 s loading them. A missing model is still refused here, by its
     * file, when OSD tells where the models are; else by loading it. */
    const char *sets[2] = {in->is_auto ? OCR_FIRST_CYRL : in->cfg->languages,
                           in->is_auto ? OCR_FIRST_LATN : NULL};
    const char *datapath = w->osd ? TessBaseAPIGetDatapath(w->osd) : NULL;
    for (int k = 0; k < 2 && sets[k] && rc == INTAKE_OK; k++) {
        if (datapath && *datapath)
            rc = models_present(datapath, sets[k], err);
        else if (!api_get(in, w, sets[k], err))
            rc = INTAKE_ECONFIG;
    }
    if (rc) {
        cb_ocr_worker_exit(in, w);
        return rc;
    }
    *worker = w;
    return INTAKE_OK;
}

static int cb_ocr_process(void *instance, void *worker, struct intake_doc *doc,
                          struct intake_error *err)
{
    struct ocr_instance *in = instance;
    struct ocr_worker *w = worker;
    intake_return_val_if_fail(in && w && doc, INTAKE_EINVAL);
    const struct intake_host *host = in->host;
    uint32_t n = host->doc_page_count(doc), done = 0, partial = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t f = host->doc_page_flags(doc, i);
        if (!(f & INTAKE_PAGE_NEEDS_OCR) || (f & INTAKE_PAGE_OCR_DONE))
            continue;
        int rc = ocr_page(in, w, doc, i, err);
        if (rc)
            return rc;
        done++;
        partial += (host->doc_page_flags(doc, i) & INTAKE_PAGE_OCR_PARTIAL) != 0;
    }
    if (done)
        intake_log_debug(host, in->ctx, doc, "ocr: %u of %u pages read, %u partial", done, n,
                         partial);
    return INTAKE_OK;
}

static const struct intake_plugin ocr_tesseract_plugin = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_OCR,
    .name = "ocr_tesseract",
    .version = OCR_VERSION,
    .description = "Tesseract OCR of page images: orientation, deskew, automatic language, "
                   "word boxes, per-page deadline",
    .options = ocr_options,
    .config_size = sizeof(struct ocr_config),
    .cb_init = cb_ocr_init,
    .cb_worker_init = cb_ocr_worker_init,
    .cb_process = cb_ocr_process,
    .cb_worker_exit = cb_ocr_worker_exit,
    .cb_exit = cb_ocr_exit,
};

INTAKE_PLUGIN_DEFINE(ocr_tesseract, ocr_tesseract_plugin)
