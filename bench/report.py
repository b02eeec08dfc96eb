"""The digitisation report's time over many generated dossiers, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.report [--dossiers 1000000]

The target (issue 15): one million dossiers over 60 agencies and 24 months, the report by
agency and by month in < 2 s on PostgreSQL and < 5 s on SQLite. Each database is filled with
archived dossiers (records made from the recorded contract's, some missing a component,
unsigned or without data), the one-stop system's declarations (reused components, outcomes,
results required) and declared dossiers that never arrived; the tally is then computed by
``storage.tally.rebuild`` (what migration 0010 does to an existing catalogue: timed too), and
each report is timed three times (the best and the slowest are printed).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import text

from bench.postgres import throwaway_cluster
from pipeline.api.reports import digitisation_report
from pipeline.settings import Settings
from storage import tally
from storage.catalogue import Catalogue
from storage.tables import DossierRow, SubmissionRow

TEMPLATE = Path(__file__).parents[1] / "tests" / "data" / "contracts" / "manifest.json"
AGENCIES = [f"000.00.{d:02d}.H56" for d in range(1, 11)] + [
    f"000.{s:02d}.{d:02d}.H56" for d in range(1, 11) for s in range(1, 6)]  # 10 + 50 units
PROCEDURES = ["2.000488", "1.001193", "1.000894", "1.001612"]
FIRST, DAYS = date(2023, 1, 1), 731  # 24 months
BATCH = 5000


def _records() -> dict[str, dict]:
    """The kinds of record a province's archive holds, from one recorded for real (its
    fields' values dropped: the report never reads them)."""
    whole = json.loads(TEMPLATE.read_text())["result"]
    for document in whole["documents"] + whole["results"]:
        document["fields"] = {}
    whole["problems"], whole["reusable"] = [], []
    unsigned = json.loads(json.dumps(whole))
    unsigned["documents"][0]["signer"] = ""
    return {"complete": whole, "unsigned": unsigned,
            "missing": {**whole, "documents": whole["documents"][:1], "results": [],
                        "missing_components": [whole["documents"][1]["component"]]},
            "no_data": {**whole, "owner_id": None},
            "no_result": {**whole, "results": []}}


def _rows(count: int, seed: int):
    rng, kinds, now = random.Random(seed), _records(), datetime.now(timezone.utc)
    for number in range(count):
        agency = AGENCIES[number % len(AGENCIES)]
        received = FIRST + timedelta(days=number % DAYS)  # 60 and 731 share no factor, so
        sequence = number // (len(AGENCIES) * DAYS)  # each (agency, day) comes back in turn
        code = f"{agency}-{received:%y%m%d}-{sequence + 1:04d}"  # unique to 400 million
        procedure = rng.choice(PROCEDURES)
        kind = rng.choices(list(kinds) + ["never"], [70, 8, 8, 4, 5, 5])[0]
        resolved = rng.random() < 0.6
        sent = {"code": code, "agency": agency, "procedure": procedure, "owner_id": None,
                "components": [], "client": "motcua", "status": "registered",
                "created_at": now, "updated_at": now, "channel": rng.choice(["counter", "online"]),
                "returns_result": rng.random() < 0.5,
                "reused_components": ["GIAY_TO_TUY_THAN"] if rng.random() < 0.3 else None,
                "outcome": "resolved" if resolved else None,
                "outcome_at": datetime.combine(received + timedelta(days=rng.randrange(15)),
                                               datetime.min.time(), timezone.utc)
                if resolved else None}
        dossier = None if kind == "never" else {
            "code": code, "agency": agency, "procedure": procedure, "received_on": received,
            "status": "digitised", "originals_digest": "0" * 64, "manifest_key": "m",
            "result": {**kinds[kind], "dossier": code, "procedure": procedure},
            "updated_at": now}
        yield dossier, sent


def fill(catalogue: Catalogue, count: int, seed: int = 15) -> float:
    """Fill the catalogue, then compute the tally; the seconds the tally took."""
    dossiers, sent = [], []
    with catalogue.engine.begin() as connection:
        for dossier, declared in _rows(count, seed):
            if dossier:
                dossiers.append(dossier)
            sent.append(declared)
            if len(sent) == BATCH:
                connection.execute(DossierRow.__table__.insert(), dossiers) if dossiers else None
                connection.execute(SubmissionRow.__table__.insert(), sent)
                dossiers, sent = [], []
        if sent:
            connection.execute(DossierRow.__table__.insert(), dossiers) if dossiers else None
            connection.execute(SubmissionRow.__table__.insert(), sent)
    start = time.perf_counter()
    with catalogue.writing() as session:
        assert tally.rebuild(session) == count
    seconds = time.perf_counter() - start
    with catalogue.engine.begin() as connection:  # statistics, as autovacuum keeps them
        connection.execute(text("ANALYZE"))
    return seconds


def measure(url: str, count: int) -> dict[str, str]:
    catalogue = Catalogue(url)
    try:
        timings = {"tally": f"{fill(catalogue, count):.0f}"}
        for by in ("agency", "month"):
            runs = []
            for _ in range(3):
                start = time.perf_counter()
                out = digitisation_report(catalogue, Settings(), FIRST,
                                          FIRST + timedelta(days=DAYS - 1), by)
                runs.append(time.perf_counter() - start)
            if by == "month":  # every generated dossier falls in the period, counted once
                assert sum(u["received"] for u in out["units"]) == count
                assert len(out["units"]) == 24
            else:
                assert len(out["units"]) == len(AGENCIES) + 1  # and the province
            timings[by] = f"{min(runs):.2f}-{max(runs):.2f}"
        return timings
    finally:
        catalogue.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-report-") as tmp:
        results["SQLite"] = measure(f"sqlite:///{Path(tmp) / 'c.sqlite'}", args.dossiers)
    with throwaway_cluster() as url:
        results["PostgreSQL"] = measure(url, args.dossiers)
    print(f"{args.dossiers:,} dossiers over {len(AGENCIES)} agencies and 24 months; seconds "
          "per report, best-slowest of 3 (target: < 5 SQLite, < 2 PostgreSQL)")
    for db, timings in results.items():
        print(f"{db:12}  by agency: {timings['agency']}  by month: {timings['month']}"
              f"  (tally computed from scratch: {timings['tally']} s)")


if __name__ == "__main__":
    main()
