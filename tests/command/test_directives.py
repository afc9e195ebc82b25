from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hongyixing.command import services
from hongyixing.command.choices import AssignmentState, NoteKind
from hongyixing.command.models import Assignment, AssignmentNote, Directive, GroupMember
from hongyixing.command.services import Report, check_act, do_escalate_directives
from hongyixing.command.supervision import supervision_items
from hongyixing.core.errors import DomainError
from hongyixing.core.models import ChangeLog, DomainEvent
from hongyixing.notices.models import Notification
from hongyixing.verification.services import do_escalate
from tests.command.builders import build_command, issue
from tests.personas import World, login

T0 = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)  # 08:00 in Hongze


def _shares(directive: Directive) -> dict[str, Assignment]:
    return {a.target_name: a for a in directive.assignments.all()}


def test_issuing_numbers_the_directive_and_splits_it_per_unit(world: World) -> None:
    first = issue(world, now=T0)
    second = issue(world, now=T0 + dt.timedelta(minutes=5), units=[world.a.town])
    assert first.number == "洪指〔2026〕1号" and second.number == "洪指〔2026〕2号"
    shares = _shares(first)
    assert set(shares) == {world.a.town.name, world.b.town.name}
    share = shares[world.a.town.name]
    assert share.state == AssignmentState.ISSUED and share.unit_path == world.a.town.path
    # The clock: 50 % and 80 % of the window, supervision a quarter of the window after the deadline.
    assert share.warn_half_at == T0 + dt.timedelta(hours=12)
    assert share.warn_late_at == T0 + dt.timedelta(hours=19, minutes=12)
    assert share.supervise_at == T0 + dt.timedelta(hours=30)
    assert ChangeLog.objects.filter(object_type="command.assignment", object_id=share.pk).exists()
    assert DomainEvent.objects.filter(name="directive.issued", subject_id=first.pk).exists()
    notice = Notification.objects.get(
        recipient=world.users["town_a"], kind="directive.issued", message__contains="1号"
    )
    assert first.title in notice.message and notice.key == ""
    assert not Notification.objects.filter(recipient=world.users["town_b"], message__contains="2号").exists()


def test_issuing_is_refused_without_targets_in_the_past_or_outside(world: World) -> None:
    with pytest.raises(DomainError) as past:
        issue(world, now=T0, hours=-1)
    assert past.value.code == "directive.deadline_past"
    with pytest.raises(DomainError) as empty:
        issue(world, now=T0, units=[])
    assert empty.value.code == "directive.no_target"
    from hongyixing.areas.models import AdminUnit

    with pytest.raises(DomainError) as outside:
        issue(world, now=T0, units=[AdminUnit.objects.get(path="320812")])
    assert outside.value.code == "directive.bad_target"
    with pytest.raises(DomainError) as town:
        services.check_issue_directive(
            world.users["town_a"],
            AdminUnit.objects.get(path="320813"),
            services.DirectiveInput("t", "c", T0 + dt.timedelta(hours=1), units=[world.a.town]),
            now=T0,
        )
    assert town.value.code == "not_allowed"


def test_the_life_cycle_acknowledge_progress_complete_return_accept(world: World) -> None:
    town, office = world.users["town_a"], world.users["district"]
    share = _shares(issue(world, now=T0))[world.a.town.name]
    assert services.allowed_actions(town, share) == ["acknowledge"]
    assert services.allowed_actions(office, share) == []  # the issuer does not sign for the town
    with pytest.raises(DomainError) as early:
        check_act(town, share, "complete", Report(text="已完成"))
    assert early.value.code == "assignment.bad_transition"
    with pytest.raises(DomainError) as not_theirs:
        check_act(office, share, "acknowledge")
    assert not_theirs.value.code == "assignment.not_allowed"

    share, _ = check_act(town, share, "acknowledge", now=T0 + dt.timedelta(hours=1))
    assert share.state == AssignmentState.ACKNOWLEDGED and share.acknowledged_by == town
    assert share.acknowledged_at == T0 + dt.timedelta(hours=1)
    with pytest.raises(DomainError) as stale:
        check_act(town, share, "progress", Report(text="x"), expected_version=share.version - 1)
    assert stale.value.code == "assignment.stale"
    share, created = check_act(
        town, share, "progress", Report(text="已排查一半", figures={"q1": "120"}, client_id="p1")
    )
    assert created and share.state == AssignmentState.IN_PROGRESS
    share, created = check_act(town, share, "progress", Report(text="已排查一半", client_id="p1"))
    assert (
        not created and AssignmentNote.objects.filter(assignment=share, kind=NoteKind.PROGRESS).count() == 1
    )
    with pytest.raises(DomainError) as figures:
        check_act(town, share, "complete", Report(text="完成"))
    assert figures.value.code == "answers.missing"
    evidence = SimpleUploadedFile("台账.xlsx", b"PK..")
    share, _ = check_act(
        town, share, "complete", Report(text="全部完成", figures={"q1": "240"}, file=evidence)
    )
    assert share.state == AssignmentState.COMPLETED and share.completed_at is not None
    completion = AssignmentNote.objects.get(assignment=share, kind=NoteKind.COMPLETION)
    assert completion.figures == {"q1": 240} and completion.file.name.endswith(".xlsx")
    assert Notification.objects.filter(recipient=office, kind="directive.complete").exists()

    assert services.allowed_actions(town, share) == []
    assert services.allowed_actions(office, share) == ["accept", "return"]
    with pytest.raises(DomainError) as no_reason:
        check_act(office, share, "return")
    assert no_reason.value.code == "assignment.no_reason"
    share, _ = check_act(office, share, "return", Report(text="缺少台账签字"))
    assert share.state == AssignmentState.RETURNED and share.completed_at is None
    assert Notification.objects.filter(recipient=town, kind="directive.return").exists()
    share, _ = check_act(town, share, "complete", Report(text="已补签字", figures={"q1": 240}))
    share, _ = check_act(office, share, "accept")
    assert share.state == AssignmentState.ACCEPTED and share.accepted_by == office
    names = list(
        DomainEvent.objects.filter(subject_type="command.assignment", subject_id=share.pk)
        .order_by("id")
        .values_list("name", flat=True)
    )
    assert names == [
        "assignment.issued",
        "assignment.acknowledge",
        "assignment.progress",
        "assignment.complete",
        "assignment.return",
        "assignment.complete",
        "assignment.accept",
    ]
    assert (
        ChangeLog.objects.filter(
            object_type="command.assignment", object_id=share.pk, action="update"
        ).count()
        == 6
    )


def test_escalation_warns_urges_then_supervises_once_per_level(world: World) -> None:
    directive = issue(world, now=T0, hours=10)
    shares = _shares(directive)
    done = shares[world.b.town.name]
    done, _ = check_act(world.users["town_b"], done, "acknowledge", now=T0)
    check_act(world.users["town_b"], done, "complete", Report(text="完成", figures={"q1": 3}), now=T0)
    assert do_escalate_directives(T0 + dt.timedelta(hours=4)) == {}
    assert do_escalate_directives(T0 + dt.timedelta(hours=5, minutes=1)) == {"directive.half": 1}
    assert do_escalate_directives(T0 + dt.timedelta(hours=5, minutes=2)) == {}  # once per level
    assert do_escalate_directives(T0 + dt.timedelta(hours=8, minutes=1)) == {"directive.late": 1}
    town_a, office = world.users["town_a"], world.users["district"]
    assert Notification.objects.filter(recipient=town_a, kind="directive.late").count() == 1
    assert not Notification.objects.filter(recipient=office, kind="directive.late").exists()
    assert do_escalate_directives(T0 + dt.timedelta(hours=10, minutes=1)) == {"directive.overdue": 1}
    urged = Notification.objects.get(recipient=office, kind="directive.overdue")  # the issuer hears of it
    assert directive.number in urged.message and world.a.town.name in urged.message
    assert Notification.objects.filter(recipient=town_a, kind="directive.overdue").count() == 1
    # Supervision a quarter of the window (2.5 h) after the deadline.
    assert do_escalate_directives(T0 + dt.timedelta(hours=12, minutes=29)) == {}
    assert do_escalate_directives(T0 + dt.timedelta(hours=12, minutes=31)) == {"directive.supervision": 1}
    assert do_escalate_directives(T0 + dt.timedelta(days=3)) == {}
    late = Assignment.objects.get(pk=shares[world.a.town.name].pk)
    assert late.escalation == 4
    assert Assignment.objects.get(pk=done.pk).escalation == 0  # a completed share stops the clock
    assert DomainEvent.objects.filter(name="assignment.supervision", subject_id=late.pk).count() == 1


def test_a_long_stopped_worker_raises_straight_to_supervision_once(world: World) -> None:
    share = _shares(issue(world, now=T0, hours=2, units=[world.a.town]))[world.a.town.name]
    assert do_escalate_directives(T0 + dt.timedelta(days=2)) == {"directive.supervision": 1}
    assert do_escalate_directives(T0 + dt.timedelta(days=2)) == {}
    assert (
        Notification.objects.filter(
            kind__startswith="directive.", kind__in=["directive.half", "directive.late"]
        ).count()
        == 0
    )
    assert Assignment.objects.get(pk=share.pk).escalation == 4


def test_the_supervision_list_merges_directives_and_verification_tasks(world: World) -> None:
    issue(world, now=T0, hours=2)
    do_escalate_directives(T0 + dt.timedelta(days=2))
    do_escalate(world.a.task.deadline + dt.timedelta(days=2))
    district = supervision_items(world.users["district"])
    assert district.by_source == {"directive": 2, "verification": 2}
    assert {i.source for i in district.items} == {"directive", "verification"}
    assert all(i.level == 4 for i in district.items)
    town = supervision_items(world.users["town_a"])
    assert town.by_source == {"directive": 1, "verification": 1}
    assert {i.responsible for i in town.items} == {world.a.town.name, world.a.grid.name}
    assert supervision_items(world.users["enterprise"]).total == 0


def test_a_group_assignment_is_worked_by_its_members(world: World) -> None:
    command = build_command(world)
    group = command.groups["medical"]
    member = world.users["cdc"]
    services.do_add_member(
        world.users["district"], group, member, "leader", post="区卫健委副主任", phone="13812340000"
    )
    directive = issue(world, now=T0, units=[], groups=[group])
    share = directive.assignments.get()
    assert share.unit_path == "320813" and share.target_name == group.name
    assert services.allowed_actions(member, share) == ["acknowledge"]
    assert services.allowed_actions(world.users["town_a"], share) == []
    assert list(Assignment.objects.restrict(member, "change")) == [share]
    # One row per assignment, however many members the group has.
    services.do_add_member(world.users["district"], group, world.users["town_b"], "member")
    assert Assignment.objects.restrict(world.users["district"]).filter(pk=share.pk).count() == 1
    assert GroupMember.objects.get(user=member).phone_masked == "138****0000"


@pytest.mark.django_db
def test_towns_see_and_change_only_their_own_share(world: World, client) -> None:
    command = build_command(world, attachment=True)
    a, b = command.assignments["a"], command.assignments["b"]
    town_a = login(client, world.users["town_a"])
    assert town_a.get(f"/command/assignments/{a.id}/").status_code == 200
    assert town_a.get(f"/command/assignments/{b.id}/").status_code == 404
    assert town_a.get(f"/command/directives/{command.directive.id}/").status_code == 404
    listed = town_a.get("/api/command/assignments").json()
    assert [row["id"] for row in listed] == [a.id]
    refused = town_a.post(
        f"/api/command/assignments/{b.id}/acknowledge", data=json.dumps({}), content_type="application/json"
    )
    assert refused.status_code == 404
    ok = town_a.post(
        f"/api/command/assignments/{a.id}/acknowledge", data=json.dumps({}), content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["assignment"]["state"] == "acknowledged"
    again = town_a.post(
        f"/api/command/assignments/{a.id}/acknowledge", data=json.dumps({}), content_type="application/json"
    )
    assert again.status_code == 400 and again.json()["code"] == "assignment.bad_transition"
    body = {"client_id": "c-1", "text": "完成", "figures": {"q1": 12}}
    first = town_a.post(
        f"/api/command/assignments/{a.id}/complete", data=json.dumps(body), content_type="application/json"
    )
    retry = town_a.post(
        f"/api/command/assignments/{a.id}/complete", data=json.dumps(body), content_type="application/json"
    )
    assert first.status_code == 201 and retry.status_code == 200 and retry.json()["created"] is False
    assert AssignmentNote.objects.filter(assignment=a, kind=NoteKind.COMPLETION).count() == 1
    attachment = command.directive.attachments.get()
    assert town_a.get(f"/command/directives/{command.directive.id}/files/{attachment.id}/").status_code == 200
    office = login(client.__class__(), world.users["district"])
    page = office.get(f"/command/directives/{command.directive.id}/")
    assert page.status_code == 200 and world.b.town.name in page.content.decode()
    accept = office.post(
        f"/api/command/assignments/{a.id}/accept", data=json.dumps({}), content_type="application/json"
    )
    assert accept.status_code == 200 and accept.json()["assignment"]["state"] == "accepted"
    issued = office.get("/api/command/directives").json()
    assert issued[0]["targets"] == 2 and issued[0]["accepted"] == 1


@pytest.mark.django_db
def test_pages_issue_and_act(world: World, client) -> None:
    build_command(world)
    office = login(client, world.users["district"])
    form = office.get("/command/directives/new/")
    assert form.status_code == 200
    response = office.post(
        "/command/directives/new/",
        {
            "title": "关于加强卡口管理的通知",
            "content": "各镇街加强卡口值守。",
            "deadline": "2099-01-01T12:00",
            "units": [str(world.a.town.id)],
            "feedback_text": "on",
            "feedback_fields": "卡口数 | number\n是否24小时值守 | yesno",
            "attachments": SimpleUploadedFile("方案.txt", b"x"),
        },
    )
    directive = Directive.objects.get(title="关于加强卡口管理的通知")
    assert response.status_code == 302 and directive.attachments.count() == 1
    assert [f["kind"] for f in directive.feedback_fields] == ["number", "yesno"]
    share = directive.assignments.get()
    town = login(client.__class__(), world.users["town_a"])
    assert (
        town.post(
            f"/command/assignments/{share.id}/act/", {"action": "acknowledge", "version": share.version}
        ).status_code
        == 302
    )
    share.refresh_from_db()
    town.post(
        f"/command/assignments/{share.id}/act/",
        {
            "action": "complete",
            "version": share.version,
            "text": "完成",
            "f_q1": "4",
            "f_q2": "yes",
            "client_id": "x1",
        },
    )
    share.refresh_from_db()
    assert share.state == AssignmentState.COMPLETED
    assert share.notes.get(kind="completion").figures == {"q1": 4, "q2": True}
    for url in ("/command/", "/command/directives/", "/command/assignments/", "/command/supervision/"):
        assert office.get(url).status_code == 200, url
        assert town.get(url).status_code == 200, url


def test_the_issuer_extends_one_units_deadline_and_the_clock_restarts(world: World) -> None:
    share = _shares(issue(world, now=T0, hours=10, units=[world.a.town]))[world.a.town.name]
    do_escalate_directives(T0 + dt.timedelta(hours=9))
    with pytest.raises(DomainError) as town:
        services.do_extend_deadline(world.users["town_a"], share, T0 + dt.timedelta(hours=30), "村组分散")
    assert town.value.code == "assignment.not_allowed"
    with pytest.raises(DomainError) as no_reason:
        services.do_extend_deadline(world.users["district"], share, T0 + dt.timedelta(hours=30), " ")
    assert no_reason.value.code == "assignment.bad_extension"
    at = T0 + dt.timedelta(hours=9, minutes=30)
    share = services.do_extend_deadline(
        world.users["district"], share, T0 + dt.timedelta(hours=29, minutes=30), "村组分散", now=at
    )
    assert share.escalation == 0 and share.warn_half_at == T0 + dt.timedelta(hours=19, minutes=30)
    assert do_escalate_directives(T0 + dt.timedelta(hours=11)) == {}  # the old deadline no longer counts
    assert do_escalate_directives(T0 + dt.timedelta(hours=19, minutes=31)) == {"directive.half": 1}
    assert DomainEvent.objects.filter(name="assignment.extended", subject_id=share.pk).exists()


def test_each_escalation_level_is_in_the_change_log(world: World) -> None:
    """Issue #10, finding 9: the level used to be written with an event only."""
    share = _shares(issue(world, now=T0, hours=10, units=[world.a.town]))[world.a.town.name]
    assert do_escalate_directives(T0 + dt.timedelta(hours=5, minutes=1)) == {"directive.half": 1}
    assert do_escalate_directives(T0 + dt.timedelta(hours=8, minutes=1)) == {"directive.late": 1}
    rows = ChangeLog.objects.filter(object_type="command.assignment", object_id=share.pk, action="update")
    levels = [row.changes["escalation"] for row in rows.order_by("id") if "escalation" in row.changes]
    assert levels == [[0, 1], [1, 2]]


def _page_ids(page: str) -> tuple[str, str]:
    import re

    client_id = re.search(r'name="client_id" value="([0-9a-f]+)"', page)
    version = re.search(r'name="version" value="(\d+)"', page)
    assert client_id and version
    return client_id.group(1), version.group(1)


def test_after_each_saved_step_the_page_forgets_its_draft_and_offers_a_new_id(world: World, client) -> None:
    """Issue #13 (a): acknowledge, report progress, then report completion from the same page: the
    draft kept by the browser (with the earlier submission id) is named done after every success."""
    share = _shares(issue(world, units=[world.a.town]))[world.a.town.name]
    town_a = login(client, world.users["town_a"])
    url = f"/command/assignments/{share.pk}/"
    marker = f'data-draft-done="assignment-{share.pk}"'
    page = town_a.get(url).content.decode()
    assert marker not in page
    seen = set()
    for action, text in (("acknowledge", ""), ("progress", "已排查一半"), ("complete", "全部完成")):
        client_id, version = _page_ids(page)
        assert client_id not in seen
        seen.add(client_id)
        town_a.post(
            f"{url}act/",
            {"action": action, "client_id": client_id, "version": version, "text": text, "f_q1": "5"},
        )
        page = town_a.get(url).content.decode()
        assert marker in page  # the browser drops the spent draft before restoring any
        assert "already saved" not in page and "此前已保存" not in page
    share.refresh_from_db()
    assert share.state == AssignmentState.COMPLETED
    kinds = list(share.notes.order_by("id").values_list("kind", flat=True))
    assert kinds == [NoteKind.PROGRESS, NoteKind.COMPLETION]
    assert marker not in town_a.get(url).content.decode()  # once only
    from pathlib import Path

    from django.contrib.staticfiles import finders

    script = Path(str(finders.find("hongyixing/fieldform.js"))).read_text(encoding="utf-8")
    assert script.index("[data-draft-done]") < script.index("form[data-draft]")  # forget, then restore


def test_every_assignment_state_has_its_own_chinese_label() -> None:
    """Issue #13 (b): Acknowledged and Accepted both read 已签收, In progress read 核查中."""
    from django.utils import translation

    with translation.override("zh-hans"):
        labels = {state: str(state.label) for state in AssignmentState}
        assert len(set(labels.values())) == len(labels)
        assert labels[AssignmentState.ACKNOWLEDGED] == "已签收"
        assert labels[AssignmentState.ACCEPTED] == "已验收"
        assert labels[AssignmentState.IN_PROGRESS] == "办理中"
        assert translation.gettext("Accepted") == "已签收"  # a verification task's word stays
