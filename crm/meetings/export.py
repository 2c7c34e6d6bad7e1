"""CSV export of the filtered interaction list; confidential minutes stay hidden."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Response, stream_with_context
from flask_babel import gettext as _

from crm.accounts.models import Account
from crm.auth.models import User
from crm.exports import csv_row
from crm.extensions import db
from crm.i18n import local_zone
from crm.meetings import queries
from crm.meetings.invites import topic_labels, type_label
from crm.meetings.models import Interaction

BATCH = 1000
MAX_ROWS = 200_000
COLUMNS = (
    "id",
    "starts_at",
    "ends_at",
    "type",
    "status",
    "is_bod1",
    "topics",
    "place",
    "online_link",
    "agenda",
    "confidential",
    "minutes",
    "outcome",
    "sentiment",
)


def rows(filters: queries.InteractionFilters, viewer: User) -> Iterator[list[str]]:
    """Header, then one row per interaction in list order, fetched in keyset batches."""
    yield [
        "id",
        _("Tanggal"),
        _("Mulai"),
        _("Selesai"),
        _("Akun"),
        _("Jenis"),
        _("Status"),
        "BOD-1",
        _("Penulis"),
        _("Topik"),
        _("Tempat"),
        _("Agenda"),
        _("Rahasia"),
        _("Notulen"),
        _("Hasil"),
        _("Sikap mitra"),
    ]
    visible = queries.visible_minutes_clause(viewer)
    base = (
        queries.interaction_query(filters, viewer)
        .join(Account, Account.id == Interaction.account_id)
        .outerjoin(User, User.id == Interaction.author_id)
        .with_only_columns(
            *(getattr(Interaction, c) for c in COLUMNS),
            Account.name.label("account_name"),
            User.name.label("author_name"),
            visible.label("can_read"),
        )
    )
    zone, sent, after = local_zone(), 0, None
    while sent < MAX_ROWS:
        stmt = base
        if after is not None:
            stmt = stmt.where(
                (Interaction.starts_at < after[0])
                | ((Interaction.starts_at == after[0]) & (Interaction.id < after[1]))
            )
        batch = db.session.execute(
            stmt.order_by(Interaction.starts_at.desc(), Interaction.id.desc()).limit(BATCH)
        ).all()
        for it in batch:
            yield _row(it, zone)
        sent += len(batch)
        if len(batch) < BATCH:
            return
        after = (batch[-1].starts_at, batch[-1].id)


def _row(it, zone) -> list[str]:
    start = it.starts_at.astimezone(zone)
    private = [it.minutes, it.outcome, it.sentiment or ""] if it.can_read else ["[rahasia]"] * 3
    topics = [t for t in (it.topics or "").split(",") if t]
    return [
        str(it.id),
        start.date().isoformat(),
        start.strftime("%H:%M"),
        it.ends_at.astimezone(zone).strftime("%H:%M") if it.ends_at else "",
        it.account_name,
        type_label(it.type),
        it.status,
        "ya" if it.is_bod1 else "",
        it.author_name or "",
        ", ".join(topic_labels(topics)),
        it.place or it.online_link,
        it.agenda,
        "ya" if it.confidential else "",
        *private,
    ]


def export_response(filters: queries.InteractionFilters, viewer: User) -> Response:
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # Excel reads UTF-8 with a BOM
        for row in rows(filters, viewer):
            writer.writerow(csv_row(row))
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="interaksi.csv"',
            "Cache-Control": "private, no-store",
        },
    )
