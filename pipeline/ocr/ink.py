"""Ink separation on colour scans: the print the engine reads, apart from seals and hand ink.

Red seals and stamps ("ĐÃ THẨM ĐỊNH") lie over the signer's block and the text; numbers and
dates are filled in by hand in blue. Black print is dark in every channel, red ink is bright
in the red channel and blue ink dark in it, so the page the engine reads is the luminance with
red-dominant pixels lifted to their red channel (the seal fades, black text under it stays),
and blue ink is kept apart as a mask for the hand-filled slots (:mod:`pipeline.ocr.slots`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

RED_MARGIN = (20, 60)  # red over the brighter of green and blue: ramp from print to seal
BLUE_MARGIN = 30  # blue over the brighter of red and green for a pixel to be blue ink
BLUE_MAX_LEVEL = 215  # mean level above which a bluish pixel is paper tint, not ink


@dataclass(frozen=True)
class Inks:
    """A page split by ink, in the pixels of the scan as given."""

    gray: np.ndarray  # uint8: the print with red seals and stamps faded out
    blue: np.ndarray | None  # bool: blue ink (hand-filled values, signatures); None on grey scans


_RAMP = np.clip((np.arange(256) - RED_MARGIN[0]) / (RED_MARGIN[1] - RED_MARGIN[0]), 0, 1
                ).astype(np.float32)


def separate(image: Image.Image) -> Inks:
    if image.mode != "RGB":
        return Inks(np.asarray(image.convert("L")), None)
    rgb = np.asarray(image)
    r, g, b = cv2.split(rgb)
    luminance = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    redness = _RAMP[cv2.subtract(r, cv2.max(g, b))]  # uint8 arithmetic saturates at 0
    gray = cv2.add(luminance, (redness * cv2.subtract(r, luminance)).astype(np.uint8))
    blue = (cv2.subtract(b, cv2.max(r, g)) > BLUE_MARGIN) & (luminance < BLUE_MAX_LEVEL)
    return Inks(gray, blue)
