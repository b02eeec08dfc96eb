"""Scaling over Prefect workers: dossiers per hour with 1 worker and with 2, each pinned to a
core of its own, in one run; the API's latency under load meanwhile; peak memory per worker.

    .venv/bin/python -m bench.scale [--dossiers 8] [--pages 5] [--rate 50] [--seconds 20]

A fresh home (local SeaweedFS, SQLite catalogue) and a Prefect server with its services
(temporary home, UI and analytics off); ``sohoa serve`` with ``PREFECT_API_URL`` set, so it
only receives and submits; ``sohoa deploy``; then ``sohoa worker --limit 1`` processes, each
pinned with ``sched_setaffinity`` to one core and at nice 10 (its runs inherit both; the API,
the servers and this load generator share the same cores). For 1 and then 2 workers,
``--dossiers`` dossiers of ``--pages`` distinct scanned pages each (no page cache hits) are
sent at once; the time from the first upload to the last dossier digitised gives dossiers per
hour. Each worker's memory is its process and its runs' processes together, sampled every
0.2 s; the CPU seconds per dossier of the workers, the API, the Prefect server and SeaweedFS
show where the second core went. With the two workers busy on another round, uploads of 1 MB
pages are sent at ``--rate`` per second for ``--seconds`` (``bench.ingest``'s open loop):
latency percentiles, and every upload answered 202 must be listed by the API (none lost).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import psutil

from bench.ingest import AGENCY, _free_port, _load, _page
from pipeline.samples import SAMPLE_PERSON, id_card_copy, judicial_record_form, scan_look
from storage.supervisor import end_process

BIN = Path(sys.executable).parent
DONE = ("digitised", "needs_review", "rejected", "failed")


def _pages(count: int, seed: int) -> list[bytes]:
    """Distinct scanner-like JPEG pages: the form, then ID card copies."""
    sources = [judicial_record_form(SAMPLE_PERSON), id_card_copy(SAMPLE_PERSON)]
    pages = []
    for n in range(count):
        out = io.BytesIO()
        scan_look(sources[min(n, 1)], seed=seed * 100 + n).save(out, "JPEG", quality=82,
                                                                 dpi=(300, 300))
        pages.append(out.getvalue())
    return pages


def _wait_http(url: str, process: subprocess.Popen, what: str) -> None:
    for _ in range(1200):
        if process.poll() is not None:
            raise SystemExit(f"{what} stopped")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{what} did not start")


def _tree(pid: int) -> list[psutil.Process]:
    """A process and all its descendants."""
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


class Peak(threading.Thread):
    """The largest resident memory of a process and its children, sampled every 0.2 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stopping = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.2):
            try:
                self.peak = max(self.peak, sum(p.memory_info().rss for p in _tree(self.pid)))
            except psutil.Error:
                pass


def _cpu_seconds(processes: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds (user + system) so far of each group's processes and their children; ``s3``
    is every SeaweedFS process (the home's supervisor started it, not this script)."""
    out = {}
    for group, pids in {**processes, "s3": [p.pid for p in psutil.process_iter(["name"])
                                            if p.info["name"] == "weed"]}.items():
        total = 0.0
        for pid in pids:
            try:
                for p in _tree(pid):
                    times = p.cpu_times()
                    total += times.user + times.system + times.children_user \
                        + times.children_system
            except psutil.Error:
                pass
        out[group] = total
    return out


def _worker(name: str, core: int, env: dict) -> subprocess.Popen:
    """A worker pinned to ``core`` at nice 10: on a machine it shares with the API (as here,
    and as ``sohoa serve``'s own worker), requests keep the CPU they need."""
    def pin() -> None:
        os.sched_setaffinity(0, {core})
        os.nice(10)

    return subprocess.Popen([str(BIN / "sohoa"), "worker", "--limit", "1", "--name", name],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=pin)


def _scans(tag: int, dossiers: int, pages: int) -> list[list[bytes]]:
    """A round's pages, made before it is timed (making them takes a core of its own)."""
    return [_pages(pages, tag * 1000 + n) for n in range(dossiers)]


def _round(client: httpx.Client, tag: int, scans: list[list[bytes]]) -> list[str]:
    codes = [f"{AGENCY}-2311{tag:02d}-{n + 1:04d}" for n in range(len(scans))]
    for code, pages in zip(codes, scans):
        client.post("/v1/dossiers", json={"code": code, "procedure": "2.000488",
                                          "agency": AGENCY}).raise_for_status()
        files = [("files", (f"p{i}.jpg", page)) for i, page in enumerate(pages)]
        client.post(f"/v1/dossiers/{code}/files", files=files, timeout=120).raise_for_status()
    return codes


def _wait_done(client: httpx.Client, codes: list[str], limit_s: float = 3600) -> None:
    """Until every dossier is done, asking for one at a time, twice a second: asking for all
    of them each time cost the API (and this script) a CPU-second per dossier, taken from the
    cores the workers are measured on."""
    deadline, waiting = time.monotonic() + limit_s, list(codes)
    while waiting and time.monotonic() < deadline:
        if client.get(f"/v1/dossiers/{waiting[0]}").json()["status"] in DONE:
            waiting.pop(0)
        else:
            time.sleep(0.5)
    if waiting:
        raise SystemExit("dossiers not digitised in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=8)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-scale-") as tmp:
        home, port, api_port = Path(tmp), _free_port(), _free_port()
        url = f"http://127.0.0.1:{port}/api"
        env = {**os.environ, "SOHOA_HOME": str(home / "home"), "SOHOA_LOCAL_S3_PORT": "19600",
               "PREFECT_API_URL": url, "PREFECT_LOGGING_LEVEL": "WARNING"}
        for name in ("SOHOA_S3_ENDPOINT", "SOHOA_DATABASE_URL"):
            env.pop(name, None)
        processes = [subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env={**env, "PREFECT_HOME": str(home / "prefect-server"), "PREFECT_API_URL": "",
                 "PREFECT_UI_ENABLED": "false", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        try:
            _wait_http(f"{url}/health", processes[0], "the Prefect server")
            subprocess.run([str(BIN / "sohoa"), "deploy"], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            token = subprocess.run([str(BIN / "sohoa"), "client", "add", "bench", "--agency",
                                    AGENCY, "--json"], env=env, check=True, capture_output=True,
                                   text=True).stdout.split('"token": "')[1].split('"')[0]
            processes.append(subprocess.Popen([str(BIN / "sohoa"), "serve", "--port",
                                               str(api_port)], env=env))
            base = f"http://127.0.0.1:{api_port}"
            _wait_http(f"{base}/openapi.json", processes[-1], "sohoa serve")
            _measure(args, base, token, env, cores, processes)
        finally:
            for process in reversed(processes):
                end_process(process, 60)
            subprocess.run([str(BIN / "sohoa"), "stop"], env=env, capture_output=True)


def _measure(args, base: str, token: str, env: dict, cores: list[int],
             processes: list[subprocess.Popen]) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    rates, peaks, cpu = {}, {}, {}
    with httpx.Client(base_url=base, headers=auth, timeout=60) as client:
        for count in (1, 2):
            scans = _scans(count, args.dossiers, args.pages)
            workers = [_worker(f"w{count}-{i}", cores[i % len(cores)], env) for i in range(count)]
            processes.extend(workers)
            watch = [Peak(w.pid) for w in workers]
            for w in watch:
                w.start()
            groups = {"workers": [w.pid for w in workers], "API": [processes[1].pid],
                      "Prefect server": [processes[0].pid]}
            before, began = _cpu_seconds(groups), time.perf_counter()
            codes = _round(client, count, scans)
            _wait_done(client, codes)
            rates[count] = args.dossiers * 3600 / (time.perf_counter() - began)
            after = _cpu_seconds(groups)
            cpu[count] = {g: (after[g] - before[g]) / args.dossiers for g in after}
            for w in watch:
                w.stopping.set()
            peaks[count] = [w.peak / 2**20 for w in watch]
            if count == 1:  # a Prefect worker at times ignores SIGTERM (seen here): killed
                for w in workers:
                    end_process(w, 60)
        busy = _round(client, 3, _scans(3, args.dossiers, args.pages))  # workers busy meanwhile
        sent = int(args.rate * args.seconds)
        page = _page(1_000_000)
        uploads = [page + hashlib.sha256(str(i).encode()).digest() for i in range(sent)]
        codes = [f"{AGENCY}-231104-{n + 1:04d}" for n in range(-(-sent // 10))]
        for code in codes:
            client.post("/v1/dossiers", json={"code": code, "procedure": "2.000488",
                                              "agency": AGENCY}).raise_for_status()
        refused: Counter[str] = Counter()
        latencies, accepted, went, took = asyncio.run(
            _load(base, token, uploads, codes, args.rate, 10, refused))
        listed = {(code, r["sha256"]) for code in codes
                  for r in client.get(f"/v1/dossiers/{code}").json()["received"]}
        _wait_done(client, busy)
    ms = sorted(x * 1000 for x in latencies)
    lost = [a for a in accepted if a not in listed]
    print(f"{args.dossiers} dossiers of {args.pages} distinct pages per round, "
          f"{len(cores)} cores; each worker pinned to one core, one run at a time")
    for count in (1, 2):
        print(f"  {count} worker{'s' if count > 1 else ''}: {rates[count]:6.0f} dossiers/hour; "
              f"peak memory per worker (with its runs) "
              f"{', '.join(f'{p:.0f} MB' for p in peaks[count])}")
    for count in (1, 2):
        print(f"  CPU seconds per dossier with {count}: "
              + ", ".join(f"{g} {v:.1f}" for g, v in cpu[count].items()))
    print(f"  2 workers / 1 worker: {rates[2] / rates[1]:.2f}x (target >= 1.8x)")
    print(f"  API under {sent / went:.1f} uploads/s of 1 MB (asked {args.rate:.0f}/s; all answered "
          f"at {sent / took:.1f}/s) while two workers digitise: p50 {statistics.median(ms):.0f} ms, "
          f"p99 {ms[min(len(ms) - 1, int(len(ms) * 0.99))]:.0f} ms (target < 300 ms), max "
          f"{ms[-1]:.0f} ms; {len(accepted)}/{sent} accepted, {len(lost)} lost"
          + "".join(f"; {n} refused: {why}" for why, n in refused.most_common()))


if __name__ == "__main__":
    main()
