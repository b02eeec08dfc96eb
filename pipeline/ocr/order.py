"""Reading order of a page's header: the Decree 30/2020 two columns, each read top to bottom.

The engine reads the header row by row ("BỘ GIÁO DỤC VÀ ĐÀO TẠO  CỘNG HÒA XÃ HỘI…", then
"Số: 39/2026/TT-BGDĐT  Hà Nội, ngày…"), often as one line when the gutter is narrow. A person
reads the issuing body and the number (left), then the motto and the place and date (right):
that is also the order of the Word originals, and what field extraction needs. The right
column starts where the motto does; the header ends with the place and date. The signing block at the foot is read the
same way: the recipients ("Nơi nhận:") left, then the signer right.
"""

from __future__ import annotations

import re
from typing import Protocol, Sequence, TypeVar

from rapidfuzz import fuzz

from pipeline.model import line_height
from pipeline.text import fold

_MOTTO = re.compile(r"cong\s*hoa\s*xa\s*hoi|chu\s*nghia\s*viet\s*nam")
_PLACE_DATE = re.compile(r",\s*ngay")
NUMBER = re.compile(r"^s[o0]\s*[:;.]|^so\s+\d")  # "Số: 12/QĐ-UBND" (folded)
HEADER_LINES = 12  # the motto is among the first lines of the page, or there is no header
BESIDE = 0.7  # the issuing body ends at least this many line heights left of the motto


class Boxed(Protocol):
    text: str
    box: tuple[int, int, int, int]


W = TypeVar("W", bound=Boxed)


def _motto_left(lines: Sequence[Sequence[Boxed]]) -> tuple[int, int] | None:
    """(line index, left edge) of the motto's first word, when an issuing body stands beside
    it (a form's centred motto has nothing to its left: no columns there)."""
    for index, line in enumerate(lines[:HEADER_LINES]):
        words = [fold(w.text) for w in line]
        for start in range(len(words)):
            if _MOTTO.match(" ".join(words[start:start + 5])):
                if words[start].startswith("chu") and start >= 4 and \
                        fuzz.ratio(" ".join(words[start - 4:start]), "cong hoa xa hoi") >= 60:
                    start -= 4  # "CỘNG HÒA XÃ HỘI" misread: the motto still starts there
                top, bottom, gutter = line[start].box[1], line[start].box[3], line[start].box[0]
                nearest = max((w.box[2] for other in lines[:HEADER_LINES] for w in other
                               if w.box[2] <= gutter and w.box[1] < bottom and w.box[3] > top),
                              default=None)  # the closest word to its left, at its height
                if nearest is None or gutter - nearest < BESIDE * (bottom - top):
                    return None  # nothing beside it, or the rest of the motto: one column
                return index, gutter
    return None


def _split(lines: list[list[W]], gutter: float) -> tuple[list[W], list[W]]:
    return ([w for w in lines if (w.box[0] + w.box[2]) / 2 < gutter],
            [w for w in lines if (w.box[0] + w.box[2]) / 2 >= gutter])


def _text(words: Sequence[Boxed]) -> str:
    return fold(" ".join(w.text for w in words))


def header_columns(lines: list[list[W]]) -> tuple[list[list[W]], list[list[W]], list[list[W]]]:
    """The header's left and right columns and the page's other lines, each in reading order;
    no columns on a page without the national motto beside an issuing body. The header runs
    down to the place and date (else the number, else three lines under the motto), wherever
    the engine put its lines in its own order."""
    found = _motto_left(lines)
    if found is None:
        return [], [], lines
    motto, gutter = found
    parts = [_split(line, gutter) for line in lines[:HEADER_LINES]]
    dated = [east for _, east in parts if east and _PLACE_DATE.search(_text(east))]
    numbered = [west for west, _ in parts if west and NUMBER.match(_text(west))]
    last = dated or numbered
    bottom = last[0][0].box[3] if last else lines[motto][0].box[3] + 3 * line_height(lines[motto])
    left: list[list[W]] = []
    right: list[list[W]] = []
    rest: list[list[W]] = []
    for line in lines:
        if line[0].box[1] >= bottom:
            rest.append(line)
            continue
        west, east = _split(line, gutter)
        if west:
            left.append(west)
        if east:
            right.append(east)
    return left, right, rest


RECIPIENTS = re.compile(r"n[a-z]i\s*nh[a-z]n\b")  # "Nơi nhận" (folded), a vowel misread or not
GAP = 2.0  # a gap wider than this many line heights between two words separates columns


def footer_columns(lines: list[list[W]]) -> tuple[list[list[W]], list[list[W]], list[list[W]]]:
    """The lines before the signing block, its recipients ("Nơi nhận:", left) and its signer
    (right), each column top to bottom. The engine may read the block's first rows after the
    rest, so the block is every line from the height of "Nơi nhận" down, wherever the engine
    put it. A page without the block is all "before"."""
    start = next((line for line in lines
                  if RECIPIENTS.match(fold(" ".join(w.text for w in line)))), None)
    if start is None:
        return lines, [], []
    top = start[0].box[1] - 2 * line_height(start)  # the signer's title may sit a little higher
    page_left = min(line[0].box[0] for line in lines)
    page_right = max(w.box[2] for line in lines for w in line)
    middle = (page_left + page_right) / 2
    block = [line for line in lines if line[0].box[1] >= top]
    starts = [b.box[0] for line in block for a, b in zip([None, *line], line)
              if b.box[0] >= middle * 0.9
              and (a is None or b.box[0] - a.box[2] > GAP * line_height(line))]
    if not starts:
        return lines, [], []
    gutter = min(starts)
    left: list[list[W]] = []
    right: list[list[W]] = []
    for line in block:
        height = line_height(line)
        cut = next((i for i, (a, b) in enumerate(zip(line, line[1:]), start=1)
                    if b.box[0] >= gutter - height and b.box[0] - a.box[2] > GAP * height), None)
        if cut is None:  # one column's line, even where it runs past the other's edge
            (left if line[0].box[0] < gutter - height else right).append(line)
        else:
            left.append(line[:cut])
            right.append(line[cut:])
    before = [line for line in lines if line[0].box[1] < top]
    return before, sorted(left, key=lambda l: l[0].box[1]), sorted(right, key=lambda l: l[0].box[1])
