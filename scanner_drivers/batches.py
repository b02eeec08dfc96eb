"""A scanned batch → dossiers: separator sheets (QR: dossier code, component) start each part;
the sheets themselves are left out. Pages are kept as scanned: single-page files as they are,
pages of a PDF copied losslessly into a PDF per part (pikepdf)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from pipeline import separators
from pipeline.intake import read_local
from pipeline.ocr.preprocess import to_gray
from pipeline.pages import SUFFIX, load_page, plan_pages
from pipeline.settings import Settings
from scanner_drivers.base import ScannedPage
from scanner_drivers.errors import NoSeparator


@dataclass
class Part:
    """Pages of one dossier after one sheet: its component, if the sheet named one."""

    component: str | None
    pages: list[tuple[Path, int]] = field(default_factory=list)  # file, 1-based page


@dataclass
class DossierBatch:
    dossier: str
    parts: list[Part] = field(default_factory=list)


def write_pages(pages: Iterable[ScannedPage], folder: Path) -> list[Path]:
    """A device's pages as files, in order (the batch as scanned, kept until submitted)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number, page in enumerate(pages, start=1):
        path = folder / f"p{number:04d}{SUFFIX.get(page.format, '.bin')}"
        path.write_bytes(page.data)
        written.append(path)
    return written


def split_by_sheets(files: list[Path], settings: Settings) -> list[DossierBatch]:
    """Dossiers in the order their first sheet appears; raise :class:`NoSeparator` when the
    first page is not a sheet. Unreadable files raise ``InputFileError``."""
    batches: dict[str, DossierBatch] = {}
    current: Part | None = None
    for path in files:
        local = read_local(path)
        for ref in plan_pages(local, max_pages=settings.max_pages_per_file,
                              max_pixels=settings.max_page_pixels,
                              default_dpi=settings.default_dpi):
            sheet = separators.detect(to_gray(load_page(local, ref)), ref.dpi)
            if sheet:
                current = Part(sheet.component)
                batches.setdefault(sheet.dossier, DossierBatch(sheet.dossier)).parts.append(current)
            elif current is None:
                raise NoSeparator(path.name)
            else:
                current.pages.append((path, ref.number))
    for batch in batches.values():
        batch.parts = [p for p in batch.parts if p.pages]
    return list(batches.values())


def part_files(part: Part, folder: Path) -> list[Path]:
    """The part's pages as files to submit: single-page files as scanned; runs of pages of a
    multi-page file copied into one PDF (from a PDF) or one TIFF (from a TIFF)."""
    runs: list[tuple[Path, list[int]]] = []
    for path, page in part.pages:
        if runs and runs[-1][0] == path:
            runs[-1][1].append(page)
        else:
            runs.append((path, [page]))
    out = []
    for index, (path, pages) in enumerate(runs):
        kind = read_local(path).kind
        if kind == "pdf" and (pages != [1] or _page_count(path) > 1):
            target = folder / f"{path.stem}-{index:03d}.pdf"
            with pikepdf.open(path) as source, pikepdf.new() as copy:
                copy.pages.extend(source.pages[p - 1] for p in pages)
                copy.save(target)
            out.append(target)
        elif kind == "tiff" and _frames(path) > 1:
            target = folder / f"{path.stem}-{index:03d}.tif"
            _tiff_pages(path, pages, target)
            out.append(target)
        else:
            out.append(path)
    return out


def _page_count(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def _frames(path: Path) -> int:
    from PIL import Image

    with Image.open(path) as image:
        return getattr(image, "n_frames", 1)


def _tiff_pages(path: Path, pages: list[int], target: Path) -> None:
    from PIL import Image, ImageSequence

    with Image.open(path) as image:
        frames = [f.copy() for i, f in enumerate(ImageSequence.Iterator(image), 1) if i in pages]
    dpi = frames[0].info.get("dpi")
    frames[0].save(target, save_all=True, append_images=frames[1:], compression="tiff_lzw",
                   **({"dpi": dpi} if dpi else {}))
