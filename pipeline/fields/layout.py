"""Where values sit: OCR lines with their word boxes, and the value right of or below a label."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pipeline.model import OcrPage, Word
from pipeline.text import fold_aligned, nfc


@dataclass(frozen=True)
class Line:
    page: int  # 0-based page of the document
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (min(w.box[0] for w in self.words), min(w.box[1] for w in self.words),
                max(w.box[2] for w in self.words), max(w.box[3] for w in self.words))

    def words_in(self, start: int, end: int) -> list[Word]:
        """The words that lie (at least partly) between characters ``start`` and ``end``."""
        out, pos = [], 0
        for word in self.words:
            if pos < end and pos + len(word.text) > start:
                out.append(word)
            pos += len(word.text) + 1
        return out


@dataclass(frozen=True)
class Found:
    """A value's raw text, the words it was read from and the line it starts on."""

    text: str
    words: list[Word]
    line: Line

    @property
    def confidence(self) -> float:
        return confidence(self.words)

    @property
    def handwritten(self) -> bool:
        return any(w.source == "hand" for w in self.words)


COLUMN_GAP = 2.5  # a gap between words wider than this many line heights separates columns


def _columns(words: list[Word]) -> list[list[Word]]:
    """Split an engine line that runs across columns (a Decree 30 header row) at its gutters."""
    height = sorted(w.box[3] - w.box[1] for w in words)[len(words) // 2]
    parts = [[words[0]]]
    for previous, word in zip(words, words[1:]):
        if word.box[0] - previous.box[2] > COLUMN_GAP * height:
            parts.append([])
        parts[-1].append(word)
    return parts


def lines_of(pages: list[OcrPage]) -> list[Line]:
    """Every text line of the document in reading order, words in NFC, split at column gutters."""
    out = []
    for number, page in enumerate(pages):
        by_line: dict[int, list[Word]] = {}
        for word in page.words:
            by_line.setdefault(word.line, []).append(replace(word, text=nfc(word.text)))
        for _, words in sorted(by_line.items()):
            out.extend(Line(number, part) for part in _columns(words))
    return out


def confidence(words: list[Word]) -> float:
    """Mean over the words of their least sure character, 0..1."""
    scores = [w.reading_confidence / 100 for w in words if w.reading_confidence >= 0]
    return sum(scores) / len(scores) if scores else 0.0


def _below(lines: list[Line], index: int, label: list[Word]) -> Line | None:
    """The nearest following line of the same page that starts under the label."""
    left, right = min(w.box[0] for w in label), max(w.box[2] for w in label)
    bottom = max(w.box[3] for w in label)
    for line in lines[index + 1:index + 4]:
        x0, y0, _, _ = line.box
        if line.page == lines[index].page and y0 >= bottom - 2 and left - (right - left) < x0 < right:
            return line
    return None


def labelled(lines: list[Line], labels: list[re.Pattern[str]], stops: list[re.Pattern[str]]
             ) -> Found | None:
    """The value of the first label found: the rest of its line up to the next label, or,
    when nothing follows the label, the line below it."""
    for index, line in enumerate(lines):
        text = line.text
        folded = fold_aligned(text)
        for label in labels:
            match = label.search(folded)
            if not match:
                continue
            end = len(text)
            for stop in stops:
                later = stop.search(folded, match.end() + 1)
                if later and later.start() < end:
                    end = later.start()
            value = text[match.end():end].strip()
            if value:
                return Found(value, line.words_in(match.end(), end), line)
            under = _below(lines, index, line.words_in(match.start(), match.end()))
            if under:
                return Found(under.text, under.words, under)
    return None
