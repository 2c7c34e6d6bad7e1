"""The demo catalog: branch offices, institutions, fictional companies, titles and names.

Plain data only; crm.demo turns it into rows. Company names are invented (any likeness to a
real company is a coincidence); the ministries and agencies are the real public bodies the
institutional team works with.
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

# Titles by audience and level; a generated account draws without repeating a title.
TITLES = {
    "company": {
        "bod": ["Direktur Utama", "Direktur SDM", "Direktur Keuangan"],
        "bod1": [
            "GM Human Capital",
            "VP HR Operations",
            "Kepala Divisi SDM",
            "Sekretaris Perusahaan",
            "VP Compensation & Benefit",
        ],
        "bod2": [
            "Manajer Hubungan Industrial",
            "Manajer Payroll",
            "Senior Manager HC Services",
            "Manajer Kesejahteraan Pegawai",
        ],
        "operational": [
            "Staf Kepesertaan BPJS",
            "Officer HR Administration",
            "Staf Personalia",
            "Analis Remunerasi",
        ],
    },
    "foreign": {
        "bod": ["President Director", "HR Director", "Finance Director"],
        "bod1": [
            "HR & GA Manager",
            "General Manager Administration",
            "Plant Manager",
            "Legal & Compliance Manager",
        ],
        "bod2": ["Payroll Supervisor", "HR Supervisor", "Industrial Relations Supervisor"],
        "operational": ["HR Officer", "GA Staff", "Payroll Staff", "Interpreter"],
    },
    "ministry": {
        "bod": ["Sekretaris Jenderal"],
        "bod1": [
            "Kepala Biro Umum",
            "Kepala Biro Sumber Daya Manusia",
            "Kepala Biro Perencanaan",
            "Kepala Pusat Data dan Informasi",
        ],
        "bod2": ["Kepala Bagian Kepegawaian", "Kepala Bagian Kerja Sama", "Kepala Bagian Keuangan"],
        "operational": [
            "Kepala Subbagian Administrasi Kepegawaian",
            "Analis SDM Aparatur",
            "Pranata Humas",
        ],
    },
    "agency": {
        "bod": ["Sekretaris Utama"],
        "bod1": [
            "Kepala Biro Umum dan Keuangan",
            "Kepala Biro SDM dan Organisasi",
            "Kepala Biro Hukum dan Kerja Sama",
            "Direktur Pemantauan dan Pengawasan",
        ],
        "bod2": [
            "Kepala Bagian Kepegawaian",
            "Kepala Bagian Kerja Sama",
            "Kepala Bagian Tata Usaha",
        ],
        "operational": ["Analis SDM Aparatur", "Analis Kerja Sama", "Pengelola Kepegawaian"],
    },
    "local_government": {
        "bod": ["Sekretaris Daerah"],
        "bod1": [
            "Kepala Badan Kepegawaian Daerah",
            "Kepala Dinas Tenaga Kerja",
            "Asisten Pemerintahan dan Kesra",
            "Kepala Biro Organisasi",
        ],
        "bod2": [
            "Kepala Bidang Pengadaan dan Informasi Kepegawaian",
            "Kepala Bidang Hubungan Industrial",
            "Kepala Bagian Kerja Sama",
        ],
        "operational": [
            "Analis Kepegawaian",
            "Staf Bidang Jaminan Sosial",
            "Pengelola Data Kepegawaian",
        ],
    },
}

FIRST_NAMES = [
    "Agus",
    "Ahmad",
    "Andreas",
    "Anisa",
    "Arief",
    "Bambang",
    "Bayu",
    "Citra",
    "Dedi",
    "Dian",
    "Dimas",
    "Eka",
    "Endang",
    "Fajar",
    "Fitri",
    "Galih",
    "Gita",
    "Hadi",
    "Hendra",
    "Ika",
    "Indra",
    "Irma",
    "Joko",
    "Kartika",
    "Lestari",
    "Lukman",
    "Maya",
    "Made",
    "Nur",
    "Novita",
    "Putu",
    "Putri",
    "Rahmat",
    "Rina",
    "Rizky",
    "Sari",
    "Setiawan",
    "Siti",
    "Taufik",
    "Teguh",
    "Tri",
    "Wahyu",
    "Wulan",
    "Yanti",
    "Yogi",
    "Yohanes",
    "Yusuf",
    "Zainal",
    "Ketut",
    "Margaretha",
    "Benny",
    "Ratih",
    "Fransiska",
    "Hasan",
]
LAST_NAMES = [
    "Wijaya",
    "Saputra",
    "Santoso",
    "Nugroho",
    "Siregar",
    "Simanjuntak",
    "Hidayat",
    "Kusuma",
    "Setiadi",
    "Pratama",
    "Permana",
    "Suryadi",
    "Rahayu",
    "Harahap",
    "Nasution",
    "Lubis",
    "Sitompul",
    "Gunawan",
    "Halim",
    "Tanjung",
    "Wibowo",
    "Purnomo",
    "Susanto",
    "Hakim",
    "Maulana",
    "Ramadhan",
    "Kurniawan",
    "Firmansyah",
    "Putranto",
    "Wardhana",
    "Pangaribuan",
    "Manurung",
    "Sembiring",
    "Tarigan",
    "Ginting",
    "Matondang",
    "Sinaga",
    "Daulay",
    "Pohan",
    "Ambarita",
    "Utomo",
    "Prasetyo",
    "Handayani",
    "Anggraini",
]
FOREIGN_NAMES = {
    "jp": ["Takeshi Yamamoto", "Hiroshi Tanaka", "Kenji Watanabe", "Yuki Sato"],
    "kr": ["Kim Min-jun", "Park Ji-hoon", "Lee Seo-yeon", "Choi Dong-hyun"],
    "cn": ["Li Wei", "Zhang Hao", "Wang Jun", "Chen Ming"],
    "se": ["Erik Lindqvist", "Anna Bergström"],
    "de": ["Markus Hoffmann", "Julia Becker"],
    "vn": ["Nguyen Van Minh", "Tran Thi Lan"],
    "us": ["Michael Turner", "Sarah Collins"],
    "sg": ["Daniel Tan", "Rachel Lim"],
}

# People who moved: (name, from account, from title, from level, to account, to title,
# to level, days ago). The same KeyPerson keeps the ended position and gets the new one.
MOVES = [
    (
        "Hendra Gunawan Saputra",
        KARYA,
        "GM Human Capital",
        "bod1",
        ENERGY,
        "Direktur SDM",
        "bod",
        240,
    ),
    (
        "Ratna Kusumawardani",
        "Kementerian Ketenagakerjaan (Kemnaker)",
        "Kepala Biro Sumber Daya Manusia",
        "bod1",
        "Badan Gizi Nasional (BGN)",
        "Sekretaris Utama",
        "bod",
        300,
    ),
    (
        "Yohanes Tampubolon",
        BANK,
        "VP HR Operations",
        "bod1",
        "PT Bank Syariah Nagara",
        "Direktur SDM",
        "bod",
        150,
    ),
    (
        "Park Ji-hoon",
        "PT Hanbit Apparel Indonesia",
        "HR & GA Manager",
        "bod1",
        "PT Hwaseong Steel Cilegon",
        "HR Director",
        "bod",
        400,
    ),
]

# Key persons who left with nobody named in their place yet: (account, level, note).
GAPS = [
    (
        "PT Hanbit Apparel Indonesia",
        "bod",
        "Kembali ke kantor pusat di Seoul; pengganti belum ditunjuk.",
    ),
    (
        "Pemerintah Kabupaten Bogor",
        "bod1",
        "Mutasi ke Dinas Pendidikan dalam rotasi pejabat eselon II.",
    ),
]

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
