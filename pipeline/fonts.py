"""Fonts that cover Vietnamese, from Debian's fonts-dejavu-core (installed by `make`)."""

from pathlib import Path

DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_SANS_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
