"""Column mapping: header synonyms, explicit overrides, required columns, extras."""

from __future__ import annotations

import pytest

from hongyixing.exchange import (
    FileRefused,
    MappingError,
    apply_mapping,
    detect_mapping,
    read_table,
    resolve_mapping,
)
from hongyixing.exchange.columns import (
    FIELD_LABELS,
    FIELDS,
    SYNONYMS,
    damage_message,
    match_header,
    normalise_header,
)

from .builders import push_list_xlsx


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("身份证号码（必填）", "id_number"),
        ("（必填）身份证号码", "id_number"),
        ("*姓名", "name"),
        ("姓　名", "name"),  # full-width space inside
        ("手机号码＊", "phone"),
        ("联系电话(本人)", "phone"),
        ("公民身份号码", "id_number"),
        ("请填写身份证号码", "id_number"),  # contains
        ("抵洪时间", "arrival_time"),
        ("来源地区", "origin"),  # the longest synonym wins over 来源 (source)
        ("数据来源", "source"),
        ("人员类别", "category"),
        ("推送原因", "reason"),
        ("现居住地址（详细到门牌号）", "address"),
        ("车次/航班", "transport"),
        ("ID_Number", "id_number"),  # our own field names
    ],
)
def test_headers_are_recognised(header: str, field: str) -> None:
    match = match_header(header)

    assert match is not None and match[0] == field


@pytest.mark.parametrize(
    "header", ["户籍地址", "紧急联系人电话", "工作单位地址", "序号", "", "（）", "身份证地址"]
)
def test_headers_about_someone_or_somewhere_else_are_not_fields(header: str) -> None:
    assert match_header(header) is None


def test_every_synonym_maps_to_its_own_field() -> None:
    for field in FIELDS:
        for synonym in SYNONYMS[field]:
            assert match_header(synonym) == (field, True), synonym


def test_normalising_folds_width_case_and_punctuation() -> None:
    assert normalise_header(" ＩＤ－Ｎｕｍｂｅｒ（必填）\n") == "idnumber必填"


def test_exact_matches_are_placed_before_contained_ones() -> None:
    headers = ["工作地址", "姓名", "现住址", "联系电话", "手机号码"]

    assert detect_mapping(headers) == {"name": 1, "address": 2, "phone": 3}


def test_resolve_requires_a_name_and_an_id_or_a_phone() -> None:
    assert resolve_mapping(["姓名", "手机号"]) == {"name": 0, "phone": 1}

    with pytest.raises(FileRefused) as no_name:
        resolve_mapping(["身份证号码", "现住址"])
    with pytest.raises(FileRefused) as no_contact:
        resolve_mapping(["姓名", "现住址", "备注"])

    assert no_name.value.code == no_contact.value.code == "file.missing_columns"
    name, id_number, phone = (str(FIELD_LABELS[field]) for field in ("name", "id_number", "phone"))
    assert name in no_name.value.message and id_number not in no_name.value.message  # only what is missing
    assert id_number in no_contact.value.message and phone in no_contact.value.message
    assert name not in no_contact.value.message


def test_an_explicit_mapping_overrides_detection() -> None:
    headers = ["姓名", "联系电话", "备用号码", "地址"]

    mapping = resolve_mapping(headers, {"phone": "备用号码", "address": None, "note": "联系电话"})

    assert mapping == {"name": 0, "note": 1, "phone": 2}


def test_an_explicit_mapping_must_fit_the_file() -> None:
    headers = ["姓名", "电话", "电话"]
    cases = {
        "mapping.unknown_field": {"wechat": "姓名"},
        "mapping.unknown_header": {"phone": "手机"},
        "mapping.ambiguous_header": {"phone": "电话"},
        "mapping.same_column": {"name": "姓名", "note": "姓名"},
    }
    for code, explicit in cases.items():
        with pytest.raises(MappingError) as info:
            resolve_mapping(headers, explicit)
        assert info.value.code == code
        assert info.value.message


def test_explicit_headers_match_after_width_folding() -> None:
    assert resolve_mapping(["姓名", "ＴＥＬ"], {"phone": "TEL"}) == {"name": 0, "phone": 1}


def test_rows_carry_values_extras_raw_cells_and_damage() -> None:
    table = read_table(push_list_xlsx(), "名单.xlsx")
    mapping = resolve_mapping(table.headers)

    rows = apply_mapping(table, mapping)

    assert mapping == {"name": 1, "id_number": 2, "phone": 3, "address": 4, "reason": 5}
    first = rows[0]
    assert first.row_number == 4
    assert first.values["id_number"] == "320813199001011000"
    assert first.extra == {"序号": "1"}
    assert first.raw == table.rows[0].cells
    assert first.damaged_fields == {"id_number"}
    assert rows[1].damaged_fields == set()
    assert rows[2].get("address") == "" and rows[2].get("sex") == ""


def test_unnamed_and_repeated_extra_columns_get_unique_keys() -> None:
    data = "姓名,电话,,备注,备注\n张三,138,x,a,b\n李四,139,,,,溢出\n".encode()
    table = read_table(data, "a.csv")

    rows = apply_mapping(table, resolve_mapping(table.headers))

    assert rows[0].values == {"name": "张三", "phone": "138", "note": "a"}
    assert rows[0].extra == {"C": "x", "备注 (E)": "b"}
    assert rows[1].extra == {"C": "", "备注 (E)": "", "F": "溢出"}


def test_the_damage_message_names_the_column() -> None:
    assert "证件号码" in damage_message("证件号码")


def test_a_saved_mapping_by_header_text_is_applied_and_checked() -> None:
    table = read_table(push_list_xlsx(), "名单.xlsx")
    saved = {"name": "姓名", "phone": "联系电话", "note": "推送原因"}

    rows = apply_mapping(table, saved)

    assert rows[1].values == {"name": "李四", "phone": "13912345678", "note": "时空伴随"}
    assert "身份证号码（必填）" in rows[1].extra
    with pytest.raises(MappingError) as gone:
        apply_mapping(table, {"name": "姓名", "phone": "手机"})
    with pytest.raises(MappingError) as outside:
        apply_mapping(table, {"name": 1, "phone": 40})
    with pytest.raises(FileRefused) as missing:
        apply_mapping(table, {"name": "姓名", "note": "推送原因"})
    assert (gone.value.code, outside.value.code) == ("mapping.unknown_header", "mapping.unknown_header")
    assert missing.value.code == "file.missing_columns"
    assert isinstance(gone.value, FileRefused)  # callers that show refusals show these too
    assert len(apply_mapping(table, {"note": "推送原因"}, require=False)) == 3
