"""The ``sohoa`` command. ``--json`` outputs are a stable contract: keys are added, never removed."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.errors import InputFileError, SohoaError
from pipeline.settings import Settings, load_settings

if TYPE_CHECKING:
    from pipeline.model import ProcessedPage
    from storage.catalogue import Catalogue

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="sohoa: số hóa hồ sơ thủ tục hành chính (scan → OCR → ký số → lưu trữ).")
err = Console(stderr=True, soft_wrap=True)  # a message is one line, however narrow

EXIT_FAILURE = 1  # storage, signing, a server, or a fault of sohoa's own (``internal_error``)
EXIT_INVALID = 2  # malformed dossier/procedure code, unknown procedure, bad arguments
EXIT_REFUSED_INPUT = 3  # one or more files could not be read; named in "problems"
STAGE_LABELS = {"ocr": "Nhận dạng chữ (OCR)"}
Files = Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
DEMO_DOSSIER = "000.00.06.H56-231027-0361"
DEMO_PROCEDURE = "2.000488"


def _ask_pin(settings: Settings) -> Settings:
    """A token's PIN from the terminal when the environment has none; kept in this process only."""
    if settings.signer_pkcs11_module and settings.signer_pin is None and sys.stdin.isatty():
        from getpass import getpass

        os.environ["SOHOA_SIGNER_PIN"] = getpass("Mã PIN token ký số: ")
        return load_settings()
    return settings


def _quiet_libraries(settings: Settings) -> None:
    """Prefect state under the data directory, and only warnings from chatty libraries."""
    os.environ.setdefault("PREFECT_HOME", str(settings.home_dir / "prefect"))
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    for name in ("pyhanko", "pyhanko_certvalidator", "fontTools"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


@app.callback()
def _options(debug: Annotated[bool, typer.Option(
        "--debug", help="Show stack traces and libraries' logs on the console too.")] = False,
             ) -> None:
    """Every command logs to SOHOA_HOME/log/sohoa.log; the console gets one message per failure."""
    from pipeline.logs import send_logs

    send_logs(load_settings().home_dir, debug)


def main() -> None:
    """The ``sohoa`` entry point: no stack trace reaches the user, it goes to the log file."""
    try:
        app()
    except Exception as exc:
        from pipeline.errors import known

        _fail(known(exc), EXIT_FAILURE)
        sys.exit(EXIT_FAILURE)


def _emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _home() -> Path | None:
    try:
        return Settings().home_dir
    except Exception:  # settings themselves unreadable: the message says so already
        return None


def _log_path() -> str:
    from pipeline.logs import log_file

    home = _home()
    return str(log_file(home)) if home else "$SOHOA_HOME/log/sohoa.log"


def _fail(exc: SohoaError, code: int) -> typer.Exit:
    """One message for the user (Vietnamese, then English and the stable code); the trace to
    the log, which a failure of the system (exit 1) names."""
    from pipeline.errors import known

    if code == EXIT_FAILURE:
        exc = known(exc, _home())
    logging.getLogger("sohoa").warning("%s", exc, exc_info=exc)
    where = f" · log: {_log_path()}" if code == EXIT_FAILURE else ""
    english = f"{exc.message('en')} [{exc.code}]{where}"
    err.print(f"[red]Lỗi:[/red] {escape(exc.message('vi'))}\n[dim]{escape(english)}[/dim]")
    return typer.Exit(code)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=True)


def _engine(settings: Settings):
    """Prefect's API for the flows this command runs (the home's shared server by default)."""
    from pipeline.flows.engine import prefect_api

    return prefect_api(settings)


def _run_digitise(files: list[Path], dossier: str, procedure: str, owner: str | None = None
                  ) -> dict:
    from pipeline import progress as hooks
    from pipeline.flows.digitise import digitise_dossier

    with _engine(load_settings()), _progress() as bar:
        tasks: dict[str, Any] = {}

        def listener(stage: str, total: int | None) -> None:
            if total is not None:
                tasks[stage] = bar.add_task(STAGE_LABELS.get(stage, stage), total=total)
            else:
                bar.advance(tasks[stage])

        with hooks.listening(listener):
            return digitise_dossier(files=[str(f) for f in files], dossier=dossier,
                                    procedure=procedure, owner_id=owner)


def _print_result(result: dict) -> None:
    """Human summary on stderr; file names and messages are escaped, never read as markup."""
    colour = {"digitised": "green", "needs_review": "yellow"}.get(result["status"], "red")
    err.print(f"Hồ sơ [bold]{escape(result['dossier'])}[/bold]: [{colour}]{result['status']}[/{colour}]")
    for doc in result["documents"]:
        fields = ", ".join(f"{k}={v['value']}" for k, v in doc["fields"].items())
        err.print(escape(f"  {doc['order']:02d} {doc['component'] or '?'} ({doc['pages']} tr.) "
                         f"{doc['object']}  {fields}"))
    for problem in result["problems"]:
        where = ""
        if problem["file"]:
            page = f" tr.{problem['page']}" if problem["page"] else ""
            where = f" ({problem['file']}{page})"
        err.print(f"  [yellow]! {problem['code']}[/yellow]" + escape(f"{where}: {problem['message']}"))


def _digitise_exit(result: dict) -> int:
    from pipeline.pages import REFUSALS

    refused = REFUSALS | {"page_timeout", "file_timeout", "unreadable_page"}  # or some pages
    if result["status"] == "rejected" or any(p["code"] in refused for p in result["problems"]):
        return EXIT_REFUSED_INPUT
    return 0


@app.command()
def digitise(
    files: Files,
    dossier: Annotated[str, typer.Option("--dossier", help="Mã hồ sơ, e.g. 000.00.06.H56-231027-0361")],
    procedure: Annotated[str, typer.Option("--procedure", help="Mã thủ tục, e.g. 2.000488")],
    owner: Annotated[str | None, typer.Option(
        "--owner", help="Số định danh chủ hồ sơ (CCCD, CMND, mã số thuế)")] = None,
    as_json: AsJson = False,
) -> None:
    """Digitise one dossier: store originals, OCR, build and sign PDFs, check completeness, archive."""
    settings = _ask_pin(load_settings())
    _quiet_libraries(settings)
    from pipeline.identifiers import parse_dossier_code, parse_owner_id
    from pipeline.procedures.catalogue import find_procedure

    try:
        parse_dossier_code(dossier)
        find_procedure(procedure, settings.procedures_dir)
        if owner:
            parse_owner_id(owner)
    except SohoaError as exc:
        raise _fail(exc, EXIT_INVALID) from None
    try:
        result = _run_digitise(files, dossier, procedure, owner)
    except SohoaError as exc:
        raise _fail(exc, EXIT_FAILURE) from None
    if as_json:
        _emit(result)
    else:
        _print_result(result)
    raise typer.Exit(_digitise_exit(result))


def _read_files(files: list[Path], settings: Settings) -> list[list[ProcessedPage]]:
    """Every page of every file through the flow's page path, side by side; refusals exit 3."""
    from pipeline.intake import read_local
    from pipeline.pages import plan_pages
    from pipeline.reading import read_page

    jobs = []
    for index, path in enumerate(files):
        item = read_local(path)
        try:
            refs = plan_pages(item, max_pages=settings.max_pages_per_file,
                              max_pixels=settings.max_page_pixels, default_dpi=settings.default_dpi)
        except InputFileError as exc:
            raise _fail(exc, EXIT_REFUSED_INPUT) from None
        jobs += [(index, item, ref) for ref in refs]

    def one(job) -> ProcessedPage:
        _, item, ref = job
        return read_page(item, ref, settings.ocr_language, settings.min_scan_dpi,
                         settings.page_seconds)

    with _progress() as bar, ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        task = bar.add_task(STAGE_LABELS["ocr"], total=len(jobs))
        pages = []
        for page in pool.map(one, jobs):
            pages.append(page)
            bar.advance(task)
    by_file: list[list[ProcessedPage]] = [[] for _ in files]
    for (index, _, _), page in zip(jobs, pages):
        by_file[index].append(page)
    return by_file


@app.command()
def result(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Kết quả đã ban hành")],
    dossier: Annotated[str, typer.Option("--dossier", help="Mã hồ sơ đã số hóa")],
    as_json: AsJson = False,
) -> None:
    """Digitise a result issued for a dossier and sign it as the agency: <code>-KQ<n>."""
    settings = _ask_pin(load_settings())
    _quiet_libraries(settings)
    from pipeline.flows.result import UnknownDossier, digitise_result
    from pipeline.identifiers import parse_dossier_code

    try:
        parse_dossier_code(dossier)
    except SohoaError as exc:
        raise _fail(exc, EXIT_INVALID) from None
    try:
        with _engine(settings):
            entry = digitise_result(file=str(file), dossier=dossier)
    except InputFileError as exc:
        raise _fail(exc, EXIT_REFUSED_INPUT) from None
    except UnknownDossier as exc:
        raise _fail(exc, EXIT_INVALID) from None
    except SohoaError as exc:
        raise _fail(exc, EXIT_FAILURE) from None
    if as_json:
        _emit(entry)
    else:
        fields = ", ".join(f"{k}={v['value']}" for k, v in entry["fields"].items())
        err.print(escape(f"{entry['code']}: ký bởi {entry['signer']}; {fields}"))
        for problem in entry["problems"]:
            err.print(escape(f"  ! {problem['message']}"))
    raise typer.Exit(0)


@app.command()
def ocr(
    files: Files,
    as_json: AsJson = False,
) -> None:
    """Read the text of scans (same page path as `digitise`); stores nothing."""
    settings = load_settings()
    pages = []
    for path, file_pages in zip(files, _read_files(files, settings)):
        for page in file_pages:
            out = {"file": str(path), "page": page.ref.number, "dpi": page.ref.dpi}
            if page.ocr is None:
                out |= {"text": "", "confidence": 0.0, "rotation": 0, "skew": 0.0,
                        "quality": None, "problems": [], "separator": vars(page.separator)}
            else:
                quality = page.ocr.quality
                out |= {"text": page.ocr.text, "confidence": round(page.ocr.confidence, 2),
                        "rotation": page.ocr.rotation, "skew": page.ocr.skew,
                        "quality": quality.to_json(),
                        "problems": [quality.message(code) for code in quality.issues]}
            pages.append(out)
    if as_json:
        _emit({"pages": pages})
    else:
        for page in pages:
            sys.stdout.write(f"--- {page['file']} trang {page['page']} "
                             f"(tin cậy {page['confidence']})\n")
            for message in page["problems"]:
                sys.stdout.write(f"!!! {message}\n")
            sys.stdout.write(page["text"] + "\n")


@app.command()
def extract(
    files: Files,
    as_json: AsJson = False,
) -> None:
    """Find the documents in scans and read their fields, with no dossier or procedure given."""
    from pipeline.documents import read_document
    from pipeline.procedures.catalogue import load_catalogue
    from pipeline.segments import split

    settings = load_settings()
    catalogue = load_catalogue(settings.procedures_dir)
    components, procedures = {}, {}
    for procedure in catalogue.values():
        for component in procedure.components:
            components.setdefault(component.code, component)
            procedures.setdefault(component.code, []).append(procedure.code)
    read = _read_files(files, settings)
    segments, notices = split(read, list(components.values()))
    paths = {pages[0].ref.file_sha256: str(path) for path, pages in zip(files, read)}
    documents = []
    for segment in segments:
        fields, problems = read_document(segment)
        code = segment.component.code if segment.component else None
        documents.append({
            "file": paths[segment.pages[0].ref.file_sha256],
            "pages": [p.ref.number for p in segment.pages],
            "component": code, "component_name": segment.component.name if code else None,
            "procedures": procedures.get(code, []), "classified_by": segment.by,
            "fields": {k: v.to_json() for k, v in fields.items()},
            "problems": [p.to_json() for p in problems],
        })
    result = {"documents": documents, "problems": [p.to_json() for p in notices]}
    if as_json:
        _emit(result)
        return
    for doc in documents:
        fields = ", ".join(f"{k}={v['value']}" for k, v in doc["fields"].items())
        err.print(escape(f"{doc['file']} tr.{doc['pages']}: {doc['component'] or '?'} "
                         f"({doc['classified_by']}) {fields}"))
        for problem in doc["problems"]:
            err.print(f"  [yellow]! {problem['code']}[/yellow] " + escape(problem["message"]))


@app.command()
def separator(
    dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")],
    component: Annotated[str | None, typer.Argument(help="Mã thành phần hồ sơ")] = None,
    out: Annotated[Path, typer.Option("--out", help="PDF to write")] = Path("separator.pdf"),
) -> None:
    """Print a separator sheet (QR: dossier code, component) to put in front of its pages."""
    from pipeline.identifiers import parse_dossier_code
    from pipeline.procedures.catalogue import load_catalogue
    from pipeline.model import Separator
    from pipeline.separators import sheet_pdf

    try:
        code = str(parse_dossier_code(dossier))
    except SohoaError as exc:
        raise _fail(exc, EXIT_INVALID) from None
    names = {c.code: c.name for p in load_catalogue(load_settings().procedures_dir).values()
             for c in p.components}
    if component is not None and component not in names:
        err.print(escape(f"Thành phần {component} không có trong danh mục (xem `sohoa procedures`)."))
        raise typer.Exit(EXIT_INVALID)
    out.write_bytes(sheet_pdf(Separator(code, component), names.get(component)))
    err.print(escape(f"Đã ghi tờ phân cách: {out}"))


VERIFY_LANGS = ("vi", "en")
VERIFY_TEXT = {  # key: (Vietnamese, English)
    "valid": ("HỢP LỆ", "VALID"), "invalid": ("KHÔNG HỢP LỆ", "NOT VALID"),
    "signature": ("Chữ ký", "Signature"), "stamp": ("Dấu thời gian tài liệu", "Document timestamp"),
    "signer": ("Người ký", "Signer"), "at": ("Thời gian ký", "Signing time"),
    "tsa": ("Dấu thời gian (TSA)", "Timestamp (TSA)"), "unknown": ("không rõ", "unknown"),
    "intact": ("Toàn vẹn", "Intact"), "yes": ("có", "yes"), "no": ("không", "no"),
    "tampered": ("KHÔNG — tài liệu đã bị sửa sau khi ký", "NO: the document was changed after signing"),
    "whole": ("Phủ toàn bộ tài liệu", "Covers the whole document"),
    "changes": ("thay đổi sau khi ký", "changes after signing"),
    "trusted": ("Chứng thư được tin cậy", "Certificate trusted"),
    "untrusted": ("không (không thuộc gốc tin cậy đã cấu hình)",
                  "no (not under the configured trust roots)"),
    "revocation": ("Tình trạng thu hồi", "Revocation"), "revoked": ("ĐÃ BỊ THU HỒI", "REVOKED"),
    "not_revoked": ("chưa bị thu hồi", "not revoked"),
    "unchecked": ("chưa kiểm tra (dùng --online)", "not checked (use --online)"),
    "none": ("Không có chữ ký số nào trong tệp.", "The file has no digital signature."),
    "verdict": ("Kết luận", "Verdict"), "ok": ("hợp lệ", "valid"), "bad": ("KHÔNG hợp lệ", "NOT valid"),
}


def _verify_text(report: dict, lang: str) -> str:
    t = {key: texts[VERIFY_LANGS.index(lang)] for key, texts in VERIFY_TEXT.items()}
    lines = []
    for sig in report["signatures"]:
        title = t["stamp"] if sig.get("kind") == "document_timestamp" else t["signature"]
        revocation = {True: t["revoked"], False: t["not_revoked"], None: t["unchecked"]}
        lines += [
            f"{title} {sig['field']}: {t['valid'] if sig['valid'] else t['invalid']}",
            f"  {t['signer']}: {sig['signer']}",
            f"  {t['at']}: {sig['signed_at'] or t['unknown']}",
            f"  {t['tsa']}: {sig.get('timestamp') or t['no']}",
            f"  {t['intact']}: {t['yes'] if sig['intact'] else t['tampered']}",
            f"  {t['whole']}: {t['yes'] if sig['covers_whole_document'] else t['no']}"
            f" ({t['changes']}: {sig['changes_after']})",
            f"  {t['trusted']}: {t['yes'] if sig['trusted'] else t['untrusted']}",
            f"  {t['revocation']}: {revocation[sig.get('revoked')]}",
        ]
    if not report["signatures"]:
        lines.append(t["none"] + (f" ({report['error']})" if report.get("error") else ""))
    lines.append(f"{t['verdict']}: {t['ok'] if report['valid'] else t['bad']}")
    return "\n".join(lines)


@app.command()
def verify(
    pdf: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_json: AsJson = False,
    online: Annotated[bool, typer.Option(
        "--online", help="Also ask the OCSP responders and CRLs the certificates name.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="vi (default) or en")] = "vi",
) -> None:
    """Check every signature of a PDF; exit 1 when any is invalid or there is none."""
    settings = load_settings()
    _quiet_libraries(settings)
    from pipeline.signing.verify import load_trust_roots, verify_pdf

    if lang not in VERIFY_LANGS:
        err.print(escape(f"--lang must be one of {', '.join(VERIFY_LANGS)}"))
        raise typer.Exit(EXIT_INVALID)
    report = verify_pdf(pdf.read_bytes(), load_trust_roots(settings.trust_roots), online).to_json()
    if as_json:
        _emit(report)
    else:
        sys.stdout.write(_verify_text(report, lang) + "\n")
    raise typer.Exit(0 if report["valid"] else 1)


@contextmanager
def _catalogue(settings: Settings) -> Iterator[Catalogue]:
    """The catalogue without the object store, for commands that only read it."""
    from storage.catalogue import Catalogue

    catalogue = Catalogue(settings.catalogue_url)
    try:
        yield catalogue
    finally:
        catalogue.dispose()


def _day(text: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option, or exit 2 naming it."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        err.print(escape(f"{option}: ngày phải có dạng YYYY-MM-DD ({text})"))
        raise typer.Exit(EXIT_INVALID) from None


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Từ khóa, có hoặc không dấu")] = "",
    dossier: Annotated[str | None, typer.Option("--dossier", help="Mã hồ sơ")] = None,
    id_number: Annotated[str | None, typer.Option("--id", help="Số CCCD/CMND/mã số thuế")] = None,
    procedure: Annotated[str | None, typer.Option("--procedure")] = None,
    agency: Annotated[str | None, typer.Option("--agency")] = None,
    received_from: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD")] = None,
    received_to: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 50,
    as_json: AsJson = False,
) -> None:
    """Find archived documents by their text and fields (diacritics optional) and filters."""
    import re

    from pipeline.text import fold
    from storage.keys import object_url

    terms = re.findall(r"[a-z0-9]+", fold(f"{query} {id_number or ''}"))
    dates = [_day(d, "--from/--to") for d in (received_from, received_to)]
    settings = load_settings()
    with _catalogue(settings) as catalogue:  # the catalogue alone: no object storage needed
        hits = [{"dossier": row.code, "document": doc.order, "kind": doc.kind,
                 "component": doc.component,
                 "digitisation_code": doc.digitisation_code, "procedure": row.procedure,
                 "received_on": row.received_on.isoformat(), "status": row.status,
                 "object": object_url(settings.bucket, doc.object_key), "fields": doc.fields}
                for doc, row in catalogue.search(
                    terms, dossier=dossier, procedure=procedure, agency=agency,
                    received_from=dates[0], received_to=dates[1], limit=limit)]
    if as_json:
        _emit(hits)
    else:
        for hit in hits:
            name = f"{hit['dossier']}-KQ{hit['document']}" if hit["kind"] == "result" \
                else f"{hit['dossier']}.{hit['document']:02d} {hit['component'] or '?'}"
            err.print(escape(f"{name} "
                             f"{hit['digitisation_code'] or ''} {hit['object']}"))


@app.command()
def audit(
    dossier: Annotated[str | None, typer.Option("--dossier", help="Mã hồ sơ")] = None,
    since: Annotated[str | None, typer.Option("--since", help="YYYY-MM-DD (ngày tiếp nhận)")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1,
                                         help="Processes verifying signatures")] = os.cpu_count() or 1,
    as_json: AsJson = False,
) -> None:
    """Re-read archived objects: sha256 against manifest and catalogue, signatures, orphans.

    Exit 1 on any finding."""
    from pipeline.signing.verify import load_trust_roots
    from storage.session import open_archive
    from storage.audit import audit as run_audit

    start = _day(since, "--since")
    settings = load_settings()
    _quiet_libraries(settings)
    with open_archive(settings) as archive:
        report = run_audit(archive, load_trust_roots(settings.trust_roots), dossier, start,
                           workers)
    if as_json:
        _emit(report)
    else:
        err.print(f"{report['dossiers']} hồ sơ, {report['objects']} đối tượng, "
                  f"{report['documents']} tài liệu đã kiểm tra chữ ký; "
                  f"{len(report['findings'])} phát hiện.")
        for finding in report["findings"]:
            err.print(escape(f"  ! {finding['problem']} {finding['key']} ({finding['detail']})"))
    raise typer.Exit(1 if report["findings"] else 0)


@app.command()
def reconcile(as_json: AsJson = False) -> None:
    """Repair the catalogue after a crash between upload and commit (also done by every command
    that opens the archive). Exit 1 while a dossier cannot be repaired: digitise it again."""
    from storage.session import open_archive

    settings = load_settings()
    _quiet_libraries(settings)
    with open_archive(settings) as archive:
        report = archive.reconciled
    if as_json:
        _emit(report)
    else:
        err.print(escape(f"Đã sửa: {', '.join(report['repaired']) or 'không có'}; chưa đủ dữ liệu "
                         f"(số hóa lại): {', '.join(report['incomplete']) or 'không có'}"))
    raise typer.Exit(1 if report["incomplete"] else 0)


@app.command()
def hold(
    dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")],
    on: Annotated[bool, typer.Option("--on/--off", help="Đặt hoặc gỡ phong tỏa pháp lý")],
    by: Annotated[str, typer.Option("--by", help="Người/cơ quan yêu cầu")],
    as_json: AsJson = False,
) -> None:
    """Legal hold on every object of a dossier (no deletion while on), or lift it."""
    from pipeline.identifiers import parse_dossier_code
    from storage import keys
    from storage.session import open_archive

    try:
        code = parse_dossier_code(dossier)
    except SohoaError as exc:
        raise _fail(exc, EXIT_INVALID) from None
    settings = load_settings()
    _quiet_libraries(settings)
    with open_archive(settings) as archive:
        objects = archive.store.keys(keys.dossier_prefix(code))
        for key in objects:
            archive.store.set_legal_hold(key, on)
        archive.catalogue.record(str(code), "hold" if on else "release", by, {"objects": objects})
    report = {"dossier": str(code), "legal_hold": on, "objects": objects}
    if as_json:
        _emit(report)
    else:
        err.print(escape(f"{'Đã phong tỏa' if on else 'Đã gỡ phong tỏa'} {len(objects)} đối tượng "
                         f"của hồ sơ {code}."))


@app.command()
def link(
    dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")],
    document: Annotated[int, typer.Option("--document", help="Số thứ tự tài liệu (NN)")] = 1,
    minutes: Annotated[int, typer.Option("--minutes", min=1, max=24 * 60)] = 15,
    as_json: AsJson = False,
) -> None:
    """A short-lived download link to a signed PDF, for archivists (no S3 credentials needed)."""
    from datetime import timedelta

    from storage.session import open_archive

    settings = load_settings()
    _quiet_libraries(settings)
    with open_archive(settings) as archive:
        row = archive.catalogue.find(dossier)
        doc = next((d for d in row.documents if d.order == document), None) if row else None
        if doc is None:
            err.print(escape(f"Không có tài liệu {document} của hồ sơ {dossier}."))
            raise typer.Exit(EXIT_INVALID)
        url = archive.store.presigned_url(doc.object_key, timedelta(minutes=minutes))
    if as_json:
        _emit({"dossier": dossier, "document": document, "url": url, "minutes": minutes})
    else:
        sys.stdout.write(url + "\n")


@app.command()
def procedures(as_json: AsJson = False) -> None:
    """List the procedures in the catalogue with their components."""
    from pipeline.procedures.catalogue import load_catalogue

    settings = load_settings()
    try:
        catalogue = load_catalogue(settings.procedures_dir)
    except SohoaError as exc:
        raise _fail(exc, EXIT_INVALID) from None
    data = [{"code": p.code, "name": p.name, "level": p.level,
             "components": [{"code": c.code, "name": c.name, "required": c.required}
                            for c in p.components]} for p in catalogue.values()]
    if as_json:
        _emit(data)
        return
    for proc in data:
        sys.stdout.write(f"{proc['code']}  {proc['name']}\n")
        for comp in proc["components"]:
            mark = "bắt buộc" if comp["required"] else "tùy chọn"
            sys.stdout.write(f"    {comp['code']:<20} [{mark}] {comp['name']}\n")


@app.command()
def export(
    dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")],
    out: Annotated[Path, typer.Option("--out", file_okay=False)],
) -> None:
    """Write a dossier's archived files from storage into OUT, checking each sha256."""
    from storage.exports import export_dossier
    from storage.session import open_archive

    settings = load_settings()
    try:
        with open_archive(settings) as archive:
            written = export_dossier(archive, dossier, out)
    except SohoaError as exc:
        raise _fail(exc, EXIT_FAILURE) from None
    for path in written:
        sys.stdout.write(f"{path}\n")


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8080,
) -> None:
    """Run the ingest API (and its background worker) until interrupted."""
    import uvicorn

    from pipeline.api.app import create_app

    settings = load_settings()
    _quiet_libraries(settings)
    err.print(escape(f"sohoa serve: http://{host}:{port} (nhật ký: {_log_path()})"))
    uvicorn.run(create_app(settings, processor_process=True), host=host, port=port,
                log_level="warning", log_config=None)  # its records to the log file, like ours


@app.command()
def stop(
    wait: Annotated[float, typer.Option("--wait", help="Seconds to let current users finish")
                    ] = 60.0,
    as_json: AsJson = False,
) -> None:
    """Stop this home's local servers (S3, Prefect's API) once the commands using them finish."""
    from storage.supervisor import stop as stop_service

    settings = load_settings()
    try:
        stopped = [name for name in ("prefect", "s3")
                   if stop_service(settings.home_dir / "run", name, wait)]
    except SohoaError as exc:
        raise _fail(exc, EXIT_FAILURE) from None
    if as_json:
        _emit({"stopped": stopped})
    else:
        err.print(escape(f"Đã dừng: {', '.join(stopped) or 'không có máy chủ nào đang chạy'}"))


@app.command()
def devices(as_json: AsJson = False) -> None:
    """Scanners SANE can see (``sane:<device>`` URIs for ``sohoa scan``)."""
    from scanner_drivers.sane import devices as sane_devices

    try:
        found = [{"uri": d.uri, "name": d.name} for d in sane_devices()]
    except SohoaError as exc:
        raise _fail(exc, EXIT_FAILURE) from None
    if as_json:
        _emit(found)
    else:
        for device in found:
            sys.stdout.write(f"{device['uri']}\t{device['name']}\n")


def _counters(settings: Settings) -> Path:
    return settings.counters_dir or settings.home_dir / "counters"


@app.command()
def scan(
    device: Annotated[str, typer.Option("--device", help="sane:<device> or escl:<URL>")],
    counter: Annotated[int, typer.Option("--counter", min=1, help="Số quầy")],
    procedure: Annotated[str | None, typer.Option(
        "--procedure", help="Mã thủ tục (without SOHOA_API_URL)")] = None,
    resolution: Annotated[int, typer.Option("--resolution")] = 300,
    gray: Annotated[bool, typer.Option("--gray", help="Gray instead of colour")] = False,
    duplex: Annotated[bool, typer.Option("--duplex")] = False,
    as_json: AsJson = False,
) -> None:
    """Scan a batch from the feeder, split it at separator sheets, submit each dossier."""
    from datetime import datetime, timezone

    from scanner_drivers.base import BatchSettings
    from scanner_drivers.devices import open_scanner
    from scanner_drivers.batches import write_pages
    from scanner_drivers.submit import submit_batch

    settings = _ask_pin(load_settings())
    _quiet_libraries(settings)
    folder = _counters(settings) / f"quay-{counter:02d}" / "batches" / \
        datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    try:
        batch = BatchSettings(resolution, "gray" if gray else "color", duplex)
        files = write_pages(open_scanner(device).scan(batch), folder)
        submitted = submit_batch(files, settings, folder, procedure)
    except InputFileError as exc:
        raise _fail(exc, EXIT_REFUSED_INPUT) from None
    except SohoaError as exc:
        err.print(escape(f"Lô quét giữ tại {folder}"))
        raise _fail(exc, EXIT_FAILURE) from None
    out = {"device": device, "counter": counter, "pages": len(files), "batch": str(folder),
           "dossiers": submitted}
    if as_json:
        _emit(out)
    else:
        for item in submitted:
            err.print(escape(f"{item['dossier']}: {sum(len(p['files']) for p in item['parts'])} "
                             f"tệp → {item['submitted_to']}"))


@app.command()
def watch(
    counter: Annotated[int, typer.Option("--counter", min=1, help="Số quầy")],
    procedure: Annotated[str | None, typer.Option(
        "--procedure", help="Mã thủ tục (without SOHOA_API_URL)")] = None,
    settle: Annotated[float, typer.Option("--settle", help="Seconds a file must stay unchanged")
                      ] = 1.0,
) -> None:
    """Watch the counter's hot folder: each file dropped is a batch, split and submitted."""
    import tempfile
    import threading

    from scanner_drivers.hotfolder import HotFolder, counter_folder
    from scanner_drivers.submit import submit_batch

    settings = _ask_pin(load_settings())
    _quiet_libraries(settings)

    def handle(path: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="sohoa-hot-") as tmp:
            for item in submit_batch([path], settings, Path(tmp), procedure):
                err.print(escape(f"{path.name}: {item['dossier']} → {item['submitted_to']}"))

    folder = HotFolder(counter_folder(_counters(settings), counter), handle, settle)
    err.print(escape(f"Đang theo dõi {folder.folder} (Ctrl-C để dừng)"))
    stop = threading.Event()
    try:
        folder.run(stop)
    except KeyboardInterrupt:
        stop.set()


client_app = typer.Typer(no_args_is_help=True, help="API clients (bearer tokens, agency scopes).")
app.add_typer(client_app, name="client")


def _ingest():
    from storage.catalogue import Catalogue
    from storage.ingest import Ingest

    return Ingest(Catalogue(load_settings().catalogue_url))


@client_app.command("add")
def client_add(
    name: Annotated[str, typer.Argument(help="Tên ứng dụng (e.g. motcua-thanhhoa)")],
    agency: Annotated[list[str], typer.Option("--agency", help="Mã cơ quan, repeatable")],
    as_json: AsJson = False,
) -> None:
    """Create a client scoped to agencies; print its token and webhook secret once."""
    from pipeline.identifiers import parse_agency_code

    try:
        agencies = [parse_agency_code(a) for a in agency]
    except SohoaError as exc:
        raise _fail(exc, EXIT_INVALID) from None
    try:
        token, secret = _ingest().add_client(name, agencies)
    except ValueError:
        err.print(escape(f"Đã có ứng dụng {name}: thu hồi (client revoke) trước khi tạo lại."))
        raise typer.Exit(EXIT_INVALID) from None
    out = {"name": name, "agencies": sorted(set(agencies)), "token": token,
           "webhook_secret": secret}
    if as_json:
        _emit(out)
    else:
        sys.stdout.write(f"token: {token}\nwebhook_secret: {secret}\n")
        err.print("Chỉ hiện một lần: hãy lưu lại ngay.")


@client_app.command("list")
def client_list(as_json: AsJson = False) -> None:
    """Clients, their agencies and whether revoked (never their tokens)."""
    rows = [{"name": c.name, "agencies": c.agencies, "created_at": c.created_at.isoformat(),
             "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None}
            for c in _ingest().clients()]
    if as_json:
        _emit(rows)
    else:
        for row in rows:
            sys.stdout.write(f"{row['name']}\t{','.join(row['agencies'])}\t"
                             f"{'revoked ' + row['revoked_at'] if row['revoked_at'] else 'active'}\n")


@client_app.command("revoke")
def client_revoke(name: Annotated[str, typer.Argument()], as_json: AsJson = False) -> None:
    """Revoke a client's token at once; exit 1 when there is no such active client."""
    revoked = _ingest().revoke(name)
    if as_json:
        _emit({"name": name, "revoked": revoked})
    raise typer.Exit(0 if revoked else 1)


review_app = typer.Typer(no_args_is_help=True, help="Duyệt hồ sơ cần kiểm tra (review).")
app.add_typer(review_app, name="review")
By = Annotated[str, typer.Option("--by", help="Người thực hiện (ghi vào lịch sử)")]
REVIEW_ERRORS = {"unknown_dossier", "unknown_document", "unknown_field", "invalid_value",
                 "missing_components", "nothing_to_approve", "no_reusable_copy"}


def _review(action, as_json: bool) -> None:
    """Run a review action with the archive open; its refusals exit 2, storage failures 1."""
    from storage.session import open_archive

    settings = load_settings()
    _quiet_libraries(settings)
    try:
        with open_archive(settings) as archive:
            result = action(archive, settings)
    except SohoaError as exc:
        raise _fail(exc, EXIT_INVALID if exc.code in REVIEW_ERRORS else 1) from None
    if as_json:
        _emit(result)
    elif isinstance(result, dict) and "status" in result:
        _print_result(result)
    else:
        for item in result:
            err.print(escape(json.dumps(item, ensure_ascii=False)))


@review_app.command("list")
def review_list(as_json: AsJson = False) -> None:
    """Dossiers waiting for a person, oldest first, with their problems."""
    with _catalogue(load_settings()) as catalogue:
        waiting = catalogue.needing_review()
    if as_json:
        _emit(waiting)
    else:
        for item in waiting:
            err.print(escape(json.dumps(item, ensure_ascii=False)))


@review_app.command("correct")
def review_correct(
    dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")],
    document: Annotated[int, typer.Option("--document", help="Số thứ tự tài liệu (NN)")],
    field: Annotated[str, typer.Option("--field", help="Tên trường, e.g. full_name")],
    value: Annotated[str, typer.Option("--value", help="Giá trị đúng")],
    by: By,
    as_json: AsJson = False,
) -> None:
    """Correct a field; the value must pass the field's validator."""
    from pipeline.flows.review import correct

    _review(lambda archive, settings: correct(archive, settings, dossier, document, field, value,
                                              by), as_json)


@review_app.command("attach")
def review_attach(
    dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")],
    files: Files,
    by: By,
    as_json: AsJson = False,
) -> None:
    """Add rescanned pages or a missing component; only new pages are read again."""
    from pipeline.flows.review import attach

    settings = _ask_pin(load_settings())
    _quiet_libraries(settings)
    try:
        with _engine(settings):
            result = attach(settings, dossier, files, by)
    except SohoaError as exc:
        raise _fail(exc, EXIT_INVALID if exc.code in REVIEW_ERRORS else 1) from None
    if as_json:
        _emit(result)
    else:
        _print_result(result)
    raise typer.Exit(_digitise_exit(result))


@review_app.command("reuse")
def review_reuse(
    dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")],
    component: Annotated[str, typer.Option("--component", help="Mã thành phần còn thiếu")],
    by: By,
    as_json: AsJson = False,
) -> None:
    """Take the owner's still-valid digitised copy instead of asking for the paper again."""
    from pipeline.flows.review import reuse

    _review(lambda archive, settings: reuse(archive, settings, dossier, component, by), as_json)


@review_app.command("approve")
def review_approve(dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")], by: By,
                   as_json: AsJson = False) -> None:
    """Accept what is left to review: the dossier counts as digitised."""
    from pipeline.flows.review import approve

    _review(lambda archive, settings: approve(archive, settings, dossier, by), as_json)


@review_app.command("history")
def review_history(dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")],
                   as_json: AsJson = False) -> None:
    """Every correction, attachment and approval of a dossier: what, who, when."""
    _review(lambda archive, _: [{"kind": e.kind, "by": e.by, "at": e.at.isoformat(),
                                 "detail": e.detail} for e in archive.catalogue.events(dossier)],
            as_json)


@app.command()
def demo() -> None:
    """Digitise a bundled sample dossier (generated here) and show where the result is."""
    from storage.exports import export_dossier
    from pipeline.samples import write_sample_dossier
    from storage.session import open_archive

    settings = _ask_pin(load_settings())
    _quiet_libraries(settings)
    files = write_sample_dossier(settings.home_dir / "sample")
    err.print(f"Hồ sơ mẫu: {', '.join(str(f) for f in files)}")
    out = settings.home_dir / "demo-export"
    with open_archive(settings) as archive:  # the flow reuses this S3 server
        result = _run_digitise(files, DEMO_DOSSIER, DEMO_PROCEDURE)
        _print_result(result)
        export_dossier(archive, DEMO_DOSSIER, out)
    pdf = out / f"{DEMO_DOSSIER}.01.pdf"
    err.print(f"\nBản ký số lấy lại từ kho S3: [bold]{pdf}[/bold]\n"
              f"Kiểm tra: sohoa verify {pdf}   |   pdfsig {pdf}   |   pdftotext {pdf} -")
    if result["status"] == "rejected":
        raise typer.Exit(1)
