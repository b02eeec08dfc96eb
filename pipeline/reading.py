"""One page, read: decoded at its own resolution, checked for a separator sheet, encoded for
the archive and recognised. The flow's page task and the CLI call this same function."""

from __future__ import annotations

from pipeline import separators
from pipeline._exec.limits import page_time_limit
from pipeline.model import PageRef, ProcessedPage, ReceivedFile
from pipeline.ocr.ink import separate
from pipeline.ocr.recognise import ocr_gray
from pipeline.pages import encode_for_pdf, load_page, overlay_words

READER_VERSION = "4"  # part of the page cache key: change it when what a read page holds changes


def read_page(received: ReceivedFile, ref: PageRef, language: str, min_dpi: int,
              seconds: float) -> ProcessedPage:
    """Read one page within ``seconds`` (``Settings.page_seconds``), or refuse it (``page_timeout``)."""
    with page_time_limit(seconds):
        return _read(received, ref, language, min_dpi)


def _read(received: ReceivedFile, ref: PageRef, language: str, min_dpi: int) -> ProcessedPage:
    image = load_page(received, ref)
    encoded = encode_for_pdf(received, ref, image)
    inks = separate(image, ref.dpi)  # once: the separator check and the engine both read its print
    separator = separators.detect(inks.gray, ref.dpi)
    if separator:
        return ProcessedPage(ref, encoded, None, separator)
    return ProcessedPage(ref, encoded, ocr_gray(inks.gray, ref.dpi, language, min_dpi=min_dpi,
                                                blue=inks.blue,
                                                overlay=overlay_words(received, ref)))
