"""``digitise_dossier``: receive → pages → OCR → document → sign → fields → completeness → archive.

Runs in-process (Prefect starts its own temporary API when none is configured). Each page is
one task, so pages are rendered and recognised side by side; stage logic lives in plain
functions that the tests call without Prefect.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from pyhanko.sign.signers import Signer

from pipeline import progress
from pipeline.completeness import judge
from pipeline.documents import drop_blank, make_document
from pipeline.errors import InputFileError
from pipeline.identifiers import DossierCode, parse_dossier_code
from pipeline.intake import receive_file
from pipeline.model import PageRef, Problem, ProcessedPage, ReceivedFile, SignedDocument
from pipeline.ocr.recognise import ocr_page
from pipeline.pages import encode_for_pdf, load_page, plan_pages
from pipeline.procedures.catalogue import Procedure, find_procedure
from pipeline.settings import Settings, load_settings
from pipeline.signing.devkey import ensure_dev_signer
from pipeline.signing.signer import load_pkcs12
from storage.archive import Archive, archive_dossier, open_archive, originals_digest

TASK = dict(cache_policy=NO_CACHE, persist_result=False)


@task(name="receive", **TASK)
def receive(path: Path, code: DossierCode, archive: Archive, workdir: Path) -> ReceivedFile:
    return receive_file(path, code, archive.store, workdir)


@task(name="ocr-page", **TASK)
def process_page(received: ReceivedFile, ref: PageRef, settings: Settings) -> ProcessedPage:
    image = load_page(received, ref)
    ocr = ocr_page(image, ref.dpi, settings.ocr_language, min_dpi=settings.min_scan_dpi)
    return ProcessedPage(ref, encode_for_pdf(received, ref, image), ocr)


@task(name="document", **TASK)
def document(order: int, pages: list[ProcessedPage], procedure: Procedure, dossier: DossierCode,
             signer: Signer, now: datetime) -> tuple[SignedDocument, list[Problem]]:
    return make_document(order, pages, procedure, str(dossier), signer, dossier.agency, now)


def _signer(settings: Settings) -> Signer:
    """The configured PKCS#12 key, or the development key when none is configured."""
    if settings.signer_pkcs12:
        secret = settings.signer_pkcs12_passphrase
        return load_pkcs12(settings.signer_pkcs12, secret.get_secret_value().encode() if secret else None)
    return load_pkcs12(*ensure_dev_signer(settings.home_dir))


def _plan(received: list[ReceivedFile], settings: Settings
          ) -> tuple[list[tuple[ReceivedFile, list[PageRef]]], list[Problem]]:
    planned, problems = [], []
    for item in received:
        try:
            refs = plan_pages(item, max_pages=settings.max_pages_per_file,
                              max_pixels=settings.max_page_pixels, default_dpi=settings.default_dpi)
        except InputFileError as exc:
            problems.append(Problem(exc.code, exc.message_vi, item.name))
            continue
        planned.append((item, refs))
    return planned, problems


def _unique(received: list[ReceivedFile]) -> list[ReceivedFile]:
    seen: dict[str, ReceivedFile] = {}
    for item in received:
        seen.setdefault(item.sha256, item)
    return list(seen.values())


def _digitise(files: list[Path], code: DossierCode, procedure: Procedure, settings: Settings,
              archive: Archive, workdir: Path) -> dict:
    received = _unique([receive(path, code, archive, workdir) for path in files])
    stored = archive.catalogue.find(str(code))
    if stored and stored.procedure == procedure.code \
            and stored.originals_digest == originals_digest(received):
        return stored.result  # same originals, same procedure: the record already exists

    planned, problems = _plan(received, settings)
    futures = {process_page.submit(item, ref, settings): ref
               for item, refs in planned for ref in refs}
    pages: dict[PageRef, ProcessedPage] = {}
    progress.start("ocr", len(futures))
    for future in as_completed(list(futures)):
        pages[futures[future]] = future.result()
        progress.advance("ocr")

    documents_pages = []
    for _, refs in planned:
        kept, notices = drop_blank([pages[r] for r in refs])
        problems.extend(notices)
        if kept:
            documents_pages.append(kept)
    signer, now = _signer(settings), datetime.now(timezone.utc)
    results = [document.submit(order, kept, procedure, code, signer, now)
               for order, kept in enumerate(documents_pages, start=1)]
    documents = []
    for future in results:
        doc, doc_problems = future.result()
        documents.append(doc)
        problems.extend(doc_problems)
    verdict = judge(procedure, [d.component for d in documents], problems)
    return archive_dossier(archive, code, procedure.code, received, documents, verdict, now)


@flow(name="digitise_dossier", persist_result=False,
      task_runner=ThreadPoolTaskRunner(max_workers=os.cpu_count() or 1))  # OCR is CPU-bound
def digitise_dossier(files: list[Path], dossier: str, procedure: str) -> dict:
    """Digitise one dossier's scans; return the result document of ``sohoa digitise --json``."""
    settings = load_settings()
    code = parse_dossier_code(dossier)
    proc = find_procedure(procedure, settings.procedures_dir)
    with open_archive(settings) as archive, \
            tempfile.TemporaryDirectory(prefix="sohoa-run-") as workdir:
        return _digitise([Path(f) for f in files], code, proc, settings, archive, Path(workdir))
