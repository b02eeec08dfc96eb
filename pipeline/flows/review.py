"""Review: the person in the loop, where the machine is unsure.

List the dossiers that need a look; correct a field (checked by the field's validator);
attach rescanned pages or a missing component (the flow runs again on every original, and
only the new pages are read: the others come from the page cache); approve. Every action is
an event in the catalogue with who and when, and corrections survive a later re-run.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipeline.checks import owner_mismatches
from pipeline.completeness import missing_problem, status
from pipeline.documents import seal_pdf, signer_name
from pipeline.errors import (InvalidValue, MissingComponents, NoReusableCopy, NothingToApprove,
                             UnknownDocument, UnknownField)
from pipeline.fields.extract import DEFAULT_FIELDS, FIELD_NAMES
from pipeline.fields.validators import VALIDATORS
from pipeline.model import FieldValue, Problem
from pipeline.records import (Approval, DocumentEntry, DossierRecord, EventKind, FieldEntry,
                              PageSource, Reused, Status)
from pipeline.procedures.definitions import Procedure, find_procedure
from pipeline.settings import Settings
from pipeline.flows.signing import role_signer
from storage.archive import Archive, replace_documents
from storage.session import open_archive

OWNER_CODES = ("id_number_mismatch", "name_mismatch")


def settled(record: DossierRecord, **changes: Any) -> DossierRecord:
    """A copy of ``record`` with ``changes``, its status following from what is left to review."""
    changed = record.model_copy(update=changes)
    if changed.status == Status.REJECTED:
        return changed
    return changed.model_copy(update={"status": status(
        bool(changed.documents), changed.problems, changed.missing_components,
        approved=changed.approved is not None)})


def _owner_problems(record: DossierRecord, procedure: Procedure) -> list[Problem]:
    owners = []
    for doc in record.documents:
        component = procedure.component(doc.component) if doc.component else None
        if component and component.owner:
            fields = {k: FieldValue(v.value, v.confidence) for k, v in doc.fields.items()}
            owners.append((doc.file, doc.component, fields))
    return owner_mismatches(owners)


def _apply(record: DossierRecord, procedure: Procedure, detail: dict[str, Any], by: str,
           at: datetime) -> DossierRecord:
    """A correction put into a dossier's record, the problems it answers settled."""
    source = PageSource.model_validate(detail["source"])
    doc = next(d for d in record.documents if d.source == source)
    value = FieldEntry(value=detail["value"], confidence=1.0, corrected_by=by,
                       corrected_at=at.isoformat())
    corrected = doc.model_copy(update={"fields": {**doc.fields, detail["field"]: value}})
    documents = [corrected if d is doc else d for d in record.documents]
    problems = [p for p in record.problems
                if not (p.document == doc.order and p.field == detail["field"])
                and p.code not in OWNER_CODES]
    record = record.model_copy(update={"documents": documents})
    return settled(record, problems=problems + _owner_problems(record, procedure))


def correct(archive: Archive, settings: Settings, dossier: str, order: int, field: str,
            value: str, by: str) -> DossierRecord:
    """Set ``field`` of document ``order`` to ``value`` once its validator accepts it."""
    row = archive.catalogue.dossier(dossier)
    doc = row.record.document(order)
    if doc is None:
        raise UnknownDocument(dossier=dossier, order=order)
    procedure = find_procedure(row.procedure, settings.procedures_dir)
    component = procedure.component(doc.component) if doc.component else None
    validator = (component.fields if component and component.fields else DEFAULT_FIELDS).get(field)
    if validator is None:
        raise UnknownField(order=order, field=field)
    canonical = VALIDATORS[validator](value)
    if canonical is None:
        raise InvalidValue(label=FIELD_NAMES.get(field, field), field=field, value=value,
                           validator=validator)
    old = doc.fields.get(field)
    detail = {"document": order, "source": doc.source.to_json(), "field": field,
              "old": old.value if old else None, "value": canonical}
    record = _apply(row.record, procedure, detail, by, datetime.now(timezone.utc))
    archive.catalogue.add_event(dossier, EventKind.CORRECT, by, detail, record)
    return record


def reuse(archive: Archive, settings: Settings, dossier: str, component: str, by: str
          ) -> DossierRecord:
    """Take the offered digitised copy in place of the missing component's paper."""
    row = archive.catalogue.dossier(dossier)
    record = row.record
    offer = next((o for o in record.reusable if o.component == component), None)
    if offer is None:
        raise NoReusableCopy(component=component)
    procedure = find_procedure(row.procedure, settings.procedures_dir)
    taken = Reused(**offer.to_json(), by=by, at=datetime.now(timezone.utc).isoformat())
    answered = missing_problem(procedure.component(component))
    record = settled(
        record, reused=[*record.reused, taken],
        reusable=[o for o in record.reusable if o.component != component],
        missing_components=[c for c in record.missing_components if c != component],
        problems=[p for p in record.problems if p != answered])
    archive.catalogue.add_event(dossier, EventKind.REUSE, by, offer.to_json(), record)
    return record


def approve(archive: Archive, settings: Settings, dossier: str, by: str) -> DossierRecord:
    """A person accepts what is left to review; the flow resumes: the agency seals the archival
    copies (new object versions, new manifest). A missing required component cannot be accepted."""
    row = archive.catalogue.dossier(dossier)
    record = row.record
    if record.missing_components:
        raise MissingComponents(dossier=dossier, components=", ".join(record.missing_components))
    if not record.documents:
        raise NothingToApprove(dossier=dossier)
    unsealed = {archive.store.key(d.object): d for d in record.documents if not d.sealed_by}
    sealed: dict[int, DocumentEntry] = {}
    if unsealed:
        with role_signer(settings, archive.store, "agency") as agency:
            pdfs = {key: seal_pdf(archive.store.get(key), agency, settings, row.agency)
                    for key in unsealed}
            name = signer_name(agency)
        codes = {key: doc.digitisation_code for key, doc in unsealed.items()}
        for key, digest in replace_documents(archive, row, pdfs, codes).items():
            doc = unsealed[key]
            sealed[doc.order] = doc.model_copy(update={"sha256": digest, "sealed_by": name})
    record = record.model_copy(update={
        "documents": [sealed.get(d.order, d) for d in record.documents],
        "status": Status.DIGITISED,
        "approved": Approval(by=by, at=datetime.now(timezone.utc).isoformat())})
    archive.catalogue.add_event(dossier, EventKind.APPROVE, by, {"problems": len(record.problems)},
                             record)
    return record


def attach(settings: Settings, dossier: str, files: list[Path], by: str) -> DossierRecord:
    """Run the dossier again with ``files`` added to its originals; keep earlier corrections."""
    from pipeline.flows.digitise import digitise_dossier

    with open_archive(settings) as archive, \
            tempfile.TemporaryDirectory(prefix="sohoa-attach-") as tmp:
        row = archive.catalogue.dossier(dossier)
        originals = []
        for index, original in enumerate(row.originals):  # each in its own folder: names kept
            path = Path(tmp) / f"{index:03d}" / original.filename
            path.parent.mkdir()
            path.write_bytes(archive.store.get(original.object_key))
            originals.append(path)
        record = digitise_dossier(files=[str(p) for p in originals + files], dossier=dossier,
                                  procedure=row.procedure, owner_id=row.record.owner_id,
                                  settings=settings)
        procedure = find_procedure(row.procedure, settings.procedures_dir)
        for event in archive.catalogue.events(dossier, EventKind.CORRECT):
            source = PageSource.model_validate(event.detail["source"])
            if any(d.source == source for d in record.documents):
                record = _apply(record, procedure, event.detail, event.by, event.at)
        archive.catalogue.add_event(dossier, EventKind.ATTACH, by, {"files": [f.name for f in files]},
                                 record)
    return record
