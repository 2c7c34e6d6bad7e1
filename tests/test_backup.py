"""`flask backup` and `flask restore` on SQLite with the file store."""

from __future__ import annotations

import io
import tarfile

import click
import pytest
from sqlalchemy import select

from crm import storage
from crm.backup import make_backup, restore_backup, sqlite_path
from crm.extensions import db as _db
from crm.offices import BranchOffice

pytestmark = pytest.mark.live


@pytest.fixture
def sqlite_only():
    if sqlite_path() is None:
        pytest.skip("backup of the database itself is SQLite's; PostgreSQL uses pg_dump")


def test_file_store_is_backed_up_and_restored_on_any_database(app, tmp_path):
    key = storage.put_bytes(b"%PDF-1.7 lampiran MoU")
    archive = make_backup(tmp_path)
    storage.discard(key)  # the file is lost
    result = restore_backup(archive)
    assert result["files"] == 1 and storage.read_bytes(key) == b"%PDF-1.7 lampiran MoU"
    assert result["database"] is (sqlite_path() is not None)


@pytest.mark.usefixtures("sqlite_only")
def test_backup_then_restore_brings_the_data_back(app, tmp_path):
    _db.session.add(BranchOffice(code="BKP-01", name="Sebelum cadangan", region="Kanwil Uji"))
    _db.session.commit()
    key = storage.put_bytes(b"%PDF-1.7 contoh surat")

    archive = make_backup(tmp_path)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "relasi.sqlite" in names and "manifest.json" in names
    assert f"files/{key[:2]}/{key[2:4]}/{key}" in names

    # Things go wrong after the backup: a row changes, another is added, a file is lost.
    branch = _db.session.scalar(select(BranchOffice).where(BranchOffice.code == "BKP-01"))
    branch.name = "Sesudah cadangan"
    _db.session.add(BranchOffice(code="BKP-02", name="Baru", region="Kanwil Uji"))
    _db.session.commit()
    storage.discard(key)

    result = restore_backup(archive)
    assert result == {"database": True, "files": 1}
    codes = {b.code: b.name for b in _db.session.scalars(select(BranchOffice))}
    assert codes == {"BKP-01": "Sebelum cadangan"}
    assert storage.read_bytes(key) == b"%PDF-1.7 contoh surat" and storage.verify(key)


@pytest.mark.usefixtures("sqlite_only")
def test_backup_is_consistent_while_a_writer_is_busy(app, tmp_path):
    """SQLite's online backup copies a consistent snapshot even mid-transaction elsewhere."""
    _db.session.add(BranchOffice(code="BKP-10", name="Ada", region="R"))
    _db.session.commit()
    _db.session.add(BranchOffice(code="BKP-11", name="Belum commit", region="R"))
    _db.session.flush()  # an open write transaction in this session
    archive = make_backup(tmp_path)
    _db.session.rollback()
    restore_backup(archive)
    codes = {b.code for b in _db.session.scalars(select(BranchOffice))}
    assert codes == {"BKP-10"}


@pytest.mark.usefixtures("sqlite_only")
def test_restore_refuses_a_damaged_archive(app, tmp_path):
    archive = make_backup(tmp_path)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name == "relasi.sqlite":
                data = data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]  # one flipped byte
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    with pytest.raises(click.ClickException, match="damaged"):
        restore_backup(damaged)


def test_backup_command_writes_an_archive(app, runner, tmp_path):
    result = runner.invoke(args=["backup", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert list(tmp_path.glob("relasi-backup-*.tar.gz"))
