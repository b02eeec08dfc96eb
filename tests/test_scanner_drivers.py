"""Counter scanners against real counterparts: SANE's test device, an eSCL responder, a real
hot folder; a scanned batch split at its separator sheets and submitted."""

import io
import json
import threading
import time

import pytest
from PIL import Image
from typer.testing import CliRunner

from pipeline.cli import app
from scanner_drivers.base import BatchSettings
from scanner_drivers.errors import ScannerError
from scanner_drivers.devices import open_scanner
from tests.escl_responder import EsclResponder
from tests.helpers import scanned_sheet

runner = CliRunner()


@pytest.fixture
def sane_test_device(tmp_path, monkeypatch):
    """SANE's ``test`` backend, which Debian ships disabled: enabled in a config of our own."""
    (tmp_path / "dll.conf").write_text("test\n")
    monkeypatch.setenv("SANE_CONFIG_DIR", str(tmp_path))


def test_sane_lists_devices_and_scans_a_feeder_batch(sane_test_device):
    from scanner_drivers.sane import devices

    assert "sane:test:0" in [d.uri for d in devices()]
    pages = list(open_scanner("sane:test:0").scan(BatchSettings(resolution=150)))
    assert len(pages) == 10  # the test feeder holds ten sheets
    with Image.open(io.BytesIO(pages[0].data)) as first:
        assert first.mode == "RGB" and round(first.info["dpi"][0]) == 150
    gray = list(open_scanner("sane:test:0").scan(BatchSettings(resolution=100, mode="gray")))
    with Image.open(io.BytesIO(gray[0].data)) as first:
        assert first.mode == "L" and pages[0].format == "tiff"
    with pytest.raises(ScannerError) as no_duplex:
        list(open_scanner("sane:test:0").scan(BatchSettings(duplex=True)))
    assert no_duplex.value.code == "no_duplex" and "Automatic Document Feeder" in str(
        no_duplex.value.message("en"))


@pytest.fixture(scope="module")
def batch_pages(scans):
    """A counter's batch: sheet (dossier, ID card), the card, sheet (another dossier), form."""
    return [scanned_sheet("000.00.06.H56-231029-0001", "GIAY_TO_TUY_THAN"),
            scans["card"].read_bytes(), scanned_sheet("000.00.06.H56-231029-0002", None),
            scans["form"].read_bytes()]


def test_escl_scans_what_the_responder_feeds_with_the_settings_asked(batch_pages):
    scanner = EsclResponder(batch_pages)
    pages = list(open_scanner(f"escl:{scanner.url}").scan(BatchSettings(resolution=300)))
    assert [p.data for p in pages] == batch_pages and {p.format for p in pages} == {"jpeg"}
    settings = next(iter(scanner.jobs.values()))["settings"]
    assert settings["InputSource"] == "Feeder" and settings["XResolution"] == "300"
    assert settings["ColorMode"] == "RGB24"
    with pytest.raises(ScannerError) as refused:
        list(open_scanner(f"escl:{scanner.url}").scan(BatchSettings(resolution=600)))
    assert refused.value.code == "resolution_unsupported"
    with pytest.raises(ScannerError) as duplex:
        list(open_scanner(f"escl:{scanner.url}").scan(BatchSettings(duplex=True)))
    assert duplex.value.code == "no_duplex"
    scanner.shutdown()


def test_sohoa_scan_splits_the_batch_at_its_sheets_and_submits_each_dossier(
        batch_pages, archive, prefect_harness):
    scanner = EsclResponder(batch_pages)
    result = runner.invoke(app, ["scan", "--device", f"escl:{scanner.url}", "--counter", "3",
                                 "--procedure", "2.000488", "--json"])
    scanner.shutdown()
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["pages"] == 4
    assert [(d["dossier"], [p["component"] for p in d["parts"]]) for d in out["dossiers"]] == [
        ("000.00.06.H56-231029-0001", ["GIAY_TO_TUY_THAN"]), ("000.00.06.H56-231029-0002", [None])]
    card = archive.catalogue.find("000.00.06.H56-231029-0001")
    assert [d.component for d in card.documents] == ["GIAY_TO_TUY_THAN"]
    assert card.record.missing_components == ["TK_LLTP"]
    form = archive.catalogue.find("000.00.06.H56-231029-0002")
    assert [d.component for d in form.documents] == ["TK_LLTP"]  # found by its title


def test_a_batch_without_a_leading_sheet_is_refused_naming_why(scans, tmp_path):
    from pipeline.settings import load_settings
    from scanner_drivers.batches import NoSeparator, split_by_sheets

    with pytest.raises(NoSeparator) as refused:
        split_by_sheets([scans["card"]], load_settings())
    assert "cccd.jpg" in refused.value.message("en")


def test_hot_folder_takes_complete_files_once_and_sorts_failures(tmp_path):
    from scanner_drivers.errors import NoSeparator
    from scanner_drivers.hotfolder import HotFolder, counter_folder

    taken = []

    def handle(path):
        data = path.read_bytes()
        if data.startswith(b"BAD"):
            raise NoSeparator(path.name)
        taken.append((path.name, data))

    folder = counter_folder(tmp_path, 2)
    folder.mkdir(parents=True)
    (folder / "before-start.pdf").write_bytes(b"%PDF dropped while stopped")
    hot = HotFolder(folder, handle, settle=0.3)
    stop = threading.Event()
    thread = threading.Thread(target=hot.run, args=(stop,), daemon=True)
    thread.start()
    try:
        with (folder / "slow.pdf").open("wb") as slow:  # written over 1 s, in pieces
            for piece in range(5):
                slow.write(b"%%PDF part %d\n" % piece)
                slow.flush()
                time.sleep(0.2)
        (folder / "bad.pdf").write_bytes(b"BAD batch")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(list(hot.done.iterdir())) + \
                len(list(hot.failed.glob("*.pdf"))) < 3:
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(10)
    assert sorted(name for name, _ in taken) == ["before-start.pdf", "slow.pdf"]
    assert dict(taken)["slow.pdf"].count(b"part") == 5  # taken whole, once
    assert sorted(p.name for p in hot.done.iterdir()) == ["before-start.pdf", "slow.pdf"]
    assert (hot.failed / "bad.pdf").exists()
    assert "no_separator" in (hot.failed / "bad.pdf.reason.txt").read_text(encoding="utf-8")
    assert hot.waiting() == []

    again = HotFolder(folder, handle, settle=0.1)  # a restart takes nothing twice
    assert again.sweep() == {} and len(taken) == 2
