"""Official documents in the Decree 30/2020 layout: fields found by where they are printed.

Header: issuing body (top left, above the number) | national motto (top right, above the
place and date); then the document type as a centred title, the subject ("Về việc …" or
"V/v …"), and the signer's name at the foot of the last page, right column.
"""

from __future__ import annotations

import re

from pipeline.fields.layout import Found, Line, confidence
from pipeline.fields.validators import DOC_TYPES, person_name
from pipeline.text import fold

_MOTTO = ("cong hoa xa hoi chu nghia viet nam", "doc lap - tu do - hanh phuc")
_PLACE_DATE = re.compile(r"^([^,]{2,40}),\s*ngay\s+\d")
_SUBJECT = re.compile(r"^(?:ve viec|v/v)\b")


def _found(text: str, line: Line) -> Found:
    return Found(text, confidence(line.words), line)


def _page_middle(lines: list[Line], page: int) -> float:
    return max(line.box[2] for line in lines if line.page == page) / 2


def _issuing_body(lines: list[Line]) -> Found | None:
    first = [line for line in lines if line.page == 0]
    if not first:
        return None
    middle = _page_middle(lines, 0)
    header = []
    for line in first[:12]:
        folded = fold(line.text)
        if folded.startswith("so") and ":" in folded[:6] or _PLACE_DATE.match(folded):
            break
        if line.box[0] < middle and not folded.startswith(_MOTTO):
            header.append(line)
    if not header:
        return None
    return Found(" ".join(line.text for line in header), min(confidence(l.words) for l in header),
                 header[0])


def _place_date(lines: list[Line]) -> tuple[Line, str] | None:
    for line in lines[:20]:
        match = _PLACE_DATE.match(fold(line.text))
        if match:
            return line, line.text[:match.end(1)]
    return None


def _doc_type(lines: list[Line]) -> Found | None:
    for line in lines[:25]:
        folded = fold(line.text)
        if any(folded.startswith(key) for key in DOC_TYPES) and line.text.isupper():
            return _found(line.text, line)
    return None


def _subject(lines: list[Line]) -> Found | None:
    for line in lines[:30]:
        if _SUBJECT.match(fold(line.text)):
            return _found(line.text, line)
    return None


def _signer(lines: list[Line]) -> Found | None:
    last = max((line.page for line in lines), default=None)
    if last is None:
        return None
    middle = _page_middle(lines, last)
    for line in reversed([l for l in lines if l.page == last]):
        if line.box[0] >= middle * 0.8 and not line.text.isupper() and person_name(line.text):
            return _found(line.text, line)
    return None


FIELDS = {"issuing_body": "text", "doc_type": "doc_type", "doc_number": "doc_number",
          "place": "text", "issue_date": "date", "subject": "text", "signer_name": "name"}
"""An official document's fields (Decree 30/2020) and their validators: what a result holds."""


def read(lines: list[Line], field: str) -> Found | None:
    """The raw text of ``field`` (an official-document field) on the document's pages."""
    if field == "issuing_body":
        return _issuing_body(lines)
    if field in ("place", "issue_date"):
        found = _place_date(lines)
        if not found:
            return None
        line, place = found
        return _found(place if field == "place" else line.text, line)
    if field == "doc_type":
        return _doc_type(lines)
    if field == "subject":
        return _subject(lines)
    if field == "signer_name":
        return _signer(lines)
    return None
