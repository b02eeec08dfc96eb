"""The digitisation report as the files a province sends up: an XLSX (one row per unit,
sub-units indented under their parent, totals, the period and when it was produced) and a CSV
of the same rows."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.indicators import COUNTS, REASONS, ancestry, unit_row

HEADERS = [  # (key, Vietnamese heading)
    ("unit", "Đơn vị"), ("received", "Hồ sơ tiếp nhận"), ("digitised", "Đã số hóa"),
    ("dossier_rate", "Tỷ lệ số hóa hồ sơ (%)"), ("resolved", "Đã giải quyết"),
    ("results_required", "Phải có kết quả"), ("with_result", "Có kết quả điện tử"),
    ("result_rate", "Tỷ lệ số hóa kết quả (%)"), ("reused", "Có tái sử dụng"),
    ("reuse_rate", "Tỷ lệ tái sử dụng (%)"), ("points", "Điểm"),
    ("naive_digitised", "Có dòng thành phần (cách đếm cũ)"),
    ("naive_dossier_rate", "Tỷ lệ theo cách đếm cũ (%)"),
] + [(reason, f"Chưa số hóa: {reason}") for reason in REASONS]


def _depth(unit: str, units: set[str]) -> tuple[list[str], int]:
    """``unit``'s line of parents within the report, root first, and how deep it sits."""
    line = [u for u in reversed(ancestry(unit)) if u in units]
    return line, len(line) - 1


def ordered(report: dict[str, Any]) -> list[tuple[dict, int]]:
    """Rows in tree order (each unit under its parent) with their depth; flat unless by agency."""
    rows = report["units"]
    if report["by"] != "agency":
        return [(row, 0) for row in rows]
    units = {row["unit"] for row in rows}
    placed = sorted(((_depth(row["unit"], units), row) for row in rows), key=lambda t: t[0][0])
    return [(row, depth) for (_, depth), row in placed]


def totals(report: dict[str, Any]) -> dict[str, Any]:
    """The sum over the top units (those with no parent in the report), rates recomputed."""
    top = [row for row, depth in ordered(report) if depth == 0] if report["by"] == "agency" \
        else report["units"]
    counts = {key: sum(row[key] for row in top) for key in COUNTS}
    counts |= {r: sum(row["not_digitised_reasons"].get(r, 0) for row in top) for r in REASONS}
    return unit_row("Tổng cộng", counts, {}, 0.0)  # a sum of units earns no points


def _cells(row: dict[str, Any]) -> list[Any]:
    return [row["not_digitised_reasons"].get(key, 0) if key in REASONS else row[key]
            for key, _ in HEADERS]


def write_xlsx(report: dict[str, Any], path: Path, produced_at: datetime) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Chỉ tiêu số hóa"
    sheet.append(["Báo cáo chỉ tiêu số hóa hồ sơ (Quyết định 766/QĐ-TTg)"])
    sheet.append([f"Kỳ báo cáo: {report['from']} đến {report['to']}; theo: {report['by']}"])
    sheet.append([f"Lập lúc: {produced_at.isoformat(timespec='seconds')}"])
    sheet.append([heading for _, heading in HEADERS])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for row, depth in ordered(report):
        sheet.append(_cells(row))
        sheet.cell(sheet.max_row, 1).alignment = Alignment(indent=2 * depth)
    sheet.append(_cells(totals(report)))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 28
    book.save(path)


def write_csv(report: dict[str, Any], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([key for key, _ in HEADERS])
        for row, _ in ordered(report):
            writer.writerow(_cells(row))
