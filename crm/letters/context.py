"""The plain-data context a letter renders from (crm.letters.render.render_letter): only
str, int, bool, date, datetime, lists and dicts, never an ORM object, so the renderer and
the jobs can be tested and run without a database session."""

from __future__ import annotations

import base64
from datetime import date, datetime

from flask import current_app, has_app_context, has_request_context, request

from crm import storage
from crm.compliance import arrears
from crm.compliance.services import arrears_rules, today_local
from crm.config import serve_address
from crm.extensions import db
from crm.i18n import local_zone
from crm.letters.hooks import context_of
from crm.letters.models import Letter, LetterheadSetting

PLACEHOLDER_LOGO = "img/letter-logo.svg"
ARREARS_ROW_KEYS = (
    "period",
    "due_on",
    "contribution_due",
    "paid",
    "unpaid",
    "months_late",
    "fine",
    "total",
)


def letterhead_context() -> dict:
    """Office, logo, signatory and tembusan from the admin's letterhead setting."""
    head = db.session.get(LetterheadSetting, 1) or LetterheadSetting(
        office_name="", office_address="", signatory_name="", signatory_title="", tembusan=""
    )
    logo = PLACEHOLDER_LOGO
    # The renderer fetches only letters/ and static/ files: the uploaded logo goes inline.
    # A key whose file is gone prints the placeholder rather than blocking every letter.
    if head.logo_key and storage.exists(head.logo_key):
        data = storage.read_bytes(head.logo_key)
        mimetype = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
        logo = f"data:{mimetype};base64,{base64.b64encode(data).decode('ascii')}"
    return {
        "office_name": head.office_name or "",
        "office_address": head.office_address or "",
        "logo": logo,
        "signatory_name": head.signatory_name or "",
        "signatory_title": head.signatory_title or "",
        "tembusan": [line.strip() for line in (head.tembusan or "").splitlines() if line.strip()],
    }


def _day(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _moment(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None and has_app_context():
        moment = moment.astimezone(local_zone())  # printed as the local time
    return moment


def arrears_of(facts: dict) -> dict | None:
    raw = facts.get("arrears")
    if not raw:
        return None
    rows = []
    for r in raw.get("rows", []):
        row = {k: int(r.get(k) or 0) for k in ARREARS_ROW_KEYS if k not in ("period", "due_on")}
        rows.append({"period": _day(r.get("period")), "due_on": _day(r.get("due_on")), **row})
    return {
        "as_of": _day(raw.get("as_of")),
        "rows": rows,
        "unpaid": int(raw.get("unpaid") or 0),
        "fine": int(raw.get("fine") or 0),
        "total": int(raw.get("total") or 0),
    }


def meeting_of(facts: dict) -> dict | None:
    raw = facts.get("meeting")
    if not raw:
        return None
    return {
        "when": _moment(raw.get("when")),
        "place": str(raw.get("place") or ""),
        "agenda": str(raw.get("agenda") or ""),
    }


def _plain_dict(raw, keys: tuple[str, ...]) -> dict | None:
    """The block with every key of the schema present (None when missing), extra keys kept."""
    if not raw:
        return None
    return {**raw, **{k: raw.get(k) for k in keys}}


def default_verify_base() -> str:
    """The public base URL: PUBLIC_BASE_URL (config gives it a default outside production),
    else this request's host, else where `flask serve` listens: a printed link is absolute."""
    if has_app_context() and current_app.config.get("PUBLIC_BASE_URL"):
        return str(current_app.config["PUBLIC_BASE_URL"])
    if has_request_context():
        return request.host_url
    return serve_address()


def rule_in_force(day: date) -> dict:
    """The arrears rule in force on `day` (its month's rule), as the renderer takes it."""
    rule = arrears.rule_for(arrears.month_start(day), arrears_rules())
    return {
        "fine_bp_per_month": rule.fine_bp_per_month,
        "due_day": rule.due_day,
        "due_months_after": rule.due_months_after,
    }


def previous_of(facts: dict) -> list[dict]:
    rows = []
    for row in facts.get("previous") or []:
        try:
            day = date.fromisoformat(str(row.get("date")))
        except ValueError:
            continue
        rows.append(
            {"type": str(row.get("type", "")), "number": str(row.get("number", "")), "date": day}
        )
    return rows


def letter_context(
    letter: Letter, *, copy: bool = False, verify_url_base: str | None = None
) -> dict:
    """The render schema of crm.letters.render (see its docstring), from the letter's fields
    and the JSON facts captured at drafting (ISO dates turned back into dates)."""
    facts = letter.facts or {}
    base = default_verify_base() if verify_url_base is None else verify_url_base
    day = letter.letter_date or today_local()
    return context_of.fold(_own_context(letter, facts, base, day, copy), letter)


def _own_context(letter: Letter, facts: dict, base: str, day, copy: bool) -> dict:
    return {
        "type": letter.letter_type,
        "number": letter.number,
        "date": day,
        "place": letter.place or "",
        "lampiran": letter.lampiran or "-",
        "perihal": letter.perihal or "",
        "addressee": {
            "name": letter.addressee_name or "",
            "title": letter.addressee_title or "",
            "company": letter.addressee_company or "",
            "address": letter.address or "",
        },
        "body": letter.body or "",
        "arrears": arrears_of(facts),
        "arrears_rule": rule_in_force(day),
        "pds": [str(p) for p in facts.get("pds") or []],
        "deadline": letter.deadline_on,
        "deadline_days": letter.deadline_days,
        "meeting": meeting_of(facts),
        # The letters this warning cites: [{"type", "number", "date"}], dates as dates.
        "previous": previous_of(facts),
        # The agreement and sponsorship blocks are written by crm.partners and
        # crm.sponsorships; their extra keys (dates as ISO strings, beneficiary rows) pass
        # through for those templates.
        "agreement": _plain_dict(facts.get("agreement"), ("title", "number", "partner")),
        "sponsorship": _plain_dict(
            facts.get("sponsorship"), ("sponsor", "workers", "amount", "period", "program")
        ),
        "letterhead": letterhead_context(),
        "verify_url": f"{base.rstrip('/')}/verify/{letter.verify_code}",
        "verify_code": letter.verify_code,
        "copy": bool(copy),
    }
