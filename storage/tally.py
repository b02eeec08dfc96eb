"""The digitisation report's tally: one row per dossier saying what it adds to each count
(:class:`~storage.tables.TallyRow`), rewritten in the same transaction as every change it is
computed from, so the report over a million dossiers is one ``GROUP BY`` instead of a million
records read and judged (issue 15: 60 s against a target of 2 to 5).

Writers call :func:`refresh` with the codes they changed: the archive (a dossier's record),
review (its events), the audit (its findings) and the ingest API (the one-stop system's
declaration and events). :func:`rebuild` recomputes every row (migration 0010, benchmarks).
"""

from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import and_, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pipeline.identifiers import VIETNAM, parse_dossier_code
from pipeline.indicators import COLUMNS, REASONS, DossierFacts, ancestry, counted, within
from pipeline.records import EventKind
from storage.tables import DossierRow, EventRow, SubmissionRow, TallyRow

BATCH = 5000


def facts(code: str, row: DossierRow | None, sent: SubmissionRow | None,
          findings: Iterable[str] = ()) -> DossierFacts:
    """A dossier as the report sees it, from the archive's row and the one-stop system's
    declaration (either may be missing, not both). One declared and never received counts
    as received and not digitised (``not_received``)."""
    if row is None:
        parsed = parse_dossier_code(code)  # the API refuses a declaration without a valid one
        agency, received_on, procedure = parsed.agency, parsed.received, sent.procedure
        record = None
    else:
        agency, received_on, procedure, record = row.agency, row.received_on, row.procedure, \
            row.record
    resolved = sent.outcome_at.astimezone(VIETNAM).date() \
        if sent and sent.outcome == "resolved" and sent.outcome_at else None
    return DossierFacts(
        code=code, agency=agency, procedure=procedure,
        received_on=received_on, record=record,
        reused_components=tuple(sent.reused_components or ()) if sent else (),
        returns_result=sent.returns_result if sent else None, resolved_on=resolved,
        audit_findings=tuple(findings))


def _values(of: DossierFacts) -> dict:
    n = counted(of)
    return {"code": of.code, "agency": of.agency, "procedure": of.procedure,
            "received_on": of.received_on, "received_month": f"{of.received_on:%Y-%m}",
            "resolved_on": of.resolved_on, "missed": n.missed, "naive": n.naive,
            "reused": n.reused, "results_required": n.results_required,
            "with_result": n.with_result}


def store(session: Session, rows: list[DossierFacts]) -> None:
    """Write the tally rows of ``rows``, replacing any earlier ones."""
    if not rows:
        return
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    insert = dialect.insert(TallyRow.__table__)
    upsert = insert.on_conflict_do_update(index_elements=["code"], set_={
        column.name: insert.excluded[column.name] for column in TallyRow.__table__.columns
        if column.name != "code"})
    session.connection().execute(upsert, [_values(f) for f in rows])  # one statement, many rows


def refresh(session: Session, codes: Iterable[str]) -> None:
    """Recompute the tally of ``codes`` inside the caller's transaction, after its changes.

    On PostgreSQL each code is first locked for the transaction, so two writers of one dossier
    (the archive and the ingest API) refresh one after the other, the second reading what the
    first committed; SQLite's transactions already run one at a time."""
    session.flush()
    codes = sorted(set(codes))
    postgres = session.get_bind().dialect.name == "postgresql"
    found = []
    for code in codes:
        if postgres:
            key = int.from_bytes(hashlib.sha256(f"tally:{code}".encode()).digest()[:8], "big",
                                 signed=True)
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
        row, sent = session.get(DossierRow, code), session.get(SubmissionRow, code)
        if row is None and sent is None:
            session.execute(delete(TallyRow).where(TallyRow.code == code))
            continue
        findings = session.scalar(select(EventRow.detail).where(
            EventRow.dossier_code == code, EventRow.kind == EventKind.AUDIT)
            .order_by(EventRow.id.desc()).limit(1))
        found.append(facts(code, row, sent, (findings or {}).get("findings", ())))
    store(session, found)


def rebuild(session: Session) -> int:
    """Recompute every dossier's tally (a new table, or a rule changed); how many rows.
    Streams the dossiers (with their declarations) in batches: a million fit in memory."""
    session.execute(delete(TallyRow))
    latest = select(func.max(EventRow.id)).where(EventRow.kind == EventKind.AUDIT) \
        .group_by(EventRow.dossier_code)
    audits = {code: detail.get("findings", []) for code, detail in session.execute(
        select(EventRow.dossier_code, EventRow.detail).where(EventRow.id.in_(latest)))}
    archived = session.execute(
        select(DossierRow, SubmissionRow).outerjoin(SubmissionRow, SubmissionRow.code ==
                                                    DossierRow.code)
        .where(DossierRow.received_on.is_not(None))  # none in a real catalogue
        .execution_options(yield_per=BATCH))
    declared = session.scalars(  # declared, never received
        select(SubmissionRow).where(~select(DossierRow.code).where(
            DossierRow.code == SubmissionRow.code).exists())
        .execution_options(yield_per=BATCH))
    judged = itertools.chain(
        (facts(row.code, row, sent, audits.get(row.code, ())) for row, sent in archived),
        (facts(sent.code, None, sent) for sent in declared))
    total = 0
    while batch := list(itertools.islice(judged, BATCH)):
        store(session, batch)
        total += len(batch)
    return total


def _conditions(start: date, end: date) -> dict:
    """Each report column as a condition on a tally row, for the period ``start``..``end``
    (receipt dates; resolution dates for the results)."""
    received = TallyRow.received_on.between(start, end)
    resolved = TallyRow.resolved_on.between(start, end)
    return {"received": received, "digitised": and_(received, TallyRow.missed.is_(None)),
            "naive_digitised": and_(received, TallyRow.naive),
            "reused": and_(received, TallyRow.reused),
            "resolved": resolved,
            "results_required": and_(resolved, TallyRow.results_required),
            "with_result": and_(resolved, TallyRow.with_result),
            **{reason: and_(received, TallyRow.missed == reason) for reason in REASONS}}


def _key(by: str):
    return {"agency": TallyRow.agency, "procedure": TallyRow.procedure,
            "month": TallyRow.received_month}[by]


def counts(session: Session, start: date, end: date, by: str, units: set[str] | None = None
           ) -> dict[str, dict[str, int]]:
    """Each unit's counts (by :data:`~pipeline.indicators.COLUMNS`) over the dossiers of
    ``units`` and the units under them (all when ``None``); by agency, a dossier counts for
    its unit and every unit above it."""
    return counts_by(session, start, end, [by], units)[by]


def counts_by(session: Session, start: date, end: date, bys: list[str],
              units: set[str] | None = None) -> dict[str, dict[str, dict[str, int]]]:
    """:func:`counts` for each grouping of ``bys`` from the same two ``GROUP BY`` (each over a
    covering index: the dossiers received in the period, and those resolved in it), grouped
    by agency and every other key asked for."""
    keys = [_key(by) for by in dict.fromkeys(bys) if by != "agency"]
    received = select(TallyRow.agency, *keys, TallyRow.missed, TallyRow.naive,
                      TallyRow.reused, func.count()) \
        .where(TallyRow.received_on.between(start, end)) \
        .group_by(TallyRow.agency, *keys, TallyRow.missed, TallyRow.naive, TallyRow.reused)
    resolved = select(TallyRow.agency, *keys, TallyRow.results_required,
                      TallyRow.with_result, func.count()) \
        .where(TallyRow.resolved_on.between(start, end)) \
        .group_by(TallyRow.agency, *keys, TallyRow.results_required, TallyRow.with_result)
    found = {by: defaultdict(lambda: dict.fromkeys(COLUMNS, 0)) for by in bys}
    others = [by for by in dict.fromkeys(bys) if by != "agency"]

    def add(agency: str, values: tuple, n: int, columns: list[str]) -> None:
        if units is not None and not within(agency, units):
            return
        for by in found:
            for unit in (ancestry(agency) if by == "agency" else [values[others.index(by)]]):
                for column in columns:
                    found[by][unit][column] += n

    for agency, *values, missed, naive, reused, n in session.execute(received):
        add(agency, tuple(values), n, ["received", missed or "digitised"]
            + ["naive_digitised"] * bool(naive) + ["reused"] * bool(reused))
    for agency, *values, required, with_result, n in session.execute(resolved):
        add(agency, tuple(values), n, ["resolved"] + ["results_required"] * bool(required)
            + ["with_result"] * bool(with_result))
    return {by: dict(units_found) for by, units_found in found.items()}


def codes(session: Session, start: date, end: date, by: str, unit: str, column: str,
          units: set[str] | None = None) -> list[str]:
    """The codes of the dossiers one count of the report is made of."""
    agencies = [a for a in session.scalars(select(TallyRow.agency).distinct())
                if (units is None or within(a, units)) and (by != "agency" or unit in ancestry(a))]
    query = select(TallyRow.code).where(_conditions(start, end)[column],
                                        TallyRow.agency.in_(agencies))
    if by != "agency":
        query = query.where(_key(by) == unit)
    return list(session.scalars(query.order_by(TallyRow.code)))
