"""Digitising: a dossier (``digitise``), an issued result (``result``), the bundled sample
(``demo``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pipeline.records import Status

from pipeline.cli.base import (DEMO_DOSSIER, DEMO_PROCEDURE, AsJson, Files, app, digitise_exit,
                               emit, err, exit_on_error, flow_engine, open_catalogue,
                               print_record, run_digitise, signing_settings)


@app.command()
def digitise(
    ctx: typer.Context,
    files: Files,
    dossier: Annotated[str, typer.Option("--dossier", help="Mã hồ sơ, e.g. 000.00.06.H56-231027-0361")],
    procedure: Annotated[str, typer.Option("--procedure", help="Mã thủ tục, e.g. 2.000488")],
    owner: Annotated[str | None, typer.Option(
        "--owner", help="Số định danh chủ hồ sơ (CCCD, CMND, mã số thuế)")] = None,
    as_json: AsJson = False,
) -> None:
    """Digitise one dossier: store originals, OCR, build and sign PDFs, check completeness, archive."""
    settings = signing_settings(ctx.obj)
    from pipeline.identifiers import parse_dossier_code, parse_owner_id
    from pipeline.procedures.definitions import find_procedure

    with exit_on_error():
        parse_dossier_code(dossier)
        find_procedure(procedure, settings.procedures_dir)
        if owner:
            parse_owner_id(owner)
    with exit_on_error():
        record = run_digitise(settings, files, dossier, procedure, owner)
    if as_json:
        emit(record)
    else:
        print_record(record)
    raise typer.Exit(digitise_exit(record))


@app.command()
def result(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Kết quả đã ban hành")],
    dossier: Annotated[str, typer.Option("--dossier", help="Mã hồ sơ đã số hóa")],
    as_json: AsJson = False,
) -> None:
    """Digitise a result issued for a dossier and sign it as the agency: <code>-KQ<n>."""
    settings = signing_settings(ctx.obj)
    from pipeline.flows.result import digitise_result
    from pipeline.identifiers import parse_dossier_code

    with exit_on_error():
        parse_dossier_code(dossier)  # before any server starts
    with exit_on_error(), flow_engine(settings):
        entry = digitise_result(file=str(file), dossier=dossier, settings=settings)
    if as_json:
        emit(entry)
    else:
        fields = ", ".join(f"{k}={v.value}" for k, v in entry.fields.items())
        err.print(escape(f"{entry.code}: ký bởi {entry.signer}; {fields}"))
        for problem in entry.problems:
            err.print(escape(f"  ! {problem.message}"))
    raise typer.Exit(0)


DEMO_USER = "demo"


def demo_account(settings) -> str:
    """The demo's account (every role's right, in the demo agency), with a new password."""
    import secrets

    from pipeline.identifiers import parse_dossier_code
    from pipeline.web.accounts import Accounts

    password = secrets.token_urlsafe(12)
    with open_catalogue(settings) as catalogue:
        Accounts(catalogue).ensure(DEMO_USER, "admin", [parse_dossier_code(DEMO_DOSSIER).agency],
                                   password)
    return password


@app.command()
def demo(ctx: typer.Context) -> None:
    """Digitise a bundled sample dossier (generated here) and show where the result is."""
    from storage.exports import export_dossier
    from pipeline.samples import write_sample_dossier
    from storage.session import open_archive

    settings = signing_settings(ctx.obj)
    files = write_sample_dossier(settings.home_dir / "sample")
    err.print(f"Hồ sơ mẫu: {', '.join(str(f) for f in files)}")
    out = settings.home_dir / "demo-export"
    with open_archive(settings) as archive:  # the flow reuses this S3 server
        record = run_digitise(settings, files, DEMO_DOSSIER, DEMO_PROCEDURE)
        print_record(record)
        export_dossier(archive, DEMO_DOSSIER, out)
    pdf = out / f"{DEMO_DOSSIER}.01.pdf"
    err.print(f"\nBản ký số lấy lại từ kho S3: [bold]{pdf}[/bold]\n"
              f"Kiểm tra: sohoa verify {pdf}   |   pdfsig {pdf}   |   pdftotext {pdf} -")
    password = demo_account(settings)
    err.print(f"Tài khoản thử của bàn số hóa (sohoa serve): [bold]{DEMO_USER}[/bold], mật khẩu "
              f"[bold]{password}[/bold] (mới mỗi lần chạy demo)")
    if record.status == Status.REJECTED:
        raise typer.Exit(1)
