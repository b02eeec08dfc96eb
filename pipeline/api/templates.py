"""Extraction templates of the drop-in OCR service (``POST /ocr?textCode=…``): which fields to
read, and how the answer is named for the one-stop system that reads it.

sohoa's own codes: official documents and results (issuing body, type, number, place, date,
subject, signer), an ID card, and every component of the procedure definitions by its code. A
province's own codes are mapped to them in settings (``ocr_text_codes``); a code neither knows
is answered from the document's detected type instead of being refused."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from pipeline.fields import official
from pipeline.fields.extract import DEFAULT_FIELDS
from pipeline.model import FieldValue, ProcessedPage
from pipeline.procedures.definitions import load_procedures
from pipeline.segments import split
from pipeline.text import fold

OFFICIAL_CODES = ("VBHC", "QD", "KQ")
"""Văn bản hành chính, quyết định, kết quả: an official document in the Decree 30 layout."""
ONE_STOP_KEYS = {  # a one-stop system's form field → the field of sohoa's it is filled from
    "NgayBanHanh": "issue_date", "SoKetQua": "doc_number", "SoChungChi": "doc_number",
    "NguoiKy": "signer_name", "CoQuanBanHanh": "issuing_body", "TrichYeu": "subject",
}


def templates(procedures_dir: Path | None = None) -> dict[str, dict[str, str]]:
    """Every template code and its fields, each with the name of its validator."""
    found = {code: dict(official.FIELDS) for code in OFFICIAL_CODES}
    found["CCCD"] = dict(DEFAULT_FIELDS)
    for procedure in load_procedures(procedures_dir).values():
        for component in procedure.components:
            if component.fields:
                found.setdefault(component.code, dict(component.fields))
    return found


def template_code(asked: str, known: Mapping[str, dict], mapped: Mapping[str, str]) -> str | None:
    """sohoa's template for the code a caller sent (its own, or a province's mapped one)."""
    code = asked.upper()
    code = {k.upper(): v for k, v in mapped.items()}.get(code, code)
    return code if code in known else None


def detected_code(pages: list[ProcessedPage], procedures_dir: Path | None,
                  official_type: str | None) -> str:
    """What the document is, when the caller's code says nothing: an official document when it
    has a Decree 30 type (a decision, or another), else the component whose title its first
    page prints, else an official document still."""
    if official_type:
        return "QD" if fold(official_type) == "quyet dinh" else "VBHC"
    components = [c for p in load_procedures(procedures_dir).values() for c in p.components
                  if c.fields]
    segments, _ = split([pages], components)
    titled = next((s.component for s in segments if s.component and s.by == "title"), None)
    return titled.code if titled is not None else "VBHC"


def one_stop_values(values: Mapping[str, FieldValue]) -> dict[str, str]:
    """The keys a one-stop system's form reads, from sohoa's fields: the issue date as
    dd/mm/yyyy (it parses day, month, year), the number as ``SoKetQua`` and, for certificates,
    ``SoChungChi``."""
    out = {}
    for key, field in ONE_STOP_KEYS.items():
        if field in values:
            value = values[field].value
            out[key] = date.fromisoformat(value).strftime("%d/%m/%Y") if field == "issue_date" \
                else value
    return out
