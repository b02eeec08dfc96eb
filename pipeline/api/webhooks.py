"""Webhooks to the one-stop system: signed with HMAC-SHA256, retried with backoff, logged.

The receiver checks ``X-Sohoa-Signature: sha256=<hex>``, the HMAC-SHA256 under its client's
webhook secret of ``<X-Sohoa-Timestamp>.<body>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta, timezone

import httpx

from pipeline.settings import Settings
from storage.ingest import DeliveryRow, Ingest

MAX_BACKOFF = timedelta(hours=1)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def deliver(ingest: Ingest, delivery: DeliveryRow, settings: Settings, client: httpx.Client
            ) -> bool:
    """One attempt; the outcome and the next attempt (or none) go to the delivery log."""
    submission = ingest.submission(delivery.dossier_code)
    owner = ingest.client(submission.client) if submission else None
    body = json.dumps({**delivery.payload, "delivery": delivery.id}, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Sohoa-Event": delivery.payload["event"],
               "X-Sohoa-Delivery": str(delivery.id), "X-Sohoa-Timestamp": timestamp,
               "X-Sohoa-Attempt": str(delivery.attempts + 1),
               "X-Sohoa-Signature": signature(owner.webhook_secret if owner else "", timestamp,
                                              body)}
    status, error = None, None
    try:
        response = client.post(delivery.url, content=body, headers=headers,
                               timeout=settings.webhook_timeout_seconds)
        status = response.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    later = None
    if error is not None and delivery.attempts + 1 < settings.webhook_attempts:
        wait = min(timedelta(seconds=settings.webhook_backoff_seconds * 2 ** delivery.attempts),
                   MAX_BACKOFF)
        later = datetime.now(timezone.utc) + wait
    ingest.delivery_done(delivery.id, status, error, later)
    return error is None
