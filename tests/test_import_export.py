"""Account and key-person import (CSV/XLSX, dry run, all or nothing, jobs) and list export."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import event, select

from crm import storage
from crm.accounts.imports.columns import ACCOUNT_COLUMNS
from crm.accounts.models import Account, KeyPerson, Position
from crm.audit import AuditLog
from crm.extensions import db as _db
from crm.imports.runs import run_import
from crm.imports.tabular import read_table
from crm.jobs.models import BackgroundJob
from tests.conftest import post_form
from tests.factories import (
    AccountFactory,
    BranchFactory,
    KeyPersonFactory,
    PositionFactory,
    UserFactory,
)
from tests.support.imports import check_file, count, ticket_for, to_csv
from tests.support.queue import work

ACCOUNT_HEADERS = [
    "nama",
    "jenis",
    "segmen",
    "status",
    "kepemilikan",
    "sektor",
    "jumlah_pekerja",
    "npp",
    "npwp",
    "nib",
    "alamat",
    "kota",
    "kode_cabang",
    "email_rm",
    "npp_induk",
]
PEOPLE_HEADERS = [
    "npp_akun",
    "nama",
    "email",
    "telepon",
    "saluran",
    "jabatan",
    "tingkat",
    "pengambil_keputusan",
    "email_atasan",
    "mulai_menjabat",
    "pengaruh",
    "sikap",
    "catatan",
]
TICKET = re.compile(r'name="ticket" type="hidden" value="([^"]+)"')


# -- helpers ---------------------------------------------------------------------------------


def account_row(i: int, **over) -> dict:
    row = {
        "nama": f"PT Impor Sentosa {i:03d}",
        "jenis": "perusahaan",
        "segmen": "",
        "status": "aktif",
        "kepemilikan": "swasta",
        "sektor": "manufaktur",
        "jumlah_pekerja": "120",
        "npp": f"{70000000 + i}",
        "npwp": "",
        "nib": "",
        "alamat": "Jl. Sudirman",
        "kota": "Jakarta",
        "kode_cabang": "",
        "email_rm": "",
        "npp_induk": "",
    }
    row.update(over)
    return row


def person_row(npp: str, name: str, email: str, **over) -> dict:
    row = {
        "npp_akun": npp,
        "nama": name,
        "email": email,
        "telepon": "0812-1111-2222",
        "saluran": "whatsapp",
        "jabatan": "GM Human Capital",
        "tingkat": "BOD-1",
        "pengambil_keputusan": "ya",
        "email_atasan": "",
        "mulai_menjabat": "15/01/2024",
        "pengaruh": "4",
        "sikap": "mendukung",
    }
    row.update(over)
    return row


def to_xlsx(rows: list[dict], headers=None, raw: dict | None = None) -> bytes:
    """An XLSX built like Excel would; `raw` puts typed cells (numbers, dates) in row 2."""
    headers = headers or list(rows[0])
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    for col, value in (raw or {}).items():
        sheet.cell(row=2, column=headers.index(col) + 1, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, filename="akun.csv", kind="accounts"):
    return post_form(
        client,
        "/accounts/import",
        {"kind": kind, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def confirm(client, preview_html: str, **kwargs):
    match = TICKET.search(preview_html)
    assert match, "the preview offers no confirm button"
    return post_form(client, "/accounts/import/confirm", {"ticket": match.group(1)}, **kwargs)


@pytest.fixture
def config(app):
    """Change app.config for one test."""
    saved = dict(app.config)
    yield app.config
    app.config.clear()
    app.config.update(saved)


# -- the acceptance test -----------------------------------------------------------------------


def test_two_bad_rows_of_fifty_are_named_and_nothing_is_written_until_fixed(db, client, login_as):
    rm = login_as(UserFactory(role="rm"))
    rows = [account_row(i) for i in range(50)]
    rows[11]["npp"] = "1234"  # file row 13
    rows[36]["email_rm"] = "tidak.ada@relasi.test"  # file row 38
    resp = upload(client, to_csv(rows))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "NPP harus 8 digit (tertulis 4)." in html
    assert "Email RM tidak dikenal: tidak.ada@relasi.test." in html
    assert re.search(r'<td class="num">13</td><td class="mono">npp</td>', html)
    assert re.search(r'<td class="num">38</td><td class="mono">email_rm</td>', html)
    assert re.search(r'<div class="stat">48</div><div class="stat-label">baris siap', html)
    assert TICKET.search(html) is None  # nothing to confirm
    assert count(db, Account) == 0

    rows[11]["npp"] = "12345678"
    rows[36]["email_rm"] = rm.email
    html = upload(client, to_csv(rows)).get_data(as_text=True)
    assert "Semua baris valid" in html and count(db, Account) == 0  # the preview writes nothing
    resp = confirm(client, html)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/accounts/")
    assert count(db, Account) == 50
    assert count(db, Account, Account.rm_id == rm.id) == 50
    assert count(db, AuditLog, AuditLog.action == "account.create") == 50
    summary = db.session.scalar(select(AuditLog).where(AuditLog.action == "account.import"))
    assert summary.actor_id == rm.id and summary.after["count"] == len(summary.after["ids"]) == 50
    account = db.session.scalar(select(Account).where(Account.npp == "12345678"))
    assert account.segment == "corporate" and account.search_name == "impor sentosa 011"
    assert account.ownership == "private" and account.headcount == 120


def test_confirming_twice_writes_once(db, client, login_as):
    login_as(UserFactory(role="supervisor"))
    html = upload(client, to_csv([account_row(1, npp="", npwp="")])).get_data(as_text=True)
    assert confirm(client, html).status_code == 302
    again = confirm(client, html, follow_redirects=True)
    assert "Impor ini sudah disimpan sebelumnya." in again.get_data(as_text=True)
    assert count(db, Account) == 1


def test_a_row_that_turned_invalid_before_confirming_shows_the_preview_again(db, client, login_as):
    login_as(UserFactory(role="supervisor"))
    html = upload(client, to_csv([account_row(1), account_row(2)])).get_data(as_text=True)
    AccountFactory(name="PT Lebih Cepat", npp="70000002")
    resp = confirm(client, html)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Data berubah sejak pratinjau." in page
    assert "NPP ini sudah dipakai oleh PT Lebih Cepat." in page and TICKET.search(page) is None
    assert count(db, Account) == 1 and count(db, AuditLog, AuditLog.action == "account.import") == 0


def test_a_ticket_cannot_be_forged_or_used_by_someone_else(db, client, login_as, auth):
    login_as(UserFactory(role="supervisor"))
    html = upload(client, to_csv([account_row(1)])).get_data(as_text=True)
    auth.logout()
    login_as(UserFactory(role="supervisor"))
    resp = confirm(client, html, follow_redirects=True)
    assert "tidak berlaku lagi" in resp.get_data(as_text=True)
    resp = post_form(
        client, "/accounts/import/confirm", {"ticket": "x" * 40}, follow_redirects=True
    )
    assert "tidak berlaku lagi" in resp.get_data(as_text=True)
    assert count(db, Account) == 0


# -- file formats ------------------------------------------------------------------------------


def test_xlsx_import_reads_numbers_dates_and_text_cells(db, client, login_as):
    login_as(UserFactory(role="admin"))
    rows = [account_row(1), account_row(2, npwp="0012345678901234")]
    data = to_xlsx(rows, raw={"npp": 70000001, "jumlah_pekerja": 1500.0})
    html = upload(client, data, "akun.xlsx").get_data(as_text=True)
    assert "Semua baris valid" in html, html
    confirm(client, html)
    assert db.session.scalar(select(Account.headcount).where(Account.npp == "70000001")) == 1500
    assert count(db, Account, Account.npwp == "0012345678901234") == 1


def test_semicolon_csv_in_windows_1252_is_read(db, client, login_as):
    login_as(UserFactory(role="supervisor"))
    row = account_row(1, nama="PT Kopi Lintong Café", jumlah_pekerja="1.200")
    resp = upload(client, to_csv([row], delimiter=";", encoding="cp1252"))
    html = resp.get_data(as_text=True)
    assert "Semua baris valid" in html and "Windows-1252" in html and "“;”" in html
    confirm(client, html)
    account = db.session.scalar(select(Account).where(Account.npp == "70000001"))
    assert account.name == "PT Kopi Lintong Café" and account.headcount == 1200


def test_english_headers_and_labels_are_accepted(db, client, login_as):
    login_as(UserFactory(role="supervisor"))
    data = (
        b"Name,Kind,Status,Ownership,NPP\n"
        b"Kementerian Contoh Impor,Kementerian,Prospek,,12312312\n"
        b"PT Asing Impor,company,inactive,Asing (PMA),32132132\n"
    )
    html = upload(client, data).get_data(as_text=True)
    assert "Semua baris valid" in html, html
    confirm(client, html)
    ministry = db.session.scalar(select(Account).where(Account.npp == "12312312"))
    assert (ministry.kind, ministry.segment, ministry.status) == (
        "ministry",
        "institutional",
        "prospect",
    )
    pma = db.session.scalar(select(Account).where(Account.npp == "32132132"))
    assert (pma.ownership, pma.status) == ("foreign", "inactive")


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "akun.csv", "File kosong."),
        (b"nama,jenis\n", "akun.csv", "File tidak berisi baris data"),
        (b"nama,jenis\nPT A,perusahaan\n", "akun.xls", "Gunakan file .csv atau .xlsx"),
        (b"nama,jenis\nPT A,perusahaan\n", "akun.txt", "Gunakan file .csv atau .xlsx"),
        (b"nama,kota\nPT A,Medan\n", "akun.csv", "Kolom wajib tidak ada: jenis."),
        (b"nama,jenis,nama\nPT A,perusahaan,B\n", "akun.csv", "Kolom nama muncul dua kali."),
        (b"PK\x03\x04garbage\x00\x00", "akun.csv", "File ini bukan CSV teks."),
        (b"PK\x03\x04garbage\x00\x00", "akun.xlsx", "File XLSX tidak dapat dibaca."),
    ],
)
def test_bad_files_get_a_clear_message_and_nothing_is_written(
    db, client, login_as, data, filename, message
):
    login_as(UserFactory(role="rm"))
    resp = upload(client, data, filename)
    assert resp.status_code == 200
    assert message in resp.get_data(as_text=True)
    assert count(db, Account) == 0


def test_no_file_is_refused_next_to_the_field(client, login_as):
    login_as(UserFactory(role="rm"))
    resp = post_form(client, "/accounts/import", {"kind": "accounts"})
    assert "Pilih file CSV atau XLSX." in resp.get_data(as_text=True)


def test_too_many_rows_and_too_many_bytes_are_refused(db, client, login_as, config):
    login_as(UserFactory(role="rm"))
    config["IMPORT_MAX_ROWS"] = 3
    resp = upload(client, to_csv([account_row(i) for i in range(4)]))
    assert "lebih dari 3 baris data" in resp.get_data(as_text=True)
    config["IMPORT_MAX_ROWS"] = 50_000
    config["IMPORT_MAX_BYTES"] = 2**20
    big = to_csv([account_row(i, alamat="x" * 2000) for i in range(600)])
    assert "lebih besar dari 1 MB" in upload(client, big).get_data(as_text=True)
    assert count(db, Account) == 0


def test_blank_rows_are_skipped_and_row_numbers_match_the_spreadsheet(db, app, login_as):
    data = b"nama,jenis,npp\n\nPT A,perusahaan,1\n,,\nPT B,perusahaan,87654321\n"
    table = read_table(data, "a.csv", ACCOUNT_COLUMNS, 100)
    assert [line for line, _ in table.rows] == [3, 5]


# -- row rules -------------------------------------------------------------------------------


def test_duplicates_in_the_file_and_in_the_database_are_row_errors(db, client, login_as):
    AccountFactory(name="PT Sudah Ada", npp="11112222", nib="1234567890123")
    login_as(UserFactory(role="supervisor"))
    rows = [
        account_row(1, npp="1111 2222"),  # row 2: taken in the database
        account_row(2, npp="33334444", npwp="01.234.567.8-901.234"),  # row 3
        account_row(3, npp="33334444"),  # row 4: same NPP as row 3
        account_row(4, npp="55556666", npwp="012345678901234"),  # row 5: same NPWP as row 3
        account_row(5, npp="77778888", nib="1234567890123"),  # row 6: NIB taken
    ]
    html = upload(client, to_csv(rows)).get_data(as_text=True)
    assert "NPP ini sudah dipakai oleh PT Sudah Ada." in html
    assert "NPP sama dengan baris 3 di file ini." in html
    assert "NPWP sama dengan baris 3 di file ini." in html
    assert "NIB ini sudah dipakai oleh PT Sudah Ada." in html
    assert re.search(r'<div class="stat">1</div><div class="stat-label">baris siap', html)
    assert count(db, Account) == 1


def test_unknown_branch_and_rm_and_bad_choices_are_row_errors(db, client, login_as):
    BranchFactory(code="JKT-SUD")
    login_as(UserFactory(role="admin"))
    inactive = UserFactory(role="rm", active=False)
    rows = [
        account_row(1, kode_cabang="jkt-sud"),  # fine: codes compare case-insensitively
        account_row(2, kode_cabang="XXX-999"),
        account_row(3, email_rm="siapa@relasi.test"),
        account_row(4, email_rm=inactive.email),
        account_row(5, jenis="koperasi"),
        account_row(6, sektor="perikanan"),
        account_row(7, nama=""),
        account_row(8, jumlah_pekerja="banyak"),
    ]
    html = upload(client, to_csv(rows)).get_data(as_text=True)
    assert "Kode kantor cabang tidak dikenal: XXX-999." in html
    assert "Email RM tidak dikenal: siapa@relasi.test." in html
    assert "RM harus pengguna aktif dengan peran RM." in html
    assert "Pilihan tidak dikenal. Pilihan: company, ministry, agency, local_government." in html
    assert "Sektor tidak dikenal." in html
    assert "Nama wajib diisi." in html
    assert "Jumlah pekerja harus berupa angka." in html
    assert re.search(r'<div class="stat">7</div><div class="stat-label">baris bermasalah', html)


def test_parent_npp_may_be_an_existing_account_or_an_earlier_row(db, client, login_as):
    holding = AccountFactory(name="PT Holding Lama", npp="90000001")
    login_as(UserFactory(role="supervisor"))
    rows = [
        account_row(1, npp="90000002", npp_induk="90000001"),
        account_row(2, npp="90000003", npp_induk="90000002"),
        account_row(3, npp="90000004", npp_induk="90000005"),  # parent comes later: refused
        account_row(4, npp="90000005"),
        account_row(5, npp="90000006", npp_induk="99999999"),
        account_row(6, npp="90000007", npp_induk="90000007"),
    ]
    html = upload(client, to_csv(rows)).get_data(as_text=True)
    assert "Akun induk harus berada di baris sebelumnya dalam file." in html
    assert "Tidak ada akun dengan NPP ini." in html
    assert "Akun tidak bisa menjadi induknya sendiri." in html
    html = upload(client, to_csv(rows[:2])).get_data(as_text=True)
    confirm(client, html)
    child = db.session.scalar(select(Account).where(Account.npp == "90000002"))
    grandchild = db.session.scalar(select(Account).where(Account.npp == "90000003"))
    assert child.parent_id == holding.id and grandchild.parent_id == child.id


def test_similar_names_warn_without_blocking(db, client, login_as):
    AccountFactory(name="PT Semen Nusantara (Persero) Tbk")
    login_as(UserFactory(role="supervisor"))
    rows = [account_row(1, nama="Semen Nusantara"), account_row(2, nama="PT SEMEN NUSANTARA")]
    html = upload(client, to_csv(rows)).get_data(as_text=True)
    assert "Nama mirip dengan akun yang sudah ada: PT Semen Nusantara (Persero) Tbk." in html
    assert "Nama sama dengan baris 2." in html
    assert "Semua baris valid" in html


# -- who may import what ---------------------------------------------------------------------


def test_rm_cannot_assign_rows_to_another_rm(db, client, login_as):
    other = UserFactory(role="rm")
    me = login_as(UserFactory(role="rm"))
    rows = [account_row(1, email_rm=other.email), account_row(2, email_rm=me.email.upper())]
    html = upload(client, to_csv(rows)).get_data(as_text=True)
    assert "Hanya supervisor atau admin yang dapat menugaskan RM lain." in html
    assert re.search(r'<td class="num">2</td><td class="mono">email_rm</td>', html)
    assert not re.search(r'<td class="num">3</td>', html)


def test_supervisor_assigns_any_active_rm_or_none(db, client, login_as):
    rm = UserFactory(role="rm")
    login_as(UserFactory(role="supervisor"))
    rows = [account_row(1, email_rm=rm.email), account_row(2)]
    confirm(client, upload(client, to_csv(rows)).get_data(as_text=True))
    assert db.session.scalar(select(Account.rm_id).where(Account.npp == "70000001")) == rm.id
    assert db.session.scalar(select(Account.rm_id).where(Account.npp == "70000002")) is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/accounts/import"),
        ("post", "/accounts/import"),
        ("post", "/accounts/import/confirm"),
        ("get", "/accounts/import/template.csv"),
        ("post", "/accounts/export"),
    ],
)
def test_partner_gets_403(client, login_as, method, path):
    login_as(UserFactory(role="partner"))
    resp = client.get(path) if method == "get" else post_form(client, path, {"format": "csv"})
    assert resp.status_code == 403


def test_signed_out_user_is_sent_to_login(client):
    resp = client.get("/accounts/import")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


# -- key persons -----------------------------------------------------------------------------


def test_people_import_adds_positions_links_bosses_and_reuses_known_people(db, client, login_as):
    rm = login_as(UserFactory(role="rm"))
    mine = AccountFactory(name="PT Milik Saya", npp="40000001", rm=rm)
    mine.key_person_gap_since = date(2026, 1, 1)
    elsewhere = AccountFactory(name="PT Tempat Lama", npp="40000002", rm=rm)
    mover = KeyPersonFactory(name="Sari Pindahan", email="sari@contoh.co.id")
    PositionFactory(person=mover, account=elsewhere, title="HR Manager")
    director = PositionFactory(
        account=mine, level="bod", title="Direktur SDM", person=KeyPersonFactory(email="dir@x.id")
    )
    rows = [
        person_row("40000001", "Andi Baru", "andi@contoh.co.id", email_atasan="DIR@x.id"),
        person_row(
            "4000-0001",
            "Sari P.",
            "Sari@Contoh.co.id",
            jabatan="VP HC",
            email_atasan="andi@contoh.co.id",
        ),
        person_row(
            "40000001",
            "Tono Operasional",
            "",
            tingkat="operasional",
            pengambil_keputusan="tidak",
            email_atasan="sari@contoh.co.id",
            mulai_menjabat="2025-02-01",
            pengaruh="",
            sikap="",
            saluran="",
        ),
    ]
    html = upload(client, to_csv(rows), "orang.csv", kind="people").get_data(as_text=True)
    assert "Semua baris valid" in html, html
    assert "Sari Pindahan sudah ada: jabatan ini ditambahkan ke riwayatnya" in html
    confirm(client, html)
    assert count(db, KeyPerson, KeyPerson.email == "sari@contoh.co.id") == 1  # no duplicate
    andi = db.session.scalar(
        select(Position).join(Position.person).where(KeyPerson.name == "Andi Baru")
    )
    sari = db.session.scalar(
        select(Position).where(Position.person_id == mover.id, Position.account_id == mine.id)
    )
    tono = db.session.scalar(
        select(Position).join(Position.person).where(KeyPerson.name == "Tono Operasional")
    )
    assert andi.reports_to_id == director.id and andi.level == "bod1" and andi.decision_maker
    assert andi.start_date == date(2024, 1, 15) and andi.person.preferred_channel == "whatsapp"
    assert (andi.person.influence, andi.person.stance) == (4, "supporter")
    assert sari.reports_to_id == andi.id and sari.title == "VP HC"
    assert len(mover.positions) == 2  # the history follows the person
    assert tono.reports_to_id == sari.id and tono.level == "operational" and not tono.decision_maker
    assert (tono.person.influence, tono.person.stance) == (3, "neutral")
    assert db.session.get(Account, mine.id).key_person_gap_since is None
    assert count(db, AuditLog, AuditLog.action == "position.create") == 3
    assert count(db, AuditLog, AuditLog.action == "person.import") == 1


def test_people_rows_are_checked(db, client, login_as):
    rm = login_as(UserFactory(role="rm"))
    AccountFactory(npp="40000001", rm=rm)
    AccountFactory(npp="40000009", rm=UserFactory(role="rm"))
    holder = PositionFactory(account__npp="40000008", account__rm=rm)
    rows = [
        person_row("40000009", "Orang RM Lain", "a@x.id"),  # 2: another RM's account
        person_row("40000404", "Akun Tak Ada", "b@x.id"),  # 3
        person_row("40000001", "Tingkat Salah", "c@x.id", tingkat="direktur"),  # 4
        person_row("40000001", "Tanggal Salah", "d@x.id", mulai_menjabat="kemarin"),  # 5
        person_row("40000001", "Atasan Hilang", "e@x.id", email_atasan="nobody@x.id"),  # 6
        person_row("40000001", "Lingkar Satu", "f@x.id", email_atasan="g@x.id"),  # 7
        person_row("40000001", "Lingkar Dua", "g@x.id", email_atasan="f@x.id"),  # 8
        person_row("40000001", "Dobel", "f@x.id"),  # 9: same person, same account as row 7
        person_row("40000008", "Sudah Menjabat", holder.person.email),  # 10
        person_row("40000001", "Pengaruh", "h@x.id", pengaruh="9", pengambil_keputusan="mungkin"),
    ]
    html = upload(client, to_csv(rows), "orang.csv", kind="people").get_data(as_text=True)
    for message in (
        "Anda hanya dapat mengubah akun di portofolio Anda.",
        "Tidak ada akun dengan NPP ini.",
        "Pilihan tidak dikenal. Pilihan: bod, bod1, bod2, operational.",
        "Tanggal tidak dikenal",
        "Atasan tidak ditemukan di akun ini",
        "Garis pelaporan ini membuat lingkaran.",
        "Orang yang sama di akun yang sama sudah ada di baris 7.",
        "Orang ini sudah memegang jabatan aktif di akun ini.",
        "Pengaruh harus 1 sampai 5.",
        "Isi ya atau tidak.",
    ):
        assert message in html, message
    assert re.search(r'<div class="stat">0</div><div class="stat-label">baris siap', html)
    assert count(db, KeyPerson) == 1


def test_missing_people_columns_are_named(client, login_as):
    login_as(UserFactory(role="rm"))
    resp = upload(client, b"nama,email\nA,a@x.id\n", "orang.csv", kind="people")
    assert "Kolom wajib tidak ada: npp_akun, jabatan, tingkat." in resp.get_data(as_text=True)


# -- large files go to a job -----------------------------------------------------------------


def test_large_import_runs_as_a_job_with_progress(app, db, client, login_as, config):
    config["IMPORT_SYNC_MAX_ROWS"] = 5
    me = login_as(UserFactory(role="supervisor"))
    html = upload(client, to_csv([account_row(i) for i in range(12)])).get_data(as_text=True)
    assert "disimpan di latar belakang" in html
    resp = confirm(client, html)
    job_id = resp.headers["Location"].rsplit("/", 1)[1]
    assert count(db, Account) == 0  # nothing before the job runs
    assert confirm(client, html).headers["Location"].endswith(job_id)  # a second click: same job
    work(app)
    job = db.session.get(BackgroundJob, job_id, populate_existing=True)
    assert job.status == "done" and job.owner_id == me.id, job.error
    assert job.result["created"] == 12 and job.progress_done == 12 and job.progress_total == 13
    assert "12 baris valid" in job.message
    assert count(db, Account) == 12
    assert count(db, AuditLog, AuditLog.action == "account.import") == 1
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Selesai" in page


def test_job_writes_nothing_when_a_row_turned_invalid(app, db, client, login_as, config):
    config["IMPORT_SYNC_MAX_ROWS"] = 5
    login_as(UserFactory(role="supervisor"))
    html = upload(client, to_csv([account_row(i) for i in range(12)])).get_data(as_text=True)
    job_id = confirm(client, html).headers["Location"].rsplit("/", 1)[1]
    AccountFactory(name="PT Penyela", npp="70000007")  # someone registered row 9's NPP meanwhile
    db.session.commit()
    work(app)
    job = db.session.get(BackgroundJob, job_id, populate_existing=True)
    assert job.status == "failed"
    assert "1 baris tidak valid; tidak ada yang disimpan." in job.error
    assert "Baris 9, npp: NPP ini sudah dipakai oleh PT Penyela." in job.error
    assert count(db, Account) == 1
    assert count(db, AuditLog, AuditLog.action == "account.create") == 0


def test_running_a_ticket_again_writes_nothing_new(app, db):
    actor = UserFactory(role="supervisor")
    data = to_csv([account_row(1, npp=""), account_row(2, npp="")])
    ticket = ticket_for("accounts", data, 2, actor, name="akun.csv")
    first = run_import(ticket, actor)
    db.session.commit()
    again = run_import(ticket, actor)  # e.g. a job re-dispatched after its commit
    assert (first.created, first.already) == (2, False)
    assert (again.created, again.already, again.ids) == (2, True, first.ids)
    assert count(db, Account) == 2


def test_dry_run_loads_existing_data_in_a_fixed_number_of_queries(app, db):
    actor = UserFactory(role="supervisor")
    branch = BranchFactory(code="KC-01")
    rm = UserFactory(role="rm")
    AccountFactory(npp="70000003")

    def statements(n: int) -> int:
        rows = [account_row(i, kode_cabang=branch.code, email_rm=rm.email) for i in range(n)]
        seen = []
        conn = _db.session.connection()
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(conn, "before_cursor_execute", listener)
        try:
            check_file("accounts", to_csv(rows), actor, name="a.csv")
        finally:
            event.remove(conn, "before_cursor_execute", listener)
        return seen

    # identifiers, parents, RMs and branches: one query each; names: one per 200 rows.
    small, large = statements(20), statements(300)
    assert len(small) <= 6 and len(large) <= len(small) + 1, large


# -- export ----------------------------------------------------------------------------------


def read_csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_export_csv_honours_filters_and_the_rms_own_portfolio(db, client, login_as):
    rm = login_as(UserFactory(role="rm"))
    branch = BranchFactory(code="KC-EXP")
    AccountFactory(name="PT Saya Aktif", npp="50000001", rm=rm, branch_office=branch)
    AccountFactory(name="PT Saya Prospek", rm=rm, status="prospect")
    AccountFactory(name="=HYPERLINK(1)", rm=rm)
    AccountFactory(name="PT Orang Lain", rm=UserFactory(role="rm"))
    resp = post_form(client, "/accounts/export", {"format": "csv"})
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = read_csv(resp.data)
    assert {r["nama"] for r in rows} == {"PT Saya Aktif", "PT Saya Prospek", "'=HYPERLINK(1)"}
    mine = next(r for r in rows if r["npp"] == "50000001")
    assert mine["kode_cabang"] == "KC-EXP" and mine["email_rm"] == rm.email
    assert mine["jenis"] == "company" and mine["nama_rm"] == rm.name
    resp = post_form(client, "/accounts/export?status=prospect", {"format": "csv"})
    assert [r["nama"] for r in read_csv(resp.data)] == ["PT Saya Prospek"]
    resp = post_form(client, "/accounts/export?rm=all&q=orang", {"format": "csv"})
    assert [r["nama"] for r in read_csv(resp.data)] == ["PT Orang Lain"]


def test_export_xlsx_keeps_identifiers_as_text(db, client, login_as):
    login_as(UserFactory(role="supervisor"))
    AccountFactory(name="PT Nol Depan", npp="01234567", npwp="0012345678901234")
    resp = post_form(client, "/accounts/export?kind=company", {"format": "xlsx"})
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header, first = rows[0], rows[1]
    assert header[:3] == ("nama", "jenis", "segmen")
    assert first[header.index("npp")] == "01234567"
    assert first[header.index("npwp")] == "0012345678901234"


def test_exported_file_can_be_imported_again(db, client, login_as):
    login_as(UserFactory(role="supervisor"))
    AccountFactory(name="PT Pulang Pergi", npp="60000001", sector="energi", ownership="bumn")
    exported = post_form(client, "/accounts/export", {"format": "xlsx"}).data
    html = upload(client, exported, "akun.xlsx").get_data(as_text=True)
    assert "NPP ini sudah dipakai oleh PT Pulang Pergi." in html  # read back, row for row


def test_long_export_runs_as_a_job_and_is_downloaded_from_its_page(
    app, db, client, login_as, config
):
    config["EXPORT_SYNC_MAX_ROWS"] = 2
    rm = login_as(UserFactory(role="rm"))
    for i in range(3):
        AccountFactory(name=f"PT Ekspor {i}", rm=rm)
    AccountFactory(name="PT Bukan Portofolio")
    resp = post_form(client, "/accounts/export", {"format": "csv"})
    assert resp.status_code == 302 and "/jobs/" in resp.headers["Location"]
    job_id = resp.headers["Location"].rsplit("/", 1)[1]
    work(app)
    job = db.session.get(BackgroundJob, job_id, populate_existing=True)
    assert job.status == "done" and job.result["rows"] == 3, job.error
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    assert [r["nama"] for r in read_csv(download.data)] == [f"PT Ekspor {i}" for i in range(3)]
    assert download.data == storage.read_bytes(job.result["file"])


def test_export_refuses_an_unknown_format(client, login_as):
    login_as(UserFactory(role="rm"))
    assert post_form(client, "/accounts/export", {"format": "pdf"}).status_code == 400


def test_account_list_offers_import_and_export_with_its_filters(db, client, login_as):
    rm = login_as(UserFactory(role="rm"))
    AccountFactory(rm=rm)
    html = client.get("/accounts/?status=active").get_data(as_text=True)
    assert 'href="/accounts/import"' in html
    assert re.search(r'action="/accounts/export\?[^"]*status=active', html)
    assert f"rm={rm.id}" in html and 'value="xlsx"' in html


# -- templates -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["accounts", "people"])
def test_templates_have_the_headers_and_one_example_row(client, login_as, kind):
    login_as(UserFactory(role="rm"))
    resp = client.get(f"/accounts/import/template.csv?kind={kind}")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0] == (ACCOUNT_HEADERS if kind == "accounts" else PEOPLE_HEADERS)
    assert len(rows) == 2 and rows[1][1]
    resp = client.get(f"/accounts/import/template.xlsx?kind={kind}")
    book = load_workbook(io.BytesIO(resp.data))
    assert [c.value for c in book.worksheets[0][1]] == rows[0]
    assert book.sheetnames[1] == "petunjuk"
    assert client.get("/accounts/import/template.pdf").status_code == 404


def test_the_accounts_template_imports_as_is_for_an_rm(db, client, login_as):
    BranchFactory(code="KC-TPL")
    rm = login_as(UserFactory(role="rm"))
    data = client.get("/accounts/import/template.xlsx?kind=accounts").data
    html = upload(client, data, "templat.xlsx").get_data(as_text=True)
    assert "Semua baris valid" in html, html
    confirm(client, html)
    account = db.session.scalar(select(Account))
    assert account.rm_id == rm.id and account.branch_office.code == "KC-TPL"


def test_import_page_documents_the_columns(client, login_as):
    login_as(UserFactory(role="rm"))
    html = client.get("/accounts/import").get_data(as_text=True)
    assert "email_rm" in html and "npp_induk" in html and 'enctype="multipart/form-data"' in html
    html = client.get("/accounts/import?kind=people").get_data(as_text=True)
    assert "email_atasan" in html and "pengambil_keputusan" in html
