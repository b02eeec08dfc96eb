"""Where values sit: OCR lines with their word boxes, and the value right of or below a label."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

from pipeline.model import OcrPage, Word, line_height
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

    def offset(self, word: Word) -> int:
        """Where ``word`` starts in :attr:`text`."""
        return sum(len(w.text) + 1 for w in self.words[:self.words.index(word)])

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
    height = line_height(words)
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
    """The least sure character of any of the words, 0..1: a value is as sure as its weakest
    evidence (one misread tone mark makes a wrong name)."""
    scores = [w.reading_confidence / 100 for w in words if w.reading_confidence >= 0]
    return min(scores) if scores else 0.0


def _beside(lines: list[Line], index: int) -> Line | None:
    """The line right of a label across a gutter, on the same row: a table's value cell."""
    label = lines[index]
    x1, top, bottom = label.box[2], label.box[1], label.box[3]
    row = [line for line in lines if line.page == label.page and line is not label
           and line.box[0] > x1 and line.box[1] < bottom and line.box[3] > top]
    if not row:
        return None
    first = min(line.box[0] for line in row)  # the next cell; of its lines beside the label, the top one
    return min((line for line in row if line.box[0] <= first + bottom - top), key=lambda line: line.box[1])


def _below(lines: list[Line], index: int, label: list[Word]) -> Line | None:
    """The nearest following line of the same page that starts under the label."""
    left, right = min(w.box[0] for w in label), max(w.box[2] for w in label)
    bottom = max(w.box[3] for w in label)
    for line in lines[index + 1:index + 4]:
        x0, y0, _, _ = line.box
        if line.page == lines[index].page and y0 >= bottom - 2 and left - (right - left) < x0 < right:
            return line
    return None


_QUALIFIER = re.compile(r"\s*(?:\([^)]{0,40}\)|[^:;\d(]{1,30}?)\s*[:;]\s*")
"""What some forms print between a label and its colon: "Giới tính (Nam/Nữ):", "Số điện
thoại liên hệ:", "Họ tên người khai:" (its colon read as a semicolon: "người khai;")."""
_INSTRUCTION = re.compile(r"\s*\([^)]{0,40}\)\s*")
"""A label's instruction in parentheses, all its line holds after it ("Giới tính (Nam/Nữ)"
over the value): part of the label, not a value."""
_OPEN = re.compile(r"\s*\([^)]*$")
"""A qualifier whose parenthesis closes on the next line: a table's label cell wraps it ("Tên
hộ kinh doanh (viết bằng" over "chữ in hoa)")."""
CELL_GAP = 2.0  # a gap this many times the line's usual one between words is a cell's edge


def _cell_start(line: Line, start: int) -> int:
    """Where the value starts after an open qualifier: at the first word written by hand, else
    at the widest gap between words, when it is a cell's edge; else at ``start``."""
    words = line.words_in(start, len(line.text))
    hand = next((w for w in words if w.source == "hand"), None)
    if hand is not None:
        return line.offset(hand)
    gaps = [b.box[0] - a.box[2] for a, b in zip(line.words, line.words[1:])]
    after = [(b.box[0] - a.box[2], b) for a, b in zip(words, words[1:])]
    if not after or len(gaps) < 3:
        return start
    widest, word = max(after, key=lambda pair: pair[0])
    return line.offset(word) if widest >= CELL_GAP * sorted(gaps)[len(gaps) // 2] else start


WRAP_WIDTH = 0.75  # a value line reaching this share of the text width may go on below it
_NUMBERED = re.compile(r"^\s*(?:\d{1,2}\s*[.)]|[a-hđ]\)|[-•])\s")  # a row of its own


def _continued(lines: list[Line], index: int, start_x: int, starts: list[re.Pattern[str]],
               cell: Line | None = None) -> list[tuple[str, list[Word]]]:
    """What a value wraps onto: while its line runs to the right margin, the next line of the
    page that starts at the margin or under the value (in a table's cell, whose label is
    ``cell``, under the value only, and not beside the next row's label), up to the next
    label on it."""
    page = [line for line in lines if line.page == lines[index].page]
    text_left = min(line.box[0] for line in page)
    text_right = max(line.box[2] for line in page)
    width = text_right - text_left
    out: list[tuple[str, list[Word]]] = []
    current = lines[index]
    for line in lines[index + 1:index + 4]:
        height = current.box[3] - current.box[1]
        inside = [w for w in line.words if w.box[2] > lines[index].box[0] - height // 2]
        if not inside:
            break
        line = Line(line.page, inside)  # a speck in the margin (a punch hole read as "đ)") left out
        if cell is not None and any(
                other is not cell and other.box[2] < line.box[0]
                and other.box[3] - other.box[1] < 2 * height
                and min(other.box[3], line.box[3]) - max(other.box[1], line.box[1]) > height // 3
                for other in page):
            break  # a line beside it on the left: the next row's label
        if line.page != current.page or current.box[2] < text_left + WRAP_WIDTH * width \
                or line.box[1] - current.box[3] > height or line.box[0] > start_x + height \
                or (cell is not None and line.box[0] < start_x - height) or _NUMBERED.match(line.text):
            break
        folded = fold_aligned(line.text)
        cut = min((m.start() for p in starts if (m := p.search(folded))), default=len(folded))
        if line.text[:cut].strip():
            out.append((line.text[:cut].strip(), line.words_in(0, cut)))
        if cut < len(folded):  # the next field starts on this line
            break
        current = line
    return out


def _wrapped(value: str, words: list[Word], lines: list[Line], index: int, start_x: int,
             starts: list[re.Pattern[str]], cell: Line | None = None) -> tuple[str, list[Word]]:
    """``value`` (read on line ``index``) with what it wraps onto."""
    for more, extra in _continued(lines, index, start_x, starts, cell):
        value, words = f"{value} {more}", words + extra
    return value, words


def following(lines: list[Line], found: Found, heads: Sequence[re.Pattern[str]]) -> Found | None:
    """``found`` and the line under it, when that line starts at the margin and is no label:
    a value cut short by a second field on its row ("ngày 21 tháng 3 năm" above "1953")."""
    try:
        index, height = lines.index(found.line), found.line.box[3] - found.line.box[1]
    except ValueError:
        return None
    line = next((line for line in lines[index + 1:index + 4]
                 if line.box[1] >= found.line.box[3] - height // 4), None)
    if line is None or line.page != found.line.page or line.box[1] - found.line.box[3] > height \
            or line.box[0] > found.line.box[0] + height or _NUMBERED.match(line.text) \
            or any(p.match(fold_aligned(line.text)) for p in heads):
        return None
    return Found(f"{found.text} {line.text}", found.words + line.words, found.line)


def labelled(lines: list[Line], labels: list[re.Pattern[str]], stops: list[re.Pattern[str]],
             heads: Sequence[re.Pattern[str]] = (), wraps: bool = False) -> Found | None:
    """The value of the first label found: the rest of its line up to the next label (and,
    when ``wraps``, the lines it runs onto), or, when nothing follows the label, the table
    cell beside it or the line below it. ``stops`` are labels with their colon, wherever they
    are; ``heads`` any label that starts a line, with or without one. A table's label cell has
    no colon, and what follows the label in it is part of the label ("Họ tên người khai",
    "Giới tính (Nam/Nữ)"): the value is the cell beside it."""
    starts = stops + list(heads)
    for index, line in enumerate(lines):
        text = line.text
        folded = fold_aligned(text)
        for label in labels:
            match = label.search(folded)
            if not match:
                continue
            start = match.end()
            qualifier = _QUALIFIER.match(folded, start)
            if qualifier and ":" not in folded[match.start():start] \
                    and not any(stop.match(folded, start) for stop in stops):
                start = qualifier.end()
            elif _OPEN.match(folded, start):
                start = _cell_start(line, start)
            elif _INSTRUCTION.fullmatch(folded, start):
                start = len(text)
            end = len(text)
            for stop in stops:
                later = stop.search(folded, start + 1)
                if later and later.start() < end:
                    end = later.start()
            value = text[start:end].strip()
            beside = None if value and ":" in folded[match.start():start] else _beside(lines, index)
            if beside and any(p.match(fold_aligned(beside.text)) for p in starts):
                beside = None
            if value and not beside:
                words = line.words_in(start, end)
                if wraps and end == len(text):
                    value, words = _wrapped(value, words, lines, index, words[0].box[0], starts)
                return Found(value, words, line)
            nearby = beside or _below(lines, index, line.words_in(match.start(), match.end()))
            if nearby and not any(p.match(fold_aligned(nearby.text)) for p in starts):
                value, words = nearby.text, nearby.words
                if wraps and beside:  # a table cell's value wraps inside its cell
                    value, words = _wrapped(value, words, lines, lines.index(beside),
                                            beside.box[0], starts, cell=line)
                return Found(value, words, nearby)
    return None
