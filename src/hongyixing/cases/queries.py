"""Named reads: 时空伴随, chains, the contacts a grid looks after, and the figures reports print."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Min, Q
from django.db.models.functions import Coalesce

from hongyixing.cases.choices import CaseSource, Classification, ContactCategory, ContactState
from hongyixing.cases.models import Case, Contact, ItineraryEntry
from hongyixing.core.masking import mask_name

# ---------------------------------------------------------------------------------------------
# 时空伴随: everyone linked to the same place at an overlapping time


@dataclass
class CoPresence:
    entry: ItineraryEntry
    others: list[ItineraryEntry] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)


def co_presence(case: Case, visible_cases: Any) -> list[CoPresence]:
    """For each place of the case's itinerary, the other cases' entries at the same place on the same
    day whose time spans overlap (a < d and c < b), and the contacts recorded at those entries.

    ``visible_cases`` is the caller's restricted queryset: an entry of a case out of scope is not
    shown (the place still is)."""
    entries = list(case.itinerary.order_by("date", "start_time"))
    if not entries:
        return []
    overlap = Q(pk__in=[])
    for e in entries:
        overlap |= Q(place_key=e.place_key, date=e.date, start_time__lt=e.end_time, end_time__gt=e.start_time)
    others = list(
        ItineraryEntry.objects.filter(overlap, case__in=visible_cases)
        .exclude(case=case)
        .select_related("case__person")
        .order_by("start_time")
    )
    entry_ids = [e.pk for e in entries] + [o.pk for o in others]
    contacts_at: dict[int, list[Contact]] = defaultdict(list)
    for contact in Contact.objects.filter(entry_id__in=entry_ids).select_related("person"):
        contacts_at[contact.entry_id or 0].append(contact)
    groups = []
    for e in entries:
        matching = [
            o
            for o in others
            if o.place_key == e.place_key
            and o.date == e.date
            and o.start_time < e.end_time
            and e.start_time < o.end_time
        ]
        people = list(contacts_at.get(e.pk, []))
        for o in matching:
            people.extend(contacts_at.get(o.pk, []))
        groups.append(CoPresence(e, matching, people))
    return groups


# ---------------------------------------------------------------------------------------------
# Chains


@dataclass
class Node:
    id: str  # "c12" for a case, "k34" for a contact that is not (yet) a case
    label: str
    kind: str  # classification, or "contact"
    generation: int
    parent: str | None
    onset: dt.date | None
    person_id: int
    case_id: int | None = None


def chain_root(case: Case) -> Case:
    return case.root or case


def chain_nodes(
    root: Case, visible_cases: Any, *, with_contacts: bool = True, limit: int = 2000
) -> list[Node]:
    """The chain of ``root``: its cases (one indexed filter on ``root``) and, as leaves, the contacts
    that did not become cases. Names are masked: the chain is for the pattern, the case page for the
    person. Rows are read as tuples (no model instances): a chain is hundreds of rows."""
    base = root.generation - 1
    cases = list(
        visible_cases.filter(Q(pk=root.pk) | Q(root=root))
        .order_by("generation", "id")
        .values_list(
            "pk",
            "person_id",
            "person__name",
            "classification",
            "generation",
            "infected_by_id",
            "onset_date",
            "report_date",
        )[:limit]
    )
    nodes = [
        Node(
            id=f"c{pk}",
            label=mask_name(name),
            kind=kind,
            generation=generation - base,
            parent=f"c{parent}" if parent and pk != root.pk else None,
            onset=onset or reported,
            person_id=person_id,
            case_id=pk,
        )
        for pk, person_id, name, kind, generation, parent, onset, reported in cases
    ]
    if with_contacts and len(nodes) < limit:
        generation_of = {row[0]: row[4] for row in cases}
        leaves = (
            Contact.objects.filter(case_id__in=list(generation_of))
            .exclude(state=ContactState.CASE)
            .exclude(category=ContactCategory.GENERAL)
            .order_by("case_id", "id")
            .values_list("pk", "case_id", "person_id", "person__name")[: limit - len(nodes)]
        )
        nodes.extend(
            Node(
                id=f"k{pk}",
                label=mask_name(name),
                kind="contact",
                generation=generation_of[case_id] - base + 1,
                parent=f"c{case_id}",
                onset=None,
                person_id=person_id,
            )
            for pk, case_id, person_id, name in leaves
        )
    known = {n.id for n in nodes}
    for n in nodes:
        if n.parent not in known:
            n.parent = None
    return nodes


def neighbourhood(case: Case, hops: int = 2) -> list[dict[str, Any]]:
    """Contacts within ``hops`` edges of a case (its contacts, theirs when they became cases),
    names masked. One query per hop, never one per node."""
    frontier = [case.pk]
    seen_cases = {case.pk}
    found: list[dict[str, Any]] = []
    for hop in range(1, hops + 1):
        rows = list(
            Contact.objects.filter(case_id__in=frontier).values(
                "id", "case_id", "person_id", "person__name", "category", "last_exposure", "person__case__id"
            )
        )
        frontier = []
        for row in rows:
            found.append(
                {
                    "hop": hop,
                    "contact": row["id"],
                    "from_case": row["case_id"],
                    "person": row["person_id"],
                    "name": mask_name(row["person__name"]),
                    "category": row["category"],
                    "last_exposure": row["last_exposure"],
                }
            )
            child = row["person__case__id"]
            if child is not None and child not in seen_cases:
                seen_cases.add(child)
                frontier.append(child)
        if not frontier:
            break
    return found


def clusters(visible_cases: Any) -> list[dict[str, Any]]:
    """Chains as clusters: first case, size, generations, first and last onset (largest first)."""
    rows = (
        visible_cases.annotate(chain=Coalesce("root_id", "id"))
        .values("chain")
        .annotate(
            size=Count("id"), generations=Max("generation"), first=Min("onset_date"), last=Max("onset_date")
        )
        .order_by("-size", "chain")
    )
    return [dict(r) for r in rows]


# ---------------------------------------------------------------------------------------------
# Contacts a grid looks after (never the index case)


def contacts_in_care(user: Any) -> Any:
    """The contacts whose own place is in the user's scope; callers show person, category, dates,
    task and measure — the case column is never selected for a face."""
    return (
        Contact.objects.restrict(user, "view")
        .exclude(category="")
        .select_related("person", "measure", "task")
        .order_by("-last_exposure", "id")
    )


def forwarding_list(cases: Any) -> Any:
    return (
        Contact.objects.filter(case__in=cases, state=ContactState.FORWARDED)
        .select_related("person")
        .order_by("forward_district", "id")
    )


# ---------------------------------------------------------------------------------------------
# Figures for reports and the dashboard: counted from case rows only


def case_figures(cases: Any, start: dt.date, end: dt.date) -> dict[str, int]:
    """Cases reported in [start, end] by classification now held, and the imported ones; contacts
    newly judged close in the window, under management, and judged but not yet traced."""
    in_window = cases.filter(report_date__gte=start, report_date__lte=end)
    by_class = dict(
        in_window.values_list("classification").annotate(n=Count("id")).values_list("classification", "n")
    )
    imported = in_window.filter(
        source__in=[CaseSource.ABROAD],
        classification__in=[Classification.CONFIRMED, Classification.ASYMPTOMATIC],
    ).count()
    contacts = Contact.objects.filter(case__in=cases)
    return {
        "cases_confirmed": by_class.get(Classification.CONFIRMED, 0),
        "cases_suspected": by_class.get(Classification.SUSPECTED, 0),
        "cases_asymptomatic": by_class.get(Classification.ASYMPTOMATIC, 0),
        "cases_imported": imported,
        "contacts_new_close": contacts.filter(
            category=ContactCategory.CLOSE, judged_at__date__gte=start, judged_at__date__lte=end
        ).count(),
        "contacts_managed": contacts.filter(state=ContactState.MANAGED, measure__state="active").count(),
        "contacts_untraced": contacts.filter(state=ContactState.FOUND).exclude(category="").count(),
    }
