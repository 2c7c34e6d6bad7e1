"""The account and key-person imports, declared to the import pipeline (crm.imports)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from crm.accounts.imports.account_rows import check_accounts, write_accounts
from crm.accounts.imports.columns import ACCOUNT_COLUMNS, PEOPLE_COLUMNS
from crm.accounts.imports.people_rows import check_people, write_people
from crm.extensions import db
from crm.imports import Check, Column, ImportKind, Outcome, Page, Run, Urls, register
from crm.offices import BranchOffice

URLS = Urls(
    page="accounts_transfer.import_form",
    confirm="accounts_transfer.confirm",
    template="accounts_transfer.template",
    done="accounts.index",
)


def _back(_scope: None) -> dict:
    return {"back": (url_for("accounts.index"), _("Kembali ke daftar akun"))}


def _page(noun: str, done: Callable[[Outcome], str]) -> Page:
    return Page(
        title=_l("Impor akun dan key person"),
        preview_title=_l("Pratinjau impor"),
        intro=_l(
            "Unggah file CSV atau XLSX. Anda melihat pratinjau lebih dulu: baris yang "
            "bermasalah disebutkan satu per satu dan belum ada yang disimpan."
        ),
        help=_l(
            "Akun yang diimpor RM masuk ke portofolionya sendiri; hanya supervisor atau admin "
            "yang dapat mengisi email RM lain."
        ),
        column_note=_l(
            "Judul kolom dalam bahasa Inggris (mis. name, kind, rm_email) juga diterima. Pilihan "
            "boleh ditulis sebagai kode atau label, mis. perusahaan atau company."
        ),
        describe=_back,
        preview_note=lambda _check: noun,
        done_message=done,
        refused_status=200,
    )


def _account_example(user: Any) -> dict[str, str]:
    """Branch and RM of the template's example row: real values the user may use."""
    branch = user.branch_office or db.session.scalar(
        select(BranchOffice).order_by(BranchOffice.code).limit(1)
    )
    return {
        "branch_code": branch.code if branch else "",
        "rm_email": user.email if user.role == "rm" else "",
    }


def _write_accounts(check: Check, run: Run) -> Outcome:
    ids = [account.id for account in write_accounts(check.rows, run.actor)]
    return Outcome(len(ids), ids=ids)


def _write_people(check: Check, run: Run) -> Outcome:
    ids = [position.id for position in write_people(check.rows, run.actor)]
    return Outcome(len(ids), ids=ids)


def _kind(
    name: str,
    label: str,
    columns: tuple[Column, ...],
    check: Callable,
    write: Callable[[Check, Run], Outcome],
    action: str,
    noun: str,
    done: Callable[[Outcome], str],
    **extra: Any,
) -> ImportKind:
    """Both kinds upload on one page (group `accounts`) and write through one job kind."""
    return register(
        ImportKind(
            name=name,
            label=label,
            columns=columns,
            check=lambda table, run, progress: check(table, run.actor, progress),
            write=write,
            audit_action=action,
            job_kind="accounts.import",
            job_title="Impor akun / key person",
            urls=URLS,
            page=_page(noun, done),
            group="accounts",
            **extra,
        )
    )


ACCOUNTS = _kind(
    "accounts",
    _l("Akun"),
    ACCOUNT_COLUMNS,
    check_accounts,
    _write_accounts,
    "account.import",
    _l("akun"),
    lambda outcome: ngettext("%(num)d akun diimpor.", "%(num)d akun diimpor.", outcome.created),
    file_stem="templat-impor-akun",
    sheet="akun",
    example=_account_example,
)
PEOPLE = _kind(
    "people",
    _l("Key person (jabatan di akun)"),
    PEOPLE_COLUMNS,
    check_people,
    _write_people,
    "person.import",
    _l("key person"),
    lambda outcome: ngettext(
        "%(num)d jabatan key person diimpor.",
        "%(num)d jabatan key person diimpor.",
        outcome.created,
    ),
    file_stem="templat-impor-key-person",
    sheet="key-person",
)
