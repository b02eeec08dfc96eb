"""Audit: what is archived is what was signed. Every object of a dossier is read again and
checked against its manifest and the catalogue; signed PDFs are verified; objects under the
dossier that no manifest names (nor an upload waiting to be digitised) are reported as orphans."""

from __future__ import annotations

import json
import logging
import multiprocessing
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date

from pipeline.identifiers import parse_dossier_code
from pipeline.signing.verify import verify_pdf
from storage import keys
from storage.archive import Archive
from storage.ingest import Ingest
from storage.tables import DossierRow
from storage.objects import sha256_hex


@dataclass(frozen=True)
class Finding:
    dossier: str
    key: str
    problem: str  # "missing" | "changed" | "catalogue_mismatch" | "signature_invalid" | "orphaned"
    detail: str

    def to_json(self) -> dict:
        return asdict(self)


FETCHERS = 8  # dossiers read from S3 at once
VALIDATION_LOGGERS = ("pyhanko", "pyhanko_certvalidator")
BATCH = 64  # dossiers whose signed PDFs are held in memory at once


@dataclass
class _Checked:
    """One dossier's objects read again: how many, what was wrong, the signed PDFs to verify."""

    dossier: str
    objects: int
    findings: list[Finding]
    documents: list[tuple[str, bytes]]
    seconds: float


def _read_dossier(archive: Archive, row: DossierRow) -> _Checked:
    start = time.perf_counter()
    store, found, documents = archive.store, [], []
    manifest_data = store.get_if_present(row.manifest_key or "")
    if manifest_data is None:
        return _Checked(row.code, 0, [Finding(row.code, row.manifest_key or "", "missing", "manifest")], [],
                        time.perf_counter() - start)
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
        if entry["role"] in ("document", "result"):
            documents.append((entry["key"], data))
    named = {e["key"] for e in manifest["objects"]} | {row.manifest_key}
    prefix = keys.dossier_prefix(parse_dossier_code(row.code))
    unnamed = [key for key in store.keys(prefix) if key not in named]
    if unnamed:  # an upload received and not digitised yet is no orphan (asked only then)
        waiting = Ingest(archive.catalogue).awaiting_keys(row.code)
        found += [Finding(row.code, key, "orphaned", "named by no manifest")
                  for key in unnamed if key not in waiting]
    return _Checked(row.code, len(manifest["objects"]), found, documents, time.perf_counter() - start)


def _verified(data: bytes, trust_roots: list) -> tuple[bool, float]:
    """Whether every signature of a PDF holds, and the seconds it took (run in a worker)."""
    start = time.perf_counter()
    valid = verify_pdf(data, trust_roots).valid
    return valid, time.perf_counter() - start


def _log_levels(levels: dict[str, int]) -> None:
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


SMALL_AUDIT_DOCUMENTS = 16  # checked here sooner than worker processes start (≈ 2 s)


def _verifiers(workers: int) -> Executor:
    """Signature checks are CPU-bound Python: processes, when there is more than one worker,
    logging pyHanko's validation at the level this process does."""
    if workers <= 1:
        return ThreadPoolExecutor(1)
    levels = {name: logging.getLogger(name).getEffectiveLevel() for name in VALIDATION_LOGGERS}
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_log_levels, initargs=(levels,))


def audit(archive: Archive, trust_roots: list, dossier: str | None = None,
          since: date | None = None, workers: int = 1) -> dict:
    """Audit one dossier, those received since ``since``, or all; the report of ``sohoa audit``.

    Objects are fetched by threads and signatures verified by ``workers`` processes.
    """
    rows = [archive.catalogue.find(dossier)] if dossier else archive.catalogue.received_since(since)
    objects, documents, findings = 0, 0, []
    fetch_s = verify_s = 0.0
    if rows == [None]:
        findings.append(Finding(dossier or "", "", "missing", "no such dossier in the catalogue"))
        rows = []
    small = sum(len(row.documents) for row in rows) <= SMALL_AUDIT_DOCUMENTS
    with ThreadPoolExecutor(FETCHERS) as fetchers, _verifiers(1 if small else workers) as verifiers:
        for first in range(0, len(rows), BATCH):  # a batch at a time: bounded memory
            checks, batch_start = [], len(findings)
            for checked in fetchers.map(lambda row: _read_dossier(archive, row),
                                        rows[first:first + BATCH]):
                objects += checked.objects
                findings += checked.findings
                fetch_s += checked.seconds
                checks += [(checked.dossier, key, verifiers.submit(_verified, data, trust_roots))
                           for key, data in checked.documents]
            for code, key, future in checks:
                valid, seconds = future.result()
                documents += 1
                verify_s += seconds
                if not valid:
                    findings.append(Finding(code, key, "signature_invalid", "sohoa verify"))
            found: dict[str, list[str]] = {row.code: [] for row in rows[first:first + BATCH]}
            for finding in findings[batch_start:]:
                found[finding.dossier].append(finding.problem)
            archive.catalogue.add_audits(found)  # kept: the report counts audit_failed
    return {"dossiers": len(rows), "objects": objects, "documents": documents,
            "findings": [f.to_json() for f in findings],
            "timing": {"fetch_s": round(fetch_s, 3), "verify_s": round(verify_s, 3)}}
