"""The archive: ``search``, ``audit``, ``reconcile``, ``hold``, ``link``, ``procedures``,
``export``, and ``stop`` for the home's local servers."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pipeline.cli.base import (AsJson, app, emit, err, exit_on_error,
                               open_catalogue, parse_day)


@app.command()
def search(
    ctx: typer.Context,
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
    from storage.search import find_documents

    dates = [parse_day(d, "--from/--to") for d in (received_from, received_to)]
    settings = ctx.obj
    with open_catalogue(settings) as catalogue:  # the catalogue alone: no object storage needed
        hits = find_documents(catalogue, settings.bucket, query, id_number=id_number,
                              dossier=dossier, procedure=procedure, agency=agency,
                              received_from=dates[0], received_to=dates[1], limit=limit)
    if as_json:
        emit(hits)
    else:
        for hit in hits:
            name = f"{hit['dossier']}-KQ{hit['document']}" if hit["kind"] == "result" \
                else f"{hit['dossier']}.{hit['document']:02d} {hit['component'] or '?'}"
            err.print(escape(f"{name} "
                             f"{hit['digitisation_code'] or ''} {hit['object']}"))


@app.command()
def audit(
    ctx: typer.Context,
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

    start = parse_day(since, "--since")
    settings = ctx.obj
    with open_archive(settings) as archive:
        report = run_audit(archive, load_trust_roots(settings.trust_roots), dossier, start,
                           workers)
    if as_json:
        emit(report)
    else:
        err.print(f"{report['dossiers']} hồ sơ, {report['objects']} đối tượng, "
                  f"{report['documents']} tài liệu đã kiểm tra chữ ký; "
                  f"{len(report['findings'])} phát hiện.")
        for finding in report["findings"]:
            err.print(escape(f"  ! {finding['problem']} {finding['key']} ({finding['detail']})"))
    raise typer.Exit(1 if report["findings"] else 0)


@app.command()
def reconcile(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Repair the catalogue after a crash between upload and commit (also done by every command
    that opens the archive). Exit 1 while a dossier cannot be repaired: digitise it again."""
    from storage.session import open_archive

    settings = ctx.obj
    with open_archive(settings) as archive:
        report = archive.reconciled
    if as_json:
        emit(report)
    else:
        err.print(escape(f"Đã sửa: {', '.join(report['repaired']) or 'không có'}; chưa đủ dữ liệu "
                         f"(số hóa lại): {', '.join(report['incomplete']) or 'không có'}"))
    raise typer.Exit(1 if report["incomplete"] else 0)


@app.command()
def hold(
    ctx: typer.Context,
    dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")],
    on: Annotated[bool, typer.Option("--on/--off", help="Đặt hoặc gỡ phong tỏa pháp lý")],
    by: Annotated[str, typer.Option("--by", help="Người/cơ quan yêu cầu")],
    as_json: AsJson = False,
) -> None:
    """Legal hold on every object of a dossier (no deletion while on), or lift it."""
    from pipeline.identifiers import parse_dossier_code
    from storage.holds import legal_hold
    from storage.session import open_archive

    with exit_on_error():
        code = parse_dossier_code(dossier)
    with exit_on_error(), open_archive(ctx.obj) as archive:
        report = legal_hold(archive, code, on, by)
    if as_json:
        emit(report)
    else:
        err.print(escape(f"{'Đã phong tỏa' if on else 'Đã gỡ phong tỏa'} "
                         f"{len(report['objects'])} đối tượng của hồ sơ {code}."))


@app.command()
def link(
    ctx: typer.Context,
    dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")],
    document: Annotated[int, typer.Option("--document", help="Số thứ tự tài liệu (NN)")] = 1,
    minutes: Annotated[int, typer.Option("--minutes", min=1, max=24 * 60)] = 15,
    as_json: AsJson = False,
) -> None:
    """A short-lived download link to a signed PDF, for archivists (no S3 credentials needed)."""
    from datetime import timedelta

    from storage.session import open_archive

    from pipeline.errors import UnknownDocument

    with exit_on_error(), open_archive(ctx.obj) as archive:
        row = archive.catalogue.find(dossier)
        doc = row.document(document) if row else None
        if doc is None:
            raise UnknownDocument(dossier=dossier, order=document)
        url = archive.store.presigned_url(doc.object_key, timedelta(minutes=minutes))
    if as_json:
        emit({"dossier": dossier, "document": document, "url": url, "minutes": minutes})
    else:
        sys.stdout.write(url + "\n")


@app.command()
def procedures(ctx: typer.Context, as_json: AsJson = False) -> None:
    """List the procedure definitions with their components."""
    from pipeline.procedures.definitions import load_procedures

    settings = ctx.obj
    with exit_on_error():
        procedures = load_procedures(settings.procedures_dir)
    data = [{"code": p.code, "name": p.name, "level": p.level,
             "components": [{"code": c.code, "name": c.name, "required": c.required}
                            for c in p.components]} for p in procedures.values()]
    if as_json:
        emit(data)
        return
    for proc in data:
        sys.stdout.write(f"{proc['code']}  {proc['name']}\n")
        for comp in proc["components"]:
            mark = "bắt buộc" if comp["required"] else "tùy chọn"
            sys.stdout.write(f"    {comp['code']:<20} [{mark}] {comp['name']}\n")


@app.command()
def export(
    ctx: typer.Context,
    dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")],
    out: Annotated[Path, typer.Option("--out", file_okay=False)],
) -> None:
    """Write a dossier's archived files from storage into OUT, checking each sha256."""
    from storage.exports import export_dossier
    from storage.session import open_archive

    settings = ctx.obj
    with exit_on_error():
        with open_archive(settings) as archive:
            written = export_dossier(archive, dossier, out)
    for path in written:
        sys.stdout.write(f"{path}\n")


@app.command()
def stop(
    ctx: typer.Context,
    wait: Annotated[float, typer.Option("--wait", help="Seconds to let current users finish")
                    ] = 60.0,
    as_json: AsJson = False,
) -> None:
    """Stop this home's local servers (S3, Prefect's API) once the commands using them finish."""
    from storage.supervisor import stop as stop_service

    settings = ctx.obj
    with exit_on_error():
        stopped = [name for name in ("prefect", "s3")
                   if stop_service(settings.home_dir / "run", name, wait)]
    if as_json:
        emit({"stopped": stopped})
    else:
        err.print(escape(f"Đã dừng: {', '.join(stopped) or 'không có máy chủ nào đang chạy'}"))
