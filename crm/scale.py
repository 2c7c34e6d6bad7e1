"""A large synthetic data set for load tests (`flask seed-scale`): bulk Core inserts in batches.

Names come from combinatorial word lists so that searching a name fragment behaves as it would
on real data; identifiers are valid and never collide with rows already present, so the
command can be run again to append more accounts.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select, text

from crm.accounts.models import Account, KeyPerson, Position
from crm.accounts.services import search_name
from crm.admin.models import BranchOffice
from crm.auth.models import User
from crm.demo_data import BRANCHES, FIRST_NAMES, LAST_NAMES, TITLES
from crm.extensions import db
from crm.i18n import local_zone
from crm.meetings.models import Interaction, InteractionAttendee, Task


def _list(text: str) -> list[str]:
    return [w.strip() for w in text.split(",")]


FIRST_WORDS = _list(
    "Sinar, Cahaya, Mitra, Prima, Bumi, Cipta, Karya, Samudra, Mandala, Graha, Putra, "
    "Tunas, Bintang, Surya, Mega, Citra, Anugerah, Berkah, Harapan, Pelita, Duta, Inti, "
    "Panca, Tri, Dwi, Eka, Catur, Wahana, Sumber, Multi, Global, Artha, Dharma, Rajawali, "
    "Kencana, Mulia, Sakti, Andalan, Puri, Taman"
)
MIDDLE_WORDS = _list(
    "Nusa, Nusantara, Jaya, Abadi, Makmur, Sentosa, Lestari, Perkasa, Utama, Mandiri, "
    "Sejahtera, Gemilang, Persada, Raya, Bahari, Pratama, Semesta, Kencana, Indah, Agung, "
    "Buana, Pertiwi, Arta, Baru, Sukses, Timur, Barat, Selatan, Utara, Andalas, Borneo, "
    "Celebes, Jawa, Sumatra, Papua, Bali, Priangan, Mataram, Sriwijaya, Segara"
)
FOREIGN_WORDS = _list(
    "Sakura, Hanil, Jinma, Nordic, Rhein, Pacific, Orient, Asahi, Daewon, Golden, "
    "Evergreen, Kyoto, Shinwa, Lotus, Mekong, Tianjin, Busan, Osaka, Alpine, Atlantic"
)
SECTOR_WORDS = {
    "transportasi": ["Logistik", "Ekspres", "Pelayaran", "Kargo", "Transport"],
    "konstruksi": ["Konstruksi", "Beton", "Bangun", "Kontraktor"],
    "energi": ["Energi", "Elektrik", "Daya", "Petro"],
    "pertambangan": ["Tambang", "Mineral", "Batubara"],
    "manufaktur": ["Tekstil", "Garmen", "Plastik", "Kimia", "Pangan", "Keramik", "Baja"],
    "kesehatan": ["Farma", "Medika", "Husada"],
    "perkebunan": ["Agro", "Sawit", "Perkebunan"],
    "perdagangan": ["Niaga", "Retailindo", "Dagang", "Distribusi"],
    "properti": ["Properti", "Realty", "Griya"],
    "telekomunikasi": ["Teknologi", "Telematika", "Digital", "Data"],
    "perbankan": ["Finance", "Kapital", "Multifinance"],
    "pendidikan": ["Edukasi", "Pendidikan"],
    "jasa": ["Sarana", "Servis", "Keamanan", "Solusi", "Hospitality"],
}
SECTOR_CHOICES = [(word, sector) for sector, words in SECTOR_WORDS.items() for word in words]
CITIES = _list(
    "Jakarta, Jakarta, Jakarta, Bekasi, Tangerang, Bogor, Depok, Bandung, Karawang, "
    "Cikarang, Semarang, Surabaya, Sidoarjo, Gresik, Malang, Medan, Batam, Pekanbaru, "
    "Palembang, Balikpapan, Samarinda, Makassar, Manado, Denpasar, Yogyakarta, Cilegon, "
    "Serang, Pontianak, Banjarmasin, Jayapura"
)
PLACES = _list(
    "Bogor, Bekasi, Karawang, Purwakarta, Subang, Cirebon, Garut, Tasikmalaya, Sukabumi, "
    "Cianjur, Banyumas, Cilacap, Kudus, Jepara, Klaten, Sleman, Bantul, Kediri, Jember, "
    "Banyuwangi, Malang, Sidoarjo, Gresik, Lamongan, Deli Serdang, Langkat, Kampar, "
    "Bengkalis, Ogan Ilir, Lahat, Kutai Kartanegara, Berau, Paser, Gowa, Maros, Bone, "
    "Minahasa, Badung, Gianyar, Lombok Barat, Kupang, Sorong, Merauke, Ternate, Ambon, "
    "Kendari, Palu, Mamuju, Tanah Laut, Kotawaringin"
)
INSTITUTION_FORMS = [
    ("Pemerintah Kabupaten", "local_government"),
    ("Pemerintah Kota", "local_government"),
    ("Dinas Tenaga Kerja Kabupaten", "local_government"),
    ("RSUD", "local_government"),
    ("Balai Besar Pelatihan Vokasi", "agency"),
    ("Kantor Wilayah BPN", "agency"),
]
LEVELS_BY_COUNT = {
    3: ["bod", "bod1", "bod2"],
    4: ["bod", "bod1", "bod2", "operational"],
    5: ["bod", "bod1", "bod1", "bod2", "operational"],
}
STANCES = ["champion", "supporter", "supporter", "neutral", "neutral", "skeptic", "blocker"]
INFLUENCE = {"bod": (4, 5), "bod1": (3, 5), "bod2": (2, 4), "operational": (1, 3)}


@dataclass
class ScaleReport:
    accounts: int = 0
    people: int = 0
    positions: int = 0
    rms_created: int = 0
    branches_created: int = 0
    interactions: int = 0
    attendees: int = 0
    tasks: int = 0
    summary_seconds: float = 0.0
    seconds: float = 0.0


@dataclass
class _Context:
    rng: random.Random
    now: datetime
    today: date
    rms: list[int]
    branches: list[int]
    taken: set[str]
    used_institutions: set[str]
    next_account: int
    next_person: int
    next_position: int
    next_interaction: int = 1
    next_attendee: int = 1
    next_task: int = 1
    zone: object = UTC


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def ensure_staff(total_accounts: int, password_hash: str) -> tuple[int, int]:
    """At least 20 branch offices and one active RM per ~2,000 accounts; returns what it added."""
    have = set(db.session.scalars(select(BranchOffice.code)))
    missing = [b for b in BRANCHES if b[0] not in have][: max(0, 20 - len(have))]
    for code, name, region in missing:
        db.session.add(BranchOffice(code=code, name=name, region=region, address=name))
    db.session.flush()
    rms = db.session.scalar(select(func.count()).where(User.role == "rm", User.active.is_(True)))
    wanted = max(5, math.ceil(total_accounts / 2000)) - rms
    branch_ids = list(db.session.scalars(select(BranchOffice.id).order_by(BranchOffice.id)))
    rng = random.Random(total_accounts)
    start = _next_id(User)
    for k in range(max(0, wanted)):
        db.session.add(
            User(
                email=f"rm{start + k}.scale@relasi.test",
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                role="rm",
                branch_office_id=branch_ids[k % len(branch_ids)],
                password_hash=password_hash,
                must_change_password=False,
                session_version=1,
            )
        )
    db.session.flush()
    return max(0, wanted), len(missing)


def _unique(ctx: _Context, prefix: str, length: int) -> str:
    while True:
        value = prefix + str(ctx.rng.randrange(10 ** (length - len(prefix)))).zfill(
            length - len(prefix)
        )
        if value not in ctx.taken:
            ctx.taken.add(value)
            return value


def _name(ctx: _Context) -> tuple[str, str, str, str]:
    """(name, kind, ownership, sector) of one account."""
    rng = ctx.rng
    if rng.random() < 0.02:
        form, kind = rng.choice(INSTITUTION_FORMS)
        name = f"{form} {rng.choice(PLACES)}"
        if name not in ctx.used_institutions:
            ctx.used_institutions.add(name)
            return name, kind, "", "pemerintahan"
    ownership = rng.choices(["private", "foreign", "bumn", "bumd"], [70, 15, 10, 5])[0]
    word, sector = rng.choice(SECTOR_CHOICES)
    first = rng.choice(FOREIGN_WORDS if ownership == "foreign" else FIRST_WORDS)
    parts = ["PT", first, rng.choice(MIDDLE_WORDS), word]
    if ownership == "foreign":
        parts.append("Indonesia")
    elif ownership == "bumn":
        parts.append(rng.choice(["(Persero)", "Tbk", ""]))
    elif ownership == "bumd":
        parts.append("(Perseroda)")
    else:
        parts.append(rng.choices(["", "Tbk", rng.choice(CITIES)], [70, 10, 20])[0])
    return " ".join(p for p in parts if p), "company", ownership, sector


def _account_row(ctx: _Context, account_id: int, parent_id: int | None) -> dict:
    rng = ctx.rng
    name, kind, ownership, sector = _name(ctx)
    company = kind == "company"
    status = rng.choices(["active", "prospect", "inactive"], [80, 15, 5])[0]
    created = ctx.now - timedelta(seconds=rng.randrange(3 * 365 * 86400))
    return {
        "id": account_id,
        "name": name,
        "search_name": search_name(name),
        "kind": kind,
        "segment": "corporate" if company else "institutional",
        "status": status,
        "ownership": ownership or None,
        "sector": sector,
        "headcount": int(rng.lognormvariate(5.5, 1.2)) + 10,
        "address": f"Jl. {rng.choice(MIDDLE_WORDS)} Raya No. {rng.randint(1, 250)}",
        "city": rng.choice(CITIES),
        "npp": None if status == "prospect" else _unique(ctx, "", 8),
        "npwp": _unique(ctx, "00" + str(rng.randint(1, 3)) if company else "000", 16),
        "nib": _unique(ctx, "9", 13) if company else None,
        "branch_office_id": rng.choice(ctx.branches),
        "rm_id": rng.choice(ctx.rms) if ctx.rms and rng.random() < 0.95 else None,
        "parent_id": parent_id if company else None,
        "character_notes": "",
        "key_person_gap_since": None,
        "created_at": created,
        "updated_at": created + timedelta(days=rng.randrange(60)),
    }


def _people_rows(ctx: _Context, account: dict, people: list, positions: list) -> None:
    """~4 key persons of one account, each with a current position in a reports-to chain."""
    rng = ctx.rng
    audience = (
        "foreign"
        if account["ownership"] == "foreign"
        else ("company" if account["kind"] == "company" else account["kind"])
    )
    pool = TITLES[audience]
    domain = "".join(account["search_name"].split()[:2]) + (
        ".co.id" if account["kind"] == "company" else ".go.id"
    )
    boss_by_level: dict[str, int] = {}
    chain = {"bod1": "bod", "bod2": "bod1", "operational": "bod2"}
    for i, level in enumerate(LEVELS_BY_COUNT[rng.choice((3, 4, 4, 5))]):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        person_id, position_id = ctx.next_person, ctx.next_position
        ctx.next_person += 1
        ctx.next_position += 1
        low, high = INFLUENCE[level]
        people.append(
            {
                "id": person_id,
                "name": f"{first} {last}",
                "email": f"{first}.{last}{person_id}@{domain}".lower(),
                "phone": f"+62 81{rng.randint(1, 9)}-{rng.randrange(10**8):08d}",
                "preferred_channel": rng.choice(("email", "whatsapp", "phone", "in_person")),
                "notes": "",
                "influence": rng.randint(low, high),
                "stance": rng.choice(STANCES),
                "assessed_on": ctx.today - timedelta(days=rng.randrange(365)),
                "created_at": ctx.now,
                "updated_at": ctx.now,
            }
        )
        titles = pool[level]
        positions.append(
            {
                "id": position_id,
                "person_id": person_id,
                "account_id": account["id"],
                "title": titles[0] if i == 0 else rng.choice(titles),
                "level": level,
                "decision_maker": level in ("bod", "bod1"),
                "reports_to_id": boss_by_level.get(chain.get(level, "")),
                "start_date": ctx.today - timedelta(days=rng.randrange(60, 3000)),
                "end_date": None,
                "left_note": "",
                "successor_id": None,
                "ended_at": None,
                "created_at": ctx.now,
                "updated_at": ctx.now,
            }
        )
        boss_by_level.setdefault(level, position_id)


# -- interactions ----------------------------------------------------------------------------

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


def _insert(rows: list[dict], table, chunk: int) -> None:
    conn = db.session.connection()
    for start in range(0, len(rows), chunk):
        conn.execute(insert(table), rows[start : start + chunk])


def _reset_sequences() -> None:
    """PostgreSQL: explicit ids leave the serial sequences behind; move them past the max."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in (
        "account",
        "key_person",
        "position",
        "interaction",
        "interaction_attendee",
        "task",
    ):
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        )


def seed_scale(
    n: int,
    *,
    password_hash: str,
    seed: int = 2026,
    batch: int = 2500,
    interactions_per_account: int = 20,
    progress: Callable[[str], None] = print,
) -> ScaleReport:
    """Append n accounts with ~4 key persons each and ~interactions_per_account interactions
    over the last 12 months (attendees, some planned, next-step tasks); commits every batch
    of accounts, then rebuilds the cadence summaries in SQL."""
    started = time.perf_counter()
    report = ScaleReport()
    existing = db.session.scalar(select(func.count()).select_from(Account)) or 0
    report.rms_created, report.branches_created = ensure_staff(existing + n, password_hash)
    db.session.commit()
    taken = set()
    for column in (Account.npp, Account.npwp, Account.nib):
        taken.update(db.session.scalars(select(column).where(column.is_not(None))))
    ctx = _Context(
        rng=random.Random(f"{seed}-{existing}"),
        now=datetime.now(UTC),
        today=date.today(),
        rms=list(db.session.scalars(select(User.id).where(User.role == "rm", User.active))),
        branches=list(db.session.scalars(select(BranchOffice.id))),
        taken=taken,
        used_institutions=set(db.session.scalars(select(Account.name))),
        next_account=_next_id(Account),
        next_person=_next_id(KeyPerson),
        next_position=_next_id(Position),
        next_interaction=_next_id(Interaction),
        next_attendee=_next_id(InteractionAttendee),
        next_task=_next_id(Task),
        zone=local_zone(),
    )
    holding = None
    while report.accounts < n:
        accounts, people, positions = [], [], []
        rows: dict[str, list] = {"interactions": [], "attendees": [], "tasks": []}
        for _ in range(min(batch, n - report.accounts)):
            parent = holding if holding and ctx.rng.random() < 0.1 else None
            row = _account_row(ctx, ctx.next_account, parent)
            ctx.next_account += 1
            if row["ownership"] == "bumn" and row["name"].endswith("(Persero)"):
                holding = row["id"]  # the next few companies may join its group
            accounts.append(row)
            first = len(positions)
            _people_rows(ctx, row, people, positions)
            _interaction_rows(ctx, row, positions[first:], interactions_per_account, rows)
            report.accounts += 1
        _insert(accounts, Account.__table__, batch)
        _insert(people, KeyPerson.__table__, 10_000)
        _insert(positions, Position.__table__, 10_000)
        _insert(rows["interactions"], Interaction.__table__, 10_000)
        _insert(rows["attendees"], InteractionAttendee.__table__, 10_000)
        _insert(rows["tasks"], Task.__table__, 10_000)
        db.session.commit()
        report.people += len(people)
        report.positions += len(positions)
        report.interactions += len(rows["interactions"])
        report.attendees += len(rows["attendees"])
        report.tasks += len(rows["tasks"])
        elapsed = time.perf_counter() - started
        progress(
            f"  {report.accounts:>7}/{n} accounts, {report.people} people, "
            f"{report.interactions} interactions ({elapsed:.1f} s)"
        )
    _reset_sequences()
    db.session.commit()
    if report.interactions:
        from crm.meetings import summary

        summary_started = time.perf_counter()
        summary.rebuild_all_sql()
        db.session.commit()
        report.summary_seconds = time.perf_counter() - summary_started
        progress(f"  summaries rebuilt in {report.summary_seconds:.1f} s")
    report.seconds = time.perf_counter() - started
    return report
