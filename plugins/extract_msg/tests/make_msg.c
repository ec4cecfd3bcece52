/*
 * plugins/extract_msg/tests/make_msg.c: writes an Outlook .msg (an OLE2
 * compound file with MS-OXMSG property streams) for the tests, with
 * libgsf's writer; no tool in Debian writes .msg. Built only for tests.
 *
 *   make_msg OUT ITEM...
 *
 * Items, applied in order to the storage being written (the message at
 * first):
 *   S:TTTTPPPP=text   a string property: PPPP 001F is written as UTF-16LE,
 *                     001E in the code page set by cp= (else as given)
 *   F:TTTTPPPP=path   a property stream holding the bytes of a file
 *   L:TTTTPPPP=n      a 4-byte property in the storage's __properties stream
 *   cp=NAME           the charset of later 001E strings (iconv name)
 *   recip | attach    open the next recipient / attachment storage
 *   embed             open a message embedded in the current attachment
 *                     (__substg1.0_3701000D, attach method 5)
 *   end               close the storage opened last
 * The values are whatever the test passes: invented data only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-stdio.h>
#include <gsf/gsf-utils.h>

enum kind { K_TOP, K_EMBED, K_RECIP, K_ATTACH };

struct level {
    GsfOutfile *dir;
    enum kind kind;
    unsigned nrecip, nattach;
    GByteArray *props; /* 16-byte entries of the __properties stream */
};

static void die(const char *what, const char *arg)
{
    fprintf(stderr, "make_msg: %s: %s\n", what, arg);
    exit(2);
}

static void put_stream(GsfOutfile *dir, const char *name, const void *b, size_t n)
{
    GsfOutput *o = gsf_outfile_new_child(dir, name, FALSE);
    if (!o || !gsf_output_write(o, n, b) || !gsf_output_close(o))
        die("cannot write stream", name);
    g_object_unref(o);
}

static void le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* The __properties_version1.0 stream; its header's size depends on the
 * storage: 32 bytes for the message, 24 for an embedded one, 8 else. */
static void close_level(struct level *l)
{
    unsigned char head[32] = {0};
    size_t hn = l->kind == K_TOP ? 32 : l->kind == K_EMBED ? 24 : 8;
    if (l->kind == K_TOP || l->kind == K_EMBED) {
        le32(head + 8, l->nrecip);
        le32(head + 12, l->nattach);
        le32(head + 16, l->nrecip);
        le32(head + 20, l->nattach);
    }
    GByteArray *s = g_byte_array_new();
    g_byte_array_append(s, head, (guint)hn);
    g_byte_array_append(s, l->props->data, l->props->len);
    put_stream(l->dir, "__properties_version1.0", s->data, s->len);
    g_byte_array_unref(s);
    g_byte_array_unref(l->props);
    if (!gsf_output_close(GSF_OUTPUT(l->dir)))
        die("cannot close", "storage");
    g_object_unref(l->dir);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: make_msg OUT ITEM...\n");
        return 2;
    }
    gsf_init();
    GError *ge = NULL;
    GsfOutput *sink = gsf_output_stdio_new(argv[1], &ge);
    if (!sink)
        die("cannot create", argv[1]);
    GsfOutfile *root = gsf_outfile_msole_new(sink);
    /* The class id of an Outlook message (what libmagic looks at). */
    static const guint8 clsid[16] = {0x0B, 0x0D, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
                                     0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
    gsf_outfile_msole_set_class_id(GSF_OUTFILE_MSOLE(root), clsid);
    struct level st[16];
    int top = 0;
    st[0] = (struct level){.dir = root, .kind = K_TOP, .props = g_byte_array_new()};
    const char *cp = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        struct level *l = &st[top];
        char name[64];
        if (strncmp(a, "cp=", 3) == 0) {
            cp = a + 3;
        } else if (strcmp(a, "recip") == 0 || strcmp(a, "attach") == 0 || strcmp(a, "embed") == 0) {
            if (top + 1 >= (int)(sizeof st / sizeof st[0]))
                die("too deep", a);
            enum kind k = a[0] == 'r' ? K_RECIP : a[0] == 'a' ? K_ATTACH : K_EMBED;
            if (k == K_RECIP)
                snprintf(name, sizeof name, "__recip_version1.0_#%08X", l->nrecip++);
            else if (k == K_ATTACH)
                snprintf(name, sizeof name, "__attach_version1.0_#%08X", l->nattach++);
            else
                snprintf(name, sizeof name, "__substg1.0_3701000D");
            GsfOutput *d = gsf_outfile_new_child(l->dir, name, TRUE);
            if (!d)
                die("cannot create storage", name);
            st[++top] =
                (struct level){.dir = GSF_OUTFILE(d), .kind = k, .props = g_byte_array_new()};
        } else if (strcmp(a, "end") == 0) {
            if (top == 0)
                die("end without storage", a);
            close_level(&st[top--]);
        } else if ((a[0] == 'S' || a[0] == 'F' || a[0] == 'L') && a[1] == ':' && strlen(a) > 11 &&
                   a[10] == '=') {
            char tag[9];
            memcpy(tag, a + 2, 8);
            tag[8] = '\0';
            const char *v = a + 11;
            snprintf(name, sizeof name, "__substg1.0_%s", tag);
            if (a[0] == 'S') {
                gsize n = 0;
                char *b;
                if (strcmp(tag + 4, "001F") == 0)
                    b = g_convert(v, -1, "UTF-16LE", "UTF-8", NULL, &n, NULL);
                else if (cp)
                    b = g_convert(v, -1, cp, "UTF-8", NULL, &n, NULL);
                else
                    b = g_strdup(v), n = strlen(v);
                if (!b)
                    die("cannot convert", a);
                put_stream(l->dir, name, b, n);
                g_free(b);
            } else if (a[0] == 'F') {
                gchar *b = NULL;
                gsize n = 0;
                if (!g_file_get_contents(v, &b, &n, NULL))
                    die("cannot read", v);
                put_stream(l->dir, name, b, n);
                g_free(b);
            } else {
                unsigned char e[16] = {0};
                le32(e, (uint32_t)strtoul(tag, NULL, 16));
                le32(e + 4, 6); /* readable, writable */
                le32(e + 8, (uint32_t)strtoul(v, NULL, 0));
                g_byte_array_append(l->props, e, 16);
            }
        } else {
            die("unknown item", a);
        }
    }
    while (top >= 0)
        close_level(&st[top--]);
    g_object_unref(sink);
    return 0;
}
