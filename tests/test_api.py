"""The ingest API, running (uvicorn on loopback) against the real archive, with its worker
running the flows, and a webhook receiver that fails before it succeeds."""

import hashlib
import hmac
import io
import json
import threading
import time
from datetime import datetime
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from PIL import Image
from typer.testing import CliRunner

from helpers import qr_text, wait_until
from pipeline.cli import app as cli
from pipeline.samples import Official, official_document, save_scan, scan_look

runner = CliRunner()
AGENCY, OTHER = "000.00.06.H56", "000.00.07.H56"
DOSSIER = f"{AGENCY}-231028-0001"


class Receiver(ThreadingHTTPServer):
    """Records webhooks; answers 500 to the first ``failures`` of them."""

    def __init__(self, failures: int):
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.failures, self.calls = failures, []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.calls.append((dict(self.headers), body))
        failing = len(self.server.calls) <= self.server.failures
        self.send_response(500 if failing else 204)
        self.end_headers()

    def log_message(self, *args):
        pass


def _serve(settings, archive, prefect_url):
    import uvicorn

    from pipeline.api.app import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(settings, archive, prefect_url),
                                           host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


def _stop(server, thread):
    server.should_exit = True
    thread.join(30)


def _client(name, *agencies):
    result = runner.invoke(cli, ["client", "add", name, *[a for agency in agencies
                                                          for a in ("--agency", agency)], "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def receiver():
    server = Receiver(failures=1)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def api(archive, prefect_harness, workers):
    from pipeline.settings import load_settings

    settings = load_settings().model_copy(update={
        "settle_seconds": 0.5, "webhook_backoff_seconds": 0.3, "max_upload_bytes": 5_000_000,
        "max_page_pixels": 50_000_000, "ocr_text_codes": {"KQ_QUYETDINH_UBND": "QD"}})
    server, thread, base = _serve(settings, archive, workers.url)
    yield base, settings
    _stop(server, thread)


@pytest.fixture(scope="module")
def tokens():
    return {"mine": _client("motcua-test", AGENCY), "other": _client("motcua-khac", OTHER)}


def _auth(tokens, who="mine"):
    return {"Authorization": f"Bearer {tokens[who]['token']}"}


def _dossier(code=DOSSIER, **changes):
    return {"code": code, "procedure": "2.000488", "agency": code.split("-")[0],
            "owner_id": "038090012345", "components": ["TK_LLTP", "GIAY_TO_TUY_THAN"], **changes}


def test_requests_need_a_valid_token_and_errors_are_problem_json(api, tokens):
    base, _ = api
    response = httpx.get(f"{base}/v1/dossiers/{DOSSIER}")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "unauthorized" and problem["message_vi"] and problem["message_en"]
    assert httpx.get(f"{base}/v1/dossiers/{DOSSIER}",
                     headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    listed = json.loads(runner.invoke(cli, ["client", "list", "--json"]).stdout)
    assert {c["name"] for c in listed} >= {"motcua-test", "motcua-khac"}
    assert all("token" not in c for c in listed)


def test_dossiers_are_validated_created_updated_and_idempotent(api, tokens):
    base, _ = api
    post = lambda body, **h: httpx.post(f"{base}/v1/dossiers", json=body,
                                        headers={**_auth(tokens), **h})
    bad = post(_dossier("000.00.06.H56-231399-0001"))
    assert bad.status_code == 422 and "231399" in bad.json()["message_en"]
    assert post(_dossier(agency="000.00.09.H56")).json()["code"] == "agency_mismatch"
    assert post(_dossier(procedure="9.999999")).json()["code"] == "unknown_procedure"
    assert post(_dossier(components=["NOPE"])).json()["code"] == "unknown_component"
    assert post(_dossier(owner_id="123")).status_code == 422

    key = {"Idempotency-Key": "create-0001"}
    created = post(_dossier(), **key)
    assert created.status_code == 201 and created.json()["status"] == "registered"
    again = post(_dossier(), **key)
    assert again.status_code == 201 and again.json() == created.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert post(_dossier(owner_id="038090012346"), **key).json()["code"] == "idempotency_key_reused"
    updated = post(_dossier(callback_url=None))
    assert updated.status_code == 200 and updated.json()["code"] == DOSSIER


def test_what_only_the_one_stop_system_knows_and_how_a_dossier_ended(api, tokens, archive):
    base, _ = api
    code = f"{AGENCY}-231028-0040"
    created = httpx.post(f"{base}/v1/dossiers", headers=_auth(tokens), json=_dossier(
        code, channel="online", received_at="2023-10-28T08:15:00+07:00", returns_result=True,
        reused_components=["GIAY_TO_TUY_THAN"]))
    assert created.status_code == 201, created.text
    view = created.json()
    assert (view["channel"], view["returns_result"], view["reused_components"]) == \
        ("online", True, ["GIAY_TO_TUY_THAN"])
    assert view["received_at"] == "2023-10-28T01:15:00+00:00" and view["outcome"] is None
    assert [(c["component"], c["state"], c["from_national_folder"])
            for c in view["component_states"]] == [("GIAY_TO_TUY_THAN", 2, True),
                                                   ("TK_LLTP", 0, False)]  # synced flags
    assert view["result_url"] is None
    bad = httpx.post(f"{base}/v1/dossiers", headers=_auth(tokens),
                     json=_dossier(code, channel="fax", reused_components=["KHONG_CO"]))
    assert bad.status_code == 422
    events = f"{base}/v1/dossiers/{code}/events"
    ended = {"event": "resolved", "at": "2023-11-02T10:00:00+07:00"}
    for _ in range(2):  # the same ending again changes nothing
        answer = httpx.post(events, headers=_auth(tokens), json=ended)
        assert answer.status_code == 200, answer.text
        assert answer.json()["outcome"] == {"event": "resolved", "at": "2023-11-02T03:00:00+00:00"}
    assert [e.kind for e in archive.catalogue.events(code)] == ["resolved"]  # in its history
    other = httpx.post(events, headers=_auth(tokens), json={**ended, "event": "withdrawn"})
    assert other.status_code == 409 and other.json()["code"] == "outcome_recorded"
    assert httpx.post(events, headers=_auth(tokens),
                      json={"event": "lost", "at": "2023-11-02T10:00:00"}).status_code == 422
    assert httpx.post(events, headers=_auth(tokens, "other"), json=ended).status_code == 404


def test_the_report_covers_the_clients_agencies_only(api, tokens):
    base, _ = api
    answer = httpx.get(f"{base}/v1/reports/digitisation", headers=_auth(tokens),
                       params={"from": "2023-10-01", "to": "2023-10-31"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["by"] == "agency" and report["units"]
    assert all(unit["unit"] == AGENCY for unit in report["units"])  # not the province above it
    assert {"naive_dossier_rate", "not_digitised_reasons", "points"} <= set(report["units"][0])
    unit = report["units"][0]
    listed = httpx.get(f"{base}{unit['dossiers']}&column=received", headers=_auth(tokens))
    assert listed.status_code == 200 and len(listed.json()["dossiers"]) == unit["received"]
    assert all(code.startswith(AGENCY) for code in listed.json()["dossiers"])
    other = httpx.get(f"{base}/v1/reports/digitisation", headers=_auth(tokens),
                      params={"agency": OTHER})
    assert other.status_code == 404


def test_a_client_never_sees_another_agencys_dossier(api, tokens, scans):
    base, _ = api
    other = _auth(tokens, "other")
    for method, path in (("GET", ""), ("GET", "/documents/1"), ("GET", "/webhooks"),
                         ("GET", "/results/1")):
        response = httpx.request(method, f"{base}/v1/dossiers/{DOSSIER}{path}", headers=other)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    with open(scans["card"], "rb") as card:
        upload = httpx.post(f"{base}/v1/dossiers/{DOSSIER}/files", headers=other,
                            files=[("files", ("cccd.jpg", card, "image/jpeg"))])
    assert upload.status_code == 404
    created = httpx.post(f"{base}/v1/dossiers", json=_dossier(), headers=other)
    assert created.status_code == 404  # not its agency: as if it did not exist


def test_bad_uploads_are_refused_naming_the_problem_and_nothing_is_kept(api, tokens, tmp_path):
    base, settings = api
    url, auth = f"{base}/v1/dossiers/{DOSSIER}/files", _auth(tokens)
    huge = io.BytesIO()
    Image.new("L", (8000, 8000)).save(huge, "PNG")  # 64 MP, over the 50 MP limit
    cases = {
        "empty_file": ("rong.pdf", b""),
        "corrupt_pdf": ("hong.pdf", b"%PDF-1.7\n1 0 obj garbage"),
        "unsupported_type": ("ghi-chu.txt", b"just some text"),
        "image_too_large": ("to.png", huge.getvalue()),
    }
    for code, (name, data) in cases.items():
        response = httpx.post(url, headers=auth, files=[("files", (name, data))])
        assert response.status_code == 422 and response.json()["code"] == code, response.text
    assert response.json()["limit"] == "max_page_pixels"
    big = httpx.post(url, headers=auth, files=[("files", ("lon.jpg", b"\xff" * 5_000_001))])
    assert big.status_code == 413 and big.json()["limit"] == "max_upload_bytes"
    view = httpx.get(f"{base}/v1/dossiers/{DOSSIER}", headers=auth).json()
    assert view["received"] == [] and view["status"] == "registered"
    inbox = settings.home_dir / "inbox" / DOSSIER
    assert not inbox.exists() or list(inbox.iterdir()) == []


def test_a_whole_dossier_through_the_api_with_signed_webhooks(api, tokens, scans, receiver,
                                                              archive):
    from pipeline.signing.verify import verify_pdf

    base, _ = api
    auth = _auth(tokens)
    code = f"{AGENCY}-231028-0002"
    assert httpx.post(f"{base}/v1/dossiers", json=_dossier(code, callback_url=receiver.url),
                      headers=auth).status_code == 201
    with open(scans["form"], "rb") as form, open(scans["card"], "rb") as card:
        accepted = httpx.post(f"{base}/v1/dossiers/{code}/files",
                              headers={**auth, "Idempotency-Key": "files-0002"},
                              files=[("files", ("to-khai.jpg", form, "image/jpeg")),
                                     ("files", ("cccd.jpg", card, "image/jpeg"))])
    assert accepted.status_code == 202, accepted.text
    sha = hashlib.sha256(scans["form"].read_bytes()).hexdigest()
    assert [r["sha256"] for r in accepted.json()["received"]][0] == sha
    with open(scans["form"], "rb") as form:  # the same request again: the same answer
        replay = httpx.post(f"{base}/v1/dossiers/{code}/files",
                            headers={**auth, "Idempotency-Key": "files-0002"},
                            files=[("files", ("to-khai.jpg", form, "image/jpeg")),
                                   ("files", ("cccd.jpg", scans["card"].read_bytes(),
                                              "image/jpeg"))])
    assert replay.json() == accepted.json()

    view = wait_until(lambda: (v := httpx.get(f"{base}/v1/dossiers/{code}", headers=auth).json())
                 ["status"] == "digitised" and v)
    assert [d["component"] for d in view["documents"]] == ["TK_LLTP", "GIAY_TO_TUY_THAN"]
    assert view["fields"]["id_number"]["value"] == "038090012345"
    assert all(s["sealed_by"] for s in view["signatures"]) and view["problems"] == []
    assert len(view["received"]) == 2 and all(r["processed"] for r in view["received"])
    assert [(c["component"], c["state"], c["digitised"]) for c in view["component_states"]] == \
        [("TK_LLTP", 1, True), ("GIAY_TO_TUY_THAN", 1, True)]
    pdf = httpx.get(f"{base}{view['documents'][0]['url']}", headers=auth)
    assert pdf.headers["content-type"] == "application/pdf"
    assert verify_pdf(pdf.content, []).valid and len(verify_pdf(pdf.content, []).signatures) == 2

    log = wait_until(lambda: (d := httpx.get(f"{base}/v1/dossiers/{code}/webhooks",
                                        headers=auth).json())
                and all(x["delivered_at"] for x in d) and len(d) == 3 and d)
    assert [d["status"] for d in log] == ["received", "processing", "digitised"]
    assert log[0]["attempts"] == 2 and log[0]["last_status"] == 204  # a 500, then delivered
    secret = tokens["mine"]["webhook_secret"].encode()
    for headers, body in receiver.calls:
        expected = hmac.new(secret, headers["X-Sohoa-Timestamp"].encode() + b"." + body,
                            hashlib.sha256).hexdigest()
        assert headers["X-Sohoa-Signature"] == f"sha256={expected}"
    assert json.loads(receiver.calls[-1][1])["status"] == "digitised"

    licence = Official(number="445/QĐ-UBND", terms=(  # until when it holds, what it covers
        "Giấy phép này có giá trị đến hết ngày 31/12/2027.",
        "Phạm vi hoạt động: xây dựng nhà ở riêng lẻ."))
    decision = save_scan(scan_look(official_document(licence), seed=7),
                         scans["form"].parent / "kq.jpg")
    with open(decision, "rb") as handle:
        sent = httpx.post(f"{base}/v1/dossiers/{code}/results", headers=auth,
                          files={"file": ("kq.jpg", handle, "image/jpeg")})
    assert sent.status_code == 202
    view = wait_until(lambda: (v := httpx.get(f"{base}/v1/dossiers/{code}", headers=auth).json())
                 ["results"] and v)
    assert view["results"][0]["code"] == f"{code}-KQ1"
    assert view["result_url"] == view["results"][0]["url"]
    assert view["results"][0]["fields"]["doc_number"]["value"] == "445/QĐ-UBND"
    signed = httpx.get(f"{base}{view['results'][0]['url']}", headers=auth)
    assert signed.status_code == 200 and verify_pdf(signed.content, []).valid
    qr = qr_text(signed.content)  # read from the page image, as a phone would
    lines = dict(line.split(": ", 1) for line in qr.splitlines())
    assert (lines["Mã HS"], lines["Mã TTHC"], lines["Số ĐDCN"]) == \
        (code, "2.000488", "038090012345")
    assert lines["Giấy tờ"] == "Quyết định 445/QĐ-UBND" and lines["HT"] == "sohoa"
    assert (lines["Hiệu lực đến"], lines["Phạm vi"]) == ("31/12/2027", "xây dựng nhà ở riêng lẻ")
    assert datetime.fromisoformat(lines["TG"]).tzinfo is not None
    looked_up = httpx.get(f"{base}/tra-cuu/{lines['Tra cứu']}")  # public: no token
    assert looked_up.status_code == 200
    answer = looked_up.json()
    assert answer["paper"] == f"{code}-KQ1" and answer["intact"] and answer["signature_valid"]
    assert "038090012345" not in looked_up.text  # no personal data
    assert httpx.get(f"{base}/tra-cuu/khong-co").status_code == 404


def test_files_accepted_while_prefect_is_away_are_in_s3_and_processed_once_it_answers(
        archive, prefect_harness, workers, tokens, scans):
    from helpers import free_port
    from pipeline.settings import load_settings
    from storage.ingest import Ingest

    code = f"{AGENCY}-231028-0003"
    settings = load_settings().model_copy(update={"settle_seconds": 0})
    server, thread, base = _serve(settings, archive, f"http://127.0.0.1:{free_port()}/api")
    auth = _auth(tokens)
    httpx.post(f"{base}/v1/dossiers", json=_dossier(code), headers=auth).raise_for_status()
    with open(scans["card"], "rb") as card:
        httpx.post(f"{base}/v1/dossiers/{code}/files", headers=auth, data={"component":
                   "GIAY_TO_TUY_THAN"}, files=[("files", ("cccd.jpg", card))]).raise_for_status()
    _stop(server, thread)  # no Prefect server answered: nothing could run it
    assert archive.catalogue.find(code) is None
    [upload] = Ingest(archive.catalogue).uploads(code)
    assert archive.store.get(upload.object_key) == scans["card"].read_bytes()  # by reference
    assert not Path(upload.path).exists()  # the spool only bridged until S3 had it

    server, thread, base = _serve(settings, archive, workers.url)
    try:
        view = wait_until(lambda: (v := httpx.get(f"{base}/v1/dossiers/{code}", headers=auth).json())
                     ["status"] == "needs_review" and v)
    finally:
        _stop(server, thread)
    assert view["missing_components"] == ["TK_LLTP"]
    assert [d["component"] for d in view["documents"]] == ["GIAY_TO_TUY_THAN"]
    [upload] = Ingest(archive.catalogue).uploads(code)
    assert upload.processed_by.split("@")[0] in workers.names


def _spooled_upload(ingest, home, code, scan, received_at=None):
    """A scan in the spool and its upload recorded, not yet in S3, as the API leaves it."""
    from storage.ingest import UploadRow

    data = scan.read_bytes()
    spooled = home / "inbox" / code / f"{hashlib.sha256(data).hexdigest()}.jpg"
    spooled.parent.mkdir(parents=True, exist_ok=True)
    spooled.write_bytes(data)
    upload, _ = ingest.add_upload(UploadRow(
        dossier_code=code, kind="component", sha256=spooled.stem, filename="cccd.jpg",
        size=len(data), path=str(spooled),
        **({"received_at": received_at} if received_at else {})))
    return data, spooled, upload


def test_a_file_s3_did_not_acknowledge_is_stored_and_submitted_by_the_bridge(
        archive, home, scans):
    """S3 away at receipt: the spool keeps the file; the bridge stores it later, clears the
    spool copy and submits its dossier (here to a Prefect server that is away too: it keeps
    the dossier due)."""
    from datetime import timedelta, timezone

    from helpers import free_port
    from pipeline.api.submit import Bridge, Submitter
    from pipeline.settings import load_settings
    from storage.ingest import Ingest

    code, ingest = f"{AGENCY}-231028-0005", Ingest(archive.catalogue)
    data, spooled, upload = _spooled_upload(ingest, home, code, scans["card"],
                                            datetime.now(timezone.utc) - timedelta(minutes=5))
    submitter = Submitter(load_settings(), ingest, f"http://127.0.0.1:{free_port()}/api")
    bridge = Bridge(archive.store, submitter)
    bridge.step()
    stored = ingest.upload(upload.id)
    assert archive.store.get(stored.object_key) == data
    assert not spooled.exists() and code in bridge.due


def test_a_killed_storer_is_replaced_and_the_next_file_still_reaches_s3(archive, home, scans):
    """A storer process killed (the OOM killer, an operator): the next upload finds the pool
    broken, a new pool is made, and the file is in S3 with its key recorded, its spool copy
    gone."""
    import os
    import signal

    from pipeline.api.storers import Storers
    from pipeline.settings import load_settings
    from storage.ingest import Ingest

    code, ingest = f"{AGENCY}-231028-0006", Ingest(archive.catalogue)
    data, spooled, upload = _spooled_upload(ingest, home, code, scans["card"])
    storers = Storers(load_settings(), archive.store.s3, ingest)
    try:
        first = storers.pool
        for process in list(first._processes.values()):
            os.kill(process.pid, signal.SIGKILL)
        wait_until(lambda: first._broken)  # what the pool's own thread sees of the kill
        stored = threading.Event()
        storers.store(upload, stored.set)
        assert stored.wait(60) and storers.pool is not first
    finally:
        storers.shutdown()
    key = ingest.upload(upload.id).object_key
    assert archive.store.get(key) == data and not spooled.exists()


def test_scans_are_submitted_through_the_api_split_at_their_sheets(api, tokens, scans, tmp_path):
    from pydantic import SecretStr

    from scanner_drivers.errors import ApiRefused
    from scanner_drivers.submit import submit_batch
    from tests.helpers import scanned_sheet

    base, settings = api
    code = f"{AGENCY}-231028-0004"
    httpx.post(f"{base}/v1/dossiers", json=_dossier(code), headers=_auth(tokens)
               ).raise_for_status()
    sheet = tmp_path / "p0001.jpg"
    sheet.write_bytes(scanned_sheet(code, "GIAY_TO_TUY_THAN"))
    counter = settings.model_copy(update={"api_url": base, "api_token": SecretStr(tokens["mine"]["token"])})
    for _ in range(2):  # a batch sent twice is received once
        sent = submit_batch([sheet, scans["card"]], counter, tmp_path)
        assert [(s["dossier"], s["submitted_to"]) for s in sent] == [(code, base)]
    view = httpx.get(f"{base}/v1/dossiers/{code}", headers=_auth(tokens)).json()
    assert [(r["file"], r["component"]) for r in view["received"]] == \
        [("cccd.jpg", "GIAY_TO_TUY_THAN")]
    unknown = tmp_path / "khac.jpg"
    unknown.write_bytes(scanned_sheet(f"{AGENCY}-231028-0099", None))
    with pytest.raises(ApiRefused) as refused:  # a dossier the one-stop system never declared
        submit_batch([unknown, scans["card"]], counter, tmp_path)
    assert refused.value.code == "not_found"


def test_revoked_clients_are_refused_at_once(api, tokens):
    base, _ = api
    temporary = _client("tam-thoi", AGENCY)
    headers = {"Authorization": f"Bearer {temporary['token']}"}
    assert httpx.get(f"{base}/v1/dossiers/{DOSSIER}", headers=headers).status_code == 200
    assert runner.invoke(cli, ["client", "revoke", "tam-thoi"]).exit_code == 0
    assert httpx.get(f"{base}/v1/dossiers/{DOSSIER}", headers=headers).status_code == 401
    assert runner.invoke(cli, ["client", "revoke", "tam-thoi"]).exit_code == 1


def _one_stop_form(base: str, path, text_code: str) -> dict:
    """How a provincial one-stop system reads the OCR service (read from its public code): it
    posts the file with its own textCode, takes results[0], parses NgayBanHanh as day, month,
    year, takes SoKetQua (SoChungChi for a certificate), NguoiKy and CoQuanBanHanh, and spreads
    every other key into the procedure's e-form."""
    from datetime import date

    with open(path, "rb") as handle:
        answer = httpx.post(f"{base}/ocr", params={"textCode": text_code},
                            files={"file": (path.name, handle)}, timeout=60).json()
    assert answer["errorCode"] == 0, answer["errorMessage"]
    result = answer["results"][0]
    day, month, year = (int(part) for part in result["NgayBanHanh"].split("/"))
    form = {"ngay_ban_hanh": date(year, month, day),
            "so_ket_qua": result.get("SoKetQua") or result.get("SoChungChi"),
            "nguoi_ky": result["NguoiKy"], "co_quan_ban_hanh": result["CoQuanBanHanh"]}
    form.update({key: value for key, value in result.items() if key not in
                 ("NgayBanHanh", "SoKetQua", "SoChungChi", "NguoiKy", "CoQuanBanHanh")})
    return form


def test_drop_in_ocr_service_answers_in_the_one_stop_systems_shape(api, tokens, scans):
    from datetime import date

    base, _ = api
    decision = save_scan(scan_look(official_document()), scans["form"].parent / "qd.jpg")
    for code in ("QD", "KQ_QUYETDINH_UBND", "MA_TINH_KHONG_BIET"):  # sohoa's, mapped, unknown
        form = _one_stop_form(base, decision, code)
        assert form["ngay_ban_hanh"] == date(2023, 10, 27), code
        assert form["so_ket_qua"] == "12/QĐ-UBND" and form["nguoi_ky"] == "Lê Văn Bình"
        assert "ỦY BAN NHÂN DÂN" in form["co_quan_ban_hanh"]
        assert form["doc_number"] == "12/QĐ-UBND" and form["issue_date"] == "2023-10-27"
        assert form["textCode"] == code and form.get("detected") == \
            ("QD" if code == "MA_TINH_KHONG_BIET" else None)  # found from the document's type
    garbage = httpx.post(f"{base}/ocr", files={"file": ("x.pdf", b"%PDF-1.4 broken")}).json()
    assert garbage["errorCode"] == 1 and garbage["errorMessage"]
    refused = httpx.post(f"{base}/ocr", files={"file": ("x.pdf", b"x")},
                         headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401 and refused.json()["errorCode"] == 3


@pytest.fixture(scope="module")
def api_schema(api):
    import schemathesis

    base, _ = api
    return schemathesis.openapi.from_url(f"{base}/openapi.json")


def test_no_generated_request_gets_a_server_error(api_schema, api, tokens):
    """Whatever schemathesis generates from the OpenAPI document, with a valid token or none,
    the API never answers 5xx."""
    from hypothesis import HealthCheck, given, settings

    base, _ = api
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 12
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def no_server_error(case):
            for headers in (_auth(tokens), {}):
                response = case.call(base_url=base, headers=headers, timeout=60)
                assert response.status_code < 500, (case.method, case.path, response.text[:300])

        no_server_error()
