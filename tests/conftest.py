"""Shared set-up: a real SeaweedFS S3 server and a Prefect test harness, once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Before Prefect is imported anywhere: only warnings (its INFO teardown line hits a closed stream).
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from helpers import RECORDED_OCR, free_port_base, stop_local_servers, wait_until
from pipeline.samples import SAMPLE_PERSON, id_card_copy, judicial_record_form, save_scan, scan_look


SLOW_FIRST = ("test_concurrency", "test_distributed", "test_api", "test_web",
              "test_digitise_flow", "test_engine")
"""The files that take minutes (real processes, servers, workers), longest first. ``make test``
hands whole files to its workers in collection order (``--dist loadfile
--no-loadscope-reorder``), the next to whichever is nearly done: slow files first, so that
the short ones fill in and no worker is left alone at the end with a long one."""


def pytest_collection_modifyitems(items) -> None:
    def rank(item) -> int:
        name = item.path.stem
        return SLOW_FIRST.index(name) if name in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)  # stable: the rest, and each file's own tests, keep their order


@pytest.fixture(scope="session", autouse=True)
def json_outputs_hold_their_contracts():
    """Every ``--json`` output a test sees through ``CliRunner`` is checked against its published
    contract (``pipeline.contracts``), whatever the test itself asserts."""
    import json

    from typer.testing import CliRunner

    from contracts import check_output, command_of

    invoke = CliRunner.invoke

    def checked(self, app, args=None, *rest, **kwargs):
        result = invoke(self, app, args, *rest, **kwargs)
        command = command_of(list(args or []))
        if "--json" in (args or []) and command and result.stdout.strip():
            check_output(command, json.loads(result.stdout))
        return result

    CliRunner.invoke = checked
    yield
    CliRunner.invoke = invoke


@pytest.fixture(scope="session")
def home(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sohoa-home")
    os.environ["SOHOA_HOME"] = str(path)
    os.environ["SOHOA_LOCAL_S3_PORT"] = str(free_port_base())
    os.environ.update(RECORDED_OCR)
    if os.environ.get("SOHOA_TEST_S3_ENDPOINT"):  # e.g. a MinIO server: a fresh bucket on it
        for name in ("ENDPOINT", "ACCESS_KEY", "SECRET_KEY", "SECURE", "REGION"):
            if f"SOHOA_TEST_S3_{name}" in os.environ:
                os.environ[f"SOHOA_S3_{name}"] = os.environ[f"SOHOA_TEST_S3_{name}"]
        os.environ["SOHOA_BUCKET"] = f"sohoa-test-{path.name[-12:].lower().replace('_', '-')}"
    else:
        os.environ.pop("SOHOA_S3_ENDPOINT", None)
    yield path
    stop_local_servers(path)


@pytest.fixture(scope="session")
def archive(home):
    """The archive on a real local SeaweedFS, kept up for the whole session."""
    from pipeline.settings import load_settings
    from storage.session import open_archive

    with open_archive(load_settings()) as opened:
        yield opened


@pytest.fixture(scope="session")
def prefect_harness(home):
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def stop_process(process) -> None:
    """SIGTERM, and SIGKILL after a minute: a loaded machine may take long to shut down a
    Prefect server or worker gracefully, and nothing may be left running."""
    from storage.supervisor import end_process

    end_process(process, 60)


WORKER_ENV = {"PREFECT_LOGGING_LEVEL": "WARNING"}


@pytest.fixture(scope="session")
def prefect_server(home, tmp_path_factory):
    """A Prefect server with its services (scheduling, automations) on loopback, its own home,
    UI and analytics off: as production runs it."""
    import subprocess
    import sys
    import time

    from helpers import free_port
    from pipeline.flows.engine import healthy

    folder = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(folder), "PREFECT_UI_ENABLED": "false",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_API_URL": ""}
    process = subprocess.Popen([str(Path(sys.executable).parent / "prefect"), "server", "start",
                                "--host", "127.0.0.1", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not healthy(url):
        assert process.poll() is None and time.monotonic() < deadline, "no Prefect server"
        time.sleep(0.5)
    yield url
    stop_process(process)


class Workers:
    """``sohoa worker`` processes on one Prefect server, each in a session and a Prefect home
    of its own, as on machines of their own."""

    def __init__(self, url: str, names: list[str], homes):
        self.url, self.names, self.homes, self.processes = url, names, homes, {}
        for name in names:
            self.start(name)

    def start(self, name: str, pool: str = "sohoa", limit: int = 1, **env: str) -> None:
        """Start a worker and wait until it polls its pool, so a test's runs find it there."""
        import subprocess
        import sys
        from datetime import datetime, timezone

        started = datetime.now(timezone.utc)
        env = {**os.environ, **WORKER_ENV, "PREFECT_API_URL": self.url,
               "PREFECT_HOME": str(self.homes.mktemp(name)), **env}
        self.processes[name] = subprocess.Popen(
            [str(Path(sys.executable).parent / "sohoa"), "worker", "--pool", pool, "--limit",
             str(limit), "--name", name], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        wait_until(lambda: self._polling(pool, name, started), 120)

    def _polling(self, pool: str, name: str, since) -> bool:
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: self.url}), \
                get_client(sync_client=True) as client:
            return any(w.name == name and w.last_heartbeat_time and w.last_heartbeat_time >= since
                       for w in client.read_workers_for_work_pool(pool))

    def stop(self) -> None:
        for process in self.processes.values():
            stop_process(process)


@pytest.fixture(scope="session")
def workers(prefect_server, archive, tmp_path_factory):
    """``sohoa deploy`` on that server and two workers."""
    from pipeline.flows.deployments import deploy

    deploy(prefect_server)
    started = Workers(prefect_server, ["worker-a", "worker-b"], tmp_path_factory)
    yield started
    started.stop()


@pytest.fixture(scope="session")
def token(tmp_path_factory):
    """A SoftHSM2 token holding three keys with their certificates, labelled by kind."""
    import subprocess

    import pkcs11
    from cryptography.hazmat.primitives import serialization

    from helpers import KEYS, PIN, SOFTHSM_MODULE, TOKEN, token_cert

    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN,
                    "--so-pin", "13579135"], check=True, capture_output=True)
    certs = {}
    for number, (kind, make) in enumerate(KEYS.items(), start=1):
        key = make()
        pem = folder / f"{kind}.pem"
        pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
        subprocess.run(["softhsm2-util", "--import", str(pem), "--token", TOKEN, "--label", kind,
                        "--id", f"{number:02x}", "--pin", PIN], check=True, capture_output=True)
        certs[kind] = token_cert(key, f"Cán bộ số hóa {kind}")
    with pkcs11.lib(str(SOFTHSM_MODULE)).get_token(token_label=TOKEN).open(user_pin=PIN, rw=True) as session:
        for number, (kind, cert) in enumerate(certs.items(), start=1):
            session.create_object({
                pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
                pkcs11.Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                pkcs11.Attribute.TOKEN: True, pkcs11.Attribute.LABEL: kind,
                pkcs11.Attribute.ID: bytes([number]),
                pkcs11.Attribute.SUBJECT: cert.subject.public_bytes(),
                pkcs11.Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER)})
    yield certs


@pytest.fixture(scope="session")
def scans(tmp_path_factory) -> dict[str, Path]:
    """Scanner-like JPEG pages of the sample dossier, plus variants."""
    folder = tmp_path_factory.mktemp("scans")
    form = judicial_record_form(SAMPLE_PERSON)
    card = id_card_copy(SAMPLE_PERSON)
    return {
        "form": save_scan(scan_look(form, seed=1), folder / "to-khai.jpg"),
        "card": save_scan(scan_look(card, seed=2, skew=-0.6), folder / "cccd.jpg"),
        "form_180": save_scan(scan_look(form, seed=3, skew=2.5, rotate=180), folder / "to-khai-180.jpg"),
        "card_90": save_scan(scan_look(card, seed=4, skew=0, rotate=90), folder / "cccd-90.jpg"),
    }


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """The test PKI (tests/data/pki.yml) with its TSA, OCSP responder and CRLs served on loopback.

    Yields the architecture (certificates and keys by label) and the service base URL.
    """
    import socket
    import threading

    import yaml
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import ArchLabel, CertomancerConfig
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from werkzeug.serving import make_server

    keys = tmp_path_factory.mktemp("pki-keys")
    config = yaml.safe_load((Path(__file__).parent / "data" / "pki.yml").read_text())
    for entry in config["keysets"]["sohoa"]["keys"].values():
        key = rsa.generate_private_key(65537, 2048)
        (keys / entry["path"]).write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    arch = CertomancerConfig(config, key_search_dir=str(keys),
                             external_url_prefix=url).get_pki_arch(ArchLabel("sohoa"))
    server = make_server("127.0.0.1", port, Animator(AnimatorArchStore({arch.arch_label: arch}),
                                                     with_web_ui=False))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield arch, url
    server.shutdown()


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL cluster (Debian's server binaries) on a free loopback port."""
    from bench.postgres import throwaway_cluster

    with throwaway_cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def catalogue(request, tmp_path):
    """An empty catalogue on each database (PostgreSQL: the session's cluster, emptied after)."""
    from sqlalchemy import MetaData

    from storage.catalogue import Catalogue

    url = f"sqlite:///{tmp_path / 'c.sqlite'}" if request.param == "sqlite" \
        else request.getfixturevalue("postgres_url")
    opened = Catalogue(url)
    yield opened
    if request.param == "postgresql":  # one cluster for the session: leave it empty
        everything = MetaData()
        everything.reflect(opened.engine)  # the migrations' tables, whatever was imported
        everything.drop_all(opened.engine)
    opened.dispose()
