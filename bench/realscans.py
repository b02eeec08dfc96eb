"""The real scans of ``../shared/realscans``: their labels, their Word originals' text, and how
a reading is scored against them (page CER against a text that is not aligned to pages)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from pipeline.text import clean, nfc, tone_normal

DEFAULT_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "realscans"
FIELD_OF_LABEL = {"doc_type": "doc_type", "number": "doc_number", "issue_date": "issue_date",
                  "place": "place", "issuing_body": "issuing_body", "subject": "subject",
                  "signer_name": "signer_name"}
"""The label's key → sohoa's official-document field."""


@dataclass(frozen=True)
class RealScan:
    path: Path
    labels: dict
    truth: str  # the Word original's text, whole document

    @property
    def name(self) -> str:
        return self.path.name


def folder() -> Path:
    return Path(os.environ.get("SOHOA_REALSCANS", DEFAULT_DIR))


def _docx_text(path: Path) -> str:
    """Paragraphs and tables in document order, a table column by column: the Decree 30 header
    is a table, and a person reads its left column (body, number), then its right."""
    import docx  # bench extra
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    out = []
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            out.append(Paragraph(child, document).text)
        elif child.tag.endswith("}tbl"):
            seen = set()
            for column in Table(child, document).columns:
                for cell in column.cells:
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        out.extend(p.text for p in cell.paragraphs)
    return "\n".join(out)


def _doc_text(path: Path) -> str:
    """antiword's text; its tables (rows of ``|cell|cell|``) read column by column, as above."""
    done = subprocess.run(["antiword", "-w", "0", str(path)], capture_output=True, check=True)
    out: list[str] = []
    table: list[list[str]] = []
    for line in done.stdout.decode("utf-8", "replace").splitlines() + [""]:
        if line.startswith("|"):
            table.append(line.strip().strip("|").split("|"))
            continue
        for column in range(max((len(row) for row in table), default=0)):
            out.extend(row[column] for row in table if column < len(row) and row[column].strip())
        table = []
        out.append(line)
    return "\n".join(out)


def truth_text(stem: str, base: Path) -> str:
    ground = base / "groundtruth"
    for candidate in (ground / f"{stem}.docx", ground / f"{stem}.doc"):
        if candidate.exists():
            return _docx_text(candidate) if candidate.suffix == ".docx" else _doc_text(candidate)
    raise FileNotFoundError(f"no Word original for {stem} in {ground}")


def load(base: Path | None = None) -> list[RealScan]:
    base = base or folder()
    labels = json.loads((base / "labels.json").read_text(encoding="utf-8"))
    scans = []
    for entry in labels:
        stem = entry["file"].split(".")[0]
        scans.append(RealScan(base / entry["file"], entry, truth_text(stem, base)))
    return scans


_RULE = re.compile(r"[_¯—–-]{3,}|[.…]{4,}")
_DASHES = str.maketrans("–—−‐", "----")
_MARKER = re.compile(r"^[ \t]*(?:Điều[ \t]+\d+[ \t]*\.|\d{1,2}[ \t]*\.(?!\d)|[a-zđ][ \t]*\))[ \t]*",
                     re.M)


def normal(text: str) -> str:
    """What is compared: NFC, one tone placement, white space collapsed."""
    return tone_normal(clean(text))


def normal_page(text: str) -> str:
    """:func:`normal` for page CER, on both sides: rules and leaders drawn with characters, and
    the list numbers that start a line ("Điều 1.", "2.", "a)"), are dropped, since Word keeps
    automatic numbering and drawn rules out of the text of the originals; dashes are one
    character (an engine cannot tell "–" from "-")."""
    return normal(_RULE.sub(" ", _MARKER.sub("", nfc(text))).translate(_DASHES))


def prefix_errors(hypothesis: str, truth: str) -> tuple[int, int]:
    """(edits, reference length) of ``hypothesis`` against the prefix of ``truth`` it matches
    best: the scan holds the document's first pages, the Word text all of it."""
    hyp, ref = normal_page(hypothesis), normal_page(truth)
    if not hyp:
        return 0, 0

    def cost(end: int) -> int:
        return Levenshtein.distance(hyp, ref[:end])

    step = max(1, len(hyp) // 200)
    ends = range(max(1, int(len(hyp) * 0.6)), min(len(ref), int(len(hyp) * 1.6)) + 1, step)
    best = min(ends, key=cost, default=len(ref))
    fine = range(max(1, best - step), min(len(ref), best + step) + 1)
    best = min(fine, key=cost, default=best)
    return cost(best), best


def same(value: str | None, label: str | None) -> bool:
    """A field value equals its label: NFC, tone placement and case aside."""
    if value is None or label is None:
        return value is None and label is None
    return normal(value).casefold() == normal(label).casefold()

