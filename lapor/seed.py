"""Demo data: a small but realistic tree of agencies, policies, categories and staff."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from lapor.extensions import db
from lapor.models import Agency, Category, User
from lapor.seed_rules import seed_demo_rules
from lapor.sla.adapter import ensure_standard_policies

# code, name, kind, parent, time zone
AGENCIES = [
    ("NASIONAL", "Admin Nasional SP4N-LAPOR!", "national", None, "Asia/Jakarta"),
    ("KEMENPANRB", "Kementerian PANRB", "ministry", "NASIONAL", "Asia/Jakarta"),
    ("KEMENDAGRI", "Kementerian Dalam Negeri", "ministry", "NASIONAL", "Asia/Jakarta"),
    ("OMBUDSMAN", "Ombudsman Republik Indonesia", "ministry", "NASIONAL", "Asia/Jakarta"),
    ("KEMENHUB", "Kementerian Perhubungan", "ministry", "NASIONAL", "Asia/Jakarta"),
    ("DITJENHUBDAT", "Direktorat Jenderal Perhubungan Darat", "unit", "KEMENHUB", "Asia/Jakarta"),
    ("DITJENKA", "Direktorat Jenderal Perkeretaapian", "unit", "KEMENHUB", "Asia/Jakarta"),
    ("KEMENDIKDASMEN", "Kementerian Pendidikan Dasar dan Menengah", "ministry", "NASIONAL", "Asia/Jakarta"),
    ("KEMENKES", "Kementerian Kesehatan", "ministry", "NASIONAL", "Asia/Jakarta"),
    ("KEMENPU", "Kementerian Pekerjaan Umum", "ministry", "NASIONAL", "Asia/Jakarta"),
    ("BPJSKES", "BPJS Kesehatan", "ministry", "NASIONAL", "Asia/Jakarta"),
    ("BANTEN", "Pemerintah Provinsi Banten", "province", "NASIONAL", "Asia/Jakarta"),
    ("TANGKAB", "Pemerintah Kabupaten Tangerang", "city", "BANTEN", "Asia/Jakarta"),
    ("DPUPRTANGKAB", "Dinas PUPR Kabupaten Tangerang", "unit", "TANGKAB", "Asia/Jakarta"),
    ("DINKESTANGKAB", "Dinas Kesehatan Kabupaten Tangerang", "unit", "TANGKAB", "Asia/Jakarta"),
    ("DISDUKTANGKAB", "Disdukcapil Kabupaten Tangerang", "unit", "TANGKAB", "Asia/Jakarta"),
    ("SULSEL", "Pemerintah Provinsi Sulawesi Selatan", "province", "NASIONAL", "Asia/Makassar"),
    ("MAKASSAR", "Pemerintah Kota Makassar", "city", "SULSEL", "Asia/Makassar"),
    ("PAPUA", "Pemerintah Provinsi Papua", "province", "NASIONAL", "Asia/Jayapura"),
    ("JAYAPURA", "Pemerintah Kota Jayapura", "city", "PAPUA", "Asia/Jayapura"),
]

SUPERVISION = {
    "BANTEN": ["TANGKAB"],
    "SULSEL": ["MAKASSAR"],
    "PAPUA": ["JAYAPURA"],
    "KEMENDAGRI": ["BANTEN", "TANGKAB", "SULSEL", "MAKASSAR", "PAPUA", "JAYAPURA"],
    "KEMENPANRB": ["KEMENHUB", "KEMENDIKDASMEN", "KEMENKES", "KEMENPU", "BPJSKES"],
    "OMBUDSMAN": [code for code, *_ in AGENCIES if code not in ("NASIONAL", "OMBUDSMAN")],
}

# code, name, parent, policy
CATEGORIES = [
    ("infrastruktur", "Infrastruktur", None, "reguler"),
    ("jalan", "Jalan dan jembatan", "infrastruktur", "reguler"),
    ("banjir", "Banjir dan drainase", "infrastruktur", "khusus"),
    ("transportasi", "Transportasi", None, "reguler"),
    ("pendidikan", "Pendidikan", None, "reguler"),
    ("kesehatan", "Kesehatan", None, "khusus"),
    ("kependudukan", "Administrasi kependudukan", None, "reguler"),
    ("informasi-publik", "Informasi publik", None, "informasi"),
    ("pengawasan", "Pengawasan pelayanan publik", None, "pengawasan"),
]

# username, role, agency
USERS = [
    ("admin", "sysadmin", None),
    ("dispatcher", "dispatcher", "NASIONAL"),
    ("tangkab", "agency_admin", "TANGKAB"),
    ("pupr", "agency_admin", "DPUPRTANGKAB"),
    ("kemenhub", "agency_admin", "KEMENHUB"),
    ("banten", "coordinator", "BANTEN"),
    ("ombudsman", "coordinator", "OMBUDSMAN"),
]


def is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(Agency))


def seed_demo(now: datetime, logins_file: Path | None = None) -> list[tuple[str, str, str]]:
    """Fill an empty database; return (username, password, role) of the demo staff."""
    ensure_standard_policies()
    agencies: dict[str, Agency] = {}
    for code, name, kind, parent, tz in AGENCIES:
        agencies[code] = Agency(
            code=code, name=name, kind=kind, parent=agencies.get(parent), timezone=tz,
            sms_keyword=code, subdomain=code.lower(),
        )
        db.session.add(agencies[code])
    for coordinator, supervised in SUPERVISION.items():
        agencies[coordinator].supervised = [agencies[c] for c in supervised]
    categories: dict[str, Category] = {}
    for code, name, parent, policy in CATEGORIES:
        categories[code] = Category(code=code, name=name, parent=categories.get(parent), policy_code=policy)
        db.session.add(categories[code])
    logins = []
    for username, role, agency in USERS:
        password = secrets.token_urlsafe(9)
        user = User(username=username, role=role, agency=agencies.get(agency), created_at=now,
                    full_name=f"Demo {username}")
        user.set_password(password)
        db.session.add(user)
        logins.append((username, password, role))
    seed_demo_rules(agencies, now)
    db.session.commit()
    if logins_file is not None:
        logins_file.write_text("".join(f"{u}\t{p}\t{r}\n" for u, p, r in logins))
        logins_file.chmod(0o600)
    return logins
