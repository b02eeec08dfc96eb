"""What the ingest API answers about a dossier (``GET /v1/dossiers/{code}``, and the dossier
after ``POST /v1/dossiers``), as models: the OpenAPI document publishes them and every answer
is built through them. Keys may be added, never renamed or dropped."""

from __future__ import annotations

from typing import Any

from storage.ingest import UploadRow
from pipeline.model import Problem
from pipeline.records import DossierRecord, FieldEntry, Record
from pipeline.signing.verify import verify_pdf
from storage.tables import DocumentRow, DossierRow, SubmissionRow
from storage.objects import sha256_hex


class ReceivedView(Record):
    file: str
    sha256: str
    size: int
    kind: str
    component: str | None
    received_at: str
    processed: bool


class DocumentView(Record):
    order: int
    component: str | None
    pages: int
    sha256: str
    digitisation_code: str | None
    fields: dict[str, FieldEntry]
    url: str


class SignatureView(Record):
    document: int | None = None  # a component's document, or
    result: int | None = None  # an issued result (the n of -KQ<n>)
    signer: str
    sealed_by: str | None


class ResultView(Record):
    number: int
    code: str
    fields: dict[str, FieldEntry]
    digitisation_code: str | None
    sha256: str
    url: str


class ComponentState(Record):
    """A component as the one-stop system syncs it to the national portal: its digitisation
    state (0 not digitised, 1 digitised, 2 reused from another dossier's paper)."""

    component: str
    state: int
    digitised: bool
    reused: bool
    from_national_folder: bool  # the one-stop system took it from the citizen's folder
    digitisation_code: str | None
    url: str | None


class DossierView(Record):
    """The sender's declaration, what was received, and what the archive holds."""

    code: str
    status: str
    procedure: str
    agency: str
    owner_id: str | None
    components: list[str]
    callback_url: str | None
    error: dict[str, Any] | None
    received: list[ReceivedView]
    missing_components: list[str]
    problems: list[Problem]
    documents: list[DocumentView]
    fields: dict[str, FieldEntry]  # each field's value from the first document that has it
    signatures: list[SignatureView]
    results: list[ResultView]
    updated_at: str
    channel: str | None  # what only the one-stop system knows (issue 15)
    received_at: str | None
    returns_result: bool | None
    reused_components: list[str]
    outcome: dict[str, str] | None  # {"event", "at"} once its life ended
    component_states: list[ComponentState]  # the flags synced to the national portal
    result_url: str | None  # the first issued result's signed PDF


def paper_check(pdf: bytes, document: DocumentRow, dossier: DossierRow, roots: list) -> dict:
    """What the public look-up answers: which paper, its dossier's status, whether the stored
    file is the one archived and its signatures hold; no personal data."""
    report = verify_pdf(pdf, roots)
    issued = next((r for r in dossier.record.results if r.number == document.order), None)
    return {"paper": f"{dossier.code}-KQ{document.order}", "dossier_status": dossier.status,
            "issued_at": issued.issued_at if issued else None, "sha256": document.sha256,
            "intact": sha256_hex(pdf) == document.sha256, "signature_valid": report.valid,
            "signed_by": [s.signer for s in report.signatures]}


def _states(row: SubmissionRow, record: DossierRecord | None, base: str) -> list[ComponentState]:
    docs = [d for d in record.documents if d.component] if record else []
    portal = set(row.reused_components or ())
    states = [ComponentState(component=d.component, state=1, digitised=True, reused=False,
                             from_national_folder=False, digitisation_code=d.digitisation_code,
                             url=f"{base}/documents/{d.order}") for d in docs]
    present = {d.component for d in docs}
    reused = {r.component: r for r in record.reused} if record else {}
    for code in [*reused, *sorted(portal - set(reused))]:
        if code not in present:
            states.append(ComponentState(
                component=code, state=2, digitised=True, reused=True,
                from_national_folder=code in portal,
                digitisation_code=reused[code].digitisation_code if code in reused else None,
                url=None))
            present.add(code)
    missing = record.missing_components if record else row.components
    states += [ComponentState(component=code, state=0, digitised=False, reused=False,
                              from_national_folder=False, digitisation_code=None, url=None)
               for code in missing if code not in present]
    return states


def dossier_view(row: SubmissionRow, uploads: list[UploadRow], record: DossierRecord | None
                 ) -> DossierView:
    docs, issued = (record.documents, record.results) if record else ([], [])
    fields: dict[str, FieldEntry] = {}
    for document in docs:
        for name, value in document.fields.items():
            fields.setdefault(name, value)
    base = f"/v1/dossiers/{row.code}"
    return DossierView(
        code=row.code, status=row.status, procedure=row.procedure, agency=row.agency,
        owner_id=row.owner_id, components=row.components, callback_url=row.callback_url,
        error=row.error,
        received=[ReceivedView(file=u.filename, sha256=u.sha256, size=u.size, kind=u.kind,
                               component=u.component, received_at=u.received_at.isoformat(),
                               processed=u.processed_at is not None) for u in uploads],
        missing_components=record.missing_components if record else [],
        problems=record.problems if record else [],
        documents=[DocumentView(order=d.order, component=d.component, pages=d.pages,
                                sha256=d.sha256, digitisation_code=d.digitisation_code,
                                fields=d.fields, url=f"{base}/documents/{d.order}") for d in docs],
        fields=fields,
        signatures=[SignatureView(document=d.order, signer=d.signer, sealed_by=d.sealed_by)
                    for d in docs]
        + [SignatureView(result=r.number, signer=r.signer, sealed_by=r.signer) for r in issued],
        results=[ResultView(number=r.number, code=r.code, fields=r.fields,
                            digitisation_code=r.digitisation_code, sha256=r.sha256,
                            url=f"{base}/results/{r.number}") for r in issued],
        updated_at=row.updated_at.isoformat(), channel=row.channel,
        received_at=row.received_at.isoformat() if row.received_at else None,
        returns_result=row.returns_result, reused_components=row.reused_components or [],
        outcome={"event": row.outcome, "at": row.outcome_at.isoformat()} if row.outcome else None,
        component_states=_states(row, record, base),
        result_url=f"{base}/results/{issued[0].number}" if issued else None)
