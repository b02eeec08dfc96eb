"""From receipt to a flow run: the original into S3, then a run of ``digitise_submission`` on
the Prefect server, which a worker on any machine takes.

The request answers once the file is synced in the spool and recorded; the bridge puts it in
S3 right after (the spool only bridges the time until S3 has acknowledged it: then the upload
records its key and the spool copy goes) and submits each dossier once its files have
settled. When S3 or the Prefect server cannot be reached, the bridge stores and submits what
is left every ``BRIDGE_SECONDS``.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pipeline.flows.deployments import SUBMISSION
from pipeline.identifiers import parse_dossier_code
from pipeline.pages import SUFFIX
from pipeline.settings import Settings
from storage.errors import StorageError
from storage.ingest import Ingest, UploadRow
from storage.objects import ObjectStore
from storage.originals import store_original

log = logging.getLogger("sohoa.submit")
BRIDGE_SECONDS = 5.0
STORERS = 4  # uploads put in S3 at once
STORE_AFTER_S = 30.0  # an upload not in S3 this long after receipt: S3 did not answer


def store_upload(store: ObjectStore, ingest: Ingest, upload: UploadRow) -> bool:
    """Put an upload's spool copy in S3 under the key the flows use; whether S3 has it now
    (a storer thread and the bridge's sweep may both try: the first to finish removes the
    spool copy)."""
    path = Path(upload.path)
    kind = next((k for k, suffix in SUFFIX.items() if suffix == path.suffix), None)
    try:
        key = store_original(store, parse_dossier_code(upload.dossier_code), path, upload.sha256,
                             kind, upload.filename)
    except FileNotFoundError:  # the other one stored it and removed the copy meanwhile
        return ingest.upload(upload.id).object_key is not None
    except StorageError as exc:
        log.warning("%s: kept in the spool until S3 answers (%s)", upload.filename, exc.code)
        return False
    ingest.stored(upload.id, key)
    path.unlink(missing_ok=True)
    return True


class Submitter:
    """Runs of ``digitise_submission`` on the Prefect server at ``api_url``."""

    def __init__(self, settings: Settings, ingest: Ingest, api_url: str):
        self.settings, self.ingest, self.api_url = settings, ingest, api_url

    def submit(self, code: str, again: str = "") -> bool:
        """One run for the dossier's uploads in S3; the same uploads submitted twice are one
        run (idempotency key), unless ``again`` names a new round. Whether the server took it."""
        from prefect.deployments import run_deployment
        from prefect.settings import PREFECT_API_URL, temporary_settings

        uploads = self.ingest.unprocessed(code)
        if not uploads:
            return True
        key = f"{code}:{uploads[-1].id}{':' + again if again else ''}"
        try:
            with temporary_settings({PREFECT_API_URL: self.api_url}):
                run_deployment(SUBMISSION, timeout=0, idempotency_key=key, as_subflow=False,
                               parameters={"dossier": code, "files": [
                                   u.reference().model_dump() for u in uploads]})
        except Exception as exc:  # noqa: BLE001  (the server is away: the bridge submits later)
            log.warning("%s: not submitted yet (%s)", code, exc)
            return False
        return True


class Bridge(threading.Thread):
    """Submits a dossier once no file has come for it for ``settle_seconds`` (a burst of
    uploads is one run, not one per request), off the request (a slow or absent Prefect
    server never delays an answer); stores what S3 did not acknowledge; tries again every
    ``BRIDGE_SECONDS`` what the server did not take. At start it submits every waiting dossier:
    with the same keys (a run already made is not made twice), or, given ``again``, anew (the
    local worker that had their runs died with the previous ``sohoa serve``)."""

    def __init__(self, store: ObjectStore, submitter: Submitter, again: str = ""):
        super().__init__(name="sohoa-bridge", daemon=True)
        self.store, self.submitter, self.again = store, submitter, again
        self.stopping, self.woken = threading.Event(), threading.Event()
        self.due: dict[str, float] = {}  # dossier → when to submit it (time.monotonic)
        self.lock = threading.Lock()
        self.storers = ThreadPoolExecutor(STORERS, thread_name_prefix="sohoa-store")

    def store_soon(self, upload: UploadRow) -> None:
        """Put a received file in S3 off the request (its spool copy is synced already), then
        submit its dossier once its files settle."""
        def work() -> None:
            if self._guarded(lambda: store_upload(self.store, self.submitter.ingest, upload)):
                self.submit_soon(upload.dossier_code)

        self.storers.submit(work)

    def submit_soon(self, code: str, after: float | None = None) -> None:
        settle = self.submitter.settings.settle_seconds if after is None else after
        with self.lock:
            self.due[code] = time.monotonic() + settle
        self.woken.set()

    def run(self) -> None:
        while not self._guarded(self.resubmit) and not self.stopping.is_set():
            self.stopping.wait(BRIDGE_SECONDS)
        while not self.stopping.is_set():
            with self.lock:
                wait = min([BRIDGE_SECONDS, *(t - time.monotonic() for t in self.due.values())])
            self.woken.wait(max(0.0, wait))
            self.woken.clear()
            if not self._guarded(self.step):
                self.stopping.wait(BRIDGE_SECONDS)

    def _guarded(self, step) -> bool:
        """Run one round; a failure (the catalogue away) is logged and the round tried again."""
        try:
            return step() is not False
        except Exception:  # noqa: BLE001  (the thread must outlive any one failure)
            log.exception("the bridge's round failed; trying again")
            return False

    def resubmit(self) -> None:
        for code in self.submitter.ingest.waiting():
            if not self.submitter.submit(code, self.again):
                self.submit_soon(code, BRIDGE_SECONDS)

    def step(self) -> None:
        ingest = self.submitter.ingest
        stale = datetime.now(timezone.utc) - timedelta(seconds=STORE_AFTER_S)
        for upload in ingest.unstored(received_before=stale):  # its storer's try is over
            if store_upload(self.store, ingest, upload):
                self.submit_soon(upload.dossier_code)
        now = time.monotonic()
        with self.lock:
            ready = sorted(c for c, t in self.due.items() if t <= now)
            for code in ready:
                del self.due[code]
        for code in ready:
            if not self.submitter.submit(code):
                self.submit_soon(code, BRIDGE_SECONDS)

    def stop(self) -> None:
        self.storers.shutdown()  # what was received is in S3, or still in the spool
        self.stopping.set()
        self.woken.set()
        self.join()
