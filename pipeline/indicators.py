"""The digitisation indicators (Decision 766/QĐ-TTg's dossier-digitisation group), counted
from what is really digitised, beside what counting component rows would give.

A dossier is *digitised* when every required component of its procedure is present as a
document signed by the scanning official, archived (and found intact by its latest audit, when
one ran), with its minimum data (document-type code and owner ID, Circular 01/2023); a reused
component counts as present. One short of that is
not, and the report says which rule it missed. Thresholds and points are settings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from pipeline.records import DossierRecord

REASONS = ("not_received", "missing_component", "unsigned", "no_data", "audit_failed")
COUNTS = ("received", "digitised", "naive_digitised", "reused", "resolved", "results_required",
          "with_result")
COLUMNS = COUNTS + REASONS
"""What a unit's dossiers can be listed by (``sohoa report --list UNIT COLUMN``)."""


@dataclass(frozen=True)
class DossierFacts:
    """One dossier as the report sees it: the archive's record (``None`` before any file was
    read) and what only the one-stop system knows."""

    code: str
    agency: str
    procedure: str
    received_on: date
    record: DossierRecord | None
    reused_components: tuple[str, ...] = ()  # from the national portal's personal folder
    returns_result: bool | None = None
    resolved_on: date | None = None  # the one-stop system's "resolved" event
    audit_findings: tuple[str, ...] = ()  # what its latest audit found (sohoa audit)


def not_digitised(facts: DossierFacts) -> str | None:
    """The first rule the dossier misses, or ``None`` when it is digitised."""
    record = facts.record
    if record is None or not record.documents:
        return "not_received"
    missing = set(record.missing_components) - set(facts.reused_components) \
        - {r.component for r in record.reused}
    if missing:
        return "missing_component"
    if any(not d.signer for d in record.documents):
        return "unsigned"
    if record.owner_id is None or any(d.component is None or d.digitisation_code is None
                                      for d in record.documents):
        return "no_data"
    if facts.audit_findings:  # an object changed, missing, or a signature that no longer holds
        return "audit_failed"
    return None


def parent_agency(code: str) -> str | None:
    """The unit above ``code``: its most specific non-zero group set to zeros (``001.02.06.H56``
    → ``000.02.06.H56`` → … → ``000.00.00.H56``, the province, which has none)."""
    groups = code.split(".")
    for index, group in enumerate(groups[:-1]):
        if group.strip("0"):
            return ".".join(groups[:index] + ["0" * len(group)] + groups[index + 1:])
    return None


def ancestry(agency: str) -> list[str]:
    """``agency`` and every unit above it, nearest first."""
    line: list[str] = []
    while agency is not None:
        line.append(agency)
        agency = parent_agency(agency)
    return line


def within(agency: str, units: set[str]) -> bool:
    """Whether ``agency`` is one of ``units`` or under one of them."""
    return any(unit in units for unit in ancestry(agency))


def _units(facts: DossierFacts, by: str) -> list[str]:
    if by == "procedure":
        return [facts.procedure]
    if by == "month":
        return [f"{facts.received_on:%Y-%m}"]
    return ancestry(facts.agency)  # a dossier counts for its unit and every unit above it


def members(dossiers: Iterable[DossierFacts], start: date, end: date, by: str
            ) -> dict[str, dict[str, list[str]]]:
    """For each unit, the codes of the dossiers each count is made of."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for facts in dossiers:
        received = start <= facts.received_on <= end
        resolved = facts.resolved_on is not None and start <= facts.resolved_on <= end
        if not (received or resolved):
            continue
        missed = not_digitised(facts)
        columns = []
        if received:
            columns += ["received", missed or "digitised"]
            if facts.record and facts.record.documents:
                columns.append("naive_digitised")
            if facts.reused_components or (facts.record and facts.record.reused):
                columns.append("reused")
        if resolved:
            columns.append("resolved")
            if facts.returns_result:
                columns.append("results_required")
                if facts.record and facts.record.results:
                    columns.append("with_result")
        for unit in _units(facts, by):
            for column in columns:
                found[unit][column].append(facts.code)
    return found


def rate(part: int, whole: int) -> float | None:
    """A percentage with two decimals; not applicable (``None``) over nothing."""
    return round(100 * part / whole, 2) if whole else None


def points(rates: dict[str, float | None], weights: dict[str, float], full_at: float
           ) -> float | None:
    """The published scale: full marks at ``full_at`` percent and above, proportional below.
    Over the rates that apply, scaled to the group's whole weight (a unit that issued no
    result is neither rewarded nor penalised for it); ``None`` when none applies."""
    applicable = {name: w for name, w in weights.items() if rates.get(name) is not None}
    if not applicable:
        return None
    earned = sum(w * min(rates[name] / full_at, 1.0) for name, w in applicable.items())
    return round(sum(weights.values()) * earned / sum(applicable.values()), 2)


def report(dossiers: Iterable[DossierFacts], start: date, end: date, by: str,
           weights: dict[str, float], full_at: float) -> list[dict]:
    """One row per unit (agency, procedure or month): counts, rates, points, reasons."""
    return [unit_row(unit, {column: len(listed.get(column, ())) for column in COLUMNS},
                     weights, full_at)
            for unit, listed in sorted(members(dossiers, start, end, by).items())]


def unit_row(unit: str, n: dict[str, int], weights: dict[str, float], full_at: float) -> dict:
    """A report row from a unit's counts (``n``, by :data:`COLUMNS`); no weights, no points."""
    rates = {"dossier_rate": rate(n["digitised"], n["received"]),
                 "result_rate": rate(n["with_result"], n["results_required"]),
                 "reuse_rate": rate(n["reused"], n["received"])}
    return {"unit": unit, "received": n["received"], "digitised": n["digitised"],
            "dossier_rate": rates["dossier_rate"], "resolved": n["resolved"],
            "results_required": n["results_required"], "with_result": n["with_result"],
            "result_rate": rates["result_rate"], "reused": n["reused"],
            "reuse_rate": rates["reuse_rate"], "points": points(rates, weights, full_at),
            "naive_digitised": n["naive_digitised"],
            "naive_dossier_rate": rate(n["naive_digitised"], n["received"]),
            "not_digitised_reasons": {r: n[r] for r in REASONS if n[r]}}
