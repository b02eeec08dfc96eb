"""The digitisation report's time over many generated dossiers, on SQLite and PostgreSQL.

The target (issue 15) is one million dossiers over 60 agencies and 24 months in < 2 s on
PostgreSQL and < 5 s on SQLite. The dossiers are the search benchmark's (generated rows, each
with its record); the report is timed by agency and by month.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.postgres import throwaway_cluster
from bench.search import _fill
from pipeline.api.ingest import Ingest
from pipeline.api.reports import digitisation_report
from pipeline.settings import Settings
from storage.catalogue import Catalogue


def measure(url: str, count: int) -> dict[str, float]:
    catalogue = Catalogue(url)
    try:
        _fill(catalogue, count, seed=5)
        ingest, settings, timings = Ingest(catalogue), Settings(), {}
        for by in ("agency", "month"):
            start = time.perf_counter()
            out = digitisation_report(catalogue, ingest, settings, date(2023, 1, 1),
                                      date(2024, 12, 31), by)
            timings[by] = time.perf_counter() - start
            if by == "month":  # every generated dossier falls in the period, counted once
                assert sum(u["received"] for u in out["units"]) == count
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
    print(f"{args.dossiers:,} dossiers; seconds per report (target: < 5 SQLite, < 2 PostgreSQL)")
    for db, timings in results.items():
        print(f"{db:12}" + "".join(f"  by {by}: {seconds:.2f}" for by, seconds in timings.items()))


if __name__ == "__main__":
    main()
