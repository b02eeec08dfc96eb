"""The digitisation indicators (Decision 766/QĐ-TTg's dossier-digitisation group), counted
from what is really digitised, beside what counting component rows would give.

A dossier is *digitised* when every required component of its procedure is present as a
document signed by the scanning official, archived, with its minimum data (document-type code
and owner ID, Circular 01/2023); a reused component counts as present. One short of that is
not, and the report says which rule it missed. Thresholds and points are settings.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from pipeline.records import DossierRecord

REASONS = ("not_received", "missing_component", "unsigned", "no_data")


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
    return None


def parent_agency(code: str) -> str | None:
    """The unit above ``code``: its most specific non-zero group set to zeros (``001.02.06.H56``
    → ``000.02.06.H56`` → … → ``000.00.00.H56``, the province, which has none)."""
    groups = code.split(".")
    for index, group in enumerate(groups[:-1]):
        if group.strip("0"):
            return ".".join(groups[:index] + ["0" * len(group)] + groups[index + 1:])
    return None


def _units(facts: DossierFacts, by: str) -> list[str]:
    if by == "procedure":
        return [facts.procedure]
    if by == "month":
        return [f"{facts.received_on:%Y-%m}"]
    units, agency = [], facts.agency
    while agency is not None:  # a dossier counts for its unit and every unit above it
        units.append(agency)
        agency = parent_agency(agency)
    return units


@dataclass
class _Tally:
    received: int = 0
    digitised: int = 0
    naive: int = 0
    reused: int = 0
    resolved: int = 0
    results_required: int = 0
    with_result: int = 0
    reasons: Counter = field(default_factory=Counter)


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
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for facts in dossiers:
        received = start <= facts.received_on <= end
        resolved = facts.resolved_on is not None and start <= facts.resolved_on <= end
        if not (received or resolved):
            continue
        missed = not_digitised(facts)
        for unit in _units(facts, by):
            tally = tallies[unit]
            if received:
                tally.received += 1
                tally.digitised += missed is None
                tally.naive += bool(facts.record and facts.record.documents)
                tally.reused += bool(facts.reused_components
                                     or (facts.record and facts.record.reused))
                if missed:
                    tally.reasons[missed] += 1
            if resolved:
                tally.resolved += 1
                if facts.returns_result:
                    tally.results_required += 1
                    tally.with_result += bool(facts.record and facts.record.results)
    rows = []
    for unit in sorted(tallies):
        t = tallies[unit]
        rates = {"dossier_rate": rate(t.digitised, t.received),
                 "result_rate": rate(t.with_result, t.results_required),
                 "reuse_rate": rate(t.reused, t.received)}
        rows.append({"unit": unit, "received": t.received, "digitised": t.digitised,
                     "dossier_rate": rates["dossier_rate"], "resolved": t.resolved,
                     "results_required": t.results_required, "with_result": t.with_result,
                     "result_rate": rates["result_rate"], "reused": t.reused,
                     "reuse_rate": rates["reuse_rate"],
                     "points": points(rates, weights, full_at),
                     "naive_digitised": t.naive, "naive_dossier_rate": rate(t.naive, t.received),
                     "not_digitised_reasons": {r: t.reasons[r] for r in REASONS
                                               if t.reasons[r]}})
    return rows
