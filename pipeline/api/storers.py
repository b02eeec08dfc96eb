"""Received files into S3 from processes of their own: putting a file (the SDK's request
signing, its HTTP client) costs about as much CPU as receiving it, and in the API's process it
would hold the interpreter lock the requests need; in ``STORERS`` spawned processes it does
not."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path

from pipeline.identifiers import parse_dossier_code
from pipeline.pages import SUFFIX
from pipeline.settings import Settings
from storage.errors import StorageError
from storage.ingest import Ingest, UploadRow
from storage.objects import ObjectStore
from storage.originals import store_original
from storage.seaweedfs import S3Endpoint
from storage.session import object_store

log = logging.getLogger("sohoa.submit")
STORERS = 2  # processes putting uploads in S3 at once

_store: ObjectStore | None = None  # a storer process's own


def put_upload(store: ObjectStore, upload: UploadRow) -> str | None:
    """Put an upload's spool copy in S3 under the key the flows use; the key, or ``None`` when
    S3 did not take it. ``FileNotFoundError`` when the copy is gone (see :func:`settled`)."""
    path = Path(upload.path)
    kind = next((k for k, suffix in SUFFIX.items() if suffix == path.suffix), None)
    try:
        return store_original(store, parse_dossier_code(upload.dossier_code), path,
                              upload.sha256, kind, upload.filename)
    except StorageError as exc:
        log.warning("%s: kept in the spool until S3 answers (%s)", upload.filename, exc.code)
        return None


def recorded(ingest: Ingest, upload: UploadRow, key: str | None) -> bool:
    """Record the key S3 acknowledged and drop the spool copy; whether S3 has the upload."""
    if key is None:
        return False
    ingest.stored(upload.id, key)
    Path(upload.path).unlink(missing_ok=True)
    return True


def settled(ingest: Ingest, upload: UploadRow, put: Callable[[], str | None]) -> bool:
    """:func:`recorded` with the key ``put`` got; whether S3 has the upload. A storer and the
    bridge's sweep may both try: the first to finish removes the spool copy, and the other
    finds the key it recorded."""
    try:
        return recorded(ingest, upload, put())
    except FileNotFoundError:
        return ingest.upload(upload.id).object_key is not None


def store_upload(store: ObjectStore, ingest: Ingest, upload: UploadRow) -> bool:
    """:func:`put_upload` then :func:`recorded`, in this process (the bridge's sweep)."""
    return settled(ingest, upload, lambda: put_upload(store, upload))


def _open(settings: Settings, endpoint: S3Endpoint) -> None:
    global _store
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the API, which stops these
    _store = object_store(settings, endpoint)


def _put(upload: UploadRow) -> str | None:
    return put_upload(_store, upload)


class Storers:
    """The storer processes of one API; a pool whose process died is made anew. They only
    talk to S3: the API records what they stored (SQLite's writers in many processes wait for
    each other by polling, in one process they take turns)."""

    def __init__(self, settings: Settings, endpoint: S3Endpoint, ingest: Ingest):
        self.settings, self.endpoint, self.ingest = settings, endpoint, ingest
        self.lock = threading.Lock()
        self.pool = self._pool()

    def _pool(self) -> ProcessPoolExecutor:
        """The processes, started now (starting one costs a second of CPU: not under load)."""
        pool = ProcessPoolExecutor(STORERS, mp_context=get_context("spawn"), initializer=_open,
                                   initargs=(self.settings, self.endpoint))
        for _ in range(STORERS):
            pool.submit(int)
        return pool

    def store(self, upload: UploadRow, then: Callable[[], None]) -> None:
        """Put ``upload`` in S3 in a storer process, then call ``then`` (in a thread of this
        process) if S3 has it. A failure leaves it in the spool for the bridge's sweep."""
        def done(future: Future) -> None:
            try:
                stored = settled(self.ingest, upload, future.result)
            except Exception as exc:  # noqa: BLE001  (a storer died, the catalogue is away)
                log.warning("%s: kept in the spool for the sweep (%s)", upload.filename, exc)
                return
            if stored:
                then()

        with self.lock:
            try:
                future = self.pool.submit(_put, upload)
            except BrokenProcessPool:  # a storer was killed: the files it had are swept later
                self.pool.shutdown(wait=False)
                self.pool = self._pool()
                future = self.pool.submit(_put, upload)
        future.add_done_callback(done)

    def shutdown(self) -> None:
        with self.lock:
            self.pool.shutdown()
