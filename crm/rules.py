"""Effective-dated rules (the arrears rule, the case stage deadlines, the sponsorship package
prices, and every later rate): written once here, declared by each feature's model.

A rule applies from its `effective_from` on; the one in force on a date is the latest that
started on or before it, within its scope (a stage, a package). A change is a new row from a
date not in the past, so what was decided under the old rule stays as it was. A rule that
has started is never deleted, nor the last of its scope, nor one a record was priced with.
Services flush and audit; the request or job commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import flash, redirect, render_template
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from crm import audit
from crm.extensions import db
from crm.services import ServiceError, show_error


class EffectiveDated:
    """Mixin for a rule model with an `effective_from` date column. `__rule_scope__` names
    the columns one rule applies to (empty: one rule at a time for everything);
    `__rule_fields__` the columns its audit rows record."""

    __rule_scope__: tuple[str, ...] = ()
    __rule_fields__: tuple[str, ...] = ("effective_from",)

    def rule_scope(self) -> dict:
        return {name: getattr(self, name) for name in self.__rule_scope__}


@dataclass
class RuleRow:
    """A rule as the admin page lists it: past, current (in force) or future."""

    rule: EffectiveDated
    state: str

    @property
    def deletable(self) -> bool:
        return self.state == "future"


def _scoped(model, scope: dict, *columns):
    stmt = select(*columns).select_from(model) if columns else select(model)
    for name, value in scope.items():
        stmt = stmt.where(getattr(model, name) == value)
    return stmt


def rule_in_force(model, on: date, **scope) -> EffectiveDated | None:
    """The rule of this scope in force on `on`: the latest starting on or before it."""
    stmt = _scoped(model, scope).where(model.effective_from <= on)
    return db.session.scalar(stmt.order_by(model.effective_from.desc()).limit(1))


def rule_rows(model, in_force_on: date) -> list[RuleRow]:
    """Every rule, per scope then newest first, marked past, current (in force on
    `in_force_on`) or future. One query."""
    order = [getattr(model, name) for name in model.__rule_scope__]
    rules = db.session.scalars(select(model).order_by(*order, model.effective_from.desc()))
    rows, seen_current = [], set()
    for rule in rules:
        key = tuple(rule.rule_scope().values())
        if rule.effective_from > in_force_on:
            state = "future"
        elif key in seen_current:
            state = "past"
        else:
            state = "current"
            seen_current.add(key)
        rows.append(RuleRow(rule, state))
    return rows


def check_new_rule(
    model, effective_from: date | None, earliest: date, too_early: str, clash: str, **scope
) -> None:
    """Refuse a rule without a date, back-dated before `earliest`, or starting on the same
    day as another of its scope (messages for the form's effective_from field)."""
    if effective_from is None:
        raise ServiceError(_("Isi tanggal yang valid."), "effective_from")
    if effective_from < earliest:
        raise ServiceError(too_early, "effective_from")
    taken = _scoped(model, scope, model.id).where(model.effective_from == effective_from)
    if db.session.scalar(taken.limit(1)) is not None:
        raise ServiceError(clash, "effective_from")


def clash_message(effective_from: date) -> str:
    return _(
        "Sudah ada aturan yang berlaku mulai %(day)s.",
        day=format_date(effective_from, "d MMMM yyyy"),
    )


def add_rule(rule: EffectiveDated, action: str, summary: str, actor) -> EffectiveDated:
    """Save a checked new rule, with its audit row."""
    db.session.add(rule)
    db.session.flush()
    after = audit.snapshot(rule, rule.__rule_fields__)
    audit.record(action, rule, summary=summary, after=after, actor=actor)
    return rule


def deletion_refused(
    rule: EffectiveDated,
    started_by: date,
    used_by: Callable[[EffectiveDated], str | None] | None = None,
    last: str | None = None,
) -> str | None:
    """Why the rule cannot be deleted: it has started by `started_by`, it is the last of
    its scope (`last` words it for the scope), or `used_by` names a record decided under
    it. None: it may go."""
    if rule.effective_from <= started_by:
        return _("Aturan yang sudah berlaku tidak dapat dihapus.")
    model = type(rule)
    count = _scoped(model, rule.rule_scope(), func.count())
    if db.session.scalar(count) <= 1:
        return last or _("Aturan terakhir tidak dapat dihapus.")
    return used_by(rule) if used_by else None


def delete_rule(rule: EffectiveDated, refused: str | None, action: str, summary: str, actor):
    """Delete a rule whose deletion_refused() answer is `refused` (None), with an audit row."""
    if refused:
        raise ServiceError(refused)
    before = audit.snapshot(rule, rule.__rule_fields__)
    audit.record(action, rule, summary=summary, before=before, actor=actor)
    db.session.delete(rule)
    db.session.flush()


def delete_rule_page(
    title: str,
    refused: str | None,
    delete: Callable[[], None],
    back: str,
    form,
    text: str | None = None,
    done: str | None = None,
):
    """The one admin page pattern for deleting a rule: a rule that may not go is refused
    with its reason on the list page; otherwise a confirmation (`text` says why deleting
    is safe), then the deletion and the `done` message."""
    if refused:
        flash(refused, "error")
        return redirect(back)
    if form.validate_on_submit():
        try:
            delete()
            flash(done or _("Aturan dihapus."), "success")
        except ServiceError as exc:
            show_error(exc)
        return redirect(back)
    return render_template("admin/rule_delete.html", form=form, title=title, back=back, text=text)
