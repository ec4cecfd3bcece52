"""Office documents made at test time (DOCX, ODT, XLSX, ODS) with personal
data planted in every hidden corner; used by test_office.py and
tests/bench/bench_office.sh. The texts, names and numbers are invented for
these tests.

make_docx(path, values) etc. write a package; PLANTED maps each corner to
the value planted there; KEEP lists non-personal text that must survive.
"""
import struct
import zipfile
import zlib
from fixture_ids import iin


IIN_HIDDEN = iin("91031240052")
IIN_ALT = iin("85112740017")
IIN_CELL = iin("79060340128")

# corner -> planted value (each unique, so a leak names its corner)
PLANTED = {
    "body": "+7 701 384 52 17",
    "table": "dana.kurmanova@example.kz",
    "header": "+7 777 215 43 98",
    "footer": "footer.witness@example.org",
    "footnote": "+996 555 214 387",
    "endnote": "endnote.person@example.com",
    "textbox": "textbox.victim@example.ru",
    "comment": "+7 705 611 28 49",
    "comment_author": "saule.ibraeva@example.kz",
    "insertion": "+7 702 918 33 64",
    "deletion": "deleted.victim@example.kz",
    "hidden": IIN_HIDDEN,
    "field_code": "field.code@example.kz",
    "link_target": "rel.target@example.kz",
    "core_creator": "creator.person@example.kz",
    "core_modified_by": "+7 771 402 66 15",
    "core_title": "title.person@example.kz",
    "app_manager": "manager.person@example.kz",
    "custom_prop": "+7 700 512 74 26",
    "alt_text": IIN_ALT,
    "doc_var": "+7 747 803 21 55",
    "people": "people.presence@example.kz",
    "hidden_style": "+7 700 913 47 21",
}
# Text in a run hidden only through a style two basedOn / parent-style-name
# levels up: read and redacted, but never in an exported document.
STYLE_HIDDEN = "пометка скрытым стилем"
KEEP = ["Уголовное дело рассмотрено в районном суде",
        "The hearing was adjourned until further notice",
        "Сот отырысы келесі аптаға қалдырылды"]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_R = "http://schemas.openxmlformats.org/package/2006/relationships"


def png(w=40, h=40, gray=90):
    """A small grey PNG."""
    raw = b"".join(b"\0" + bytes([gray]) * w for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


PNG_MARK = b"intake-original-picture-bytes"  # in a tEXt-free way: appended after IEND


def picture():
    return png() + PNG_MARK


def _write(path, members, first_stored=None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        if first_stored:
            z.writestr(zipfile.ZipInfo(first_stored[0]), first_stored[1], zipfile.ZIP_STORED)
        for name, data in members:
            z.writestr(name, data)


def _p(text, extra=""):
    return '<w:p>%s<w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>' % (extra, text)


def docx_members(v=PLANTED, body_extra=""):
    ct = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Default Extension="png" ContentType="image/png"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>
<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>
<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>
<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>
<Override PartName="/word/endnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"/>
<Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/>
<Override PartName="/word/people.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.people+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>
<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>
</Types>"""
    rels = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="%s">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>
<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/>
</Relationships>""" % PKG_R
    docrels = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="%s">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>
<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>
<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/>
<Relationship Id="rId6" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes" Target="endnotes.xml"/>
<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" Target="comments.xml"/>
<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image1.png"/>
<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="mailto:%s" TargetMode="External"/>
<Relationship Id="rId10" Type="http://schemas.microsoft.com/office/2011/relationships/people" Target="people.xml"/>
</Relationships>""" % (PKG_R, v["link_target"])
    ns = ('xmlns:w="%s" xmlns:r="%s" '
          'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
          'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
          'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" '
          'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
          'xmlns:v="urn:schemas-microsoft-com:vml"' % (W, R))
    drawing = ('<w:r><w:drawing><wp:inline><wp:extent cx="914400" cy="914400"/>'
               '<wp:docPr id="1" name="Picture 1" descr="ID %s"/>'
               '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
               '<pic:pic><pic:nvPicPr><pic:cNvPr id="0" name="image1.png"/><pic:cNvPicPr/></pic:nvPicPr>'
               '<pic:blipFill><a:blip r:embed="rId8"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
               '<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="914400" cy="914400"/></a:xfrm>'
               '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>'
               '</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>' % v["alt_text"])
    textbox = ('<w:r><w:pict><v:shape id="tb1" style="width:200pt;height:40pt"><v:textbox>'
               '<w:txbxContent>%s</w:txbxContent></v:textbox></v:shape></w:pict></w:r>'
               % _p("Text box: " + v["textbox"]))
    body = "".join([
        _p(KEEP[0] + "."),
        '<w:p><w:r><w:t xml:space="preserve">Потерпевшая сообщила телефон %s </w:t></w:r>'
        '<w:commentRangeStart w:id="1"/><w:r><w:t>и адрес.</w:t></w:r><w:commentRangeEnd w:id="1"/>'
        '<w:r><w:commentReference w:id="1"/></w:r></w:p>' % v["body"],
        '<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>'
        '<w:tr><w:tc>%s</w:tc><w:tc>%s</w:tc></w:tr></w:tbl>'
        % (_p("E-mail"), _p(v["table"])),
        '<w:p><w:r><w:t xml:space="preserve">%s </w:t></w:r>'
        '<w:ins w:id="2" w:author="%s" w:date="2024-03-01T10:00:00Z"><w:r><w:t xml:space="preserve">new phone %s </w:t></w:r></w:ins>'
        '<w:del w:id="3" w:author="%s" w:date="2024-03-01T10:00:00Z"><w:r><w:delText>old mail %s</w:delText></w:r></w:del>'
        '<w:r><w:rPr><w:vanish/></w:rPr><w:t xml:space="preserve">ИИН %s</w:t></w:r>'
        '<w:r><w:rPr><w:rStyle w:val="HidTop"/></w:rPr><w:t xml:space="preserve"> %s %s</w:t></w:r></w:p>'
        % (KEEP[1] + ".", v["comment_author"], v["insertion"], v["comment_author"], v["deletion"],
           v["hidden"], STYLE_HIDDEN, v["hidden_style"]),
        '<w:p><w:r><w:t xml:space="preserve">Footnote</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r>'
        '<w:r><w:t xml:space="preserve"> and endnote</w:t></w:r><w:r><w:endnoteReference w:id="1"/></w:r></w:p>',
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> HYPERLINK "mailto:%s" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>написать</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        '<w:hyperlink r:id="rId9"><w:r><w:t>ссылка</w:t></w:r></w:hyperlink></w:p>' % v["field_code"],
        '<w:p>%s</w:p>' % drawing,
        '<w:p>%s</w:p>' % textbox,
        _p(KEEP[2] + "."),
        body_extra,
        '<w:sectPr><w:headerReference w:type="default" r:id="rId3"/>'
        '<w:footerReference w:type="default" r:id="rId4"/></w:sectPr>',
    ])
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<w:document %s><w:body>%s</w:body></w:document>' % (ns, body))
    hdr = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:hdr %s>%s</w:hdr>'
           % (ns, _p("Header: " + v["header"])))
    ftr = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:ftr %s>%s</w:ftr>'
           % (ns, _p("Footer: " + v["footer"])))
    sepnotes = ('<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
                '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>')
    fn = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes %s>%s'
          '<w:footnote w:id="1">%s</w:footnote></w:footnotes>'
          % (ns, sepnotes, _p("Footnote phone " + v["footnote"])))
    en = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:endnotes %s>%s'
          '<w:endnote w:id="1">%s</w:endnote></w:endnotes>'
          % (ns, sepnotes.replace("footnote", "endnote"), _p("Endnote mail " + v["endnote"])))
    cm = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:comments %s>'
          '<w:comment w:id="1" w:author="%s" w:initials="SI" w:date="2024-03-01T10:00:00Z">%s</w:comment>'
          '</w:comments>' % (ns, v["comment_author"], _p("Проверить номер " + v["comment"])))
    people = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
              '<w15:person w15:author="Reviewer"><w15:presenceInfo w15:providerId="AD" '
              'w15:userId="S::%s::1"/></w15:person></w15:people>' % v["people"])
    styles = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:styles %s>'
              '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
              '<w:style w:type="character" w:styleId="HidBase"><w:name w:val="Hid Base"/><w:rPr><w:vanish/></w:rPr></w:style>'
              '<w:style w:type="character" w:styleId="HidMid"><w:name w:val="Hid Mid"/><w:basedOn w:val="HidBase"/></w:style>'
              '<w:style w:type="character" w:styleId="HidTop"><w:name w:val="Hid Top"/><w:basedOn w:val="HidMid"/>'
              '<w:rPr><w:i/></w:rPr></w:style>'
              '<w:style w:type="character" w:styleId="CycA"><w:name w:val="Cyc A"/><w:basedOn w:val="CycB"/></w:style>'
              '<w:style w:type="character" w:styleId="CycB"><w:name w:val="Cyc B"/><w:basedOn w:val="CycA"/></w:style>'
              '</w:styles>' % ns)
    settings = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:settings %s>'
                '<w:zoom w:percent="100"/><w:docVars><w:docVar w:name="witness" w:val="%s"/></w:docVars>'
                '</w:settings>' % (ns, v["doc_var"]))
    core = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            '<dc:title>%s</dc:title><dc:creator>%s</dc:creator>'
            '<cp:lastModifiedBy>%s</cp:lastModifiedBy>'
            '<dcterms:created xsi:type="dcterms:W3CDTF">2024-03-01T10:00:00Z</dcterms:created>'
            '</cp:coreProperties>' % (v["core_title"], v["core_creator"], v["core_modified_by"]))
    app = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           '<Application>Microsoft Office Word</Application><Manager>%s</Manager>'
           '<Company>Прокуратура</Company></Properties>' % v["app_manager"])
    custom = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
              'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
              '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Witness phone">'
              '<vt:lpwstr>%s</vt:lpwstr></property></Properties>' % v["custom_prop"])
    return [("[Content_Types].xml", ct), ("_rels/.rels", rels), ("word/document.xml", document),
            ("word/_rels/document.xml.rels", docrels), ("word/styles.xml", styles),
            ("word/settings.xml", settings), ("word/header1.xml", hdr), ("word/footer1.xml", ftr),
            ("word/footnotes.xml", fn), ("word/endnotes.xml", en), ("word/comments.xml", cm),
            ("word/people.xml", people), ("word/media/image1.png", picture()),
            ("docProps/core.xml", core), ("docProps/app.xml", app), ("docProps/custom.xml", custom)]


def make_docx(path, v=PLANTED, body_extra=""):
    _write(path, docx_members(v, body_extra))


ODT_PLANTED = {
    "body": "+7 701 655 90 14",
    "table": "odt.table@example.kz",
    "header": "+7 777 390 12 56",
    "footer": "odt.footer@example.org",
    "footnote": "+996 700 318 264",
    "textbox": "odt.textbox@example.ru",
    "annotation": "+7 705 240 81 37",
    "annotation_author": "odt.annotator@example.kz",
    "insertion": "+7 702 471 09 85",
    "deletion": "odt.deleted@example.kz",
    "hidden_span": iin("88020540061"),
    "hidden_field": "odt.hiddenfield@example.kz",
    "link": "odt.link@example.kz",
    "meta_creator": "odt.creator@example.kz",
    "meta_title": "+7 771 902 44 18",
    "meta_user": "+7 700 118 35 72",
    "hidden_style": "odt.hidden.style@example.kz",
}

PRINTER = "Kabinet-Abenova-HP"  # an ODF printer name: never read, removed from the export

ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
          'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
          'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:dc="http://purl.org/dc/elements/1.1/" '
          'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
          'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
          'office:version="1.3"')


def _odf_common(mimetype, content, styles, v):
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="%s"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
                '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
                '<manifest:file-entry manifest:full-path="settings.xml" manifest:media-type="text/xml"/>'
                '<manifest:file-entry manifest:full-path="Pictures/pic1.png" manifest:media-type="image/png"/>'
                '</manifest:manifest>' % mimetype)
    meta = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta %s><office:meta>'
            '<dc:creator>%s</dc:creator><meta:initial-creator>%s</meta:initial-creator>'
            '<dc:title>%s</dc:title><meta:user-defined meta:name="Witness">%s</meta:user-defined>'
            '</office:meta></office:document-meta>'
            % (ODF_NS, v["meta_creator"], v["meta_creator"], v["meta_title"], v["meta_user"]))
    settings = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-settings %s '
                'xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0"><office:settings>'
                '<config:config-item-set config:name="ooo:configuration-settings">'
                '<config:config-item config:name="PrinterName" config:type="string">%s</config:config-item>'
                '</config:config-item-set></office:settings></office:document-settings>'
                % (ODF_NS, PRINTER))
    return [("META-INF/manifest.xml", manifest), ("content.xml", content), ("styles.xml", styles),
            ("meta.xml", meta), ("settings.xml", settings), ("Pictures/pic1.png", picture())]


def make_odt(path, v=ODT_PLANTED):
    content = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content %s>'
               '<office:automatic-styles><style:style style:name="Hid" style:family="text">'
               '<style:text-properties text:display="none"/></style:style>'
               '<style:style style:name="T9" style:family="text" style:parent-style-name="HidMid">'
               '<style:text-properties fo:font-style="italic"/></style:style></office:automatic-styles>'
               '<office:body><office:text>'
               '<text:tracked-changes><text:changed-region text:id="ct1"><text:deletion>'
               '<office:change-info><dc:creator>%s</dc:creator><dc:date>2024-03-01T10:00:00</dc:date></office:change-info>'
               '<text:p>old mail %s</text:p></text:deletion></text:changed-region>'
               '<text:changed-region text:id="ct2"><text:insertion><office:change-info>'
               '<dc:creator>%s</dc:creator><dc:date>2024-03-01T10:00:00</dc:date></office:change-info>'
               '</text:insertion></text:changed-region></text:tracked-changes>'
               '<text:p>%s.</text:p>'
               '<text:p>Потерпевшая сообщила телефон %s.<office:annotation><dc:creator>%s</dc:creator>'
               '<text:p>Проверить номер %s</text:p></office:annotation></text:p>'
               '<table:table table:name="Table1"><table:table-column table:number-columns-repeated="2"/><table:table-row>'
               '<table:table-cell><text:p>E-mail</text:p></table:table-cell>'
               '<table:table-cell><text:p>%s</text:p></table:table-cell></table:table-row></table:table>'
               '<text:p>%s <text:change text:change-id="ct1"/><text:change-start text:change-id="ct2"/>new phone %s<text:change-end text:change-id="ct2"/>'
               ' <text:span text:style-name="Hid">ИИН %s</text:span>'
               ' <text:span text:style-name="T9">%s %s</text:span>'
               '<text:hidden-text text:condition="ooow:1" text:string-value="%s"/></text:p>'
               '<text:p>Footnote<text:note text:id="n1" text:note-class="footnote"><text:note-citation>1</text:note-citation>'
               '<text:note-body><text:p>Footnote phone %s</text:p></text:note-body></text:note></text:p>'
               '<text:p><text:a xlink:type="simple" xlink:href="mailto:%s">ссылка</text:a></text:p>'
               '<text:p><draw:frame draw:name="pic" svg:width="2cm" svg:height="2cm" text:anchor-type="paragraph">'
               '<draw:image xlink:href="Pictures/pic1.png" xlink:type="simple"/></draw:frame></text:p>'
               '<text:p><draw:frame draw:name="tb" svg:width="6cm" svg:height="2cm" text:anchor-type="paragraph">'
               '<draw:text-box><text:p>Text box: %s</text:p></draw:text-box></draw:frame></text:p>'
               '<text:p>%s.</text:p>'
               '</office:text></office:body></office:document-content>'
               % (ODF_NS, v["annotation_author"], v["deletion"], v["annotation_author"], KEEP[0],
                  v["body"], v["annotation_author"], v["annotation"], v["table"], KEEP[1],
                  v["insertion"], v["hidden_span"], STYLE_HIDDEN, v["hidden_style"], v["hidden_field"], v["footnote"], v["link"],
                  v["textbox"], KEEP[2]))
    styles = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles %s>'
              '<office:styles><style:style style:name="HidBase" style:family="text">'
              '<style:text-properties text:display="none"/></style:style>'
              '<style:style style:name="HidMid" style:family="text" style:parent-style-name="HidBase"/>'
              '<style:style style:name="CycA" style:family="text" style:parent-style-name="CycB"/>'
              '<style:style style:name="CycB" style:family="text" style:parent-style-name="CycA"/>'
              '</office:styles>'
              '<office:automatic-styles><style:page-layout style:name="pm1"/></office:automatic-styles>'
              '<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1">'
              '<style:header><text:p>Header: %s</text:p></style:header>'
              '<style:footer><text:p>Footer: %s</text:p></style:footer>'
              '</style:master-page></office:master-styles></office:document-styles>'
              % (ODF_NS, v["header"], v["footer"]))
    mt = "application/vnd.oasis.opendocument.text"
    _write(path, _odf_common(mt, content, styles, v), first_stored=("mimetype", mt))


XLSX_PLANTED = {
    "shared": "xlsx.shared@example.kz",
    "inline": "+7 701 288 17 43",
    "number": IIN_CELL,
    "formula": "xlsx.formula@example.kz",
    "unused_shared": "+7 705 377 62 18",
    "comment": "xlsx.comment@example.kz",
    "sheet_name": "+7 702 650 34 91",
    "creator": "xlsx.creator@example.kz",
    "hidden_sheet": "+7 708 412 95 30",
    "hidden_shared": "hidden.sheet@example.kz",
    "formula_cached": "+7 776 230 18 44",
    "app_company": "company.person@example.kz",
    "name": "Гульмира Жаксыбекова",  # invented
}


def make_xlsx(path, v=XLSX_PLANTED):
    S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    members = [
        ("[Content_Types].xml",
         '<?xml version="1.0" encoding="UTF-8"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
         '<Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
         '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
         '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
         '<Override PartName="/xl/comments1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"/>'
         '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
         '<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/>'
         '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
         '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
         '<Default Extension="png" ContentType="image/png"/>'
         '</Types>'),
        ("_rels/.rels",
         '<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="%s">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
         '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
         '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
         '</Relationships>' % PKG_R),
        ("xl/workbook.xml",
         '<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="%s" xmlns:r="%s"><sheets>'
         '<sheet name="Тел %s" sheetId="1" r:id="rId1"/><sheet name="Скрыт" sheetId="2" state="hidden" r:id="rId3"/>'
         '</sheets><definedNames><definedName name="Witness">\'Тел %s\'!$A$2</definedName></definedNames></workbook>'
         % (S, R, v["sheet_name"], v["sheet_name"])),
        ("xl/_rels/workbook.xml.rels",
         '<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="%s">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
         '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
         '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>'
         '<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain" Target="calcChain.xml"/>'
         '</Relationships>' % PKG_R),
        ("xl/sharedStrings.xml",
         '<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="%s" count="5" uniqueCount="5">'
         '<si><t>%s</t></si><si><t>%s</t></si><si><t>%s</t></si><si><r><t>Скрытый </t></r><r><t>%s</t></r></si>'
         '<si><t>Свидетель %s пояснила суду.</t></si></sst>'
         % (S, KEEP[0], v["shared"], v["unused_shared"], v["hidden_shared"], v["name"])),
        ("xl/worksheets/sheet1.xml",
         '<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="%s"><sheetData>'
         '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
         '<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" t="inlineStr"><is><t>%s</t></is></c>'
         '<c r="C2"><v>%s</v></c><c r="D2" t="str"><f>"%s"</f><v>%s</v></c>'
         '<c r="E2" t="str"><f>"Тел: "&amp;"%s"</f><v>Тел: %s</v></c><c r="F2"><f>1+2</f><v>3</v></c></row>'
         '<row r="3"><c r="A3" t="s"><v>4</v></c></row></sheetData></worksheet>' % (S, v["inline"], v["number"], v["formula"], v["formula"],
                                         v["formula_cached"], v["formula_cached"])),
        ("xl/worksheets/sheet2.xml",
         '<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="%s"><sheetData>'
         '<row r="1"><c r="A1" t="inlineStr"><is><t>Скрытый лист %s</t></is></c><c r="B1" t="s"><v>3</v></c></row>'
         '</sheetData></worksheet>' % (S, v["hidden_sheet"])),
        ("xl/calcChain.xml",
         '<?xml version="1.0" encoding="UTF-8"?>\n<calcChain xmlns="%s"><c r="D2" i="1"/><c r="E2"/><c r="F2"/></calcChain>' % S),
        ("xl/media/image1.png", picture()),
        ("docProps/app.xml",
         '<?xml version="1.0" encoding="UTF-8"?>\n<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
         'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Company>%s</Company>'
         '<TitlesOfParts><vt:vector size="1" baseType="lpstr"><vt:lpstr>Тел %s</vt:lpstr></vt:vector></TitlesOfParts></Properties>'
         % (v["app_company"], v["sheet_name"])),
        ("xl/comments1.xml",
         '<?xml version="1.0" encoding="UTF-8"?>\n<comments xmlns="%s"><authors><author>Reviewer</author></authors>'
         '<commentList><comment ref="A1" authorId="0"><text><r><t>%s</t></r></text></comment></commentList></comments>'
         % (S, v["comment"])),
        ("docProps/core.xml",
         '<?xml version="1.0" encoding="UTF-8"?>\n<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
         'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>%s</dc:creator></cp:coreProperties>' % v["creator"]),
    ]
    _write(path, members)


ODS_PLANTED = {
    "cell": "ods.cell@example.kz",
    "value": iin("90071540013"),
    "annotation": "+7 701 934 28 16",
    "sheet_name": "ods.sheet@example.kz",
    "meta_creator": "ods.creator@example.kz",
    "meta_title": "+7 771 455 80 27",
    "meta_user": "+7 700 266 73 09",
    "hidden_sheet": "hidden.ods@example.kz",
    "formula_literal": "+7 747 129 56 03",
    "name": "Тимур Оспанов",  # invented
}


def make_ods(path, v=ODS_PLANTED):
    content = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content %s>'
               '<office:body><office:spreadsheet><table:table table:name="%s">'
               '<table:table-row><table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>'
               '<table:table-cell office:value-type="string"><text:p>%s</text:p>'
               '<office:annotation><dc:creator>Reviewer</dc:creator><text:p>%s</text:p></office:annotation></table:table-cell>'
               '<table:table-cell office:value-type="float" office:value="%s"><text:p>8.8E+11</text:p></table:table-cell>'
               '<table:table-cell table:formula="of:=&quot;%s&quot;" office:value-type="string" office:string-value="%s">'
               '<text:p>%s</text:p></table:table-cell>'
               '<table:table-cell table:formula="of:=1+2" office:value-type="float" office:value="3"><text:p>3</text:p></table:table-cell>'
               '</table:table-row></table:table>'
               '<table:table table:name="Hidden" table:style-name="taHidden"><table:table-row>'
               '<table:table-cell office:value-type="string"><text:p>Скрытый лист %s</text:p></table:table-cell>'
               '</table:table-row><table:table-row><table:table-cell office:value-type="string">'
               '<text:p>Потерпевший %s работал в кафе.</text:p></table:table-cell></table:table-row></table:table>'
               '</office:spreadsheet></office:body></office:document-content>'
               % (ODF_NS, v["sheet_name"], KEEP[0], v["cell"], v["annotation"], v["value"],
                  v["formula_literal"], v["formula_literal"], v["formula_literal"], v["hidden_sheet"],
                  v["name"]))
    content = content.replace(ODF_NS, ODF_NS + ' xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"', 1)
    content = content.replace('<office:body>',
                              '<office:automatic-styles><style:style style:name="taHidden" style:family="table">'
                              '<style:table-properties table:display="false"/></style:style></office:automatic-styles>'
                              '<office:body>', 1)
    styles = '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles %s/>' % ODF_NS
    # the sheet's name copied where no text is read: a named range's address
    # and settings.xml's view entries (LibreOffice writes both)
    content = content.replace('</office:spreadsheet>',
                              '<table:named-expressions><table:named-range table:name="Witness" '
                              'table:base-cell-address="$\'%s\'.$A$1" '
                              'table:cell-range-address="$\'%s\'.$A$1:.$B$1"/></table:named-expressions>'
                              '</office:spreadsheet>' % (v["sheet_name"], v["sheet_name"]), 1)
    mt = "application/vnd.oasis.opendocument.spreadsheet"
    members = _odf_common(mt, content, styles, v)
    settings = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-settings %s '
                'xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0"><office:settings>'
                '<config:config-item-set config:name="ooo:view-settings"><config:config-item-map-indexed config:name="Views">'
                '<config:config-item-map-entry><config:config-item config:name="ActiveTable" config:type="string">%s</config:config-item>'
                '<config:config-item-map-named config:name="Tables"><config:config-item-map-entry config:name="%s">'
                '<config:config-item config:name="CursorPositionX" config:type="int">0</config:config-item>'
                '</config:config-item-map-entry></config:config-item-map-named></config:config-item-map-entry>'
                '</config:config-item-map-indexed></config:config-item-set>'
                '<config:config-item-set config:name="ooo:configuration-settings">'
                '<config:config-item config:name="PrinterName" config:type="string">%s</config:config-item>'
                '</config:config-item-set></office:settings></office:document-settings>'
                % (ODF_NS, v["sheet_name"], v["sheet_name"], PRINTER))
    members = [(n, settings if n == "settings.xml" else d) for n, d in members]
    _write(path, members, first_stored=("mimetype", mt))


def make_bomb(path, size_mb=1024):
    """One member of size_mb MiB of zeros, deflated (about 1 MB), in a DOCX shell."""
    members = docx_members()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members[:4]:
            z.writestr(name, data)
        with z.open("word/media/zeros.bin", "w", force_zip64=True) as f:
            block = b"\0" * (1 << 20)
            for _ in range(size_mb):
                f.write(block)


if __name__ == "__main__":
    import sys
    d = sys.argv[1] if len(sys.argv) > 1 else "."
    make_docx(d + "/t.docx")
    make_odt(d + "/t.odt")
    make_xlsx(d + "/t.xlsx")
    make_ods(d + "/t.ods")
