"""The dossier record and what it holds, as the archive keeps it and ``--json`` prints it.

Built by the archive, copied-and-changed by review (``model_copy``), served by the API. Keys
may be added, never renamed or dropped (the README's contracts; ``docs/schemas/`` is written
from these models). A record keeps the keys it was built or stored with: a key with a default
appears only once something sets it (``approved`` after an approval), and keys written by a
later version survive a round-trip (``extra="allow"``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pipeline.model import Problem


class Status(StrEnum):
    DIGITISED = "digitised"  # every required component, nothing left to review
    NEEDS_REVIEW = "needs_review"
    REJECTED = "rejected"  # no file could be read


class ObjectRole(StrEnum):
    """What an object of a dossier's manifest is."""

    ORIGINAL = "original"
    DOCUMENT = "document"  # a component's signed PDF
    OCR = "ocr"
    RESULT = "result"  # an issued result's signed PDF


class EventKind(StrEnum):
    """What a person did to a dossier (its history, ``sohoa review history``)."""

    CORRECT = "correct"
    ATTACH = "attach"
    REUSE = "reuse"
    APPROVE = "approve"
    HOLD = "hold"  # legal hold put on its objects
    RELEASE = "release"  # legal hold taken off
    AUDIT = "audit"  # sohoa audit read its objects again: what it found (the report counts it)
    RESOLVED = "resolved"  # the one-stop system's word on how the dossier's life ended
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


class Record(BaseModel):
    model_config = ConfigDict(extra="allow")

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class FieldEntry(Record):
    value: str
    confidence: float = Field(ge=0, le=1)
    corrected_by: str | None = None  # set by review
    corrected_at: str | None = None


class PageSource(Record):
    """A document's first page: which original, which page (how corrections find it again)."""

    sha256: str
    page: int


class SignedEntry(Record):
    """A signed PDF of the dossier in the archive, its OCR JSON and the fields read from it."""

    file: str
    pages: int
    object: str
    sha256: str
    ocr_object: str
    signer: str
    fields: dict[str, FieldEntry]
    digitisation_code: str | None


class DocumentEntry(SignedEntry):
    """One signed document of the dossier (a component's paper)."""

    order: int
    component: str | None
    sealed_by: str | None = None  # the agency's archival signature; None until digitised
    source: PageSource


class OriginalEntry(Record):
    file: str
    sha256: str
    object: str


class IncomingSignature(Record):
    signer: str
    signed_at: str | None
    valid: bool
    trusted: bool


class IssuedResult(SignedEntry):
    """A result the agency issued for the dossier, archived as ``<dossier code>-KQ<number>``."""

    number: int
    code: str
    problems: list[Problem]
    original: OriginalEntry
    incoming_signatures: list[IncomingSignature]
    issued_at: str
    lookup: str | None = None  # the token of its QR code's public look-up (/tra-cuu/{token})
    incoming_qr: str | None = None  # what the QR code of a result that arrived signed says


class Offer(Record):
    """The owner's still-valid digitised copy of a missing component's paper."""

    component: str
    paper: str
    digitisation_code: str | None
    dossier: str
    object: str
    digitised_at: str
    valid_until: str


class Reused(Offer):
    by: str
    at: str


class Approval(Record):
    by: str
    at: str


class DossierRecord(Record):
    """What sohoa knows of a dossier: ``sohoa digitise --json``, kept in the catalogue and the
    manifest."""

    dossier: str
    procedure: str
    status: Status
    owner_id: str | None
    missing_components: list[str]
    reusable: list[Offer] = []
    documents: list[DocumentEntry]
    problems: list[Problem]
    originals: list[OriginalEntry]
    manifest: str
    results: list[IssuedResult] = []
    reused: list[Reused] = []  # set once review takes an offer
    approved: Approval | None = None  # set once a person approves

    def document(self, order: int) -> DocumentEntry | None:
        return next((d for d in self.documents if d.order == order), None)


class ManifestObject(Record):
    key: str
    sha256: str
    size: int
    role: ObjectRole
    file: str | None = None  # an original's name as received


class Manifest(Record):
    """``manifest.json`` beside a dossier's objects: every object with its sha256, and the
    record, enough to rebuild the catalogue's rows."""

    dossier: str
    procedure: str
    created_at: str
    objects: list[ManifestObject]
    result: DossierRecord  # the stored name of the record, kept for manifests already written
