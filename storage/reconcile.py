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

from pydantic import ValidationError

from pipeline.identifiers import DossierCode, parse_dossier_code
from pipeline.records import Manifest
from storage import keys
from storage.archive import RUN_META, Archive, document_row, originals_digest
from storage.tables import DossierRow, OriginalRow, PendingRow
from storage.errors import StorageError


def _text(archive: Archive, ocr_object: str) -> str:
    ocr = json.loads(archive.store.get(archive.store.key(ocr_object)))
    return "\n\n".join(page["text"] for page in ocr["pages"])


def _rebuild(archive: Archive, manifest: Manifest) -> DossierRow:
    store, record = archive.store, manifest.result
    code = parse_dossier_code(record.dossier)
    sizes = {o.key: o.size for o in manifest.objects}
    documents = [document_row(doc, _text(archive, doc.ocr_object), store, str(code))
                 for doc in record.documents]
    documents += [document_row(entry, _text(archive, entry.ocr_object), store, str(code))
                  for entry in record.results]
    return DossierRow(
        code=str(code), agency=code.agency, procedure=record.procedure,
        received_on=code.received, status=record.status,
        originals_digest=originals_digest([o.sha256 for o in record.originals]),
        manifest_key=keys.manifest_key(code), record=record,
        updated_at=datetime.fromisoformat(manifest.created_at), documents=documents,
        originals=[OriginalRow(sha256=o.sha256, filename=o.file, object_key=store.key(o.object),
                               size=sizes[store.key(o.object)])
                   for o in record.originals])


def _manifest(data: bytes | None) -> Manifest | None:
    """The manifest, if it is one that carries the record (a partly written one never is)."""
    try:
        return Manifest.model_validate_json(data) if data else None
    except ValidationError:
        return None


def reconcile(archive: Archive) -> dict:
    """Repair every pending upload that can be repaired; the report of ``sohoa reconcile``."""
    repaired, incomplete = [], []
    for pending in archive.catalogue.pending():
        with archive.catalogue.locked([f"dossier:{pending.dossier_code}"], wait=False) as mine:
            if not mine:
                continue  # being archived by a live process
            code = parse_dossier_code(pending.dossier_code)
            manifest = _manifest(archive.store.get_if_present(keys.manifest_key(code)))
            if manifest and datetime.fromisoformat(manifest.created_at) >= pending.started_at:
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
