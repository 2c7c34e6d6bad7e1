"""Scale interactions: a year of them per account, with attendees and next-step tasks."""

from __future__ import annotations

from datetime import UTC, timedelta

from crm.scale.context import _Context

SCALE_TYPES = [
    ("formal_meeting", 20),
    ("coordination_meeting", 15),
    ("lunch_meeting", 8),
    ("power_lunch", 4),
    ("online_meeting", 18),
    ("phone_call", 18),
    ("correspondence", 8),
    ("site_visit", 5),
    ("socialization", 4),
]
SCALE_TOPICS = ["compliance", "supply_chain", "sertakan", "regulation", "complaint", "other"]
SCALE_MINUTES = [
    "Membahas tertib administrasi kepesertaan dan rencana pendaftaran pekerja baru.",
    "Klarifikasi selisih upah yang dilaporkan; perusahaan akan mengirim data pendukung.",
    "Sosialisasi program JKP dan manfaat beasiswa bagi anak peserta.",
    "Tindak lanjut tunggakan iuran; disepakati jadwal pembayaran bertahap.",
    "Koordinasi pendaftaran pekerja vendor dan subkontraktor (rantai pasok).",
    "Penjajakan program SERTAKAN untuk pekerja informal di sekitar lokasi usaha.",
]
SCALE_OUTCOMES = ["Sepakat ditindaklanjuti.", "Menunggu keputusan direksi.", "", ""]
TASK_TITLES = [
    "Kirim rekap tunggakan iuran",
    "Jadwalkan pertemuan dengan GM Human Capital",
    "Kirim materi sosialisasi JKP",
    "Minta data pekerja vendor",
    "Konfirmasi jadwal pembayaran iuran",
]
# Share of held corporate interactions that a BOD or BOD-1 key person attends.
BOD1_SHARE = 0.6


def _interaction_rows(
    ctx: _Context,
    account: dict,
    account_positions: list[dict],
    per_account: int,
    rows: dict[str, list],
) -> None:
    """~per_account interactions of one account over the last 12 months (2% planned in the
    next two weeks, 2% cancelled), each with 1-2 key persons; plus its open tasks."""
    rng = ctx.rng
    if per_account <= 0:
        return
    corporate = account["kind"] == "company"
    senior = [p for p in account_positions if p["level"] in ("bod", "bod1")]
    junior = [p for p in account_positions if p["level"] not in ("bod", "bod1")] or senior
    author = account["rm_id"]
    n = rng.randint(per_account - per_account // 2, per_account + per_account // 2)
    now, zone = ctx.now, ctx.zone
    ids = []
    for _ in range(n):
        draw = rng.random()
        if draw < 0.02:
            status = "planned"
            starts = now + timedelta(seconds=rng.randrange(14 * 86400))
        else:
            status = "cancelled" if draw < 0.04 else "held"
            starts = now - timedelta(seconds=rng.randrange(3600, 365 * 86400))
        # Round to a working hour, local time.
        local = starts.astimezone(zone)
        local = local.replace(hour=8 + rng.randrange(9), minute=rng.choice((0, 30)), second=0)
        starts = local.astimezone(UTC).replace(microsecond=0)
        if status == "held" and starts > now:
            starts -= timedelta(days=1)
        elif status == "planned" and starts <= now:
            starts += timedelta(days=1)
        day = local.date()
        want_senior = rng.random() < (BOD1_SHARE if corporate else 0.4)
        pool = senior if want_senior else junior
        people = [rng.choice(pool)]
        if rng.random() < 0.3:
            extra = rng.choice(account_positions)
            if extra is not people[0]:
                people.append(extra)
        is_bod1 = any(p["level"] in ("bod", "bod1") and p["start_date"] <= day for p in people)
        kind = rng.choices(*zip(*SCALE_TYPES, strict=True))[0]
        ident = ctx.next_interaction
        ctx.next_interaction += 1
        ids.append((ident, starts))
        held = status == "held"
        rows["interactions"].append(
            {
                "id": ident,
                "account_id": account["id"],
                "author_id": author,
                "type": kind,
                "status": status,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=1),
                "place": "",
                "online_link": "",
                "agenda": "Koordinasi kepesertaan",
                "topics": rng.choice(SCALE_TOPICS),
                "minutes": rng.choice(SCALE_MINUTES) if held else "",
                "outcome": rng.choice(SCALE_OUTCOMES) if held else "",
                "sentiment": rng.choice(("positive", "neutral", "neutral", "negative"))
                if held
                else None,
                "confidential": rng.random() < 0.02,
                "is_bod1": is_bod1,
                "sequence": 0,
                "created_at": min(starts, now),
                "updated_at": min(starts, now),
            }
        )
        for p in people:
            rows["attendees"].append(
                {
                    "id": ctx.next_attendee,
                    "interaction_id": ident,
                    "person_id": p["person_id"],
                    "user_id": None,
                }
            )
            ctx.next_attendee += 1
    if author is None or not ids:
        return
    # Next steps: about one open task per ten interactions, due within a month either side
    # of today (so some are late), and one done.
    for k in range(max(1, n // 10) + 1):
        ident, starts = rng.choice(ids)
        done = k == 0
        created = min(starts, now)
        rows["tasks"].append(
            {
                "id": ctx.next_task,
                "account_id": account["id"],
                "assignee_id": author,
                "created_by_id": author,
                "kind": "next_step",
                "title": rng.choice(TASK_TITLES),
                "details": "",
                "due_date": ctx.today + timedelta(days=rng.randint(-30, 30)),
                "status": "done" if done else "open",
                "person_id": None,
                "interaction_id": ident,
                "completed_at": created + timedelta(days=3) if done else None,
                "created_at": created,
                "updated_at": created,
            }
        )
        ctx.next_task += 1
