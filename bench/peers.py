"""The engines sohoa is measured against: raw tesseract CLI and OCRmyPDF, run as users run them."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import img2pdf

ENV = dict(os.environ, OMP_THREAD_LIMIT="1")  # one process per core, as sohoa runs tesseract
OCRMYPDF_CLEANING = ["--deskew", "--clean", "--rotate-pages"]


def raw_tesseract_text(image: Path) -> str:
    """``tesseract IMAGE stdout -l vie``: the engine with no preprocessing at all."""
    done = subprocess.run(["tesseract", str(image), "stdout", "-l", "vie"], env=ENV,
                          capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def raw_tesseract_pdf(image: Path, out_base: Path) -> Path:
    """``tesseract IMAGE OUT -l vie pdf``: raw tesseract's own searchable PDF of one page."""
    subprocess.run(["tesseract", str(image), str(out_base), "-l", "vie", "pdf"], env=ENV,
                   capture_output=True, check=True)
    return out_base.with_suffix(".pdf")


def images_to_pdf(images: list[Path], out: Path) -> Path:
    """The page images as one PDF (lossless, each page at its image's resolution)."""
    out.write_bytes(img2pdf.convert([str(p) for p in images]))
    return out


def ocrmypdf(pdf: Path, out: Path, *, jobs: int, cleaning: bool = True,
             sidecar: Path | None = None) -> None:
    """``ocrmypdf [--deskew --clean --rotate-pages] -l vie --jobs N IN OUT``."""
    args = [sys.executable, "-m", "ocrmypdf", "-l", "vie", "--jobs", str(jobs), "--output-type", "pdf", "--quiet"]
    args += OCRMYPDF_CLEANING if cleaning else []
    args += ["--sidecar", str(sidecar)] if sidecar else []
    done = subprocess.run(args + [str(pdf), str(out)], env=ENV, capture_output=True)
    if done.returncode != 0:
        raise RuntimeError("ocrmypdf failed: " + done.stderr.decode("utf-8", "replace")[-800:])


def ocrmypdf_text(image: Path) -> str:
    """OCRmyPDF's text of one page image, with its cleaning options, through its sidecar."""
    with tempfile.TemporaryDirectory(prefix="bench-ocrmypdf-") as tmp:
        folder = Path(tmp)
        pdf = images_to_pdf([image], folder / "in.pdf")
        ocrmypdf(pdf, folder / "out.pdf", jobs=1, sidecar=folder / "out.txt")
        return (folder / "out.txt").read_text(encoding="utf-8")
