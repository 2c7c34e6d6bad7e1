"""The demo catalog's history: interactions, contributions and escalation cases.

Meeting types, topics, agendas and minutes; contribution rates and wages; case plans, PDS
findings and case notes. Plain data only, like crm.demo_data.
"""

from __future__ import annotations

from typing import NamedTuple

# -- interaction history -------------------------------------------------------------------

# Types by kind of contact: with a director or BOD-1 official, with their staff, with an
# institution.
SENIOR_TYPES = [
    ("formal_meeting", 5),
    ("coordination_meeting", 3),
    ("lunch_meeting", 2),
    ("power_lunch", 1),
    ("online_meeting", 2),
    ("site_visit", 1),
]
STAFF_TYPES = [
    ("phone_call", 4),
    ("correspondence", 2),
    ("online_meeting", 2),
    ("coordination_meeting", 2),
    ("socialization", 1),
    ("site_visit", 1),
]
INSTITUTION_TYPES = [
    ("formal_meeting", 3),
    ("coordination_meeting", 3),
    ("socialization", 2),
    ("correspondence", 2),
    ("online_meeting", 2),
    ("phone_call", 1),
]
CORPORATE_TOPICS = ["compliance", "supply_chain", "sertakan", "regulation", "complaint"]
INSTITUTION_TOPICS = ["mou_pks", "regulation", "sertakan", "compliance"]

# Agenda (never confidential) and short minutes per topic; {who} is the key person's title.
AGENDAS = {
    "compliance": "Tertib administrasi kepesertaan dan iuran",
    "supply_chain": "Kepesertaan pekerja vendor dan rantai pasok",
    "sertakan": "Penjajakan program SERTAKAN",
    "regulation": "Sosialisasi regulasi terbaru program jaminan sosial",
    "complaint": "Tindak lanjut keluhan layanan klaim",
    "mou_pks": "Evaluasi pelaksanaan Nota Kesepahaman dan PKS",
    "other": "Koordinasi rutin",
}
MINUTES = {
    "compliance": [
        "{who} menyampaikan rencana pendaftaran {n} pekerja kontrak baru bulan depan. "
        "Data upah akan diselaraskan dengan laporan payroll.",
        "Dibahas selisih upah yang dilaporkan (indikasi PDS Upah). {who} meminta rincian "
        "per unit kerja sebelum koreksi.",
        "Iuran dua bulan terakhir terlambat karena perubahan sistem keuangan. {who} "
        "berkomitmen melunasi beserta denda sebelum tanggal 15.",
    ],
    "supply_chain": [
        "{who} setuju mensyaratkan bukti kepesertaan BPJS Ketenagakerjaan bagi vendor baru. "
        "Daftar {n} vendor utama akan dikirim.",
        "Evaluasi kepatuhan subkontraktor proyek; sebagian pekerja harian belum terdaftar.",
    ],
    "sertakan": [
        "Penjajakan SERTAKAN untuk {n} pekerja informal di sekitar lokasi usaha "
        "(ojek, pedagang, petugas keamanan). {who} tertarik paket 6 bulan.",
        "{who} meminta simulasi biaya SERTAKAN (JKK + JKM Rp 16.800 per orang per bulan).",
    ],
    "regulation": [
        "Sosialisasi manfaat JKP dan batas upah JP terbaru kepada tim {who}.",
        "Dibahas kewajiban pendaftaran pekerja baru dalam 30 hari; tim HR akan memperbarui SOP.",
    ],
    "complaint": [
        "Keluhan lambatnya klaim JHT dua pekerja; kami jelaskan alur klaim daring dan "
        "berjanji memantau.",
    ],
    "mou_pks": [
        "Evaluasi PKS turunan Nota Kesepahaman: {n} pegawai non-ASN sudah terdaftar. "
        "{who} akan menerbitkan surat edaran ke satuan kerja.",
        "Penyusunan draf PKS perpanjangan; pasal pertukaran data masih dibahas bagian hukum.",
    ],
    "other": ["Koordinasi rutin dengan {who}."],
}
CONFIDENTIAL_MINUTES = [
    "{who} menyampaikan secara tertutup rencana restrukturisasi dan pengurangan {n} "
    "pekerja; mohon tidak dibagikan sebelum pengumuman resmi.",
    "Pembahasan tertutup sengketa tunggakan iuran; perusahaan mempertimbangkan jalur hukum.",
]
OUTCOMES = [
    "Sepakat: data dikirim dalam satu minggu.",
    "Menunggu persetujuan direksi.",
    "Komitmen pelunasan tertulis akan dikirim.",
    "Perlu pertemuan lanjutan dengan bagian keuangan.",
    "Disepakati jadwal sosialisasi ke karyawan.",
    "",
]
NEXT_STEPS = [
    "Kirim rekap tunggakan iuran",
    "Kirim simulasi biaya SERTAKAN",
    "Kirim materi sosialisasi JKP",
    "Minta daftar vendor dan subkontraktor",
    "Konfirmasi jadwal pembayaran iuran",
    "Siapkan draf PKS perpanjangan",
    "Jadwalkan pertemuan dengan direksi",
    "Verifikasi data upah per unit kerja",
]
PLACES = ["Kantor {account}", "Menara Jamsostek, Jakarta", "Restoran di sekitar kantor {account}"]

# -- compliance history and escalation cases -------------------------------------------------

# Contribution rates of wage earners (DOMAIN.md) in basis points of the wage. JKK by the
# sector's usual risk class; JKM and JHT (employer + worker share) on the whole wage; JP on
# the wage up to its cap. The demo figures only: the app reads the amounts from the import.
JKK_BP = {
    "pertambangan": 174,
    "konstruksi": 127,
    "energi": 127,
    "manufaktur": 89,
    "perkebunan": 89,
    "transportasi": 89,
    "lainnya": 89,
    "kesehatan": 54,
    "perdagangan": 54,
    "properti": 54,
    "jasa": 54,
    "telekomunikasi": 24,
    "perbankan": 24,
    "pendidikan": 24,
}
JKM_BP, JHT_BP, JP_BP = 30, 570, 300
# JP wage cap per month, from its effective date (Rp 10,042,300 in 2024; DOMAIN.md's 2025 one).
JP_WAGE_CAPS = [("2024-03-01", 10_042_300), ("2025-03-01", 10_547_400)]
# Average monthly wage per worker by sector (rupiah), before the yearly raise in January.
AVERAGE_WAGE = {
    "pertambangan": 11_500_000,
    "konstruksi": 6_800_000,
    "energi": 12_500_000,
    "manufaktur": 5_600_000,
    "perkebunan": 4_200_000,
    "transportasi": 6_400_000,
    "lainnya": 4_600_000,
    "kesehatan": 7_200_000,
    "perdagangan": 5_300_000,
    "properti": 8_100_000,
    "jasa": 5_900_000,
    "telekomunikasi": 13_800_000,
    "perbankan": 14_500_000,
    "pendidikan": 6_100_000,
}


class CasePlan(NamedTuple):
    """A demo company in arrears and its escalation so far. `opened`: days ago the case
    opened (its unpaid months start two months before that); None means no case yet, the
    arrears started `since` days ago and the company shows as a suggestion. `steps`: the
    stages entered after Persuasi, each (stage, days ago entered, letter issued days ago,
    letter received days ago). `persuasi_days`: the deadline the RM set for Persuasi."""

    company: str
    opened: int | None
    steps: tuple = ()
    persuasi_days: int = 14
    partial: int = 0  # how many of the unpaid months were paid in part
    since: int = 0
    reason: str = "arrears"
    paid_off: bool = False  # the last import shows everything paid: the case closed as paid


CASE_PLANS = [
    CasePlan("PT Rajawali Ojek Digital", 6, partial=1),
    CasePlan("PT Samudra Perikanan Timur", 33, persuasi_days=21),  # Persuasi overdue
    CasePlan("PT Mekong Footwear Indonesia", 40, (("pemberitahuan", 12, None, None),)),
    CasePlan("PT Cahaya Batik Pekalongan", 45, (("pemberitahuan", 20, 8, None),), partial=1),
    CasePlan(
        "PT Makassar Niaga Bahari",
        70,
        (("pemberitahuan", 50, 47, 44), ("teguran_1", 25, 20, 10)),
    ),
    CasePlan(  # Teguran I overdue: the RM has not moved it on
        "PT Hanbit Apparel Indonesia",
        85,
        (("pemberitahuan", 65, 62, 59), ("teguran_1", 40, 37, 34)),
        partial=2,
    ),
    CasePlan(  # Teguran II issued, no receipt recorded, overdue
        "PT Jaya Tekstil Priangan",
        110,
        (("pemberitahuan", 90, 88, 85), ("teguran_1", 66, 64, 61), ("teguran_2", 40, 38, None)),
    ),
    CasePlan(
        "PT Satria Keamanan Prima",
        140,
        (
            ("pemberitahuan", 120, 118, 115),
            ("teguran_1", 95, 93, 90),
            ("teguran_2", 70, 68, 65),
            ("denda", 20, None, None),
        ),
        partial=1,
    ),
    CasePlan("PT Semen Bukit Kapur", None, since=50, partial=1),
    CasePlan("PT Medan Karet Sejahtera", None, since=20),
    CasePlan(
        "PT Arta Teknologi Digital",
        38,
        (("pemberitahuan", 24, 21, 18),),
        paid_off=True,
    ),
    CasePlan("PT Sinar Mandala Retailindo Tbk", 15, persuasi_days=21, reason="pds_tk"),
]

# PDS findings: (company, flag, months back from the last month (first, last), note).
PDS_FINDINGS = [
    (
        "PT Sinar Mandala Retailindo Tbk",
        "pds_tk",
        (2, 0),
        "Hasil pemeriksaan: sekitar 340 pramuniaga alih daya di 12 gerai belum didaftarkan.",
    ),
    (
        "PT Bumi Sawit Lestari",
        "pds_tk",
        (1, 0),
        "Pekerja panen musiman (sekitar 600 orang) belum didaftarkan sebagai peserta.",
    ),
    (
        "PT Mitra Logistik Kilat",
        "pds_upah",
        (9, 7),
        "Upah dilaporkan sebatas UMP; tunjangan tetap pengemudi belum dimasukkan. Sudah "
        "dikoreksi sejak laporan bulan berikutnya.",
    ),
    (
        "PT Tamasaki Elektronik Batam",
        "pds_program",
        (14, 12),
        "Pekerja kontrak belum diikutkan program JP. Sudah didaftarkan setelah sosialisasi.",
    ),
]

CASE_NOTES = {
    "opened": "Iuran {months} bulan belum dibayar. PIC keuangan dihubungi lewat telepon; "
    "diminta surat pernyataan kesanggupan membayar.",
    "opened_pds": "Temuan PDS dari pemeriksaan lapangan; perusahaan diminta mendaftarkan "
    "pekerja yang belum terdaftar.",
    "pemberitahuan": "Tidak ada komitmen tertulis setelah dua kali pertemuan.",
    "teguran_1": "Surat Pemberitahuan tidak ditanggapi dalam tenggat.",
    "teguran_2": "Teguran I lewat tenggat; pembayaran belum diterima.",
    "denda": "Teguran II lewat tenggat. Denda 0,1 % dari iuran terutang.",
}
COMPLIANCE_EXPORT_NAME = "ekspor-kepatuhan-{first}-sd-{last}.csv"
