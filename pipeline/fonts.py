"""Fonts that cover Vietnamese, from Debian's fonts-dejavu-core (installed by `make`)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from pipeline.derived import stamps, user_cache, write_whole

DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_SANS_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
VIETNAMESE = [*range(0x20, 0x250), *range(0x300, 0x370), *range(0x1E00, 0x1F00),
              *range(0x2000, 0x2070), 0x20AB]
"""Latin with every precomposed Vietnamese letter, combining marks, punctuation, ₫."""


@cache
def stamp_font(source: Path = DEJAVU_SANS) -> Path:
    """``source`` cut to Vietnamese and Latin, without OpenType layout tables: the signature
    stamp's font. pyHanko subsets the stamp's font on every signature, and DejaVu's layout
    tables made that 0.3 s of each (measured on a 5-document dossier); precomposed letters
    need no shaping. Made once per machine into the user's cache (never shipped)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    tag = hashlib.sha256(":".join([*stamps([source]), "1"]).encode()).hexdigest()
    target = user_cache("fonts") / f"{source.stem}-vi-{tag[:12]}.ttf"
    if not target.exists():
        options = subset.Options()
        options.layout_features, options.name_IDs, options.notdef_outline = [], ["*"], True
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=VIETNAMESE)
        font = TTFont(source)
        subsetter.subset(font)
        # a flow's tasks sign in threads, and each may make the font on a fresh home
        write_whole(target, lambda draft: font.save(str(draft)))
    return target
