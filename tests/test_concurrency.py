"""Many ``sohoa`` processes on one home, and the faults they must survive: each command is a real
process, the home's SeaweedFS and Prefect API are started by the first and shared by all."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from helpers import RECORDED_OCR, free_port_base, object_versions, stop_local_servers

SOHOA = [str(Path(sys.executable).parent / "sohoa")]
KILLPOINT = [sys.executable, str(Path(__file__).with_name("killpoint.py"))]
PROCEDURE = "2.000488"
OWNER = "001088012345"


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """A home of its own (embedded default: no endpoint, no Prefect API configured) and the
    sample dossier's scans; what the commands start is stopped at the end."""
    from pipeline.samples import write_sample_dossier

    home = tmp_path_factory.mktemp("shared-home")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SOHOA_", "PREFECT_"))}
    env.update(SOHOA_HOME=str(home), SOHOA_LOCAL_S3_PORT=str(free_port_base(start=21000)),
               PYTHONPATH=str(Path(__file__).parent.parent), **RECORDED_OCR)
    files = write_sample_dossier(tmp_path_factory.mktemp("shared-scans"))
    yield home, env, [str(f) for f in files]
    stop_local_servers(home)


def _run(env, *args, prefix=SOHOA, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def _digitise(files, dossier, *, owner=OWNER) -> list[str]:
    return ["digitise", *files, "--dossier", dossier, "--procedure", PROCEDURE,
            "--owner", owner, "--json"]


def _archive(env: dict):
    """The shared home's archive, opened in this process as its commands open it."""
    from pipeline.settings import Settings
    from storage.session import open_archive

    return open_archive(Settings(home=env["SOHOA_HOME"], s3_endpoint=None, bucket="sohoa-archive",
                                 local_s3_port=int(env["SOHOA_LOCAL_S3_PORT"])))


def test_four_digitise_at_once_on_a_fresh_home_share_its_servers(shared):
    home, env, files = shared
    dossiers = [f"000.00.06.H56-231027-07{i:02d}" for i in range(4)]
    procs = [subprocess.Popen([*SOHOA, *_digitise(files, d)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for d in dossiers]
    outs = [(p.wait(600), *p.communicate()) for p in procs]
    for code, _, stderr in outs:
        assert code == 0, stderr
        assert "Traceback" not in stderr
    results = [json.loads(stdout) for _, stdout, _ in outs]
    codes = [doc["digitisation_code"] for r in results for doc in r["documents"]]
    assert len(codes) == 8 and len(set(codes)) == 8  # two components each, one owner
    audit = _run(env, "audit", "--json")
    assert audit.returncode == 0 and json.loads(audit.stdout)["findings"] == []
    assert json.loads(audit.stdout)["dossiers"] == 4


def test_commands_that_need_no_object_storage_start_no_server(shared):
    home, env, _ = shared
    assert json.loads(_run(env, "stop", "--json").stdout)["stopped"]
    for args in (["search", "--json"], ["procedures", "--json"], ["review", "list", "--json"]):
        done = _run(env, *args)
        assert done.returncode == 0, done.stderr
    assert not (home / "run" / "s3.json").exists()
    assert not (home / "run" / "prefect.json").exists()
    assert len(json.loads(_run(env, "search", "--json").stdout)) == 8


@pytest.mark.parametrize("point, number", [("originals", 10), ("objects", 11), ("commit", 12)])
def test_a_digitise_killed_midway_is_completed_by_the_next_with_nothing_twice(shared, point,
                                                                              number):
    home, env, files = shared
    dossier = f"000.00.06.H56-231027-07{number}"
    killed = _run(env, point, *_digitise(files, dossier), prefix=KILLPOINT)
    assert killed.returncode == -9
    again = _run(env, *_digitise(files, dossier))
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    with _archive(env) as archive:
        versions = object_versions(archive, dossier)
        row = archive.catalogue.find(dossier)
    # two originals, two PDFs, two OCR JSON, the manifest: each written once
    assert sorted(versions.values()) == [1] * 7, versions
    assert row is not None and len(row.documents) == len(result["documents"]) == 2
    assert [d.digitisation_code for d in row.documents] == \
        [d["digitisation_code"] for d in result["documents"]]
    audit = _run(env, "audit", "--dossier", dossier, "--json")
    assert audit.returncode == 0 and json.loads(audit.stdout)["findings"] == []


def test_s3_server_killed_during_a_dossier_gives_one_message_and_a_retry_succeeds(shared):
    home, env, files = shared
    dossier = "000.00.06.H56-231027-0720"
    failed = _run(env, "s3", *_digitise(files, dossier), prefix=KILLPOINT)
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr, failed.stderr
    assert "[s3_unreachable]" in failed.stderr
    assert str(home / "log" / "sohoa.log") in failed.stderr.replace("\n", "")
    assert "Traceback" in (home / "log" / "sohoa.log").read_text()  # kept for maintainers
    again = _run(env, *_digitise(files, dossier))
    assert again.returncode == 0, again.stderr
    with _archive(env) as archive:
        assert sorted(object_versions(archive, dossier).values()) == [1] * 7


def test_a_full_disk_is_named_nothing_is_half_written_and_work_resumes_once_freed(tmp_path):
    """SOHOA_HOME on a small filesystem of its own, filled up during a dossier."""
    from pipeline.samples import write_sample_dossier

    files = [str(f) for f in write_sample_dossier(tmp_path / "scans")]
    home = tmp_path / "small"
    home.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=160m", "tmpfs", str(home)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    env.update(SOHOA_HOME=str(home), SOHOA_LOCAL_S3_PORT=str(free_port_base(start=23000)),
               PYTHONPATH=str(Path(__file__).parent.parent), **RECORDED_OCR)
    try:
        first = _run(env, *_digitise(files, "000.00.06.H56-231027-0730"))
        assert first.returncode == 0, first.stderr
        filler = home / "filler"
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=1M", "count=400"],
                       capture_output=True)  # until the disk is full
        dossier = "000.00.06.H56-231027-0731"
        full = _run(env, *_digitise(files, dossier))
        assert full.returncode == 1
        assert "Traceback" not in full.stderr, full.stderr
        assert "[disk_full]" in full.stderr or "[s3_failed]" in full.stderr, full.stderr
        filler.unlink()
        again = _run(env, *_digitise(files, dossier))
        assert again.returncode == 0, again.stderr
        with _archive(env) as archive:
            assert archive.catalogue.pending() == []
            assert archive.catalogue.find(dossier) is not None
        audit = _run(env, "audit", "--json")
        assert audit.returncode == 0 and json.loads(audit.stdout)["findings"] == [], audit.stdout
    finally:
        stop_local_servers(home)
        subprocess.run(["umount", "-l", str(home)])


KEPT_IDLE_S = 8  # longer than uvicorn's default keep-alive (5 s) and httpx's pool (5 s)


def _serve(env, port: int) -> subprocess.Popen:
    return subprocess.Popen([*SOHOA, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _until(check, seconds=300):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = check()
        except httpx.TransportError:  # not listening yet
            found = None
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError("timed out")


def test_serve_killed_while_it_processes_finishes_everything_accepted_after_restart(shared):
    """And the restarted API answers on a connection a client kept idle in its pool."""
    from helpers import free_port

    home, env, files = shared
    token = json.loads(_run(env, "client", "add", "motcua", "--agency", "000.00.06.H56",
                            "--json").stdout)["token"]
    auth = {"Authorization": f"Bearer {token}"}
    port, codes = free_port(), [f"000.00.06.H56-231027-074{i}" for i in range(2)]
    base = f"http://127.0.0.1:{port}"
    server = _serve(env, port)
    for code in codes:
        _until(lambda: httpx.post(f"{base}/v1/dossiers", headers=auth, json={
            "code": code, "procedure": PROCEDURE, "agency": "000.00.06.H56",
            "owner_id": OWNER}).status_code == 201)
        parts = [("files", (Path(f).name, Path(f).read_bytes(), "image/jpeg")) for f in files]
        accepted = httpx.post(f"{base}/v1/dossiers/{code}/files", files=parts,
                              headers={**auth, "Idempotency-Key": code}, timeout=60)
        assert accepted.status_code == 202, accepted.text
    _until(lambda: httpx.get(f"{base}/v1/dossiers/{codes[0]}", headers=auth).json()["status"]
           == "processing")
    os.killpg(server.pid, signal.SIGKILL)  # the API and its processor, mid-dossier
    server.wait()
    server = _serve(env, port)
    try:
        _until(lambda: httpx.get(f"{base}/v1/dossiers/{codes[0]}", headers=auth))
        kept = http.client.HTTPConnection("127.0.0.1", port, timeout=60)  # a client's pool
        kept.request("GET", f"/v1/dossiers/{codes[0]}", headers=auth)
        first = kept.getresponse()
        assert first.status == 200 and first.read()  # read through: the connection is free
        idle_since = time.monotonic()
        for code in codes:
            _until(lambda: httpx.get(f"{base}/v1/dossiers/{code}", headers=auth).json()
                   ["status"] in ("digitised", "needs_review"))
        time.sleep(max(0.0, idle_since + KEPT_IDLE_S - time.monotonic()))
        kept.request("GET", f"/v1/dossiers/{codes[1]}", headers=auth)  # on the idle connection
        assert kept.getresponse().status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=120)
    assert "Traceback" not in stderr, stderr
    with _archive(env) as archive:
        assert archive.catalogue.pending() == []
        for code in codes:
            assert sorted(object_versions(archive, code).values()) == [1] * 7


DOSSIER_PROBLEMS = {"missing_component", "missing_owner_id", "owner_id_mismatch"}


def test_the_bad_input_corpus_two_at_a_time_each_file_digitised_or_refused_by_name(
        shared, tmp_path):
    from bench.badinputs import corpus

    home, env, _ = shared
    files = sorted(corpus(tmp_path / "bad"))
    halves = {"000.00.06.H56-231027-0750": files[::2], "000.00.06.H56-231027-0751": files[1::2]}
    procs = {code: subprocess.Popen(
        [*SOHOA, "digitise", *map(str, part), "--dossier", code, "--procedure", PROCEDURE,
         "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for code, part in halves.items()}
    for code, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=900)  # a hang fails here
        assert proc.returncode in (0, 3), stderr
        assert "Traceback" not in stderr, stderr
        result = json.loads(stdout)
        digitised = {doc["file"] for doc in result["documents"]}
        named = {p["file"] for p in result["problems"] if p["file"]}
        for path in halves[code]:
            assert path.name in digitised | named, f"{path.name}: neither digitised nor refused"
        assert all(p["file"] or p["code"] in DOSSIER_PROBLEMS for p in result["problems"])
    with _archive(env) as archive:
        assert archive.catalogue.pending() == []
        assert all(archive.catalogue.find(code) for code in halves)
    audit = _run(env, "audit", "--json")
    assert audit.returncode == 0 and json.loads(audit.stdout)["findings"] == []


def test_a_page_over_the_time_limit_is_refused_and_the_dossier_goes_on(shared, tmp_path):
    from bench.badinputs import _scan

    home, env, files = shared
    slow = tmp_path / "cham.jpg"
    slow.write_bytes(_scan(99))  # never read before: no page cache
    dossier = "000.00.06.H56-231027-0760"
    tesseract = {**env, "SOHOA_PAGE_SECONDS": "0.05", "SOHOA_OCR_ENGINE": "tesseract"}
    done = _run(tesseract, "digitise", str(slow), "--dossier", dossier, "--procedure", PROCEDURE,
                "--json")
    assert done.returncode == 3 and "Traceback" not in done.stderr, done.stderr
    result = json.loads(done.stdout)
    assert [(p["file"], p["page"]) for p in result["problems"] if p["code"] == "page_timeout"] \
        == [("cham.jpg", 1)]
    with _archive(env) as archive:  # archived with its refusal, its original kept
        assert [o.filename for o in archive.catalogue.find(dossier).originals] == ["cham.jpg"]


def test_page_cache_readers_see_a_whole_record_while_writers_replace_it(archive,
                                                                       prefect_harness):
    import threading

    from pipeline.flows.pagecache import page_cache

    storage = page_cache(archive.store)  # in S3: what a worker on any machine reads
    records = [bytes([n]) * 600_000 for n in (1, 2)]
    storage.write_path("page-key-test", records[0], _sync=True)
    seen = []

    def write(record):
        for _ in range(15):
            storage.write_path("page-key-test", record, _sync=True)

    writers = [threading.Thread(target=write, args=(r,)) for r in records]
    for writer in writers:
        writer.start()
    while any(w.is_alive() for w in writers):
        seen.append(storage.read_path("page-key-test", _sync=True))
    for writer in writers:
        writer.join()
    assert seen and all(record in records for record in seen)
    assert storage.read_path("never-read", _sync=True) is None  # a miss, not an error


def test_an_unexpected_failure_is_one_message_and_debug_shows_the_trace(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    env.update(SOHOA_HOME=str(tmp_path), SOHOA_DATABASE_URL="nosuchdb://x")
    plain = _run(env, "search", "--json")
    assert plain.returncode == 1 and "Traceback" not in plain.stderr
    assert "[internal_error]" in plain.stderr and str(tmp_path / "log" / "sohoa.log") in \
        plain.stderr
    assert "Traceback" in (tmp_path / "log" / "sohoa.log").read_text()
    debug = _run(env, "--debug", "search", "--json")
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_a_file_over_its_time_limit_has_its_pages_refused(shared, tmp_path):
    import io

    from PIL import Image

    from bench.badinputs import _scan

    home, env, _ = shared
    pages = [Image.open(io.BytesIO(_scan(seed))) for seed in (100, 101)]
    slow = tmp_path / "tap-cham.pdf"
    pages[0].save(slow, save_all=True, append_images=pages[1:], resolution=200)
    tesseract = {**env, "SOHOA_FILE_SECONDS": "0.05", "SOHOA_OCR_ENGINE": "tesseract"}
    done = _run(tesseract, "digitise", str(slow), "--dossier", "000.00.06.H56-231027-0761",
                "--procedure", PROCEDURE, "--json")
    assert done.returncode == 3 and "Traceback" not in done.stderr, done.stderr
    refused = [(p["file"], p["page"]) for p in json.loads(done.stdout)["problems"]
               if p["code"] == "file_timeout"]
    assert sorted(refused) == [("tap-cham.pdf", 1), ("tap-cham.pdf", 2)]


def test_the_stamp_font_is_made_by_threads_at_once_on_a_fresh_home(tmp_path, monkeypatch):
    """A flow's documents are signed in threads; on a fresh machine each may make the stamp's
    font at the same time (two threads of one process once shared one temporary name)."""
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.fonts import stamp_font
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with ThreadPoolExecutor(4) as pool:
        made = list(pool.map(lambda _: stamp_font.__wrapped__(), range(4)))
    assert len(set(made)) == 1 and made[0].stat().st_size > 10_000
    assert [p.name for p in made[0].parent.iterdir()] == [made[0].name]  # no temporary left
