"""Vietnamese text rules: NFC for storage and comparison, diacritic folding for search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def clean(text: str) -> str:
    """NFC with runs of white space collapsed to one space."""
    return _SPACES.sub(" ", nfc(text)).strip()


def fold(text: str) -> str:
    """Lower-case, diacritics dropped, đ→d: the form search compares.

    Old and new tone placement ("hoà"/"hòa") fold to the same string.
    """
    lowered = clean(text).lower()
    stripped = "".join(
        c for c in unicodedata.normalize("NFD", lowered) if unicodedata.category(c) != "Mn"
    )
    return stripped.replace("đ", "d")


def fold_aligned(text: str) -> str:
    """:func:`fold` character by character, keeping length, so positions map back to ``text``.

    ``text`` must be NFC; every precomposed Vietnamese letter folds to one character.
    """
    out = []
    for char in text:
        base = unicodedata.normalize("NFD", char.lower())[:1]
        out.append("d" if base == "đ" else base or char)
    return "".join(out)


TONES = "\u0300\u0301\u0309\u0303\u0323"  # huyền, sắc, hỏi, ngã, nặng (combining)
_TONED = {vowel: "".join(unicodedata.normalize("NFC", base + tone) for base in (vowel, vowel.upper())
                         for tone in TONES) for vowel in "aey"}
_OLD_TONE = re.compile(f"([oO])([{_TONED['a']}{_TONED['e']}])(?!\\w)|(?<![qQ])([uU])([{_TONED['y']}])(?!\\w)")


def _tone_to_first(match: re.Match[str]) -> str:
    first, second = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
    marks = unicodedata.normalize("NFD", second)
    tone = "".join(c for c in marks if c in TONES)
    bare = "".join(c for c in marks if c not in TONES)
    return nfc(first + tone) + nfc(bare)


def tone_normal(text: str) -> str:
    """NFC with the old tone placement of open ``oa``, ``oe``, ``uy`` ("hoà", "Uỷ") written the
    new way ("hòa", "Ủy"): both occur on real paper and mean the same word."""
    return _OLD_TONE.sub(_tone_to_first, nfc(text))
