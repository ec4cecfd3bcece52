/*
 * detect_patterns: confusable folding for text read by OCR (see dp_fold.h).
 *
 * The tables are the look-alike pairs Tesseract confuses on our pages
 * (Cyrillic models reading Latin identifiers, Latin models reading
 * Cyrillic words), written for this plugin; ICU's uspoof skeletons map the
 * same pairs, but to a third form and with no offset map.
 */
#include "dp_fold.h"

#include <string.h>

#define IS_DIGIT(c) ((unsigned)((unsigned char)(c) - '0') < 10u)
#define IS_ALPHA(c) ((unsigned)(((unsigned char)(c) | 0x20) - 'a') < 26u)
#define IS_SPACE(c) ((c) == ' ' || (c) == '\n' || (c) == '\t' || (c) == '\r' || (c) == '\f')

/* Cyrillic code point to the Latin letter (or digit) it looks like, or 0. */
static char cyr_to_latin(uint32_t cp)
{
    switch (cp) {
    case 0x410: return 'A';
    case 0x412: return 'B';
    case 0x415:
    case 0x401: return 'E';
    case 0x41A: return 'K';
    case 0x41C: return 'M';
    case 0x41D: return 'H';
    case 0x41E: return 'O';
    case 0x420: return 'P';
    case 0x421: return 'C';
    case 0x422: return 'T';
    case 0x423:
    case 0x4AE: return 'Y';
    case 0x425: return 'X';
    case 0x405: return 'S';
    case 0x406: return 'I';
    case 0x408: return 'J';
    case 0x4BA: return 'H';
    case 0x417:
    case 0x437: return '3';
    case 0x430: return 'a';
    case 0x435:
    case 0x451: return 'e';
    case 0x43E: return 'o';
    case 0x440: return 'p';
    case 0x441: return 'c';
    case 0x443:
    case 0x4AF: return 'y';
    case 0x445: return 'x';
    case 0x455: return 's';
    case 0x456: return 'i';
    case 0x458: return 'j';
    case 0x4BB: return 'h';
    case 0x43A: return 'k';
    case 0x43C:
    case 0x442: return 'm'; /* т: the italic m */
    case 0x43F: return 'n';
    case 0x433: return 'r';
    case 0x44C: return 'b';
    case 0x438: return 'u';
    default: return 0;
    }
}

/* Latin letter to the Cyrillic code point it looks like (UTF-8, 2 bytes), or NULL. */
static const char *latin_to_cyr(char c)
{
    switch (c) {
    case 'a': return "\xD0\xB0";
    case 'c': return "\xD1\x81";
    case 'e': return "\xD0\xB5";
    case 'o': return "\xD0\xBE";
    case 'p': return "\xD1\x80";
    case 'x': return "\xD1\x85";
    case 'y': return "\xD1\x83";
    case 'k': return "\xD0\xBA";
    case 'n': return "\xD0\xBF";
    case 'm': return "\xD1\x82";
    case 'r': return "\xD0\xB3";
    case 'u': return "\xD0\xB8";
    case 'i': return "\xD1\x96";
    case 'h': return "\xD0\xBD";
    case 'b': return "\xD1\x8C";
    case 'A': return "\xD0\x90";
    case 'B': return "\xD0\x92";
    case 'C': return "\xD0\xA1";
    case 'E': return "\xD0\x95";
    case 'H': return "\xD0\x9D";
    case 'K': return "\xD0\x9A";
    case 'M': return "\xD0\x9C";
    case 'O': return "\xD0\x9E";
    case 'P': return "\xD0\xA0";
    case 'T': return "\xD0\xA2";
    case 'X': return "\xD0\xA5";
    case 'Y': return "\xD0\xA3";
    default: return NULL;
    }
}

/* A 2-byte Cyrillic code point (U+0400-U+052F) at t[i]: the code point, else 0. */
static uint32_t cyr_at(const char *t, size_t n, size_t i)
{
    unsigned char b0 = (unsigned char)t[i];
    if (b0 < 0xD0 || b0 > 0xD4 || i + 1 >= n || ((unsigned char)t[i + 1] & 0xC0) != 0x80)
        return 0;
    return ((uint32_t)(b0 & 0x1F) << 6) | ((unsigned char)t[i + 1] & 0x3F);
}

/* Exactly 8 ASCII digits at t[i], no digit after. */
static int eight_digits(const char *t, size_t n, size_t i)
{
    for (size_t k = 0; k < 8; k++)
        if (i + k >= n || !IS_DIGIT(t[i + k]))
            return 0;
    return !(i + 8 < n && IS_DIGIT(t[i + 8]));
}

size_t dp_fold(const char *t, size_t len, char *out, uint32_t *map, int *changed)
{
    size_t o = 0, i = 0;
    *changed = 0;
    while (i < len) {
        if (IS_SPACE(t[i])) {
            out[o] = t[i];
            map[o++] = (uint32_t)i++;
            continue;
        }
        size_t s = i;
        int cyr = 0, digit = 0, latin = 0;
        while (i < len && !IS_SPACE(t[i])) {
            if (cyr_at(t, len, i)) {
                cyr = 1;
                i += 2;
                continue;
            }
            digit |= IS_DIGIT(t[i]) || t[i] == '@';
            latin |= IS_ALPHA(t[i]);
            i++;
        }
        size_t o0 = o;
        if (cyr && digit) { /* an identifier read with a Cyrillic model */
            for (size_t x = s; x < i;) {
                uint32_t cp = cyr_at(t, len, x);
                char c = cp ? cyr_to_latin(cp) : 0;
                if (c) {
                    if (cp == 0x41C && eight_digits(t, i, x + 2))
                        c = 'N'; /* the Kazakh passport letter */
                    out[o] = c;
                    map[o++] = (uint32_t)x;
                    x += 2;
                    *changed = 1;
                } else {
                    out[o] = t[x];
                    map[o++] = (uint32_t)x++;
                }
            }
            /* O, o, l, I between digits are digits */
            for (size_t x = o0 + 1; x + 1 < o; x++) {
                char c = out[x];
                if ((c == 'O' || c == 'o' || c == 'l' || c == 'I') && IS_DIGIT(out[x - 1]) &&
                    IS_DIGIT(out[x + 1])) {
                    out[x] = (c == 'O' || c == 'o') ? '0' : '1';
                    *changed = 1;
                }
            }
        } else if (cyr && latin) { /* a Cyrillic word read partly as Latin */
            for (size_t x = s; x < i; x++) {
                const char *r = latin_to_cyr(t[x]);
                if (r) {
                    out[o] = r[0];
                    map[o++] = (uint32_t)x;
                    out[o] = r[1];
                    map[o++] = (uint32_t)x;
                    *changed = 1;
                } else {
                    out[o] = t[x];
                    map[o++] = (uint32_t)x;
                }
            }
        } else {
            memcpy(out + o, t + s, i - s);
            for (size_t x = s; x < i; x++)
                map[o++] = (uint32_t)x;
        }
    }
    return o;
}

char dp_fold_latin(uint32_t cp)
{
    return cyr_to_latin(cp);
}

size_t dp_fold_src_end(const char *t, const uint32_t *map, size_t i)
{
    size_t p = map[i];
    unsigned char b = (unsigned char)t[p];
    size_t w = b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    return p + w;
}
