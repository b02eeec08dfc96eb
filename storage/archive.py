"""Archive a digitised dossier: objects first, then the catalogue in one transaction.

The S3 server and the catalogue are opened together by :func:`storage.session.open_archive`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from pipeline.completeness import Verdict
from pipeline.documents import ocr_json
from pipeline.identifiers import (DossierCode, digitisation_code, digitisation_prefix,
                                  parse_dossier_code)
from pipeline.model import Problem, ReceivedFile, SignedDocument
from pipeline.records import (DocumentEntry, DossierRecord, IncomingSignature, IssuedResult,
                              Manifest, ManifestObject, ObjectRole, Offer, OriginalEntry,
                              PageSource)
from storage import keys
from storage.catalogue import Catalogue, search_text
from storage.tables import DocumentRow, DossierRow, OriginalRow
from storage.objects import ObjectStore, StoredObject, sha256_hex

RUN_META = "upload-run"  # metadata naming the run that wrote an object (see storage.reconcile)


@dataclass
class Archive:
    store: ObjectStore
    catalogue: Catalogue
    reconciled: dict = field(default_factory=dict)  # what opening it repaired (sohoa reconcile)


def originals_digest(shas: list[str]) -> str:
    """The input that produced a record: sha256 over the sorted sha256s of its originals."""
    return sha256_hex("\n".join(sorted(shas)).encode())


def digitisation_codes(catalogue: Catalogue, dossier: str, procedure: str, owner_id: str | None,
                       documents: list[SignedDocument]) -> dict[int, str]:
    """Each classified document's digitisation code, by document order: NN follows the owner's
    earlier codes for the same procedure and component (from 01); a dossier archived again
    keeps the numbers it had, in order, and a document it did not have takes the next free."""
    if owner_id is None:
        return {}
    out: dict[int, str] = {}
    kept: dict[str, list[int]] = {}  # this dossier's earlier numbers, still to hand out
    last: dict[str, int] = {}  # the highest number given, by anyone
    for doc in documents:
        if doc.component is None:
            continue
        prefix = digitisation_prefix(owner_id, procedure, doc.component)
        if prefix not in last:
            numbers = catalogue.digitisation_numbers(prefix)
            kept[prefix] = numbers.pop(dossier, [])
            last[prefix] = max([n for ns in numbers.values() for n in ns] + kept[prefix] + [0])
        if kept[prefix]:
            number = kept[prefix].pop(0)
        else:
            last[prefix] += 1
            number = last[prefix]
        out[doc.order] = digitisation_code(prefix, number)
    return out


def document_row(entry: DocumentEntry | IssuedResult, text: str, store: ObjectStore,
                 dossier: str) -> DocumentRow:
    """The catalogue row of a document (a component's, or an issued result's) from its entry in
    the record."""
    issued = isinstance(entry, IssuedResult)
    return DocumentRow(order=entry.number if issued else entry.order,
                       kind="result" if issued else "component",
                       component=None if issued else entry.component, pages=entry.pages,
                       object_key=store.key(entry.object), sha256=entry.sha256,
                       ocr_key=store.key(entry.ocr_object),
                       fields={k: v.to_json() for k, v in entry.fields.items()}, text=text,
                       digitisation_code=entry.digitisation_code,
                       search_text=search_text(text, [v.value for v in entry.fields.values()],
                                               dossier, entry.digitisation_code),
                       lookup_token=entry.lookup if issued else None)


def _result_keys(store: ObjectStore, entries: list[IssuedResult]) -> set[str]:
    """The keys of results' objects: signed PDF, OCR JSON, original."""
    return {store.key(url) for e in entries for url in (e.object, e.ocr_object, e.original.object)}


def _object(stored: StoredObject, role: ObjectRole, file: str | None = None) -> ManifestObject:
    return ManifestObject(key=stored.key, sha256=stored.sha256, size=stored.size, role=role,
                          **({"file": file} if file else {}))


def _original(received: ReceivedFile) -> ManifestObject:
    return ManifestObject(key=received.object_key, sha256=received.sha256, size=received.size,
                          role=ObjectRole.ORIGINAL, file=received.name)


def put_manifest(store: ObjectStore, manifest: Manifest, meta: dict[str, str]) -> StoredObject:
    return store.put(keys.manifest_key(parse_dossier_code(manifest.dossier)),
                     json.dumps(manifest.to_json(), ensure_ascii=False, indent=1).encode(),
                     "application/json", meta)


def get_manifest(store: ObjectStore, key: str) -> Manifest:
    return Manifest.model_validate_json(store.get(key))


def archive_dossier(archive: Archive, code: DossierCode, procedure: str,
                    received: list[ReceivedFile], documents: list[SignedDocument],
                    verdict: Verdict, now: datetime, owner_id: str | None = None,
                    reusable: list[Offer] | None = None) -> DossierRecord:
    """Upload signed PDFs, OCR JSON and the manifest, then write the catalogue; return the result.

    The dossier's and its owner's locks are held throughout: numbering to commit."""
    names = [f"dossier:{code}"] + ([f"owner:{owner_id}"] if owner_id else [])
    with archive.catalogue.locked(names):
        return _archive_dossier(archive, code, procedure, received, documents, verdict, now,
                                owner_id, reusable)


def _archive_dossier(archive: Archive, code: DossierCode, procedure: str,
                     received: list[ReceivedFile], documents: list[SignedDocument],
                     verdict: Verdict, now: datetime, owner_id: str | None,
                     reusable: list[Offer] | None) -> DossierRecord:
    store, run = archive.store, uuid.uuid4().hex
    meta = {"dossier": str(code), "procedure": procedure, RUN_META: run}
    objects = [_original(r) for r in received]
    entries, rows = [], []
    numbered = digitisation_codes(archive.catalogue, str(code), procedure, owner_id, documents)
    previous = archive.catalogue.find(str(code))
    results = previous.record.results if previous else []
    result_texts = {d.order: d.text for d in previous.documents if d.kind == "result"} \
        if previous else {}
    if results:  # results issued for the dossier stay with it when its papers are digitised again
        carried = _result_keys(store, results)
        objects += [o for o in get_manifest(store, previous.manifest_key).objects
                    if o.key in carried and o.key not in {r.object_key for r in received}]
    archive.catalogue.begin_upload(str(code), now, run)
    for doc in documents:
        digitised_as = numbered.get(doc.order)
        doc_meta = {**meta, **({"digitisation-code": digitised_as} if digitised_as else {})}
        pdf = store.put(keys.document_key(code, doc.order), doc.pdf, "application/pdf", doc_meta)
        ocr = store.put(keys.ocr_key(code, doc.order), ocr_json(str(code), doc),
                        "application/json", doc_meta)
        objects += [_object(pdf, ObjectRole.DOCUMENT), _object(ocr, ObjectRole.OCR)]
        entry = DocumentEntry(
            order=doc.order, component=doc.component, file=doc.file, pages=len(doc.pages),
            object=store.url(pdf.key), sha256=pdf.sha256, ocr_object=store.url(ocr.key),
            signer=doc.signer, fields={k: v.to_json() for k, v in doc.fields.items()},
            digitisation_code=digitised_as,
            sealed_by=doc.sealed_by,
            source=PageSource(sha256=doc.pages[0].ref.file_sha256, page=doc.pages[0].ref.number))
        entries.append(entry)
        rows.append(document_row(entry, "\n\n".join(p.ocr.text for p in doc.pages), store,
                                 str(code)))
    record = DossierRecord(
        dossier=str(code), procedure=procedure, status=verdict.status, owner_id=owner_id,
        missing_components=verdict.missing_components, reusable=reusable or [],
        documents=entries, problems=verdict.problems,
        originals=[OriginalEntry(file=r.name, sha256=r.sha256, object=store.url(r.object_key))
                   for r in received],
        manifest=store.url(keys.manifest_key(code)), results=results)
    stored_manifest = put_manifest(store, Manifest(  # enough to rebuild the catalogue rows
        dossier=str(code), procedure=procedure, created_at=now.isoformat(), objects=objects,
        result=record), meta)
    archive.catalogue.replace(DossierRow(
        code=str(code), agency=code.agency, procedure=procedure, received_on=code.received,
        status=verdict.status,
        originals_digest=originals_digest([r.sha256 for r in received]),
        manifest_key=stored_manifest.key, record=record, updated_at=now,
        documents=rows + [document_row(e, result_texts[e.number], store, str(code))
                          for e in results],
        originals=[OriginalRow(sha256=r.sha256, filename=r.name, object_key=r.object_key,
                               size=r.size) for r in received],
    ))
    return record


def replace_documents(archive: Archive, dossier: DossierRow, pdfs: dict[str, bytes],
                      codes: dict[str, str | None]) -> dict[str, str]:
    """Store new versions of signed PDFs (by object key, with their digitisation codes; older
    versions are kept) and a new manifest naming their sha256; return the new sha256 by key."""
    store, digests = archive.store, {}
    for key, data in pdfs.items():
        meta = {"dossier": dossier.code, "procedure": dossier.procedure}
        if codes.get(key):
            meta["digitisation-code"] = codes[key]
        stored = store.put(key, data, "application/pdf", meta)
        digests[key] = stored.sha256
    manifest = get_manifest(store, dossier.manifest_key)
    manifest = manifest.model_copy(update={"objects": [
        o.model_copy(update={"sha256": digests[o.key], "size": len(pdfs[o.key])})
        if o.key in pdfs else o for o in manifest.objects]})
    put_manifest(store, manifest, {"dossier": dossier.code, "procedure": dossier.procedure})
    return digests


def archive_result(archive: Archive, dossier: DossierRow, received: ReceivedFile,
                   document: SignedDocument, problems: list[Problem],
                   digitised_as: str | None, incoming: list[IncomingSignature], now: datetime,
                   lookup: str | None = None, incoming_qr: str | None = None) -> IssuedResult:
    """Upload a result's signed PDF (``<code>-KQ<n>``) and OCR JSON, then a new manifest naming
    them, then add it to the catalogue; return its entry in the dossier's ``results``."""
    store, code, run = archive.store, parse_dossier_code(dossier.code), uuid.uuid4().hex
    meta = {"dossier": dossier.code, "procedure": dossier.procedure, RUN_META: run,
            **({"digitisation-code": digitised_as} if digitised_as else {})}
    archive.catalogue.begin_upload(dossier.code, now, run)
    pdf = store.put(keys.result_key(code, document.order), document.pdf, "application/pdf", meta)
    ocr = store.put(keys.result_ocr_key(code, document.order), ocr_json(dossier.code, document),
                    "application/json", meta)
    entry = IssuedResult(
        number=document.order, code=f"{code}-KQ{document.order}", file=document.file,
        pages=len(document.pages), object=store.url(pdf.key), sha256=pdf.sha256,
        ocr_object=store.url(ocr.key), signer=document.signer,
        fields={k: v.to_json() for k, v in document.fields.items()},
        digitisation_code=digitised_as, problems=problems,
        original=OriginalEntry(file=received.name, sha256=received.sha256,
                               object=store.url(received.object_key)),
        incoming_signatures=incoming, issued_at=now.isoformat(),
        **({"lookup": lookup} if lookup else {}),
        **({"incoming_qr": incoming_qr} if incoming_qr else {}))
    record = dossier.record.model_copy(update={"results": [*dossier.record.results, entry]})
    manifest = get_manifest(store, dossier.manifest_key)
    listed = {o.key for o in manifest.objects}
    manifest = manifest.model_copy(update={
        "objects": manifest.objects + [o for o in (
            _original(received), _object(pdf, ObjectRole.RESULT), _object(ocr, ObjectRole.OCR))
            if o.key not in listed],
        "created_at": now.isoformat(), "result": record})
    put_manifest(store, manifest, {"dossier": dossier.code, "procedure": dossier.procedure,
                                   RUN_META: run})
    text = "\n\n".join(p.ocr.text for p in document.pages)
    archive.catalogue.add_result(dossier.code, document_row(entry, text, store, dossier.code), record)
    return entry
