"""The time a page may take, from settings (``page_seconds``): set once around a page's reading,
honoured by every engine call under it (tesseract's own timeout, poppler's subprocess timeout),
so a page crafted to hang is refused instead of holding a worker for ever."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from pipeline.errors import InputFileError

_DEADLINE: ContextVar[float | None] = ContextVar("page_deadline", default=None)
UNLIMITED_S = 3600.0


@contextmanager
def page_time_limit(seconds: float) -> Iterator[None]:
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def remaining() -> float:
    """Seconds left for the current page (raises once none are)."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return UNLIMITED_S
    left = deadline - time.monotonic()
    if left <= 0:
        raise timed_out()
    return left


def timed_out() -> InputFileError:
    return InputFileError("page_timeout", "Trang này đọc quá lâu, đã dừng: hãy quét lại.",
                          "reading this page took longer than the page time limit")
