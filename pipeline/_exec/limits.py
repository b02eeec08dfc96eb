"""The time a page and a file may take to read, from settings (``page_seconds``,
``file_seconds``): set around a page's reading and honoured by every engine call under it
(tesseract's own timeout, poppler's subprocess timeouts), so a page or a file crafted to hang
is refused instead of holding a worker for ever."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from pipeline.errors import FileTimeout, InputFileError, PageTimeout

_DEADLINE: ContextVar[tuple[float, type[InputFileError]] | None] = ContextVar("read_deadline",
                                                                     default=None)
UNLIMITED_S = 3600.0
_SPENT: dict[str, float] = {}  # seconds spent on each file's pages so far, summed
_SPENT_LOCK = threading.Lock()


@contextmanager
def _until(deadline: float, condition: type[InputFileError]) -> Iterator[None]:
    current, new = _DEADLINE.get(), (deadline, condition)
    token = _DEADLINE.set(min(current, new, key=lambda d: d[0]) if current else new)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


@contextmanager
def page_time_limit(seconds: float) -> Iterator[None]:
    with _until(time.monotonic() + seconds, PageTimeout):
        yield


@contextmanager
def file_time_limit(key: str, seconds: float) -> Iterator[None]:
    """One page of the file ``key``, whose pages may take ``seconds`` together (the time of
    pages read side by side is summed); what this page takes is added to the file's."""
    with _SPENT_LOCK:
        left = seconds - _SPENT.get(key, 0.0)
    if left <= 0:
        raise FileTimeout()
    start = time.monotonic()
    try:
        with _until(start + left, FileTimeout):
            yield
    finally:
        with _SPENT_LOCK:
            _SPENT[key] = _SPENT.get(key, 0.0) + time.monotonic() - start


def forget(prefix: str) -> None:
    """Drop the time kept for files whose keys start with ``prefix`` (a finished run's)."""
    with _SPENT_LOCK:
        for key in [k for k in _SPENT if k.startswith(prefix)]:
            del _SPENT[key]


def remaining() -> float:
    """Seconds left for the current page (raises once none are)."""
    current = _DEADLINE.get()
    if current is None:
        return UNLIMITED_S
    left = current[0] - time.monotonic()
    if left <= 0:
        raise current[1]()
    return left


def expired() -> InputFileError:
    """The refusal for the limit that ran out (called when an engine gave up on time)."""
    current = _DEADLINE.get()
    return current[1]() if current else PageTimeout()
