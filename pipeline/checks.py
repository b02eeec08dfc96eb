"""Checks across the documents of one dossier: the owner is one person, with one ID number and
one name, whatever paper it is read from; a printed dossier code (a receipt's "Mã hồ sơ") is
this dossier's."""

from __future__ import annotations

import re

from pipeline.errors import InvalidIdentifier
from pipeline.fields.extract import LOW_CONFIDENCE
from pipeline.fields.layout import labelled, lines_of
from pipeline.identifiers import parse_dossier_code
from pipeline.model import FieldValue, Problem, SignedDocument
from pipeline.procedures.definitions import Procedure
from pipeline.text import fold

OwnerFields = tuple[str, str, dict[str, FieldValue]]  # file, component code, fields


def owner_mismatches(documents: list[OwnerFields]) -> list[Problem]:
    """Problems when the owner's documents disagree on ``id_number`` or ``full_name``."""
    problems = []
    for field, code, label in (("id_number", "id_number_mismatch", "Số định danh"),
                               ("full_name", "name_mismatch", "Họ tên")):
        seen: dict[str, tuple[str, str]] = {}
        for file, component, fields in documents:
            value = fields.get(field)
            if value and value.confidence > LOW_CONFIDENCE:
                key = value.value if field == "id_number" else fold(value.value)
                seen.setdefault(key, (value.value, component))
        if len(seen) > 1:
            listed = "; ".join(f"{value} ({component})" for value, component in seen.values())
            problems.append(Problem(code, f"{label} của chủ hồ sơ khác nhau giữa các giấy tờ: "
                                          f"{listed}. Cần kiểm tra."))
    return problems


def read_owner_id(documents: list[OwnerFields]) -> str | None:
    """The owner's ID number (CCCD/CMND, else tax code) read with the most confidence."""
    for field in ("id_number", "tax_code"):
        found = [fields[field] for _, _, fields in documents
                 if field in fields and fields[field].confidence > LOW_CONFIDENCE]
        if found:
            return max(found, key=lambda v: v.confidence).value.replace("-", "")
    return None


def check_owner(procedure: Procedure, documents: list[SignedDocument], declared: str | None
                ) -> tuple[str | None, list[Problem]]:
    """The dossier owner's ID (``declared`` by the one-stop system, else read from the owner's
    papers) and the problems found comparing those papers."""
    owners = [(d.file, d.component, d.fields) for d in documents
              if d.component and procedure.component(d.component).owner]
    problems = owner_mismatches(owners)
    owner = declared or read_owner_id(owners)
    if owner is None and documents:
        problems.append(Problem("missing_owner_id",
                                "Chưa xác định được số định danh (CCCD/mã số thuế) của chủ hồ sơ: "
                                "nhập bằng tay để cấp mã số hóa."))
    return owner, problems


_DOSSIER_LABEL = [re.compile(r"ma (?:so )?ho so\s*[:.]?\s*")]


def dossier_code_mismatches(documents: list[SignedDocument], dossier: str) -> list[Problem]:
    """A document that prints another dossier's code ("Mã hồ sơ: …") was filed in the wrong one."""
    problems = []
    for doc in documents:
        found = labelled(lines_of([p.ocr for p in doc.pages]), _DOSSIER_LABEL, [])
        if found is None:
            continue
        try:
            printed = str(parse_dossier_code(found.text.split()[0]))
        except InvalidIdentifier:
            continue  # unreadable code: the page's own reading problems say so
        if printed != dossier:
            problems.append(Problem("dossier_code_mismatch",
                                    f"Tài liệu ghi mã hồ sơ {printed}, khác hồ sơ {dossier}: "
                                    "kiểm tra đã quét đúng hồ sơ chưa.", doc.file,
                                    doc.pages[0].ref.number, document=doc.order))
    return problems
