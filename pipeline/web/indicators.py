"""The indicators (managers): the digitisation report of ``sohoa report`` by unit and period,
within the user's agencies, each count a link to its dossiers, a trend chart per month drawn
here as SVG (no script, nothing fetched), and the XLSX a province sends up."""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from markupsafe import Markup, escape

from pipeline.api.reports import BY, digitisation_report, digitisation_reports, listed
from pipeline.errors import InvalidReportGrouping, UnknownReportColumn
from pipeline.identifiers import parse_day
from pipeline.indicators import COLUMNS, REASONS
from pipeline.report_files import write_xlsx
from pipeline.web.base import page, require, web

COLUMN_NAMES = {"received": "Tiếp nhận", "digitised": "Đã số hóa", "dossier_rate": "Tỷ lệ hồ sơ (%)",
                "naive_digitised": "Đếm theo dòng", "naive_dossier_rate": "Tỷ lệ đếm dòng (%)",
                "resolved": "Đã giải quyết", "results_required": "Cần kết quả",
                "with_result": "Có kết quả điện tử", "result_rate": "Tỷ lệ kết quả (%)",
                "reused": "Tái sử dụng", "reuse_rate": "Tỷ lệ tái sử dụng (%)",
                "points": "Điểm"}
REASON_NAMES = {"not_received": "Chưa nhận tệp", "missing_component": "Thiếu thành phần",
                "unsigned": "Chưa ký số", "no_data": "Thiếu dữ liệu",
                "audit_failed": "Kiểm tra lại không đạt"}
BY_NAMES = {"agency": "Đơn vị", "procedure": "Thủ tục", "month": "Tháng"}
CHART_W, CHART_H, PAD = 640, 220, 36


def _period(request: Request) -> tuple[date, date, str]:
    params, today = request.query_params, date.today()
    start = parse_day(params.get("from"), "from") or date(today.year, 1, 1)
    end = parse_day(params.get("to"), "to") or today
    by = params.get("by") or "agency"
    if by not in BY:
        raise InvalidReportGrouping(by=by, allowed=", ".join(BY))
    return start, end, by


def trend(rows: list[dict]) -> Markup:
    """The dossier rate, and what counting rows says, per month: two polylines over 0–100%."""
    if not rows:
        return Markup("")
    step = (CHART_W - 2 * PAD) / max(len(rows) - 1, 1)

    def line(key: str) -> str:
        points = [(PAD + i * step, CHART_H - PAD - (r[key] or 0) * (CHART_H - 2 * PAD) / 100)
                  for i, r in enumerate(rows)]
        dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3"/>' for x, y in points)
        return (f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}"/>'
                f"{dots}")

    labels = "".join(
        f'<text x="{PAD + i * step:.1f}" y="{CHART_H - PAD + 16}" text-anchor="middle">'
        f'{escape(r["unit"])}</text>' for i, r in enumerate(rows)
        if len(rows) <= 12 or i % 3 == 0)
    grid = "".join(
        f'<line x1="{PAD}" x2="{CHART_W - PAD}" y1="{CHART_H - PAD - v * (CHART_H - 2 * PAD) / 100:.1f}"'
        f' y2="{CHART_H - PAD - v * (CHART_H - 2 * PAD) / 100:.1f}" class="grid"/>'
        f'<text x="{PAD - 6}" y="{CHART_H - PAD - v * (CHART_H - 2 * PAD) / 100 + 4:.1f}"'
        f' text-anchor="end">{v}%</text>' for v in (0, 50, 80, 100))
    return Markup(
        f'<svg viewBox="0 0 {CHART_W} {CHART_H}" role="img" class="chart" '
        f'aria-label="Tỷ lệ số hóa hồ sơ theo tháng">{grid}'
        f'<g class="naive">{line("naive_dossier_rate")}</g>'
        f'<g class="real">{line("dossier_rate")}</g>{labels}</svg>')


def routes(pages: FastAPI) -> None:
    @pages.get("/indicators")
    def indicators(request: Request) -> Response:
        user = require(request, "indicators")
        start, end, by = _period(request)
        state = web(request)
        units = set(user.agencies)
        both = digitisation_reports(state.archive.catalogue, state.settings, start, end,
                                    [by, "month"], units)
        report, months = both[by], both["month"]["units"]
        return page(request, "indicators.html", report=report, start=start, end=end, by=by,
                    by_names=BY_NAMES, columns=COLUMN_NAMES, reasons=REASON_NAMES,
                    chart=trend(months), counts=[c for c in COLUMNS if c not in REASONS])

    @pages.get("/indicators/dossiers")
    def dossiers(request: Request, unit: str, column: str) -> Response:
        user = require(request, "indicators")
        start, end, by = _period(request)
        if column not in COLUMNS:
            raise UnknownReportColumn(column=column, allowed=", ".join(COLUMNS))
        codes = listed(web(request).archive.catalogue, start, end, by, unit, column,
                       set(user.agencies))
        return page(request, "indicator_dossiers.html", unit=unit, column=column, codes=codes,
                    names={**COLUMN_NAMES, **REASON_NAMES}, start=start, end=end, by=by)

    @pages.get("/indicators.xlsx")
    def xlsx(request: Request) -> Response:
        user = require(request, "indicators")
        start, end, by = _period(request)
        state = web(request)
        report = digitisation_report(state.archive.catalogue, state.settings, start, end, by,
                                     set(user.agencies))
        with tempfile.TemporaryDirectory(prefix="sohoa-xlsx-") as tmp:
            path = Path(tmp) / "chi-tieu.xlsx"
            write_xlsx(report, path, datetime.now(timezone.utc))
            data = path.read_bytes()
        state.accounts.record(user.name, "report_xlsx", {"from": str(start), "to": str(end),
                                                         "by": by})
        return Response(data, headers={
            "Content-Disposition": f'attachment; filename="chi-tieu-so-hoa-{start}-{end}.xlsx"'},
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
