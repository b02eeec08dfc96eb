"""Many processes on one home, with faults: what a centre's machine lives through.

``python bench/concurrency.py [--seconds 180] [--workers 3] [--fault-every 40]``

On a fresh home: ``sohoa serve`` (fed dossiers through the ingest API), ``sohoa watch`` and
``--workers`` loops of ``sohoa digitise`` run side by side for ``--seconds``; every
``--fault-every`` seconds one running ``digitise`` is killed (SIGKILL), and once the local S3
server is. Then it counts: commands run, failures, tracebacks seen on any console, dossiers
accepted against catalogue rows, object versions against what the manifests name.

``--rounds N`` instead runs N rounds of four ``sohoa digitise`` at once on one fresh home (one
owner, so their digitisation codes compete), then ``sohoa audit``: failures, tracebacks,
duplicate codes.

``--cost`` instead measures one 5-page dossier through ``sohoa digitise``: with the home's
servers stopped (what the first command of the day pays), with them running (fixed cost: every
page already in the page cache), and the OCR itself (fresh pages minus fixed cost).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from helpers import free_port, free_port_base, stop_local_servers  # noqa: E402

SOHOA = str(Path(sys.executable).parent / "sohoa")
PROCEDURE = "2.000488"


def _env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    env.update(SOHOA_HOME=str(home), SOHOA_LOCAL_S3_PORT=str(free_port_base(start=25000)))
    return env


def _pages(folder: Path, count: int, seed: int) -> list[str]:
    """``count`` scanner-like pages of the sample dossier, made distinct by ``seed``."""
    from pipeline.samples import SAMPLE_PERSON, id_card_copy, judicial_record_form, save_scan, \
        scan_look

    folder.mkdir(parents=True, exist_ok=True)
    sources = [judicial_record_form(SAMPLE_PERSON), id_card_copy(SAMPLE_PERSON)]
    return [str(save_scan(scan_look(sources[i % 2], seed=seed * 100 + i), folder / f"p{i}.jpg"))
            for i in range(count)]


def _timed(env: dict, args: list[str]) -> float:
    start = time.monotonic()
    subprocess.run([SOHOA, *args], env=env, capture_output=True, check=True)
    return time.monotonic() - start


def cost() -> None:
    with tempfile.TemporaryDirectory(prefix="sohoa-cost-") as tmp:
        home = Path(tmp) / "home"
        env = _env(home)
        first = _pages(Path(tmp) / "a", 5, 1)
        fresh = _pages(Path(tmp) / "b", 5, 2)
        args = lambda files, n: ["digitise", *files, "--dossier",  # noqa: E731
                                 f"000.00.06.H56-231027-09{n:02d}", "--procedure", PROCEDURE]
        try:
            cold = _timed(env, args(first, 1))  # servers started by this command
            fixed = _timed(env, args(first, 2))  # pages from the cache: everything but OCR
            full = _timed(env, args(fresh, 3))
            search = _timed(env, ["search", "--json"])
            subprocess.run([SOHOA, "stop"], env=env, capture_output=True)
            search_cold = _timed(env, ["search", "--json"])
        finally:
            stop_local_servers(home)
    print(f"5-page dossier, {os.cpu_count()} cores:")
    print(f"  first command, servers not running: {cold:5.1f} s")
    print(f"  servers running, fresh pages:       {full:5.1f} s   (target <= 10 s)")
    print(f"  of which fixed cost (cached pages): {fixed:5.1f} s")
    print(f"  of which OCR:                       {full - fixed:5.1f} s")
    print(f"sohoa search: {search:.2f} s with servers running, {search_cold:.2f} s without "
          "(target < 1 s)")


def rounds(count: int) -> None:
    from pipeline.samples import write_sample_dossier

    with tempfile.TemporaryDirectory(prefix="sohoa-four-") as tmp:
        home = Path(tmp) / "home"
        env = _env(home)
        files = [str(f) for f in write_sample_dossier(Path(tmp) / "scans")]
        failures = tracebacks = 0
        codes: list[str] = []
        start = time.monotonic()
        try:
            for n in range(count):
                procs = [subprocess.Popen(
                    [SOHOA, "digitise", *files, "--dossier", f"000.00.06.H56-231029-{n * 4 + i:04d}",
                     "--procedure", PROCEDURE, "--owner", "001088012345", "--json"], env=env,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(4)]
                for proc in procs:
                    stdout, stderr = proc.communicate()
                    failures += proc.returncode != 0
                    tracebacks += "Traceback" in stderr
                    if proc.returncode == 0:
                        codes += [d["digitisation_code"] for d in json.loads(stdout)["documents"]]
            audit = subprocess.run([SOHOA, "audit", "--json"], env=env, capture_output=True,
                                   text=True)
            findings = len(json.loads(audit.stdout)["findings"]) if audit.stdout else -1
        finally:
            stop_local_servers(home)
    print(f"{count} rounds of 4 concurrent digitise on one home ({time.monotonic() - start:.0f} s): "
          f"{count * 4} commands, {failures} failures, {tracebacks} tracebacks, "
          f"{len(codes)} digitisation codes ({len(codes) - len(set(codes))} duplicated), "
          f"audit findings: {findings}")


class Soak:
    def __init__(self, home: Path, env: dict, seconds: float, workers: int, fault_every: float):
        self.home, self.env, self.seconds = home, env, seconds
        self.workers, self.fault_every = workers, fault_every
        self.lock = threading.Lock()
        self.ran = self.failed = self.killed = self.tracebacks = 0
        self.accepted: set[str] = set()
        self.running: list[subprocess.Popen] = []
        self.deadline = time.monotonic() + seconds
        self.numbers = iter(range(1000, 10000))

    def _code(self) -> str:
        with self.lock:
            return f"000.00.06.H56-231028-{next(self.numbers):04d}"

    def digitise_loop(self, seed: int, folder: Path) -> None:
        rng = random.Random(seed)
        while time.monotonic() < self.deadline:
            code = self._code()
            files = _pages(folder / code, rng.randint(1, 3), rng.randrange(10**6))
            proc = subprocess.Popen([SOHOA, "digitise", *files, "--dossier", code,
                                     "--procedure", PROCEDURE, "--json"], env=self.env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            with self.lock:
                self.running.append(proc)
            _, stderr = proc.communicate()
            with self.lock:
                self.running.remove(proc)
                self.ran += 1
                self.tracebacks += "Traceback" in stderr
                if proc.returncode == -signal.SIGKILL:
                    self.killed += 1
                    continue  # never answered: not accepted (its originals stay stored)
                if proc.returncode not in (0, 3):
                    self.failed += 1
                    continue
                self.accepted.add(code)
            if proc.returncode == 0 and rng.random() < 0.2:  # the same dossier again: idempotent
                subprocess.run([SOHOA, "digitise", *files, "--dossier", code, "--procedure",
                                PROCEDURE], env=self.env, capture_output=True)

    def api_loop(self, base: str, token: str, folder: Path) -> None:
        auth = {"Authorization": f"Bearer {token}"}
        while time.monotonic() < self.deadline:
            code = self._code()
            files = _pages(folder / code, 2, hash(code) % 10**6)
            try:
                httpx.post(f"{base}/v1/dossiers", headers=auth, timeout=30, json={
                    "code": code, "procedure": PROCEDURE, "agency": "000.00.06.H56"})
                answer = httpx.post(f"{base}/v1/dossiers/{code}/files", headers={
                    **auth, "Idempotency-Key": code}, timeout=120, files=[
                    ("files", (Path(f).name, Path(f).read_bytes(), "image/jpeg")) for f in files])
            except httpx.TransportError:
                time.sleep(1)
                continue
            if answer.status_code == 202:
                with self.lock:
                    self.accepted.add(code)
            time.sleep(5)

    def faults(self) -> None:
        s3_killed = False
        while time.monotonic() + self.fault_every < self.deadline:
            time.sleep(self.fault_every)
            with self.lock:
                victims = list(self.running)
            if not s3_killed and (self.home / "run" / "s3.json").exists():
                state = json.loads((self.home / "run" / "s3.json").read_text())
                os.kill(state["child"], signal.SIGKILL)
                s3_killed = True
            elif victims:
                random.choice(victims).send_signal(signal.SIGKILL)


def soak(seconds: float, workers: int, fault_every: float) -> None:
    with tempfile.TemporaryDirectory(prefix="sohoa-soak-") as tmp:
        home = Path(tmp) / "home"
        env = _env(home)
        run = Soak(home, env, seconds, workers, fault_every)
        token = json.loads(subprocess.run(
            [SOHOA, "client", "add", "soak", "--agency", "000.00.06.H56", "--json"], env=env,
            capture_output=True, text=True, check=True).stdout)["token"]
        port = free_port()
        serve = subprocess.Popen([SOHOA, "serve", "--port", str(port)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        watch = subprocess.Popen([SOHOA, "watch", "--counter", "1", "--procedure", PROCEDURE],
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        threads = [threading.Thread(target=run.digitise_loop, args=(i, Path(tmp) / "scans"))
                   for i in range(workers)]
        threads += [threading.Thread(target=run.api_loop,
                                     args=(f"http://127.0.0.1:{port}", token, Path(tmp) / "api")),
                    threading.Thread(target=run.faults)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        auth = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 900  # the API's backlog, processed
        while time.monotonic() < deadline:
            states = [httpx.get(f"http://127.0.0.1:{port}/v1/dossiers/{c}", headers=auth,
                                timeout=30).json().get("status") for c in run.accepted
                      if c.startswith("000.00.06.H56-231028")]
            if all(s not in ("received", "processing", None) for s in states):
                break
            time.sleep(5)
        for proc in (serve, watch):
            proc.send_signal(signal.SIGTERM)
            _, stderr = proc.communicate(timeout=120)
            run.tracebacks += "Traceback" in stderr
        audit = subprocess.run([SOHOA, "audit", "--json"], env=env, capture_output=True,
                               text=True)
        findings = json.loads(audit.stdout)["findings"] if audit.stdout else ["no report"]
        _count(run, home, env, findings)
        stop_local_servers(home)


def _count(run: Soak, home: Path, env: dict, findings: list) -> None:
    from pipeline.settings import Settings
    from storage.session import open_archive

    settings = Settings(home=home, s3_endpoint=None, bucket="sohoa-archive",
                        local_s3_port=int(env["SOHOA_LOCAL_S3_PORT"]))
    with open_archive(settings) as archive:
        rows = {row.code for row in archive.catalogue.with_status("digitised")} | \
            {row.code for row in archive.catalogue.with_status("needs_review")} | \
            {row.code for row in archive.catalogue.with_status("rejected")}
        named, versions = set(), 0
        for code in rows:
            row = archive.catalogue.find(code)
            manifest = json.loads(archive.store.get(row.manifest_key))
            named |= {o["key"] for o in manifest["objects"]} | {row.manifest_key}
        for obj in archive.store.client.list_objects(archive.store.bucket, recursive=True,
                                                     include_version=True):
            versions += 1
    print(f"{run.seconds:.0f} s, {run.workers} digitise loops + serve + watch, "
          f"a fault every {run.fault_every:.0f} s")
    print(f"  commands run: {run.ran}  killed on purpose: {run.killed}  failures: {run.failed}  "
          f"tracebacks seen: {run.tracebacks}")
    print(f"  dossiers accepted: {len(run.accepted)}  in the catalogue: {len(rows)}  "
          f"lost: {len(run.accepted - rows)}")
    print(f"  object versions: {versions}  named by manifests: {len(named)}  "
          f"extra: {versions - len(named)}  audit findings: {len(findings)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--fault-every", type=float, default=40)
    parser.add_argument("--cost", action="store_true")
    parser.add_argument("--rounds", type=int, default=0)
    options = parser.parse_args()
    if options.cost:
        cost()
    elif options.rounds:
        rounds(options.rounds)
    else:
        soak(options.seconds, options.workers, options.fault_every)


if __name__ == "__main__":
    main()
