"""tesseract adapter: orientation detection and recognition with word boxes and a text-only PDF.

Pages are handed over as uncompressed PGM files (no PNG encoding cost) with their resolution
passed on the command line.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from pipeline.errors import SohoaError

TIMEOUT_S = 300
# One tesseract process per page; parallelism comes from running pages side by side.
_ENV = dict(os.environ, OMP_THREAD_LIMIT="1")


@dataclass(frozen=True)
class Recognition:
    tsv: str
    text_pdf: bytes


def _run(args: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(args, capture_output=True, timeout=TIMEOUT_S, env=_ENV)
    except FileNotFoundError:
        raise SohoaError("tesseract_missing",
                         "Chưa cài tesseract (tesseract-ocr, tesseract-ocr-vie): chạy `make demo`.",
                         "tesseract is not installed; run `make demo`") from None


def _write(gray: np.ndarray, folder: Path) -> Path:
    path = folder / "page.pgm"
    cv2.imwrite(str(path), gray)
    return path


def orientation(gray: np.ndarray, dpi: int) -> tuple[int, float]:
    """Degrees to rotate the page clockwise to make it upright, and OSD's confidence.

    Pages with too little text for OSD count as upright with confidence 0.
    """
    with tempfile.TemporaryDirectory(prefix="sohoa-osd-") as tmp:
        image = _write(gray, Path(tmp))
        done = _run(["tesseract", str(image), "stdout", "--dpi", str(dpi), "--psm", "0"])
    out = done.stdout.decode("utf-8", "replace")
    rotate = re.search(r"Rotate:\s+(\d+)", out)
    conf = re.search(r"Orientation confidence:\s+([\d.]+)", out)
    if done.returncode != 0 or not rotate:
        return 0, 0.0
    return int(rotate.group(1)), float(conf.group(1)) if conf else 0.0


def recognise(gray: np.ndarray, dpi: int, language: str) -> Recognition:
    """Words with boxes and confidences (TSV) and an invisible-text PDF of the same page."""
    with tempfile.TemporaryDirectory(prefix="sohoa-ocr-") as tmp:
        folder = Path(tmp)
        image = _write(gray, folder)
        base = folder / "out"
        done = _run(["tesseract", str(image), str(base), "--dpi", str(dpi), "-l", language,
                     "--psm", "3", "-c", "textonly_pdf=1", "tsv", "pdf"])
        if done.returncode != 0:
            raise SohoaError("ocr_failed", "Nhận dạng chữ thất bại trên trang này.",
                             "tesseract failed: " + done.stderr.decode("utf-8", "replace")[-500:])
        return Recognition(base.with_suffix(".tsv").read_text(encoding="utf-8"),
                           base.with_suffix(".pdf").read_bytes())
