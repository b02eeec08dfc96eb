"""The digitisation indicators (Decision 766/QĐ-TTg's dossier-digitisation group), counted
from what is really digitised, beside what counting component rows would give.

A dossier is *digitised* when every required component of its procedure is present as a
document signed by the scanning official, archived (and found intact by its latest audit, when
one ran), with its minimum data (document-type code and owner ID, Circular 01/2023); a reused
component counts as present. One short of that is
not, and the report says which rule it missed. Thresholds and points are settings.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Counted:
    """What one dossier adds to the report: the counts of its receipt (``missed``, ``naive``,
    ``reused``) and of its resolution (``results_required``, ``with_result``)."""

    missed: str | None  # the first rule it misses (REASONS); None: digitised
    naive: bool  # it has a component row: what a naive count calls digitised
    reused: bool
    results_required: bool
    with_result: bool


def counted(facts: DossierFacts) -> Counted:
    record = facts.record
    return Counted(
        missed=not_digitised(facts), naive=bool(record and record.documents),
        reused=bool(facts.reused_components or (record and record.reused)),
        results_required=bool(facts.returns_result),
        with_result=bool(facts.returns_result and record and record.results))


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
