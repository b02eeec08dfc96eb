"""Reading without archiving: ``ocr``, ``extract``, separator sheets, ``verify``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from pipeline.cli.base import (AsJson, Files, app, emit, err, exit_on_error, fail,
                               showing_progress)
from pipeline.errors import EXIT_INVALID
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.model import ProcessedPage


def _read_files(files: list[Path], settings: Settings) -> list[list[ProcessedPage]]:
    """Every page of every file through the flow's page path (``pipeline.reading``), with a
    progress bar; a file refused exits 3."""
    from pipeline.intake import read_local
    from pipeline.reading import read_files

    with exit_on_error(), showing_progress():
        return read_files([read_local(path) for path in files], settings)


@app.command()
def ocr(
    ctx: typer.Context,
    files: Files,
    as_json: AsJson = False,
) -> None:
    """Read the text of scans (same page path as `digitise`); stores nothing."""
    from pipeline.contracts import OcrReport
    from pipeline.extraction import page_report

    report = OcrReport(pages=[page_report(str(path), page) for path, pages in
                              zip(files, _read_files(files, ctx.obj)) for page in pages])
    if as_json:
        emit(report)
        return
    for page in report.pages:
        sys.stdout.write(f"--- {page.file} trang {page.page} (tin cậy {page.confidence})\n")
        for message in page.problems:
            sys.stdout.write(f"!!! {message}\n")
        sys.stdout.write(page.text + "\n")


@app.command()
def extract(
    ctx: typer.Context,
    files: Files,
    as_json: AsJson = False,
) -> None:
    """Find the documents in scans and read their fields, with no dossier or procedure given."""
    from pipeline.extraction import extract_documents
    from pipeline.procedures.definitions import load_procedures

    with exit_on_error():
        procedures = load_procedures(ctx.obj.procedures_dir)
    report = extract_documents([str(f) for f in files], _read_files(files, ctx.obj), procedures)
    if as_json:
        emit(report)
        return
    for doc in report.documents:
        fields = ", ".join(f"{k}={v.value}" for k, v in doc.fields.items())
        err.print(escape(f"{doc.file} tr.{doc.pages}: {doc.component or '?'} "
                         f"({doc.classified_by}) {fields}"))
        for problem in doc.problems:
            err.print(f"  [yellow]! {problem.code}[/yellow] " + escape(problem.message))


@app.command()
def separator(
    ctx: typer.Context,
    dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")],
    component: Annotated[str | None, typer.Argument(help="Mã thành phần hồ sơ")] = None,
    out: Annotated[Path, typer.Option("--out", help="PDF to write")] = Path("separator.pdf"),
) -> None:
    """Print a separator sheet (QR: dossier code, component) to put in front of its pages."""
    from pipeline.identifiers import parse_dossier_code
    from pipeline.procedures.definitions import load_procedures
    from pipeline.errors import UndefinedComponent
    from pipeline.model import Separator
    from pipeline.separators import sheet_pdf

    with exit_on_error():
        code = str(parse_dossier_code(dossier))
    names = {c.code: c.name for p in load_procedures(ctx.obj.procedures_dir).values()
             for c in p.components}
    if component is not None and component not in names:
        raise fail(UndefinedComponent(component=component))
    out.write_bytes(sheet_pdf(Separator(code, component), names.get(component)))
    err.print(escape(f"Đã ghi tờ phân cách: {out}"))


@app.command()
def verify(
    ctx: typer.Context,
    pdf: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_json: AsJson = False,
    online: Annotated[bool, typer.Option(
        "--online", help="Also ask the OCSP responders and CRLs the certificates name.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="vi (default) or en")] = "vi",
) -> None:
    """Check every signature of a PDF; exit 1 when any is invalid or there is none."""
    settings = ctx.obj
    from pipeline.signing.verify import load_trust_roots, verify_pdf
    from pipeline.signing.verify_text import VERIFY_LANGS, describe

    if lang not in VERIFY_LANGS:
        err.print(escape(f"--lang must be one of {', '.join(VERIFY_LANGS)}"))
        raise typer.Exit(EXIT_INVALID)
    report = verify_pdf(pdf.read_bytes(), load_trust_roots(settings.trust_roots), online).to_json()
    if as_json:
        emit(report)
    else:
        sys.stdout.write(describe(report, lang) + "\n")
    raise typer.Exit(0 if report["valid"] else 1)
