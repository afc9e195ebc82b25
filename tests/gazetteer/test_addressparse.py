"""Reading addresses as people write them: no database, the shipped divisions as the lexicon."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hongyixing.areas.addressparse import Lexicon, cn_to_int, normalize, parse_address
from hongyixing.demo.names import cn_number


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("一百零五", 105),
     ("一百一十二", 112), ("两", 2), ("五零一", 501), ("一千零八", 1008)],
)  # fmt: skip
def test_chinese_numerals(numeral: str, value: int) -> None:
    assert cn_to_int(numeral) == value


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=9999))
def test_numerals_as_the_demo_writes_them_read_back(value: int) -> None:
    assert cn_to_int(cn_number(value)) == value


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("三组", "3组"),
        ("十二号", "12号"),
        ("二十三栋", "23栋"),
        ("一百零五室", "105室"),
        ("第三村民小组", "第3村民小组"),
        ("三栋二单元五零一", "3栋2单元501"),
        ("ＸＸ小区３号楼２单元６０２", "XX小区3号楼2单元602"),
        ("临河 社区，幸福家园", "临河社区幸福家园"),
        ("3—2－501", "3-2-501"),
        # Numerals inside names stay: they are not numbers there.
        ("三河镇五里牌村", "三河镇五里牌村"),
        ("洪泽园三村居委会", "洪泽园三村居委会"),
    ],
)
def test_normalize(written: str, normalized: str) -> None:
    assert normalize(written) == normalized


def test_full_canonical_address() -> None:
    parsed = parse_address("江苏省淮安市洪泽区高良涧街道临河社区幸福家园3栋2单元501室")
    assert (parsed.province, parsed.city, parsed.district) == ("江苏省", "淮安市", "洪泽区")
    assert parsed.outside_district is False
    assert (parsed.town, parsed.village, parsed.compound) == ("高良涧街道", "临河社区", "幸福家园")
    assert (parsed.building, parsed.entrance, parsed.room) == (3, 2, 501)
    assert parsed.rest == ""


@pytest.mark.parametrize(
    ("written", "district", "town", "village"),
    [
        ("洪泽区岔河镇淮宝社区振兴路117号", "洪泽区", "岔河镇", "淮宝社区"),
        ("淮安洪泽县老子山镇龟山村3组", "洪泽县", "老子山镇", "龟山村"),
        ("洪泽黄集街道仇石村", "洪泽", "黄集街道", "仇石村"),
        ("蒋坝镇头河居委会", "", "蒋坝镇", "头河居委会"),
        ("江苏省洪泽县三河镇五里牌村第三村民小组", "洪泽县", "三河镇", "五里牌村"),
    ],
)
def test_prefixes_and_admin_tokens(written: str, district: str, town: str, village: str) -> None:
    parsed = parse_address(written)
    assert (parsed.district, parsed.town, parsed.village) == (district, town, village)
    assert parsed.outside_district is (False if district else None)


def test_street_and_house_number() -> None:
    parsed = parse_address("洪泽区岔河镇淮宝社区振兴路117号")
    assert (parsed.street, parsed.house) == ("振兴路", 117)


@pytest.mark.parametrize(
    "written",
    [
        "龟山村3组",
        "龟山村三组",
        "龟山村第三组",
        "龟山村三队",
        "龟山村3队",
        "龟山村第三村民小组",
        "龟山村第3小组",
    ],
)
def test_group_forms(written: str) -> None:
    assert parse_address(written).group == 3


@pytest.mark.parametrize(
    ("written", "building", "entrance", "room"),
    [
        ("幸福家园3栋2单元501室", 3, 2, 501),
        ("幸福家园3栋2单元501", 3, 2, 501),
        ("幸福家园3号楼2单元501室", 3, 2, 501),
        ("幸福家园3幢2单元501室", 3, 2, 501),
        ("幸福家园3-2-501", 3, 2, 501),
        ("幸福家园三栋2单元501", 3, 2, 501),
        ("幸福家园二十三栋二单元一百零五室", 23, 2, 105),
        ("幸福家园3栋501", 3, None, 501),
        ("幸福家园3栋", 3, None, None),
    ],
)
def test_building_entrance_room(written: str, building: int, entrance: int | None, room: int | None) -> None:
    parsed = parse_address(written)
    assert parsed.compound == "幸福家园"
    assert (parsed.building, parsed.entrance, parsed.room) == (building, entrance, room)


def test_group_then_house_number_in_numerals() -> None:
    parsed = parse_address("龟山村三组十二号")
    assert (parsed.village, parsed.group, parsed.house) == ("龟山村", 3, 12)


@pytest.mark.parametrize(
    "written",
    ["临河社区幸福家园对面", "临河社区幸福家园附近", "临河社区幸福家园旁边", "临河社区幸福家园东侧",
     "临河社区幸福家园(老小区)", "临河社区幸福家园老小区", "临河社区隔壁幸福家园"],
)  # fmt: skip
def test_noise_words_are_dropped(written: str) -> None:
    parsed = parse_address(written)
    assert parsed.normalized == "临河社区幸福家园"
    assert (parsed.village, parsed.compound, parsed.rest) == ("临河社区", "幸福家园", "")


def test_directions_inside_names_are_kept() -> None:
    assert parse_address("西顺河镇街西居委会").village == "街西居委会"
    assert parse_address("岔河镇南街村一组").village == "南街村"


def test_bracketed_former_name_is_kept_as_a_hint() -> None:
    parsed = parse_address("高良涧街道临河社区（原临河村）幸福家园3栋")
    assert parsed.hints == ("临河村",)
    assert parsed.normalized == "高良涧街道临河社区幸福家园3栋"


@pytest.mark.parametrize(
    ("written", "outside"),
    [
        ("江苏省南京市鼓楼区中山路1号", "南京市"),
        ("淮安市淮安区车桥镇张庄村3组", "淮安区"),
        ("淮安区车桥镇", "淮安区"),
        ("盱眙县马坝镇", "盱眙县"),
        ("盱眙马坝镇", "盱眙"),
        ("江苏省淮阴区王营镇", "淮阴区"),
        ("淮安市清河区", "清河区"),
        ("安徽省来安县新安镇", "安徽省"),
        ("安徽滁州琅琊街道", "安徽"),
        ("来安县水口镇徐桥村5组42号", "来安县"),
    ],
)
def test_outside_the_district(written: str, outside: str) -> None:
    parsed = parse_address(written)
    assert parsed.outside_district is True
    assert parsed.outside == outside


@pytest.mark.parametrize(
    "written",
    # Place names that only begin like another district or our own prefix.
    ["金湖花苑5幢", "洪泽园三村居委会", "洪泽经济开发区", "淮安市临河社区", "临河路12号"],
)
def test_names_that_look_like_prefixes(written: str) -> None:
    assert parse_address(written).outside_district is not True


def test_a_bare_district_of_unknown_city_is_not_judged() -> None:
    # 鼓楼区 alone could be anywhere (and a bare 区 could be ours): no verdict rather than a wrong one.
    assert parse_address("鼓楼区中山路1号").outside_district is None


def test_prefix_reader_respects_the_callers_lexicon() -> None:
    lexicon = Lexicon({"洪泽湖花园": {"compound"}})
    parsed = parse_address("洪泽湖花园3栋", lexicon)
    assert parsed.district == ""
    assert parsed.compound == "洪泽湖花园"


def test_place_named_road_is_a_street_not_the_place() -> None:
    parsed = parse_address("临河路12号")
    assert (parsed.street, parsed.house, parsed.village) == ("临河路", 12, "")


def test_unknown_marked_words_are_classified() -> None:
    parsed = parse_address("岔河镇白湖村2组")
    (town, village) = parsed.tokens
    assert town.known and not village.known
    assert village.text == "白湖村" and "village" in village.kinds


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("洪泽区镇村社区组号栋单元室(原)三十一百零-0123456789 对面临河幸福家园"),
        max_size=40,
    )
)
def test_any_text_parses(text: str) -> None:
    parsed = parse_address(text)
    assert parsed.text == text
