"""Which column of a push list holds which field.

Senders name columns in many ways (身份证号 / 证件号码 / "身份证号码（必填）" / full-width text); the
mapping is found by exact synonym first, then by "the header contains a synonym". Columns that map
to no field are kept as extras, so results can be sent back in the sender's own layout.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from .cells import clean_text, column_letters
from .errors import FileRefused, MappingError

if TYPE_CHECKING:
    from .tabular import Table

FIELDS: tuple[str, ...] = (
    "name",
    "id_number",
    "document_type",
    "phone",
    "address",
    "reason",
    "category",
    "source",
    "arrival_time",
    "origin",
    "transport",
    "suggested_measure",
    "sex",
    "birth_date",
    "note",
)

# The task brief listed 类别/人员类别/风险类别 together with the reasons; they are kept apart here
# because lists often carry both a reason (推送原因: "健康码异常") and a category (人员类别: "密接").
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "人员姓名"),
    "id_number": ("身份证号", "身份证号码", "证件号码", "证件号", "公民身份号码", "身份证", "身份证件号码"),
    "document_type": ("证件类型", "证件种类"),
    "phone": ("手机号", "手机号码", "联系电话", "电话", "联系方式", "手机", "电话号码", "移动电话"),
    "address": (
        "现住址", "居住地址", "现居住地", "住址", "详细地址", "地址", "现居地址", "现住地址", "居住地",
        "落脚点", "落脚地址",
    ),
    "reason": ("推送原因", "原因", "协查原因", "核查原因", "推送理由"),
    "category": ("类别", "人员类别", "风险类别", "人员类型", "风险类型"),
    "source": ("来源", "数据来源", "推送来源", "信息来源", "推送单位"),
    "arrival_time": (
        "到达时间", "抵洪时间", "返洪时间", "来洪时间", "到达日期", "抵达时间", "抵达日期", "入洪时间",
    ),
    "origin": ("来源地", "出发地", "途经地", "始发地"),
    "transport": ("交通方式", "交通工具", "车次", "航班", "车次航班"),
    "suggested_measure": ("建议措施", "管控措施", "处置措施"),
    "sex": ("性别",),
    "birth_date": ("出生日期", "出生年月", "生日"),
    "note": ("备注", "说明"),
}  # fmt: skip

FIELD_LABELS: dict[str, str | Promise] = {
    "name": gettext_lazy("Name"),  # zh: 姓名 (already in the catalogue)
    "id_number": gettext_lazy("ID number"),  # zh: 证件号码
    "document_type": gettext_lazy("Document type"),  # zh: 证件类型
    "phone": gettext_lazy("Phone"),  # zh: 联系电话
    "address": gettext_lazy("Current address"),  # zh: 现住址 (already in the catalogue)
    "reason": gettext_lazy("Reason pushed"),  # zh: 推送原因
    "category": gettext_lazy("Category"),  # zh: 人员类别
    "source": gettext_lazy("Source"),  # zh: 数据来源
    "arrival_time": gettext_lazy("Arrival time"),  # zh: 到达时间
    "origin": gettext_lazy("Coming from"),  # zh: 来源地
    "transport": gettext_lazy("Transport"),  # zh: 交通方式
    "suggested_measure": gettext_lazy("Suggested measure"),  # zh: 建议措施
    "sex": gettext_lazy("Sex"),  # zh: 性别 (already in the catalogue)
    "birth_date": gettext_lazy("Birth date"),  # zh: 出生日期 (already in the catalogue)
    "note": gettext_lazy("Note"),  # zh: 备注
}

# Every synonym as written, for spotting header rows repeated inside the data cheaply.
HEADER_WORDS: frozenset[str] = frozenset(synonym for synonyms in SYNONYMS.values() for synonym in synonyms)

REQUIRED: frozenset[str] = frozenset({"name"})
# A person can be found by either; lists pushed by telecoms often carry a phone only.
AT_LEAST_ONE_OF: tuple[str, ...] = ("id_number", "phone")

# Headers about somebody or somewhere else: "户籍地址" is not where the person lives now, "紧急联系人电话"
# is not their phone. They may still match a synonym exactly, but never by containing one.
_CONTAINS_BLOCKERS = ("户籍", "单位", "联系人", "紧急", "家属", "同行", "监护", "身份证地址", "身份证住址")
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕|<[^>]*>|《[^》]*》")


def normalise_header(text: str) -> str:
    """Full-width → half-width, lower case, no spaces, no punctuation or symbols (* 、 ： …)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PSZC")


def _without_notes(text: str) -> str:
    """'身份证号码（必填）' → '身份证号码': notes in brackets say nothing about which field it is."""
    return _BRACKETED.sub("", unicodedata.normalize("NFKC", text))


def _exact_index() -> dict[str, str]:
    index = {normalise_header(name): name for name in FIELDS}  # our own exports may use field names
    for name in FIELDS:
        index.update((normalise_header(synonym), name) for synonym in SYNONYMS[name])
    return index


_EXACT = _exact_index()
# Longest first, so "来源地区" is an origin (来源地) and not a source (来源).
_CONTAINED = sorted(
    ((normalise_header(s), name) for name in FIELDS for s in SYNONYMS[name]), key=lambda pair: -len(pair[0])
)


def match_header(header: str) -> tuple[str, bool] | None:
    """The field a header names and whether the match is exact; None for an unknown header."""
    full = normalise_header(header)
    if not full:
        return None
    for key in (normalise_header(_without_notes(header)), full):
        if key in _EXACT:
            return _EXACT[key], True
    if any(blocker in full for blocker in _CONTAINS_BLOCKERS):
        return None
    for synonym, name in _CONTAINED:
        if synonym in full:
            return name, False
    return None


def count_known_headers(cells: Sequence[str]) -> int:
    """How many distinct fields a row names; a header row names at least two."""
    found = set()
    for cell in cells:
        match = match_header(cell) if cell else None
        if match:
            found.add(match[0])
    return len(found)


def detect_mapping(headers: Sequence[str]) -> dict[str, int]:
    """Field → column index. Exact matches are placed first, so "现住址" wins over "工作地址"."""
    matches = [match_header(header) for header in headers]
    mapping: dict[str, int] = {}
    for want_exact in (True, False):
        for index, match in enumerate(matches):
            if match is None or match[1] is not want_exact or index in mapping.values():
                continue
            mapping.setdefault(match[0], index)
    return dict(sorted(mapping.items(), key=lambda item: item[1]))


def _label(name: str) -> str:
    return str(FIELD_LABELS[name])


def _join(items: Sequence[str]) -> str:
    # zh: 、  (the enumeration comma between items of a list)
    return pgettext("list separator", ", ").join(items)


def check_required(mapping: Mapping[str, int]) -> None:
    """Refuse a file that lacks a name column, or lacks both the ID number and phone columns."""
    missing = [_label(name) for name in sorted(REQUIRED) if name not in mapping]
    if not any(name in mapping for name in AT_LEAST_ONE_OF):
        first, second = (_label(name) for name in AT_LEAST_ONE_OF)
        # zh: %(first)s或%(second)s
        missing.append(_("%(first)s or %(second)s") % {"first": first, "second": second})
    if missing:
        raise FileRefused(
            "file.missing_columns",
            # zh: 文件缺少必需的列：%(columns)s。请检查表头是否写对
            _("The file has no column for: %(columns)s. Check that the header row names it")
            % {"columns": _join(missing)},
            f"mapping {mapping}",
        )


def _find_header(headers: Sequence[str], wanted: str) -> int:
    wanted_clean = clean_text(wanted)
    for compare in (clean_text, lambda text: unicodedata.normalize("NFKC", clean_text(text))):
        found = [index for index, header in enumerate(headers) if compare(header) == compare(wanted_clean)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise MappingError(
                "mapping.ambiguous_header",
                # zh: 有多列都叫“%(header)s”，请先把其中一列改名
                _("More than one column is named “%(header)s”; rename one of them first")
                % {"header": wanted_clean},
            )
    raise MappingError(
        "mapping.unknown_header",
        # zh: 文件里没有名为“%(header)s”的列
        _("The file has no column named “%(header)s”") % {"header": wanted_clean},
    )


def resolve_mapping(
    headers: Sequence[str], explicit: Mapping[str, str | None] | None = None, *, require: bool = True
) -> dict[str, int]:
    """Detect the mapping, let ``explicit`` (field → header text, None = "not in this file") override
    it, then check the required columns."""
    mapping = detect_mapping(headers)
    chosen: dict[int, str] = {}
    for name, header in (explicit or {}).items():
        if name not in FIELDS:
            raise _unknown_field(name)
        if header is None or not clean_text(header):
            mapping.pop(name, None)
            continue
        index = _find_header(headers, header)
        if index in chosen:
            raise _same_column(headers, index, chosen[index], name)
        chosen[index] = name
        # A column holds one field: an explicit choice takes it away from whatever detection said.
        mapping = {other: column for other, column in mapping.items() if column != index}
        mapping[name] = index
    if require:
        check_required(mapping)
    return dict(sorted(mapping.items(), key=lambda item: item[1]))


def _unknown_field(name: str) -> MappingError:
    # zh: 未知的字段：%(field)s
    return MappingError("mapping.unknown_field", _("Unknown field: %(field)s") % {"field": name})


def _same_column(headers: Sequence[str], index: int, first: str, second: str) -> MappingError:
    header = headers[index] if index < len(headers) and headers[index] else column_letters(index + 1)
    return MappingError(
        "mapping.same_column",
        # zh: “%(header)s”这一列不能同时作为%(first)s和%(second)s
        _("Column “%(header)s” cannot be both %(first)s and %(second)s")
        % {"header": header, "first": _label(first), "second": _label(second)},
    )


_NONE: frozenset[str] = frozenset()


@dataclass(slots=True)
class MappedRow:
    row_number: int
    values: dict[str, str]
    extra: dict[str, str]
    raw: list[str]
    # Read-only sets, shared when empty: a register of 285,000 rows would otherwise carry two empty sets
    # per row.
    damaged_fields: AbstractSet[str] = frozenset()
    formula_fields: AbstractSet[str] = frozenset()  # a formula's text kept as the value

    def get(self, name: str) -> str:
        """The value of a field, "" when the file has no such column."""
        return self.values.get(name, "")


def extra_keys(headers: Sequence[str], mapping: Mapping[str, int], width: int) -> dict[int, str]:
    """Column index → a unique name for every unmapped column, in file order.

    An empty header becomes its column letter ("F"); a header that occurs more than once in the file
    gets its letter appended ("备注 (E)"), so no extra can be confused with another column.
    """
    mapped = set(mapping.values())
    counts = Counter(header for header in headers if header)
    keys: dict[int, str] = {}
    for index in range(width):
        if index in mapped:
            continue
        header = headers[index] if index < len(headers) else ""
        letter = column_letters(index + 1)
        keys[index] = letter if not header else header if counts[header] == 1 else f"{header} ({letter})"
    return keys


def to_indexes(
    headers: Sequence[str], mapping: Mapping[str, int | str], *, width: int | None = None
) -> dict[str, int]:
    """Validate a complete mapping given as field → column index or field → header text."""
    width = len(headers) if width is None else width
    indexes: dict[str, int] = {}
    owner: dict[int, str] = {}
    for name, target in mapping.items():
        if name not in FIELDS:
            raise _unknown_field(name)
        if isinstance(target, int):
            if not 0 <= target < width:
                raise MappingError(
                    "mapping.unknown_header",
                    # zh: 文件里没有第 %(column)s 列
                    _("The file has no column %(column)s") % {"column": column_letters(target + 1)},
                )
            index = target
        else:
            index = _find_header(headers, target)
        if index in owner:
            raise _same_column(headers, index, owner[index], name)
        owner[index] = name
        indexes[name] = index
    return dict(sorted(indexes.items(), key=lambda item: item[1]))


def apply_mapping(table: Table, mapping: Mapping[str, int | str], *, require: bool = True) -> list[MappedRow]:
    """Rows as field values plus extras; every mapped field is in ``values`` ("" when blank).

    ``mapping`` is complete (what detect_mapping or resolve_mapping return, or a mapping saved for a
    sender as field → header text). Raises MappingError if it does not fit the file and, with
    ``require``, FileRefused("file.missing_columns") if the name or both ID and phone are missing.
    """
    width = max([len(table.headers), *(len(row.cells) for row in table.rows)])
    indexes = to_indexes(table.headers, mapping, width=width)
    if require:
        check_required(indexes)
    by_column = {index: name for name, index in indexes.items()}
    extras = extra_keys(table.headers, indexes, width)
    result = []
    for row in table.rows:
        cells = row.cells
        values = {name: cells[index] if index < len(cells) else "" for name, index in indexes.items()}
        extra = {}
        for index, key in extras.items():
            value = cells[index] if index < len(cells) else ""
            # Columns past the header are kept only where they hold something.
            if value or index < len(table.headers):
                extra[key] = value
        damaged = frozenset(by_column[index] for index in row.damaged if index in by_column)
        formulas = frozenset(by_column[index] for index in row.formulas if index in by_column)
        result.append(MappedRow(row.number, values, extra, list(cells), damaged or _NONE, formulas or _NONE))
    return result


def damage_message(header: str) -> str:
    """What to tell the sender about a column whose numbers a spreadsheet rounded."""
    # zh: “%(column)s”被表格软件转成了数字，最后几位已经丢失，请把这一列设成文本格式后重新填写
    return _(
        "“%(column)s” was turned into a number by the spreadsheet program and its last digits are "
        "lost; format the column as text and fill it in again"
    ) % {"column": header}
