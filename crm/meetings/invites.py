"""Calendar invites and feeds built from interactions (texts in the default language)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from flask_babel import gettext as _

from crm.meetings import ics
from crm.meetings.forms import topic_choices, type_choices
from crm.meetings.models import Interaction

UID_HOST = "relasi"


def type_label(code: str) -> str:
    return str(dict(type_choices()).get(code, code))


def topic_labels(codes: list[str]) -> list[str]:
    labels = dict(topic_choices())
    return [str(labels.get(c, c)) for c in codes]


def event_for(interaction: Interaction) -> list[str]:
    """One VEVENT: type and account as the title; agenda, topics and a link as the
    description. Minutes and outcome never leave the CRM this way."""
    link = url_for("meetings.detail", interaction_id=interaction.id, _external=True)
    parts = []
    if interaction.agenda:
        parts.append(_("Agenda: %(agenda)s", agenda=interaction.agenda))
    if interaction.topic_list:
        parts.append(_("Topik: %(topics)s", topics=", ".join(topic_labels(interaction.topic_list))))
    if interaction.online_link:
        parts.append(_("Tautan: %(link)s", link=interaction.online_link))
    parts.append(_("Di Relasi: %(link)s", link=link))
    return ics.event_lines(
        interaction,
        summary=f"{type_label(interaction.type)}: {interaction.account.name}",
        description="\n".join(parts),
        url=link,
        host=UID_HOST,
    )


def interaction_calendar(
    interactions: Iterable[Interaction], *, method: str, name: str | None = None
) -> bytes:
    return ics.calendar((event_for(i) for i in interactions), method=method, name=name)
