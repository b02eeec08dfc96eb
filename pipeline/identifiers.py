"""Legal identifiers: dossier, agency and procedure codes, CCCD and CMND (see shared DOMAIN.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta, timezone

from pipeline.errors import (InvalidAgencyCode, InvalidDay, InvalidDossierCode,
                             InvalidIdentifier, InvalidOwnerId, InvalidProcedureCode)
from pipeline.text import fold

AGENCY_RE = re.compile(r"^(?=.{1,35}$)[0-9A-Z]+(?:\.[0-9A-Z]+)*$")
LEVEL1_RE = re.compile(r"^[A-Y][0-9]{2}$")
DOSSIER_RE = re.compile(r"^(?P<agency>[0-9A-Z.]{1,35})-(?P<date>\d{6})-(?P<seq>\d{4})$")
PROCEDURE_RE = re.compile(r"^\d\.\d{6}$")


@dataclass(frozen=True)
class DossierCode:
    """``<agency code>-<YYMMDD>-<NNNN>``: the receiving agency, the receipt date, the daily sequence."""

    agency: str
    received: date
    sequence: int

    def __str__(self) -> str:
        return f"{self.agency}-{self.received:%y%m%d}-{self.sequence:04d}"


VIETNAM = timezone(timedelta(hours=7))
"""The agencies' own time: a dossier code's day, the report's periods, the desk's "today"."""


def parse_day(text: str | None, option: str) -> date | None:
    """A YYYY-MM-DD day given as ``option`` (none when empty), or ``InvalidDay`` naming it."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise InvalidDay(option=option, text=text) from None


def parse_agency_code(text: str) -> str:
    if not AGENCY_RE.match(text) or not any(LEVEL1_RE.match(g) for g in text.split(".")):
        raise InvalidAgencyCode(text)
    return text


def parse_dossier_code(text: str) -> DossierCode:
    """Validate a dossier code (Circular 01/2018/TT-VPCP) and return its parts."""
    match = DOSSIER_RE.match(text.strip()) if text else None
    bad = InvalidDossierCode(text or "(empty)")
    if not match:
        raise bad
    raw = match["date"]
    try:
        received = date(2000 + int(raw[:2]), int(raw[2:4]), int(raw[4:]))
    except ValueError:
        raise bad from None
    try:
        agency = parse_agency_code(match["agency"])
    except InvalidIdentifier:
        raise bad from None
    return DossierCode(agency=agency, received=received, sequence=int(match["seq"]))


def parse_procedure_code(text: str) -> str:
    if not PROCEDURE_RE.match(text or ""):
        raise InvalidProcedureCode(text or "(empty)")
    return text


@dataclass(frozen=True)
class CccdInfo:
    """What the structure of a 12-digit CCCD says about its holder."""

    province: str
    sex: str  # "male" | "female"
    birth_year: int


CCCD_PROVINCES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 "
    "036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 "
    "074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096".split())
"""The codes a CCCD starts with: the province where the birth was registered (Circular
07/2016/TT-BCA, annex; the 63 provinces of 2016, kept after the 2025 mergers). Every one
starts with 0."""


def parse_cccd(number: str) -> CccdInfo | None:
    """Decode a CCCD; ``None`` when the 12 digits cannot be a CCCD (bad century/sex digit)."""
    if not re.fullmatch(r"\d{12}", number):
        return None
    code = int(number[3])
    century = 1900 + 100 * (code // 2)
    if century > 2300:
        return None
    return CccdInfo(
        province=number[:3],
        sex="female" if code % 2 else "male",
        birth_year=century + int(number[4:6]),
    )


def cccd_matches_birth(number: str, born: date) -> bool:
    """True when the CCCD's century/sex digit and year digits agree with the date of birth."""
    info = parse_cccd(number)
    return info is not None and born.year == info.birth_year


def parse_owner_id(text: str) -> str:
    """The owner's ID: CCCD (12 digits), CMND (9) or tax / enterprise code (10, or 13 with a
    branch; the dash dropped)."""
    value = text.strip().replace("-", "")
    if not re.fullmatch(r"\d{9}|\d{10}|\d{12}|\d{13}", value):
        raise InvalidOwnerId(text or "(empty)")
    return value


def digitisation_prefix(owner_id: str, procedure: str, component: str) -> str:
    """``<owner ID>.<procedure>.<component>.``: a component's digitisation code before its NN."""
    return f"{parse_owner_id(owner_id)}.{parse_procedure_code(procedure)}.{component}."


def result_digitisation_prefix(owner_id: str, result_code: str, document_number: str) -> str:
    """``<owner ID>.<result code>.<number>.``: a result's digitisation code before its NN. The
    number as issued ("445/QĐ-UBND") is folded to ASCII, its slashes and spaces made dashes."""
    number = re.sub(r"[^0-9A-Za-z-]+", "-", fold(document_number)).strip("-").upper()
    return f"{parse_owner_id(owner_id)}.{result_code}.{number}."


def digitisation_code(prefix: str, number: int) -> str:
    """The NN-th (from 01) digitisation code of ``prefix`` (Circular 01/2023, DOMAIN.md)."""
    return f"{prefix}{number:02d}"
