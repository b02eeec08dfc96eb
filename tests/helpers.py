"""What several test modules need: a blank PDF to sign, and poppler's tools run on PDF bytes."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pikepdf


def blank_pdf() -> bytes:
    """One empty A4 page."""
    out = io.BytesIO()
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.save(out)
    return out.getvalue()


def poppler(tool: str, data: bytes, folder: Path, *args: str) -> str:
    """The standard output of ``tool`` (pdfsig, pdftotext, pdfimages…) on ``data``."""
    path = folder / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run([tool, *args, str(path)] + (["-"] if tool == "pdftotext" else []),
                          capture_output=True, text=True).stdout
