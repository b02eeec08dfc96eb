"""The engines sohoa is measured against: raw tesseract CLI and OCRmyPDF, run as users run them."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from xml.etree import ElementTree

import img2pdf

from pipeline.model import Word
from pipeline.text import nfc

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


def _word(text: str, confidence: float, box: tuple[int, int, int, int], line: int) -> Word:
    return Word(nfc(text), confidence, box, line)


def raw_tesseract_words(image: Path) -> tuple[str, list[Word]]:
    """``tesseract IMAGE stdout -l vie tsv``: raw tesseract's text and its words with boxes."""
    done = subprocess.run(["tesseract", str(image), "stdout", "-l", "vie", "tsv"], env=ENV,
                          capture_output=True, check=True)
    words, lines, last = [], [], None
    for row in done.stdout.decode("utf-8").splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        key = tuple(cols[1:5])
        if key != last:
            lines.append([])
            last = key
        left, top, width, height = (int(c) for c in cols[6:10])
        words.append(_word(cols[11], float(cols[10]), (left, top, left + width, top + height),
                           len(lines) - 1))
        lines[-1].append(cols[11])
    return "\n".join(" ".join(line) for line in lines), words


def _bbox_words(pdf: Path, dpi: int) -> list[Word]:
    """Words of a PDF's text layer (``pdftotext -bbox-layout``), boxes in pixels at ``dpi``."""
    done = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True,
                          check=True)
    k = dpi / 72
    words: list[Word] = []
    root = ElementTree.fromstring(done.stdout)
    for number, line in enumerate(root.iter("{http://www.w3.org/1999/xhtml}line")):
        for word in line.iter("{http://www.w3.org/1999/xhtml}word"):
            box = tuple(round(float(word.get(key)) * k) for key in ("xMin", "yMin", "xMax", "yMax"))
            words.append(_word(word.text or "", 100.0, box, number))
    return words


def ocrmypdf_words(image: Path, dpi: int) -> tuple[str, list[Word]]:
    """OCRmyPDF's text of one page image (its sidecar) and the words of its text layer."""
    with tempfile.TemporaryDirectory(prefix="bench-ocrmypdf-") as tmp:
        folder = Path(tmp)
        pdf = images_to_pdf([image], folder / "in.pdf")
        ocrmypdf(pdf, folder / "out.pdf", jobs=1, sidecar=folder / "out.txt")
        return (folder / "out.txt").read_text(encoding="utf-8"), _bbox_words(folder / "out.pdf", dpi)
