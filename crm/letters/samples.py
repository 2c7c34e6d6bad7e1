"""Fictional sample letters: the preview pages, the renderer's warm-up and its tests use them."""

from __future__ import annotations

from copy import deepcopy
from datetime import date, datetime

# A neutral, fictional office. Admins replace it with the real letterhead and signatory.
DEFAULT_LETTERHEAD: dict = {
    "office_name": "Kantor Wilayah DKI Jakarta",
    "office_address": (
        "Gedung Graha Contoh Lt. 5, Jl. Merdeka Contoh No. 45, Jakarta Pusat 10110\n"
        "Telepon (021) 555-0100 · surat@kanwil-jakarta.example"
    ),
    "logo": "img/letter-logo.svg",
    "signatory_name": "Dra. Ratna Kusumawati, M.M.",
    "signatory_title": "Kepala Kantor Wilayah DKI Jakarta",
    "tembusan": [
        "Deputi Direktur Bidang Kepesertaan Korporasi dan Institusi",
        "Kepala Kantor Cabang Jakarta Menteng Contoh",
        "Pengawas Ketenagakerjaan Dinas Tenaga Kerja Provinsi DKI Jakarta",
        "Arsip",
    ],
}

LETTER_DATE = date(2026, 11, 23)
AS_OF = date(2026, 11, 20)
DEADLINE = date(2026, 12, 7)  # 10 working days after LETTER_DATE

COMPANY = {
    "name": "Bapak Hendra Wijaya",
    "title": "Direktur Utama",
    "company": "PT Sinar Baja Nusantara",
    "address": (
        "Kawasan Industri Pulo Contoh Blok C No. 7\nJl. Rawa Contoh Raya\nJakarta Timur 13920"
    ),
}


def arrears_rows(first: date, months: int, due: int, paid: dict[int, int], as_of: date) -> dict:
    """Monthly arrears with the 2 %-per-month fine, as the compliance module computes it."""
    rows = []
    for i in range(months):
        year, month = divmod(first.month - 1 + i, 12)
        period = date(first.year + year, month + 1, 1)
        due_year, due_month = divmod(period.month, 12)
        due_on = date(period.year + due_year, due_month + 1, 15)
        late = (as_of.year - due_on.year) * 12 + as_of.month - due_on.month
        late += 1 if as_of.day > due_on.day else 0
        contribution = due + (i % 4) * 125_000
        unpaid = contribution - paid.get(i, 0)
        fine = round(unpaid * 0.02 * late)
        rows.append(
            {
                "period": period,
                "due_on": due_on,
                "contribution_due": contribution,
                "paid": paid.get(i, 0),
                "unpaid": unpaid,
                "months_late": late,
                "fine": fine,
                "total": unpaid + fine,
            }
        )
    unpaid = sum(r["unpaid"] for r in rows)
    fine = sum(r["fine"] for r in rows)
    return {"as_of": as_of, "rows": rows, "unpaid": unpaid, "fine": fine, "total": unpaid + fine}


def _base(letter_type: str, letterhead: dict, number: str, perihal: str) -> dict:
    return {
        "type": letter_type,
        "number": number,
        "date": LETTER_DATE,
        "place": "Jakarta",
        "lampiran": "-",
        "perihal": perihal,
        "addressee": dict(COMPANY),
        "body": "",
        "arrears": None,
        "pds": [],
        "deadline": None,
        "deadline_days": None,
        "meeting": None,
        "agreement": None,
        "sponsorship": None,
        "letterhead": letterhead,
        "verify_url": "https://relasi.example/verify/K7Q2M9XA4B",
        "verify_code": "K7Q2-M9XA-4B",
        "copy": False,
    }


def _pemberitahuan(ctx: dict) -> None:
    ctx["arrears"] = arrears_rows(date(2026, 7, 1), 3, 48_750_000, {0: 20_000_000}, AS_OF)
    ctx["pds"] = ["PDS Upah: upah 37 pekerja dilaporkan sebesar upah minimum, di bawah upah riil."]
    ctx["body"] = (
        "Kami menghargai kerja sama perusahaan Saudara selama ini. Dari pertemuan dengan "
        "Bagian Keuangan pada 4 November 2026 kami mencatat rencana pelunasan bertahap; "
        "hingga surat ini dibuat pembayaran tersebut belum kami terima."
    )
    ctx["deadline"], ctx["deadline_days"] = DEADLINE, 10


def _teguran_1(ctx: dict) -> None:
    paid = {0: 48_750_000 - 12_500_000, 1: 30_000_000, 5: 10_000_000}
    ctx["arrears"] = arrears_rows(date(2025, 10, 1), 12, 48_750_000, paid, AS_OF)
    ctx["body"] = (
        "Surat Pemberitahuan kami Nomor B/1187/102026 tanggal 12 Oktober 2026 telah diterima "
        "perusahaan Saudara pada 14 Oktober 2026, namun sampai batas waktu yang ditentukan "
        "tunggakan iuran belum dilunasi.\n\n"
        "Kami memahami kondisi usaha yang disampaikan dalam pertemuan tanggal 28 Oktober 2026. "
        "Apabila perusahaan Saudara memerlukan pembayaran bertahap, kami persilakan mengajukan "
        "surat pernyataan kesanggupan membayar kepada kantor cabang sebelum batas waktu."
    )
    ctx["deadline"], ctx["deadline_days"] = DEADLINE, 10


def _teguran_2(ctx: dict) -> None:
    ctx["arrears"] = arrears_rows(date(2026, 3, 1), 5, 48_750_000, {}, AS_OF)
    ctx["pds"] = [
        "PDS TK: 412 pekerja tercatat dalam wajib lapor ketenagakerjaan, 355 terdaftar.",
        "PDS Program: program Jaminan Pensiun belum diikuti.",
    ]
    ctx["body"] = (
        "Surat Teguran I kami Nomor B/1240/112026 tanggal 2 November 2026 diterima perusahaan "
        "Saudara pada 3 November 2026, dan batas waktunya telah berakhir tanpa pelunasan."
    )
    ctx["deadline"], ctx["deadline_days"] = DEADLINE, 10


def _undangan(ctx: dict) -> None:
    ctx["addressee"] = dict(COMPANY, name="Ibu Maya Anggraini", title="Kepala Divisi Human Capital")
    ctx["meeting"] = {
        "when": datetime(2026, 12, 3, 10, 0),
        "place": "Ruang Rapat Lt. 5, Gedung Graha Contoh\nJl. Merdeka Contoh No. 45, Jakarta Pusat",
        "agenda": "Rencana penyelesaian tunggakan iuran dan pendaftaran pekerja alih daya",
    }
    ctx["body"] = "Pertemuan akan berlangsung sekitar 60 menit dan dihadiri oleh tim kami."
    ctx["deadline"] = date(2026, 12, 1)


def _pengantar_mou(ctx: dict) -> None:
    ctx["addressee"] = {
        "name": "Sekretaris Jenderal",
        "title": "",
        "company": "Kementerian Contoh Urusan Daerah",
        "address": "Jl. Medan Merdeka Contoh No. 7\nJakarta Pusat 10110",
    }
    ctx["lampiran"] = "1 (satu) berkas naskah"
    ctx["agreement"] = {
        "title": "Nota Kesepahaman tentang Perlindungan Jaminan Sosial Ketenagakerjaan bagi "
        "Pegawai Pemerintah Non-Pegawai Negeri",
        "number": "MOU/27/112026 / 400.7/1234/SJ",
        "partner": "Kementerian Contoh Urusan Daerah",
        "kind_text": "Nota Kesepahaman (MoU)",
        "our_number": "MOU/27/112026",
        "partner_number": "400.7/1234/SJ",
        "period_text": "1 Januari 2027 sampai dengan 31 Desember 2031",
        "signed_text": "17 Desember 2026",
        "scope": "pendaftaran dan pembayaran iuran pegawai pemerintah non-pegawai negeri dari "
        "anggaran daerah, serta pertukaran data kepesertaan.",
    }
    ctx["body"] = "Naskah telah dibahas bersama tim teknis kedua pihak pada 17 November 2026."
    ctx["deadline"] = date(2026, 12, 18)


def _rekomendasi_tmp2t(ctx: dict) -> None:
    ctx["addressee"] = {
        "name": "Kepala Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
        "title": "",
        "company": "Pemerintah Provinsi Contoh",
        "address": "Jl. Kebon Contoh No. 3\nJakarta Pusat 10120",
    }
    ctx["employer"] = {
        "name": "PT Sinar Baja Nusantara",
        "npp": "12345678",
        "address": "Kawasan Industri Pulo Contoh Blok C No. 7, Jakarta Timur",
    }
    ctx["lampiran"] = "3 (tiga) berkas: Teguran I, Teguran II, perhitungan denda"
    ctx["arrears"] = arrears_rows(date(2026, 1, 1), 7, 48_750_000, {}, AS_OF)
    ctx["body"] = (
        "Teguran I Nomor B/1240/092026 dan Teguran II Nomor B/1302/102026 telah diterima "
        "perusahaan tersebut, dan denda yang dikenakan tidak dibayar."
    )


def _piagam_sertakan(ctx: dict) -> None:
    ctx["addressee"] = dict(COMPANY, name="Bapak Rudi Hartono", title="Direktur Utama")
    ctx["addressee"]["company"] = "PT Mitra Pangan Sejahtera"
    ctx["lampiran"] = "1 (satu) lembar daftar pekerja"
    ctx["sponsorship"] = {
        "sponsor": "PT Mitra Pangan Sejahtera",
        "workers": 150,
        "amount": 150 * 16_800 * 12,
        "period": "Januari - Desember 2027 (12 bulan)",
        "program": "JKK dan JKM, Rp 16.800 per pekerja per bulan",
        "scheme": "SERTAKAN",
        "commitment": 150 * 16_800 * 12,
        # Masked NIKs, as the sponsorship's piagam prints them; the rest are counted below.
        "beneficiaries": [
            {"nik": "317201********01", "name": "Siti Aminah", "occupation": "Pedagang pasar",
             "area": "Kel. Koja, Kec. Koja, Jakarta Utara"},
            {"nik": "317202********07", "name": "Joko Susilo", "occupation": "Pengemudi ojek",
             "area": "Kel. Tugu Utara, Kec. Koja, Jakarta Utara"},
            {"nik": "317203********12", "name": "Wati Handayani", "occupation": "ART",
             "area": "Kel. Lagoa, Kec. Koja, Jakarta Utara"},
        ],
    }  # fmt: skip
    ctx["body"] = "Para pekerja adalah pedagang pasar dan pengemudi ojek di Jakarta Utara."


def _ajakan_kepesertaan(ctx: dict) -> None:
    ctx["addressee"] = {
        "name": "Ibu Rina Wulandari",
        "title": "Manajer HRD",
        "company": "PT Mitra Angkut Sejahtera",
        "address": "Jl. Industri Raya No. 5\nCilegon 42435",
    }
    # The vendor facts travel in the agreement block (crm.supply_chain.campaign.vendor_facts).
    ctx["agreement"] = {
        "title": "Angkutan material proyek",
        "number": "01.234.567.8-901.234",
        "partner": "PT Karya Bangun Contoh (Persero) Tbk",
        "workers": 120,
    }
    ctx["body"] = (
        "Sebagai mitra kerja yang turut menopang rantai pasok, PT Mitra Angkut Sejahtera kami "
        "ajak memastikan seluruh pekerjanya terlindungi program jaminan sosial ketenagakerjaan."
    )
    ctx["deadline_days"] = 20


SAMPLES = {
    "pemberitahuan": ("B/1288/112026", "Pemberitahuan Tunggakan Iuran", _pemberitahuan),
    "teguran_1": ("B/1289/112026", "Teguran Tertulis Pertama", _teguran_1),
    "teguran_2": ("B/1290/112026", "Teguran Tertulis Kedua (Terakhir)", _teguran_2),
    "undangan": ("B/1291/112026", "Undangan Pertemuan", _undangan),
    "pengantar_mou": ("B/1292/112026", "Penyampaian Naskah Nota Kesepahaman", _pengantar_mou),
    "rekomendasi_tmp2t": (
        "B/1293/112026",
        "Permohonan Pengenaan Sanksi Tidak Mendapat Pelayanan Publik Tertentu",
        _rekomendasi_tmp2t,
    ),
    "piagam_sertakan": ("B/1294/112026", "Piagam dan Tanda Terima SERTAKAN", _piagam_sertakan),
    "ajakan_kepesertaan": (
        "AJK/1/112026",
        "Ajakan Pendaftaran Kepesertaan BPJS Ketenagakerjaan",
        _ajakan_kepesertaan,
    ),
}


def sample_context(letter_type: str, letterhead: dict | None = None) -> dict:
    """A complete, fictional context for `letter_type` (KeyError for an unknown type)."""
    number, perihal, fill = SAMPLES[letter_type]
    ctx = _base(letter_type, deepcopy(letterhead or DEFAULT_LETTERHEAD), number, perihal)
    if letterhead is None and letter_type == "piagam_sertakan":
        # A piagam is copied to the branch that serves the sponsor, not to the labour inspector.
        ctx["letterhead"]["tembusan"] = ["Kepala Kantor Cabang Jakarta Menteng Contoh", "Arsip"]
    fill(ctx)
    return ctx
