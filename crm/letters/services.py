"""Letter rules: who may see and act, drafting with its prefill (addressee, perihal, body,
facts) and editing; the steps after a draft are in crm.letters.workflow.

Every step is a LetterEvent and an audit row. Services flush and never commit; the views
commit.
"""

from __future__ import annotations

import secrets
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import case, select

from crm import audit
from crm.accounts.models import Account, Position
from crm.accounts.services import can_edit
from crm.compliance.models import CompliancePeriod
from crm.compliance.services import account_compliance, today_local
from crm.extensions import db
from crm.letters.hooks import deadline_days_of
from crm.letters.models import TYPES, Letter, LetterEvent, LetterTypeSetting
from crm.letters.types import PREVIOUS_LETTERS, is_case_letter
from crm.services import ServiceError

SUPERVISOR_ROLES = ("supervisor", "admin")
EDIT_FIELDS = (
    "perihal",
    "lampiran",
    "addressee_name",
    "addressee_title",
    "addressee_company",
    "address",
    "body",
)
STATE_FIELDS = ("status", "number", "letter_date", "render_status")
ARREARS_TYPES = ("pemberitahuan", "teguran_1", "teguran_2")
MAX_BULK = 500  # letters approved by one post of the queue


# -- access ----------------------------------------------------------------------------------


def is_supervisor(user) -> bool:
    return getattr(user, "role", None) in SUPERVISOR_ROLES


def can_draft(user, account: Account) -> bool:
    """RMs draft for the accounts of their portfolio; supervisors and admins for any."""
    return user.role != "partner" and can_edit(user, account)


def is_owner(user, letter: Letter) -> bool:
    """The letter's author or the RM of its account."""
    return letter.created_by_id == user.id or letter.account.rm_id == user.id


def can_view(user, letter: Letter) -> bool:
    if is_supervisor(user):
        return True
    return user.role == "rm" and is_owner(user, letter)


def can_edit_letter(user, letter: Letter) -> bool:
    return letter.is_editable and (
        is_supervisor(user) or (user.role == "rm" and is_owner(user, letter))
    )


def can_cancel(user, letter: Letter) -> bool:
    """Before it is issued: its owner while not approved, a supervisor until issued."""
    if letter.status in ("draft", "returned", "submitted"):
        return is_supervisor(user) or (user.role == "rm" and is_owner(user, letter))
    return letter.status == "approved" and is_supervisor(user)


def can_deliver(user, letter: Letter) -> bool:
    """Record dispatch and receipt: its owner or a supervisor."""
    return is_supervisor(user) or (user.role == "rm" and is_owner(user, letter))


# -- prefill ---------------------------------------------------------------------------------


def decision_maker(account_id: int) -> Position | None:
    """The account's current decision maker at the highest level (BOD, then BOD-1)."""
    rank = case((Position.level == "bod", 0), else_=1)
    return db.session.scalar(
        select(Position)
        .where(
            Position.account_id == account_id,
            Position.end_date.is_(None),
            Position.decision_maker.is_(True),
            Position.level.in_(("bod", "bod1")),
        )
        .order_by(rank, Position.id)
        .limit(1)
    )


def account_address(account: Account) -> str:
    return "\n".join(p.strip() for p in (account.address or "", account.city or "") if p.strip())


def arrears_facts(account_id: int, today: date) -> dict | None:
    """The arrears table as of today, JSON-safe (ISO dates, whole rupiah)."""
    summary = account_compliance(account_id, today).summary
    rows = [
        {
            "period": m.period.isoformat(),
            "due_on": m.deadline.isoformat(),
            "contribution_due": int(m.contribution_due),
            "paid": int(m.paid),
            "unpaid": int(m.unpaid),
            "months_late": int(m.months_late),
            "fine": int(m.fine_owed),
            "total": int(m.arrears),
        }
        for m in summary.months
        if m.arrears > 0
    ]
    return {
        "as_of": today.isoformat(),
        "rows": rows,
        "unpaid": int(summary.unpaid),
        "fine": int(summary.fine),
        "total": int(summary.total),
    }


PDS_LABELS = {
    "pds_tk": "PDS TK: sebagian tenaga kerja belum didaftarkan",
    "pds_upah": "PDS Upah: upah yang dilaporkan lebih rendah dari upah sebenarnya",
    "pds_program": "PDS Program: belum mengikuti seluruh program yang wajib",
}


def pds_facts(account_id: int, today: date) -> list[str]:
    """The PDS findings of the account's latest reported month."""
    row = db.session.scalar(
        select(CompliancePeriod)
        .where(CompliancePeriod.account_id == account_id, CompliancePeriod.period <= today)
        .order_by(CompliancePeriod.period.desc())
        .limit(1)
    )
    if row is None or not row.has_pds:
        return []
    month = row.period.strftime("%m/%Y")
    found = [f"{text} ({month})" for flag, text in PDS_LABELS.items() if getattr(row, flag)]
    if row.pds_notes.strip():
        found.append(row.pds_notes.strip())
    return found


def meeting_facts(interaction) -> dict:
    place = interaction.place or interaction.online_link or ""
    return {
        "when": interaction.starts_at.isoformat(),
        "place": place,
        "agenda": interaction.agenda or "",
    }


def default_perihal(letter_type: str) -> str:
    return {
        "pemberitahuan": "Pemberitahuan Tunggakan Iuran dan Kepatuhan Kepesertaan",
        "teguran_1": "Teguran I atas Kewajiban Iuran BPJS Ketenagakerjaan",
        "teguran_2": "Teguran II (Terakhir) atas Kewajiban Iuran BPJS Ketenagakerjaan",
        "undangan": "Undangan Pertemuan",
        "pengantar_mou": "Pengantar Nota Kesepahaman / Perjanjian Kerja Sama",
        "rekomendasi_tmp2t": "Rekomendasi Sanksi Tidak Mendapat Pelayanan Publik Tertentu",
        "piagam_sertakan": "Piagam Penghargaan Program SERTAKAN",
        "ajakan_kepesertaan": "Ajakan Pendaftaran Kepesertaan BPJS Ketenagakerjaan",
    }[letter_type]


def default_body(letter_type: str, company: str, deadline_days: int | None) -> str:
    """The RM's part of the letter, prefilled: the situation in a sentence or two. The
    type's template (letters/<type>.html) already cites the legal basis, shows the facts
    tables and states the deadline, so the body repeats none of them."""
    bodies = {
        "pemberitahuan": f"Dari pemantauan data kepesertaan dan pembayaran iuran, {company} tercatat masih memiliki kewajiban yang belum diselesaikan.",  # noqa: E501
        "teguran_1": f"Surat Pemberitahuan kami telah disampaikan kepada {company}, namun hingga surat ini dibuat kewajiban tersebut belum diselesaikan.",  # noqa: E501
        "teguran_2": f"Surat Teguran I kami telah diterima oleh {company}, namun hingga batas waktunya kewajiban tersebut belum diselesaikan.",  # noqa: E501
        "undangan": f"Pertemuan ini membahas perluasan kepesertaan dan kepatuhan iuran pekerja {company}.",  # noqa: E501
        "pengantar_mou": "Mohon naskah tersebut dapat ditelaah dan, apabila disetujui, ditandatangani oleh pejabat yang berwenang.",  # noqa: E501
        "rekomendasi_tmp2t": f"{company} telah menerima Surat Teguran I dan Teguran II, namun hingga batas waktunya belum memenuhi kewajibannya.",  # noqa: E501
        "piagam_sertakan": f"Kepedulian {company} melindungi pekerja rentan di sekitarnya menjadi teladan bagi pemberi kerja lainnya.",  # noqa: E501
        "ajakan_kepesertaan": f"Sebagai mitra kerja yang turut menopang rantai pasok, {company} kami ajak memastikan seluruh pekerjanya terlindungi program jaminan sosial ketenagakerjaan.",  # noqa: E501
    }
    return bodies[letter_type]


def type_setting(letter_type: str) -> LetterTypeSetting | None:
    return db.session.get(LetterTypeSetting, letter_type)


def prefill(account: Account, letter_type: str, interaction=None, today: date | None = None):
    """The draft's fields and facts for an account (and the meeting of an undangan)."""
    today = today or today_local()
    setting = type_setting(letter_type)
    days = deadline_days_of.fold(setting.deadline_days if setting else None, letter_type, today)
    dm = decision_maker(account.id)
    facts: dict = {}
    if letter_type in ARREARS_TYPES:
        facts["arrears"] = arrears_facts(account.id, today)
        facts["pds"] = pds_facts(account.id, today)
    if interaction is not None:
        facts["meeting"] = meeting_facts(interaction)
    return {
        "perihal": default_perihal(letter_type),
        "lampiran": "1 (satu) berkas" if facts.get("arrears", {}).get("rows") else "-",
        "addressee_name": dm.person.name if dm else f"Pimpinan {account.name}"[:200],
        "addressee_title": dm.title if dm else "",
        "addressee_company": account.name[:300],
        "address": account_address(account),
        "body": default_body(letter_type, account.name, days),
        "facts": facts,
        "deadline_days": days,
    }


# -- drafting and editing --------------------------------------------------------------------


def record_event(letter: Letter, kind: str, actor, note: str = "") -> LetterEvent:
    event = LetterEvent(letter=letter, kind=kind, actor_id=getattr(actor, "id", None), note=note)
    db.session.add(event)
    return event


def audit_step(letter: Letter, kind: str, actor, before: dict | None, summary: str = "") -> None:
    db.session.flush()
    fields = tuple(before) if before else STATE_FIELDS
    label = letter.number or f"#{letter.id}"
    audit.record(
        f"letter.{kind}",
        letter,
        summary=summary or f"Surat {label} {letter.letter_type}: {kind}",
        before=before,
        after=audit.snapshot(letter, fields),
        actor=actor,
    )


def clean_fields(data: dict) -> dict:
    """The editable fields, stripped and checked; ServiceError names the first bad one."""
    limits = {"perihal": 300, "lampiran": 120, "addressee_name": 200, "addressee_title": 200}
    limits |= {"addressee_company": 300, "address": 2000, "body": 20000}
    required = {
        "perihal": _("Isi perihal surat."),
        "addressee_name": _("Isi nama penerima surat."),
        "addressee_company": _("Isi nama perusahaan atau instansi penerima."),
        "body": _("Isi surat tidak boleh kosong."),
    }
    clean = {}
    for name in EDIT_FIELDS:
        value = (data.get(name) or "").replace("\r\n", "\n").strip()
        if not value and name in required:
            raise ServiceError(required[name], name)
        if len(value) > limits[name]:
            raise ServiceError(_("Paling panjang %(n)d karakter.", n=limits[name]), name)
        clean[name] = value or ("-" if name == "lampiran" else "")
    return clean


def previous_letters(letter_type: str, case_id: int | None) -> list[dict]:
    """The case's issued letters this one cites (type, number, ISO date), ladder order."""
    wanted = PREVIOUS_LETTERS.get(letter_type)
    if not wanted or case_id is None:
        return []
    rows = db.session.scalars(
        select(Letter)
        .where(
            Letter.case_id == case_id,
            Letter.letter_type.in_(wanted),
            Letter.number.is_not(None),
            Letter.status != "cancelled",
        )
        .order_by(Letter.letter_date, Letter.id)
    )
    return [
        {"type": x.letter_type, "number": x.number, "date": x.letter_date.isoformat()}
        for x in rows
        if x.letter_date is not None
    ]


def case_letter_refusal() -> str:
    return _(
        "Surat Pemberitahuan, Teguran dan Rekomendasi TMP2T dibuat dari kasus eskalasinya, "
        "saat kasus naik ke tahap itu: buka kasus akun ini."
    )


def _check_case_letter(letter_type: str, case_id: int | None) -> None:
    """An escalation letter only from its case, and one live letter per stage (a
    cancelled one frees the slot): no third warning, no Teguran beside its case."""
    if case_id is None:
        raise ServiceError(case_letter_refusal(), "letter_type")
    live = db.session.scalar(
        select(Letter)
        .where(
            Letter.case_id == case_id,
            Letter.letter_type == letter_type,
            Letter.status != "cancelled",
        )
        .limit(1)
    )
    if live is not None:
        raise ServiceError(
            _(
                "Kasus ini sudah punya surat jenis ini yang berlaku (%(number)s); batalkan "
                "surat itu lebih dulu bila harus diganti.",
                number=live.number or _("draf #%(id)d", id=live.id),
            ),
            "letter_type",
        )


def draft_letter(
    account: Account,
    letter_type: str,
    actor,
    *,
    case=None,
    case_id: int | None = None,
    interaction=None,
    fields: dict | None = None,
    facts: dict | None = None,
    check: bool = True,
    today: date | None = None,
) -> Letter:
    """A new draft, prefilled (and with the user's edits when given). `facts` adds JSON-safe
    render facts of other features (an agreement, a sponsorship) to the prefilled ones. The
    case is given as an object or, by callers that have only its id, as `case_id`."""
    if check and not can_draft(actor, account):
        raise PermissionError(_("Anda hanya dapat menyusun surat untuk akun portofolio Anda."))
    if letter_type not in TYPES:
        raise ServiceError(_("Pilih jenis surat."), "letter_type")
    if is_case_letter(letter_type):
        _check_case_letter(letter_type, case.id if case is not None else case_id)
    if interaction is not None and interaction.account_id != account.id:
        raise ServiceError(_("Pertemuan ini bukan milik akun tersebut."))
    values = prefill(account, letter_type, interaction, today)
    if fields is not None:
        values |= clean_fields(fields)
    if facts:
        values["facts"] = {**values["facts"], **facts}
    previous = previous_letters(letter_type, case.id if case is not None else case_id)
    if previous:
        values["facts"] = {**values["facts"], "previous": previous}
    letter = Letter(
        letter_type=letter_type,
        status="draft",
        account=account,
        **({"case": case} if case is not None else {"case_id": case_id}),
        interaction=interaction,
        verify_code=secrets.token_urlsafe(24),  # 192 bits: the public /verify/<code>
        created_by_id=getattr(actor, "id", None),
        render_status="none",
        **values,
    )
    db.session.add(letter)
    db.session.flush()
    record_event(letter, "drafted", actor)
    audit_step(
        letter,
        "drafted",
        actor,
        None,
        summary=f"Draf surat #{letter.id} {letter_type} untuk {account.name}",
    )
    return letter


def update_letter(letter: Letter, data: dict, actor) -> Letter:
    """Save the RM's edits of a draft or returned letter."""
    if not can_edit_letter(actor, letter):
        if not letter.is_editable:
            raise ServiceError(_("Surat hanya dapat diubah selama masih draf atau dikembalikan."))
        raise PermissionError(_("Anda tidak dapat mengubah surat ini."))
    clean = clean_fields(data)
    before = audit.snapshot(letter, EDIT_FIELDS)
    for name, value in clean.items():
        setattr(letter, name, value)
    if audit.snapshot(letter, EDIT_FIELDS) != before:
        record_event(letter, "edited", actor)
        audit_step(letter, "edited", actor, before)
    return letter
