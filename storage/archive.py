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
from storage import keys
from storage.catalogue import Catalogue, DocumentRow, DossierRow, OriginalRow, search_text
from storage.objects import ObjectStore, sha256_hex

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
    """Each classified document's digitisation code, by document order: NN counts the owner's
    earlier codes for the same procedure and component, then this dossier's, from 01."""
    if owner_id is None:
        return {}
    out: dict[int, str] = {}
    used: dict[str, int] = {}
    for doc in documents:
        if doc.component is None:
            continue
        prefix = digitisation_prefix(owner_id, procedure, doc.component)
        if prefix not in used:
            used[prefix] = catalogue.count_digitisation_codes(prefix, other_than=dossier)
        used[prefix] += 1
        out[doc.order] = digitisation_code(prefix, used[prefix])
    return out


def result_row(entry: dict, text: str, store: ObjectStore, dossier: str) -> DocumentRow:
    """The catalogue row of a result, from its entry in the dossier's ``results``."""
    code = entry.get("digitisation_code")
    return DocumentRow(order=entry["number"], kind="result", component=None, pages=entry["pages"],
                       object_key=store.key(entry["object"]), sha256=entry["sha256"],
                       ocr_key=store.key(entry["ocr_object"]), fields=entry["fields"], text=text,
                       digitisation_code=code,
                       search_text=search_text(text, [str(v["value"]) for v in
                                                      entry["fields"].values()], dossier, code))


def _result_keys(store: ObjectStore, entries: list[dict]) -> set[str]:
    """The keys of results' objects: signed PDF, OCR JSON, original."""
    return {store.key(url) for e in entries
            for url in (e["object"], e["ocr_object"], e["original"]["object"])}


def archive_dossier(archive: Archive, code: DossierCode, procedure: str,
                    received: list[ReceivedFile], documents: list[SignedDocument],
                    verdict: Verdict, now: datetime, owner_id: str | None = None,
                    reusable: list[dict] | None = None) -> dict:
    """Upload signed PDFs, OCR JSON and the manifest, then write the catalogue; return the result.

    The dossier's and its owner's locks are held throughout: numbering to commit."""
    names = [f"dossier:{code}"] + ([f"owner:{owner_id}"] if owner_id else [])
    with archive.catalogue.locked(names):
        return _archive_dossier(archive, code, procedure, received, documents, verdict, now,
                                owner_id, reusable)


def _archive_dossier(archive: Archive, code: DossierCode, procedure: str,
                     received: list[ReceivedFile], documents: list[SignedDocument],
                     verdict: Verdict, now: datetime, owner_id: str | None,
                     reusable: list[dict] | None) -> dict:
    store, run = archive.store, uuid.uuid4().hex
    meta = {"dossier": str(code), "procedure": procedure, RUN_META: run}
    objects = [{"key": r.object_key, "sha256": r.sha256, "size": r.size, "role": "original",
                "file": r.name} for r in received]
    doc_json, rows = [], []
    numbered = digitisation_codes(archive.catalogue, str(code), procedure, owner_id, documents)
    previous = archive.catalogue.find(str(code))
    results = previous.result.get("results", []) if previous else []
    result_texts = {d.order: d.text for d in previous.documents if d.kind == "result"} \
        if previous else {}
    if results:  # results issued for the dossier stay with it when its papers are digitised again
        carried = _result_keys(store, results)
        objects += [o for o in json.loads(store.get(previous.manifest_key))["objects"]
                    if o["key"] in carried and o["key"] not in {r.object_key for r in received}]
    archive.catalogue.begin_upload(str(code), now, run)
    for doc in documents:
        digitised_as = numbered.get(doc.order)
        doc_meta = {**meta, **({"digitisation-code": digitised_as} if digitised_as else {})}
        pdf = store.put(keys.document_key(code, doc.order), doc.pdf, "application/pdf", doc_meta)
        ocr = store.put(keys.ocr_key(code, doc.order), ocr_json(str(code), doc),
                        "application/json", doc_meta)
        objects += [{"key": pdf.key, "sha256": pdf.sha256, "size": pdf.size, "role": "document"},
                    {"key": ocr.key, "sha256": ocr.sha256, "size": ocr.size, "role": "ocr"}]
        fields = {k: v.to_json() for k, v in doc.fields.items()}
        text = "\n\n".join(p.ocr.text for p in doc.pages)
        doc_json.append({
            "order": doc.order, "component": doc.component, "file": doc.file,
            "pages": len(doc.pages), "object": store.url(pdf.key), "sha256": pdf.sha256,
            "ocr_object": store.url(ocr.key), "signer": doc.signer, "fields": fields,
            "digitisation_code": digitised_as, "sealed_by": doc.sealed_by,
            "source": {"sha256": doc.pages[0].ref.file_sha256, "page": doc.pages[0].ref.number},
        })
        rows.append(DocumentRow(order=doc.order, component=doc.component, pages=len(doc.pages),
                                object_key=pdf.key, sha256=pdf.sha256, ocr_key=ocr.key,
                                fields=fields, digitisation_code=digitised_as,
                                text=text,
                                search_text=search_text(text, [v.value for v in doc.fields.values()],
                                                        str(code), digitised_as)))
    result = {
        "dossier": str(code),
        "procedure": procedure,
        "status": verdict.status,
        "owner_id": owner_id,
        "missing_components": verdict.missing_components,
        "reusable": reusable or [],
        "documents": doc_json,
        "problems": [p.to_json() for p in verdict.problems],
        "originals": [{"file": r.name, "sha256": r.sha256, "object": store.url(r.object_key)}
                      for r in received],
        "manifest": store.url(keys.manifest_key(code)),
        "results": results,
    }
    manifest = {"dossier": str(code), "procedure": procedure, "created_at": now.isoformat(),
                "objects": objects, "result": result}  # enough to rebuild the catalogue rows
    stored_manifest = store.put(keys.manifest_key(code),
                                json.dumps(manifest, ensure_ascii=False, indent=1).encode(),
                                "application/json", meta)
    archive.catalogue.replace(DossierRow(
        code=str(code), agency=code.agency, procedure=procedure, received_on=code.received,
        status=verdict.status,
        originals_digest=originals_digest([r.sha256 for r in received]),
        manifest_key=stored_manifest.key, result=result, updated_at=now,
        documents=rows + [result_row(e, result_texts[e["number"]], store, str(code))
                          for e in results],
        originals=[OriginalRow(sha256=r.sha256, filename=r.name, object_key=r.object_key,
                               size=r.size) for r in received],
    ))
    return result


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
    manifest = json.loads(store.get(dossier.manifest_key))
    for entry in manifest["objects"]:
        if entry["key"] in pdfs:
            entry["sha256"], entry["size"] = digests[entry["key"]], len(pdfs[entry["key"]])
    store.put(dossier.manifest_key, json.dumps(manifest, ensure_ascii=False, indent=1).encode(),
              "application/json", {"dossier": dossier.code, "procedure": dossier.procedure})
    return digests


def archive_result(archive: Archive, dossier: DossierRow, received: ReceivedFile,
                   document: SignedDocument, problems: list[Problem],
                   digitised_as: str | None, incoming: list[dict], now: datetime) -> dict:
    """Upload a result's signed PDF (``<code>-KQ<n>``) and OCR JSON, then a new manifest naming
    them, then add it to the catalogue; return its entry in the dossier's ``results``."""
    store, code, run = archive.store, parse_dossier_code(dossier.code), uuid.uuid4().hex
    meta = {"dossier": dossier.code, "procedure": dossier.procedure, RUN_META: run,
            **({"digitisation-code": digitised_as} if digitised_as else {})}
    archive.catalogue.begin_upload(dossier.code, now, run)
    pdf = store.put(keys.result_key(code, document.order), document.pdf, "application/pdf", meta)
    ocr = store.put(keys.result_ocr_key(code, document.order), ocr_json(dossier.code, document),
                    "application/json", meta)
    entry = {
        "number": document.order, "code": f"{code}-KQ{document.order}", "file": document.file,
        "pages": len(document.pages), "object": store.url(pdf.key), "sha256": pdf.sha256,
        "ocr_object": store.url(ocr.key), "signer": document.signer,
        "fields": {k: v.to_json() for k, v in document.fields.items()},
        "digitisation_code": digitised_as, "problems": [p.to_json() for p in problems],
        "original": {"file": received.name, "sha256": received.sha256,
                     "object": store.url(received.object_key)},
        "incoming_signatures": incoming, "issued_at": now.isoformat(),
    }
    result = {**dossier.result, "results": [*dossier.result.get("results", []), entry]}
    manifest = json.loads(store.get(dossier.manifest_key))
    listed = {o["key"] for o in manifest["objects"]}
    manifest["objects"] += [o for o in (
        {"key": received.object_key, "sha256": received.sha256, "size": received.size,
         "role": "original", "file": received.name},
        {"key": pdf.key, "sha256": pdf.sha256, "size": pdf.size, "role": "result"},
        {"key": ocr.key, "sha256": ocr.sha256, "size": ocr.size, "role": "ocr"},
    ) if o["key"] not in listed]
    manifest["created_at"], manifest["result"] = now.isoformat(), result
    store.put(dossier.manifest_key, json.dumps(manifest, ensure_ascii=False, indent=1).encode(),
              "application/json", {"dossier": dossier.code, "procedure": dossier.procedure,
                                   RUN_META: run})
    text = "\n\n".join(p.ocr.text for p in document.pages)
    archive.catalogue.add_result(dossier.code, result_row(entry, text, store, dossier.code), result)
    return entry
