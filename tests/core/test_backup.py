"""Backup → wipe → restore gives back the same data (SQLite or PostgreSQL, whichever the run uses)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hongyixing.accounts.models import User
from hongyixing.areas.models import AdminUnit, Household
from hongyixing.core import backup
from hongyixing.core.models import ChangeLog
from hongyixing.people.models import Person, PersonPhone
from tests.personas import build_world

MODELS: list[Any] = [AdminUnit, Household, Person, PersonPhone, User, ChangeLog]


def _state() -> dict[str, list[tuple[Any, ...]]]:
    return {model.__name__: sorted(map(tuple, model.objects.values_list())) for model in MODELS}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_wipe_restore_is_identical(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "feedback").mkdir(parents=True)
    (tmp_path / "media" / "feedback" / "photo.jpg").write_bytes(b"\xff\xd8 a photo")
    build_world(push_list=False)
    before = _state()
    folder = tmp_path / "backup"
    call_command("backup", str(folder))
    assert (folder / backup.MANIFEST).exists()
    with pytest.raises(CommandError):
        call_command("backup", str(folder))  # never over an existing backup

    ChangeLog.objects.all().delete()
    PersonPhone.objects.all().delete()
    Person.objects.filter(pk=Person.objects.first().pk).update(name="改过")
    User.objects.create(username="after-backup")
    (tmp_path / "media" / "feedback" / "photo.jpg").unlink()
    assert _state() != before

    call_command("restore", str(folder))
    assert _state() == before
    assert (tmp_path / "media" / "feedback" / "photo.jpg").read_bytes() == b"\xff\xd8 a photo"
    person = Person.objects.exclude(document_ciphertext="").first()
    from hongyixing.core.crypto import unseal

    assert unseal(person.document_ciphertext).startswith("3208")  # still readable with the key


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restore_refuses_without_the_data_key(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = tmp_path / "backup"
    manifest = backup.backup(folder)
    assert "key" in manifest["data_key_location"]
    settings.DATA_KEY = ""
    settings.DATA_KEY_FILE = tmp_path / "missing.key"
    with pytest.raises(backup.BackupError, match="No data key"):
        backup.restore(folder)
    assert not (tmp_path / "missing.key").exists()  # a restore never invents a key
    settings.DATA_KEY = "A" * 43
    with pytest.raises(backup.BackupError, match="not the key of this backup"):
        backup.restore(folder)
