"""From receipt to a flow run: the original into S3, then a run of ``digitise_submission`` on
the Prefect server, which a worker on any machine takes.

The request answers once the file is synced in the spool and recorded; a storer process puts
it in S3 right after (``pipeline.api.storers``: the spool only bridges the time until S3 has
acknowledged it, then the upload records its key and the spool copy goes), and the bridge
submits each dossier once its files have settled. When S3 or the Prefect server cannot be
reached, the bridge stores and submits what is left every ``BRIDGE_SECONDS``.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone

from pipeline.api.storers import Storers, store_upload
from pipeline.flows.deployments import SUBMISSION
from pipeline.settings import Settings
from storage.ingest import Ingest, UploadRow
from storage.objects import ObjectStore

log = logging.getLogger("sohoa.submit")
BRIDGE_SECONDS = 5.0
STORE_AFTER_S = 30.0  # an upload not in S3 this long after receipt: S3 did not answer


class Submitter:
    """Runs of ``digitise_submission`` on the Prefect server at ``api_url``, through one client
    kept open (a client per run costs a settings load and a TLS context: the API's CPU under
    load); used by the bridge's thread only."""

    def __init__(self, settings: Settings, ingest: Ingest, api_url: str):
        self.settings, self.ingest, self.api_url = settings, ingest, api_url
        self.client, self.deployment = None, None

    def submit(self, code: str, again: str = "") -> bool:
        """One run for the dossier's uploads in S3; the same uploads submitted twice are one
        run (idempotency key), unless ``again`` names a new round. Whether the server took it."""
        from prefect.states import Scheduled

        uploads = self.ingest.unprocessed(code)
        if not uploads:
            return True
        key = f"{code}:{uploads[-1].id}{':' + again if again else ''}"
        try:
            client = self._connected()
            if self.deployment is None:
                self.deployment = client.read_deployment_by_name(SUBMISSION).id
            client.create_flow_run_from_deployment(
                self.deployment, state=Scheduled(), idempotency_key=key,
                parameters={"dossier": code,
                            "files": [u.reference().model_dump(mode="json") for u in uploads]})
        except Exception as exc:  # noqa: BLE001  (the server is away: the bridge submits later)
            log.warning("%s: not submitted yet (%s)", code, exc)
            self.close()  # connect and look the deployment up afresh next time
            return False
        return True

    def _connected(self):
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL, temporary_settings

        if self.client is None:
            with temporary_settings({PREFECT_API_URL: self.api_url}):
                client = get_client(sync_client=True)  # with the auth settings for that URL
            self.client = client.__enter__()
        return self.client

    def close(self) -> None:
        if self.client is not None:
            client, self.client, self.deployment = self.client, None, None
            client.__exit__(None, None, None)


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
        self.swept = 0.0  # when unstored uploads were last looked for
        self.lock = threading.Lock()
        self.storers = Storers(submitter.settings, store.s3, submitter.ingest)

    def store_soon(self, upload: UploadRow) -> None:
        """Put a received file in S3 off the request (its spool copy is synced already), then
        submit its dossier once its files settle."""
        self.storers.store(upload, lambda: self.submit_soon(upload.dossier_code))

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
        now = time.monotonic()
        if now >= self.swept + BRIDGE_SECONDS:  # not at every wake-up: one per stored file
            self.swept = now
            ingest = self.submitter.ingest
            stale = datetime.now(timezone.utc) - timedelta(seconds=STORE_AFTER_S)
            for upload in ingest.unstored(received_before=stale):  # its storer's try is over
                if store_upload(self.store, ingest, upload):
                    self.submit_soon(upload.dossier_code)
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
        self.submitter.close()
