"""Field extraction: values anchored on the printed labels of Vietnamese forms, validated.

Works on OCR lines (words in reading order, with confidences); a value is what follows its
label on the same line. A value that fails its validator is kept with a low confidence and a
problem, never silently accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from pipeline.identifiers import cccd_matches_birth, parse_cccd
from pipeline.model import FieldValue, OcrPage, Problem, Word
from pipeline.text import clean, fold_aligned, nfc

_NUMBERING = r"^\s*(?:\d{1,2}\s*[.)/]\s*)?"
LABELS: dict[str, list[str]] = {
    "full_name": [r"ho,? chu dem,? (?:va )?ten", r"ho va ten", r"ho ten", r"full name"],
    "date_of_birth": [r"ngay,? thang,? nam sinh", r"ngay sinh", r"sinh ngay", r"date of birth"],
    "id_number": [r"so (?:cccd|can cuoc cong dan|can cuoc|dinh danh ca nhan|cmnd|cmt)",
                  r"so giay to tuy than", r"so/no\.?"],
}
_LABEL_RES = {name: [re.compile(_NUMBERING + p + r"\s*[:.]?\s*") for p in patterns]
              for name, patterns in LABELS.items()}
_DMY = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
_WORDY_DATE = re.compile(r"ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})")
LOW_CONFIDENCE = 0.3


@dataclass(frozen=True)
class Line:
    text: str
    words: list[Word]

    def confidence_of(self, start: int) -> float:
        """Mean confidence (0..1) of the words that lie from character ``start`` on."""
        scores, pos = [], 0
        for word in self.words:
            at = self.text.find(word.text, pos)
            pos = at + len(word.text) if at >= 0 else pos
            if pos > start and word.confidence >= 0:
                scores.append(word.confidence / 100)
        return sum(scores) / len(scores) if scores else 0.0


def lines_of(pages: list[OcrPage]) -> list[Line]:
    """Text lines in reading order, NFC whatever form the words came in."""
    out = []
    for page in pages:
        by_line: dict[int, list[Word]] = {}
        for word in page.words:
            by_line.setdefault(word.line, []).append(replace(word, text=nfc(word.text)))
        out.extend(Line(" ".join(w.text for w in ws), ws) for _, ws in sorted(by_line.items()))
    return out


def _labelled(lines: list[Line], field: str) -> tuple[str, float] | None:
    """The text after the first label of ``field``, with the confidence of its words."""
    for line in lines:
        folded = fold_aligned(line.text)
        for pattern in _LABEL_RES[field]:
            match = pattern.match(folded)
            if match and line.text[match.end():].strip():
                return line.text[match.end():].strip(), line.confidence_of(match.end())
    return None


def parse_date(text: str) -> date | None:
    """``dd/mm/yyyy`` (also ``.`` or ``-``) or "ngày 27 tháng 10 năm 2023"."""
    folded = fold_aligned(clean(text))
    match = _DMY.search(folded) or _WORDY_DATE.search(folded)
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _name(raw: str) -> str:
    letters = re.sub(r"[^\w\s]", " ", raw)
    return clean(letters).title()


def extract_person(pages: list[OcrPage]) -> tuple[dict[str, FieldValue], list[Problem]]:
    """``full_name``, ``date_of_birth`` (ISO) and ``id_number`` (CCCD or CMND) of the owner."""
    lines = lines_of(pages)
    fields: dict[str, FieldValue] = {}
    problems: list[Problem] = []

    if found := _labelled(lines, "full_name"):
        name = _name(found[0])
        if name:
            fields["full_name"] = FieldValue(name, found[1])

    born: date | None = None
    if found := _labelled(lines, "date_of_birth"):
        born = parse_date(found[0])
        if born:
            fields["date_of_birth"] = FieldValue(born.isoformat(), found[1])

    if found := _labelled(lines, "id_number"):
        digits = re.sub(r"[\s.]", "", found[0])
        match = re.match(r"\d{12}(?!\d)|\d{9}(?!\d)", digits)
        if match:
            number, confidence = match.group(0), found[1]
            if len(number) == 12 and parse_cccd(number) is None:
                confidence = min(confidence, LOW_CONFIDENCE)
                problems.append(Problem("invalid_id_number",
                                        f"Số CCCD {number} sai cấu trúc (chữ số thứ 4): cần kiểm tra."))
            elif len(number) == 12 and born and not cccd_matches_birth(number, born):
                confidence = min(confidence, LOW_CONFIDENCE)
                problems.append(Problem("id_number_birth_mismatch",
                                        f"Số CCCD {number} không khớp năm sinh {born.year}: cần kiểm tra."))
            fields["id_number"] = FieldValue(number, confidence)
    return fields, problems
