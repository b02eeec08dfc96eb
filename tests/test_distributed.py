"""sohoa on several machines (issue 17): the API only receives and submits; two ``sohoa
worker`` processes on the session's Prefect server (with its services) do the work, each run
recording its worker; a worker whose machine dies mid-dossier (SIGKILL to it and its run) is
found by the missing heartbeats, its run crashed and run again, and nothing is lost or
archived twice."""

from __future__ import annotations

import json
import signal
import threading
import time

import httpx
import psutil
import pytest
from typer.testing import CliRunner

from helpers import object_versions, wait_until
from pipeline.cli import app as cli

AGENCY = "000.00.06.H56"
runner = CliRunner()


@pytest.fixture(scope="module")
def api(archive, workers):
    import uvicorn

    from pipeline.api.app import create_app
    from pipeline.settings import load_settings

    settings = load_settings().model_copy(update={"settle_seconds": 0.5})
    server = uvicorn.Server(uvicorn.Config(create_app(settings, archive, workers.url),
                                           host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    token = json.loads(runner.invoke(cli, ["client", "add", "motcua-cum", "--agency", AGENCY,
                                           "--json"]).stdout)["token"]
    yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}", {
        "Authorization": f"Bearer {token}"}
    server.should_exit = True
    thread.join(30)


def _send(base, auth, code, scans):
    httpx.post(f"{base}/v1/dossiers", headers=auth, json={
        "code": code, "procedure": "2.000488", "agency": AGENCY, "owner_id": "038090012345"}
               ).raise_for_status()
    parts = [("files", (scans[n].name, scans[n].read_bytes(), "image/jpeg"))
             for n in ("form", "card")]
    httpx.post(f"{base}/v1/dossiers/{code}/files", headers=auth, files=parts, timeout=60
               ).raise_for_status()


def _status(base, auth, code) -> str:
    return httpx.get(f"{base}/v1/dossiers/{code}", headers=auth).json()["status"]


def _runs(url, code):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: url}), get_client(sync_client=True) as client:
        runs = client.read_flow_runs(deployment_filter=DeploymentFilter(
            name=DeploymentFilterName(any_=["sohoa"])))
    return [r for r in runs if r.parameters.get("dossier") == code]


def test_dossiers_through_the_api_are_shared_by_both_workers(api, archive, workers, scans):
    from storage.ingest import Ingest

    base, auth = api
    codes = [f"{AGENCY}-231101-{n:04d}" for n in range(1, 5)]
    for code in codes:
        _send(base, auth, code, scans)
    wait_until(lambda: all(_status(base, auth, c) in ("digitised", "needs_review") for c in codes),
           400)
    ingest = Ingest(archive.catalogue)
    by = {u.processed_by.split("@")[0] for c in codes for u in ingest.uploads(c)}
    assert by == set(workers.names)  # both took dossiers, and each run said which it was
    for code in codes:
        assert archive.catalogue.find(code).record.status in ("digitised", "needs_review")
        runs = [(r.state.name, r.run_count) for r in _runs(workers.url, code)]
        assert set(object_versions(archive, code).values()) == {1}, (code, runs)


def test_a_worker_killed_mid_dossier_is_replaced_and_nothing_is_lost_or_twice(
        api, archive, workers, scans):
    from storage.ingest import Ingest

    base, auth = api
    code = f"{AGENCY}-231101-0099"
    _send(base, auth, code, scans)
    wait_until(lambda: _status(base, auth, code) == "processing", 300)
    [running] = [r for r in _runs(workers.url, code) if r.state.is_running()]
    child = int(running.infrastructure_pid.rsplit(":", 1)[-1])  # "[host:]pid"
    victim = next(n for n, p in workers.processes.items()
                  if open(f"/proc/{child}/stat").read().split()[3] == str(p.pid))
    machine = psutil.Process(workers.processes[victim].pid)
    for process in [machine, *machine.children(recursive=True)]:  # its machine dies: the run's
        try:                                   # supervisor and engine too, whatever their session
            process.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    workers.processes[victim].wait()
    workers.start(victim)  # the machine comes back; meanwhile the other worker may take it
    wait_until(lambda: _status(base, auth, code) in ("digitised", "needs_review"), 420)
    states = sorted(r.state.type.value for r in _runs(workers.url, code))
    assert states == ["COMPLETED", "CRASHED"], states
    uploads = Ingest(archive.catalogue).uploads(code)
    assert all(u.processed_at and u.attempts == 2 for u in uploads)
    assert set(object_versions(archive, code).values()) == {1}
    assert len(archive.catalogue.find(code).documents) == 2


def test_a_page_read_by_one_worker_is_a_cache_hit_on_the_other(api, archive, workers, scans):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from conftest import stop_process
    from storage.ingest import Ingest

    base, auth = api
    first, again = f"{AGENCY}-231101-0051", f"{AGENCY}-231101-0052"
    _send(base, auth, first, scans)
    wait_until(lambda: _status(base, auth, first) in ("digitised", "needs_review"), 300)
    reader = Ingest(archive.catalogue).uploads(first)[0].processed_by.split("@")[0]
    stop_process(workers.processes[reader])  # only the other worker is left
    try:
        _send(base, auth, again, scans)  # the same scans, for another dossier
        wait_until(lambda: _status(base, auth, again) in ("digitised", "needs_review"), 300)
    finally:
        workers.start(reader)
    assert {u.processed_by.split("@")[0] for u in Ingest(archive.catalogue).uploads(again)
            } == set(workers.names) - {reader}
    [run] = [r for r in _runs(workers.url, again) if r.state.is_completed()]
    with temporary_settings({PREFECT_API_URL: workers.url}), get_client(sync_client=True) as client:
        pages = [t for t in client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[run.id]))) if t.name.startswith("read-page")]
    assert pages and {t.state.name for t in pages} == {"Cached"}, [t.state.name for t in pages]


SIGNING_POOL = "sohoa-token"


NO_CATALOGUE = "postgresql+psycopg://nobody@127.0.0.1:9/none"  # nothing answers there


@pytest.fixture(scope="module")
def token_host(workers, token):
    """The SoftHSM2 token's host: a worker of its own signing pool, two runs at a time (only
    the pool's concurrency limit keeps the token to one signature at once)."""
    from helpers import PIN, SOFTHSM_MODULE, TOKEN
    from pipeline.flows.deployments import deploy

    made = deploy(workers.url, signing_pools=[SIGNING_POOL])
    workers.start("token-host", pool=SIGNING_POOL, limit=2,
                  SOHOA_SIGNER_PKCS11_MODULE=str(SOFTHSM_MODULE), SOHOA_SIGNER_PKCS11_TOKEN=TOKEN,
                  SOHOA_SIGNER_PKCS11_KEY="rsa", SOHOA_SIGNER_PIN=PIN,
                  SOHOA_DATABASE_URL=NO_CATALOGUE)  # the token's host reaches S3 only
    return made


def test_a_token_on_another_host_signs_through_its_pool_one_signature_at_a_time(
        token_host, workers, archive):
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    from prefect.settings import PREFECT_API_URL, temporary_settings

    from helpers import blank_pdf
    from pipeline.flows.signing import PoolSigner, _ask
    from pipeline.signing.signer import SCAN_ROLE, sign_pdf
    from pipeline.signing.verify import verify_pdf

    assert f"sign_digest/{SIGNING_POOL}" in [d["name"] for d in token_host["deployments"]]
    with temporary_settings({PREFECT_API_URL: workers.url}):
        signer = PoolSigner(SIGNING_POOL, "scan", archive.store)  # asks the host for its cert
        signed = sign_pdf(blank_pdf(), signer, SCAN_ROLE, "Thanh Hóa")
        contexts = [contextvars.copy_context() for _ in range(4)]  # the server's URL in each
        with ThreadPoolExecutor(4) as pool:  # four machines asking at once
            answers = list(pool.map(lambda c, n: c.run(_ask, SIGNING_POOL, "scan", archive.store,
                                                       bytes([n]) * 32), contexts, range(4)))
    report = verify_pdf(signed, [])
    assert report.valid and report.signatures[0].signer == "Cán bộ số hóa rsa"
    assert all(a["signature"] for a in answers)
    spans = sorted((a["started"], a["ended"]) for a in answers)
    assert all(later[0] >= earlier[1] for earlier, later in zip(spans, spans[1:])), spans


def test_a_dossier_is_signed_with_the_key_of_another_host(token_host, workers, archive, scans):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from pipeline.flows.digitise import digitise_dossier
    from pipeline.settings import load_settings
    from pipeline.signing.verify import verify_pdf

    settings = load_settings()
    settings = settings.model_copy(update={"signer": settings.signer.model_copy(
        update={"pool": SIGNING_POOL})})  # this machine has no key: the token host signs
    code = f"{AGENCY}-231101-0077"
    with temporary_settings({PREFECT_API_URL: workers.url}):
        record = digitise_dossier(files=[str(scans["form"]), str(scans["card"])], dossier=code,
                                  procedure="2.000488", settings=settings)
    assert [d.signer for d in record.documents] == ["Cán bộ số hóa rsa"] * 2
    for document in archive.catalogue.find(code).documents:
        report = verify_pdf(archive.store.get(document.object_key), [])
        assert report.valid and report.signatures[0].signer == "Cán bộ số hóa rsa"


def test_a_worker_takes_a_run_seconds_after_it_is_free_or_the_run_comes_not_at_its_poll(
        workers, token):
    """Two runs wait on a pool before its worker (one run at a time, polling every 120 s)
    starts: the second starts seconds after the first ends, not a poll interval later; a third,
    made once the worker is idle, starts seconds after it was made."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from helpers import PIN, SOFTHSM_MODULE, TOKEN
    from pipeline.flows.deployments import deploy

    pool = "lay-ngay"
    deploy(workers.url, signing_pools=[pool])

    def sign(n: int) -> str:
        return run_deployment(f"sign_digest/{pool}", timeout=0, as_subflow=False, parameters={
            "pool": pool, "role": "scan", "request": f"prompt-{n}"}).id

    with temporary_settings({PREFECT_API_URL: workers.url}), \
            get_client(sync_client=True) as client:
        ids = [sign(n) for n in range(2)]
        workers.start("prompt-host", pool=pool, limit=1, PREFECT_WORKER_QUERY_SECONDS="120",
                      SOHOA_SIGNER_PKCS11_MODULE=str(SOFTHSM_MODULE),
                      SOHOA_SIGNER_PKCS11_TOKEN=TOKEN, SOHOA_SIGNER_PKCS11_KEY="rsa",
                      SOHOA_SIGNER_PIN=PIN, SOHOA_DATABASE_URL=NO_CATALOGUE)
        wait_until(lambda: all(client.read_flow_run(i).state.is_final() for i in ids), 90)
        first, second = sorted((client.read_flow_run(i) for i in ids), key=lambda r: r.start_time)
        third = sign(2)
        wait_until(lambda: client.read_flow_run(third).state.is_final(), 90)
        third = client.read_flow_run(third)
    assert first.state.is_completed() and second.state.is_completed()
    assert third.state.is_completed()
    assert (second.start_time - first.end_time).total_seconds() < 30
    assert (third.start_time - third.created).total_seconds() < 30
