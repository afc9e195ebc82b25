"""The daily report as a Word document (official layout, Chinese) and as a workbook."""

from __future__ import annotations

import io

from django.conf import settings
from django.utils import translation

from hongyixing.exchange.word import (
    HEADING_FACE,
    TITLE_FACE,
    chinese_date,
    official_document,
    paragraph,
    to_bytes,
)
from hongyixing.exchange.writers import write_xlsx
from hongyixing.reports import sections
from hongyixing.reports.models import DailyReport
from hongyixing.reports.queries import Report


def report_docx(report: Report, filed: DailyReport | None) -> bytes:
    with translation.override("zh-hans"):
        doc = official_document()
        paragraph(doc, f"{report.unit.name}新冠肺炎疫情防控工作日报", TITLE_FACE, 22, align="center")
        version = f"（第{filed.version}版）" if filed and filed.version > 1 else ""
        paragraph(doc, f"{chinese_date(report.day)}{version}", align="center")
        paragraph(
            doc,
            f"统计时段：{report.start:%m月%d日%H:%M}至{report.end:%m月%d日%H:%M}",
            size=14,
            align="center",
        )
        headline = "，".join(f"{h['label']}{h['value']}例" for h in report.headline)
        paragraph(doc, f"一、总体情况：{headline}。", HEADING_FACE, 16)
        for h in report.headline:
            paragraph(doc, f"{h['label']}：{h['source']}。", size=12)
        for number, block in enumerate(report.sections, start=2):
            paragraph(doc, f"{'二三四五六七八九十'[number - 2]}、{block['title']}", HEADING_FACE, 16)
            text = "；".join(f"{line['label']}{line['value']}" for line in block["lines"])
            paragraph(doc, text + "。")
        if report.sources:
            paragraph(
                doc, "协查来源：" + "；".join(f"{name} {n}" for name, n in report.sources) + "。", size=14
            )
        if report.sites:
            paragraph(
                doc,
                "集中隔离点："
                + "；".join(
                    f"{s['site'].name}容量{s['site'].capacity}、在住{s['occupied']}、空闲{s['free']}"
                    for s in report.sites
                )
                + "。",
                size=14,
            )
        if report.children:
            table = doc.add_table(rows=1, cols=5)
            table.style = "Table Grid"
            for cell, title in zip(
                table.rows[0].cells, ["单位", "管控中", "新增管控", "异常体温", "超时协查"], strict=True
            ):
                cell.text = title
            for unit, figures in report.children:
                cells = table.add_row().cells
                values = [
                    unit.name,
                    sections.active_total(figures),
                    sections.value(figures, "sum:opened"),
                    figures.get("abnormal", 0),
                    figures.get("tasks_overdue", 0),
                ]
                for cell, value in zip(cells, values, strict=True):
                    cell.text = str(value)
        if report.missing:
            paragraph(doc, "未报送日报单位：" + "、".join(u.name for u in report.missing) + "。", size=14)
        if filed is not None:
            paragraph(doc, f"存在问题：{filed.problems or '无'}")
            paragraph(doc, f"下步工作：{filed.next_steps or '无'}")
            if filed.zero_report:
                paragraph(doc, "本日无新增情况（零报告）。")
            paragraph(doc, f"填报：{filed.compiled_by}　审核：{filed.reviewed_by or '—'}", align="right")
        paragraph(doc, settings.RELEASE_NOTICE_ISSUER, align="right")
        return to_bytes(doc)


def report_xlsx(report: Report) -> bytes:
    with translation.override("zh-hans"):
        headers = ["栏目", "项目", report.unit.name] + [u.name for u, _f in report.children]
        rows: list[list[object]] = []
        for h in report.headline:
            rows.append(["总体", str(h["label"]), h["value"]] + [""] * len(report.children))
        for block in report.sections:
            for line in block["lines"]:
                rows.append([str(block["title"]), str(line["label"]), line["value"], *line["children"]])
        for name, n in report.sources:
            rows.append(["协查来源", name, n] + [""] * len(report.children))
        buffer = io.BytesIO()
        write_xlsx(
            buffer,
            headers,
            rows,
            sheet_name=report.day.isoformat(),
            meta={"统计时段": f"{report.start:%Y-%m-%d %H:%M} — {report.end:%Y-%m-%d %H:%M}"},
        )
        return buffer.getvalue()
