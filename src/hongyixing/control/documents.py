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


# The measures a person keeps at home, for which the notice is handed over at the door.
HOME_MEASURES = ("home_isolation", "home_monitoring")


def home_notice_docx(measure: Measure) -> bytes:
    """居家隔离（居家健康监测）告知书, handed to the person when the measure opens: what they must do,
    until when, and whom to call. Chinese whatever the reader's interface language."""
    with translation.override("zh-hans"):
        return _home_notice(measure)


def _home_notice(measure: Measure) -> bytes:
    doc = official_document()
    kind = measure.get_type_display()
    person = measure.person
    household = getattr(person, "household", None)
    paragraph(doc, f"{kind}告知书", TITLE_FACE, 22, align="center")
    paragraph(doc, f"{person.name}（证件号码 {person.document_masked or '—'}）：")
    place = f"在{household.address}" if household is not None and household.address else "在住所"
    paragraph(
        doc,
        f"根据疫情防控工作要求，自{chinese_date(measure.start_date)}起至{chinese_date(measure.end_date)}，"
        f"请你{place}实行{kind}。期间请遵守以下要求：",
        indent=True,
    )
    for n, rule in enumerate(
        (
            "单人单间居住，不外出、不串门，不接待来访；确需外出就医的，须报告社区（村）并由专人陪同。",
            "每日早晚各测量一次体温，如实报告健康状况，按通知时间和地点配合核酸检测。",
            "如出现发热、干咳、乏力、咽痛、嗅（味）觉减退、腹泻等症状，立即报告，不得自行就医。",
            "生活垃圾分类装袋，由工作人员统一收运；做好居室通风和日常消毒。",
            "拒不配合或擅自离开的，将依照《中华人民共和国传染病防治法》等规定依法处理。",
        ),
        start=1,
    ):
        paragraph(doc, f"{'一二三四五'[n - 1]}、{rule}", indent=True)
    paragraph(doc, "感谢你对疫情防控工作的理解和支持。", indent=True)
    paragraph(doc, "")
    paragraph(doc, "被告知人签字：                    日期：", size=14)
    paragraph(doc, "")
    paragraph(doc, settings.RELEASE_NOTICE_ISSUER, align="right")
    paragraph(doc, chinese_date(timezone.localtime(measure.opened_at or timezone.now())), align="right")
    return to_bytes(doc)
