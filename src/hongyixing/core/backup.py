"""Backup and restore of the database (SQLite or PostgreSQL) and the media files.

A backup folder holds ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the
server runs) or ``database.dump`` (``pg_dump`` custom format), a copy of the media folder, and
``manifest.json``. The data key is never in it: ID numbers and phones in the copy are sealed with the
key, so the manifest records where the key lives and a fingerprint of it, and a restore refuses to
run unless the same key is configured.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
MEDIA_DIR = "media"


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why in plain words."""


def data_key_location() -> str:
    if settings.DATA_KEY:
        return "the HONGYIXING_DATA_KEY environment variable"
    return f"the key file {settings.DATA_KEY_FILE} (HONGYIXING_DATA_KEY_FILE)"


def data_key_fingerprint(*, create: bool = False) -> str | None:
    """A fingerprint of the configured data key (not the key), or None when no key is configured."""
    text = settings.DATA_KEY
    if not text:
        path = Path(settings.DATA_KEY_FILE)
        if not path.exists():
            if not create:
                return None
            from hongyixing.core.crypto import _master_text

            _master_text()
        text = path.read_text(encoding="utf-8").strip()
    return hashlib.sha256(b"hongyixing backup key check:" + text.encode()).hexdigest()[:32]


def _pg_environment() -> dict[str, str]:
    db: Any = settings.DATABASES["default"]
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    return env


def _database_name() -> str:
    return str(connection.settings_dict["NAME"])


def backup(folder: Path) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty; back up into a new folder")
    vendor = connection.vendor
    if vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(folder / SQLITE_FILE)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    elif vendor == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={folder / PG_FILE}", _database_name()])
    else:
        raise BackupError(f"backing up a {vendor} database is not supported")
    media = Path(settings.MEDIA_ROOT)
    if media.exists():
        shutil.copytree(media, folder / MEDIA_DIR)
    manifest = {
        "format": 1,
        "database": vendor,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data_key_fingerprint": data_key_fingerprint(create=True),
        "data_key_location": data_key_location(),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.exists():
        raise BackupError(f"{folder} is not a Hongyixing backup (no {MANIFEST})")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def check_key(manifest: dict[str, Any]) -> None:
    fingerprint = data_key_fingerprint()
    if fingerprint is None:
        raise BackupError(
            "No data key is configured. ID numbers and phones in the backup are sealed with the key that "
            f"was in {manifest.get('data_key_location')} when it was made: put that key in place "
            "(HONGYIXING_DATA_KEY or the key file) and run the restore again."
        )
    if fingerprint != manifest.get("data_key_fingerprint"):
        raise BackupError(
            "The configured data key is not the key of this backup; restoring would leave every ID "
            f"number and phone unreadable. The backup's key was in {manifest.get('data_key_location')}."
        )


def restore(folder: Path) -> dict[str, Any]:
    manifest = read_manifest(folder)
    check_key(manifest)
    vendor = connection.vendor
    if manifest.get("database") != vendor:
        raise BackupError(
            f"this backup is of a {manifest.get('database')} database, the configured one is {vendor}"
        )
    if vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(folder / SQLITE_FILE)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        connection.close()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={_database_name()}",
                str(folder / PG_FILE),
            ]
        )
    media = Path(settings.MEDIA_ROOT)
    if (folder / MEDIA_DIR).exists():
        if media.exists():
            shutil.rmtree(media)
        shutil.copytree(folder / MEDIA_DIR, media)
    return manifest


def _run(command: list[str]) -> None:
    try:
        result = subprocess.run(command, env=_pg_environment(), capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools are needed)") from error
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:500]}")
