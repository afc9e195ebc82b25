"""The installable web app's server half: manifest, service worker, offline page, replay verdicts."""

from __future__ import annotations

import json

import pytest

from hongyixing.verification.models import Feedback
from tests.personas import World

pytestmark = pytest.mark.django_db


def test_manifest_and_service_worker_are_public_and_scoped_to_the_site(client) -> None:
    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest["Content-Type"].startswith("application/manifest+json")
    body = json.loads(manifest.content)
    assert body["start_url"] == "/" and body["display"] == "standalone"
    assert body["name"] == "洪宜行疫情跟踪监管平台"
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker["Service-Worker-Allowed"] == "/"
    assert worker["Content-Type"].startswith("application/javascript")
    script = worker.content.decode()
    assert '"/verification/my/"' in script and "/static/hongyixing/offline-queue.js" in script
    assert "{{" not in script
    offline = client.get("/offline/")
    assert offline.status_code == 200 and "无网络" in offline.content.decode()


def _feedback_form(task_id: int, client_id: str, temperature: str = "36.6") -> dict[str, str]:
    return {
        "client_id": client_id,
        "contact_method": "visit",
        "disposition": "ALREADY_KNOWN",
        "temperature": temperature,
        "code_colour": "unknown",
        "test_status": "none",
        "_offline": "1",
    }


def test_a_replay_learns_whether_the_server_kept_it(world: World, client_for) -> None:
    client = client_for("grid_a1")
    task = world.a.task
    url = f"/verification/tasks/{task.pk}/feedback/"
    saved = client.post(url, _feedback_form(task.pk, "offline-1"), HTTP_X_OFFLINE_REPLAY="1")
    assert saved.json() == {"outcome": "saved", "message": ""}
    again = client.post(url, _feedback_form(task.pk, "offline-1"), HTTP_X_OFFLINE_REPLAY="1")
    assert again.json()["outcome"] == "saved"  # a resend of the same submission: kept once
    assert Feedback.objects.filter(task=task).count() == 1
    # Without the replay header the page flow is unchanged: a redirect with a message.
    plain = client.post(url, _feedback_form(task.pk, "offline-2", temperature="abc"))
    assert plain.status_code == 302


def test_a_refused_replay_carries_the_reason_in_the_users_language(world: World, client_for) -> None:
    client = client_for("grid_a1")
    task = world.a.task
    refused = client.post(
        f"/verification/tasks/{task.pk}/feedback/",
        _feedback_form(task.pk, "offline-3", temperature="abc"),
        HTTP_X_OFFLINE_REPLAY="1",
    ).json()
    assert refused["outcome"] == "refused" and "体温" in refused["message"]
    assert not Feedback.objects.filter(client_id="offline-3").exists()


def test_a_replay_after_sign_out_waits_for_sign_in(world: World, client) -> None:
    task = world.a.task
    answer = client.post(
        f"/verification/tasks/{task.pk}/feedback/",
        _feedback_form(task.pk, "offline-4"),
        HTTP_X_OFFLINE_REPLAY="1",
    )
    assert answer.json()["outcome"] == "login"


def test_a_replay_out_of_scope_is_refused_not_retried(world: World, client_for) -> None:
    client = client_for("grid_a1")
    other = world.b.task
    answer = client.post(
        f"/verification/tasks/{other.pk}/feedback/",
        _feedback_form(other.pk, "offline-5"),
        HTTP_X_OFFLINE_REPLAY="1",
    )
    assert answer.json()["outcome"] == "refused"
    assert not Feedback.objects.filter(client_id="offline-5").exists()
