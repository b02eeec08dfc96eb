"""The webhook sender of ``sohoa serve``: the deliveries due, one attempt each, every outcome
logged (``pipeline.api.webhooks``). The flows that queue them run on the Prefect workers."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import httpx

from pipeline.api.webhooks import deliver
from pipeline.settings import Settings
from storage.ingest import Ingest

POLL_SECONDS = 0.2


class Sender(threading.Thread):
    def __init__(self, settings: Settings, ingest: Ingest):
        super().__init__(name="sohoa-webhooks", daemon=True)
        self.settings, self.ingest = settings, ingest
        self.stopping = threading.Event()

    def run(self) -> None:
        with httpx.Client() as client:
            while not self.stopping.wait(POLL_SECONDS):
                for delivery in self.ingest.due_deliveries(datetime.now(timezone.utc)):
                    if self.stopping.is_set():
                        return
                    deliver(self.ingest, delivery, self.settings, client)
