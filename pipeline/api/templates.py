"""Extraction templates of the drop-in OCR service (``POST /ocr?textCode=…``): which fields to
read. Official documents and results (issuing body, type, number, place, date, subject,
signer), an ID card, and every component of the procedure definitions by its code."""

from __future__ import annotations

from pathlib import Path

from pipeline.fields import official
from pipeline.fields.extract import DEFAULT_FIELDS
from pipeline.procedures.definitions import load_procedures

OFFICIAL_CODES = ("VBHC", "QD", "KQ")
"""Văn bản hành chính, quyết định, kết quả: an official document in the Decree 30 layout."""


def templates(procedures_dir: Path | None = None) -> dict[str, dict[str, str]]:
    """Every template code and its fields, each with the name of its validator."""
    found = {code: dict(official.FIELDS) for code in OFFICIAL_CODES}
    found["CCCD"] = dict(DEFAULT_FIELDS)
    for procedure in load_procedures(procedures_dir).values():
        for component in procedure.components:
            if component.fields:
                found.setdefault(component.code, dict(component.fields))
    return found
