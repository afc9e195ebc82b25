"""The navigation, from one definition: which role uses which page.

Only url names and labels live here (no app is imported), so accounts may hold it. A user with several
roles gets the union in the order below; the superuser gets everything; a page no role lists is not
in the menu (it stays reachable from the pages that link to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hongyixing.accounts.choices import Role

R = Role
EVERYONE = frozenset(Role.values)
DESKS = frozenset({R.DISTRICT_OFFICE, R.WORKING_GROUP, R.TOWN_OFFICER, R.VILLAGE_CADRE})
COMMAND = frozenset({R.DISTRICT_OFFICE, R.WORKING_GROUP, R.TOWN_OFFICER})
FIELD = frozenset({R.GRID_WORKER, R.VILLAGE_CADRE, R.COMMUNITY_POLICE})


@dataclass(frozen=True)
class Item:
    url_name: str
    label: Any
    roles: frozenset[str]
    phone: Any = None  # the short label on the phone's compact bar, for the few things done all day
    phone_for: frozenset[str] = frozenset()  # the roles whose compact bar carries it (their daily work)


MENU: tuple[Item, ...] = (
    Item("home", _("Home"), EVERYONE),
    Item(
        "verification:my_tasks",
        _("My tasks"),
        FIELD,
        phone=_("My tasks"),
        phone_for=frozenset({R.GRID_WORKER, R.COMMUNITY_POLICE}),
    ),
    Item(
        "control:today",
        _("My people today"),
        FIELD | {R.SITE_MANAGER, R.CDC_STAFF},
        phone=_("My people today"),
        phone_for=frozenset({R.GRID_WORKER, R.VILLAGE_CADRE, R.COMMUNITY_POLICE}),
    ),
    Item(
        "command:campaigns",
        _("Screening"),
        FIELD | COMMAND,
        phone=_("Households to visit"),
        phone_for=frozenset({R.GRID_WORKER}),
    ),
    Item(
        "verification:desk",
        _("Verification desk"),
        DESKS,
        phone=_("Verification desk"),
        phone_for=frozenset({R.VILLAGE_CADRE, R.TOWN_OFFICER}),
    ),
    Item("verification:batches", _("Push lists"), frozenset({R.DISTRICT_OFFICE, R.TOWN_OFFICER})),
    Item("control:measures", _("Control measures"), DESKS | {R.CDC_STAFF, R.COMMUNITY_POLICE}),
    Item(
        "control:tests",
        _("Tests"),
        frozenset({R.CDC_STAFF, R.DISTRICT_OFFICE}),
        phone=_("Tests"),
        phone_for=frozenset({R.CDC_STAFF}),
    ),
    Item(
        "control:sites",
        _("Quarantine sites"),
        frozenset({R.SITE_MANAGER, R.DISTRICT_OFFICE, R.CDC_STAFF}),
        phone=_("Quarantine sites"),
        phone_for=frozenset({R.SITE_MANAGER}),
    ),
    Item(
        "control:alerts",
        _("Alerts"),
        DESKS | {R.CDC_STAFF, R.SITE_MANAGER},
        phone=_("Alerts"),
        phone_for=frozenset({R.VILLAGE_CADRE, R.TOWN_OFFICER, R.CDC_STAFF, R.SITE_MANAGER}),
    ),
    Item(
        "control:transfers",
        _("Transfers"),
        COMMAND | {R.CDC_STAFF, R.SITE_MANAGER},
        phone=_("Transfers"),
        phone_for=frozenset({R.SITE_MANAGER}),
    ),
    Item(
        "cases:list",
        _("Cases"),
        frozenset({R.CDC_STAFF, R.DISTRICT_OFFICE, R.WORKING_GROUP}),
        phone=_("Cases"),
        phone_for=frozenset({R.CDC_STAFF}),
    ),
    Item("cases:contacts", _("Contacts"), frozenset({R.CDC_STAFF, R.DISTRICT_OFFICE})),
    Item(
        "reports:dashboard",
        _("Dashboard"),
        COMMAND | {R.CDC_STAFF},
        phone=_("Dashboard"),
        phone_for=frozenset({R.DISTRICT_OFFICE, R.WORKING_GROUP}),
    ),
    Item(
        "reports:daily",
        _("Daily report"),
        DESKS,
        phone=_("Daily report"),
        phone_for=frozenset({R.TOWN_OFFICER}),
    ),
    Item("command:home", _("Command centre"), COMMAND),
    Item(
        "command:directives",
        _("Directives"),
        COMMAND,
        phone=_("Directives"),
        phone_for=frozenset({R.DISTRICT_OFFICE, R.WORKING_GROUP}),
    ),
    Item("command:assignments", _("Assignments"), DESKS),
    Item(
        "command:supervision",
        _("Supervision"),
        COMMAND,
        phone=_("Supervision"),
        phone_for=frozenset({R.DISTRICT_OFFICE}),
    ),
    Item(
        "enterprises:list",
        _("Enterprises"),
        COMMAND | {R.ENTERPRISE},
        phone=_("Enterprises"),
        phone_for=frozenset({R.ENTERPRISE}),
    ),
    Item("projects:list", _("Major projects"), COMMAND),
    Item("people:search", _("Find a person"), EVERYONE - {R.ENTERPRISE}),
    Item("accounts:tokens", _("API tokens"), frozenset({R.DISTRICT_OFFICE})),
    Item("accounts:password", _("Change password"), EVERYONE),
    Item("accounts:help", _("Help"), EVERYONE),
)
PHONE_BAR_SIZE = 3  # what fits beside 菜单 on a 390-px screen
# Pages for whoever may administer users (a grant the menu cannot tell from the role alone).
ADMIN_MENU: tuple[Item, ...] = (
    Item("accounts:users", _("Users"), frozenset()),
    Item("imports:imports", _("Load data"), frozenset()),
    Item("rules:list", _("Policy rules"), frozenset()),
)


@dataclass(frozen=True)
class Link:
    url: str
    label: Any
    phone: Any  # the compact bar's label, or None


def menu_for(user: Any, roles: set[str], *, administers: bool = False) -> list[Link]:
    """The menu of a signed-in user holding ``roles``."""
    everything = bool(getattr(user, "is_superuser", False))
    items = [i for i in MENU if everything or i.roles & roles]
    if administers or everything:
        items += ADMIN_MENU
    # The compact bar: the first few pages of the user's own daily work (the superuser, holding no role,
    # gets the district office's).
    bar_roles = roles or ({R.DISTRICT_OFFICE} if everything else set())
    on_bar = [i for i in items if i.phone and i.phone_for & bar_roles][:PHONE_BAR_SIZE]
    links = [Link(reverse(i.url_name), i.label, i.phone if i in on_bar else None) for i in items]
    if everything or R.DISTRICT_OFFICE in roles:
        links.append(Link("/api/docs", _("API"), None))
    return links
