"""The vendor-list import of one parent account, declared to the import pipeline."""

from __future__ import annotations

from flask import url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.accounts.models import Account
from crm.extensions import db
from crm.imports import ImportKind, Outcome, Page, Run, Urls, register
from crm.imports.tickets import recent_runs
from crm.supply_chain.import_rows import COLUMNS, VendorCheck, check_vendors, write_vendors
from crm.supply_chain.invitations import cancel_unissued_invitations
from crm.supply_chain.services import require_manage

ENTITY = "supply_chain_import"


def _write(check: VendorCheck, run: Run) -> Outcome:
    parent = run.scope
    note = _("Impor %(file)s", file=run.filename)
    created, updated = write_vendors(check.rows, parent.id, run.actor, note)
    cancel_unissued_invitations([r.link_id for r in check.rows if r.converts], run.actor)
    summary = _(
        "%(n)d vendor %(parent)s diimpor dari %(file)s (%(new)d baru, %(upd)d diperbarui)",
        n=check.total,
        parent=parent.name,
        file=run.filename,
        new=created,
        upd=updated,
    )
    after = {
        "parent_id": parent.id,
        "registered": check.registered,
        "converted": check.converted,
    }
    return Outcome(created, updated, after=after, summary=summary)


def _count(value: int) -> str:
    return format_decimal(int(value))


def _stats(check: VendorCheck, _parent: Account) -> list[tuple[str, str]]:
    registered = _("cocok dengan akun terdaftar (%(n)s prospek menjadi terdaftar)")
    return [
        (_count(check.total), _("baris data")),
        (_count(check.new), _("vendor baru")),
        (_count(check.updated), _("vendor diperbarui")),
        (_count(check.registered), registered % {"n": _count(check.converted)}),
        (str(len(check.bad_lines)), _("baris bermasalah")),
    ]


def _recent(parent: Account) -> list[dict]:
    return [
        {
            "when": row.created_at,
            "who": row.actor_label,
            "file": (row.after or {}).get("filename"),
            "note": "",
            "rows": (row.after or {}).get("rows"),
            "created": (row.after or {}).get("created"),
            "updated": (row.after or {}).get("updated"),
        }
        for row in recent_runs(VENDORS, parent.id)
    ]


PAGE = Page(
    title=_l("Impor daftar vendor"),
    preview_title=_l("Pratinjau impor vendor"),
    intro=_l(
        "Vendor dicocokkan dengan akun yang ada lewat NPP atau NPWP; yang cocok tercatat "
        "terdaftar, sisanya menjadi vendor prospek. Anda melihat pratinjau lebih dulu; belum "
        "ada yang disimpan."
    ),
    help=_l(
        "Vendor yang sudah ada di daftar (NPP, NPWP, atau nama untuk prospek tanpa NPWP) "
        "diperbarui, tidak diduplikasi; sel kosong tidak menghapus data yang tersimpan."
    ),
    describe=lambda parent: {
        "crumb": (url_for("supply_chain.detail", parent_id=parent.id), parent.name)
    },
    stats=_stats,
    confirm_text=lambda check, _parent: _(
        "%(new)s vendor baru ditambahkan dan %(upd)s vendor yang sudah ada diperbarui, sekaligus.",
        new=_count(check.new),
        upd=_count(check.updated),
    ),
    recent=_recent,
    no_recent=_l("Belum ada impor daftar vendor untuk induk ini."),
    done_message=lambda outcome: _(
        "Daftar vendor disimpan: %(new)d vendor baru, %(upd)d vendor diperbarui.",
        new=outcome.created,
        upd=outcome.updated,
    ),
    job_title=lambda parent, _file: _("Impor vendor %(parent)s", parent=parent.name),
)

VENDORS = register(
    ImportKind(
        name="vendors",
        label=_l("Daftar vendor"),
        columns=COLUMNS,
        check=lambda table, run, progress: check_vendors(table, run.scope.id, progress),
        write=_write,
        audit_action="supply_chain.import",
        job_kind="supply_chain.import",
        job_title="Impor daftar vendor",
        urls=Urls(
            page="supply_chain.import_form",
            confirm="supply_chain.import_confirm",
            template="supply_chain.import_template",
            done="supply_chain.detail",
            scope_arg="parent_id",
        ),
        page=PAGE,
        audit_entity=ENTITY,
        load_scope=lambda parent_id: db.session.get(Account, parent_id),
        authorize=lambda run: require_manage(run.actor, run.scope),
        file_stem="templat-impor-vendor",
        sheet="vendor",
    )
)
