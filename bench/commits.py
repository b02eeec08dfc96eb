"""The ingest API's catalogue writes alone, from many threads: grouped commits against one
transaction per write (the peer), in one run, on one fresh SQLite file each.

    .venv/bin/python -m bench.commits [--uploads 2000] [--threads 40] [--per-dossier 10]

Each upload is what a request and its storer write: the upload's row (``add_upload``), its S3
key once stored (``stored``), and for a dossier's first file its status (``change_status``).
``--threads`` callers at once, as uvicorn's thread pool runs requests. Prints writes per
second, per-write latency percentiles and commits (each one a sync of the write-ahead log) for
both, and the ratio. No S3, no HTTP: what the writes cost, apart from the rest of the load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from contextlib import nullcontext
from pathlib import Path

from sqlalchemy import event

from storage.catalogue import Catalogue
from storage.ingest import Ingest, UploadRow
from storage.tables import SubmissionRow

AGENCY = "000.00.06.H56"


def _run(path: Path, uploads: int, threads: int, per_dossier: int, grouped: bool) -> dict:
    catalogue = Catalogue(f"sqlite:///{path}")
    ingest, commits = Ingest(catalogue), []
    event.listen(catalogue.engine, "commit", lambda _c: commits.append(1))
    codes = [f"{AGENCY}-231027-{n:04d}" for n in range(1, uploads // per_dossier + 2)]
    for code in codes:
        ingest.save_submission(SubmissionRow(code=code, agency=AGENCY, procedure="2.000488",
                                             components=[], client="bench", status="registered"))
    commits.clear()
    latencies, lock, turn = [], threading.Lock(), iter(range(uploads))

    def timed(call, *args) -> None:
        start = time.perf_counter()
        call(*args)
        with lock:
            latencies.append(time.perf_counter() - start)

    def caller() -> None:
        for n in turn:  # next() on a shared iterator: one number per upload, across threads
            code = codes[n // per_dossier]
            row = UploadRow(dossier_code=code, kind="component", sha256=f"{n:064x}",
                            filename=f"{n}.jpg", size=1_000_000, path=f"/spool/{n}.jpg")
            timed(ingest.add_upload, row)
            if n % per_dossier == 0:
                timed(ingest.change_status, code, "received")
            timed(ingest.stored, row.id, f"originals/{n}.jpg")

    start = time.perf_counter()
    with catalogue.grouped() if grouped else nullcontext():
        workers = [threading.Thread(target=caller) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    seconds = time.perf_counter() - start
    stored = sum(1 for code in codes for u in ingest.uploads(code) if u.object_key)
    catalogue.dispose()
    cuts = statistics.quantiles(latencies, n=100)
    return {"writes": len(latencies), "seconds": seconds, "commits": len(commits),
            "p50": cuts[49] * 1000, "p99": cuts[98] * 1000, "stored": stored}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=40)
    parser.add_argument("--per-dossier", type=int, default=10)
    args = parser.parse_args()
    print(f"{args.uploads} uploads' catalogue writes from {args.threads} threads, SQLite "
          f"(synchronous=FULL), {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-commits-") as tmp:
        figures = {}
        for name, grouped in (("one commit per write", False), ("grouped commits", True)):
            f = figures[name] = _run(Path(tmp) / f"{grouped}.sqlite", args.uploads,
                                     args.threads, args.per_dossier, grouped)
            print(f"  {name:22} {f['writes'] / f['seconds']:7.0f} writes/s, {f['commits']:5} "
                  f"commits, latency ms p50 {f['p50']:6.1f} p99 {f['p99']:6.1f}; "
                  f"{f['stored']}/{args.uploads} stored keys read back")
    alone, grouped = figures["one commit per write"], figures["grouped commits"]
    print(f"  grouped / one per write: {alone['seconds'] / grouped['seconds']:.2f}x the writes "
          f"per second, p99 {grouped['p99'] / alone['p99']:.2f}x")


if __name__ == "__main__":
    main()
