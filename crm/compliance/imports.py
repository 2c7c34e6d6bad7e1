"""The compliance import (the core system's monthly export), declared to the pipeline."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from crm.compliance import hooks
from crm.compliance.import_rows import COLUMNS, ComplianceCheck, check_periods, write_periods
from crm.compliance.models import ComplianceImport
from crm.compliance.services import today_local
from crm.extensions import db
from crm.imports import ImportKind, Outcome, Page, Run, Urls, register

IMPORT_ROLES = ("admin", "supervisor")


def _authorize(run: Run) -> None:
    if run.actor.role not in IMPORT_ROLES:
        raise PermissionError(_("Hanya supervisor atau admin yang dapat mengimpor data kepatuhan."))


def _write(check: ComplianceCheck, run: Run) -> Outcome:
    """Upsert the months under a new ComplianceImport row, then the cases (see above)."""
    actor = run.actor
    record = ComplianceImport(
        key=run.import_id,
        actor_id=actor.id,
        actor_label=actor.email,
        filename=run.filename,
        file_key=run.file,
        period_first=check.periods[0],
        period_last=check.periods[-1],
        rows=check.total,
    )
    db.session.add(record)
    db.session.flush()
    record.created_count, record.updated_count = write_periods(check.rows, record.id)
    hooks.imported(record, actor, run.in_job)  # the cases follow (crm.cases.compliance_hooks)
    summary = _(
        "%(n)d bulan kepatuhan diimpor dari %(file)s (%(new)d baru, %(upd)d diperbarui)",
        n=check.total,
        file=run.filename,
        new=record.created_count,
        upd=record.updated_count,
    )
    after = {
        "run_id": record.id,
        "periods": [p.isoformat()[:7] for p in check.periods],
        "with_unpaid": check.with_unpaid,
    }
    return Outcome(record.created_count, record.updated_count, after=after, summary=summary)


def _recent(_scope: None) -> list[dict]:
    runs = db.session.scalars(
        select(ComplianceImport)
        .order_by(ComplianceImport.created_at.desc(), ComplianceImport.id.desc())
        .limit(10)
    )
    return [
        {
            "when": r.created_at,
            "who": r.actor_label,
            "file": r.filename,
            "note": _periods(r.period_first, r.period_last),
            "rows": r.rows,
            "created": r.created_count,
            "updated": r.updated_count,
        }
        for r in runs
    ]


def _periods(first: date, last: date) -> str:
    return f"{first:%Y-%m}" if first == last else f"{first:%Y-%m} – {last:%Y-%m}"


def _preview_note(check: ComplianceCheck) -> str:
    if not check.periods:
        return ""
    shown = ", ".join(f"{p:%Y-%m}" for p in check.periods[:12])
    more = " …" if len(check.periods) > 12 else ""
    return f"{_('periode')} {shown}{more}"


def _stats(check: ComplianceCheck, _scope: None) -> list[tuple[int, str]]:
    return [
        (check.total, _("baris data")),
        (check.new, _("bulan baru")),
        (check.updated, _("bulan diperbarui")),
        (check.with_unpaid, _("bulan belum lunas")),
        (len(check.bad_lines), _("baris bermasalah")),
    ]


PAGE = Page(
    title=_l("Impor data kepatuhan"),
    preview_title=_l("Pratinjau impor kepatuhan"),
    intro=_l(
        "Ekspor bulanan sistem kepesertaan: per NPP dan periode, tenaga kerja, upah, iuran, "
        "pembayaran dan temuan PDS. Anda melihat pratinjau lebih dulu; belum ada yang disimpan."
    ),
    help=_l(
        "Bulan yang sudah tersimpan untuk akun yang sama diperbarui, tidak diduplikasi; "
        "pratinjau menunjukkan nilai lama dan baru."
    ),
    column_note=_l(
        "Judul kolom dalam bahasa Inggris (mis. period, contribution_due, amount_paid, paid_on) "
        "juga diterima. Angka rupiah boleh ditulis 1250000 atau 1.250.000."
    ),
    stats=_stats,
    confirm_text=lambda check, _scope: _(
        "%(new)d bulan baru ditambahkan dan %(upd)d bulan yang sudah ada diperbarui, sekaligus.",
        new=check.new,
        upd=check.updated,
    ),
    preview_note=_preview_note,
    recent=_recent,
    no_recent=_l("Belum ada impor data kepatuhan."),
    done_message=lambda outcome: _(
        "Data kepatuhan disimpan: %(new)d bulan baru, %(upd)d bulan diperbarui.",
        new=outcome.created,
        upd=outcome.updated,
    ),
    job_title=lambda _scope, filename: _("Impor kepatuhan %(file)s", file=filename),
    refused_status=200,
)

COMPLIANCE = register(
    ImportKind(
        name="compliance",
        label=_l("Data kepatuhan"),
        columns=COLUMNS,
        check=lambda table, _run, progress: check_periods(table, today_local(), progress),
        write=_write,
        audit_action="compliance.import",
        job_kind="compliance.import",
        job_title="Impor data kepatuhan",
        urls=Urls(
            page="compliance.import_form",
            confirm="compliance.confirm",
            template="compliance.template",
            done="compliance.import_form",
        ),
        page=PAGE,
        audit_entity="compliance_import",
        authorize=_authorize,
        max_rows="COMPLIANCE_IMPORT_MAX_ROWS",
        max_bytes="COMPLIANCE_IMPORT_MAX_BYTES",
        file_stem="templat-impor-kepatuhan",
        sheet="kepatuhan",
    )
)
