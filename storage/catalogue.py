"""The catalogue: one row per dossier, document and original file (SQLAlchemy; SQLite by default,
PostgreSQL for scale; its schema is kept by the Alembic migrations in ``storage.migrations``).

A dossier and everything under it is written in one transaction, after its objects are in S3,
so a reader never sees a half-written dossier.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (Integer, Select, column, create_engine, event, false, func, or_, select,
                        table, text)
from sqlalchemy.orm import Session

from pipeline.errors import UnknownDossier
from pipeline.model import Severity
from pipeline.records import DossierRecord, EventKind, Status
from pipeline.text import fold
from storage import tally
from storage.group_commit import GroupCommit
from storage.migrations import migrate
from storage.tables import DocumentRow, DossierRow, EventRow, PendingRow, SubmissionRow, utc_now


def search_text(text: str, values: list[str], dossier: str, digitisation_code: str | None) -> str:
    """What search matches for a document: its text, field values and codes, folded."""
    return fold(" ".join([text, *values, dossier, digitisation_code or ""]))


def under(column, units: list[str]):
    """``column`` (an agency code) is one of ``units`` or under one: the groups a unit leaves at
    zero, from the left, are any (``000.00.06.H56`` holds ``___.__.06.H56``)."""
    patterns = []
    for unit in units:
        groups = unit.split(".")
        zeros = next((i for i, g in enumerate(groups[:-1]) if g.strip("0")), len(groups) - 1)
        patterns.append(".".join(["_" * len(g) for g in groups[:zeros]] + groups[zeros:]))
    return or_(*(column.like(p) for p in patterns)) if patterns else false()


T = TypeVar("T")

_FTS = table("documents_fts", column("rowid", Integer), column("documents_fts"))
"""SQLite's FTS5 index of ``documents.search_text`` (made by migration 0003)."""


def _sqlite_wal(connection, _record) -> None:
    """Write-ahead log: a commit costs one sync, still durable (``synchronous=FULL``); busy
    writers wait (30 s) instead of failing at once. Transactions are begun by :func:`_immediate`,
    not by the driver."""
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_reader(connection, record) -> None:
    """A reading connection: WAL like the others, and refusing writes (a write begun by a
    deferred transaction would fail at once whenever another process committed meanwhile)."""
    _sqlite_wal(connection, record)
    connection.execute("PRAGMA query_only=ON")


def _immediate(connection) -> None:
    """Every writing transaction takes SQLite's write lock when it begins: one that read first
    and wrote later would fail at once ("database is locked", no waiting) whenever another
    process committed in between; this way it waits its turn instead."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _deferred(connection) -> None:
    """A reading transaction reads one snapshot of the write-ahead log and takes no lock, so
    requests never queue behind a worker's writes."""
    connection.exec_driver_sql("BEGIN")


class Catalogue:
    def __init__(self, url: str):
        self.engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_wal)
            event.listen(self.engine, "begin", _immediate)
            self.reader = create_engine(url)
            event.listen(self.reader, "connect", _sqlite_reader)
            event.listen(self.reader, "begin", _deferred)
            self.writers = threading.RLock()
        else:
            self.reader = self.engine.execution_options(postgresql_readonly=True)
            self.writers = nullcontext()
        self.group: GroupCommit | None = None
        migrate(self.engine)

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session in one transaction, committed at the end (rolled back on an error). On
        SQLite a process's writers first take turns on a lock of its own, woken in order:
        SQLite's own wait for its lock polls with sleeps of up to 100 ms, seconds for a request
        among many writing threads."""
        with self.writers, Session(self.engine, expire_on_commit=False) as session, \
                session.begin():
            yield session

    def write(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in a writing transaction: the next group commit's, while this
        process groups them (:meth:`grouped`), else one of its own."""
        group = self.group
        if group is None:
            with self.writing() as session:
                return work(session)
        return group.write(work)

    @contextmanager
    def grouped(self) -> Iterator[None]:
        """While inside, :meth:`write` commits in groups (SQLite: one sync for many requests'
        writes, see ``storage.group_commit``); on PostgreSQL, which groups its own syncs and
        whose writers do not take turns, nothing changes."""
        if self.engine.dialect.name != "sqlite":
            yield
            return
        self.group = GroupCommit(self.writing)
        self.group.start()
        try:
            yield
        finally:
            group, self.group = self.group, None
            group.stop()

    def reading(self) -> Session:
        """A session that only reads: on SQLite it waits for no writer and no writer waits
        for it."""
        return Session(self.reader, expire_on_commit=False)

    @contextmanager
    def locked(self, names: list[str], wait: bool = True) -> Iterator[bool]:
        """Hold named locks shared by every process using this catalogue (taken in one order,
        so two holders never wait on each other): a file lock beside a SQLite file, advisory
        locks on PostgreSQL. Archiving takes its dossier's and its owner's, so two processes
        never give one number to two documents nor write one dossier twice. With ``wait``
        false, yields False at once if another holds one (and holds none)."""
        with ExitStack() as stack:
            for name in sorted(set(names)):
                if not self._lock(stack, name, wait):
                    stack.close()
                    yield False
                    return
            yield True

    def _lock(self, stack: ExitStack, name: str, wait: bool) -> bool:
        digest = hashlib.sha256(name.encode()).digest()
        if self.engine.dialect.name == "postgresql":
            connection = stack.enter_context(self.engine.connect())
            key = int.from_bytes(digest[:8], "big", signed=True)
            call = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
            got = connection.execute(text(f"SELECT {call}(:k)"), {"k": key}).scalar()
            connection.commit()
            if got is False:
                return False
            stack.callback(connection.execute, text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            return True
        if self.engine.url.database in (None, "", ":memory:"):
            return True  # one process only
        folder = Path(f"{self.engine.url.database}.locks")
        folder.mkdir(exist_ok=True)
        fd = stack.enter_context(open(folder / digest.hex()[:32], "a+"))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return False
        return True

    def find(self, code: str) -> DossierRow | None:
        with self.reading() as session:
            row = session.get(DossierRow, code)
            if row is not None:
                _ = row.documents, row.originals  # load before the session closes
            return row

    def dossier(self, code: str) -> DossierRow:
        """The archived dossier ``code``; ``UnknownDossier`` when there is none."""
        row = self.find(code)
        if row is None:
            raise UnknownDossier(dossier=code)
        return row

    def begin_upload(self, dossier: str, at: datetime, run: str) -> None:
        """Note that ``dossier``'s objects are being uploaded by ``run`` (before the first one is)."""
        with self.writing() as session:
            session.merge(PendingRow(dossier_code=dossier, started_at=at, run=run))

    def pending(self) -> list[PendingRow]:
        with self.reading() as session:
            return list(session.scalars(select(PendingRow).order_by(PendingRow.started_at)))

    def replace(self, dossier: DossierRow) -> None:
        """Write the dossier and its documents and originals, replacing any earlier record, and
        end its pending upload, in one transaction."""
        with self.writing() as session:
            old = session.get(DossierRow, dossier.code)
            if old is not None:
                session.delete(old)
                session.flush()
            session.add(dossier)
            pending = session.get(PendingRow, dossier.code)
            if pending is not None:
                session.delete(pending)
            tally.refresh(session, [dossier.code])

    def add_result(self, dossier: str, document: DocumentRow, record: DossierRecord) -> None:
        """Add an issued result's document to a dossier with its updated record, and end its
        pending upload, in one transaction."""
        with self.writing() as session:
            row = session.get(DossierRow, dossier)
            row.documents.append(document)
            row.record, row.updated_at = record, utc_now()
            pending = session.get(PendingRow, dossier)
            if pending is not None:
                session.delete(pending)
            tally.refresh(session, [dossier])

    def digitisation_numbers(self, prefix: str) -> dict[str, list[int]]:
        """The NN of every code starting ``prefix``, by dossier (ascending)."""
        with self.reading() as session:
            rows = session.execute(select(DocumentRow.dossier_code, DocumentRow.digitisation_code)
                                   .where(DocumentRow.digitisation_code.startswith(
                                       prefix, autoescape=True)))
            found: dict[str, list[int]] = {}
            for dossier, code in rows:
                if code[len(prefix):].isdigit():
                    found.setdefault(dossier, []).append(int(code[len(prefix):]))
            return {dossier: sorted(numbers) for dossier, numbers in found.items()}

    def needing_review(self) -> list[dict[str, Any]]:
        """Dossiers waiting for a person, oldest first, with what each needs
        (``sohoa review list --json``)."""
        return [{"dossier": row.code, "procedure": row.procedure,
                 "updated_at": row.updated_at.isoformat(),
                 "missing_components": row.record.missing_components,
                 "problems": [asdict(p) for p in row.record.problems
                              if p.severity == Severity.REVIEW]}
                for row in self.with_status(Status.NEEDS_REVIEW)]

    def with_status(self, status: str) -> list[DossierRow]:
        with self.reading() as session:
            return list(session.scalars(select(DossierRow).where(DossierRow.status == status)
                                        .order_by(DossierRow.updated_at)))

    def queue(self, agencies: list[str], status: str, since: datetime | None, limit: int,
              among: Select | None = None) -> tuple[int, list[DossierRow]]:
        """The dossiers of ``agencies`` (and their units) in ``status`` (updated since ``since``;
        whose codes ``among`` selects): how many, and the newest ``limit`` (the desk)."""
        where = [under(DossierRow.agency, agencies), DossierRow.status == status]
        if since is not None:
            where.append(DossierRow.updated_at >= since)
        if among is not None:
            where.append(DossierRow.code.in_(among))
        with self.reading() as session:
            count = session.scalar(select(func.count()).select_from(DossierRow).where(*where))
            rows = list(session.scalars(select(DossierRow).where(*where)
                                        .order_by(DossierRow.updated_at.desc()).limit(limit)))
            return count or 0, rows

    def declared(self, agencies: list[str], statuses: list[str], limit: int,
                 among: Select | None = None) -> tuple[int, list[SubmissionRow]]:
        """The one-stop system's dossiers of ``agencies`` in ``statuses`` (not yet archived, or
        being processed; whose codes ``among`` selects): how many, and the oldest ``limit``,
        first come first served."""
        where = [under(SubmissionRow.agency, agencies), SubmissionRow.status.in_(statuses)]
        if among is not None:
            where.append(SubmissionRow.code.in_(among))
        with self.reading() as session:
            count = session.scalar(select(func.count()).select_from(SubmissionRow).where(*where))
            rows = list(session.scalars(select(SubmissionRow).where(*where)
                                        .order_by(SubmissionRow.created_at).limit(limit)))
            return count or 0, rows

    def add_event(self, dossier: str, kind: EventKind, by: str, detail: dict[str, Any],
                  record: DossierRecord | None = None) -> EventRow:
        """Add an event and, in the same transaction, the dossier's updated record."""
        with self.writing() as session:
            event = EventRow(dossier_code=dossier, kind=kind, by=by, detail=detail)
            session.add(event)
            if record is not None:
                row = session.get(DossierRow, dossier)
                row.record, row.status, row.updated_at = record, record.status, utc_now()
                for document in row.documents:
                    if document.kind == "result":
                        continue
                    match = record.document(document.order)
                    document.fields = {k: v.to_json() for k, v in match.fields.items()}
                    document.sha256 = match.sha256
                    document.search_text = search_text(
                        document.text, [v.value for v in match.fields.values()],
                        dossier, document.digitisation_code)
                tally.refresh(session, [dossier])
            return event

    def reusable(self, owner_id: str, components: list[str], since: datetime, other_than: str
                 ) -> list[tuple[DocumentRow, DossierRow]]:
        """The owner's documents of ``components`` in digitised dossiers updated since ``since``,
        newest first."""
        with self.reading() as session:
            rows = session.execute(
                select(DocumentRow, DossierRow).join(DossierRow)
                .where(DocumentRow.component.in_(components),
                       DocumentRow.digitisation_code.startswith(f"{owner_id}.", autoescape=True),
                       DossierRow.status == Status.DIGITISED, DossierRow.updated_at >= since,
                       DossierRow.code != other_than)
                .order_by(DossierRow.updated_at.desc()))
            return [(document, dossier) for document, dossier in rows]

    def search(self, folded_terms: list[str], *, dossier: str | None = None,
               procedure: str | None = None, agency: str | None = None,
               agencies: list[str] | None = None,
               received_from: date | None = None, received_to: date | None = None,
               order: str = "newest", limit: int = 50, offset: int = 0
               ) -> list[tuple[DocumentRow, DossierRow]]:
        """Documents whose folded text holds every term, filtered (``agencies``: those units and
        the units under them), newest dossiers first (``order``: also ``oldest``, ``code``)."""
        query = select(DocumentRow, DossierRow).join(DossierRow)
        if folded_terms:
            if self.engine.dialect.name == "sqlite":
                match = " ".join(f'"{t}"' for t in folded_terms)
                query = query.join(_FTS, _FTS.c.rowid == DocumentRow.id).where(
                    _FTS.c.documents_fts.op("MATCH")(match))
            else:
                query = query.where(func.to_tsvector("simple", DocumentRow.search_text).op("@@")(
                    func.plainto_tsquery("simple", " ".join(folded_terms))))
        for attribute, value in ((DossierRow.code, dossier), (DossierRow.procedure, procedure),
                                 (DossierRow.agency, agency)):
            if value:
                query = query.where(attribute == value)
        if agencies is not None:
            query = query.where(under(DossierRow.agency, agencies))
        if received_from:
            query = query.where(DossierRow.received_on >= received_from)
        if received_to:
            query = query.where(DossierRow.received_on <= received_to)
        first = {"newest": [DossierRow.received_on.desc(), DossierRow.code.desc()],
                 "oldest": [DossierRow.received_on, DossierRow.code],
                 "code": [DossierRow.code]}[order]
        query = query.order_by(*first, DocumentRow.kind, DocumentRow.order) \
            .limit(limit).offset(offset)
        with self.reading() as session:
            return [(document, row) for document, row in session.execute(query)]

    def events(self, dossier: str, kind: str | None = None) -> list[EventRow]:
        with self.reading() as session:
            query = select(EventRow).where(EventRow.dossier_code == dossier)
            if kind:
                query = query.where(EventRow.kind == kind)
            return list(session.scalars(query.order_by(EventRow.id)))

    def by_lookup(self, token: str) -> tuple[DocumentRow, DossierRow] | None:
        """The issued result whose QR code carries ``token``, and its dossier."""
        with self.reading() as session:
            found = session.execute(select(DocumentRow, DossierRow).join(DossierRow)
                                    .where(DocumentRow.lookup_token == token)).first()
            return (found[0], found[1]) if found else None

    def add_audits(self, found: dict[str, list[str]], by: str = "sohoa audit") -> None:
        """What an audit found in each dossier it read (an empty list: nothing), one event each,
        in one transaction."""
        with self.writing() as session:
            session.add_all(EventRow(dossier_code=code, kind=EventKind.AUDIT, by=by,
                                     detail={"findings": problems})
                            for code, problems in found.items())
            tally.refresh(session, found)

    def received_since(self, since: date | None) -> list[DossierRow]:
        """Dossiers received on or after ``since`` (all when ``None``), with their rows loaded."""
        query = select(DossierRow).order_by(DossierRow.code)
        if since:
            query = query.where(DossierRow.received_on >= since)
        with self.reading() as session:
            rows = list(session.scalars(query))
            for row in rows:
                _ = row.documents, row.originals
            return rows

    def codes(self) -> list[str]:
        with self.reading() as session:
            return list(session.scalars(select(DossierRow.code).order_by(DossierRow.code)))

    def dispose(self) -> None:
        self.engine.dispose()
        self.reader.dispose()
