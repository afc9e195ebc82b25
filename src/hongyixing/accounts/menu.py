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


MENU: tuple[Item, ...] = (
    Item("home", _("Home"), EVERYONE),
    Item("verification:my_tasks", _("My tasks"), FIELD, phone=_("My tasks")),
    Item(
        "control:today",
        _("My people today"),
        FIELD | {R.SITE_MANAGER, R.CDC_STAFF},
        phone=_("My people today"),
    ),
    Item("command:campaigns", _("Screening"), FIELD | COMMAND, phone=_("Households to visit")),
    Item("verification:desk", _("Verification desk"), DESKS),
    Item("verification:batches", _("Push lists"), frozenset({R.DISTRICT_OFFICE, R.TOWN_OFFICER})),
    Item("control:measures", _("Control measures"), DESKS | {R.CDC_STAFF, R.COMMUNITY_POLICE}),
    Item("control:tests", _("Tests"), frozenset({R.CDC_STAFF, R.DISTRICT_OFFICE})),
    Item("control:sites", _("Quarantine sites"), frozenset({R.SITE_MANAGER, R.DISTRICT_OFFICE, R.CDC_STAFF})),
    Item("control:alerts", _("Alerts"), DESKS | {R.CDC_STAFF, R.SITE_MANAGER}),
    Item("control:transfers", _("Transfers"), COMMAND | {R.CDC_STAFF, R.SITE_MANAGER}),
    Item("cases:list", _("Cases"), frozenset({R.CDC_STAFF, R.DISTRICT_OFFICE, R.WORKING_GROUP})),
    Item("cases:contacts", _("Contacts"), frozenset({R.CDC_STAFF, R.DISTRICT_OFFICE})),
    Item("reports:dashboard", _("Dashboard"), COMMAND | {R.CDC_STAFF}),
    Item("reports:daily", _("Daily report"), DESKS),
    Item("command:home", _("Command centre"), COMMAND),
    Item("command:directives", _("Directives"), COMMAND),
    Item("command:assignments", _("Assignments"), DESKS),
    Item("command:supervision", _("Supervision"), COMMAND),
    Item("enterprises:list", _("Enterprises"), COMMAND | {R.ENTERPRISE}),
    Item("projects:list", _("Major projects"), COMMAND),
    Item("people:search", _("Find a person"), EVERYONE - {R.ENTERPRISE}),
    Item("accounts:tokens", _("API tokens"), frozenset({R.DISTRICT_OFFICE})),
    Item("accounts:password", _("Change password"), EVERYONE),
    Item("accounts:help", _("Help"), EVERYONE),
)
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
    links = [Link(reverse(i.url_name), i.label, i.phone) for i in items]
    if everything or R.DISTRICT_OFFICE in roles:
        links.append(Link("/api/docs", _("API"), None))
    return links
