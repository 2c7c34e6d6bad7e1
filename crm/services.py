"""What every feature's services share: the one error type they raise, the one helper that
shows it to the user, and the unit of work that commits what they flushed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

from flask import flash

from crm.extensions import db


class ServiceError(ValueError):
    """A rule refused the action. The message is for the user; `field` names the form field
    it belongs to, when there is one. Subclasses exist only where a caller must tell one
    refusal from another."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def show_error(
    exc: ServiceError,
    form=None,
    *,
    field: str | None = None,
    fallback: str | None = None,
    fields: Mapping[str, str] | None = None,
) -> None:
    """Show a service's refusal: next to the form field it names (`fields` maps a service's
    field name to the form's; `field` overrides it; `fallback` is used when the form has no
    such field), or as a flash message. What the refused action had flushed is undone."""
    name = field or getattr(exc, "field", None)
    if name and fields:
        name = fields.get(name, name)
    refuse(str(exc), form, field=name, fallback=fallback)


def refuse(
    message: str, form=None, *, field: str | None = None, fallback: str | None = None
) -> None:
    """Undo what the request has flushed so far, and tell the user why: next to `field` (or
    `fallback`) on the form when it has one, else as a flash message.

    The rollback is why views need no try/rollback of their own: a request whose view shows
    a refusal commits nothing of it (crm.web commits once when the view returns)."""
    discard_changes()
    target = _form_field(form, field) or _form_field(form, fallback)
    if target is not None:
        target.errors = [*target.errors, message]
    else:
        flash(message, "error")


def discard_changes() -> None:
    """Undo what the request has flushed so far: the view goes on to show a page (a refusal,
    a question to confirm) and the request commits nothing of the attempt."""
    db.session.rollback()


def _form_field(form, name: str | None):
    fields = getattr(form, "_fields", None)  # a WTForms form's fields by name
    return fields.get(name) if fields and name else None


def commit_if_open() -> None:
    """Commit the session's transaction, if one is open: the end of a request whose view
    returned (crm.web.App) or of a unit of work."""
    session = db.session()  # the request's or job's own session, not the scoped proxy
    if session.in_transaction():
        session.commit()


@contextlib.contextmanager
def unit_of_work() -> Iterator[None]:
    """One transaction for a CLI command or a script: services flush inside the block; it
    commits once when the block ends and rolls back on any exception (as a request does)."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    commit_if_open()
