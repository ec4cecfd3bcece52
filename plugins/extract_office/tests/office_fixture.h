/*
 * plugins/extract_office/tests/office_fixture.h: a DOCX made at test time
 * (office_zip_write) with a planted value in every corner. Texts, names
 * and numbers are invented for these tests.
 */
#ifndef OFFICE_FIXTURE_H
#define OFFICE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "office.h"

struct fx_plant {
    const char *corner;
    const char *value;
    int page; /* enum office_page where the walk must put it */
};

static const struct fx_plant fx_plants[] = {
    {"body", "+7 701 562 19 84", OFFICE_PAGE_BODY},
    {"table", "cell.person@example.kz", OFFICE_PAGE_BODY},
    {"text box", "box.person@example.kz", OFFICE_PAGE_BODY},
    {"insertion", "+7 702 340 77 18", OFFICE_PAGE_BODY},
    {"header", "+7 777 610 28 45", OFFICE_PAGE_HEADFOOT},
    {"footer", "foot.person@example.org", OFFICE_PAGE_HEADFOOT},
    {"footnote", "+996 555 730 146", OFFICE_PAGE_NOTES},
    {"comment", "+7 705 148 93 60", OFFICE_PAGE_COMMENTS},
    {"deletion", "gone.person@example.kz", OFFICE_PAGE_HIDDEN},
    {"vanish", "+7 708 224 51 39", OFFICE_PAGE_HIDDEN},
    {"field code", "field.person@example.kz", OFFICE_PAGE_HIDDEN},
    {"fallback", "fallback.person@example.kz", OFFICE_PAGE_HIDDEN},
    {"alt text", "alt.person@example.kz", OFFICE_PAGE_HIDDEN},
    {"link target", "link.person@example.kz", OFFICE_PAGE_HIDDEN},
    {"chart", "chart.person@example.kz", OFFICE_PAGE_OTHER},
    {"author", "author.person@example.kz", OFFICE_PAGE_PROPS},
    {"creator", "creator.person@example.kz", OFFICE_PAGE_PROPS},
    {"last modified by", "+7 771 830 46 12", OFFICE_PAGE_PROPS},
    {"company", "company.person@example.kz", OFFICE_PAGE_PROPS},
    {"custom property", "+7 700 903 62 57", OFFICE_PAGE_PROPS},
    {"document variable", "+7 747 516 08 73", OFFICE_PAGE_PROPS},
};
#define FX_NPLANTS (sizeof fx_plants / sizeof fx_plants[0])
#define FX_KEEP    "The hearing was adjourned until further notice."

#define FX_W                                                                                       \
    "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" "                    \
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" "             \
    "xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" "         \
    "xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\" "                    \
    "xmlns:v=\"urn:schemas-microsoft-com:vml\""
#define FX_XML  "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
#define FX_P(t) "<w:p><w:r><w:t xml:space=\"preserve\">" t "</w:t></w:r></w:p>"

static char *fx_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fx_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

#define PV(i) fx_plants[i].value

/* The DOCX's members; \p doc_override replaces word/document.xml. Caller frees with fx_free. */
static size_t fx_docx(struct office_out *m, char **owned, const char *doc_override)
{
    size_t n = 0;
    owned[0] = fx_fmt(
        FX_XML
        "<w:document " FX_W
        "><w:body>" FX_P("Потерпевшая сообщила телефон %s.") "<w:tbl><w:tr><w:tc>" FX_P(
            "%s") "</w:tc></w:tr></w:tbl>"
                  "<w:p><w:r><w:pict><v:shape><v:textbox><w:txbxContent>" FX_P(
                      "Box %s") "</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>"
                                "<w:p><w:r><w:t xml:space=\"preserve\">" FX_KEEP " </w:t></w:r>"
                                "<w:ins w:id=\"1\" w:author=\"%s\"><w:r><w:t "
                                "xml:space=\"preserve\">"
                                "new %s </w:t></w:r></w:ins>"
                                "<w:del w:id=\"2\" w:author=\"%s\"><w:r><w:delText>old "
                                "%s</w:delText>"
                                "</w:r></w:del><w:r><w:rPr><w:vanish/></w:rPr><w:t>hid "
                                "%s</w:t></w:r>"
                                "<w:commentRangeStart w:id=\"3\"/><w:r><w:t>x</w:t></w:r>"
                                "<w:commentRangeEnd w:id=\"3\"/><w:r><w:commentReference "
                                "w:id=\"3\"/>"
                                "</w:r></w:p>"
                                "<w:p><w:r><w:instrText> HYPERLINK \"mailto:%s\" "
                                "</w:instrText></w:r>"
                                "<w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:t>c</w:t>"
                                "</mc:Choice><mc:Fallback><w:t>fb %s</w:t></mc:Fallback>"
                                "</mc:AlternateContent></w:r>"
                                "<w:r><w:drawing><wp:inline><wp:docPr id=\"1\" name=\"p\" "
                                "descr=\"%s\"/></wp:inline></w:drawing></w:r>"
                                "<w:r><w:footnoteReference w:id=\"1\"/></w:r></w:p>"
                                "</w:body></w:document>",
        PV(0), PV(1), PV(2), PV(15), PV(3), PV(15), PV(8), PV(9), PV(10), PV(11), PV(12));
    owned[1] = fx_fmt(
        FX_XML "<Relationships "
               "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
               "<Relationship Id=\"rId9\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
               "2006/relationships/hyperlink\" Target=\"mailto:%s\" TargetMode=\"External\"/>"
               "</Relationships>",
        PV(13));
    owned[2] = fx_fmt(FX_XML "<w:hdr " FX_W ">" FX_P("H %s") "</w:hdr>", PV(4));
    owned[3] = fx_fmt(FX_XML "<w:ftr " FX_W ">" FX_P("F %s") "</w:ftr>", PV(5));
    owned[4] = fx_fmt(FX_XML "<w:footnotes " FX_W
                             "><w:footnote w:id=\"1\">" FX_P("N %s") "</w:footnote></w:footnotes>",
                      PV(6));
    owned[5] = fx_fmt(FX_XML "<w:comments " FX_W "><w:comment w:id=\"3\" w:author=\"%s\">" FX_P(
                          "C %s") "</w:comment></w:comments>",
                      PV(15), PV(7));
    owned[6] = fx_fmt(FX_XML "<cp:coreProperties "
                             "xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/"
                             "core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
                             "<dc:creator>%s</dc:creator><cp:lastModifiedBy>%s</cp:lastModifiedBy>"
                             "</cp:coreProperties>",
                      PV(16), PV(17));
    owned[7] = fx_fmt(FX_XML "<Properties xmlns=\"http://schemas.openxmlformats.org/"
                             "officeDocument/2006/extended-properties\"><Company>%s</Company>"
                             "</Properties>",
                      PV(18));
    owned[8] = fx_fmt(FX_XML "<Properties xmlns=\"http://schemas.openxmlformats.org/"
                             "officeDocument/2006/custom-properties\" xmlns:vt=\"http://"
                             "schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">"
                             "<property fmtid=\"{D5CDD505-2E9C-101B-9397-08002B2CF9AE}\" pid=\"2\" "
                             "name=\"Witness\"><vt:lpwstr>%s</vt:lpwstr></property></Properties>",
                      PV(19));
    owned[9] = fx_fmt(FX_XML "<w:settings " FX_W "><w:docVars><w:docVar w:name=\"v\" w:val=\"%s\"/>"
                             "</w:docVars></w:settings>",
                      PV(20));
    owned[10] = fx_fmt(FX_XML "<c:chartSpace xmlns:c=\"http://schemas.openxmlformats.org/"
                              "drawingml/2006/chart\"><c:v>%s</c:v></c:chartSpace>",
                       PV(14));
    static const char ct[] =
        FX_XML "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
               "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
               "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
               "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
    const char *doc = doc_override ? doc_override : owned[0];
    m[n++] = (struct office_out){"[Content_Types].xml", (const unsigned char *)ct, strlen(ct), 0};
    m[n++] = (struct office_out){"word/document.xml", (const unsigned char *)doc, strlen(doc), 0};
    static const char *const names[] = {NULL,
                                        "word/_rels/document.xml.rels",
                                        "word/header1.xml",
                                        "word/footer1.xml",
                                        "word/footnotes.xml",
                                        "word/comments.xml",
                                        "docProps/core.xml",
                                        "docProps/app.xml",
                                        "docProps/custom.xml",
                                        "word/settings.xml",
                                        "word/charts/chart1.xml"};
    for (int i = 1; i <= 10; i++)
        m[n++] =
            (struct office_out){names[i], (const unsigned char *)owned[i], strlen(owned[i]), 0};
    return n;
}

static void fx_free(char **owned)
{
    for (int i = 0; i < 11; i++)
        free(owned[i]);
}

/* The DOCX as zip bytes (malloc). */
static unsigned char *fx_docx_zip(size_t *len, const char *doc_override)
{
    struct office_out m[16];
    char *owned[11] = {0};
    size_t n = fx_docx(m, owned, doc_override);
    unsigned char *z = NULL;
    if (office_zip_write(m, n, &z, len) != INTAKE_OK)
        z = NULL;
    fx_free(owned);
    return z;
}

#endif
