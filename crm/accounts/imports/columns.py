"""The columns of the account and key-person files, and how choice cells become stored codes.

Headers are stable, lower-case Indonesian names (the English field names are accepted too),
so an exported file can be imported again. Choice cells take the stored code or the
Indonesian label shown in the app, e.g. `perusahaan` or `company`, `BOD-1` or `bod1`.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from crm.accounts.models import CHANNELS, KINDS, LEVELS, OWNERSHIPS, SEGMENTS, STANCES, STATUSES
from crm.imports.columns import Column

ACCOUNT_COLUMNS = (
    Column("name", "nama", ("name", "nama_akun"), True, "PT Contoh Sejahtera Abadi", _l("Wajib.")),
    Column(
        "kind",
        "jenis",
        ("kind",),
        True,
        "perusahaan",
        _l("perusahaan, kementerian, lembaga, pemerintah daerah (atau kodenya)."),
    ),
    Column(
        "segment",
        "segmen",
        ("segment",),
        False,
        "korporasi",
        _l("korporasi atau institusi; kosong: korporasi untuk perusahaan, selain itu institusi."),
    ),
    Column(
        "status",
        "status",
        (),
        False,
        "prospek",
        _l("prospek, aktif, tidak aktif; kosong: aktif."),
    ),
    Column(
        "ownership",
        "kepemilikan",
        ("ownership",),
        False,
        "swasta",
        _l("bumn, bumd, swasta, asing."),
    ),
    Column(
        "sector", "sektor", ("sector",), False, "manufaktur", _l("Salah satu sektor di aplikasi.")
    ),
    Column("headcount", "jumlah_pekerja", ("headcount",), False, "250", _l("Angka.")),
    Column("npp", "npp", (), False, "12345678", _l("8 digit. Unik.")),
    Column("npwp", "npwp", (), False, "01.234.567.8-901.234", _l("15 atau 16 digit. Unik.")),
    Column("nib", "nib", (), False, "1234567890123", _l("13 digit. Unik.")),
    Column("address", "alamat", ("address",), False, "Jl. Gatot Subroto Kav. 1"),
    Column("city", "kota", ("city",), False, "Jakarta Selatan"),
    Column(
        "branch_code",
        "kode_cabang",
        ("branch_code", "kode_kantor_cabang"),
        False,
        "",
        _l("Kode kantor cabang, mis. dari menu Admin."),
    ),
    Column(
        "rm_email",
        "email_rm",
        ("rm_email",),
        False,
        "",
        _l("Email RM aktif. RM: kosong atau email Anda sendiri."),
    ),
    Column(
        "parent_npp",
        "npp_induk",
        ("parent_npp",),
        False,
        "",
        _l("NPP induk grup: akun yang sudah ada atau baris sebelumnya di file ini."),
    ),
)

PEOPLE_COLUMNS = (
    Column(
        "account_npp",
        "npp_akun",
        ("account_npp",),
        True,
        "12345678",
        _l("NPP akun tempat orang ini menjabat. Wajib."),
    ),
    Column("name", "nama", ("name",), True, "Budi Santoso", _l("Wajib.")),
    Column(
        "email",
        "email",
        (),
        False,
        "budi.santoso@contoh.co.id",
        _l("Jika orang dengan email ini sudah ada, jabatan baru ditambahkan ke riwayatnya."),
    ),
    Column("phone", "telepon", ("phone",), False, "0812-3456-7890"),
    Column(
        "preferred_channel",
        "saluran",
        ("preferred_channel",),
        False,
        "email",
        _l("email, telepon, whatsapp, surat, tatap muka; kosong: email."),
    ),
    Column("title", "jabatan", ("title",), True, "GM Human Capital", _l("Wajib.")),
    Column(
        "level",
        "tingkat",
        ("level",),
        True,
        "BOD-1",
        _l("BOD, BOD-1, BOD-2, operasional. Wajib."),
    ),
    Column(
        "decision_maker",
        "pengambil_keputusan",
        ("decision_maker",),
        False,
        "ya",
        _l("ya/tidak (yes/no, 1/0)."),
    ),
    Column(
        "reports_to_email",
        "email_atasan",
        ("reports_to_email",),
        False,
        "",
        _l("Email atasan: orang lain di file ini atau pejabat aktif di akun yang sama."),
    ),
    Column(
        "start_date",
        "mulai_menjabat",
        ("start_date",),
        False,
        "2024-01-15",
        _l("YYYY-MM-DD atau DD/MM/YYYY."),
    ),
    Column("influence", "pengaruh", ("influence",), False, "4", _l("1 sampai 5; kosong: 3.")),
    Column(
        "stance",
        "sikap",
        ("stance",),
        False,
        "mendukung",
        _l("pendukung utama, mendukung, netral, ragu, penghambat; kosong: netral."),
    ),
    Column("notes", "catatan", ("notes",), False, ""),
)

COLUMNS = {"accounts": ACCOUNT_COLUMNS, "people": PEOPLE_COLUMNS}


def _label_key(text: str) -> str:
    return re.sub(r"[\s_\-().]+", " ", (text or "").strip().lower()).strip()


def _table(codes: tuple[str, ...], labels: dict[str, str]) -> dict[str, str]:
    table = {_label_key(code): code for code in codes}
    table.update({_label_key(label): code for label, code in labels.items()})
    return table


CHOICES = {
    "kind": _table(
        KINDS,
        {
            "perusahaan": "company",
            "kementerian": "ministry",
            "lembaga": "agency",
            "badan": "agency",
            "pemerintah daerah": "local_government",
            "pemda": "local_government",
        },
    ),
    "segment": _table(SEGMENTS, {"korporasi": "corporate", "institusi": "institutional"}),
    "status": _table(
        STATUSES,
        {
            "prospek": "prospect",
            "aktif": "active",
            "tidak aktif": "inactive",
            "nonaktif": "inactive",
            "non aktif": "inactive",
        },
    ),
    "ownership": _table(
        OWNERSHIPS,
        {
            "swasta": "private",
            "swasta nasional": "private",
            "asing": "foreign",
            "pma": "foreign",
            "asing pma": "foreign",
        },
    ),
    "level": _table(
        LEVELS,
        {"bod 1": "bod1", "bod 2": "bod2", "bod1": "bod1", "operasional": "operational"},
    ),
    "stance": _table(
        STANCES,
        {
            "pendukung utama": "champion",
            "mendukung": "supporter",
            "netral": "neutral",
            "ragu": "skeptic",
            "ragu ragu": "skeptic",
            "penghambat": "blocker",
        },
    ),
    "preferred_channel": _table(
        CHANNELS,
        {
            "telepon": "phone",
            "telp": "phone",
            "wa": "whatsapp",
            "surat": "letter",
            "tatap muka": "in_person",
        },
    ),
}


def choice(group: str, text: str) -> str | None:
    """The stored code for a code or label; None when blank; the text itself when unknown
    (so the shared validation refuses it with its own message)."""
    if not (text or "").strip():
        return None
    return CHOICES[group].get(_label_key(text), text.strip())


def choice_codes(group: str) -> str:
    """The codes of a choice group, for an error message."""
    return ", ".join(dict.fromkeys(CHOICES[group].values()))
