"""Export an archived dossier from object storage to a folder, checking every sha256."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pipeline.errors import UnknownDossier
from pipeline.records import ManifestObject, ObjectRole
from storage.archive import Archive
from storage.errors import ChecksumMismatch
from storage.objects import sha256_hex


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def export_dossier(archive: Archive, dossier: str, out: Path) -> list[Path]:
    """Write the manifest, signed PDFs, OCR JSON and originals of ``dossier`` into ``out``."""
    row = archive.catalogue.dossier(dossier)
    if not row.manifest_key:
        raise UnknownDossier(dossier=dossier)
    manifest_bytes = archive.store.get(row.manifest_key)
    written = []
    for entry in map(ManifestObject.model_validate, json.loads(manifest_bytes)["objects"]):
        data = archive.store.get(entry.key)
        if sha256_hex(data) != entry.sha256:
            raise ChecksumMismatch(key=entry.key)
        name = entry.key.rsplit("/", 1)[-1]
        target = out / ("originals" if entry.role == ObjectRole.ORIGINAL else "") / name
        _write_atomic(target, data)
        written.append(target)
    _write_atomic(out / "manifest.json", manifest_bytes)
    return [out / "manifest.json", *written]
