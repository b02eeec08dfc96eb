"""The real scans of ``../shared/realscans``: their labels, their Word originals' text, and how
a reading is scored against them (page CER against a text that is not aligned to pages)."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from pipeline.text import clean, tone_normal

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
    """Paragraphs and table cells in document order (the Decree 30 header is a table)."""
    import docx  # bench extra
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    out = []
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            out.append(Paragraph(child, document).text)
        elif child.tag.endswith("}tbl"):
            for row in Table(child, document).rows:
                for cell in row.cells:
                    out.extend(p.text for p in cell.paragraphs)
    return "\n".join(out)


def _doc_text(path: Path) -> str:
    done = subprocess.run(["antiword", "-w", "0", str(path)], capture_output=True, check=True)
    return done.stdout.decode("utf-8", "replace").replace("|", " ")


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


def normal(text: str) -> str:
    """What is compared: NFC, one tone placement, white space collapsed."""
    return tone_normal(clean(text))


def prefix_errors(hypothesis: str, truth: str) -> tuple[int, int]:
    """(edits, reference length) of ``hypothesis`` against the prefix of ``truth`` it matches
    best: the scan holds the document's first pages, the Word text all of it."""
    hyp, ref = normal(hypothesis), normal(truth)
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

