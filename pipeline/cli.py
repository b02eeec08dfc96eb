"""The ``sohoa`` command. ``--json`` outputs are a stable contract: keys are added, never removed."""

from __future__ import annotations

import json
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.errors import InputFileError, SohoaError
from pipeline.settings import Settings, load_settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="sohoa: số hóa hồ sơ thủ tục hành chính (scan → OCR → ký số → lưu trữ).")
err = Console(stderr=True)

EXIT_INVALID = 2  # malformed dossier/procedure code, unknown procedure, bad arguments
EXIT_REFUSED_INPUT = 3  # one or more files could not be read; named in "problems"
STAGE_LABELS = {"ocr": "Nhận dạng chữ (OCR)"}
DEMO_DOSSIER = "000.00.06.H56-231027-0361"
DEMO_PROCEDURE = "2.000488"


def _quiet_libraries(settings: Settings) -> None:
    """Prefect state under the data directory, and only warnings from chatty libraries."""
    os.environ.setdefault("PREFECT_HOME", str(settings.home_dir / "prefect"))
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    for name in ("pyhanko", "pyhanko_certvalidator", "fontTools"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _fail(exc: SohoaError, code: int) -> typer.Exit:
    err.print(f"[red]Lỗi:[/red] {exc.message('vi')}\n[dim]{exc.message('en')} [{exc.code}][/dim]")
    return typer.Exit(code)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=True)


def _run_digitise(files: list[Path], dossier: str, procedure: str) -> dict:
    from pipeline import progress as hooks
    from pipeline.flows.digitise import digitise_dossier

    with _progress() as bar:
        tasks: dict[str, Any] = {}

        def listener(stage: str, total: int | None) -> None:
            if total is not None:
                tasks[stage] = bar.add_task(STAGE_LABELS.get(stage, stage), total=total)
            else:
                bar.advance(tasks[stage])

        with hooks.listening(listener):
            return digitise_dossier(files=[str(f) for f in files], dossier=dossier,
                                    procedure=procedure)


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

    if result["status"] == "rejected" or any(p["code"] in REFUSALS for p in result["problems"]):
        return EXIT_REFUSED_INPUT
    return 0


@app.command()
def digitise(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)],
    dossier: Annotated[str, typer.Option("--dossier", help="Mã hồ sơ, e.g. 000.00.06.H56-231027-0361")],
    procedure: Annotated[str, typer.Option("--procedure", help="Mã thủ tục, e.g. 2.000488")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Digitise one dossier: store originals, OCR, build and sign PDFs, check completeness, archive."""
    settings = load_settings()
    _quiet_libraries(settings)
    from pipeline.identifiers import parse_dossier_code
    from pipeline.procedures.catalogue import find_procedure

    try:
        parse_dossier_code(dossier)
        find_procedure(procedure, settings.procedures_dir)
    except SohoaError as exc:
        raise _fail(exc, EXIT_INVALID) from None
    try:
        result = _run_digitise(files, dossier, procedure)
    except SohoaError as exc:
        raise _fail(exc, 1) from None
    if as_json:
        _emit(result)
    else:
        _print_result(result)
    raise typer.Exit(_digitise_exit(result))


@app.command()
def ocr(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Read the text of scans (same preprocessing and engine as `digitise`); stores nothing."""
    from pipeline.intake import read_local
    from pipeline.ocr.recognise import ocr_page
    from pipeline.pages import load_page, plan_pages

    settings = load_settings()
    jobs = []
    for path in files:
        item = read_local(path)
        try:
            refs = plan_pages(item, max_pages=settings.max_pages_per_file,
                              max_pixels=settings.max_page_pixels, default_dpi=settings.default_dpi)
        except InputFileError as exc:
            raise _fail(exc, EXIT_REFUSED_INPUT) from None
        jobs += [(item, ref) for ref in refs]

    def one(job) -> dict:
        item, ref = job
        page = ocr_page(load_page(item, ref), ref.dpi, settings.ocr_language,
                        min_dpi=settings.min_scan_dpi)
        return {"file": str(item.path), "page": ref.number, "text": page.text,
                "confidence": round(page.confidence, 2), "rotation": page.rotation,
                "skew": page.skew, "dpi": ref.dpi, "quality": page.quality.to_json(),
                "problems": [page.quality.message(code) for code in page.quality.issues]}

    with _progress() as bar, ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        task = bar.add_task(STAGE_LABELS["ocr"], total=len(jobs))
        pages = []
        for result in pool.map(one, jobs):
            pages.append(result)
            bar.advance(task)
    if as_json:
        _emit({"pages": pages})
    else:
        for page in pages:
            sys.stdout.write(f"--- {page['file']} trang {page['page']} "
                             f"(tin cậy {page['confidence']})\n")
            for message in page["problems"]:
                sys.stdout.write(f"!!! {message}\n")
            sys.stdout.write(page["text"] + "\n")


def _verify_text(report: dict) -> str:
    lines = []
    for sig in report["signatures"]:
        lines += [
            f"Chữ ký {sig['field']}: {'HỢP LỆ' if sig['valid'] else 'KHÔNG HỢP LỆ'}",
            f"  Người ký: {sig['signer']}",
            f"  Thời gian ký: {sig['signed_at'] or 'không rõ'}",
            f"  Toàn vẹn: {'có' if sig['intact'] else 'KHÔNG — tài liệu đã bị sửa sau khi ký'}",
            f"  Phủ toàn bộ tài liệu: {'có' if sig['covers_whole_document'] else 'không'}"
            f" (thay đổi sau khi ký: {sig['changes_after']})",
            f"  Chứng thư được tin cậy: {'có' if sig['trusted'] else 'không (không thuộc gốc tin cậy đã cấu hình)'}",
        ]
    if not report["signatures"]:
        lines.append("Không có chữ ký số nào trong tệp." + (f" ({report['error']})" if report.get("error") else ""))
    lines.append(f"Kết luận: {'hợp lệ' if report['valid'] else 'KHÔNG hợp lệ'}")
    return "\n".join(lines)


@app.command()
def verify(
    pdf: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Check every signature of a PDF; exit 1 when any is invalid or there is none."""
    settings = load_settings()
    _quiet_libraries(settings)
    from pipeline.signing.verify import load_trust_roots, verify_pdf

    report = verify_pdf(pdf.read_bytes(), load_trust_roots(settings.trust_roots)).to_json()
    if as_json:
        _emit(report)
    else:
        sys.stdout.write(_verify_text(report) + "\n")
    raise typer.Exit(0 if report["valid"] else 1)


@app.command()
def procedures(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
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
    from pipeline.exports import export_dossier
    from storage.archive import open_archive

    settings = load_settings()
    try:
        with open_archive(settings) as archive:
            written = export_dossier(archive, dossier, out)
    except SohoaError as exc:
        raise _fail(exc, 1) from None
    for path in written:
        sys.stdout.write(f"{path}\n")


@app.command()
def demo() -> None:
    """Digitise a bundled sample dossier (generated here) and show where the result is."""
    from pipeline.exports import export_dossier
    from pipeline.samples import write_sample_dossier
    from storage.archive import open_archive

    settings = load_settings()
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
