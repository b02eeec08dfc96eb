"""The ingest API's records, in the catalogue's database: API clients, the one-stop system's
dossiers (submissions, a table of ``storage.tables``: the indicators count with it) and the files
received for them, idempotency keys, webhook deliveries.

A file is recorded here only after it is on disk for good (the API's spool), so an accepted
upload survives a crash; the run that digitises it marks it processed once its dossier is
archived.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (JSON, BigInteger, Integer, String, UniqueConstraint, func, select,
                        update)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from pipeline.identifiers import parse_dossier_code
from storage.errors import ClientExists, OutcomeRecorded
from storage.keys import original_key
from storage import tally
from storage.catalogue import Catalogue
from storage.tables import Base, SubmissionRow, UtcDateTime


def _now() -> datetime:
    return datetime.now(timezone.utc)


def token_digest(token: str) -> str:
    """Tokens are 256 random bits: their SHA-256 is what is kept, and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


class ClientRow(Base):
    __tablename__ = "clients"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    agencies: Mapped[list[str]] = mapped_column(JSON)
    webhook_secret: Mapped[str] = mapped_column(String(100))
    """Key of the HMAC-SHA256 that signs the webhooks sent to this client."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class UploadRow(Base):
    __tablename__ = "uploads"
    __table_args__ = (UniqueConstraint("dossier_code", "kind", "sha256", name="uq_uploads_file"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(50), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "component" | "result"
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(300))
    component: Mapped[str | None] = mapped_column(String(50), nullable=True)
    size: Mapped[int] = mapped_column(BigInteger)
    path: Mapped[str] = mapped_column(String(1000))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    counter: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    """The counter whose scanner sent it (``sohoa scan`` / ``watch --counter``), if said."""
    object_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    """Its original in S3, once S3 acknowledged it (until then only the spool holds it)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """How many runs took it: a file that crashes every run stops being retried."""
    processed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """The Prefect worker (and host) whose run processed it."""

    def reference(self) -> StoredFile:
        """What a flow takes; an upload processed before keys were recorded has its original
        where the flow stored it (keyed by content)."""
        key = self.object_key or original_key(parse_dossier_code(self.dossier_code), self.sha256,
                                              Path(self.path).suffix)
        return StoredFile(upload=self.id, key=key, sha256=self.sha256,
                          name=self.filename, kind=self.kind, component=self.component)


class StoredFile(BaseModel):
    """An upload as a flow takes it: by its key in S3 and its sha256, never a local path, so
    any worker reads it."""

    upload: int
    key: str
    sha256: str
    name: str
    kind: str  # "component" | "result"
    component: str | None = None


class IdempotencyRow(Base):
    __tablename__ = "idempotency"

    client: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)


class DeliveryRow(Base):
    """One webhook: what was sent where, how often, and how it ended (the delivery log)."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(50), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True,
                                                             index=True)
    """When to try again; ``None`` once delivered or given up."""
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)

    def to_json(self) -> dict:
        return {"id": self.id, "dossier": self.dossier_code, "url": self.url,
                "event": self.payload.get("event"), "status": self.payload.get("status"),
                "attempts": self.attempts, "delivered_at": _iso(self.delivered_at),
                "next_attempt_at": _iso(self.next_attempt_at), "last_status": self.last_status,
                "last_error": self.last_error, "created_at": _iso(self.created_at)}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class Ingest:
    """The ingest records of one catalogue database."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue

    # Clients
    def add_client(self, name: str, agencies: list[str]) -> tuple[str, str]:
        """Create a client; return its bearer token and webhook secret (shown once)."""
        token, secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.catalogue.writing() as session:
            old = session.get(ClientRow, name)
            if old is not None and old.revoked_at is None:
                raise ClientExists(name=name)
            if old is not None:
                session.delete(old)
                session.flush()
            session.add(ClientRow(name=name, token_sha256=token_digest(token),
                                  agencies=sorted(set(agencies)), webhook_secret=secret))
        return token, secret

    def clients(self) -> list[ClientRow]:
        with self.catalogue.reading() as session:
            return list(session.scalars(select(ClientRow).order_by(ClientRow.name)))

    def revoke(self, name: str) -> bool:
        with self.catalogue.writing() as session:
            row = session.get(ClientRow, name)
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = _now()
            return True

    def client_by_token(self, token: str) -> ClientRow | None:
        with self.catalogue.reading() as session:
            row = session.scalar(select(ClientRow).where(
                ClientRow.token_sha256 == token_digest(token)))
            return row if row is not None and row.revoked_at is None else None

    def client(self, name: str) -> ClientRow | None:
        with self.catalogue.reading() as session:
            return session.get(ClientRow, name)

    # Submissions and uploads
    def submission(self, code: str) -> SubmissionRow | None:
        with self.catalogue.reading() as session:
            return session.get(SubmissionRow, code)

    def submissions(self) -> list[SubmissionRow]:
        with self.catalogue.reading() as session:
            return list(session.scalars(select(SubmissionRow)))

    def save_submission(self, row: SubmissionRow) -> tuple[SubmissionRow, bool]:
        """Create the dossier or update what the one-stop system may change; whether created."""
        with self.catalogue.writing() as session:
            old = session.get(SubmissionRow, row.code)
            if old is None:
                session.add(row)
            else:
                for name in ("procedure", "owner_id", "components", "callback_url", "client",
                             "channel", "received_at", "returns_result", "reused_components"):
                    setattr(old, name, getattr(row, name))
                old.updated_at = _now()
            tally.refresh(session, [row.code])
            return (row, True) if old is None else (old, False)

    def end(self, code: str, outcome: str, at: datetime) -> bool:
        """Record how the dossier's life ended; ``False`` (nothing changed) when it already
        ended so. Another ending than the one recorded is refused."""
        with self.catalogue.writing() as session:
            row = session.get(SubmissionRow, code)
            if row.outcome == outcome and row.outcome_at == at:
                return False
            if row.outcome is not None:
                raise OutcomeRecorded(dossier=code, outcome=row.outcome)
            row.outcome, row.outcome_at, row.updated_at = outcome, at, _now()
            tally.refresh(session, [code])
            return True

    def add_upload(self, upload: UploadRow) -> tuple[UploadRow, bool]:
        """Record a file already on disk; the same bytes for the same dossier are one upload."""
        try:
            self.catalogue.write(lambda session: session.add(upload))
            return upload, True
        except IntegrityError:
            with self.catalogue.reading() as session:
                return session.scalar(select(UploadRow).where(
                    UploadRow.dossier_code == upload.dossier_code, UploadRow.kind == upload.kind,
                    UploadRow.sha256 == upload.sha256)), False

    def uploads(self, code: str, kind: str | None = None) -> list[UploadRow]:
        with self.catalogue.reading() as session:
            query = select(UploadRow).where(UploadRow.dossier_code == code)
            if kind:
                query = query.where(UploadRow.kind == kind)
            return list(session.scalars(query.order_by(UploadRow.id)))

    def waiting(self) -> list[str]:
        """Dossiers with unprocessed uploads, the one waiting longest first."""
        newest = func.max(UploadRow.received_at, type_=UtcDateTime)
        with self.catalogue.reading() as session:
            return list(session.scalars(select(UploadRow.dossier_code)
                                        .where(UploadRow.processed_at.is_(None))
                                        .group_by(UploadRow.dossier_code).order_by(newest)))

    def upload(self, upload_id: int) -> UploadRow:
        with self.catalogue.reading() as session:
            return session.get(UploadRow, upload_id)

    def unstored(self, received_before: datetime) -> list[UploadRow]:
        """Unprocessed uploads received before then whose original only the spool holds (S3
        did not acknowledge it)."""
        with self.catalogue.reading() as session:
            return list(session.scalars(select(UploadRow).where(
                UploadRow.processed_at.is_(None), UploadRow.object_key.is_(None),
                UploadRow.received_at < received_before).order_by(UploadRow.id)))

    def awaiting_keys(self, code: str) -> set[str]:
        """The S3 keys of the dossier's uploads received and not yet digitised."""
        return {u.object_key for u in self.unprocessed(code)}

    def stored(self, upload_id: int, key: str) -> None:
        self.catalogue.write(lambda session: session.execute(  # no row loaded, per upload
            update(UploadRow).where(UploadRow.id == upload_id).values(object_key=key)))

    def unprocessed(self, code: str) -> list[UploadRow]:
        """A dossier's uploads still to process, in S3 (what its next run takes)."""
        with self.catalogue.reading() as session:
            return list(session.scalars(select(UploadRow).where(
                UploadRow.dossier_code == code, UploadRow.processed_at.is_(None),
                UploadRow.object_key.is_not(None)).order_by(UploadRow.id)))

    def take(self, code: str, ids: list[int], limit: int) -> str:
        """Count a run's attempt at uploads ``ids``: ``superseded`` when a newer upload of the
        dossier waits (its own run takes all), ``done`` when all are processed already,
        ``exhausted`` past ``limit`` attempts, else ``taken``."""
        with self.catalogue.writing() as session:
            waiting = list(session.scalars(select(UploadRow).where(
                UploadRow.dossier_code == code, UploadRow.processed_at.is_(None))
                .with_for_update()))
            mine = [u for u in waiting if u.id in ids]
            if any(u.id > max(ids) for u in waiting):
                return "superseded"
            if not mine:
                return "done"
            for upload in mine:
                upload.attempts += 1
            return "exhausted" if max(u.attempts for u in mine) > limit else "taken"

    def mark_processed(self, ids: list[int], by: str | None = None) -> None:
        with self.catalogue.writing() as session:
            for row in session.scalars(select(UploadRow).where(UploadRow.id.in_(ids))):
                row.processed_at, row.processed_by = _now(), by

    def change_status(self, code: str, status: str, error: dict | None = None) -> str | None:
        """Set a submission's status, announced by webhook when it changed; the previous one."""
        def change(session: Session) -> str | None:
            row = session.get(SubmissionRow, code)
            previous = row.status
            row.status, row.error, row.updated_at = status, error, _now()
            return previous

        previous = self.catalogue.write(change)
        if previous != status:
            self.notify(code, "status_changed", previous=previous, error=error)
        return previous

    def notify(self, code: str, event: str, **data: Any) -> None:
        """Queue a webhook about ``code`` if its sender gave a callback URL."""
        submission = self.submission(code)
        if submission is None or not submission.callback_url:
            return
        self.queue_delivery(code, submission.callback_url, {
            "event": event, "dossier": code, "status": submission.status,
            "at": _now().isoformat(), **data})

    # Idempotency
    def remembered(self, client: str, key: str) -> IdempotencyRow | None:
        with self.catalogue.reading() as session:
            return session.get(IdempotencyRow, (client, key))

    def remember(self, row: IdempotencyRow) -> IdempotencyRow:
        """Keep a response for its key; if another request got there first, return its row."""
        try:
            self.catalogue.write(lambda session: session.add(row))
            return row
        except IntegrityError:
            return self.remembered(row.client, row.key)

    # Webhook deliveries
    def queue_delivery(self, code: str, url: str, payload: dict) -> None:
        self.catalogue.write(lambda session: session.add(DeliveryRow(
            dossier_code=code, url=url, payload=payload, attempts=0, next_attempt_at=_now())))

    def due_deliveries(self, now: datetime) -> list[DeliveryRow]:
        with self.catalogue.reading() as session:
            return list(session.scalars(select(DeliveryRow).where(
                DeliveryRow.next_attempt_at <= now).order_by(DeliveryRow.id)))

    def delivery_done(self, delivery_id: int, status: int | None, error: str | None,
                      next_attempt_at: datetime | None) -> None:
        with self.catalogue.writing() as session:
            row = session.get(DeliveryRow, delivery_id)
            row.attempts += 1
            row.last_status, row.last_error = status, (error or None) and error[:500]
            row.next_attempt_at = next_attempt_at
            if error is None:
                row.delivered_at = _now()

    def deliveries(self, code: str) -> list[DeliveryRow]:
        with self.catalogue.reading() as session:
            return list(session.scalars(select(DeliveryRow).where(
                DeliveryRow.dossier_code == code).order_by(DeliveryRow.id)))
