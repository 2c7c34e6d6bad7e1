"""The letter workflow: submit, return, approve with a number, cancel, dispatch, receive.

Every step is a LetterEvent and an audit row (crm.letters.services). The render job of an
approval is created in the approving transaction (so no approved letter is ever left
without one) and reaches Redis after that commit. Receipt starts the addressee's deadline
and, for a case letter, the case clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.auth.models import User
from crm.compliance.calendar import LETTER, working_calendar
from crm.compliance.services import today_local
from crm.db import utcnow
from crm.extensions import db
from crm.letters.hooks import deadline_days_of, run_received_hooks
from crm.letters.letterhead import require_real_letterhead
from crm.letters.models import CHANNELS, Letter, LetterTypeSetting
from crm.letters.numbering import next_number
from crm.letters.services import (
    EDIT_FIELDS,
    MAX_BULK,
    STATE_FIELDS,
    audit_step,
    can_cancel,
    can_deliver,
    can_edit_letter,
    clean_fields,
    is_supervisor,
    record_event,
)
from crm.services import ServiceError

# -- the approval path -----------------------------------------------------------------------


def submit_letter(letter: Letter, actor) -> None:
    if not can_edit_letter(actor, letter):
        if not letter.is_editable:
            raise ServiceError(_("Hanya draf atau surat yang dikembalikan yang dapat diajukan."))
        raise PermissionError(_("Anda tidak dapat mengajukan surat ini."))
    clean_fields(audit.snapshot(letter, EDIT_FIELDS))  # a draft saved by a job is checked too
    before = audit.snapshot(letter, STATE_FIELDS)
    letter.status, letter.submitted_at = "submitted", utcnow()
    record_event(letter, "submitted", actor)
    audit_step(letter, "submitted", actor, before)


def _require_supervisor(actor) -> None:
    if not is_supervisor(actor):
        raise PermissionError(_("Hanya supervisor yang dapat menyetujui atau mengembalikan surat."))


def return_letter(letter: Letter, comment: str, actor) -> None:
    """Send a submitted letter back to its author with a comment."""
    _require_supervisor(actor)
    comment = (comment or "").strip()
    if not comment:
        raise ServiceError(_("Tulis alasan pengembalian untuk penyusun surat."), "comment")
    if len(comment) > 2000:
        raise ServiceError(_("Paling panjang %(n)d karakter.", n=2000), "comment")
    if letter.status != "submitted":
        raise ServiceError(_("Hanya surat yang menunggu persetujuan yang dapat dikembalikan."))
    before = audit.snapshot(letter, STATE_FIELDS)
    letter.status, letter.review_comment = "returned", comment
    record_event(letter, "returned", actor, comment)
    audit_step(letter, "returned", actor, before)


def approve_letter(letter: Letter, actor, today: date | None = None) -> None:
    """Approve, date and number a submitted letter; its PDF is queued for rendering.

    The letter's row is locked and read afresh first (SELECT ... FOR UPDATE on PostgreSQL;
    on SQLite the approving transaction holds the single write lock from its start): of two
    approvals at the same moment, the second waits, then finds the letter approved and is
    refused before it takes a number, so no number is ever burnt."""
    _require_supervisor(actor)
    lock_letter(letter)
    if letter.status != "submitted":
        raise ServiceError(not_awaiting_approval(letter))
    refused = four_eyes_refusal(letter, actor)
    if refused:
        raise ServiceError(refused)
    _approve_locked(letter, actor, today or today_local())


def four_eyes_refusal(letter: Letter, actor) -> str | None:
    """The approver is never the author (four eyes), unless an admin relaxed that for the
    letter type (LetterTypeSetting.self_approval, audited on /admin/letter-codes)."""
    if letter.created_by_id is None or letter.created_by_id != actor.id:
        return None
    setting = db.session.get(LetterTypeSetting, letter.letter_type)
    if setting is not None and setting.self_approval:
        return None
    return _("Anda penyusun surat ini: surat harus disetujui supervisor lain (prinsip empat mata).")


def lock_letter(letter: Letter) -> None:
    """Lock the letter's row for this transaction and read it afresh (after the wait, the
    state another transaction committed meanwhile)."""
    db.session.execute(select(Letter.id).where(Letter.id == letter.id).with_for_update())
    db.session.refresh(letter)


def not_awaiting_approval(letter: Letter) -> str:
    """Why a letter cannot be approved (any more): who got there first, if anyone."""
    if letter.approved_by_id is not None and letter.status not in ("draft", "submitted"):
        approver = db.session.get(User, letter.approved_by_id)
        return _(
            "Surat ini sudah disetujui oleh %(name)s dengan nomor %(number)s.",
            name=approver.name if approver else "-",
            number=letter.number or "-",
        )
    if letter.status == "returned":
        return _("Surat ini sudah dikembalikan kepada penyusunnya.")
    if letter.status == "cancelled":
        return _("Surat ini sudah dibatalkan.")
    return _("Hanya surat yang menunggu persetujuan yang dapat disetujui.")


def _approve_locked(letter: Letter, actor, today: date) -> None:
    require_real_letterhead()
    before = audit.snapshot(letter, STATE_FIELDS)
    number = next_number(letter.letter_type, today)
    letter.number, letter.number_code = number.text, number.code
    letter.number_year, letter.number_seq = number.year, number.seq
    letter.letter_date = today
    # The days promised are the rule in force on the letter's date (a case letter's are
    # its stage's deadline rule, which the case clock then follows: crm.cases.letters).
    letter.deadline_days = deadline_days_of.fold(letter.deadline_days, letter.letter_type, today)
    letter.status, letter.approved_by_id, letter.approved_at = "approved", actor.id, utcnow()
    letter.review_comment = ""
    letter.render_status, letter.render_error = "queued", ""
    record_event(letter, "approved", actor, number.text)
    audit_step(letter, "approved", actor, before, summary=f"Surat {number.text} disetujui")


def approve_letters(ids: Sequence[int], actor, today: date | None = None) -> list[Letter]:
    """Approve many submitted letters at once, numbered in id order; others are skipped.

    The rows are locked in id order (no deadlock between two bulk approvals) and the
    status is checked under the lock: a selection posted twice approves each letter once;
    the second post finds nothing left and takes no number."""
    _require_supervisor(actor)
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        raise ServiceError(_("Pilih minimal satu surat."), "ids")
    if len(wanted) > MAX_BULK:
        raise ServiceError(_("Paling banyak %(n)d surat sekali setuju.", n=MAX_BULK), "ids")
    letters = db.session.scalars(
        select(Letter)
        .where(Letter.id.in_(wanted), Letter.status == "submitted")
        .order_by(Letter.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    today = today or today_local()
    mine = [x for x in letters if four_eyes_refusal(x, actor)]  # skipped: another approves
    letters = [x for x in letters if x not in mine]
    for letter in letters:
        _approve_locked(letter, actor, today)
    return list(letters)


def cancel_letter(letter: Letter, actor, note: str = "") -> None:
    if letter.is_frozen or letter.status == "cancelled":
        raise ServiceError(_("Surat yang sudah terbit atau dibatalkan tidak dapat dibatalkan."))
    if not can_cancel(actor, letter):
        raise PermissionError(_("Anda tidak dapat membatalkan surat ini."))
    before = audit.snapshot(letter, STATE_FIELDS)
    letter.status, letter.cancelled_at = "cancelled", utcnow()
    record_event(letter, "cancelled", actor, (note or "").strip()[:2000])
    audit_step(letter, "cancelled", actor, before)


def queue_render(letter: Letter, actor) -> None:
    """A failed render is tried again by whoever may approve (the caller starts the render
    job in the same transaction)."""
    lock_letter(letter)
    if letter.render_status != "failed" or letter.status != "approved":
        raise ServiceError(_("Hanya pembuatan PDF yang gagal yang dapat diulang."))
    if not is_supervisor(actor):
        raise PermissionError(_("Hanya supervisor yang dapat mengulang pembuatan PDF surat."))
    before = audit.snapshot(letter, STATE_FIELDS)
    letter.render_status, letter.render_error = "queued", ""
    audit_step(letter, "render_retry", actor, before)


# -- dispatch and receipt --------------------------------------------------------------------

DELIVERY_FIELDS = (
    "status",
    "dispatch_channel",
    "tracking_number",
    "dispatched_on",
    "received_on",
    "recipient_name",
    "deadline_on",
)


def dispatch_letter(
    letter: Letter, channel: str, day: date | None, tracking: str, actor, today: date | None = None
) -> None:
    """The issued letter left the office on `day` by `channel`."""
    if not can_deliver(actor, letter):
        raise PermissionError(_("Anda tidak dapat mencatat pengiriman surat ini."))
    if letter.status != "issued":
        raise ServiceError(_("Hanya surat yang sudah terbit yang dapat dikirim."))
    today = today or today_local()
    tracking = (tracking or "").strip()
    if channel not in CHANNELS:
        raise ServiceError(_("Pilih cara pengiriman."), "channel")
    if channel == "courier" and not tracking:
        raise ServiceError(_("Isi nomor resi kurir."), "tracking_number")
    if len(tracking) > 100:
        raise ServiceError(_("Paling panjang %(n)d karakter.", n=100), "tracking_number")
    if day is None:
        raise ServiceError(_("Isi tanggal yang valid."), "day")
    if day > today:
        raise ServiceError(_("Tanggal kirim tidak boleh di masa depan."), "day")
    if letter.letter_date and day < letter.letter_date:
        raise ServiceError(_("Tanggal kirim tidak boleh sebelum tanggal surat."), "day")
    before = audit.snapshot(letter, DELIVERY_FIELDS)
    letter.status, letter.dispatch_channel, letter.tracking_number = "dispatched", channel, tracking
    letter.dispatched_on, letter.dispatched_by_id = day, actor.id
    record_event(letter, "dispatched", actor, " ".join(p for p in (channel, tracking) if p))
    audit_step(letter, "dispatched", actor, before)


def receive_letter(
    letter: Letter, day: date | None, recipient: str, actor, today: date | None = None
) -> None:
    """The addressee received it on `day`: their deadline runs from here (working days)."""
    if not can_deliver(actor, letter):
        raise PermissionError(_("Anda tidak dapat mencatat penerimaan surat ini."))
    if letter.status != "dispatched":
        raise ServiceError(_("Catat pengiriman surat lebih dulu."))
    today = today or today_local()
    recipient = (recipient or "").strip()
    if day is None:
        raise ServiceError(_("Isi tanggal yang valid."), "day")
    if day > today:
        raise ServiceError(_("Tanggal terima tidak boleh di masa depan."), "day")
    if letter.dispatched_on and day < letter.dispatched_on:
        raise ServiceError(_("Tanggal terima tidak boleh sebelum tanggal kirim."), "day")
    if not recipient:
        raise ServiceError(_("Isi nama penerima surat."), "recipient_name")
    if len(recipient) > 200:
        raise ServiceError(_("Paling panjang %(n)d karakter.", n=200), "recipient_name")
    before = audit.snapshot(letter, DELIVERY_FIELDS)
    letter.status, letter.received_on, letter.recipient_name = "received", day, recipient
    if letter.deadline_days:
        letter.deadline_on = working_calendar(LETTER).add_working_days(day, letter.deadline_days)
    record_event(letter, "received", actor, recipient)
    audit_step(letter, "received", actor, before)
    try:
        run_received_hooks(letter, day, actor, today)
    except ServiceError as exc:
        raise ServiceError(str(exc), "day") from exc
