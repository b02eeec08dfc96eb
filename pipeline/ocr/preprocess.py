"""Preprocessing for recognition only: the archived image is never changed.

Every transform is recorded as a 3×3 matrix from the prepared image's pixels back to the
original's, so word boxes and the text layer land on the archived image.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from pipeline._exec import tesseract

MAX_SKEW = 15.0
_PROFILE_WIDTH = 800  # deskew is measured on a small copy


@dataclass(frozen=True)
class Prepared:
    gray: np.ndarray
    to_original: np.ndarray  # 3x3: prepared pixel -> original pixel
    rotation: int
    skew: float


def to_gray(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"))


def _rotation_matrix(width: int, height: int, degrees: float) -> tuple[np.ndarray, int, int]:
    """Counter-clockwise rotation about the centre onto a canvas that holds the whole page."""
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w = int(round(height * sin + width * cos))
    new_h = int(round(height * cos + width * sin))
    matrix[0, 2] += new_w / 2 - width / 2
    matrix[1, 2] += new_h / 2 - height / 2
    return np.vstack([matrix, [0, 0, 1]]), new_w, new_h


def rotate(gray: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate counter-clockwise by ``degrees``; return the image and original→rotated matrix."""
    h, w = gray.shape
    matrix, new_w, new_h = _rotation_matrix(w, h, degrees)
    if degrees % 90 == 0:
        turns = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180,
                 270: cv2.ROTATE_90_CLOCKWISE}
        out = gray if degrees % 360 == 0 else cv2.rotate(gray, turns[int(degrees) % 360])
    else:
        out = cv2.warpAffine(gray, matrix[:2], (new_w, new_h), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return out, matrix


def skew_angle(gray: np.ndarray) -> float:
    """Text skew in degrees (counter-clockwise positive) by row projection profiles, ±15°."""
    scale = _PROFILE_WIDTH / gray.shape[1]
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if ink.mean() < 0.002:  # blank page: nothing to align
        return 0.0
    ink = ink.astype(np.uint8) * 255  # ink is white: the canvas rotation adds counts as paper
    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 1.0),
               key=lambda a: _profile_score(ink, a))
    fine = max(np.arange(best - 1.0, best + 1.01, 0.1), key=lambda a: _profile_score(ink, a))
    return round(float(fine), 2)


def _profile_score(ink: np.ndarray, degrees: float) -> float:
    h, w = ink.shape
    matrix, new_w, new_h = _rotation_matrix(w, h, degrees)
    rotated = cv2.warpAffine(ink, matrix[:2], (new_w, new_h), flags=cv2.INTER_NEAREST,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    rows = rotated.sum(axis=1, dtype=np.float64)
    return float(np.var(rows))


def prepare(image: Image.Image, dpi: int) -> Prepared:
    """Upright and deskewed greyscale page for the engine, with its way back to the original."""
    gray = to_gray(image)
    clockwise, _ = tesseract.orientation(gray, dpi)
    upright, m_rot = rotate(gray, -clockwise)
    skew = skew_angle(upright)
    if abs(skew) >= 0.1:
        prepared, m_skew = rotate(upright, skew)
    else:
        prepared, m_skew, skew = upright, np.eye(3), 0.0
    forward = m_skew @ m_rot
    return Prepared(prepared, np.linalg.inv(forward), clockwise % 360, skew)
