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
