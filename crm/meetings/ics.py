"""iCalendar (RFC 5545) written by hand: one invite per planned meeting and the RM's feed.

Times are UTC (`...Z`), so any calendar shows them in its own zone. Descriptions carry the
agenda and a link, never minutes (they may be confidential).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from crm.db import utcnow
from crm.meetings.models import Interaction

PRODID = "-//Relasi//CRM Kepesertaan Korporasi dan Institusi//ID"
DEFAULT_LENGTH = timedelta(hours=1)


def escape(text: str) -> str:
    """TEXT value escaping: backslash, semicolon, comma and newlines."""
    return (
        (text or "")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def param(text: str) -> str:
    """A parameter value (CN=...): quoted, without characters a parameter cannot hold."""
    clean = "".join(ch for ch in (text or "") if ch not in '"\r\n' and ord(ch) >= 32)
    return f'"{clean}"'


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, never inside a UTF-8
    character; continuation lines start with one space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1  # do not cut a multi-byte character
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # the leading space counts toward the next line's 75
    return "\r\n ".join(parts)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def event_lines(
    interaction: Interaction, *, summary: str, description: str, url: str, host: str
) -> list[str]:
    """The VEVENT of one interaction; attendees with an email become ATTENDEE lines."""
    ends = interaction.ends_at or interaction.starts_at + DEFAULT_LENGTH
    location = interaction.place or interaction.online_link
    lines = [
        "BEGIN:VEVENT",
        f"UID:interaction-{interaction.id}@{host}",
        f"DTSTAMP:{stamp(utcnow())}",
        f"LAST-MODIFIED:{stamp(interaction.updated_at or utcnow())}",
        f"SEQUENCE:{interaction.sequence or 0}",
        f"DTSTART:{stamp(interaction.starts_at)}",
        f"DTEND:{stamp(ends)}",
        f"SUMMARY:{escape(summary)}",
        f"STATUS:{'CANCELLED' if interaction.status == 'cancelled' else 'CONFIRMED'}",
    ]
    if location:
        lines.append(f"LOCATION:{escape(location)}")
    if description:
        lines.append(f"DESCRIPTION:{escape(description)}")
    if url:
        lines.append(f"URL:{url}")
    author = interaction.author
    if author is not None and author.email:
        lines.append(f"ORGANIZER;CN={param(author.name)}:mailto:{author.email}")
    for attendee in interaction.attendees:
        who = attendee.person or attendee.user
        if who is None or not who.email:
            continue
        role = "REQ-PARTICIPANT" if attendee.person else "OPT-PARTICIPANT"
        lines.append(
            f"ATTENDEE;CN={param(who.name)};ROLE={role};PARTSTAT=NEEDS-ACTION;RSVP=FALSE"
            f":mailto:{who.email}"
        )
    lines.append("END:VEVENT")
    return lines


def calendar(events: Iterable[list[str]], *, method: str, name: str | None = None) -> bytes:
    """A VCALENDAR around the events: folded lines ending in CRLF, UTF-8."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    lines.append(f"METHOD:{method}")
    if name:
        lines.append(f"X-WR-CALNAME:{escape(name)}")
    for event in events:
        lines.extend(event)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
