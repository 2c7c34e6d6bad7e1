"""`flask backup` / `flask restore`: a consistent copy of the SQLite database and file store.

The database is copied with SQLite's online backup API, so it is consistent even while
the web server and workers write. Files are copied afterwards, through crm.storage (a
folder or an S3 bucket alike): the store is content-addressed and append-only, so every
file the copied database points at already exists. With PostgreSQL the database is backed
up with pg_dump (see README); these commands then cover the file store only.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.engine import make_url

from crm import storage
from crm.extensions import db

MANIFEST = "manifest.json"


def sqlite_path() -> Path | None:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def make_backup(out_dir: Path) -> Path:
    """Write relasi-backup-<UTC stamp>.tar.gz into out_dir and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = out_dir / f"relasi-backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        manifest: dict = {"created_at": datetime.now(UTC).isoformat(), "database": None, "files": 0}
        copy = _copy_database(Path(tmp))
        with tarfile.open(target, "w:gz") as tar:
            if copy is not None:
                manifest["database"] = {"file": copy.name, "sha256": _sha256(copy)}
                tar.add(copy, arcname=copy.name)
            manifest["files"] = _add_files(tar)
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def _copy_database(folder: Path) -> Path | None:
    """An online, page-consistent copy of the SQLite database (None on PostgreSQL)."""
    db_file = sqlite_path()
    if db_file is None:
        return None
    copy = folder / "relasi.sqlite"
    src = sqlite3.connect(db_file)
    dst = sqlite3.connect(copy)
    with dst:
        src.backup(dst)
    dst.close()
    src.close()
    return copy


def _add_files(tar: tarfile.TarFile) -> int:
    """Every stored file as `files/ab/cd/<key>`, streamed from the store (folder or bucket)
    one at a time; returns how many."""
    count = 0
    now = time.time()
    for key in sorted(storage.iter_keys()):
        info = tarfile.TarInfo(f"files/{storage.relative_name(key)}")
        info.size = storage.size(key)
        info.mtime = now
        with storage.open_read(key) as stream:
            tar.addfile(info, stream)
        count += 1
    return count


def restore_backup(archive: Path) -> dict:
    """Replace the SQLite database with the archive's and add its files to the store."""
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive, "r:gz") as tar:
        tmp_path = Path(tmp)
        tar.extractall(tmp_path, filter="data")  # refuses absolute paths and ../ tricks
        manifest = json.loads((tmp_path / MANIFEST).read_text())
        if manifest.get("database"):
            _restore_database(tmp_path / manifest["database"]["file"], manifest["database"])
        copied = _restore_files(tmp_path / "files")
    return {"database": bool(manifest.get("database")), "files": copied}


def _restore_database(restored: Path, entry: dict) -> None:
    db_file = sqlite_path()
    if db_file is None:
        raise click.ClickException(
            "the archive holds a SQLite database but DATABASE_URL is not SQLite"
        )
    if _sha256(restored) != entry["sha256"]:
        raise click.ClickException("the database in the archive is damaged (checksum mismatch)")
    db.session.remove()
    db.engine.dispose()
    db_file.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    staged = db_file.with_name(db_file.name + ".restoring")
    shutil.copyfile(restored, staged)
    os.replace(staged, db_file)


def _restore_files(files_dir: Path) -> int:
    """Put every archived file the store lacks back under its key; returns how many."""
    copied = 0
    if not files_dir.exists():
        return copied
    for path in sorted(files_dir.rglob("*")):
        if path.is_file() and storage.is_key(path.name) and storage.put_with_key(path.name, path):
            copied += 1
    return copied


@click.command("backup")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the archive (default: instance/backups).",
)
def backup_command(out_dir: Path | None) -> None:
    """Write a consistent backup archive of the SQLite database and the file store."""
    out_dir = out_dir or Path(current_app.config["INSTANCE_PATH"]) / "backups"
    if sqlite_path() is None:
        click.echo(
            "PostgreSQL in use: back the database up with pg_dump (README); "
            "this archive holds the file store only."
        )
    click.echo(f"backup written: {make_backup(out_dir)}")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(archive: Path, yes: bool) -> None:
    """Restore a backup archive (stop the web server and workers first)."""
    if not yes:
        click.confirm(
            "This replaces the current database. Web server and workers stopped?", abort=True
        )
    result = restore_backup(archive)
    click.echo(
        f"restored: database={'yes' if result['database'] else 'no'}, files={result['files']}"
    )
