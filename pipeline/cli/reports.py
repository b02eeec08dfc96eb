"""``report``: the digitisation indicators per unit and period."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from pipeline.cli.base import AsJson, app, emit, exit_on_error, open_catalogue, parse_day


@app.command()
def report(
    ctx: typer.Context,
    received_from: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD")] = None,
    received_to: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD")] = None,
    agency: Annotated[str | None, typer.Option("--agency", help="Mã cơ quan (and its units)")
                      ] = None,
    by: Annotated[str, typer.Option("--by", help="agency, procedure or month")] = "agency",
    as_json: AsJson = False,
) -> None:
    """Digitisation rates (dossiers, results, reuse) counting only what is really digitised,
    beside what counting component rows gives."""
    from datetime import date

    from pipeline.api.ingest import Ingest
    from pipeline.api.reports import BY, digitisation_report
    from pipeline.errors import InvalidReportGrouping
    from pipeline.identifiers import parse_agency_code

    start = parse_day(received_from, "--from") or date(2000, 1, 1)
    end = parse_day(received_to, "--to") or date.today()
    with exit_on_error():
        units = {parse_agency_code(agency)} if agency else None
        if by not in BY:
            raise InvalidReportGrouping(by=by, allowed=", ".join(BY))
    with open_catalogue(ctx.obj) as catalogue:
        out = digitisation_report(catalogue, Ingest(catalogue), ctx.obj, start, end, by, units)
    if as_json:
        emit(out)
        return
    sys.stdout.write(f"{'đơn vị':<24} {'tiếp nhận':>9} {'số hóa':>7} {'tỷ lệ':>7} "
                     f"{'đếm dòng':>8} {'KQ cần':>7} {'có KQ':>6} {'tái sử dụng':>11}\n")
    for row in out["units"]:
        def pct(value):
            return "—" if value is None else f"{value:.2f}"
        sys.stdout.write(f"{row['unit']:<24} {row['received']:>9} {row['digitised']:>7} "
                         f"{pct(row['dossier_rate']):>7} {pct(row['naive_dossier_rate']):>8} "
                         f"{row['results_required']:>7} {row['with_result']:>6} "
                         f"{pct(row['reuse_rate']):>11}\n")
