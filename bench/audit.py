"""Audit speed: documents verified per second on a real local SeaweedFS.

    .venv/bin/python -m bench.audit [--dossiers 150] [--documents 5] [--workers N]

Reads one sample page for real, builds its signed document (scanning official, then the
agency's seal, both with the development keys) and archives it as every document of
``--dossiers`` generated dossiers, through ``archive_dossier``, so each has its originals, OCR
JSON, signed PDFs and manifest as in service. Then runs ``sohoa audit``'s function over all of
them, once with one worker and once with ``--workers`` (default: one per core), and prints the
documents verified per second of each, and the share of the time spent fetching and hashing
objects as against verifying signatures.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

from pipeline.completeness import Verdict
from pipeline.documents import make_document, seal
from pipeline.identifiers import parse_dossier_code
from pipeline.pages import plan_pages
from pipeline.reading import read_page
from pipeline.samples import SAMPLE_PERSON, judicial_record_form, save_scan, scan_look
from pipeline.segments import Segment
from pipeline.settings import Settings
from pipeline.signing.backends import open_signer
from pipeline.signing.verify import load_trust_roots
from storage.archive import archive_dossier
from storage.audit import VALIDATION_LOGGERS, audit
from storage.originals import receive_file
from storage.session import open_archive


def _fill(settings: Settings, dossiers: int, documents: int, workdir: Path) -> None:
    scan = save_scan(scan_look(judicial_record_form(SAMPLE_PERSON)), workdir / "to-khai.jpg")
    now = datetime.now(timezone.utc)
    with open_archive(settings) as archive:
        for number in range(1, dossiers + 1):
            code = parse_dossier_code(f"000.00.06.H56-{date.today():%y%m%d}-{number:04d}")
            received = receive_file(scan, code, archive.store, workdir)
            if number == 1:
                ref = plan_pages(received, max_pages=1, max_pixels=settings.max_page_pixels,
                                 default_dpi=300)[0]
                page = read_page(received, ref, "vie", 200, 120)
                with open_signer(settings) as signer:
                    doc, _ = make_document(1, Segment([page]), "2.000488", str(code), signer,
                                           code.agency, now)
                with open_signer(settings, "agency") as agency:
                    doc = seal(doc, agency, settings, code.agency)
            docs = [replace(doc, order=order) for order in range(1, documents + 1)]
            archive_dossier(archive, code, "2.000488", [received], docs,
                            Verdict("digitised", [], []), now)


def _timed(settings: Settings, workers: int) -> tuple[float, dict]:
    with open_archive(settings) as archive:
        start = time.perf_counter()
        report = audit(archive, load_trust_roots(settings.trust_roots), workers=workers)
        return time.perf_counter() - start, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=150)
    parser.add_argument("--documents", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    for name in VALIDATION_LOGGERS:  # as the CLI: the report says what is not trusted
        logging.getLogger(name).setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-audit-") as tmp:
        settings = Settings(home=Path(tmp) / "home", local_s3_port=19300)
        _fill(settings, args.dossiers, args.documents, Path(tmp))
        total = args.dossiers * args.documents
        print(f"audit of {args.dossiers} dossiers, {total} signed documents "
              f"({total * 2 + args.dossiers * 2} objects), {os.cpu_count()} cores")
        for workers in sorted({1, args.workers}):
            seconds, report = _timed(settings, workers)
            assert not report["findings"], report["findings"][:3]
            timing = report["timing"]
            print(f"  {workers} worker(s): {seconds:6.2f} s, {total / seconds:6.1f} documents/s "
                  f"(fetch and hash {timing['fetch_s']:.2f} s, signatures "
                  f"{timing['verify_s']:.2f} s, summed over workers)")


if __name__ == "__main__":
    main()
