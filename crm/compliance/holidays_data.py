"""The built-in Indonesian holiday list: national holidays and cuti bersama for 2026 and
2027, and seed_holidays() which loads it (idempotent; `flask seed-demo` and the admin's
button call it).

2026 follows the SKB 3 Menteri on national holidays and collective leave for 2026 as
published. 2027's Islamic, Chinese, Hindu and Buddhist dates are astronomical estimates
(marked "perkiraan") and the 2027 cuti bersama are not known yet: the admin checks them
against the SKB for 2027 at /admin/holidays.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm import audit
from crm.compliance.calendar import forget_calendar
from crm.compliance.models import Holiday
from crm.extensions import db

NATIONAL, LEAVE = "national", "collective_leave"

HOLIDAYS: tuple[tuple[date, str, str], ...] = (
    # 2026: SKB 3 Menteri
    (date(2026, 1, 1), "Tahun Baru 2026 Masehi", NATIONAL),
    (date(2026, 1, 16), "Isra Mikraj Nabi Muhammad SAW", NATIONAL),
    (date(2026, 2, 16), "Cuti bersama Tahun Baru Imlek", LEAVE),
    (date(2026, 2, 17), "Tahun Baru Imlek 2577 Kongzili", NATIONAL),
    (date(2026, 3, 18), "Cuti bersama Hari Suci Nyepi", LEAVE),
    (date(2026, 3, 19), "Hari Suci Nyepi Tahun Baru Saka 1948", NATIONAL),
    (date(2026, 3, 20), "Cuti bersama Idulfitri 1447 H", LEAVE),
    (date(2026, 3, 21), "Idulfitri 1447 H", NATIONAL),
    (date(2026, 3, 22), "Idulfitri 1447 H", NATIONAL),
    (date(2026, 3, 23), "Cuti bersama Idulfitri 1447 H", LEAVE),
    (date(2026, 3, 24), "Cuti bersama Idulfitri 1447 H", LEAVE),
    (date(2026, 4, 3), "Wafat Yesus Kristus", NATIONAL),
    (date(2026, 4, 5), "Kebangkitan Yesus Kristus (Paskah)", NATIONAL),
    (date(2026, 5, 1), "Hari Buruh Internasional", NATIONAL),
    (date(2026, 5, 14), "Kenaikan Yesus Kristus", NATIONAL),
    (date(2026, 5, 15), "Cuti bersama Kenaikan Yesus Kristus", LEAVE),
    (date(2026, 5, 27), "Iduladha 1447 H", NATIONAL),
    (date(2026, 5, 28), "Cuti bersama Iduladha 1447 H", LEAVE),
    (date(2026, 5, 31), "Hari Raya Waisak 2570 BE", NATIONAL),
    (date(2026, 6, 1), "Hari Lahir Pancasila", NATIONAL),
    (date(2026, 6, 16), "1 Muharam Tahun Baru Islam 1448 H", NATIONAL),
    (date(2026, 8, 17), "Hari Proklamasi Kemerdekaan RI", NATIONAL),
    (date(2026, 8, 25), "Maulid Nabi Muhammad SAW", NATIONAL),
    (date(2026, 12, 24), "Cuti bersama Hari Raya Natal", LEAVE),
    (date(2026, 12, 25), "Hari Raya Natal", NATIONAL),
    # 2027: fixed dates, and estimates to check against the SKB for 2027
    (date(2027, 1, 1), "Tahun Baru 2027 Masehi", NATIONAL),
    (date(2027, 1, 5), "Isra Mikraj Nabi Muhammad SAW (perkiraan)", NATIONAL),
    (date(2027, 2, 6), "Tahun Baru Imlek 2578 Kongzili", NATIONAL),
    (date(2027, 3, 9), "Hari Suci Nyepi Tahun Baru Saka 1949 (perkiraan)", NATIONAL),
    (date(2027, 3, 10), "Idulfitri 1448 H (perkiraan)", NATIONAL),
    (date(2027, 3, 11), "Idulfitri 1448 H (perkiraan)", NATIONAL),
    (date(2027, 3, 26), "Wafat Yesus Kristus", NATIONAL),
    (date(2027, 3, 28), "Kebangkitan Yesus Kristus (Paskah)", NATIONAL),
    (date(2027, 5, 1), "Hari Buruh Internasional", NATIONAL),
    (date(2027, 5, 6), "Kenaikan Yesus Kristus", NATIONAL),
    (date(2027, 5, 17), "Iduladha 1448 H (perkiraan)", NATIONAL),
    (date(2027, 5, 20), "Hari Raya Waisak 2571 BE (perkiraan)", NATIONAL),
    (date(2027, 6, 1), "Hari Lahir Pancasila", NATIONAL),
    (date(2027, 6, 6), "1 Muharam Tahun Baru Islam 1449 H (perkiraan)", NATIONAL),
    (date(2027, 8, 15), "Maulid Nabi Muhammad SAW (perkiraan)", NATIONAL),
    (date(2027, 8, 17), "Hari Proklamasi Kemerdekaan RI", NATIONAL),
    (date(2027, 12, 25), "Hari Raya Natal", NATIONAL),
)

YEARS = tuple(sorted({day.year for day, _name, _kind in HOLIDAYS}))


def seed_holidays(actor=None) -> int:
    """Add the built-in days that are not in the table yet (a date already there, maybe
    renamed by the admin, is left alone); returns how many were added. Caller commits."""
    have = set(
        db.session.scalars(
            select(Holiday.day).where(Holiday.day.between(HOLIDAYS[0][0], HOLIDAYS[-1][0]))
        )
    )
    added = [Holiday(day=d, name=n, kind=k) for d, n, k in HOLIDAYS if d not in have]
    db.session.add_all(added)
    db.session.flush()
    if added:
        audit.record(
            "holiday.seed",
            entity_type="holiday",
            summary=f"{len(added)} hari libur bawaan {YEARS[0]}-{YEARS[-1]} ditambahkan",
            after={"days": [h.day.isoformat() for h in added]},
            actor=actor,
        )
    forget_calendar()
    return len(added)
