"""Official documents in the Decree 30/2020 layout: fields found by the zone they are printed in.

Page 1: the header's left column (issuing body, then "Số: …" and, in a letter, "V/v …") and
right column (motto, then "<place>, ngày … tháng … năm …"), read apart by the engine stage
(:mod:`pipeline.ocr.order`); then the document type as a centred capitalised title, and the
subject under it, one to five lines up to the legal bases ("Căn cứ …"), the addressee
("Kính gửi: …") or the first article. The signer is on the document's last page: the right
column beside "Nơi nhận:", a position title ("KT. BỘ TRƯỞNG") above the name. A licence or
certificate may say, anywhere, until when it holds ("… có giá trị đến ngày …") and what it
covers ("Phạm vi hoạt động: …"): the QR code on the result carries both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from pipeline.fields.layout import Found, Line
from pipeline.fields.validators import doc_type, person_name
from pipeline.ocr.order import NUMBER, RECIPIENTS
from pipeline.text import fold, fold_aligned

_MOTTO = re.compile(r"^(?:cong\s*hoa\s*xa\s*hoi|doc\s*lap\s*-?\s*tu\s*do)")
_PLACE_DATE = re.compile(r"^([^,.;]{2,40})[,.;]\s*ngay")  # the comma read as "." or ";" too
_LETTER_SUBJECT = re.compile(r"^(?:ve\s*viec|v/v)\b")
_BODY_START = re.compile(r"^(?:can\s*cu|kinh\s*gui|theo\s*de\s*nghi|xet\s|dieu\s*\d|noi\s*nhan"
                         r"|(?:chuong|phan|muc)\s+(?:[ivxlc]+\b|\d|thu\b))")
_VALID_UNTIL = re.compile(r"co\s*(?:gia\s*tri|hieu\s*luc)(?:\s*su\s*dung)?\s*(?:den|toi)"
                          r"(?:\s*het)?\s*:?\s*")
_SCOPE = re.compile(r"pham\s*vi\s*(?:hoat\s*dong|ap\s*dung|su\s*dung|kinh\s*doanh|cung\s*cap)"
                    r"(?:\s+[^\s:]+){0,3}\s*:\s*")  # not "Phạm vi điều chỉnh", a law's article
HEADER_LINES = 14  # the header and the title are within the first lines of page 1
SUBJECT_LINES = 5
SUBJECT_GAP = 0.9  # a gap over this many line heights ends the subject block


def _found(lines: list[Line]) -> Found:
    """Lines joined into one value, as sure as their least sure word."""
    return Found(" ".join(line.text for line in lines), [w for line in lines for w in line.words],
                 lines[0])


def _letters(line: Line) -> bool:
    return any(c.isalpha() for c in line.text)


@dataclass(frozen=True)
class _Zones:
    """Page 1 of a document in zones, found once for all the readers below."""

    first: list[Line]  # page 1's first lines
    title: int | None  # index in ``first`` of the document-type title
    left: list[Line]  # the header's left column above the title
    right: list[Line]  # its right column, motto left out
    number: int | None  # index in ``left`` of the "Số: …" line


def _zones(lines: list[Line]) -> _Zones:
    first = [line for line in lines if line.page == 0][:HEADER_LINES + SUBJECT_LINES + 4]
    title = next((i for i, line in enumerate(first) if line.text.isupper()
                  and doc_type(line.text) and not _MOTTO.match(fold(line.text))), None)
    header = first[:title if title is not None else HEADER_LINES]
    motto = [line for line in header if _MOTTO.match(fold(line.text))]
    if motto:
        gutter = min(line.box[0] for line in motto)
    else:
        gutter = max(line.box[2] for line in first) / 2 if first else 0
    left = [line for line in header if line.box[2] <= gutter + 2 and _letters(line)]
    right = [line for line in header if line.box[2] > gutter + 2 and line not in motto]
    number = next((i for i, line in enumerate(left) if NUMBER.match(fold(line.text))), None)
    return _Zones(first, title, left, right, number)


def _issuing_body(zones: _Zones) -> Found | None:
    end = zones.number
    body = [line for line in zones.left[:end if end is not None else 3] if _letters(line)]
    return _found(body) if body else None


def _doc_number(zones: _Zones) -> Found | None:
    if zones.number is None:
        return None
    line = zones.left[zones.number]
    label = re.match(r"\s*s[o0]\s*[:;.]?\s*", fold_aligned(line.text))
    start = label.end() if label else 0
    words = line.words_in(start, len(line.text))
    return Found(line.text[start:], words, line) if words else None


def _place_date(zones: _Zones) -> tuple[Line, str] | None:
    for line in zones.right + zones.first:
        match = _PLACE_DATE.match(fold(line.text))
        if match:
            return line, line.text[:match.end(1)]
    return None


def _doc_type(zones: _Zones) -> Found | None:
    return _found([zones.first[zones.title]]) if zones.title is not None else None


def _subject(zones: _Zones) -> Found | None:
    """The lines under the title up to the body; in a letter, "V/v …" under its number."""
    if zones.number is not None:
        after = zones.left[zones.number + 1:]
        if after and _LETTER_SUBJECT.match(fold(after[0].text)):
            return _found(after)
    if zones.title is None:
        return None
    block: list[Line] = []
    for line in zones.first[zones.title + 1:zones.title + 1 + SUBJECT_LINES]:
        folded = fold(line.text)
        if _BODY_START.match(folded) or (line.text.isupper() and block):
            break
        if block:
            previous = block[-1]
            height = previous.box[3] - previous.box[1]
            if line.box[1] - previous.box[3] > SUBJECT_GAP * height:
                break
        block.append(line)
    return _found(block) if block else None


def _signer(lines: list[Line]) -> Found | None:
    """The name under the position title, right column of the last page's signing block."""
    last = max((line.page for line in lines), default=None)
    if last is None:
        return None
    page = [line for line in lines if line.page == last]
    left_edge = min(line.box[0] for line in page)
    middle = (left_edge + max(line.box[2] for line in page)) / 2
    start = next((i for i, line in enumerate(page) if RECIPIENTS.match(fold(line.text))), None)
    right = [line for line in page[start or 0:] if line.box[0] >= middle * 0.9]
    titled = False
    name = None
    for line in right:
        if line.text.isupper() and len(line.text) >= 4:
            titled = True
        elif titled and next((c for c in line.text if c.isalpha()), '').isupper() \
                and person_name(line.text):  # printed capitalised, not a run of lower-case words
            name = line
    return _found([name]) if name else None


def _after(lines: list[Line], phrase: re.Pattern[str]) -> Found | None:
    """The rest of the first line, on any page, where ``phrase`` is followed by something."""
    for line in lines:
        match = phrase.search(fold_aligned(line.text))
        if match:
            value = line.text[match.end():].rstrip(" .;,")
            words = line.words_in(match.end(), match.end() + len(value))
            if words:
                return Found(value, words, line)
    return None


FIELDS = {"issuing_body": "text", "doc_type": "doc_type", "doc_number": "doc_number",
          "place": "text", "issue_date": "date", "subject": "subject", "signer_name": "name",
          "valid_until": "any_date", "scope": "text"}
"""An official document's fields (Decree 30/2020) and their validators: what a result holds."""


def read(lines: list[Line], field: str) -> Found | None:
    """The raw text of ``field`` (an official-document field) on the document's pages."""
    if field == "signer_name":
        return _signer(lines)
    if field in ("valid_until", "scope"):
        return _after(lines, _VALID_UNTIL if field == "valid_until" else _SCOPE)
    zones = _zones(lines)
    if field in ("place", "issue_date"):
        found = _place_date(zones)
        if not found:
            return None
        line, place = found
        if field == "place":
            return Found(place, line.words_in(0, len(place)), line)
        return _found([line])
    readers = {"issuing_body": _issuing_body, "doc_number": _doc_number, "doc_type": _doc_type,
               "subject": _subject}
    return readers[field](zones) if field in readers else None


REPEAT_SCORE = 85.0  # rapidfuzz partial ratio from which a passage repeats the subject


def disagreements(lines: list[Line], field: str, found: Found) -> list[tuple[str, str]]:
    """Words where the document, repeating the subject, reads it otherwise.

    The preamble repeats a normative document's subject ("… ban hành Thông tư phân cấp …"):
    two readings of the same words by the engine. Where they differ ("bỗ sung" above, "bồ
    sung" below), one of them is wrong although the engine was sure of both."""
    if field != "subject":
        return []
    own = {id(line) for line in lines if any(w in found.words for w in line.words)}
    rest = " ".join(line.text for line in lines if id(line) not in own and line.page == found.line.page)
    subject = found.text.lower()
    match = fuzz.partial_ratio_alignment(subject, rest.lower(), score_cutoff=REPEAT_SCORE)
    if match is None:
        return []
    theirs = rest.lower()[match.dest_start:match.dest_end].split()
    mine = subject.split()
    return [(" ".join(mine[a:b]), " ".join(theirs[c:d]))
            for tag, a, b, c, d in Levenshtein.opcodes(mine, theirs)
            if tag == "replace" and 0 < a and b < len(mine)]
