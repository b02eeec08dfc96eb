"""Prefect as the engine across machines: the session's self-hosted Prefect server on loopback
(its own home, UI and analytics off), ``sohoa deploy`` (idempotent) and the ``sohoa worker``
processes that run a dossier's deployment found by module path; without a server both
commands refuse with a clear error."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()
DOSSIER = "000.00.06.H56-231027-0801"


def test_without_a_server_deploy_and_worker_refuse(monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    for command in (["deploy"], ["worker"]):
        refused = runner.invoke(app, command)
        assert refused.exit_code == 2 and "prefect_server_needed" in refused.stderr


def test_deploy_is_idempotent_and_a_worker_runs_a_dossier(workers, archive, scans, monkeypatch):
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server = workers.url  # deployed there already, as the workers fixture runs ``sohoa deploy``
    monkeypatch.setenv("PREFECT_API_URL", server)
    first = runner.invoke(app, ["deploy", "--json"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["deploy", "--limit", "2", "--json"])
    made, remade = json.loads(first.stdout), json.loads(again.stdout)
    assert [d["id"] for d in made["deployments"]] == [d["id"] for d in remade["deployments"]]
    assert [d["name"] for d in made["deployments"]] == ["digitise_dossier/sohoa",
                                                        "digitise_result/sohoa",
                                                        "digitise_submission/sohoa"]
    assert remade["limit"] == 2
    with temporary_settings({PREFECT_API_URL: server}):
        run = run_deployment("digitise_dossier/sohoa", timeout=300, parameters={
            "files": [str(scans["card"])], "dossier": DOSSIER, "procedure": "2.000488"})
    assert run.state.is_completed(), run.state
    stored = archive.catalogue.find(DOSSIER)  # archived by a worker's own process
    assert [d.component for d in stored.documents] == ["GIAY_TO_TUY_THAN"]


def test_a_worker_ends_soon_after_sigterm(workers):
    """``systemctl stop`` and ``sohoa serve``'s shutdown send SIGTERM: ``prefect worker start``
    (3.8.8) ignored it until killed after a minute; ``sohoa worker`` ends within seconds."""
    import signal
    import subprocess

    workers.start("short-lived")
    process = workers.processes.pop("short-lived")
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("sohoa worker still runs 20 s after SIGTERM") from None
