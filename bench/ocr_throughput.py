"""OCR throughput end to end (preprocess, OCR, searchable PDF) against raw tesseract and OCRmyPDF.

    .venv/bin/python -m bench.ocr_throughput [--pages N] [--jobs J]

All three read the same A4 colour JPEG scans at 300 dpi with the same number of workers:
raw ``tesseract IMAGE OUT -l vie pdf``, one process per worker (``OMP_THREAD_LIMIT=1``);
``ocrmypdf --jobs J`` on the pages as one PDF, with and without its cleaning options; sohoa's
own path (``pipeline.reading`` → ``pipeline.pdf.searchable``) on J threads.
Prints pages per minute, ratios from this one run, and peak memory: sohoa's process divided
by its workers (the engines run inside it), and raw tesseract's largest process.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import psutil

from bench import peers
from bench.ocr_corpus import render_page
from pipeline.intake import read_local
from pipeline.model import ProcessedPage
from pipeline.pages import plan_pages
from pipeline.pdf.pdfa import DocumentInfo
from pipeline.pdf.searchable import build_document
from pipeline.reading import read_page
from pipeline.samples import Degradation, degrade, save_scan

SCAN = Degradation(skew=0.8, blur=0.6, noise=6, jpeg=82)  # an ordinary counter scan


class PeakMemory:
    """Samples this process and its children: peak RSS of the process and of the largest child."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval, self.own, self.child = interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            self.own = max(self.own, me.memory_info().rss)
            for child in me.children(recursive=True):
                try:
                    self.child = max(self.child, child.memory_info().rss)
                except psutil.Error:
                    pass
            time.sleep(self.interval)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def sohoa(images: list[Path], out: Path, jobs: int) -> None:
    def one(path: Path) -> ProcessedPage:  # the flow's page path, separator check included
        received = read_local(path)
        ref = plan_pages(received, max_pages=1, max_pixels=120_000_000, default_dpi=300)[0]
        return read_page(received, ref, "vie", 200, 120)

    with ThreadPoolExecutor(jobs) as pool:
        pages = list(pool.map(one, images))
    info = DocumentInfo(title="bench", subject="bench", keywords="bench")
    (out / "out.pdf").write_bytes(build_document(pages, info, datetime.now(timezone.utc)))


def raw(images: list[Path], out: Path, jobs: int) -> None:
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(lambda p: peers.raw_tesseract_pdf(p, out / p.stem), images))


def ocrmypdf(cleaning: bool) -> Callable[[list[Path], Path, int], None]:
    def run(images: list[Path], out: Path, jobs: int) -> None:
        pdf = peers.images_to_pdf(images, out / "in.pdf")
        peers.ocrmypdf(pdf, out / "out.pdf", jobs=jobs, cleaning=cleaning)
    return run


def timed(run: Callable[[list[Path], Path, int], None], images: list[Path], jobs: int
          ) -> tuple[float, PeakMemory]:
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-out-") as tmp, PeakMemory() as peak:
        start = time.perf_counter()
        run(images, Path(tmp), jobs)
        return time.perf_counter() - start, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-scans-") as tmp:
        images = [save_scan(degrade(render_page(i)[0], SCAN, seed=i), Path(tmp) / f"p{i:03d}.jpg",
                            300, SCAN.jpeg) for i in range(args.pages)]
        print(f"{args.pages} A4 colour JPEG pages at 300 dpi, {args.jobs} workers, "
              f"{os.cpu_count()} cores\n")
        engines = {"raw tesseract (pdf)": raw, "ocrmypdf": ocrmypdf(False),
                   "ocrmypdf --deskew --clean --rotate-pages": ocrmypdf(True), "sohoa": sohoa}
        results = {}
        for name, run in engines.items():
            seconds, peak = timed(run, images, args.jobs)
            results[name] = (seconds, peak)
            print(f"{name:42} {args.pages / seconds * 60:7.1f} pages/min  ({seconds:.1f} s)",
                  flush=True)
    ours = results["sohoa"][0]
    print()
    for name in list(engines)[:-1]:
        print(f"sohoa / {name:42} {results[name][0] / ours:5.2f} x")
    peak = results["sohoa"][1]
    print(f"\nsohoa peak memory: {peak.own / 2**20:.0f} MB for the process (engines run inside it, "
          f"one per worker) -> {peak.own / args.jobs / 2**20:.0f} MB per worker")
    print(f"raw tesseract peak: {results['raw tesseract (pdf)'][1].child / 2**20:.0f} MB per process")


if __name__ == "__main__":
    main()
