"""Ingest API under load: uploads of 1 MB scans at a steady rate while the flows work.

    .venv/bin/python -m bench.ingest [--rate 50] [--seconds 20] [--per-dossier 10]

Starts ``sohoa serve`` (its own data directory, local SeaweedFS, its local Prefect worker) in a
separate process, declares the dossiers, then sends one upload every 1/rate seconds (open
loop: a slow answer does not slow the sender), each a distinct 1 MB JPEG page (a sample scan
with its own trailing bytes), ``--per-dossier`` in a row to each dossier, so the worker digitises
earlier dossiers while later ones arrive (one dossier goes through the worker first, so its
flow machinery is warm); the bodies are encoded before the load. Prints the rate the
uploads went out at and the rate over the time until the last answer, the uploads refused (by
status and problem code, or the client's error when no answer came), latency percentiles, and
the end-to-end count: every upload answered 202 must be listed, with its sha256, by
``GET /v1/dossiers/{code}``; then how many dossiers the worker had processed by the end, and
the CPU the API's own process spent per upload over the load.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import psutil

from pipeline.samples import SAMPLE_PERSON, id_card_copy, scan_look

AGENCY = "000.00.06.H56"


def _page(size: int) -> bytes:
    """A scanner-like JPEG page of about ``size`` bytes."""
    image = scan_look(id_card_copy(SAMPLE_PERSON), seed=3)
    for quality in range(95, 40, -5):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, dpi=(300, 300))
        if out.tell() <= size:
            break
    return out.getvalue() + b"\0" * max(0, size - out.tell() - 16)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "SOHOA_HOME": str(home), "SOHOA_LOCAL_S3_PORT": str(19500),
            "PREFECT_HOME": str(home / "prefect"), "PREFECT_LOGGING_LEVEL": "WARNING"}


def _start(home: Path, port: int) -> tuple[subprocess.Popen, str]:
    from storage.catalogue import Catalogue
    from storage.ingest import Ingest

    env = _env(home)
    token, _ = Ingest(Catalogue(f"sqlite:///{home / 'catalogue.sqlite'}")).add_client(
        "bench", [AGENCY])
    server = subprocess.Popen([str(Path(sys.executable).with_name("sohoa")), "serve", "--port",
                               str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                return server, token
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the API did not start")


def _warm_up(client: httpx.Client, page: bytes) -> None:
    """One dossier through the worker first, so its flow machinery is up when the load starts."""
    code = f"{AGENCY}-231031-0001"
    client.post("/v1/dossiers", json={"code": code, "procedure": "2.000488",
                                      "agency": AGENCY}).raise_for_status()
    client.post(f"/v1/dossiers/{code}/files", files=[("files", ("p.jpg", page))]
                ).raise_for_status()
    for _ in range(1200):
        if client.get(f"/v1/dossiers/{code}").json()["status"] not in ("received", "processing"):
            return
        time.sleep(0.1)
    raise SystemExit("the worker did not process the warm-up dossier")


def _cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def _multipart(index: int, page: bytes) -> tuple[str, bytes]:
    """An upload's body, encoded before the load: encoding 1 MB in Python while sending is
    the load generator's own CPU, which on the API's cores delayed the sending itself."""
    request = httpx.Request("POST", "http://x/", files=[("files", (f"p{index}.jpg", page))])
    return request.headers["Content-Type"], request.read()


async def _load(base: str, token: str, pages: list[bytes], codes: list[str], rate: float,
                per_dossier: int, refused: Counter[str]
                ) -> tuple[list[float], list[tuple[str, str]], float, float]:
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    accepted: list[tuple[str, str]] = []
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    bodies = [_multipart(index, page) for index, page in enumerate(pages)]
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60,
                                 limits=limits) as client:
        async def one(index: int) -> None:
            code = codes[index // per_dossier]
            kind, body = bodies[index]
            start = time.perf_counter()
            try:
                response = await client.post(f"/v1/dossiers/{code}/files", content=body,
                                             headers={"Content-Type": kind})
            except httpx.HTTPError as exc:  # no answer in 60 s: counted, not accepted
                latencies.append(time.perf_counter() - start)
                refused[type(exc).__name__] += 1
                return
            latencies.append(time.perf_counter() - start)
            if response.status_code == 202:
                accepted.append((code, response.json()["received"][0]["sha256"]))
            else:
                problem = response.json() if response.headers.get("content-type", "").endswith(
                    "json") else {}
                refused[f"{response.status_code} {problem.get('code', '')}".strip()] += 1

        began = time.perf_counter()
        tasks = []
        for index in range(len(pages)):
            await asyncio.sleep(max(0.0, began + index / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(index)))
        sent = time.perf_counter() - began  # the last request started
        await asyncio.gather(*tasks)
        return latencies, accepted, sent, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--per-dossier", type=int, default=10)
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args()
    count = int(args.rate * args.seconds)
    page = _page(args.size)
    pages = [page + hashlib.sha256(str(i).encode()).digest() for i in range(count)]
    refused: Counter[str] = Counter()  # status and problem code (or the client's error) → count
    codes = [f"{AGENCY}-231101-{n + 1:04d}" for n in range(-(-count // args.per_dossier))]
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-ingest-") as tmp:
        port = _free_port()
        server, token = _start(Path(tmp), port)
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
                _warm_up(c, page)
                for code in codes:
                    c.post("/v1/dossiers", json={"code": code, "procedure": "2.000488",
                                                 "agency": AGENCY}).raise_for_status()
            cpu_before = _cpu(server.pid)
            latencies, accepted, sent, took = asyncio.run(
                _load(base, token, pages, codes, args.rate, args.per_dossier, refused))
            api_cpu = _cpu(server.pid) - cpu_before
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
                views = {code: c.get(f"/v1/dossiers/{code}").json() for code in codes}
            listed = {(code, r["sha256"]) for code, view in views.items()
                      for r in view["received"]}
            processed = sum(v["status"] not in ("registered", "received", "processing")
                            for v in views.values())
            pages_done = sum(r["processed"] for v in views.values() for r in v["received"])
        finally:
            server.terminate()
            server.wait(60)
            subprocess.run([str(Path(sys.executable).with_name("sohoa")), "stop"],
                           env=_env(Path(tmp)), capture_output=True)  # its local servers
    ms = sorted(x * 1000 for x in latencies)
    print(f"{count} uploads of {len(page) / 1e6:.2f} MB to {len(codes)} dossiers, "
          f"{os.cpu_count()} cores; the API and, at nice 10, its worker process")
    print(f"  sent at {count / sent:.1f}/s (asked {args.rate:.0f}/s), all answered at "
          f"{count / took:.1f}/s; accepted {len(accepted)}/{count}"
          + "".join(f"; {n} refused: {why}" for why, n in refused.most_common()))
    print(f"  the API's process: {api_cpu / count * 1000:.1f} ms of CPU per upload "
          f"(its storers apart)")
    print(f"  latency ms: p50 {statistics.median(ms):.0f}, p90 {ms[int(len(ms) * 0.9)]:.0f}, "
          f"p99 {ms[min(len(ms) - 1, int(len(ms) * 0.99))]:.0f}, max {ms[-1]:.0f}")
    lost = [a for a in accepted if a not in listed]
    print(f"  end to end: {len(accepted) - len(lost)}/{len(accepted)} accepted uploads listed "
          f"by the API with their sha256 ({len(lost)} lost); meanwhile the worker digitised "
          f"{processed}/{len(codes)} dossiers ({pages_done} pages)")


if __name__ == "__main__":
    main()
