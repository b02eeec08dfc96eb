"""The catalogue's tables (SQLAlchemy rows; the schema itself is kept by the Alembic migrations
in ``storage.migrations``): dossiers and what is under them, their history, the one-stop
system's declaration of each dossier, and the indicators' tally of each."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from pipeline.records import DossierRecord


class Base(DeclarativeBase):
    pass


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes from every database (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=timezone.utc) if value and value.tzinfo is None else value


class RecordJSON(TypeDecorator):
    """A dossier record kept as JSON, read back as a :class:`DossierRecord`."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: DossierRecord | dict | None, dialect) -> dict | None:
        return value.to_json() if isinstance(value, DossierRecord) else value

    def process_result_value(self, value: dict | None, dialect) -> DossierRecord | None:
        return DossierRecord.model_validate(value) if value is not None else None


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class DossierRow(Base):
    __tablename__ = "dossiers"
    __table_args__ = (Index("ix_dossiers_queue", "status", "updated_at", "agency"),)  # the desk

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    agency: Mapped[str] = mapped_column(String(35), index=True)
    procedure: Mapped[str] = mapped_column(String(16), index=True)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    originals_digest: Mapped[str] = mapped_column(String(64))
    """sha256 over the sorted sha256s of the originals: the input that produced this record."""
    manifest_key: Mapped[str | None] = mapped_column(String(300))
    record: Mapped[DossierRecord] = mapped_column("result", RecordJSON)
    """Replaced whole, never changed in place (copies are made and stored)."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    documents: Mapped[list[DocumentRow]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan",
        order_by="[DocumentRow.kind, DocumentRow.order]")  # components first, then results
    originals: Mapped[list[OriginalRow]] = relationship(cascade="all, delete-orphan")

    def document(self, order: int, kind: str = "component") -> DocumentRow | None:
        """Document ``order`` (``kind`` ``result``: the n of ``-KQ<n>``), if there is one."""
        return next((d for d in self.documents if d.kind == kind and d.order == order), None)


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_code: Mapped[str] = mapped_column(ForeignKey("dossiers.code"), index=True)
    order: Mapped[int] = mapped_column(Integer)
    """The document order NN; for a result, its n in ``<dossier code>-KQ<n>``."""
    kind: Mapped[str] = mapped_column(String(10), default="component", server_default="component")
    """``component`` (a paper of the dossier) or ``result`` (issued by the agency)."""
    component: Mapped[str | None] = mapped_column(String(50))
    pages: Mapped[int] = mapped_column(Integer)
    object_key: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    ocr_key: Mapped[str] = mapped_column(String(300))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(String)
    digitisation_code: Mapped[str | None] = mapped_column(String(120), unique=True)
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    """Folded text and field values (``pipeline.text.fold``): what full-text search matches."""
    lookup_token: Mapped[str | None] = mapped_column(String(40), unique=True, nullable=True,
                                                     index=True)
    """An issued result's public look-up token, printed in its QR code."""

    dossier: Mapped[DossierRow] = relationship(back_populates="documents")


class OriginalRow(Base):
    __tablename__ = "originals"

    dossier_code: Mapped[str] = mapped_column(ForeignKey("dossiers.code"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(300))
    object_key: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(Integer)


class PendingRow(Base):
    """A dossier whose objects are being uploaded: gone once its catalogue rows are committed."""

    __tablename__ = "pending"

    dossier_code: Mapped[str] = mapped_column(String(50), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    run: Mapped[str | None] = mapped_column(String(32))
    """The run whose objects carry it in their ``upload-run`` metadata (``None`` before 0007)."""


class EventRow(Base):
    """What people did to a dossier (corrections, attachments, approvals): who, when, what.

    Kept apart from the dossier's rows, so re-digitising a dossier never erases its history.
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(50), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # an EventKind
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class SubmissionRow(Base):
    """A dossier as the one-stop system declared it, and where its processing stands."""

    __tablename__ = "submissions"

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    agency: Mapped[str] = mapped_column(String(35), index=True)
    procedure: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[str | None] = mapped_column(String(13), nullable=True)
    components: Mapped[list[str]] = mapped_column(JSON)
    callback_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    client: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), index=True)
    """``registered`` (no file yet), ``received`` (files waiting), ``processing``, then the
    archive's ``digitised`` / ``needs_review`` / ``rejected``, or ``failed``."""
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    # What only the one-stop system knows (issue 15's indicators count with it)
    channel: Mapped[str | None] = mapped_column(String(10), nullable=True)
    """``counter``, ``post`` or ``online``."""
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    returns_result: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    reused_components: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    """Components it took from the national portal's personal folder instead of asking for."""
    outcome: Mapped[str | None] = mapped_column(String(10), nullable=True)
    """``resolved``, ``returned`` or ``withdrawn``, once the one-stop system says so."""
    outcome_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class TallyRow(Base):
    """What one dossier adds to the digitisation report, kept up to date in the same transaction
    as every change it is computed from (its record, the one-stop system's declaration and
    events, its latest audit: ``storage.tally``), so the report is a ``GROUP BY``."""

    __tablename__ = "tallies"
    __table_args__ = (  # covering: the report reads these indexes and never the table
        Index("ix_tallies_received", "received_on", "agency", "received_month", "procedure",
              "missed", "naive", "reused"),
        Index("ix_tallies_resolved", "resolved_on", "agency", "received_month", "procedure",
              "results_required", "with_result"))

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    agency: Mapped[str] = mapped_column(String(35), index=True)
    procedure: Mapped[str] = mapped_column(String(16))
    received_on: Mapped[date] = mapped_column(Date)
    received_month: Mapped[str] = mapped_column(String(7))  # YYYY-MM: the report's month
    resolved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    missed: Mapped[str | None] = mapped_column(String(20), nullable=True)
    """The first rule it misses (``pipeline.indicators.REASONS``); ``None``: digitised."""
    naive: Mapped[bool] = mapped_column(Boolean)  # what counting component rows says
    reused: Mapped[bool] = mapped_column(Boolean)
    results_required: Mapped[bool] = mapped_column(Boolean)
    with_result: Mapped[bool] = mapped_column(Boolean)
