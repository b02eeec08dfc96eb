"""The digitisation report (``sohoa report``, ``GET /v1/reports/digitisation``): the tally's
counts (``storage.tally``), made rows with rates and points by ``pipeline.indicators``."""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.indicators import unit_row, within
from pipeline.settings import Settings
from storage import tally
from storage.catalogue import Catalogue

BY = ("agency", "procedure", "month")


def listed(catalogue: Catalogue, start: date, end: date, by: str, unit: str, column: str,
           units: set[str] | None = None) -> list[str]:
    """The codes of the dossiers one count of the report is made of."""
    with catalogue.reading() as session:
        return tally.codes(session, start, end, by, unit, column, units)


def digitisation_report(catalogue: Catalogue, settings: Settings, start: date, end: date,
                        by: str = "agency", units: set[str] | None = None) -> dict[str, Any]:
    """The report over ``start``..``end`` (receipt dates; resolution dates for results), for
    the dossiers of ``units`` and the units under them (all when ``None``)."""
    return digitisation_reports(catalogue, settings, start, end, [by], units)[by]


def digitisation_reports(catalogue: Catalogue, settings: Settings, start: date, end: date,
                         bys: list[str], units: set[str] | None = None
                         ) -> dict[str, dict[str, Any]]:
    """:func:`digitisation_report` by each of ``bys``, counted once (the indicators page shows
    its table and the trend per month)."""
    with catalogue.reading() as session:
        counted = tally.counts_by(session, start, end, bys, units)
    out = {}
    for by, counts in counted.items():
        rows = [unit_row(unit, n, settings.indicator_weights, settings.indicator_full_marks)
                for unit, n in sorted(counts.items())]
        if units is not None and by == "agency":  # the units above the caller's are not its own
            rows = [r for r in rows if within(r["unit"], units)]
        out[by] = {"from": start.isoformat(), "to": end.isoformat(), "by": by, "units": rows}
    return out
