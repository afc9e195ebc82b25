from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from hongyixing.command.supervision import supervision_items
from hongyixing.core.errors import DomainError, NotFound
from hongyixing.enterprises import problems
from hongyixing.projects import queries, services
from hongyixing.projects.models import Indicator
from tests.enterprises.builders import build_economy
from tests.personas import World

pytestmark = pytest.mark.django_db


def _project(world: World, place: str = "a", **extra) -> object:
    spec = services.ProjectSpec(
        name=extra.pop("name", "智能装备产业园"),
        investor="某集团",
        amount=Decimal("20000"),
        sector="industry",
        unit_path=getattr(world, place).town.path,
        **extra,
    )
    return services.do_create_project(world.users["district"], spec)


def test_a_slipped_milestone_is_on_the_supervision_list(world: World) -> None:
    project = _project(world)
    late = services.do_add_milestone(world.users["town_a"], project, "主体封顶", dt.date(2020, 3, 1))
    services.do_add_milestone(world.users["town_a"], project, "竣工", dt.date(2099, 1, 1))
    board = supervision_items(world.users["town_a"], kind="project_milestone")
    assert [item.object_id for item in board.items] == [late.pk]
    assert not supervision_items(world.users["town_b"], kind="project_milestone").items
    services.do_reach_milestone(world.users["town_a"], late, dt.date(2020, 3, 9))
    assert not supervision_items(world.users["town_a"], kind="project_milestone").items


def test_an_overdue_problem_is_on_the_supervision_list(world: World) -> None:
    economy = build_economy(world, staff=False)
    problem = problems.do_report_problem(
        economy.contacts["a"], economy.enterprises["a"], "financing", "流动资金缺口"
    )
    with pytest.raises(DomainError):
        problems.do_assign_problem(
            economy.contacts["a"], problem, "finance", "张副区长", dt.datetime(2020, 2, 1, tzinfo=dt.UTC)
        )
    problems.do_assign_problem(
        world.users["town_a"], problem, "finance", "张副区长", dt.datetime(2020, 2, 1, tzinfo=dt.UTC)
    )
    assert problems.escalation_hook() == 1
    board = supervision_items(world.users["district"], kind="enterprise_problem")
    assert [item.object_id for item in board.items] == [problem.pk]
    assert board.total == 1
    problems.do_solve_problem(world.users["town_a"], problem, "协调农商行放贷")
    assert not supervision_items(world.users["district"], kind="enterprise_problem").items


def test_stage_only_moves_forward_and_ranking_by_completion(world: World) -> None:
    first = _project(world, name="甲", concentrated_start=True)
    second = _project(world, name="乙")
    services.do_set_stage(world.users["town_a"], first, "building")
    with pytest.raises(DomainError):
        services.do_set_stage(world.users["town_a"], first, "signed")
    with pytest.raises(NotFound):
        services.do_set_stage(world.users["town_b"], first, "completed")
    services.do_record_investment(
        world.users["town_a"], first, dt.date(2020, 3, 5), Decimal(3000), Decimal(2000)
    )
    services.do_record_investment(
        world.users["town_a"], second, dt.date(2020, 3, 5), Decimal(3000), Decimal(5000)
    )
    ranked = queries.ranking(world.users["district"])
    assert [(p.name, share) for p, share in ranked] == [("乙", Decimal("25.0")), ("甲", Decimal("10.0"))]
    counts = queries.project_counts(world.users["district"])
    assert counts == {"total": 2, "started": 1, "on_schedule": 1, "slipped": 0}


def test_indicators_against_target_and_last_year(world: World) -> None:
    office = world.users["district"]
    gdp = Indicator.objects.get(code="industrial_output")
    town = world.a.town.path
    services.do_set_target(office, gdp, town, 2020, Decimal(120))
    services.do_record_value(office, gdp, town, dt.date(2019, 6, 1), Decimal(50))
    services.do_record_value(office, gdp, town, dt.date(2020, 6, 1), Decimal(45))
    [row] = queries.indicator_rows(world.users["town_a"])
    assert row.share_of_target == Decimal("37.5") and row.expected_share == Decimal("50.0")
    assert row.growth == Decimal("-10.0") and row.behind
    assert queries.indicator_rows(world.users["town_b"]) == []
    with pytest.raises(NotFound):
        services.do_record_value(world.users["town_b"], gdp, town, dt.date(2020, 7, 1), Decimal(1))


def test_indicator_figures_are_imported_from_a_spreadsheet(world: World) -> None:
    import io

    from hongyixing.exchange.tabular import write_xlsx
    from hongyixing.projects.models import IndicatorValue

    buffer = io.BytesIO()
    write_xlsx(
        buffer,
        ["指标", "镇街", "月份", "累计值"],
        [
            ["地区生产总值", "高良涧街道", "2020-03", "12.5"],
            ["不存在", "高良涧街道", "2020-03", "1"],
            ["gdp", "岔河镇", "2020-03", "8"],
        ],
        sheet_name="指标",
    )
    recorded, errors = services.do_import_values(world.users["town_a"], buffer.getvalue(), "指标.xlsx")
    # Town A's officer records town A's figure; town B's row is out of their area (refused, listed).
    assert recorded == 1 and {e["row"] for e in errors} == {3, 4}
    assert IndicatorValue.objects.get().value == Decimal("12.50")
