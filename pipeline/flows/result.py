"""``digitise_result``: a result the agency issued for a dossier → pages → OCR → PDF/A with its
QR code, signed by the agency (seal, top-right) → archived beside the dossier as
``<dossier code>-KQ<n>``.

A PDF that arrives signed (the agency's own system signed it) is archived as it came: its
signatures verified and recorded, the QR code it carries (if any) recorded, nothing drawn on
it. The same file sent again returns the result already archived.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline.documents import kept_result, make_result
from pipeline.flows.digitise import page_reading
from pipeline.flows.signing import role_signer
from pipeline.identifiers import digitisation_code, parse_dossier_code, result_digitisation_prefix
from pipeline.intake import read_local
from pipeline.model import ReceivedFile
from pipeline.pages import plan_pages
from pipeline.pdf import qr
from pipeline.procedures.definitions import find_procedure
from pipeline.records import IncomingSignature, IssuedResult
from pipeline.settings import Settings, load_settings
from pipeline.signing.verify import load_trust_roots, verify_pdf
from storage.archive import Archive, archive_result
from storage.originals import receive_file
from storage.session import open_archive
from storage.tables import DossierRow


def incoming_signatures(received: ReceivedFile, settings: Settings) -> list[IncomingSignature]:
    """The signatures a PDF arrived with (an agency's, say): signer, time, whether they hold."""
    if received.kind != "pdf":
        return []
    report = verify_pdf(received.path.read_bytes(), load_trust_roots(settings.trust_roots))
    return [IncomingSignature(signer=s.signer, signed_at=s.signed_at, valid=s.valid,
                              trusted=s.trusted) for s in report.signatures]


def _digitisation_code(archive: Archive, row: DossierRow, settings: Settings,
                       number: str | None) -> str | None:
    """``<owner ID>.<result code>.<number>.<NN>``, when the owner and the number are known."""
    owner = row.record.owner_id
    if not owner or not number:
        return None
    result_code = find_procedure(row.procedure, settings.procedures_dir).result_code
    prefix = result_digitisation_prefix(owner, result_code, number)
    taken = archive.catalogue.digitisation_numbers(prefix).values()
    return digitisation_code(prefix, max([n for numbers in taken for n in numbers] + [0]) + 1)


def _label(row: DossierRow, settings: Settings, now: datetime, lookup: str) -> dict[str, str]:
    """What the paper's QR code says (Circular 01/2023, art. 26; the paper's name is added by
    the document): dossier code, procedure code, owner's ID, system, issue time, and where to
    check it (the look-up's address, or its token). Short labels keep the code small enough
    to read printed in the page's margin."""
    return {"Mã HS": row.code, "Mã TTHC": row.procedure,
            "Số ĐDCN": row.record.owner_id or "", "HT": "sohoa",
            "TG": now.isoformat(timespec="seconds"),
            "Tra cứu": f"{settings.public_url.rstrip('/')}/tra-cuu/{lookup}"
            if settings.public_url else lookup}


def _digitise_result(file: Path, row: DossierRow, settings: Settings, archive: Archive,
                     workdir: Path) -> IssuedResult:
    code = parse_dossier_code(row.code)
    local = read_local(file)
    results = row.record.results
    done = next((e for e in results if e.original.sha256 == local.sha256), None)
    if done:
        return done
    refs = plan_pages(local, max_pages=settings.max_pages_per_file,  # refused before stored
                      max_pixels=settings.max_page_pixels, default_dpi=settings.default_dpi)
    received = receive_file(file, code, archive.store, workdir)  # same name, sha256 and pages
    with page_reading(settings, archive) as submit:
        pages = [f.result() for f in [submit(received, ref) for ref in refs]]
    now, incoming = datetime.now(timezone.utc), incoming_signatures(received, settings)
    if incoming:  # issued signed: archived as it came, its own QR code recorded
        lookup, found_qr = None, qr.read(pages[0].image)
        document, problems = kept_result(len(results) + 1, pages, received.path.read_bytes(),
                                         incoming[-1].signer, all(s.valid for s in incoming))
    else:
        lookup, found_qr = secrets.token_urlsafe(16), None
        with role_signer(settings, archive.store, "agency") as agency:
            document, problems = make_result(len(results) + 1, pages, row.procedure, row.code,
                                             agency, settings, code.agency, now,
                                             _label(row, settings, now, lookup))
    number = document.fields.get("doc_number")
    digitised_as = _digitisation_code(archive, row, settings, number.value if number else None)
    return archive_result(archive, row, received, document, problems, digitised_as, incoming,
                          now, lookup, found_qr)


@flow(name="digitise_result", persist_result=False,
      task_runner=ThreadPoolTaskRunner(max_workers=os.cpu_count() or 1))
def digitise_result(file: Path, dossier: str, settings: Settings | None = None) -> IssuedResult:
    """Digitise and sign as the agency a result issued for ``dossier``; return its entry in the
    dossier's ``results`` (``sohoa result --json``). ``settings``: as ``digitise_dossier``'s."""
    settings = settings or load_settings()
    with open_archive(settings) as archive:
        return digitise_result_file(Path(file), dossier, settings, archive)


def digitise_result_file(file: Path, dossier: str, settings: Settings, archive: Archive
                         ) -> IssuedResult:
    """The flow's work on a file already here (``digitise_submission`` fetches it from S3)."""
    parse_dossier_code(dossier)
    with archive.catalogue.locked([f"dossier:{dossier}"]), \
            tempfile.TemporaryDirectory(prefix="sohoa-result-") as workdir:
        row = archive.catalogue.dossier(dossier)  # numbered and written by one process at a time
        return _digitise_result(file, row, settings, archive, Path(workdir))
