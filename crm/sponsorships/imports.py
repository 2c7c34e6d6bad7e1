"""The beneficiary import of one sponsorship, declared to the import pipeline."""

from __future__ import annotations

from flask import url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from crm.compliance.services import today_local
from crm.db import utcnow
from crm.extensions import db
from crm.i18n import rupiah
from crm.imports import ImportKind, Outcome, Page, Run, Urls, chunked, register
from crm.services import ServiceError
from crm.sponsorships.import_rows import COLUMNS, BeneficiaryCheck, check_rows
from crm.sponsorships.labels import sponsorship_label
from crm.sponsorships.models import Sponsorship, SponsorshipBeneficiary
from crm.sponsorships.services import can_manage, is_open, refresh_figures

MAX_ROWS = 20_000
MAX_BYTES = 5 * 2**20


def _authorize(run: Run) -> None:
    sponsorship = run.scope
    if not can_manage(run.actor, sponsorship.account):
        raise PermissionError(_("Anda hanya dapat mengelola sponsorship akun portofolio Anda."))
    if not is_open(sponsorship, today_local()):
        raise ServiceError(
            _("Penerima manfaat hanya dapat diubah selama sponsorship masih berjalan.")
        )


def _write(check: BeneficiaryCheck, run: Run) -> Outcome:
    """Insert the rows and refresh the sponsorship's figures (caller commits)."""
    sponsorship = run.scope
    # One import per sponsorship at a time (a row lock on PostgreSQL); the unique NIK per
    # sponsorship refuses what another import added meanwhile.
    db.session.execute(
        select(Sponsorship.id).where(Sponsorship.id == sponsorship.id).with_for_update()
    )
    now = utcnow()
    rows = [
        {**values, "sponsorship_id": sponsorship.id, "created_at": now, "updated_at": now}
        for values in check.rows
    ]
    for batch in chunked(rows, 2000):
        db.session.execute(insert(SponsorshipBeneficiary), batch)
    refresh_figures(sponsorship)
    summary = _(
        "%(n)d penerima manfaat diimpor dari %(file)s ke sponsorship #%(id)d",
        n=len(rows),
        file=run.filename,
        id=sponsorship.id,
    )
    return Outcome(len(rows), after={"sponsorship_id": sponsorship.id}, summary=summary)


def _months(s: Sponsorship) -> str:
    return f"{format_date(s.start_month, 'MMM yyyy')} – {format_date(s.end_on, 'MMM yyyy')}"


def _describe(s: Sponsorship) -> dict:
    return {
        "title_suffix": s.account.name,
        "subtitle": f"{sponsorship_label('scheme', s.scheme)} · {s.account.name} · {_months(s)}.",
        "back": (url_for("sponsorships.detail", sponsorship_id=s.id), _("Kembali")),
    }


def _confirm_text(check: BeneficiaryCheck, s: Sponsorship) -> str:
    n = len(check.rows)
    added = ngettext(
        "%(num)d pekerja ditambahkan sekaligus.", "%(num)d pekerja ditambahkan sekaligus.", n
    )
    more = _("Komitmen naik %(amount)s.", amount=rupiah(n * s.price_per_worker * s.months))
    return f"{added} {more}"


PAGE = Page(
    title=_l("Impor penerima manfaat"),
    preview_title=_l("Pratinjau impor penerima manfaat"),
    intro=_l("Anda melihat pratinjau lebih dulu; belum ada yang disimpan."),
    help=_l(
        "NIK yang sama dua kali dalam file, sudah ada di sponsorship ini, atau sudah disponsori "
        "pihak lain pada periode yang sama ditolak per baris."
    ),
    describe=_describe,
    stats=lambda check, _s: [
        (check.total, _("baris data")),
        (len(check.rows), _("pekerja valid")),
        (len(check.bad_lines), _("baris bermasalah")),
    ],
    confirm_text=_confirm_text,
    done_message=lambda outcome: _("%(n)d penerima manfaat ditambahkan.", n=outcome.created),
    job_title=lambda _s, filename: _("Impor penerima manfaat %(file)s", file=filename),
)

BENEFICIARIES = register(
    ImportKind(
        name="beneficiaries",
        label=_l("Penerima manfaat"),
        columns=COLUMNS,
        check=lambda table, run, progress: check_rows(run.scope, table, today_local(), progress),
        write=_write,
        audit_action="sponsorship.beneficiary_import",
        job_kind="sponsorships.import",
        job_title="Impor penerima manfaat sponsorship",
        urls=Urls(
            page="sponsorships.import_form",
            confirm="sponsorships.import_confirm",
            template="sponsorships.import_template",
            done="sponsorships.detail",
            scope_arg="sponsorship_id",
            scoped_template=False,
        ),
        page=PAGE,
        audit_entity="sponsorship_import",
        load_scope=lambda sponsorship_id: db.session.get(Sponsorship, sponsorship_id),
        authorize=_authorize,
        max_rows=MAX_ROWS,
        max_bytes=MAX_BYTES,
        file_stem="templat-penerima-sponsorship",
        sheet="penerima",
    )
)
