"""The name a form's declarant writes under their signature ("NGƯỜI KHAI … Trần Thị Huyền").

Forms are signed "ký, ghi rõ họ tên": the name is on the page twice. Read two ways with the
same letters, one reading is wrong; a name refused in capitals above ("#OÀNG" for "HOÀNG")
often reads in the small letters below.
"""

from __future__ import annotations

import regex
from rapidfuzz import fuzz

from pipeline.fields.layout import Found, Line
from pipeline.fields.validators import person_name
from pipeline.text import fold, fold_aligned, nfc

SIGNED_MATCH = 70.0  # rapidfuzz ratio, folded: a refused name and the one signed are one name

_SIGNS = regex.compile(r"^(?:nguoi (?:khai|lam don|yeu cau|de nghi|(?:duoc )?uy quyen|dai dien)){e<=1}\b")
"""The declarant's block at a form's foot, under which they sign and write their name (the
heading found with a letter lost under a seal: "NGƯỜI HAI"; its specks aside: "NGƯỜI š'HAI")."""
_SPECKS = regex.compile(r"[^\w\s]+")


def _words(lines: list[Line], found: Found) -> list[str]:
    """The words written under the declarant's signature ("NGƯỜI KHAI … Trần Thị Huyền"): the
    first line below the block's heading, in its column, with as many words as ``found``."""
    size = len(found.text.split())
    for index, line in enumerate(lines):
        if line.page != found.line.page or not _SIGNS.match(_SPECKS.sub("", fold_aligned(line.text))):
            continue
        left, right = line.box[0] - (line.box[2] - line.box[0]), line.box[2] + (line.box[2] - line.box[0])
        for below in lines[index + 1:index + 5]:
            if below.page == line.page and left <= below.box[0] <= right \
                    and len(below.text.split()) == size:
                return below.text.split()
    return []


def disagreements(lines: list[Line], found: Found, value: str) -> list[tuple[str, str]]:
    """Words of a name that the name under the signature spells with other marks ("Thủy"
    above, "Thù;" below): one reading is wrong, though the engine was sure of both. Only
    when most words agree letter for letter (as far as the one below is read), so that it is
    the same name."""
    pairs = [(a, nfc("".join(c for c in b if c.isalpha())))  # "Thù;": the letters read
             for a, b in zip(value.split(), _words(lines, found))]
    same = [(a, b) for a, b in pairs if len(b) >= 2 and fold(a).startswith(fold(b))]
    if len(same) * 2 <= len(pairs):
        return []
    return [(a, b) for a, b in same if a[:len(b)].lower() != b.lower()]


def name(lines: list[Line], found: Found) -> str | None:
    """The name under the signature, when it is valid and the refused ``found`` is the same
    name misread."""
    below = person_name(" ".join(_words(lines, found)))
    return below if below and fuzz.ratio(fold(below), fold(found.text)) >= SIGNED_MATCH else None
