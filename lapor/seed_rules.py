"""Demo routing rules: the national desk's set and the sets of eleven agencies, in Indonesian.

Agency sets route reports that name the agency (form, SMS keyword, subdomain)
to its units and categorise them; the national set sends reports that name
no agency to the agency responsible, by topic or by the region named. Rules
are kept specific on purpose: a vague report is better in a dispatcher's
queue than at the wrong agency.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lapor.models import Agency
from lapor.rulesets import install
from lapor.workflow import SYSTEM

NATIONAL = None  # owner key of the national set


def rule(key: str, name: str, target: str, any: tuple = (), all: tuple = (), none: tuple = (),
         category: str | None = None, policy: str | None = None, urgent: bool = False,
         priority: int = 0, report_types: tuple = ()) -> dict[str, Any]:
    """A rule in the engine's dict form (lapor.rules.model); the owner is filled in on install."""
    return {"id": key, "name": name, "target": target, "priority": priority,
            "keywords": {"any": list(any), "all": list(all), "none": list(none)},
            "filters": {"report_types": list(report_types)},
            "actions": {"category": category, "policy": policy, "urgent": urgent}}


RAIL = ("kereta", "kereta api", "krl", "commuter line", "stasiun", "perlintasan kereta", "lrt",
        "lokomotif")
NOT_RAIL = ("kereta kelinci", "kereta mini")  # fairground and tourist trains
ROAD_TRANSPORT = ("bus", "terminal", "angkutan umum", "angkutan kota", "travel gelap", "uji kir",
                  "jembatan timbang", "truk odol", "odol")
ADMINDUK = ("ktp", "e ktp", "ktp el", "kartu keluarga", "kk", "akta kelahiran", "akta kematian",
            "nik", "dukcapil", "kartu identitas anak", "surat pindah")
ROADS = ("jalan rusak", "jalan berlubang", "berlubang", "aspal", "jembatan rusak", "trotoar")
FLOOD = ("banjir", "genangan", "drainase", "saluran air", "gorong gorong", "got mampet")
HEALTH_LOCAL = ("puskesmas", "posyandu", "rsud", "bidan desa", "imunisasi", "demam berdarah",
                "dbd", "fogging", "stunting")
ABUSE = ("maladministrasi", "pungli", "pungutan liar", "calo", "percaloan", "suap", "gratifikasi",
         "penundaan berlarut", "diskriminasi pelayanan")
SCHOOL_DATA = ("nisn", "npsn", "dapodik", "data pokok pendidikan", "verval")
SCHOOL_AID = ("dana bos", "bosp", "pip", "program indonesia pintar", "kartu indonesia pintar")
TEACHERS = ("nuptk", "sertifikasi guru", "tunjangan profesi guru", "tpg", "ppg", "inpassing")

RULES: dict[str | None, list[dict[str, Any]]] = {
    NATIONAL: [
        rule("ombudsman", "Maladministrasi dan pungli", "OMBUDSMAN", any=ABUSE, priority=5,
             category="pengawasan", policy="pengawasan"),
        rule("kereta", "Perkeretaapian", "DITJENKA", any=RAIL, none=NOT_RAIL,
             category="transportasi"),
        rule("angkutan-darat", "Angkutan jalan dan terminal", "DITJENHUBDAT", any=ROAD_TRANSPORT,
             category="transportasi"),
        rule("perhubungan", "Perhubungan umum dan mudik", "KEMENHUB",
             any=("mudik", "arus balik", "tiket", "jalan tol", "rest area", "pelabuhan",
                  "bandara", "kapal penyeberangan", "penerbangan"), category="transportasi"),
        rule("pendidikan", "Layanan terpadu pendidikan dasar dan menengah", "KEMENDIKDASMEN",
             any=SCHOOL_DATA + SCHOOL_AID + TEACHERS[:3], category="pendidikan"),
        # Before the health rule: a BPJS complaint names hospitals too.
        rule("bpjs", "Jaminan kesehatan nasional", "BPJSKES", priority=3,
             any=("bpjs kesehatan", "bpjs", "jkn", "kis", "kartu indonesia sehat", "iuran bpjs",
                  "faskes"),
             none=("bpjs ketenagakerjaan", "bpjstk", "jht"), category="kesehatan"),
        rule("kesehatan", "Kesehatan nasional", "KEMENKES",
             any=("rumah sakit vertikal", "obat", "vaksin", "tenaga kesehatan", "nakes",
                  "str dokter"), category="kesehatan"),
        rule("pu-nasional", "Jalan nasional dan sumber daya air", "KEMENPU",
             any=("jalan nasional", "bendungan", "waduk", "irigasi", "sungai meluap",
                  "jembatan nasional"), category="infrastruktur"),
        rule("adminduk", "Administrasi kependudukan", "KEMENDAGRI", any=ADMINDUK,
             category="kependudukan"),
        # Regions named outright; a road or a clinic alone does not say whose it is.
        rule("tangkab", "Wilayah Kabupaten Tangerang", "TANGKAB",
             any=("kabupaten tangerang", "pemkab tangerang", "tigaraksa")),
        rule("makassar", "Wilayah Kota Makassar", "MAKASSAR",
             any=("kota makassar", "pemkot makassar")),
        rule("jayapura", "Wilayah Kota Jayapura", "JAYAPURA",
             any=("kota jayapura", "pemkot jayapura")),
        rule("banten", "Pemerintah Provinsi Banten", "BANTEN",
             any=("provinsi banten", "pemprov banten", "samsat banten")),
    ],
    "KEMENHUB": [
        rule("kereta", "Kereta api, KRL dan stasiun", "DITJENKA", any=RAIL, none=NOT_RAIL,
             category="transportasi"),
        rule("angkutan-darat", "Bus, terminal dan angkutan umum", "DITJENHUBDAT",
             any=ROAD_TRANSPORT, category="transportasi"),
        rule("mudik", "Mudik, tiket dan jalan tol", "KEMENHUB", policy="khusus",
             any=("mudik", "arus balik", "tiket", "jalan tol", "rest area", "posko mudik"),
             category="transportasi"),
        rule("kecelakaan", "Kecelakaan angkutan umum", "KEMENHUB", priority=10, urgent=True,
             all=("kecelakaan",), any=("bus", "kereta", "kapal", "korban")),
    ],
    "KEMENDIKDASMEN": [
        rule("data-pokok", "NISN, NPSN dan Dapodik", "KEMENDIKDASMEN", any=SCHOOL_DATA,
             category="pendidikan"),
        rule("guru", "NUPTK, sertifikasi dan tunjangan guru", "KEMENDIKDASMEN", any=TEACHERS,
             category="pendidikan"),
        rule("bantuan", "Dana BOS dan Program Indonesia Pintar", "KEMENDIKDASMEN",
             any=SCHOOL_AID, category="pendidikan"),
        rule("informasi", "Permintaan informasi publik", "KEMENDIKDASMEN",
             any=("data", "salinan", "informasi"), report_types=("information_request",),
             category="informasi-publik"),
    ],
    "TANGKAB": [
        rule("jalan", "Jalan dan jembatan kabupaten", "DPUPRTANGKAB", any=ROADS,
             none=("jalan tol", "jalan nasional"), category="jalan"),
        rule("banjir", "Banjir dan drainase", "DPUPRTANGKAB", any=FLOOD, category="banjir"),
        rule("banjir-darurat", "Banjir dengan korban atau tanggul jebol", "DPUPRTANGKAB",
             priority=5, all=("banjir",), any=("tanggul jebol", "korban", "mengungsi"),
             urgent=True, category="banjir"),
        rule("lampu-jalan", "Penerangan jalan umum", "DPUPRTANGKAB",
             any=("lampu jalan", "penerangan jalan umum"), category="infrastruktur"),
        rule("kesehatan", "Puskesmas dan kesehatan masyarakat", "DINKESTANGKAB",
             any=HEALTH_LOCAL, category="kesehatan"),
        rule("adminduk", "KTP, KK dan akta", "DISDUKTANGKAB", any=ADMINDUK,
             category="kependudukan"),
    ],
    "BANTEN": [
        rule("tangkab", "Urusan Kabupaten Tangerang", "TANGKAB",
             any=("kabupaten tangerang", "tigaraksa")),
        rule("jalan-provinsi", "Jalan provinsi", "BANTEN", any=("jalan provinsi",),
             category="jalan"),
        rule("sma-smk", "SMA, SMK dan SLB negeri", "BANTEN",
             any=("sma negeri", "smk negeri", "slb negeri", "sman", "smkn"), category="pendidikan"),
        rule("samsat", "Samsat dan pajak kendaraan", "BANTEN",
             any=("samsat", "pajak kendaraan", "bbnkb")),
    ],
    "MAKASSAR": [
        rule("jalan", "Jalan kota", "MAKASSAR", any=ROADS, category="jalan"),
        rule("banjir", "Banjir, kanal dan drainase", "MAKASSAR", any=FLOOD + ("kanal",),
             category="banjir"),
        rule("kesehatan", "Puskesmas dan kesehatan", "MAKASSAR", any=HEALTH_LOCAL,
             category="kesehatan"),
        rule("adminduk", "Kependudukan", "MAKASSAR", any=ADMINDUK, category="kependudukan"),
    ],
    "JAYAPURA": [
        rule("banjir-longsor", "Banjir dan tanah longsor", "JAYAPURA",
             any=FLOOD + ("longsor", "tanah longsor"), category="banjir"),
        rule("bencana-darurat", "Bencana dengan korban", "JAYAPURA", priority=5, urgent=True,
             any=("banjir bandang", "longsor"), all=("korban",), category="banjir"),
        rule("jalan", "Jalan kota", "JAYAPURA", any=ROADS, category="jalan"),
        rule("adminduk", "Kependudukan", "JAYAPURA", any=ADMINDUK, category="kependudukan"),
    ],
    "KEMENDAGRI": [
        rule("adminduk", "Dukcapil: KTP-el, KK dan NIK", "KEMENDAGRI", any=ADMINDUK,
             category="kependudukan"),
        rule("pemda", "Pembinaan pemerintah daerah", "KEMENDAGRI",
             any=("kepala daerah", "kepala desa", "perangkat desa", "perda", "batas wilayah"),
             category="pengawasan", policy="reguler"),
    ],
    "OMBUDSMAN": [
        rule("pengawasan", "Maladministrasi pelayanan publik", "OMBUDSMAN", any=ABUSE,
             category="pengawasan", policy="pengawasan"),
        rule("ancaman", "Pelapor diancam atau diintimidasi", "OMBUDSMAN", priority=5,
             urgent=True, any=("ancaman", "diancam", "intimidasi", "diintimidasi"),
             category="pengawasan"),
    ],
    "KEMENKES": [
        rule("rumah-sakit", "Rumah sakit dan tenaga kesehatan", "KEMENKES",
             any=("rumah sakit", "dokter", "perawat", "nakes", "tenaga kesehatan", "str"),
             category="kesehatan"),
        rule("obat-vaksin", "Obat dan vaksin", "KEMENKES", any=("obat", "vaksin", "apotek"),
             category="kesehatan"),
        rule("gawat-darurat", "Pasien gawat darurat ditolak", "KEMENKES", priority=5,
             urgent=True, all=("ditolak",), any=("igd", "gawat darurat", "pasien kritis"),
             category="kesehatan"),
    ],
    "BPJSKES": [
        rule("kepesertaan", "Kepesertaan dan iuran JKN", "BPJSKES",
             any=("kepesertaan", "iuran", "tunggakan", "denda", "kartu kis", "pindah faskes",
                  "nonaktif"), category="kesehatan", policy="reguler"),
        rule("layanan", "Layanan di fasilitas kesehatan", "BPJSKES",
             any=("rujukan", "faskes", "rumah sakit", "puskesmas", "klaim"),
             category="kesehatan"),
        rule("ditolak", "Peserta ditolak fasilitas kesehatan", "BPJSKES", priority=5,
             urgent=True, all=("ditolak",), any=("rumah sakit", "igd", "gawat darurat"),
             category="kesehatan"),
    ],
    "KEMENPU": [
        rule("jalan-nasional", "Jalan dan jembatan nasional", "KEMENPU",
             any=("jalan nasional", "jembatan", "jalan rusak", "berlubang"), category="jalan"),
        rule("sda", "Bendungan, irigasi dan sungai", "KEMENPU",
             any=("bendungan", "waduk", "irigasi", "sungai", "tanggul"), category="banjir"),
    ],
}

# Admin-added abbreviations, on top of the shipped dictionary (lapor.rules.abbreviations).
ABBREVIATIONS: dict[str | None, dict[str, str]] = {
    NATIONAL: {"pju": "penerangan jalan umum", "puskes": "puskesmas", "angkot": "angkutan kota"},
    "TANGKAB": {"pju": "penerangan jalan umum", "puskes": "puskesmas", "dinkes": "dinas kesehatan"},
    "KEMENHUB": {"angkot": "angkutan kota", "ka": "kereta api"},
    "KEMENDIKDASMEN": {"sertif": "sertifikasi"},
}


def seed_demo_rules(agencies: dict[str, Agency], now: datetime) -> None:
    """Install and activate the demo rule sets (the caller commits)."""
    for owner, rules in RULES.items():
        agency = agencies[owner] if owner else None
        install(agency, rules, SYSTEM, now, ABBREVIATIONS.get(owner))
