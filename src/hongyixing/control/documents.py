"""Official documents of control measures as Word files (GB/T 9704 layout in spirit: title in
a Song-style face, body in FangSong, number under the title, issuer and date at the bottom right)."""

from __future__ import annotations

import io

from django.conf import settings
from django.utils import timezone, translation
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from hongyixing.control.models import Measure


def _font(run: object, face: str, size: float, bold: bool = False) -> None:
    run.font.name = face  # type: ignore[attr-defined]
    run.font.size = Pt(size)  # type: ignore[attr-defined]
    run.font.bold = bold  # type: ignore[attr-defined]
    run._element.rPr.rFonts.set(qn("w:eastAsia"), face)  # type: ignore[attr-defined]


def _paragraph(
    doc: object, text: str, face: str = "仿宋_GB2312", size: float = 16, **options: object
) -> object:
    paragraph = doc.add_paragraph()  # type: ignore[attr-defined]
    if options.get("align") == "center":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif options.get("align") == "right":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if options.get("indent"):
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    paragraph.paragraph_format.line_spacing = Pt(28)
    _font(paragraph.add_run(text), face, size, bool(options.get("bold")))
    return paragraph


def _date(value: object) -> str:
    return f"{value.year}年{value.month}月{value.day}日"  # type: ignore[attr-defined]


def release_notice_docx(measure: Measure) -> bytes:
    """解除隔离（健康监测）告知书 for a released measure, numbered by the release. Official documents
    are Chinese whatever the reader's interface language."""
    with translation.override("zh-hans"):
        return _release_notice(measure)


def _release_notice(measure: Measure) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    kind = measure.get_type_display()
    person = measure.person
    _paragraph(doc, f"解除{kind}告知书", "方正小标宋简体", 22, align="center")
    _paragraph(doc, str(measure.release_number or ""), align="center")
    _paragraph(doc, f"{person.name}（证件号码 {person.document_masked or '—'}）：")
    _paragraph(
        doc,
        f"你自{_date(measure.start_date)}起接受{kind}，至{_date(measure.end_date)}期满，"
        f"期间健康监测无异常，核酸检测结果均为阴性。经社区（村）核实，"
        f"自{_date(timezone.localtime(measure.release_confirmed_at or timezone.now()))}起解除{kind}。",
        indent=True,
    )
    follow = measure.next_measures.order_by("id").first()
    if follow is not None:
        _paragraph(
            doc,
            f"请继续落实{follow.get_type_display()}至{_date(follow.end_date)}，每日早晚两次测量体温并报告，"
            f"如出现发热、干咳、乏力、咽痛、嗅（味）觉减退、腹泻等症状，请立即报告并按要求就医。",
            indent=True,
        )
    else:
        _paragraph(doc, "请继续做好个人防护，如出现发热等症状，请立即报告并按要求就医。", indent=True)
    _paragraph(doc, "")
    _paragraph(doc, settings.RELEASE_NOTICE_ISSUER, align="right")
    _paragraph(doc, _date(timezone.localtime(measure.release_confirmed_at or timezone.now())), align="right")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
