"""Group commit: many threads' small write transactions committed together, each caller
answered once the commit that holds its work is on disk.

On SQLite every commit is a sync of the write-ahead log (``synchronous=FULL``: what the API
has answered survives a power cut), and writers take turns. Under load the ingest API spent a
third of its time in those commits and in the queue for them; a batch pays for one sync however
many requests it holds, and still answers none before its sync (unlike ``synchronous=NORMAL``).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from typing import TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")
MOST = 64  # works in one transaction at most: the first caller of a batch waits for all of them


class GroupCommit(threading.Thread):
    """One thread that runs the works it is given in batches: everything queued while the last
    batch committed goes into the next, one transaction, each work in a savepoint of its own so
    that one refused (a unique key taken) fails alone."""

    def __init__(self, writing: Callable[[], AbstractContextManager[Session]]):
        super().__init__(name="sohoa-group-commit", daemon=True)
        self.writing = writing
        self.queue: queue.SimpleQueue[tuple[Callable[[Session], object], Future] | None] = \
            queue.SimpleQueue()

    def write(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in the next batch; its result (or its error) once committed."""
        future: Future = Future()
        self.queue.put((work, future))
        return future.result()

    def stop(self) -> None:
        """Commit what is queued, then end."""
        self.queue.put(None)
        self.join()

    def run(self) -> None:
        while (item := self.queue.get()) is not None:
            batch = [item]
            while len(batch) < MOST:
                try:
                    item = self.queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._commit(batch)
                    return
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[tuple[Callable[[Session], object], Future]]) -> None:
        outcomes: list[tuple[Future, object, BaseException | None]] = []
        try:
            with self.writing() as session:
                for work, future in batch:
                    try:
                        with session.begin_nested():  # flushed, so refused, as it ends
                            value = work(session)
                    except Exception as exc:  # noqa: BLE001  (this work's caller gets it)
                        outcomes.append((future, None, exc))
                    else:
                        outcomes.append((future, value, None))
        except BaseException as exc:  # noqa: BLE001  (the commit failed: every caller gets it)
            for _, future in batch:
                future.set_exception(exc)
            return
        for future, value, error in outcomes:
            if error is None:
                future.set_result(value)
            else:
                future.set_exception(error)
