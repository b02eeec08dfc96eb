"""Audit: what is archived is what was signed. Every object of a dossier is read again and
checked against its manifest and the catalogue; signed PDFs are verified; objects under the
dossier that no manifest names are reported as orphans."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date

from pipeline.identifiers import parse_dossier_code
from pipeline.signing.verify import verify_pdf
from storage import keys
from storage.archive import Archive
from storage.catalogue import DossierRow
from storage.objects import sha256_hex


@dataclass(frozen=True)
class Finding:
    dossier: str
    key: str
    problem: str  # "missing" | "changed" | "catalogue_mismatch" | "signature_invalid" | "orphaned"
    detail: str

    def to_json(self) -> dict:
        return asdict(self)


def _audit_dossier(archive: Archive, row: DossierRow, trust_roots: list) -> tuple[int, list[Finding]]:
    store, found = archive.store, []
    manifest_data = store.get_if_present(row.manifest_key or "")
    if manifest_data is None:
        return 0, [Finding(row.code, row.manifest_key or "", "missing", "manifest")]
    manifest = json.loads(manifest_data)
    catalogued = {d.object_key: d.sha256 for d in row.documents}
    catalogued |= {o.object_key: o.sha256 for o in row.originals}
    for entry in manifest["objects"]:
        data = store.get_if_present(entry["key"])
        if data is None:
            found.append(Finding(row.code, entry["key"], "missing", entry["role"]))
            continue
        digest = sha256_hex(data)
        if digest != entry["sha256"]:
            found.append(Finding(row.code, entry["key"], "changed",
                                 f"sha256 {digest[:12]}…, manifest {entry['sha256'][:12]}…"))
        elif entry["key"] in catalogued and catalogued[entry["key"]] != digest:
            found.append(Finding(row.code, entry["key"], "catalogue_mismatch",
                                 "the catalogue records another sha256"))
        if entry["role"] == "document" and not verify_pdf(data, trust_roots).valid:
            found.append(Finding(row.code, entry["key"], "signature_invalid", "sohoa verify"))
    named = {e["key"] for e in manifest["objects"]} | {row.manifest_key}
    prefix = keys.dossier_prefix(parse_dossier_code(row.code))
    found += [Finding(row.code, key, "orphaned", "named by no manifest")
              for key in store.keys(prefix) if key not in named]
    return len(manifest["objects"]), found


def audit(archive: Archive, trust_roots: list, dossier: str | None = None,
          since: date | None = None) -> dict:
    """Audit one dossier, those received since ``since``, or all; the report of ``sohoa audit``."""
    rows = [archive.catalogue.find(dossier)] if dossier else archive.catalogue.received_since(since)
    objects, findings = 0, []
    for row in rows:
        if row is None:
            findings.append(Finding(dossier or "", "", "missing", "no such dossier in the catalogue"))
            continue
        checked, found = _audit_dossier(archive, row, trust_roots)
        objects += checked
        findings += found
    return {"dossiers": len(rows), "objects": objects,
            "findings": [f.to_json() for f in findings]}
