"""Prefect as the engine across machines, its first part: a self-hosted Prefect server on
loopback (its own home, UI and analytics off), ``sohoa deploy`` (idempotent) and a ``sohoa
worker`` process that runs a dossier's deployment found by module path; without a server
both commands refuse with a clear error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import free_port
from pipeline.cli import app
from pipeline.flows.engine import healthy

runner = CliRunner()
BIN = Path(sys.executable).parent
DOSSIER = "000.00.06.H56-231027-0801"


@pytest.fixture(scope="module")
def server(home, tmp_path_factory):
    """A Prefect server with the services (scheduling, late runs), as production runs it."""
    folder = tmp_path_factory.mktemp("prefect-server")
    url = f"http://127.0.0.1:{free_port()}/api"
    env = {**os.environ, "PREFECT_HOME": str(folder), "PREFECT_UI_ENABLED": "false",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_API_URL": ""}
    process = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
                                "--port", url.split(":")[2].split("/")[0]], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not healthy(url):
        assert process.poll() is None and time.monotonic() < deadline, "no Prefect server"
        time.sleep(0.5)
    yield url
    _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM, and SIGKILL after a minute: a loaded machine may take long to shut down
    Prefect's worker gracefully, and nothing may be left running."""
    process.terminate()
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_without_a_server_deploy_and_worker_refuse(monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    for command in (["deploy"], ["worker"]):
        refused = runner.invoke(app, command)
        assert refused.exit_code == 2 and "prefect_server_needed" in refused.stderr


def test_deploy_is_idempotent_and_a_worker_runs_a_dossier(server, archive, scans, monkeypatch):
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.setenv("PREFECT_API_URL", server)
    first = runner.invoke(app, ["deploy", "--pool", "sohoa-test", "--json"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["deploy", "--pool", "sohoa-test", "--limit", "2", "--json"])
    made, remade = json.loads(first.stdout), json.loads(again.stdout)
    assert [d["id"] for d in made["deployments"]] == [d["id"] for d in remade["deployments"]]
    assert [d["name"] for d in made["deployments"]] == ["digitise_dossier/sohoa",
                                                        "digitise_result/sohoa"]
    worker = subprocess.Popen([str(BIN / "sohoa"), "worker", "--pool", "sohoa-test", "--limit",
                               "1"], env={**os.environ, "PREFECT_API_URL": server},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with temporary_settings({PREFECT_API_URL: server}):
            run = run_deployment("digitise_dossier/sohoa", timeout=300, parameters={
                "files": [str(scans["card"])], "dossier": DOSSIER, "procedure": "2.000488"})
        assert run.state.is_completed(), run.state
    finally:
        _stop(worker)
    stored = archive.catalogue.find(DOSSIER)  # archived by the worker's own process
    assert [d.component for d in stored.documents] == ["GIAY_TO_TUY_THAN"]
