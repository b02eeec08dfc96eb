"""An address's administrative units against the gazetteer of Vietnam's units.

The engine misreads a tone in a place name as easily as in any word ("thành phố Vĩnh" for
Vinh), and such a value passes every rule a free text can be held to. The units, though, are
a closed list: underthesea's data file (read as a file from the installed package, as
:mod:`pipeline.ocr.spelling` reads its dictionary) names the 63 provinces, their districts
and wards before 1 July 2025 and the 34 provinces and their wards after. A unit the list
spells otherwise goes to a person, with the list's spelling when one name is that close.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
from functools import cache
from pathlib import Path

from rapidfuzz.distance.Levenshtein import distance

import pipeline.text
from pipeline.derived import derived
from pipeline.text import fold, tone_normal

KINDS = ("thành phố", "thị trấn", "thị xã", "đặc khu", "phường", "quận", "huyện", "tỉnh", "xã")
"""The words that name a unit's kind, longest first where one starts another."""
PROVINCE_KINDS = ("thành phố", "tỉnh")
"""The kinds a province's name follows ("thành phố" also a district's: "thành phố Vinh")."""
_KIND_OF = {fold(kind): kind for kind in KINDS}
_KIND = re.compile(r"^(" + "|".join(_KIND_OF) + r")\s+(?!lo\b)(\S.*)$")
"""A unit's kind and its name; not a road named after the kind ("Tỉnh lộ 8", "Huyện lộ 2")."""
_EDGES = " .;:-–"
NUMBERED = ("số", "ngõ", "ngách", "hẻm", "kiệt", "tổ", "thôn", "xóm", "ấp", "lô", "tầng", "phòng")
"""Words an address puts before a number ("Số 81", "ngõ 15", "Tổ 3")."""
_NUMBERED_OF = {fold(word): word for word in NUMBERED}
_NUMBERED = re.compile(r"^(\s*)([^\W\d_]{2,5})(?=\s+\d)")
_BELOW_PROVINCE = re.compile("^(?:" + "|".join(
    [fold(k) for k in KINDS if k not in PROVINCE_KINDS] + ["duong", "pho"] + list(_NUMBERED_OF))
    + r")\s")
"""What an address's last part is when it stops before its province: a ward, a district, a
street or a house number."""


@cache
def _units() -> dict[str, dict[str, frozenset[str]]]:
    """kind (folded; ``""`` for any) → name (folded) → the name's spellings, in the new tone
    placement; built once per machine (:mod:`pipeline.derived`)."""
    path = Path(importlib.metadata.distribution("underthesea").locate_file(
        "underthesea/address/data/mapping.json"))
    return derived("units", [path, Path(__file__), Path(pipeline.text.__file__)],
                   lambda: _gazetteer(path))


def _gazetteer(path: Path) -> dict[str, dict[str, frozenset[str]]]:
    with open(path, encoding="utf-8") as file:
        data = json.load(file)
    full = {info["name"] for key in ("province_names", "old_province_names")
            for info in data[key].values()}
    full |= {record[key] for record in data["ward_mapping"]
             for key in ("old_district", "old_ward", "new_ward")}
    found: dict[str, dict[str, set[str]]] = {}
    for unit in full:
        match = _KIND.match(fold(unit))
        if match:
            name = tone_normal(unit).split(maxsplit=len(match.group(1).split()))[-1]
            for kind in (match.group(1), ""):
                found.setdefault(kind, {}).setdefault(fold(name), set()).add(name)
    return {kind: {name: frozenset(spelt) for name, spelt in names.items()}
            for kind, names in found.items()}


def _spelling(kind: str, name: str) -> str | None:
    """The one spelling the list has for ``name`` read with a tone or a letter wrong; ``None``
    when it has none that close, or several."""
    names, folded = _units()[kind], fold(name)
    spelt = names.get(folded)
    if spelt is None:
        close = [n for n in names if abs(len(n) - len(folded)) <= 1 and distance(n, folded) <= 1]
        spelt = names[close[0]] if len(close) == 1 else None
    return next(iter(spelt)) if spelt and len(spelt) == 1 else None


def _listed(name: str) -> bool:
    """Whether the list spells ``name`` so, under any kind, case and tone placement aside."""
    return tone_normal(name).lower() in {s.lower() for s in _units()[""].get(fold(name), ())}


def _slips(read: str, meant: str) -> int:
    """The letters of ``read`` other than ``meant``'s (both folded, as long), not counting an
    "a" where "g" is meant: the engine reads a hand's "g" as "a" ("naày", "thána", "hàna")."""
    return sum(r != m and (r, m) != ("a", "g") for r, m in zip(read, meant))


def _numbered(part: str) -> str:
    """``part`` with the word before its number written as the one of :data:`NUMBERED` it
    is read for, a letter or a mark wrong ("Sá 296", "naõ 88" in a hand the engine misreads,
    "naã 5" with its mark wrong too)."""
    match = _NUMBERED.match(part)
    if not match or tone_normal(match.group(2)).lower() in NUMBERED:
        return part
    word = fold(match.group(2))
    close = [k for f, k in _NUMBERED_OF.items() if f == word] or \
        [k for f, k in _NUMBERED_OF.items() if len(f) == len(word) and _slips(word, f) <= 1]
    if len(close) != 1:
        return part
    meant = close[0].capitalize() if match.group(2)[0].isupper() else close[0]
    return match.group(1) + meant + part[match.end():]


_SEVEN = re.compile(r"^(\s*([^\W\d_]{2,5})\s+)((?=[\dZ]*\d)[\dZ]*Z[\dZ]*)(?![^\W_])")
"""A number after an address's word with a "Z" among its digits ("Số Z8", "ngõ 5Z")."""


def _sevens(part: str) -> str:
    """``part`` with the "Z"s of its number (:data:`NUMBERED`) read as 7: the engine's reading
    of a written 7, and no house or lane is numbered with a Z."""
    match = _SEVEN.match(part)
    if not match or fold(match.group(2)) not in _NUMBERED_OF:
        return part
    return match.group(1) + match.group(3).replace("Z", "7") + part[match.end():]


_SPLIT = re.compile(r"^(\s*([^\W\d_]{2,5})\s+\d{1,3}) (\d)(\s*)$")
"""A number after an address's word with a space read between its last two digits ("Số 21 7")."""


def _joined(part: str) -> str:
    """``part`` with its number (:data:`NUMBERED`) in one piece: no house or lane number is
    written as two numbers side by side."""
    match = _SPLIT.match(part)
    if not match or fold(match.group(2)) not in _NUMBERED_OF:
        return part
    return match.group(1) + match.group(3) + match.group(4)


def stops_short(address: str) -> str | None:
    """The last part of ``address`` when it is a unit below a province, a street or a number
    ("…, phường Kim Mã"): a residence is written down to its province, and a value that stops
    before it is most often one whose next line was not read."""
    last = address.rsplit(",", 1)[-1].strip(_EDGES)
    return last if _BELOW_PROVINCE.match(fold(last) + " ") else None


def _kind(read: str) -> str | None:
    """The kind (folded) of the unit ``read`` names: its first words, or those words read with
    one letter wrong, in small letters, before a name the list has under that kind
    ("nhường Bến Nghé", "thành nhố Vinh": a hand's "p" the engine takes for "n")."""
    match = _KIND.match(fold(read))
    if match:
        return match.group(1)
    words = read.split()
    for kind in _KIND_OF:
        size = len(kind.split())
        said, name = fold(" ".join(words[:size])), " ".join(words[size:])
        if name and len(said) == len(kind) >= 4 and distance(said, kind) == 1 \
                and all(w[1:].islower() for w in words[:size]) and words[size - 1].islower() \
                and fold(name) in _units()[kind]:
            return kind
    return None


def _names(rest: list[str], kind: str) -> bool:
    """Whether the words ``rest`` begin with a name the list has under ``kind``."""
    listed = _units()[fold(kind)]
    return any(fold(" ".join(rest[:size]).strip(",.;")) in listed for size in range(1, 5))


def _commas(address: str) -> str:
    """``address`` with a comma before each unit that follows the one before it with none, or
    with a full stop for it ("xã Hưng Lộc thành phố Vinh", "Kim Mã. quận Ba Đình": a hand's
    commas the engine lost). Kinds in small letters, or "Thành phố"/"Tỉnh" capitalised, or in
    capitals in an address in capitals; a kind read with another tone too, before a name the
    list has under it ("Bến Nahé quân 1"); the words of "thị xã" are one kind, "Tỉnh lộ" a
    road."""
    words = address.split(" ")
    for k in range(len(words) - 1, 0, -1):
        for kind in KINDS:
            said = words[k:k + len(kind.split())]
            text, after = " ".join(said), words[k + len(said):k + len(said) + 1]
            spelt = text.lower() == kind or (text.islower() and fold(text) == fold(kind)
                                             and _names(words[k + len(said):], kind))
            if not spelt or fold(" ".join(after)) == "lo" or not (
                    text.islower() or address.isupper()
                    or (kind in PROVINCE_KINDS and said[0][1:].islower())):
                continue
            if tone_normal(" ".join(words[k - 1:k + 1])).lower() not in KINDS \
                    and words[k - 1] and words[k - 1][-1] not in ",;":
                words[k - 1] = words[k - 1].rstrip(".") + ","
            break
    return " ".join(words)


def _cased(like: str, word: str) -> str:
    return word.upper() if like.isupper() else word.capitalize() if like[:1].isupper() else word


def unlisted(address: str) -> tuple[list[str], str]:
    """The parts of ``address`` (between its commas) read wrong: a unit whose kind or name
    the list does not spell so ("quân 1"), a word before a number that is none of
    :data:`NUMBERED`, or a number read with a "Z" or in two pieces; and the address with each
    that is a tone or a letter from one spelling written so. A name the list has under another
    kind is listed: a unit's kind changes (the town "thị xã Sầm Sơn" is a city since 2017) and
    citizens write the one their papers carry."""
    parts = _commas(address).split(",")
    unknown = []
    for k, part in enumerate(parts):
        if (numbered := _joined(_sevens(_numbered(part)))) != part:
            unknown.append(part.strip(_EDGES))
            parts[k] = numbered
            continue
        read = part.strip(_EDGES)
        folded_kind = _kind(read)
        if folded_kind is None:
            continue
        kind = _KIND_OF[folded_kind]
        *written, name = read.split(maxsplit=len(kind.split()))
        kind_right, listed = tone_normal(" ".join(written)).lower() == kind, _listed(name)
        if kind_right and listed:
            continue
        unknown.append(read)
        spelt = name if listed else _spelling(folded_kind, name) or _spelling("", name) or name
        meant = " ".join(written) if kind_right else _cased(written[0], kind)
        parts[k] = part.replace(read, f"{meant} {spelt.upper() if name.isupper() else spelt}")
    return unknown, ",".join(parts)
