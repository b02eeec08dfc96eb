"""``report``: the digitisation indicators per unit and period; as JSON, XLSX or CSV, or the
dossiers one count is made of."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pipeline.cli.base import AsJson, app, emit, err, exit_on_error, open_catalogue, parse_day


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


@app.command()
def report(
    ctx: typer.Context,
    received_from: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD")] = None,
    received_to: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD")] = None,
    agency: Annotated[str | None, typer.Option("--agency", help="Mã cơ quan (and its units)")
                      ] = None,
    by: Annotated[str, typer.Option("--by", help="agency, procedure or month")] = "agency",
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Write the report as XLSX")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="Write the report as CSV")] = None,
    list_: Annotated[tuple[str, str] | None, typer.Option(
        "--list", help="UNIT COLUMN: the dossiers one count is made of")] = None,
    recount: Annotated[bool, typer.Option(
        "--recount", help="Judge every dossier again first (after a procedure file changed)")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Digitisation rates (dossiers, results, reuse) counting only what is really digitised,
    beside what counting component rows gives."""
    from datetime import date, datetime, timezone

    from pipeline.api.reports import BY, digitisation_report, listed
    from pipeline.errors import InvalidReportGrouping, UnknownReportColumn
    from pipeline.identifiers import parse_agency_code
    from pipeline.indicators import COLUMNS
    from pipeline.report_files import write_csv, write_xlsx

    start = parse_day(received_from, "--from") or date(2000, 1, 1)
    end = parse_day(received_to, "--to") or date.today()
    with exit_on_error():
        units = {parse_agency_code(agency)} if agency else None
        if by not in BY:
            raise InvalidReportGrouping(by=by, allowed=", ".join(BY))
        if list_ and list_[1] not in COLUMNS:
            raise UnknownReportColumn(column=list_[1], allowed=", ".join(COLUMNS))
    with open_catalogue(ctx.obj) as catalogue:
        if recount:
            from storage import tally

            with catalogue.writing() as session:
                err.print(f"Đã tính lại {tally.rebuild(session)} hồ sơ.")
        if list_:
            codes = listed(catalogue, start, end, by, *list_, units)
            if as_json:
                emit({"unit": list_[0], "column": list_[1], "dossiers": codes})
            else:
                sys.stdout.write("".join(f"{code}\n" for code in codes))
            return
        out = digitisation_report(catalogue, ctx.obj, start, end, by, units)
    if xlsx:
        write_xlsx(out, xlsx, datetime.now(timezone.utc))
        err.print(escape(f"Đã ghi {xlsx}"))
    if csv_file:
        write_csv(out, csv_file)
        err.print(escape(f"Đã ghi {csv_file}"))
    if as_json:
        emit(out)
    elif not (xlsx or csv_file):
        sys.stdout.write(f"{'đơn vị':<24} {'tiếp nhận':>9} {'số hóa':>7} {'tỷ lệ':>7} "
                         f"{'đếm dòng':>8} {'KQ cần':>7} {'có KQ':>6} {'tái sử dụng':>11}\n")
        for row in out["units"]:
            sys.stdout.write(f"{row['unit']:<24} {row['received']:>9} {row['digitised']:>7} "
                             f"{_pct(row['dossier_rate']):>7} "
                             f"{_pct(row['naive_dossier_rate']):>8} {row['results_required']:>7} "
                             f"{row['with_result']:>6} {_pct(row['reuse_rate']):>11}\n")
