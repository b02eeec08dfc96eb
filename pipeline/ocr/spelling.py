"""Vietnamese syllables the engine misread by a diacritic, put right from its own alternatives.

On clean print, tesseract's Vietnamese model still drops or swaps a diacritic now and then:
"Tiêu chuân" for "chuẩn", "quôc phòng" for "quốc", "bỗ sung" for "bổ", "an nỉnh" for "ninh",
and as often a real syllable for another, "tô chức" for "tổ chức", "Hội đồng thâm định" for
"thẩm định". A word that makes no word of the Vietnamese dictionary with either neighbour is
read again on its own, with the engine's alternatives for each character
(:func:`pipeline._exec.tesseract.alternatives`), when it is no syllable of the model's own word
list (:func:`pipeline._exec.tesseract.dictionary`) or when another spelling of it would make
a dictionary word. Only diacritics change. A word that is no syllable takes the spelling that
makes a dictionary word with a neighbour ("bổ sung", not the likelier "bố sung"), else one
the engine is sure of (:func:`respelt`); a syllable as read changes only to a spelling that
makes a dictionary word and that the engine reads when it reads the word alone
(:func:`repaired`). Abbreviations ("NHNN", "QĐ"), numerals and foreign names have no such
spelling and stay as read. The dictionary is underthesea's Viet74K, a file of the installed
package (nothing is downloaded, the package is not imported).
"""

from __future__ import annotations

import importlib.metadata
import re
import unicodedata
from dataclasses import replace
from functools import cache
from itertools import product
from pathlib import Path

import numpy as np

import pipeline.text
from pipeline._exec import tesseract
from pipeline.derived import derived
from pipeline.text import fold_aligned

LANGUAGE = "vie"  # the model whose word list and dictionary these are
SURE = 50.0  # a changed character's least confidence, with no dictionary word to back it
_WORD = re.compile(r"^(\W*)([^\W\d_]{2,})(\W*)$")
_MAX_SPELLINGS = 5000


@cache
def _dictionary() -> tuple[Path, ...]:
    """The dictionary's file and the code that derives tables from it (:mod:`pipeline.derived`:
    built once per machine)."""
    return (Path(importlib.metadata.distribution("underthesea").locate_file(
        "underthesea/corpus/data/Viet74K.txt")), Path(__file__), Path(pipeline.text.__file__))


@cache
def _pairs() -> frozenset[str]:
    """Every two syllables side by side in a word of the dictionary ("bổ sung", "quốc phòng")."""
    def build() -> frozenset[str]:
        pairs = set()
        with open(_dictionary()[0], encoding="utf-8") as words:
            for entry in words:
                syllables = unicodedata.normalize("NFC", entry).lower().split()
                pairs.update(f"{a} {b}" for a, b in zip(syllables, syllables[1:]))
        return frozenset(pairs)

    return derived("pairs", _dictionary(), build)


@cache
def _bare_pairs() -> dict[str, tuple[str, ...]]:
    """The dictionary's pairs by their bare letters: "bo sung" → ("bổ sung", "bỏ sung"…)."""
    def build() -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for pair in _pairs():
            found.setdefault(fold_aligned(pair), []).append(pair)
        return {bare: tuple(pairs) for bare, pairs in found.items()}

    return derived("bare-pairs", _dictionary(), build)


def _pairing(word: str, before: str, after: str) -> frozenset[str]:
    """The spellings of ``word`` (lower case) that make a dictionary word with ``before`` or
    ``after`` as they stand."""
    bare = _bare_pairs()
    return frozenset(
        [pair.split(" ")[1] for pair in bare.get(fold_aligned(f"{before} {word}"), ())
         if pair.split(" ")[0] == before]
        + [pair.split(" ")[0] for pair in bare.get(fold_aligned(f"{word} {after}"), ())
           if pair.split(" ")[1] == after])


def _base(letter: str) -> str:
    """A letter without its diacritics, in its case ("ổ" → "o", "Đ" → "D"; the case is kept,
    unlike :func:`pipeline.text.fold_aligned`, so that an alternative in the other case is no
    sign that the characters line up)."""
    bare = unicodedata.normalize("NFD", letter)[0]
    return {"đ": "d", "Đ": "D"}.get(letter, bare)


_LETTERS = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵdđ"


@cache
def _variants(letter: str) -> tuple[str, ...]:
    """``letter`` and every letter that differs from it by diacritics only, in its case."""
    found = [v for v in _LETTERS + _LETTERS.upper() if _base(v) == _base(letter)
             and v.isupper() == letter.isupper()]
    return (letter, *[v for v in found if v != letter]) if found else (letter,)


def respelt(letters: str, choices: list[tuple[tuple[str, float], ...]], before: str, after: str,
            syllables: frozenset[str], pairs: frozenset[str]) -> tuple[str, float] | None:
    """The spelling of ``letters`` (a word the page read, no syllable of ``syllables``) that
    ``choices`` (the word read again: per character, alternatives and confidences) support
    best, and its least sure changed character (0 where only the dictionary backs it); None
    to keep the word as read. ``before`` and ``after`` are its neighbours ("" at punctuation).

    A syllable that makes a word of the dictionary (``pairs``) with a neighbour, its changed
    characters among the engine's alternatives, comes first; then one the engine is sure of
    (every changed character at least ``SURE``); then one that only the dictionary backs;
    among equals, the most confident."""
    if len(choices) != len(letters):
        return None  # read again, the word split or merged: its characters do not line up
    options = []
    for letter, alternatives in zip(letters, choices):
        seen = {text: confidence for text, confidence in alternatives
                if len(text) == 1 and _base(text) == _base(letter)}
        if not seen:
            return None
        options.append([(variant, seen.get(variant, -1.0)) for variant in _variants(letter)])
    if np.prod([len(o) for o in options]) > _MAX_SPELLINGS:
        return None
    best: tuple[tuple[int, float], str, float] | None = None
    for spelling in product(*options):
        word = "".join(text for text, _ in spelling)
        if word.lower() not in syllables:
            continue
        changed = [confidence for (text, confidence), letter in zip(spelling, letters)
                   if text != letter]
        weakest = min(changed, default=100.0)
        paired = any(pair in pairs for pair in (f"{before} {word.lower()}", f"{word.lower()} {after}"))
        tier = 3 if paired and weakest >= 0 else 2 if weakest >= SURE else 1 if paired else 0
        rank = tier, sum(max(0.0, confidence) for _, confidence in spelling)
        if tier and (best is None or rank > best[0]):
            best = rank, word, max(0.0, weakest)
    return (best[1], best[2]) if best else None


def repaired(letters: str, choices: list[tuple[tuple[str, float], ...]], spellings: frozenset[str]
             ) -> tuple[str, float] | None:
    """Of ``spellings`` (syllables that make a dictionary word with a neighbour where
    ``letters``, a syllable too, makes none: "bó" beside "sung"), the one the engine reads when
    it reads the word alone (each changed character its first choice in ``choices``, at least
    ``SURE``), and its least sure changed character; None to keep the word as read. A syllable
    as read is a real word: the dictionary alone does not change it, nor a second choice (a
    name's "Hiền" beside "Văn" stays, though "văn hiến" is a word)."""
    if len(choices) != len(letters):
        return None
    best: tuple[float, str, float] | None = None
    for spelling in spellings:
        cased = "".join(c.upper() if l.isupper() else c for c, l in zip(spelling, letters))
        read = [alternatives[0][1] if alternatives[0][0] == c else -1.0
                for c, l, alternatives in zip(cased, letters, choices) if c != l]
        if read and min(read) >= SURE and (best is None or sum(read) > best[0]):
            best = sum(read), cased, min(read)
    return (best[1], best[2]) if best else None


def _hand_g(letters: str, syllables: frozenset[str]) -> str | None:
    """A hand-written word that is no syllable with its "na" read for "ng" put right, where
    exactly one such "a" makes a syllable: the engine reads a written "g" as "a" ("naày",
    "thána", "hàna", "Duna" for ngày, tháng, hàng, Dung)."""
    if letters.lower() in syllables:
        return None
    found = [letters[:i] + ("G" if letters[i] == "A" else "g") + letters[i + 1:]
             for i in range(1, len(letters))
             if letters[i] in "aA" and letters[i - 1] in "nN"]
    found = [f for f in found if f.lower() in syllables]
    return found[0] if len(found) == 1 else None


def _letters(word: tesseract.EngineWord) -> tuple[str, str, str] | None:
    """A word's leading punctuation, letters and trailing punctuation; None if it is no word."""
    found = _WORD.match(word.text)
    return found.groups() if found else None  # type: ignore[return-value]


def correct(lines: list[list[tesseract.EngineWord]], gray: np.ndarray, dpi: int, language: str
            ) -> list[list[tesseract.EngineWord]]:
    """``lines`` (a block's, engine pixels of ``gray``) with printed words respelt where the
    engine's alternatives allow: a word that is no syllable of the model's list
    (:func:`respelt`), and a syllable that makes no dictionary word with either neighbour where
    another spelling of it would (:func:`repaired`: "BÓ SUNG", "tô chức"). A respelt word's
    least confidence is its changed character's."""
    syllables, pairs = tesseract.dictionary(language), _pairs()
    flat = [word for line in lines for word in line]
    parts = [*map(_letters, flat), None]  # parts[-1]: no word before the first or after the last
    fixed: dict[int, tesseract.EngineWord] = {}
    for k, word in enumerate(flat):
        if word.source == "hand" and parts[k] is not None \
                and (hooked := _hand_g(parts[k][1], syllables)):
            fixed[id(word)] = replace(word, text=parts[k][0] + hooked + parts[k][2], symbols=())
            continue
        if word.source != "print" or parts[k] is None:
            continue
        lead, letters, trail = parts[k]
        low = letters.lower()
        before, after = parts[k - 1], parts[k + 1]
        before = before[1].lower() if before and before[2] == "" and lead == "" else ""
        after = after[1].lower() if after and after[0] == "" and trail == "" else ""
        if f"{before} {low}" in pairs or f"{low} {after}" in pairs:
            continue  # a dictionary word as read (also where the list lacks it: "thặng dư")
        if low not in syllables:
            found = respelt(letters, _reread(word, gray, dpi, language), before, after,
                            syllables, pairs)
        else:
            spellings = _pairing(low, before, after)
            found = repaired(letters, _reread(word, gray, dpi, language), spellings) \
                if spellings else None
        if found:
            fixed[id(word)] = replace(word, text=lead + found[0] + trail, symbols=(),
                                      char_confidence=min(word.char_confidence, found[1]))
    return [[fixed.get(id(word), word) for word in line] for line in lines]


def _reread(word: tesseract.EngineWord, gray: np.ndarray, dpi: int, language: str
            ) -> list[tuple[tuple[str, float], ...]]:
    """The characters of ``word`` read again alone, with their alternatives: on a margin of
    the page around it (print beside a word reads better than on blank paper), the characters
    whose middle lies in the word's box, its punctuation left out."""
    x0, y0, x1, y1 = word.box
    pad = max(1, (y1 - y0) // 3)
    left, top = max(0, x0 - pad), max(0, y0 - pad)
    crop = gray[top:y1 + pad, left:x1 + pad]
    if not crop.size:
        return []
    return [choices for (a, _, b, _), choices in tesseract.alternatives(crop, dpi, language)
            if choices and choices[0][0].isalpha() and x0 <= left + (a + b) / 2 <= x1]
