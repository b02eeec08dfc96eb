"""Prefect's API for a process that runs flows: the configured server, else the home's own.

With no ``PREFECT_API_URL``, Prefect would start a temporary server in every process (≈ 5 s each,
all writing one SQLite database). Instead the home runs one local server (``prefect server
start --no-services``: the flows run in the calling process; only their records go to the API),
shared by all its processes and stopped when idle (``storage.supervisor``).
"""

from __future__ import annotations

import os
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.settings import Settings
from storage.seaweedfs import start_local_seaweedfs
from storage.supervisor import Service, end_process, free_port, lease

READY_TIMEOUT_S = 90.0


def healthy(url: str) -> bool:
    """Whether a Prefect API answers at ``url`` (its ``/health``)."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def _service(settings: Settings) -> Service:
    port = free_port()
    prefect = Path(sys.executable).parent / "prefect"
    env = {"PREFECT_HOME": str(settings.home_dir / "prefect"), "PREFECT_UI_ENABLED": "false",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING",
           "PREFECT_API_URL": ""}
    return Service("prefect", [str(prefect), "server", "start", "--host", "127.0.0.1",
                               "--port", str(port), "--no-services"],
                   f"http://127.0.0.1:{port}/api", [port], settings.local_idle_seconds,
                   str(settings.home_dir / "log"), env, str(settings.home_dir),
                   port_setting="PREFECT_API_URL (a Prefect server of your own)")


def _configured() -> bool:
    if os.environ.get("PREFECT_API_URL"):
        return True
    from prefect.settings import get_current_settings  # a test harness sets it in-process

    return bool(get_current_settings().api.url)


@contextmanager
def prefect_api(settings: Settings) -> Iterator[None]:
    """Run the body's flows against the configured Prefect API, or the home's shared server.

    They run in this process, which waits for them: without flow-run heartbeats (those tell a
    server that a worker's run died; here each run's end waited up to a second for its
    heartbeat thread)."""
    from prefect.settings import (PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
                                  temporary_settings)

    in_process = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    if _configured():
        with temporary_settings(updates=in_process):
            yield
        return
    start_local_seaweedfs(settings)  # the flows will open the archive: both servers start at once
    with lease(settings.home_dir / "run", _service(settings), healthy, READY_TIMEOUT_S) as url, \
            temporary_settings(updates={PREFECT_API_URL: url, **in_process}):
        yield  # a process this one starts leases the same server for itself


WORKER_NICE = 10
WORKER_STOP_S = 60.0


@contextmanager
def local_worker(settings: Settings, nice: int = WORKER_NICE) -> Iterator[str]:
    """``sohoa serve`` with no Prefect server configured: the home's local server, the
    deployments on it and one worker at a lower priority (OCR never takes the CPU from the
    requests), one run at a time; the server's API URL. The caller has the archive open, so
    the home's local S3 server is up for the runs."""
    import subprocess

    from pipeline.flows.deployments import deploy, worker_command

    with lease(settings.home_dir / "run", _service(settings), healthy, READY_TIMEOUT_S) as url:
        deploy(url)
        (settings.home_dir / "log").mkdir(parents=True, exist_ok=True)
        log = (settings.home_dir / "log" / "prefect-worker.log").open("ab")
        worker = subprocess.Popen(worker_command(limit=1), env={**os.environ,
                                  "PREFECT_API_URL": url, "PREFECT_LOGGING_LEVEL": "WARNING"},
                                  stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                  preexec_fn=lambda: os.nice(nice))
        try:
            yield url
        finally:
            end_process(worker, WORKER_STOP_S)  # a run it had is submitted again at next start
            log.close()
