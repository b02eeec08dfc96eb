"""Progress of long work, for whoever is watching (the CLI's progress bars).

Process-wide and optional: with no listener, reporting costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str, int | None], None]  # (stage, total or None to advance by one)
_listeners: list[Listener] = []


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


def start(stage: str, total: int) -> None:
    for listener in _listeners:
        listener(stage, total)


def advance(stage: str) -> None:
    for listener in _listeners:
        listener(stage, None)
