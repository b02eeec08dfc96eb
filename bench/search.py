"""Search latency at scale: generated dossiers in the catalogue, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.search [--dossiers 100000] [--runs 20]

Fills a fresh catalogue on each database (through its migrations, so with its own search
index) with dossiers of two documents each, then gathers the planner's statistics (ANALYZE,
as autovacuum does in service): folded text with varied Vietnamese names, ID
numbers, addresses and the procedure's words. Then times ``Catalogue.search`` for the queries
archivists make (a name without diacritics, an ID number, a dossier code, a procedure and date
range with a name) and prints the median and the slowest of ``--runs`` runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import text

from bench.dossier_corpus import random_person
from bench.postgres import throwaway_cluster
from pipeline.text import fold
from storage.catalogue import Catalogue
from storage.tables import DocumentRow, DossierRow

PROCEDURES = ["2.000488", "1.001193", "1.000894", "1.001612"]
BATCH = 5000


def _record(code: str, procedure: str) -> dict:
    """A dossier record as the archive keeps it (none of its keys is searched)."""
    return {"dossier": code, "procedure": procedure, "status": "digitised", "owner_id": None,
            "missing_components": [], "documents": [], "problems": [], "originals": [],
            "manifest": f"s3://sohoa-archive/{code}/manifest.json"}


def _rows(count: int, seed: int):
    rng = random.Random(seed)
    start = date(2023, 1, 1)
    for number in range(count):
        person = random_person(rng)
        received = start + timedelta(days=number % 700)
        code = f"000.00.06.H56-{received:%y%m%d}-{number // 700 + 1:04d}"  # unique to 7 M
        procedure = PROCEDURES[number % len(PROCEDURES)]
        dossier = {"code": code, "agency": "000.00.06.H56", "procedure": procedure,
                   "received_on": received, "status": "digitised", "originals_digest": "0" * 64,
                   "manifest_key": f"{code}/manifest.json", "result": _record(code, procedure),
                   "updated_at": datetime.now(timezone.utc)}
        documents = [{"dossier_code": code, "order": order, "component": component,
                      "pages": 1, "object_key": f"{code}.{order:02d}.pdf", "sha256": "0" * 64,
                      "ocr_key": f"{code}.{order:02d}.ocr.json", "fields": {}, "text": "",
                      "digitisation_code": f"{person.id_number}.{procedure}.{component}.{number}",
                      "search_text": fold(f"{text} {person.full_name} {person.id_number} "
                                          f"{person.address} {person.date_of_birth} {code}")}
                     for order, component, text in (
                         (1, "TO_KHAI", "to khai de nghi cap giay ho so thu tuc hanh chinh"),
                         (2, "GIAY_TO_TUY_THAN", "can cuoc cong dan so dinh danh ca nhan"))]
        yield dossier, documents, person


def _fill(catalogue: Catalogue, count: int, seed: int) -> list:
    people, dossiers, documents = [], [], []
    with catalogue.engine.begin() as connection:
        for dossier, docs, person in _rows(count, seed):
            dossiers.append(dossier)
            documents += docs
            if len(people) < 50:
                people.append((person, dossier["code"], dossier["procedure"]))
            if len(dossiers) == BATCH:
                connection.execute(DossierRow.__table__.insert(), dossiers)
                connection.execute(DocumentRow.__table__.insert(), documents)
                dossiers, documents = [], []
        if dossiers:
            connection.execute(DossierRow.__table__.insert(), dossiers)
            connection.execute(DocumentRow.__table__.insert(), documents)
    with catalogue.engine.begin() as connection:  # statistics, as autovacuum keeps them in service
        connection.execute(text("ANALYZE"))
    return people


def _time(run, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def measure(url: str, count: int, runs: int, seed: int) -> dict[str, tuple[float, float]]:
    catalogue = Catalogue(url)
    start = time.perf_counter()
    people = _fill(catalogue, count, seed)
    filled = time.perf_counter() - start
    person, code, procedure = people[7]
    queries = {
        "name, no diacritics": lambda: catalogue.search(fold(person.full_name).split()),
        "ID number": lambda: catalogue.search([person.id_number]),
        "dossier code": lambda: catalogue.search([], dossier=code),
        "procedure + dates + name": lambda: catalogue.search(
            fold(person.full_name).split()[-1:], procedure=procedure,
            received_from=date(2023, 3, 1), received_to=date(2023, 6, 30)),
    }
    results = {name: _time(run, runs) for name, run in queries.items()}
    assert catalogue.search(fold(person.full_name).split()), "the known name must be found"
    catalogue.dispose()
    print(f"  filled {count:,} dossiers in {filled:.0f} s", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    columns = {}
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-search-") as tmp:
        print("SQLite (FTS5):", flush=True)
        columns["SQLite"] = measure(f"sqlite:///{Path(tmp) / 'c.sqlite'}", args.dossiers,
                                    args.runs, args.seed)
    with throwaway_cluster() as url:
        print("PostgreSQL (GIN):", flush=True)
        columns["PostgreSQL"] = measure(url, args.dossiers, args.runs, args.seed)
    print(f"\n{args.dossiers:,} dossiers, {2 * args.dossiers:,} documents; ms over {args.runs} runs")
    print(f"{'query':28}" + "".join(f"{db + ' median':>20}{'max':>8}" for db in columns))
    for query in next(iter(columns.values())):
        print(f"{query:28}" + "".join(f"{columns[db][query][0]:>20.1f}{columns[db][query][1]:>8.1f}"
                                      for db in columns))


if __name__ == "__main__":
    main()
