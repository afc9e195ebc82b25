"""Official documents as Word files, GB/T 9704 in spirit: A4 with the official margins, the title in
a Song-style face, body text in FangSong at 16 pt on a 28 pt line, Chinese faces set for East Asian
text so Word and WPS pick them."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

TITLE_FACE = "方正小标宋简体"
HEADING_FACE = "黑体"
BODY_FACE = "仿宋_GB2312"
ALIGNMENTS = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}


def official_document() -> Any:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    return doc


def paragraph(
    doc: Any,
    text: str,
    face: str = BODY_FACE,
    size: float = 16,
    *,
    align: str = "",
    bold: bool = False,
    indent: bool = False,
) -> Any:
    para = doc.add_paragraph()
    if align in ALIGNMENTS:
        para.alignment = ALIGNMENTS[align]
    if indent:
        para.paragraph_format.first_line_indent = Pt(size * 2)
    para.paragraph_format.line_spacing = Pt(28)
    run = para.add_run(text)
    run.font.name = face
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.rPr.rFonts.set(qn("w:eastAsia"), face)
    return para


def chinese_date(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def to_bytes(doc: Any) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
