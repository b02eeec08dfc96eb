"""Reading pages, the one way: each page decoded at its own resolution, checked for a separator
sheet, encoded for the archive and recognised by the configured engine, within its page's time
limit and what is left of its file's. The flow's page task reads one page with
:func:`read_with`; ``sohoa ocr``, ``sohoa extract`` and ``POST /ocr`` read whole files with
:func:`read_files`."""

from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor

from pipeline import progress, separators
from pipeline._exec.limits import file_time_limit, forget, page_time_limit
from pipeline.model import PageRef, ProcessedPage, ReceivedFile
from pipeline.ocr.engine import OcrEngine, engine_named, tesseract
from pipeline.ocr.ink import separate
from pipeline.pages import encode_for_pdf, load_page, overlay_words, plan_pages
from pipeline.settings import Settings

READER_VERSION = "8"  # part of the page cache key: change it when what a read page holds changes


def read_page(received: ReceivedFile, ref: PageRef, language: str, min_dpi: int,
              seconds: float, engine: OcrEngine = tesseract) -> ProcessedPage:
    """Read one page within ``seconds`` (``Settings.page_seconds``), or refuse it (``page_timeout``)."""
    with page_time_limit(seconds):
        image = load_page(received, ref)
        encoded = encode_for_pdf(received, ref, image)
        inks = separate(image, ref.dpi)  # once: the separator check and the engine both read it
        separator = separators.detect(inks.gray, ref.dpi)
        if separator:
            return ProcessedPage(ref, encoded, None, separator)
        return ProcessedPage(ref, encoded, engine(inks.gray, ref.dpi, language, min_dpi=min_dpi,
                                                  blue=inks.blue,
                                                  overlay=overlay_words(received, ref)))


def read_with(settings: Settings, received: ReceivedFile, ref: PageRef, run: str
              ) -> ProcessedPage:
    """A page read as ``settings`` say, within its own time limit and what is left of its
    file's in ``run`` (pages read side by side count together)."""
    with file_time_limit(f"{run}:{received.sha256}", settings.file_seconds):
        return read_page(received, ref, settings.ocr_language, settings.min_scan_dpi,
                         settings.page_seconds,
                         engine_named(settings.ocr_engine, settings.ocr_recordings))


def read_files(received: list[ReceivedFile], settings: Settings) -> list[list[ProcessedPage]]:
    """Every page of every file, side by side, file by file; a file that cannot be read raises
    its ``InputFileError`` before any page is. Progress is reported as the ``ocr`` stage."""
    jobs = [(index, item, ref) for index, item in enumerate(received)
            for ref in plan_pages(item, max_pages=settings.max_pages_per_file,
                                  max_pixels=settings.max_page_pixels,
                                  default_dpi=settings.default_dpi)]
    run = uuid.uuid4().hex

    def one(job: tuple[int, ReceivedFile, PageRef]) -> ProcessedPage:
        page = read_with(settings, job[1], job[2], run)
        progress.advance("ocr")
        return page

    progress.start("ocr", len(jobs))
    try:
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            pages = list(pool.map(one, jobs))
    finally:
        forget(run)
    by_file: list[list[ProcessedPage]] = [[] for _ in received]
    for (index, _, _), page in zip(jobs, pages):
        by_file[index].append(page)
    return by_file
