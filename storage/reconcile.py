"""Reconcile: a crash between uploading a dossier's objects and committing its catalogue rows
leaves a pending mark. If the dossier's manifest made it to storage, its rows are rebuilt from
the manifest and the OCR JSON beside it; if not, the versions the crashed run wrote (documents,
OCR JSON; never originals) are removed, so nothing of it is left anywhere, and the dossier is
reported: its originals are stored, and digitising it again completes it. A pending mark whose
dossier another process is archiving right now (it holds the dossier's lock) is left alone.
Run when the archive is opened, so every command starts from a consistent catalogue.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from pipeline.errors import StorageError
from pipeline.identifiers import DossierCode, parse_dossier_code
from storage import keys
from storage.archive import RUN_META, Archive, originals_digest, result_row
from storage.catalogue import DocumentRow, DossierRow, OriginalRow, PendingRow, search_text


def _rebuild(archive: Archive, manifest: dict) -> DossierRow:
    store, result = archive.store, manifest["result"]
    code = parse_dossier_code(result["dossier"])
    sizes = {o["key"]: o["size"] for o in manifest["objects"]}
    documents = []
    for doc in result["documents"]:
        ocr = json.loads(store.get(store.key(doc["ocr_object"])))
        text = "\n\n".join(page["text"] for page in ocr["pages"])
        values = [str(v["value"]) for v in doc["fields"].values()]
        documents.append(DocumentRow(
            order=doc["order"], component=doc["component"], pages=doc["pages"],
            object_key=store.key(doc["object"]), sha256=doc["sha256"],
            ocr_key=store.key(doc["ocr_object"]), fields=doc["fields"], text=text,
            digitisation_code=doc.get("digitisation_code"),
            search_text=search_text(text, values, str(code), doc.get("digitisation_code"))))
    for entry in result.get("results", []):
        ocr = json.loads(store.get(store.key(entry["ocr_object"])))
        documents.append(result_row(entry, "\n\n".join(page["text"] for page in ocr["pages"]),
                                    store, str(code)))
    return DossierRow(
        code=str(code), agency=code.agency, procedure=result["procedure"],
        received_on=code.received, status=result["status"],
        originals_digest=originals_digest([o["sha256"] for o in result["originals"]]),
        manifest_key=keys.manifest_key(code), result=result,
        updated_at=datetime.fromisoformat(manifest["created_at"]), documents=documents,
        originals=[OriginalRow(sha256=o["sha256"], filename=o["file"],
                               object_key=store.key(o["object"]),
                               size=sizes[store.key(o["object"])])
                   for o in result["originals"]])


def reconcile(archive: Archive) -> dict:
    """Repair every pending upload that can be repaired; the report of ``sohoa reconcile``."""
    repaired, incomplete = [], []
    for pending in archive.catalogue.pending():
        with archive.catalogue.locked([f"dossier:{pending.dossier_code}"], wait=False) as mine:
            if not mine:
                continue  # being archived by a live process
            code = parse_dossier_code(pending.dossier_code)
            data = archive.store.get_if_present(keys.manifest_key(code))
            manifest = json.loads(data) if data else None
            if manifest and "result" in manifest \
                    and datetime.fromisoformat(manifest["created_at"]) >= pending.started_at:
                archive.catalogue.replace(_rebuild(archive, manifest))
                repaired.append(pending.dossier_code)
            else:
                _roll_back(archive, code, pending)
                incomplete.append(pending.dossier_code)
    return {"repaired": repaired, "incomplete": incomplete}


def _roll_back(archive: Archive, code: DossierCode, pending: PendingRow) -> None:
    """Remove the versions the crashed run wrote (tagged with its run); what was there before
    is current again. Originals stay: they were received."""
    if pending.run is None:
        return
    since = pending.started_at - timedelta(minutes=1)  # S3 times are to the second
    for key, version in archive.store.versions_since(keys.dossier_prefix(code), since):
        if keys.object_class(key) != "original" \
                and archive.store.metadata(key, version).get(RUN_META) == pending.run:
            try:
                archive.store.delete_version(key, version)
            except StorageError:  # locked by retention: it stays; the re-run supersedes it
                logging.getLogger(__name__).warning("kept locked version %s of %s", version, key)
