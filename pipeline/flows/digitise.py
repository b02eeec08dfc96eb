"""``digitise_dossier``: receive → pages → OCR → document → sign → fields → completeness → archive.

Runs in-process, its records kept by the configured Prefect API or the home's own
(``pipeline.flows.engine``). Each page is one task, so pages are rendered and recognised side
by side and a page read once is a cache hit on any machine; each document is one too; stage
logic lives in plain functions that the tests call without Prefect.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from pyhanko.sign.signers import Signer

from pipeline import progress
from pipeline._exec.limits import forget as forget_times
from pipeline.checks import check_owner, dossier_code_mismatches
from pipeline.completeness import judge
from pipeline.documents import make_document, seal
from pipeline.errors import InputFileError, SohoaError, UnreadablePage
from pipeline.flows.offers import reusable
from pipeline.flows.pagecache import page_cache
from pipeline.flows.signing import role_signer
from pipeline.identifiers import DossierCode, parse_dossier_code, parse_owner_id
from pipeline.model import PageRef, Problem, ProcessedPage, ReceivedFile, SignedDocument
from pipeline.pages import plan_pages
from pipeline.procedures.definitions import Procedure, find_procedure
from pipeline.records import DossierRecord, Status
from pipeline.reading import READER_VERSION, read_with
from pipeline.segments import Segment, split
from pipeline.settings import Settings, load_settings
from pipeline.signing.signer import Profile, profile_from
from storage.archive import Archive, archive_dossier, originals_digest
from storage.originals import receive_file
from storage.session import open_archive

TASK = dict(cache_policy=NO_CACHE, persist_result=False)
PAGE_CACHE_DAYS = 30


def _page_key(_, parameters: dict) -> str:
    """A page is read once: same file bytes, page, resolution, language and reader version."""
    received, ref, settings = parameters["received"], parameters["ref"], parameters["settings"]
    return (f"page-{READER_VERSION}-{received.sha256}-{ref.number}-{ref.dpi}-"
            f"{settings.ocr_language}-{settings.min_scan_dpi}")


@task(name="read-page", cache_key_fn=_page_key, persist_result=True,
      cache_expiration=timedelta(days=PAGE_CACHE_DAYS))
def process_page(received: ReceivedFile, ref: PageRef, settings: Settings,
                 run: str) -> ProcessedPage:
    """Read a page within its own time limit and what is left of its file's in this ``run``."""
    return read_with(settings, received, ref, run)


@task(name="document", **TASK)
def document(order: int, segment: Segment, procedure: str, dossier: DossierCode,
             signer: Signer, now: datetime, profile: Profile) -> tuple[SignedDocument, list[Problem]]:
    return make_document(order, segment, procedure, str(dossier), signer, dossier.agency, now,
                         profile)


@contextmanager
def page_reading(settings: Settings, archive: Archive
                 ) -> Iterator[Callable[[ReceivedFile, PageRef], PrefectFuture]]:
    """Submit pages to the page task: the page cache in the archive's S3 (shared by every
    machine), and files' time budgets kept for this reading only."""
    reader = process_page.with_options(result_storage=page_cache(archive.store))
    run = uuid.uuid4().hex
    try:
        yield lambda received, ref: reader.submit(received, ref, settings, run)
    finally:
        forget_times(run)


def _plan(received: list[ReceivedFile], settings: Settings
          ) -> tuple[list[tuple[ReceivedFile, list[PageRef]]], list[Problem]]:
    planned, problems = [], []
    for item in received:
        try:
            refs = plan_pages(item, max_pages=settings.max_pages_per_file,
                              max_pixels=settings.max_page_pixels, default_dpi=settings.default_dpi)
        except InputFileError as exc:
            problems.append(Problem(exc.code, exc.message_vi, item.name))  # refused by name
            continue
        planned.append((item, refs))
    return planned, problems


def _unreadable(ref: PageRef, exc: Exception) -> Problem:
    """A page that could not be read (past its time limit, or broken in a way the file's checks
    did not see): refused by name; its original stays stored."""
    logging.getLogger(__name__).warning("%s page %d unreadable", ref.file, ref.number,
                                        exc_info=exc)
    if not isinstance(exc, SohoaError):
        exc = UnreadablePage(page=ref.number, kind=type(exc).__name__)
    return Problem(exc.code, exc.message_vi, ref.file, ref.number)


def _unique(received: list[ReceivedFile]) -> list[ReceivedFile]:
    seen: dict[str, ReceivedFile] = {}
    for item in received:
        seen.setdefault(item.sha256, item)
    return list(seen.values())


def _digitise(files: list[Path], code: DossierCode, procedure: Procedure, owner_id: str | None,
              settings: Settings, archive: Archive, workdir: Path,
              components: list[str | None] | None = None) -> DossierRecord:
    # files are received in the flow itself, not as tasks: a task run costs the Prefect server
    # about 37 ms of CPU (its states recorded) for what is a hash and a put here
    received = [receive_file(path, code, archive.store, workdir) for path in files]
    named = {r.sha256: c for r, c in zip(received, components or []) if c}
    received = _unique(received)
    stored = archive.catalogue.find(str(code))
    if stored and stored.procedure == procedure.code \
            and stored.originals_digest == originals_digest([r.sha256 for r in received]) \
            and (owner_id is None or stored.record.owner_id == owner_id):
        return stored.record  # same originals, same procedure: the record already exists

    planned, problems = _plan(received, settings)
    pages: dict[PageRef, ProcessedPage] = {}
    with page_reading(settings, archive) as submit:
        futures = {submit(item, ref): ref for item, refs in planned for ref in refs}
        progress.start("ocr", len(futures))
        for future in as_completed(list(futures)):
            try:
                pages[futures[future]] = future.result()
            except Exception as exc:  # one unreadable page is a refusal, never the dossier's end
                problems.append(_unreadable(futures[future], exc))
            progress.advance("ocr")
    planned = [(item, [r for r in refs if r in pages]) for item, refs in planned]

    segments, notices = split([[pages[r] for r in refs] for _, refs in planned],
                              procedure.components, [named.get(item.sha256) for item, _ in planned])
    problems += notices + _foreign_sheets(segments, code)
    now = datetime.now(timezone.utc)
    documents = []
    with role_signer(settings, archive.store) as signer:  # a token's session stays open
        profile = profile_from(settings)
        results = [document.submit(order, segment, procedure.code, code, signer, now, profile)
                   for order, segment in enumerate(segments, start=1)]
        for future in results:
            doc, doc_problems = future.result()
            documents.append(doc)
            problems.extend(doc_problems)
    owner, owner_problems = check_owner(procedure, documents, owner_id)
    problems += owner_problems + dossier_code_mismatches(documents, str(code))
    verdict = judge(procedure, [d.component for d in documents], problems)
    if verdict.status == Status.DIGITISED:  # complete and sure: the agency seals the archival copies
        with role_signer(settings, archive.store, "agency") as agency:
            documents = [seal(d, agency, settings, code.agency) for d in documents]
    offers = reusable(archive, settings, procedure, owner, verdict.missing_components, str(code),
                      now)
    return archive_dossier(archive, code, procedure.code, received, documents, verdict, now, owner,
                           offers)


def _foreign_sheets(segments: list[Segment], code: DossierCode) -> list[Problem]:
    """A separator sheet of another dossier in this one's scans: staff must sort the batch."""
    return [Problem("separator_other_dossier",
                    f"Tờ phân cách của hồ sơ {s.separator.dossier} nằm trong hồ sơ {code}: "
                    "kiểm tra lại thứ tự quét.", s.pages[0].ref.file, s.pages[0].ref.number - 1)
            for s in segments if s.separator and s.separator.dossier != str(code)]


@flow(name="digitise_dossier", persist_result=False,
      task_runner=ThreadPoolTaskRunner(max_workers=os.cpu_count() or 1))  # OCR is CPU-bound
def digitise_dossier(files: list[Path], dossier: str, procedure: str,
                     owner_id: str | None = None, components: list[str | None] | None = None,
                     settings: Settings | None = None) -> DossierRecord:
    """Digitise one dossier's scans; return its record (``sohoa digitise --json``).

    ``owner_id`` (CCCD, CMND or tax code) is the one-stop system's; without it, the owner's ID
    is the one read from the owner's papers. ``components`` names, file by file, the component
    a sender said each file is (``None``: found from its pages). ``settings`` are the caller's
    (loaded here only for a run that was given none).
    """
    settings = settings or load_settings()
    with open_archive(settings) as archive, \
            tempfile.TemporaryDirectory(prefix="sohoa-run-") as workdir:
        return digitise_files([Path(f) for f in files], dossier, procedure, owner_id,
                              components, settings, archive, Path(workdir))


def digitise_files(files: list[Path], dossier: str, procedure: str, owner_id: str | None,
                   components: list[str | None] | None, settings: Settings, archive: Archive,
                   workdir: Path) -> DossierRecord:
    """The flow's work on files already here (``digitise_submission`` fetches them from S3)."""
    code = parse_dossier_code(dossier)
    owner = parse_owner_id(owner_id) if owner_id else None
    proc = find_procedure(procedure, settings.procedures_dir)
    return _digitise(files, code, proc, owner, settings, archive, workdir, components)
