"""The demo's economic half: a few hundred enterprises of Hongze's industries with filings in every
state, returning staff drawn from the demo population (two from a risky place), subsidy claims in
every state, the 12 concentrated-start projects and a year of indicators. Built through services."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from hongyixing.accounts.models import User
from hongyixing.areas.models import AdminUnit
from hongyixing.core.crypto import unseal
from hongyixing.demo.plan import DISTRICT_PATH
from hongyixing.enterprises import problems, services, staff, subsidies
from hongyixing.enterprises.choices import CHECKLIST_KEYS, Industry
from hongyixing.enterprises.credit_codes import check_character
from hongyixing.enterprises.models import Employee
from hongyixing.people.models import Person
from hongyixing.projects import services as projects
from hongyixing.projects.models import Indicator

# Name stems by industry: salt and chemicals, machinery, food and aquatic products from the lake …
STEMS = {
    Industry.SALT_CHEMICAL: ("盐化", "化工", "精细化工", "盐业"),
    Industry.MACHINERY: ("机械", "装备制造", "汽车零部件", "智能装备"),
    Industry.FOOD: ("食品", "水产", "湖鲜", "粮油"),
    Industry.TEXTILE: ("纺织", "服饰", "家纺"),
    Industry.NEW_MATERIALS: ("新材料", "光伏材料", "复合材料"),
    Industry.ELECTRONICS: ("电子", "光电", "电器"),
    Industry.CONSTRUCTION: ("建设工程", "建材"),
    Industry.LOGISTICS: ("物流", "运输"),
    Industry.RETAIL: ("商贸", "餐饮"),
}
PROJECTS = [
    "洪泽湖智能装备产业园", "盐化工新材料一期", "湖鲜食品精深加工", "新能源汽车零部件",
    "光伏组件扩建", "冷链物流中心", "高端纺织面料", "生物医药中间体", "新型建材基地",
    "农副产品交易市场", "智慧文旅综合体", "电子元器件生产线",
]  # fmt: skip
STAFF_POOL = 400  # the returning staff are drawn from the register's first persons with an ID and a grid
# Written before the economy starts (``demo.register.Beside``): every demo person has an ID number and
# a grid, so the first 400 would do; twice that leaves room for a generator that writes some without.
REGISTER_PERSONS_NEEDED = 2 * STAFF_POOL
INDICATOR_YEAR_TARGETS = {
    "gdp": 420,
    "industrial_output": 150,
    "industrial_investment": 120,
    "fixed_asset_investment": 260,
    "retail_sales": 110,
    "foreign_trade": 3.5,
    "new_jobs": 6000,
    "job_posts": 9000,
}


def _code(n: int) -> str:
    first17 = f"9132081{n:010d}"
    return first17 + check_character(first17)


def seed_economy(seed: int, count: int = 300) -> dict[str, int]:
    rng = random.Random(f"economy:{seed}")
    office = User.objects.get(username="district")
    towns = list(AdminUnit.objects.filter(level="town", path__startswith=DISTRICT_PATH).order_by("path"))
    made = []
    for n in range(count):
        industry = rng.choice(list(STEMS))
        name = (
            "江苏洪泽湖食品有限公司"
            if n == 0
            else f"洪泽{rng.choice('恒泰瑞丰华宇金源鑫隆宏盛天成')}{rng.choice(STEMS[industry])}有限公司{n}"
        )
        made.append(
            services.do_register_enterprise(
                office,
                services.EnterpriseSpec(
                    name=name,
                    credit_code=_code(n + 1),
                    unit_path=towns[0].path if n == 0 else rng.choice(towns).path,
                    industry=Industry.FOOD if n == 0 else industry,
                    above_scale=n == 0 or rng.random() < 0.3,
                    staff_count=rng.randint(10, 800),
                ),
            )
        )
    contact = User.objects.filter(username="enterprise1").first()
    if contact is not None:
        services.do_link_contact(office, made[0], contact)
    filings = _filings(rng, made, towns)
    employees = _staff(rng, made[:25])
    claims = _claims(rng, made[:25])
    _problems(made[:12])
    project_count = _projects(rng, towns)
    _indicators(rng, towns)
    return {
        "enterprises": count,
        "filings": filings,
        "employees": employees,
        "claims": claims,
        "projects": project_count,
    }


def _town_officer(path: str, officers: dict[str, User] | None = None) -> User:
    """The town's officer (the district office where a town has none). ``officers`` keeps the user
    objects between calls: a user object loads its grants once (``permissions.grants_of``)."""
    if officers is not None and path in officers:
        return officers[path]
    officer = User.objects.filter(username=f"town_{path}").first() or User.objects.get(username="district")
    if officers is not None:
        officers[path] = officer
    return officer


def _filings(rng: random.Random, made: list, towns: list) -> int:
    full = services.FilingInput(checklist=dict.fromkeys(CHECKLIST_KEYS, True), staff_planned=50)
    start = dt.date(2020, 2, 10)
    actor = User.objects.get(username="district")
    officers: dict[str, User] = {}
    for n, enterprise in enumerate(made):
        officer = _town_officer(enterprise.unit_path, officers)
        share = n % 10
        if share == 9:
            continue  # not filed yet
        filing = services.do_open_filing(
            actor, enterprise, full if share else services.FilingInput(checklist={"masks": True})
        )
        if share == 0:
            continue  # a draft
        services.do_submit_filing(actor, filing)
        if share == 1:
            continue  # waiting for review
        if share == 2:
            services.do_return_filing(officer, filing, "隔离室未落实")
            continue
        if share in (3, 4, 8):
            passed = services.InspectionInput(passed=True, findings="现场核查符合要求")
            services.do_inspect(officer, filing, passed, [])
        if share == 8:
            continue  # spot-checked, the decision still to come
        services.do_approve_filing(officer, filing, start + dt.timedelta(days=rng.randint(0, 30)))
    return len(made) - len(made) // 10


def _staff(rng: random.Random, made: list) -> int:
    staff.do_mark_risky_origin(None, "湖北", dt.date(2020, 1, 20), "重点地区")
    people = list(
        Person.objects.exclude(document_ciphertext="")
        .filter(grid_id__isnull=False)
        .order_by("id")[:STAFF_POOL]
    )
    rng.shuffle(people)
    origins = ["安徽省", "山东省", "河南省", "江苏省南京市", "浙江省"]
    total = 0
    office = User.objects.get(username="district")
    for n, enterprise in enumerate(made):
        chunk = people[n * 10 : (n + 1) * 10]
        rows = []
        for i, person in enumerate(chunk):
            risky = n == 0 and i < 2  # two returnees of the first enterprise come back from Hubei
            rows.append(
                staff.StaffRow(
                    i + 2,
                    {
                        "name": person.name,
                        "id_number": unseal(person.document_ciphertext),
                        "origin": "湖北省武汉市" if risky else rng.choice(origins),
                        "distance_km": str(rng.choice([150, 450, 1200])),
                        "new_hire": "是" if i % 4 == 0 else "",
                    },
                )
            )
        total += staff.do_add_staff(office, enterprise, rows).created
    return total


def _claims(rng: random.Random, made: list) -> int:
    office = User.objects.get(username="district")
    officers: dict[str, User] = {}
    count = 0
    for n, enterprise in enumerate(made):
        ids = list(Employee.objects.filter(enterprise=enterprise).values_list("pk", flat=True))
        if not ids:
            continue
        claim = subsidies.do_submit_claim(
            office,
            enterprise,
            subsidies.ClaimInput(kind="transport", employee_ids=ids[:6], account="6228480012345678901"),
        )
        count += 1
        step = n % 6
        officer = _town_officer(enterprise.unit_path, officers)
        if step == 0:
            continue
        if step == 1:
            subsidies.do_review_claim(officer, claim, "return", "车票不清晰")
            continue
        subsidies.do_review_claim(officer, claim, "approve")
        if step == 2:
            continue
        for _department in range(2):
            subsidies.do_review_claim(office, claim, "approve")
        if step >= 4:
            batch = subsidies.do_create_payment_batch(office, [claim.pk])
            if step == 5:
                subsidies.do_record_paid(office, batch, dt.date(2020, 3, 20))
    return count


def _problems(made: list) -> None:
    office = User.objects.get(username="district")
    kinds = ["labour", "logistics", "financing", "materials"]
    for n, enterprise in enumerate(made):
        problem = problems.do_report_problem(office, enterprise, kinds[n % 4], "缺少熟练工人和原料运输车辆")
        if n % 3 == 0:
            continue
        deadline = timezone.now() + dt.timedelta(days=3 if n % 3 == 1 else -2)
        problems.do_assign_problem(office, problem, "hr" if n % 2 else "commerce", "区领导", deadline)


def _projects(rng: random.Random, towns: list) -> int:
    office = User.objects.get(username="district")
    today = timezone.localdate()
    stages = ["started", "building", "building", "completed", "producing", "signed"]
    for n, name in enumerate(PROJECTS):
        project = projects.do_create_project(
            office,
            projects.ProjectSpec(
                name=name,
                investor=f"{rng.choice('中华国金新')}{rng.choice('泰联达源')}集团",
                amount=Decimal(rng.choice([15000, 25000, 32000, 50000])),
                sector="industry" if n % 3 else "services",
                unit_path=rng.choice(towns).path,
                concentrated_start=True,
                planned_start=dt.date(2020, 3, 6),
                leader="分管副区长",
            ),
        )
        projects.do_set_stage(office, project, stages[n % len(stages)])
        late = projects.do_add_milestone(office, project, "开工", dt.date(2020, 3, 6))
        projects.do_reach_milestone(office, late, dt.date(2020, 3, 6))
        # Two projects' milestones slipped ten days ago: they show on the supervision list.
        projects.do_add_milestone(
            office, project, "主体完工", today - dt.timedelta(days=10 if n < 2 else -60)
        )
        for month in range(1, 13):
            planned = project.amount / 24
            projects.do_record_investment(
                office, project, dt.date(2020, month, 1), planned, planned * Decimal(rng.uniform(0.6, 1.2))
            )
    return len(PROJECTS)


def _indicators(rng: random.Random, towns: list) -> None:
    office = User.objects.get(username="district")
    district = DISTRICT_PATH
    for indicator in Indicator.objects.all():
        target = Decimal(str(INDICATOR_YEAR_TARGETS.get(indicator.code, 100)))
        projects.do_set_target(office, indicator, district, 2020, target)
        for month in range(1, 13):
            pace = Decimal(month) / 12
            last_year = target * Decimal("0.92") * pace
            projects.do_record_value(
                office, indicator, district, dt.date(2019, month, 1), last_year.quantize(Decimal("0.01"))
            )
            value = target * pace * Decimal(rng.uniform(0.85 if month < 4 else 0.95, 1.08))
            projects.do_record_value(
                office, indicator, district, dt.date(2020, month, 1), value.quantize(Decimal("0.01"))
            )
