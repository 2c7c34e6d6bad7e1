"""Notes on a case: a free-text CaseEvent of kind "note" (who, when, what). Anyone who may
act on the case writes one, also after it is closed (a late call, a payment promise).
Flushes and audits; the view commits."""

from __future__ import annotations

from flask_babel import gettext as _

from crm import audit
from crm.auth.models import User
from crm.cases.access import can_act
from crm.cases.models import CaseEvent, EscalationCase
from crm.extensions import db
from crm.services import ServiceError

NOTE_MAX = 2000


def add_note(case: EscalationCase, text: str, actor: User) -> CaseEvent:
    """A note event at the case's current stage; 1 to NOTE_MAX characters once stripped."""
    if not can_act(actor, case):
        raise PermissionError(_("Anda hanya dapat menangani kasus akun dalam portofolio Anda."))
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("Tulis catatannya dulu."), "text")
    if len(text) > NOTE_MAX:
        raise ServiceError(
            _(
                "Catatan paling panjang %(n)d karakter (tertulis %(got)d).",
                n=NOTE_MAX,
                got=len(text),
            ),
            "text",
        )
    event = CaseEvent(case=case, kind="note", from_stage=case.stage, actor_id=actor.id, note=text)
    db.session.add(event)
    db.session.flush()
    audit.record(
        "case.note",
        case,
        summary=f"Kasus #{case.id}: catatan ({len(text)} karakter)",
        after={"event_id": event.id, "stage": case.stage, "note": text},
        actor=actor,
    )
    return event
