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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from sqlalchemy import func, insert, select, text

from crm.accounts.models import Account, KeyPerson, Position
from crm.accounts.services import search_name
from crm.admin.models import BranchOffice
from crm.auth.models import User
from crm.compliance.models import ComplianceImport, CompliancePeriod
from crm.demo_data import BRANCHES, FIRST_NAMES, LAST_NAMES, TITLES
from crm.extensions import db
from crm.i18n import local_date, local_zone
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
    compliance_rows: int = 0
    cases: int = 0
    case_events: int = 0
    case_letters: int = 0
    summary_seconds: float = 0.0
    cases_seconds: float = 0.0
    arrears_seconds: float = 0.0
    suggestions_seconds: float = 0.0
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
        "escalation_case",
        "case_letter_request",
        "case_event",
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
    compliance_months: int = 0,
    cases: int = 0,
    progress: Callable[[str], None] = print,
) -> ScaleReport:
    """Append n accounts with ~4 key persons each and ~interactions_per_account interactions
    over the last 12 months (attendees, some planned, next-step tasks); commits every batch
    of accounts, then rebuilds the cadence summaries in SQL. With compliance_months, every
    registered account gets that many contribution months ending last month (some accounts
    in arrears or with PDS findings), and up to `cases` of those get an open case with its
    history; then the cases' stored arrears and the suggestions are refreshed."""
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
    cc = _compliance_context(ctx, compliance_months, cases, n, seed) if compliance_months else None
    holding = None
    while report.accounts < n:
        accounts, people, positions = [], [], []
        rows: dict[str, list] = {"interactions": [], "attendees": [], "tasks": [], "months": []}
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
            if cc:
                _compliance_rows(cc, row, rows["months"])
            report.accounts += 1
        _insert(accounts, Account.__table__, batch)
        _insert(people, KeyPerson.__table__, 10_000)
        _insert(positions, Position.__table__, 10_000)
        _insert(rows["interactions"], Interaction.__table__, 10_000)
        _insert(rows["attendees"], InteractionAttendee.__table__, 10_000)
        _insert(rows["tasks"], Task.__table__, 10_000)
        _insert(rows["months"], CompliancePeriod.__table__, 10_000)
        db.session.commit()
        report.compliance_rows += len(rows["months"])
        report.people += len(people)
        report.positions += len(positions)
        report.interactions += len(rows["interactions"])
        report.attendees += len(rows["attendees"])
        report.tasks += len(rows["tasks"])
        elapsed = time.perf_counter() - started
        progress(
            f"  {report.accounts:>7}/{n} accounts, {report.people} people, "
            f"{report.interactions} interactions, {report.compliance_rows} compliance months "
            f"({elapsed:.1f} s)"
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
    if cc:
        _finish_compliance(ctx, cc, cases, report, progress)
    report.seconds = time.perf_counter() - started
    return report


# -- compliance months and escalation cases --------------------------------------------------

# Stages of the open cases, with weights: most cases are early on the ladder.
CASE_STAGE_MIX = [
    ("persuasi", 30),
    ("pemberitahuan", 20),
    ("teguran_1", 18),
    ("teguran_2", 12),
    ("denda", 10),
    ("tmp2t", 6),
    ("skk", 4),
]
# Days a stage lasts before the next one starts, when the case has moved on.
STAGE_SPAN = {
    "persuasi": (10, 30),
    "pemberitahuan": (14, 24),
    "teguran_1": (14, 24),
    "teguran_2": (14, 24),
    "denda": (28, 35),
    "tmp2t": (30, 60),
}
PDS_NOTES = {
    "pds_tk": "Sebagian pekerja (kontrak/harian) belum didaftarkan.",
    "pds_upah": "Upah dilaporkan lebih rendah dari upah sebenarnya.",
    "pds_program": "Belum mengikuti seluruh program wajib (JP).",
}
PDS_SHARE = 0.02  # accounts whose latest months carry a PDS finding
LATE_PAYER_SHARE = 0.15  # accounts that pay some months late (with the fine)


@dataclass
class _Compliance:
    """What the compliance rows of one run share: the months, their deadlines, the export
    row they cite, and the accounts that may get a case."""

    rng: random.Random
    today: date
    periods: list[date]
    deadlines: list[date]
    import_id: int
    arrears_share: float
    now: datetime
    candidates: list[tuple] = field(default_factory=list)


def _compliance_context(ctx: _Context, months: int, cases: int, n: int, seed: int) -> _Compliance:
    """The months ending with last month and the export row; the share of accounts in
    arrears leaves ~15 % more candidates than the cases asked for (at least 5 %)."""
    from crm.compliance import arrears
    from crm.compliance.calendar import working_calendar
    from crm.compliance.services import arrears_rules

    today = local_date(ctx.now)  # months and deadlines are counted in CRM_TIMEZONE
    last = arrears.add_months(today.replace(day=1), -1)
    periods = [arrears.add_months(last, -k) for k in range(months - 1, -1, -1)]
    rules, cal = arrears_rules(), working_calendar()
    deadlines = [arrears.deadline(p, arrears.rule_for(p, rules), cal) for p in periods]
    run = ComplianceImport(
        key=f"scale-{seed}-{ctx.next_account}"[:32],
        actor_label="seed-scale",
        filename="seed-scale",
        period_first=periods[0],
        period_last=last,
    )
    db.session.add(run)
    db.session.flush()
    share = min(max(cases * 1.15 / max(n * 0.85, 1), 0.05), 0.6)
    rng = random.Random(f"{seed}-{ctx.next_account}-compliance")
    return _Compliance(rng, today, periods, deadlines, run.id, share, ctx.now)


def _paid(cc: _Compliance, i: int, due: int, late: bool) -> tuple[int, date | None, int]:
    """(amount paid, paid on, fine paid) of a month paid in full: a few days before its
    deadline, or (late) up to 40 days after it with the 2 % per started month fine."""
    from crm.compliance.arrears import months_late

    deadline, rng = cc.deadlines[i], cc.rng
    if late:
        day = deadline + timedelta(days=rng.randint(1, 40))
        if day < cc.today:
            return due, day, (due * 200 * months_late(deadline, day) + 5000) // 10000
    day = max(deadline - timedelta(days=rng.randint(0, 12)), cc.periods[i] + timedelta(days=31))
    return (due, day, 0) if day < cc.today else (0, None, 0)


def _compliance_rows(cc: _Compliance, account: dict, rows: list[dict]) -> None:
    """The account's months (registered accounts only): mostly paid on time; an account in
    arrears leaves its last 2-9 overdue months unpaid (the first sometimes paid in part);
    a PDS account carries a finding in its latest months."""
    from crm.demo import monthly_contribution
    from crm.demo_data import AVERAGE_WAGE, JKK_BP

    if account["npp"] is None:
        return
    rng, periods = cc.rng, cc.periods
    workers = account["headcount"]
    wage = AVERAGE_WAGE.get(account["sector"], 5_500_000) * rng.uniform(0.8, 1.25)
    jkk = JKK_BP.get(account["sector"], 89)
    draw = rng.random()
    late_share = 0.15 if draw > 1 - LATE_PAYER_SHARE else 0.02
    owing_from, pds = len(periods), None
    if draw < cc.arrears_share:
        overdue = sum(1 for d in cc.deadlines if d < cc.today)
        owing_from = max(0, overdue - rng.randint(2, 9))
        cc.candidates.append((account, "arrears"))
    elif draw < cc.arrears_share + PDS_SHARE:
        pds = rng.choice(tuple(PDS_NOTES))
        cc.candidates.append((account, pds))
    partial = rng.random() < 0.3
    stamp = cc.now
    for i, period in enumerate(periods):
        reported = max(1, workers + rng.randint(-workers // 50 - 1, workers // 50 + 1))
        wages = round(reported * wage * 1.065 ** (period.year - cc.today.year), -3)
        due = monthly_contribution(reported, wages, jkk, period)
        if i < owing_from:
            paid, paid_on, fine = _paid(cc, i, due, rng.random() < late_share)
        elif i == owing_from and partial:
            paid, paid_on, fine = due * rng.randint(30, 60) // 100, cc.deadlines[i], 0
        else:
            paid, paid_on, fine = 0, None, 0
        flag = pds if pds and i >= len(periods) - 3 else None
        rows.append(
            {
                "account_id": account["id"],
                "period": period,
                "workers_registered": reported,
                "workers_reported": reported,
                "wages_reported": wages,
                "contribution_due": due,
                "amount_paid": paid,
                "unpaid": max(due - paid, 0),
                "paid_on": paid_on,
                "fine_paid": fine,
                "pds_tk": flag == "pds_tk",
                "pds_upah": flag == "pds_upah",
                "pds_program": flag == "pds_program",
                "pds_notes": PDS_NOTES[flag] if flag else "",
                "import_id": cc.import_id,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )


@dataclass
class _CaseIds:
    case: int
    event: int
    letter: int
    supervisor: int | None
    rms: list[int]


def _case_story(rng: random.Random, today: date, stage: str) -> list[tuple]:
    """The ladder up to `stage`, forward from the day the case opened: (stage, entered,
    issued, received) per stage; the current stage's letter may not be out yet, and about
    a quarter of the cases have outrun their deadline."""
    from crm.cases.models import LETTER_TYPES, STAGES

    path = STAGES[: STAGES.index(stage) + 1]
    spans = [rng.randint(*STAGE_SPAN[s]) for s in path[:-1]]
    age = rng.randint(1, 30)  # days in the current stage
    day = today - timedelta(days=sum(spans) + age)
    story = []
    for k, name in enumerate(path):
        issued = received = None
        if name in LETTER_TYPES:
            issued = day + timedelta(days=rng.randint(1, 4))
            received = issued + timedelta(days=rng.randint(1, 5))
            if k == len(path) - 1:  # the current letter: waiting, issued or received
                state = rng.random()
                issued = None if state < 0.2 or issued >= today else issued
                received = None if issued is None or state < 0.45 or received >= today else received
        story.append((name, day, issued, received))
        if k < len(spans):
            day += timedelta(days=spans[k])
    return story


def _current_clock(story: list[tuple], rng: random.Random, cal) -> tuple:
    """(stage_started_on, stage_due_on) of the current stage, as the services set them:
    a letter stage waits for its letter, then counts 10 working days from issue or
    receipt; Persuasi, TMP2T and SKK have dates set by hand; Denda 30 calendar days."""
    stage, entered, issued, received = story[-1]
    start = received or issued
    if stage == "persuasi":
        return entered, entered + timedelta(days=rng.randint(14, 30))
    if stage == "denda":
        return entered, entered + timedelta(days=30)
    if stage == "tmp2t":
        return start, entered + timedelta(days=45)
    if stage == "skk":
        return entered, entered + timedelta(days=rng.randint(60, 90))
    return start, cal.add_working_days(start, 10) if start else None


def _case_rows(ctx: _Context, cc: _Compliance, pick: tuple, ids: _CaseIds, rows: dict) -> None:
    """One open case with its letter requests and events, as if walked through the case
    services (crm.cases.services) up to a stage drawn from CASE_STAGE_MIX."""
    from crm.cases.models import LETTER_TYPES, SUPERVISOR_STAGES
    from crm.compliance.calendar import working_calendar

    (account, reason), rng = pick, cc.rng
    stage = rng.choices(*zip(*CASE_STAGE_MIX, strict=True))[0]
    story = _case_story(rng, cc.today, stage)
    owner = account["rm_id"] or rng.choice(ids.rms)
    started, due = _current_clock(story, rng, working_calendar())
    opened = _at(ctx, story[0][1], 10)
    case_id, ids.case = ids.case, ids.case + 1
    rows["cases"].append(
        {
            "id": case_id,
            "account_id": account["id"],
            "reason": reason,
            "stage": stage,
            "status": "open",
            "owner_id": owner,
            "supervisor_id": ids.supervisor,
            "branch_office_id": account["branch_office_id"],
            "opened_at": opened,
            "stage_started_on": started,
            "stage_due_on": due,
            "closed_at": None,
            "closed_reason": None,
            "closed_note": "",
            "closing_import_id": None,
            "created_at": opened,
            "updated_at": opened,
        }
    )
    event = _event_maker(ctx, rows, ids, case_id)
    event("opened", None, "persuasi", owner, story[0][1], 10)
    for (previous, *_), (name, entered, issued, received) in pairwise(story):
        actor = ids.supervisor if name in SUPERVISOR_STAGES else owner
        event("advanced", previous, name, actor, entered, 9)
        if name not in LETTER_TYPES:
            continue
        letter_id, ids.letter = ids.letter, ids.letter + 1
        rows["letters"].append(
            {
                "id": letter_id,
                "case_id": case_id,
                "stage": name,
                "letter_type": LETTER_TYPES[name],
                "status": "received" if received else "issued" if issued else "draft_requested",
                "addressee": f"Yth. Pimpinan {account['name']}"[:300],
                "address": f"{account['address']}\n{account['city']}",
                "requested_by_id": actor,
                "issued_on": issued,
                "received_on": received,
                "created_at": _at(ctx, entered, 9),
                "updated_at": _at(ctx, received or issued or entered, 13),
            }
        )
        if issued:
            event("letter_issued", name, name, ids.supervisor, issued, 13, letter_id)
        if received:
            event("letter_received", name, name, owner, received, 15, letter_id)


def _at(ctx: _Context, day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ctx.zone).astimezone(UTC)


def _event_maker(ctx: _Context, rows: dict, ids: _CaseIds, case_id: int):
    def event(kind, from_stage, to_stage, actor, day, hour, letter_id=None) -> None:
        rows["events"].append(
            {
                "id": ids.event,
                "case_id": case_id,
                "kind": kind,
                "from_stage": from_stage,
                "to_stage": to_stage,
                "actor_id": actor,
                "note": "",
                "import_id": None,
                "letter_request_id": letter_id,
                "created_at": _at(ctx, day, hour),
            }
        )
        ids.event += 1

    return event


def _add_cases(ctx: _Context, cc: _Compliance, wanted: int, report: ScaleReport, progress) -> None:
    """`wanted` open cases (fewer when fewer accounts are in arrears or flagged) among the
    candidates, at most one per account, inserted 5,000 at a time with their history."""
    from crm.cases.models import CaseEvent, CaseLetterRequest, EscalationCase

    picks = cc.rng.sample(cc.candidates, min(wanted, len(cc.candidates)))
    supervisor = db.session.scalar(
        select(User.id).where(User.role == "supervisor", User.active).order_by(User.id)
    )
    ids = _CaseIds(
        _next_id(EscalationCase),
        _next_id(CaseEvent),
        _next_id(CaseLetterRequest),
        supervisor,
        ctx.rms,
    )
    for start in range(0, len(picks), 5000):
        rows: dict[str, list] = {"cases": [], "letters": [], "events": []}
        for pick in picks[start : start + 5000]:
            _case_rows(ctx, cc, pick, ids, rows)
        _insert(rows["cases"], EscalationCase.__table__, 5000)
        _insert(rows["letters"], CaseLetterRequest.__table__, 10_000)
        _insert(rows["events"], CaseEvent.__table__, 10_000)
        db.session.commit()
        report.cases += len(rows["cases"])
        report.case_events += len(rows["events"])
        report.case_letters += len(rows["letters"])
    progress(f"  {report.cases} open cases, {report.case_events} case events")


def _refresh_case_figures(cc: _Compliance, report: ScaleReport, progress, batch: int = 5000):
    """The stored arrears of every open case (crm.cases.services.refresh_case_arrears, a
    batch of cases per transaction), then the suggested cases; both timed."""
    from crm.cases.models import EscalationCase
    from crm.cases.services import refresh_case_arrears
    from crm.cases.suggestions import refresh_suggestions

    started = time.perf_counter()
    open_ids = list(
        db.session.scalars(
            select(EscalationCase.id)
            .where(EscalationCase.status == "open")
            .order_by(EscalationCase.id)
        )
    )
    for first in range(0, len(open_ids), batch):
        refresh_case_arrears(open_ids[first : first + batch], as_of=cc.today)
        db.session.commit()
    report.arrears_seconds = time.perf_counter() - started
    progress(f"  stored arrears of {len(open_ids)} open cases in {report.arrears_seconds:.1f} s")
    started = time.perf_counter()
    suggested = refresh_suggestions(cc.today)
    db.session.commit()
    report.suggestions_seconds = time.perf_counter() - started
    progress(f"  {suggested} suggested cases in {report.suggestions_seconds:.1f} s")


def _finish_compliance(ctx: _Context, cc: _Compliance, cases: int, report, progress) -> None:
    """The export row's counts, the cases, the ids past the explicit ones, the figures."""
    run = db.session.get(ComplianceImport, cc.import_id)
    run.rows = run.created_count = report.compliance_rows
    db.session.commit()
    started = time.perf_counter()
    if cases:
        _add_cases(ctx, cc, cases, report, progress)
        _reset_sequences()
        db.session.commit()
    report.cases_seconds = time.perf_counter() - started
    _refresh_case_figures(cc, report, progress)
