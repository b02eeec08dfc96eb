"""Real scans: page CER and official-document fields for sohoa, raw tesseract and OCRmyPDF.

    .venv/bin/python -m bench.real [--dir ../shared/realscans] [--engines sohoa,raw,ocrmypdf]

The scans, their labels and Word originals are ``../shared/realscans`` (``SOHOA_REALSCANS``):
paper the code was not written against. sohoa reads each file through its own page path
(``pipeline.reading.read_page``, as the flow, ``sohoa ocr`` and ``POST /ocr`` do); the peers
get the same pages as images at the same resolution, rendered without annotations. CER is the
edit distance to the prefix of the Word text that the scanned pages match best (NFC, one tone
placement, white space collapsed). Every engine's fields come from sohoa's extractor over its
words, so the field columns compare readings, not extractors. For sohoa it also prints the
precision of accepted values (fields with no review problem that are right) and the coverage
(labelled fields accepted without review), then the same pages turned 90/180/270 degrees.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from bench import peers
from bench.realscans import FIELD_OF_LABEL, RealScan, folder, load, prefix_errors, same
from pipeline.fields import official
from pipeline.fields.extract import extract_fields
from pipeline.intake import read_local
from pipeline.model import FieldValue, Problem, Word
from pipeline.ocr.recognise import ocr_page
from pipeline.pages import load_page, plan_pages
from pipeline.reading import read_page
from pipeline.settings import Settings


@dataclass
class Reading:
    """One engine's reading of one scan: page texts, fields and the fields sent to review."""

    texts: list[str]
    fields: dict[str, FieldValue]
    flagged: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Words:
    """What the field extractor needs of a page: its words."""

    words: list[Word]


def _flagged(problems: list[Problem]) -> set[str]:
    return {p.field for p in problems if p.field and p.severity == "review"}


def _fields(pages: list) -> tuple[dict[str, FieldValue], set[str]]:
    fields, problems = extract_fields(pages, official.FIELDS)
    return fields, _flagged(problems)


def read_sohoa(scan: RealScan, settings: Settings, pool: ThreadPoolExecutor) -> Reading:
    received = read_local(scan.path)
    refs = plan_pages(received, max_pages=settings.max_pages_per_file,
                      max_pixels=settings.max_page_pixels, default_dpi=settings.default_dpi)
    pages = list(pool.map(lambda ref: read_page(received, ref, settings.ocr_language,
                                                settings.min_scan_dpi, settings.page_seconds),
                          refs))
    ocr = [p.ocr for p in pages if p.ocr is not None]
    return Reading([o.text for o in ocr], *_fields(ocr))


def page_images(scan: RealScan, settings: Settings, out: Path) -> list[tuple[Path, int]]:
    """The scan's pages as PNG files at sohoa's resolution for them (annotations hidden)."""
    received = read_local(scan.path)
    refs = plan_pages(received, max_pages=settings.max_pages_per_file,
                      max_pixels=settings.max_page_pixels, default_dpi=settings.default_dpi)
    images = []
    for ref in refs:
        path = out / f"{scan.path.stem}-{ref.number}.png"
        load_page(received, ref).save(path, dpi=(ref.dpi, ref.dpi))
        images.append((path, ref.dpi))
    return images


def read_peer(engine: str, images: list[tuple[Path, int]], pool: ThreadPoolExecutor) -> Reading:
    if engine == "raw":
        read = lambda item: peers.raw_tesseract_words(item[0])  # noqa: E731
    else:
        read = lambda item: peers.ocrmypdf_words(*item)  # noqa: E731
    done = list(pool.map(read, images))
    return Reading([text for text, _ in done], *_fields([_Words(words) for _, words in done]))


def _cer(readings: list[Reading], scans: list[RealScan], first_only: bool) -> float:
    edits = length = 0
    for reading, scan in zip(readings, scans):
        text = reading.texts[0] if first_only else "\n".join(reading.texts)
        e, n = prefix_errors(text, scan.truth)
        edits, length = edits + e, length + n
    return edits / length if length else float("nan")


def _field_rows(readings: dict[str, list[Reading]], scans: list[RealScan]) -> list[str]:
    head = f"{'field':14}" + "".join(f"{name:>10}" for name in readings)
    rows = [head, "-" * len(head)]
    totals = dict.fromkeys(readings, 0)
    count = 0
    for label, name in FIELD_OF_LABEL.items():
        row = f"{name:14}"
        for engine, per_scan in readings.items():
            right = sum(same(r.fields[name].value if name in r.fields else None, s.labels[label])
                        for r, s in zip(per_scan, scans))
            totals[engine] += right
            row += f"{right:>5}/{len(scans):<4}"
        rows.append(row)
        count += len(scans)
    rows.append(f"{'all fields':14}" + "".join(f"{totals[e] / count:>10.1%}" for e in readings))
    return rows


def _acceptance(readings: list[Reading], scans: list[RealScan]) -> tuple[str, list[str]]:
    accepted = right = labelled = covered = 0
    misses = []
    for reading, scan in zip(readings, scans):
        for label, name in FIELD_OF_LABEL.items():
            expected = scan.labels[label]
            value = reading.fields[name].value if name in reading.fields else None
            ok = same(value, expected)
            taken = value is not None and name not in reading.flagged
            labelled += expected is not None
            covered += taken and ok and expected is not None
            accepted += taken
            right += taken and ok
            if not ok:
                state = "accepted" if taken else "review" if value is not None else "absent"
                misses.append(f"{scan.name} {name}: expected {expected!r}, got {value!r} ({state})")
    summary = (f"accepted-value precision {right}/{accepted} = {right / max(accepted, 1):.1%}; "
               f"coverage {covered}/{labelled} = {covered / max(labelled, 1):.1%}")
    return summary, misses


def _rotations(scans: list[RealScan], settings: Settings, images: dict[str, list[tuple[Path, int]]],
               pool: ThreadPoolExecutor) -> list[str]:
    """Each scan's first page turned: CER against the Word text and against the upright reading."""
    rows = [f"{'turn':>6}{'CER':>9}{'vs upright':>12}", "-" * 27]
    first = {s.name: Image.open(images[s.name][0][0]).convert("RGB") for s in scans}
    dpi = {s.name: images[s.name][0][1] for s in scans}

    def read(name: str, degrees: int) -> str:
        image = first[name] if degrees == 0 else first[name].rotate(-degrees, expand=True)
        return ocr_page(image, dpi[name], settings.ocr_language).text

    upright = dict(zip(first, pool.map(lambda n: read(n, 0), first)))
    for degrees in (0, 90, 180, 270):
        texts = list(pool.map(lambda n: read(n, degrees), first))
        truth = [prefix_errors(t, s.truth) for t, s in zip(texts, scans)]
        own = [prefix_errors(t, upright[s.name]) for t, s in zip(texts, scans)]
        rows.append(f"{degrees:>6}{sum(e for e, _ in truth) / sum(n for _, n in truth):>9.2%}"
                    f"{sum(e for e, _ in own) / sum(n for _, n in own):>12.2%}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=folder())
    parser.add_argument("--engines", default="sohoa,raw,ocrmypdf")
    parser.add_argument("--no-rotations", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    scans = load(args.dir)
    engines = args.engines.split(",")
    readings: dict[str, list[Reading]] = {}
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-real-") as tmp, \
            ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        images = {s.name: page_images(s, settings, Path(tmp)) for s in scans}
        for engine in engines:
            readings[engine] = [read_sohoa(s, settings, pool) if engine == "sohoa"
                                else read_peer(engine, images[s.name], pool) for s in scans]
        pages = sum(len(v) for v in images.values())
        print(f"{len(scans)} real scans, {pages} pages, from {args.dir}; "
              f"{os.cpu_count()} workers\n")
        head = f"{'engine':10}{'page-1 CER':>12}{'all pages CER':>15}"
        print(head + "\n" + "-" * len(head))
        for engine, per_scan in readings.items():
            print(f"{engine:10}{_cer(per_scan, scans, True):>12.2%}"
                  f"{_cer(per_scan, scans, False):>15.2%}")
        print("\nfields right (exact, NFC, tone placement and case aside)")
        print("\n".join(_field_rows(readings, scans)))
        if "sohoa" in readings:
            summary, misses = _acceptance(readings["sohoa"], scans)
            print(f"\nsohoa: {summary}")
            if misses:
                print("  " + "\n  ".join(misses))
            if not args.no_rotations:
                print("\nsohoa, first pages turned clockwise")
                print("\n".join(_rotations(scans, settings, images, pool)))


if __name__ == "__main__":
    main()
