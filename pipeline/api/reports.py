"""The digitisation report (``sohoa report``, ``GET /v1/reports/digitisation``): each dossier's
facts from the archive's records and from what the one-stop system said, counted by
``pipeline.indicators``. A dossier the one-stop system declared and no file reached is
counted as received and not digitised (``not_received``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta, timezone
from typing import Any

from pipeline.api.ingest import Ingest
from pipeline.identifiers import parse_dossier_code
from pipeline.indicators import DossierFacts, members, report, within
from pipeline.settings import Settings
from storage.catalogue import Catalogue

VIETNAM = timezone(timedelta(hours=7))  # periods are counted in the agencies' own days
BY = ("agency", "procedure", "month")


def dossier_facts(catalogue: Catalogue, ingest: Ingest) -> Iterator[DossierFacts]:
    records, audits = catalogue.records(), catalogue.last_audits()
    submissions = {s.code: s for s in ingest.submissions()}
    for code in sorted(set(records) | set(submissions)):
        parsed, record, sent = parse_dossier_code(code), records.get(code), submissions.get(code)
        resolved = sent.outcome_at.astimezone(VIETNAM).date() \
            if sent and sent.outcome == "resolved" and sent.outcome_at else None
        yield DossierFacts(
            code=code, agency=parsed.agency, procedure=record.procedure if record
            else sent.procedure, received_on=parsed.received, record=record,
            reused_components=tuple(sent.reused_components or ()) if sent else (),
            returns_result=sent.returns_result if sent else None, resolved_on=resolved,
            audit_findings=tuple(audits.get(code, ())))


def _facts(catalogue: Catalogue, ingest: Ingest, units: set[str] | None
           ) -> Iterator[DossierFacts]:
    return (f for f in dossier_facts(catalogue, ingest)
            if units is None or within(f.agency, units))


def listed(catalogue: Catalogue, ingest: Ingest, start: date, end: date, by: str, unit: str,
           column: str, units: set[str] | None = None) -> list[str]:
    """The codes of the dossiers one count of the report is made of."""
    return members(_facts(catalogue, ingest, units), start, end, by).get(unit, {}).get(column, [])


def digitisation_report(catalogue: Catalogue, ingest: Ingest, settings: Settings, start: date,
                        end: date, by: str = "agency", units: set[str] | None = None
                        ) -> dict[str, Any]:
    """The report over ``start``..``end`` (receipt dates; resolution dates for results), for
    the dossiers of ``units`` and the units under them (all when ``None``)."""
    facts = _facts(catalogue, ingest, units)
    rows = report(facts, start, end, by, settings.indicator_weights,
                  settings.indicator_full_marks)
    if units is not None and by == "agency":  # the units above the caller's are not its own
        rows = [r for r in rows if within(r["unit"], units)]
    return {"from": start.isoformat(), "to": end.isoformat(), "by": by, "units": rows}
