"""Ink separation on colour scans: the print the engine reads, apart from seals and hand ink.

Red seals and stamps ("ĐÃ THẨM ĐỊNH") lie over the signer's block and the text; numbers and
dates are filled in by hand in blue. Black print is dark in every channel, red ink is bright
in the red channel and blue ink dark in it, so the page the engine reads is the luminance with
the red-dominant pixels of seals and stamps lifted to paper (the seal fades, black text under
it stays: black is not red), and blue ink is kept apart as a mask for the hand-filled slots
(:mod:`pipeline.ocr.slots`). A seal or stamp is red ink that spans a large area (its ring or
frame); red print elsewhere, such as the title of an ID card, is read like any print.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

RED_MARGIN = (20, 60)  # red over the brighter of green and blue: ramp from print to seal
BLUE_MARGIN = 30  # blue over the brighter of red and green for a pixel to be blue ink
BLUE_MAX_LEVEL = 215  # mean level above which a bluish pixel is paper tint, not ink
SEAL_MM = 16.0  # red ink spanning this both ways (joined as below) is a seal or a stamp
_WORK_DPI = 50  # seals are found on a small copy
_JOIN_MM = 2.0  # red marks closer than this are parts of one seal or stamp


@dataclass(frozen=True)
class Inks:
    """A page split by ink, in the pixels of the scan as given."""

    gray: np.ndarray  # uint8: the print with red seals and stamps faded out
    blue: np.ndarray | None  # bool: blue ink (hand-filled values, signatures); None on grey scans


_RAMP = np.clip((np.arange(256) - RED_MARGIN[0]) / (RED_MARGIN[1] - RED_MARGIN[0]), 0, 1
                ).astype(np.float32)


def _seal_zones(redness: np.ndarray, dpi: int) -> np.ndarray:
    """Where seals and stamps are: the boxes of red ink spanning :data:`SEAL_MM` both ways."""
    scale = min(1.0, _WORK_DPI / dpi)
    small = cv2.resize((redness > 0.5).astype(np.uint8) * 255, None, fx=scale, fy=scale,
                       interpolation=cv2.INTER_AREA)  # thin strokes survive as faint pixels
    reach = max(3, round(_JOIN_MM / 25.4 * dpi * scale)) | 1  # a stamp's frame, text and date
    small = cv2.dilate((small > 16).astype(np.uint8), np.ones((reach, reach), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(small, connectivity=8)
    size = SEAL_MM / 25.4 * dpi * scale
    zones = np.zeros(redness.shape, np.float32)
    for x, y, w, h, _ in stats[1:count]:
        if w >= size and h >= size:
            zones[round(y / scale):round((y + h) / scale), round(x / scale):round((x + w) / scale)] = 1
    return zones


def separate(image: Image.Image, dpi: int) -> Inks:
    if image.mode != "RGB":
        return Inks(np.asarray(image.convert("L")), None)
    rgb = np.asarray(image)
    r, g, b = cv2.split(rgb)
    luminance = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    redness = _RAMP[cv2.subtract(r, cv2.max(g, b))]  # uint8 arithmetic saturates at 0
    if redness.any():
        redness *= _seal_zones(redness, dpi)
    gray = cv2.add(luminance, (redness * cv2.subtract(255, luminance)).astype(np.uint8))
    blue = (cv2.subtract(b, cv2.max(r, g)) > BLUE_MARGIN) & (luminance < BLUE_MAX_LEVEL)
    return Inks(gray, blue)
