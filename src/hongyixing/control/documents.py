"""Official documents of control measures as Word files (the release notice): number under the
title, issuer and date at the bottom right; layout from ``exchange.word``."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation

from hongyixing.control.models import Measure
from hongyixing.exchange.word import TITLE_FACE, chinese_date, official_document, paragraph, to_bytes


def release_notice_docx(measure: Measure) -> bytes:
    """解除隔离（健康监测）告知书 for a released measure, numbered by the release. Official documents
    are Chinese whatever the reader's interface language."""
    with translation.override("zh-hans"):
        return _release_notice(measure)


def _release_notice(measure: Measure) -> bytes:
    doc = official_document()
    kind = measure.get_type_display()
    person = measure.person
    paragraph(doc, f"解除{kind}告知书", TITLE_FACE, 22, align="center")
    paragraph(doc, str(measure.release_number or ""), align="center")
    paragraph(doc, f"{person.name}（证件号码 {person.document_masked or '—'}）：")
    paragraph(
        doc,
        f"你自{chinese_date(measure.start_date)}起接受{kind}，至{chinese_date(measure.end_date)}期满，"
        f"期间健康监测无异常，核酸检测结果均为阴性。经社区（村）核实，"
        f"自{chinese_date(timezone.localtime(measure.release_confirmed_at or timezone.now()))}起解除{kind}。",
        indent=True,
    )
    follow = measure.next_measures.order_by("id").first()
    if follow is not None:
        paragraph(
            doc,
            f"请继续落实{follow.get_type_display()}至{chinese_date(follow.end_date)}，每日早晚两次测量体温并报告，"
            f"如出现发热、干咳、乏力、咽痛、嗅（味）觉减退、腹泻等症状，请立即报告并按要求就医。",
            indent=True,
        )
    else:
        paragraph(doc, "请继续做好个人防护，如出现发热等症状，请立即报告并按要求就医。", indent=True)
    paragraph(doc, "")
    paragraph(doc, settings.RELEASE_NOTICE_ISSUER, align="right")
    paragraph(
        doc, chinese_date(timezone.localtime(measure.release_confirmed_at or timezone.now())), align="right"
    )
    return to_bytes(doc)
