"""Demo staff: users and grants for every post, pre-enrolled second factors, and the logins file."""

from __future__ import annotations

import base64
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyotp
from django.conf import settings
from django.contrib.auth.hashers import make_password

from hongyixing.accounts.choices import Role
from hongyixing.accounts.models import Grant, User
from hongyixing.accounts.services import (
    do_confirm_enrolment,
    do_create_user,
    do_grant,
    second_factor_required,
)
from hongyixing.areas.choices import UnitLevel
from hongyixing.areas.divisions import core_name
from hongyixing.areas.models import AdminUnit, Grid
from hongyixing.areas.services import do_link_responsibles
from hongyixing.core.crypto import unseal
from hongyixing.demo import names
from hongyixing.demo.plan import DISTRICT_PATH, DistrictPlan

DEMO_PASSWORD = "Hongze@2020"
LOGINS_FILE = "demo-logins.txt"
ALL_ACCOUNTS = "All staff accounts (same password):"
WORKING_GROUPS = (
    "疫情防控(流调)组",
    "医疗救治组",
    "社区网格组",
    "交通卡口与转运组",
    "涉外防控组",
    "物资与市场保障组",
    "宣传舆情组",
    "复工复产组",
)


def totp_secret(seed: int, username: str) -> str:
    """A deterministic base32 TOTP secret for a demo user (demo only: derived from the public seed)."""
    source = random.Random(f"totp:{seed}:{username}")
    return base64.b32encode(bytes(source.randrange(256) for _ in range(20))).decode()


@dataclass
class StaffSpec:
    username: str
    display_name: str
    title: str
    role: str | None
    unit: AdminUnit | None = None
    grid: Grid | None = None
    is_superuser: bool = False


def staff_specs(
    rng: random.Random, plan: DistrictPlan, units: dict[str, AdminUnit], grids: dict[tuple[str, int], Grid]
) -> list[StaffSpec]:
    district = units[DISTRICT_PATH]
    specs = [
        StaffSpec("admin", names.staff_name(rng), "区大数据管理中心 系统管理员", None, is_superuser=True),
        StaffSpec(
            "district", names.staff_name(rng), "区疫情防控指挥部办公室 副主任", Role.DISTRICT_OFFICE, district
        ),
    ]
    for n, group in enumerate(WORKING_GROUPS, start=1):
        specs.append(
            StaffSpec(
                f"wg{n}",
                names.staff_name(rng),
                f"区疫情防控指挥部{group} 联络员",
                Role.WORKING_GROUP,
                district,
            )
        )
    for path, town_name in plan.town_names.items():
        specs.append(
            StaffSpec(
                f"town_{path}",
                names.staff_name(rng),
                f"{town_name}疫情防控办公室 主任",
                Role.TOWN_OFFICER,
                units[path],
            )
        )
    for path, town_name in plan.town_names.items():
        station = core_name(town_name, UnitLevel.TOWN) + "派出所"
        specs.append(
            StaffSpec(
                f"police_{path}",
                names.staff_name(rng),
                f"洪泽公安分局{station} 社区民警",
                Role.COMMUNITY_POLICE,
                units[path],
            )
        )
    for village in plan.villages:
        post = "党组织书记"
        specs.append(
            StaffSpec(
                f"village_{village.path}",
                village.responsible,
                f"{village.canonical}{post}",
                Role.VILLAGE_CADRE,
                units[village.path],
            )
        )
    for village in plan.villages:
        for n, worker in enumerate(village.grid_workers, start=1):
            grid = grids[(village.path, n)]
            specs.append(
                StaffSpec(f"grid_{grid.code}", worker, f"{grid.name} 网格员", Role.GRID_WORKER, grid=grid)
            )
    specs += [
        StaffSpec("cdc1", names.staff_name(rng), "区疾病预防控制中心 流调队员", Role.CDC_STAFF, district),
        StaffSpec("cdc2", names.staff_name(rng), "区疾病预防控制中心 检验科", Role.CDC_STAFF, district),
        StaffSpec(
            "site1", names.staff_name(rng), "区集中隔离观察点(湖滨宾馆) 负责人", Role.SITE_MANAGER, district
        ),
        StaffSpec(
            "enterprise1",
            names.staff_name(rng),
            "江苏洪泽湖食品有限公司 防疫联络员",
            Role.ENTERPRISE,
            district,
        ),
    ]
    return specs


def create_staff(
    seed: int,
    plan: DistrictPlan,
    units: dict[str, AdminUnit],
    grids: dict[tuple[str, int], Grid],
) -> int:
    password_hash = make_password(DEMO_PASSWORD)  # once: argon2 is deliberately slow
    # A stream of its own, so staff names do not depend on the population drawn from the main one.
    specs = staff_specs(random.Random(f"staff:{seed}"), plan, units, grids)
    for spec in specs:
        user = do_create_user(
            None,
            spec.username,
            password_hash=password_hash,
            display_name=spec.display_name,
            title=spec.title,
            is_superuser=spec.is_superuser,
        )
        if spec.role:
            do_grant(None, user, spec.role, unit=spec.unit, grid=spec.grid)
        if (spec.is_superuser or spec.role in settings.SECOND_FACTOR_ROLES) and second_factor_required(user):
            secret = totp_secret(seed, user.username)
            do_confirm_enrolment(user, secret, pyotp.TOTP(secret).now())
    return len(specs)


def link_responsibles(
    plan: DistrictPlan, units: dict[str, AdminUnit], grids: dict[tuple[str, int], Grid]
) -> int:
    """Each village's party secretary account becomes its responsible person and each grid worker
    account its grid's worker (the names the plan recorded give way to the accounts)."""
    users = {u.username: u for u in User.objects.filter(username__regex=r"^(village|grid)_")}
    village_links = [
        (units[village.path], users[f"village_{village.path}"])
        for village in plan.villages
        if f"village_{village.path}" in users
    ]
    grid_links = [
        (grid, users[f"grid_{grid.code}"]) for grid in grids.values() if f"grid_{grid.code}" in users
    ]
    return do_link_responsibles(None, village_links, grid_links)


# --- The logins file ------------------------------------------------------------------------------

PERSONAS = (
    ("superuser", "admin"),
    ("district officer", "district"),
    ("working group (疫情防控组)", "wg1"),
    ("town officer 高良涧街道", "town_320813001"),
    ("town officer 岔河镇", "town_320813103"),
    ("village cadre 高良涧街道", "village_320813001001"),
    ("grid worker 高良涧街道", "grid_320813001001-01"),
    ("community police 高良涧街道", "police_320813001"),
    ("CDC staff", "cdc1"),
    ("quarantine-site manager", "site1"),
    ("enterprise user", "enterprise1"),
)


def logins_path() -> Path:
    return Path(settings.VAR_DIR) / LOGINS_FILE


def _login_line(user: User, grants: list[Grant], persona: str = "") -> str:
    """``username  password  role  scope — persona (name, post)``, then the TOTP secret if enrolled."""
    role = ", ".join(g.role for g in grants) or ("superuser" if user.is_superuser else "-")
    scope = ", ".join((g.unit.name if g.unit else g.grid.name if g.grid else "") for g in grants) or (
        "全区 (everything)" if user.is_superuser else "-"
    )
    who = f"{persona}: " if persona else ""
    line = (
        f"{user.username:<22} {DEMO_PASSWORD:<12} {role:<17} {scope} — {who}{user.display_name}, {user.title}"
    )
    if user.totp_ciphertext:
        secret = unseal(user.totp_ciphertext)
        code_command = f"HONGYIXING_DEMO=1 hongyixing manage totp_code {user.username}"
        line += f"\n{'':<22} TOTP secret {secret}; current code: {code_command}"
    return line


def logins_text(*, seed: int | None = None, persons: int | None = None) -> str:
    """The demo logins, read back from the database (personas first, then every staff account)."""
    users = {u.username: u for u in User.objects.order_by("id")}
    # Grouped here rather than prefetched: a city-sized demo has thousands of grid workers, more ids
    # than SQLite takes in one IN list.
    grants: dict[int, list[Grant]] = defaultdict(list)
    for grant in Grant.objects.select_related("unit", "grid").order_by("id"):
        grants[grant.user_id].append(grant)
    header = "洪宜行 demo district — logins"
    if seed is not None:
        header += f" (seed {seed}, {persons} persons)"
    lines = [
        header,
        f"Every account's password: {DEMO_PASSWORD}",
        "Accounts with a TOTP secret need a second factor: add the secret to an authenticator app or run",
        "`HONGYIXING_DEMO=1 hongyixing manage totp_code <username>` for the current code.",
        "",
        f"{'username':<22} {'password':<12} {'role':<17} scope — persona",
    ]
    for persona, username in PERSONAS:
        if username in users:
            lines.append(_login_line(users[username], grants[users[username].pk], persona))
    lines += ["", ALL_ACCOUNTS]
    lines += [_login_line(user, grants[user.pk]) for user in users.values()]
    return "\n".join(lines) + "\n"


def write_logins(*, seed: int | None = None, persons: int | None = None) -> Path:
    path = logins_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(logins_text(seed=seed, persons=persons), encoding="utf-8")
    return path


def personas_text(text: str) -> str:
    """The head of the logins file: everything before the full account list."""
    return text.split("\n" + ALL_ACCOUNTS, 1)[0].rstrip() + "\n"
