"""The rules of a list received twice live in do_intake: the file upload and the API share them."""

from __future__ import annotations

import pytest

from hongyixing.core.errors import DomainError
from hongyixing.verification import services
from hongyixing.verification.intake import intake_file
from hongyixing.verification.models import PushBatch, PushSource
from tests.personas import World

pytestmark = pytest.mark.django_db


def _rows(*keys: str) -> list[services.PlainRow]:
    return [
        services.PlainRow(row_number=n, values={"name": "王建国"}, raw=["王建国"], row_key=key)
        for n, key in enumerate(keys, start=1)
    ]


def _take(world: World, rows, **kwargs) -> services.IntakeResult:
    source = PushSource.objects.get(code="police")
    return services.do_intake(world.users["district"], source, rows, title="t", category="general", **kwargs)


def test_the_same_senders_batch_id_returns_the_batch_already_received(world: World) -> None:
    first = _take(world, _rows("1"), external_id="b-7")
    again = _take(world, _rows("1", "2"), external_id="b-7")
    assert (first.duplicate, again.duplicate, again.batch.pk) == (False, True, first.batch.pk)
    assert PushBatch.objects.filter(external_id="b-7").count() == 1


def test_the_same_file_returns_the_batch_already_received(world: World) -> None:
    first = _take(world, _rows("1"), fingerprint="f" * 64)
    again = _take(world, _rows("1"), fingerprint="f" * 64)
    assert again.duplicate and again.batch.pk == first.batch.pk


def test_an_uploaded_file_sent_twice_is_one_batch(world: World) -> None:
    source = PushSource.objects.get(code="police")
    data = "姓名,身份证号\n王建国,\n".encode()
    first = intake_file(world.users["district"], source, data, "list.csv", category="general")
    again = intake_file(world.users["district"], source, data, "list.csv", category="general")
    assert (first.duplicate, again.duplicate, again.batch.pk) == (False, True, first.batch.pk)


def test_repeated_row_keys_and_unknown_categories_are_refused(world: World) -> None:
    with pytest.raises(DomainError) as repeated:
        _take(world, _rows("1", "1"), external_id="b-8")
    assert (repeated.value.code, repeated.value.field) == ("intake.duplicate_row_key", "rows")
    source = PushSource.objects.get(code="police")
    with pytest.raises(DomainError) as unknown:
        services.do_intake(world.users["district"], source, _rows("1"), title="t", category="nonsense")
    assert unknown.value.code == "intake.bad_category"
    assert not PushBatch.objects.filter(external_id="b-8").exists()
