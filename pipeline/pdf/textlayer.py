"""The invisible text layer: each recognised word drawn as invisible text over its place on the scan.

It uses tesseract's own glyphless font (``pdf.ttf`` in Debian's tessdata), the font tesseract's
and OCRmyPDF's searchable PDFs use: one blank glyph, half an em wide, for every character, so
viewers select, copy and search the words while the scan stays what is seen. Characters are
written as their UTF-16 code units (Identity-H) and a ToUnicode map gives them back as text.
Each word is stretched (``Tz``) to its box; its line's height sets the font size.
"""

from __future__ import annotations

import pikepdf
from pikepdf import Array, Dictionary, Name

from pipeline._exec.tesseract import tessdata_dir
from pipeline.model import TextLayer

GLYPH_WIDTH = 0.5  # the glyphless font's advance, in ems

_TO_UNICODE = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
1 beginbfrange
<0000> <FFFF> <0000>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""


def glyphless_font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """The embedded glyphless Type0 font, added once to ``pdf``."""
    program = (tessdata_dir() / "pdf.ttf").read_bytes()
    font_file = pdf.make_stream(program)
    font_file.Length1 = len(program)
    descriptor = Dictionary(Type=Name.FontDescriptor, FontName=Name.GlyphLessFont, Flags=5,
                            FontBBox=Array([0, 0, 500, 1000]), ItalicAngle=0, Ascent=1000,
                            Descent=0, CapHeight=1000, StemV=80, FontFile2=font_file)
    cid_font = Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=Name.GlyphLessFont,
        CIDSystemInfo=Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=descriptor, DW=round(1000 * GLYPH_WIDTH),
        CIDToGIDMap=pdf.make_stream(b"\x00\x01" * 65536))  # every character: glyph 1
    return pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type0, BaseFont=Name.GlyphLessFont,
        Encoding=Name("/Identity-H"), DescendantFonts=Array([pdf.make_indirect(cid_font)]),
        ToUnicode=pdf.make_stream(_TO_UNICODE)))


def _hex(text: str) -> str:
    """UTF-16BE code units; characters beyond the BMP (none in Vietnamese) become U+FFFD."""
    return "".join(f"{ord(c) if ord(c) <= 0xFFFF else 0xFFFD:04X}" for c in text)


def content(layer: TextLayer) -> bytes:
    """Content stream drawing ``layer``'s words invisibly, in its pixels with y upwards."""
    ops = ["BT", "3 Tr"]
    for line in layer.lines:
        top = min(box[1] for _, box in line)
        bottom = max(box[3] for _, box in line)
        size = max(1, bottom - top)
        baseline = layer.height - bottom
        for index, (text, box) in enumerate(line):
            last = index == len(line) - 1
            shown = text if last else text + " "  # the space keeps words apart in extraction
            end = box[2] if last else line[index + 1][1][0]
            scale = 100 * max(1, end - box[0]) / (len(shown) * size * GLYPH_WIDTH)
            ops.append(f"/F1 {size} Tf {scale:.2f} Tz 1 0 0 1 {box[0]} {baseline} Tm "
                       f"<{_hex(shown)}> Tj")
    ops.append("ET")
    return "\n".join(ops).encode("ascii")


def form_xobject(pdf: pikepdf.Pdf, layer: TextLayer, font: pikepdf.Object) -> pikepdf.Stream:
    """``layer`` as a Form XObject in its own pixel space, to be placed by ``layer.matrix``."""
    form = pdf.make_stream(content(layer))
    form.Type = Name.XObject
    form.Subtype = Name.Form
    form.BBox = Array([0, 0, max(1, layer.width), max(1, layer.height)])
    form.Resources = Dictionary(Font=Dictionary(F1=font))
    return form
