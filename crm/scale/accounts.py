"""Scale accounts and key persons from word lists, with valid, unique identifiers."""

from __future__ import annotations

import math
import random
from datetime import timedelta

from sqlalchemy import func, select

from crm.accounts.services import search_name
from crm.auth.models import User
from crm.demo_data import BRANCHES
from crm.demo_data_people import FIRST_NAMES, LAST_NAMES, TITLES
from crm.extensions import db
from crm.offices import BranchOffice
from crm.scale.context import _Context, _next_id


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
