"""The pages in a real browser: Playwright driving Debian's chromium against ``sohoa serve``'s
app on loopback. Log in, the queue, a dossier needing review: a field corrected (a bad value
refused in place, a good one kept), a page attached, approval and the agency's seal on the
PDF; search without diacritics and the signed PDF; the indicators and their XLSX; another
agency's dossier not found; a form without its CSRF token, and a role without the right,
refused."""

from __future__ import annotations

import io
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image, ImageFilter
from typer.testing import CliRunner

from pipeline.cli import app as cli
from pipeline.text import fold
from tests.escl_responder import EsclResponder

runner = CliRunner()
AGENCY, OTHER = "000.00.06.H56", "000.00.07.H56"
REVIEW, PARTIAL, ELSEWHERE = (f"{AGENCY}-231027-0201", f"{AGENCY}-231027-0202",
                              f"{OTHER}-231027-0203")
RESCANNED, COUNTED = f"{AGENCY}-231027-0204", f"{AGENCY}-231027-0205"
PASSWORD = "mat-khau-thu-nghiem"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _digitise(*args) -> dict:
    result = runner.invoke(cli, ["digitise", *map(str, args), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _user(name: str, role: str, *agencies: str) -> None:
    result = runner.invoke(cli, ["user", "add", name, "--role", role, "--password-stdin",
                                 *[a for agency in agencies for a in ("--agency", agency)],
                                 "--json"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def site(archive, prefect_harness, workers, scans, tmp_path_factory):
    """Three dossiers (one complete but unsure, one missing its ID card, one of another agency),
    an account of each role, and the API with its pages on a loopback port."""
    import uvicorn

    from pipeline.api.app import create_app
    from pipeline.settings import load_settings
    from pipeline.web.app import install

    folder = tmp_path_factory.mktemp("web")
    blurred = folder / "cccd-mo.jpg"
    with Image.open(scans["card"]) as card:
        card.filter(ImageFilter.GaussianBlur(5)).save(blurred, "JPEG", dpi=(300, 300))
    assert _digitise(scans["form"], blurred, "--dossier", REVIEW, "--procedure", "2.000488",
                     "--owner", "038090012345")["status"] == "needs_review"
    assert _digitise(scans["form"], "--dossier", PARTIAL, "--procedure", "2.000488"
                     )["missing_components"] == ["GIAY_TO_TUY_THAN"]
    _digitise(scans["card"], "--dossier", ELSEWHERE, "--procedure", "2.000488")
    _digitise(scans["form"], "--dossier", RESCANNED, "--procedure", "2.000488")
    for name, role, agency in (("mai", "reviewer", AGENCY), ("lan", "scanner", AGENCY),
                               ("hung", "archivist", AGENCY), ("tam", "manager", AGENCY),
                               ("khac", "reviewer", OTHER)):
        _user(name, role, agency)
    scanner = EsclResponder([scans["card"].read_bytes()])  # counter 1's scanner, on loopback
    token = json.loads(runner.invoke(cli, ["client", "add", "motcua-web", "--agency", AGENCY,
                                           "--json"]).stdout)["token"]
    settings = load_settings().model_copy(update={"counter_scanners": {1: f"escl:{scanner.url}"},
                                                  "settle_seconds": 0.5})
    app = create_app(settings, archive, workers.url)
    install(app)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    _sent_from_counter(base, token, scans, 2)
    yield base, scans
    server.should_exit = True
    thread.join(30)
    scanner.shutdown()


def _sent_from_counter(base: str, token: str, scans, counter: int) -> None:
    """A dossier the one-stop system declares, its form scanned at ``counter`` (its scanner
    driver says so), processed by the API's worker."""
    import httpx

    auth = {"Authorization": f"Bearer {token}"}
    httpx.post(f"{base}/v1/dossiers", headers=auth, json={
        "code": COUNTED, "procedure": "2.000488", "agency": AGENCY,
        "components": ["TK_LLTP", "GIAY_TO_TUY_THAN"]}).raise_for_status()
    with open(scans["form"], "rb") as form:
        httpx.post(f"{base}/v1/dossiers/{COUNTED}/files", headers=auth,
                   data={"counter": str(counter)},
                   files=[("files", ("to-khai.jpg", form))]).raise_for_status()
    deadline = time.monotonic() + 180
    while httpx.get(f"{base}/v1/dossiers/{COUNTED}", headers=auth).json()["status"] in (
            "registered", "received", "processing"):
        assert time.monotonic() < deadline, "the worker never processed it"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _shot(page, name: str) -> None:
    """``make screens``: the screen as the README shows it (counter PCs' 1366×768)."""
    folder = os.environ.get("SOHOA_SCREENS")
    if folder:
        page.wait_for_load_state("networkidle")  # its images in
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def _login(browser, base: str, name: str):
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill(name)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    return page


def test_a_wrong_password_is_refused_and_repeated_ones_lock_the_account(site, browser):
    base, _ = site
    _user("thu", "scanner", AGENCY)
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    for attempt in range(5):
        page.goto(f"{base}/login")
        page.get_by_label("Tên đăng nhập").fill("thu")
        page.get_by_label("Mật khẩu").fill("sai-mat-khau")
        page.get_by_role("button", name="Đăng nhập").click()
        assert page.get_by_role("alert").inner_text() == "Sai tên đăng nhập hoặc mật khẩu."
    _shot(page, "dang-nhap")
    page.get_by_label("Tên đăng nhập").fill("thu")
    page.get_by_label("Mật khẩu").fill(PASSWORD)  # right, but too late
    page.get_by_role("button", name="Đăng nhập").click()
    assert "tạm khóa" in page.get_by_role("alert").inner_text()
    page.close()


def test_the_keyboard_alone_logs_in_and_reaches_the_desk_and_lost_pages_are_vietnamese(
        site, browser):
    base, _ = site
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{base}/login")
    page.wait_for_function("document.activeElement.id === 'username'")  # the page gives it
    page.keyboard.type("lan")  # the name field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk")
    page.keyboard.press("Tab")  # the skip link first, then the menu
    assert page.evaluate("document.activeElement.textContent") == "Bỏ qua thanh điều hướng"
    missing = page.goto(f"{base}/khong-co-trang-nay")
    assert missing.status == 404 and "Không có trang này." in page.content()
    page.close()


def test_the_queue_then_a_field_corrected_a_page_attached_and_the_dossier_approved(
        site, browser):
    from pipeline.signing.verify import verify_pdf

    base, scans = site
    page = _login(browser, base, "mai")
    assert page.url.endswith("/desk")
    _shot(page, "ban-so-hoa")
    review = page.locator("section.column", has=page.get_by_role("heading", name="Cần kiểm tra"))
    review.get_by_role("link", name=REVIEW).click()
    assert page.locator("[data-status]").get_attribute("data-status") == "needs_review"

    image = page.request.get(f"{base}/dossiers/{REVIEW}/documents/1/pages/0.jpg")
    assert image.ok and image.headers["content-type"] == "image/jpeg", image.text()[:500]
    assert page.locator("#doc-1 .pageimg img").evaluate("i => i.complete && i.naturalWidth") > 0
    assert page.locator("#doc-1 .box").count() >= 3  # where the fields were read
    phone = page.locator("#doc-1 tr[data-field]").first
    field = phone.get_attribute("data-field")
    box = page.locator(f"#doc-1 tr[data-field='{field}'] input[name=value]")
    box.fill("không phải giá trị" if field != "full_name" else "12345")
    box.press("Enter")  # refused in place, the page stays
    assert page.locator(f"[data-refused='{field}']").is_visible()
    page.locator(f"[data-refused='{field}']").scroll_into_view_if_needed()
    _shot(page, "kiem-tra-ho-so")
    good = {"full_name": "Nguyễn Văn An", "phone": "0912000111", "date_of_birth": "15/03/1990",
            "id_number": "038090012345", "address": "Thôn 3, xã Quảng Tâm, TP Thanh Hóa",
            "sex": "Nam"}
    value = good.get(field, "Thanh Hóa")
    box = page.locator(f"#doc-1 tr[data-field='{field}'] input[name=value]")
    box.fill(value)
    box.press("Enter")
    page.wait_for_url(f"**/dossiers/{REVIEW}*")
    assert "Đã sửa bởi mai" in page.locator(f"#doc-1 tr[data-field='{field}']").inner_text()

    page.goto(f"{base}/dossiers/{PARTIAL}")
    assert page.locator("[data-missing=GIAY_TO_TUY_THAN]").is_visible()
    page.get_by_label("Bổ sung trang quét lại (PDF, JPEG, PNG, TIFF)").set_input_files(
        str(scans["card"]))
    page.get_by_role("button", name="Bổ sung", exact=True).click()
    page.wait_for_url(f"**/dossiers/{PARTIAL}", timeout=120_000)
    assert page.locator("[data-missing]").count() == 0

    page.goto(f"{base}/dossiers/{REVIEW}")
    page.get_by_role("button", name="Duyệt và đóng dấu số").click()
    page.wait_for_url(f"**/dossiers/{REVIEW}", timeout=60_000)
    assert page.locator("[data-status]").get_attribute("data-status") == "digitised"
    assert "CƠ QUAN" in page.locator("[data-sealed='1']").inner_text()
    pdf = page.request.get(f"{base}/dossiers/{REVIEW}/documents/1.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    with ThreadPoolExecutor(1) as aside:  # pyHanko runs its own event loop, Playwright has one
        report = aside.submit(verify_pdf, pdf.body(), []).result()
    assert report.valid and [s.field for s in report.signatures] == ["ChuKySoHoa", "ChuKyCoQuan"]
    history = page.locator("ol.history").inner_text()
    assert "mai · sửa dữ liệu" in history and "mai · duyệt" in history
    page.close()


def test_search_without_diacritics_then_the_signed_pdf_and_its_signature(site, browser):
    base, _ = site
    page = _login(browser, base, "hung")
    assert page.url.endswith("/search")
    page.get_by_label("Từ khóa (có dấu hoặc không dấu)").fill("nguyen van an")
    page.get_by_role("button", name="Tìm").click()
    hits = page.locator("li.hit")
    assert hits.count() >= 1
    _shot(page, "tra-cuu")
    marked = hits.first.locator("mark").all_inner_texts()
    assert {fold(m) for m in marked} == {"nguyen", "van", "an"}  # found with its diacritics
    assert ELSEWHERE not in page.content()  # another agency's dossier is not listed
    link = hits.first.get_by_role("link", name="Mở PDF")
    pdf = page.request.get(base + link.get_attribute("href"))
    assert pdf.ok and pdf.body()[:5] == b"%PDF-"
    held = runner.invoke(cli, ["hold", REVIEW, "--on", "--by", "hung", "--json"])
    assert held.exit_code == 0, held.output
    page.goto(f"{base}/dossiers/{REVIEW}")  # read only for an archivist, the hold shown
    assert page.locator("[data-hold=on]").is_visible()
    assert page.get_by_role("button", name="Sửa").count() == 0
    assert page.locator("ol.history [data-kind=hold]").count() == 1
    page.goto(f"{base}/dossiers/{REVIEW}/documents/1/signature")
    assert page.locator("[data-valid]").get_attribute("data-valid") == "true"
    _shot(page, "chu-ky-so")
    page.get_by_role("button", name="Tạo liên kết tải về (15 phút)").click()
    download = page.locator("#download").get_attribute("href")
    assert "X-Amz-Expires=900" in download
    page.close()


def test_the_indicators_with_their_chart_links_and_xlsx(site, browser):
    from openpyxl import load_workbook

    base, _ = site
    page = _login(browser, base, "tam")
    page.goto(f"{base}/indicators?from=2023-10-01&to=2023-10-31")
    row = page.locator(f"tr[data-unit='{AGENCY}']")
    received = int(row.locator("[data-column=received]").inner_text())
    assert received >= 2 and page.locator("svg.chart g.real circle").count() == 1
    _shot(page, "chi-tieu")
    row.locator("[data-column=received] a").click()
    assert page.locator("ul.codes li").count() == received
    page.goto(f"{base}/indicators?from=2023-10-01&to=2023-10-31")
    with page.expect_download() as download:
        page.locator("#xlsx").click()
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    units = [c.value for c in sheet["A"]]
    assert AGENCY in units and OTHER not in units
    bad = page.goto(f"{base}/indicators?from=2023-13-01")  # refused, naming the day
    assert bad.status == 422 and page.locator("[data-code]").get_attribute("data-code") == \
        "invalid_day" and "2023-13-01" in page.locator("[data-code]").inner_text()
    page.goto(f"{base}/desk")  # a manager has no desk
    assert page.locator("[data-code]").get_attribute("data-code") == "forbidden"
    page.close()


def test_another_agency_csrf_and_roles_are_refused(site, browser):
    base, _ = site
    other = _login(browser, base, "khac")
    response = other.goto(f"{base}/dossiers/{REVIEW}")
    assert response.status == 404 and "Không tìm thấy" in other.content()
    other.close()

    scanner = _login(browser, base, "lan")
    forged = scanner.request.post(f"{base}/dossiers/{PARTIAL}/approve", form={"csrf": "x"},
                                  max_redirects=0)
    assert forged.status == 403 and "csrf_refused" in forged.text()
    scanner.goto(f"{base}/dossiers/{PARTIAL}")
    assert scanner.get_by_role("button", name="Duyệt và đóng dấu số").count() == 0
    token = scanner.locator("input[name=csrf]").first.get_attribute("value")
    refused = scanner.request.post(f"{base}/dossiers/{PARTIAL}/approve",
                                   form={"csrf": token}, max_redirects=0)
    assert refused.status == 403 and "forbidden" in refused.text()
    scanner.close()


def test_each_counter_sees_its_own_and_rescans_at_its_scanner(site, browser):
    base, _ = site
    page = _login(browser, base, "lan")  # a scanner at the counters
    page.goto(f"{base}/desk?counter=2")
    review = page.locator("section.column", has=page.get_by_role("heading", name="Cần kiểm tra"))
    assert review.get_by_role("link", name=COUNTED).is_visible()
    assert review.get_by_role("link", name=REVIEW).count() == 0  # not scanned at counter 2
    page.goto(f"{base}/desk?counter=1")
    assert page.get_by_role("link", name=COUNTED).count() == 0

    page.goto(f"{base}/dossiers/{RESCANNED}")
    assert page.locator("[data-missing=GIAY_TO_TUY_THAN]").is_visible()
    page.get_by_label("Quét lại từ máy quét của quầy (đặt giấy vào khay nạp)").select_option("1")
    page.get_by_role("button", name="Quét và bổ sung").click()
    page.wait_for_url(f"**/dossiers/{RESCANNED}", timeout=120_000)
    assert page.locator("[data-missing]").count() == 0  # the ID card came from the feeder
    assert "bổ sung trang" in page.locator("ol.history").inner_text()
    page.close()
