"""The demo catalog: branch offices, institutions and fictional companies.

Plain data only; crm.demo turns it into rows. Company names are invented (any likeness to a
real company is a coincidence); the ministries and agencies are the real public bodies the
institutional team works with. The people are in crm.demo_data_people, the history in
crm.demo_data_history.
"""

from __future__ import annotations

from typing import NamedTuple

# The 17 Jakarta branches (Kanwil DKI Jakarta) and a few regional ones.
BRANCHES = [
    ("JKT-MJS", "Jakarta Menara Jamsostek", "Kanwil DKI Jakarta"),
    ("JKT-SLB", "Jakarta Salemba", "Kanwil DKI Jakarta"),
    ("JKT-KBS", "Jakarta Kebon Sirih", "Kanwil DKI Jakarta"),
    ("JKT-RWM", "Jakarta Rawamangun", "Kanwil DKI Jakarta"),
    ("JKT-CLD", "Jakarta Cilandak", "Kanwil DKI Jakarta"),
    ("JKT-KLG", "Jakarta Kelapa Gading", "Kanwil DKI Jakarta"),
    ("JKT-CRC", "Jakarta Ciracas", "Kanwil DKI Jakarta"),
    ("JKT-MGD", "Jakarta Mangga Dua", "Kanwil DKI Jakarta"),
    ("JKT-CKR", "Jakarta Cengkareng", "Kanwil DKI Jakarta"),
    ("JKT-TNA", "Jakarta Tanah Abang", "Kanwil DKI Jakarta"),
    ("JKT-PLG", "Jakarta Pulo Gadung", "Kanwil DKI Jakarta"),
    ("JKT-GRG", "Jakarta Grogol", "Kanwil DKI Jakarta"),
    ("JKT-SDM", "Jakarta Sudirman", "Kanwil DKI Jakarta"),
    ("JKT-GMB", "Jakarta Gambir", "Kanwil DKI Jakarta"),
    ("JKT-KNG", "Jakarta Kuningan", "Kanwil DKI Jakarta"),
    ("JKT-KMY", "Jakarta Kemayoran", "Kanwil DKI Jakarta"),
    ("JKT-TBT", "Jakarta Tebet", "Kanwil DKI Jakarta"),
    ("BDG-SKJ", "Bandung Suci", "Kanwil Jawa Barat"),
    ("SBY-RKT", "Surabaya Rungkut", "Kanwil Jawa Timur"),
    ("MDN-KTR", "Medan Kota", "Kanwil Sumbagut"),
    ("MKS-KTR", "Makassar", "Kanwil Sulawesi Maluku"),
]

# Accounts outside Jakarta are served by the branch of their city; the rest by a Jakarta one.
CITY_BRANCH = {"Bandung": "BDG-SKJ", "Surabaya": "SBY-RKT", "Medan": "MDN-KTR"}
CITY_BRANCH |= {"Makassar": "MKS-KTR", "Bogor": "BDG-SKJ", "Gresik": "SBY-RKT"}


class Co(NamedTuple):
    """A demo company; `parent` names its group holding, `rm` is a demo RM key."""

    name: str
    ownership: str
    sector: str
    city: str
    headcount: int
    parent: str | None = None
    rm: str | None = "rm"
    status: str = "active"
    origin: str = "id"
    notes: str = ""


class Inst(NamedTuple):
    name: str
    kind: str
    city: str
    domain: str
    headcount: int
    rm: str | None = "rm2"
    notes: str = ""


MINING = "PT Tambang Nusantara (Persero)"
BANK = "PT Bank Nagara Raya (Persero) Tbk"
KARYA = "PT Karya Bangun Persada (Persero) Tbk"
ENERGY = "PT Energi Pertiwi (Persero)"
PORTS = "PT Pelabuhan Samudra Indonesia (Persero)"
AGRO = "PT Perkebunan Bumi Agro (Persero)"

COMPANIES = [
    # Mining holding and its listed and unlisted subsidiaries.
    Co(
        MINING,
        "bumn",
        "pertambangan",
        "Jakarta",
        2400,
        notes="Holding tambang; keputusan "
        "kepesertaan anak usaha diseragamkan lewat Direktorat SDM holding.",
    ),
    Co("PT Batubara Andalas Tbk", "bumn", "pertambangan", "Muara Enim", 6100, MINING),
    Co("PT Logam Mulia Nusantara Tbk", "bumn", "pertambangan", "Jakarta", 2800, MINING),
    Co("PT Timah Belitung Raya Tbk", "bumn", "pertambangan", "Pangkalpinang", 4500, MINING),
    Co("PT Nikel Sulawesi Mandiri", "bumn", "pertambangan", "Kolaka", 3200, MINING, "rm2"),
    Co("PT Bauksit Kapuas Indonesia", "bumn", "pertambangan", "Pontianak", 1300, MINING, "rm2"),
    # Bank group.
    Co(
        BANK,
        "bumn",
        "perbankan",
        "Jakarta",
        38000,
        rm="rm2",
        notes="Grup bank; vendor alih daya (satpam, pramubakti) menjadi sasaran rantai pasok.",
    ),
    Co("PT Bank Syariah Nagara", "bumn", "perbankan", "Jakarta", 9000, BANK, "rm2"),
    Co("PT Nagara Asuransi Jiwa", "bumn", "jasa", "Jakarta", 1200, BANK, "rm2"),
    Co("PT Nagara Sekuritas", "bumn", "jasa", "Jakarta", 600, BANK, "rm2"),
    Co("PT Nagara Multifinance", "bumn", "jasa", "Jakarta", 2100, BANK, "rm2", "prospect"),
    # Construction (karya) group.
    Co(
        KARYA,
        "bumn",
        "konstruksi",
        "Jakarta",
        7000,
        notes="Pekerja proyek (PKWT) sering "
        "belum didaftarkan tepat waktu; bahas per proyek dengan GM Human Capital.",
    ),
    Co("PT Karya Beton Prima Tbk", "bumn", "manufaktur", "Bogor", 2600, KARYA),
    Co("PT Karya Gedung Utama", "bumn", "konstruksi", "Jakarta", 1900, KARYA),
    Co("PT Karya Realti Nusa", "bumn", "properti", "Jakarta", 450, KARYA),
    Co("PT Karya Jalan Tol Mandala", "bumn", "transportasi", "Bekasi", 1100, KARYA),
    # Energy group.
    Co(ENERGY, "bumn", "energi", "Jakarta", 16000, rm="rm2"),
    Co("PT Pertiwi Hulu Energi", "bumn", "energi", "Jakarta", 5200, ENERGY, "rm2"),
    Co("PT Pertiwi Niaga Nusantara", "bumn", "perdagangan", "Jakarta", 3800, ENERGY, "rm2"),
    Co("PT Pertiwi Gas Distribusi Tbk", "bumn", "energi", "Surabaya", 2900, ENERGY, "rm2"),
    Co("PT Pertiwi Kilang Cilacap", "bumn", "energi", "Cilacap", 4100, ENERGY, "rm2"),
    # Ports and logistics group.
    Co(PORTS, "bumn", "transportasi", "Jakarta", 5400),
    Co("PT Samudra Terminal Petikemas", "bumn", "transportasi", "Jakarta", 2200, PORTS),
    Co("PT Samudra Logistik Nusantara", "bumn", "transportasi", "Surabaya", 900, PORTS),
    # Plantation group.
    Co(AGRO, "bumn", "perkebunan", "Jakarta", 800, rm="rm2"),
    Co("PT Bumi Agro Sawit Sumatera", "bumn", "perkebunan", "Medan", 14000, AGRO, "rm2"),
    Co("PT Bumi Agro Gula Jawa", "bumn", "perkebunan", "Surabaya", 8000, AGRO, "rm2"),
    # Regionally owned (BUMD).
    Co("PT Jakarta Air Bersih (Perseroda)", "bumd", "jasa", "Jakarta", 1500, rm="rm2"),
    Co("PT Transportasi Ibukota Raya (Perseroda)", "bumd", "transportasi", "Jakarta", 6000),
    Co("PT Bank Daerah Priangan (Perseroda)", "bumd", "perbankan", "Bandung", 2800, rm="rm2"),
    # Foreign-owned (PMA).
    Co(
        "PT Sakurada Auto Parts Indonesia",
        "foreign",
        "manufaktur",
        "Bekasi",
        4200,
        origin="jp",
        notes="Manajemen Jepang; keputusan menunggu persetujuan kantor pusat di Nagoya. "
        "Siapkan materi dwibahasa dan dasar hukum tertulis.",
    ),
    Co(
        "PT Hanbit Apparel Indonesia",
        "foreign",
        "manufaktur",
        "Bogor",
        7800,
        origin="kr",
        notes="Pabrik garmen padat karya; PDS upah pernah ditemukan pada 2025.",
    ),
    Co(
        "PT Jinlong Nikel Industri",
        "foreign",
        "pertambangan",
        "Morowali",
        9500,
        rm="rm2",
        origin="cn",
        notes="Banyak TKA; pendaftaran pekerja lokal lewat kontraktor.",
    ),
    Co("PT Nordvik Pulp Indonesia", "foreign", "manufaktur", "Pekanbaru", 3600, origin="se"),
    Co("PT Tamasaki Elektronik Batam", "foreign", "manufaktur", "Batam", 5200, origin="jp"),
    Co(
        "PT Kaiyo Marine Logistics Indonesia",
        "foreign",
        "transportasi",
        "Jakarta",
        700,
        rm="rm2",
        origin="jp",
    ),
    Co("PT Linden Pharma Indonesia", "foreign", "kesehatan", "Jakarta", 1100, origin="de"),
    Co("PT Mekong Footwear Indonesia", "foreign", "manufaktur", "Tangerang", 11000, origin="vn"),
    Co(
        "PT Harbor Star Energy Indonesia",
        "foreign",
        "energi",
        "Balikpapan",
        800,
        rm="rm2",
        origin="us",
        status="prospect",
    ),
    Co("PT Hwaseong Steel Cilegon", "foreign", "manufaktur", "Cilegon", 2400, origin="kr"),
    Co(
        "PT Yamabuki Foods Indonesia",
        "foreign",
        "manufaktur",
        "Karawang",
        2300,
        rm="rm2",
        origin="jp",
    ),
    Co(
        "PT Orchid Bay Resorts Indonesia",
        "foreign",
        "jasa",
        "Badung",
        900,
        rm=None,
        origin="sg",
        status="prospect",
    ),
    # Private domestic.
    Co(
        "PT Sinar Mandala Retailindo Tbk",
        "private",
        "perdagangan",
        "Jakarta",
        14000,
        notes="Ribuan pekerja toko; kandidat kuat SERTAKAN untuk pedagang sekitar gerai.",
    ),
    Co("PT Cipta Rasa Pangan Tbk", "private", "manufaktur", "Bekasi", 6200, rm="rm2"),
    Co("PT Graha Properti Sentosa Tbk", "private", "properti", "Tangerang", 900),
    Co("PT Mitra Logistik Kilat", "private", "transportasi", "Jakarta", 3100, rm="rm2"),
    Co("PT Semen Bukit Kapur", "private", "manufaktur", "Padang", 1800),
    Co("PT Samudra Perikanan Timur", "private", "lainnya", "Bitung", 1400, rm="rm2"),
    Co("PT Prima Medika Husada", "private", "kesehatan", "Jakarta", 5200),
    Co("PT Arta Teknologi Digital", "private", "telekomunikasi", "Jakarta", 800, rm="rm2"),
    Co("PT Jaya Tekstil Priangan", "private", "manufaktur", "Bandung", 4700),
    Co("PT Bumi Sawit Lestari", "private", "perkebunan", "Pekanbaru", 8800, rm="rm2"),
    Co("PT Nusa Kargo Udara", "private", "transportasi", "Tangerang", 1200, status="inactive"),
    Co("PT Karsa Pendidikan Nusantara", "private", "pendidikan", "Jakarta", 1600, rm="rm2"),
    Co(
        "PT Satria Keamanan Prima",
        "private",
        "jasa",
        "Jakarta",
        12000,
        notes="Penyedia satpam alih daya untuk banyak BUMN; cek kepesertaan per kontrak.",
    ),
    Co(
        "PT Mandala Menara Infrastruktur Tbk", "private", "telekomunikasi", "Jakarta", 700, rm="rm2"
    ),
    Co("PT Sentosa Farma Nusantara", "private", "kesehatan", "Surabaya", 2500),
    Co(
        "PT Pelita Kabel Indonesia",
        "private",
        "manufaktur",
        "Tangerang",
        2000,
        rm=None,
        status="prospect",
    ),
    Co("PT Cahaya Batik Pekalongan", "private", "manufaktur", "Pekalongan", 900, rm="rm2"),
    Co(
        "PT Rajawali Ojek Digital",
        "private",
        "jasa",
        "Jakarta",
        400,
        rm="rm2",
        notes="Mitra pengemudi adalah BPU; peluang GN Lingkaran dan SERTAKAN.",
    ),
    Co("PT Makassar Niaga Bahari", "private", "perdagangan", "Makassar", 600),
    Co("PT Medan Karet Sejahtera", "private", "manufaktur", "Medan", 2700, rm="rm2"),
]

INSTITUTIONS = [
    Inst(
        "Kementerian Dalam Negeri (Kemendagri)",
        "ministry",
        "Jakarta",
        "kemendagri.go.id",
        1900,
        notes="MoU perlindungan pekerja non-ASN lewat APBD; implementasi per pemda "
        "dipantau cabang.",
    ),
    Inst(
        "Badan Gizi Nasional (BGN)",
        "agency",
        "Jakarta",
        "bgn.go.id",
        1200,
        notes="Pekerja dapur SPPG (Makan Bergizi Gratis) didaftarkan lewat mitra pengelola.",
    ),
    Inst("Kementerian Ketenagakerjaan (Kemnaker)", "ministry", "Jakarta", "kemnaker.go.id", 3800),
    Inst("Kementerian Kesehatan (Kemenkes)", "ministry", "Jakarta", "kemkes.go.id", 6200),
    Inst("Badan Kepegawaian Negara (BKN)", "agency", "Jakarta", "bkn.go.id", 2100),
    Inst("Kementerian Badan Usaha Milik Negara", "ministry", "Jakarta", "bumn.go.id", 700),
    Inst("Pemerintah Provinsi DKI Jakarta", "local_government", "Jakarta", "jakarta.go.id", 64000),
    Inst("Kementerian Pekerjaan Umum (Kemen PU)", "ministry", "Jakarta", "pu.go.id", 9800),
    Inst("Kementerian Perhubungan (Kemenhub)", "ministry", "Jakarta", "dephub.go.id", 8700),
    Inst(
        "Kementerian Desa dan Pembangunan Daerah Tertinggal (Kemendes PDT)",
        "ministry",
        "Jakarta",
        "kemendesa.go.id",
        1600,
        notes="Perangkat desa dan pendamping desa sebagai peserta; kerja sama lewat dana desa.",
    ),
    Inst("Kementerian Kelautan dan Perikanan (KKP)", "ministry", "Jakarta", "kkp.go.id", 5400),
    Inst("Badan Pusat Statistik (BPS)", "agency", "Jakarta", "bps.go.id", 16000),
    Inst("Badan Nasional Penanggulangan Bencana (BNPB)", "agency", "Jakarta", "bnpb.go.id", 900),
    Inst("Pemerintah Provinsi Jawa Barat", "local_government", "Bandung", "jabarprov.go.id", 42000),
    Inst("Pemerintah Kota Surabaya", "local_government", "Surabaya", "surabaya.go.id", 21000),
    Inst("Pemerintah Kabupaten Bogor", "local_government", "Bogor", "bogorkab.go.id", 18000),
]
