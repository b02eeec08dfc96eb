"""Review end to end: list, correct (validated), attach a missing component without re-reading
the pages already read, approve; every action kept with who and when."""

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.samples import SAMPLE_PERSON, id_card_copy, save_scan, scan_look

runner = CliRunner()
DOSSIER = "000.00.06.H56-231027-0100"


def _run(*args):
    result = runner.invoke(app, [*args, "--json"])
    return result.exit_code, (json.loads(result.stdout) if result.stdout.strip() else None), result


@pytest.fixture(scope="module")
def incomplete(archive, prefect_harness, scans):
    code, out, _ = _run("digitise", str(scans["form"]), "--dossier", DOSSIER,
                        "--procedure", "2.000488")
    assert code == 0 and out["status"] == "needs_review"
    return out


def test_listed_then_corrected_with_validation(incomplete):
    code, listed, _ = _run("review", "list")
    assert code == 0
    mine = next(d for d in listed if d["dossier"] == DOSSIER)
    assert mine["missing_components"] == ["GIAY_TO_TUY_THAN"]

    code, _, result = _run("review", "correct", DOSSIER, "--document", "1", "--field", "phone",
                           "--value", "12ab", "--by", "Lê Thị Mai")
    assert code == 2 and "12ab" in result.output
    code, out, _ = _run("review", "correct", DOSSIER, "--document", "1", "--field", "phone",
                        "--value", "+84 912 000 111", "--by", "Lê Thị Mai")
    assert code == 0
    phone = out["documents"][0]["fields"]["phone"]
    assert phone["value"] == "0912000111" and phone["confidence"] == 1.0
    assert phone["corrected_by"] == "Lê Thị Mai"


def test_approval_refused_while_a_required_component_is_missing(incomplete):
    code, _, result = _run("review", "approve", DOSSIER, "--by", "Lê Thị Mai")
    assert code == 2 and "GIAY_TO_TUY_THAN" in result.output


def test_attach_reads_only_new_pages_keeps_corrections_then_approve(
        incomplete, tmp_path, monkeypatch):
    import pipeline.flows.digitise as flow

    reads = []
    original = flow.read_with

    def counting(settings, received, ref, run):
        reads.append((received.name, ref.number))
        return original(settings, received, ref, run)

    monkeypatch.setattr(flow, "read_with", counting)
    card = save_scan(scan_look(id_card_copy(SAMPLE_PERSON), seed=21, skew=0.4),
                     tmp_path / "cccd-bo-sung.jpg")
    code, out, _ = _run("review", "attach", DOSSIER, str(card), "--by", "Trần Văn Hùng")
    assert code == 0 and reads == [("cccd-bo-sung.jpg", 1)]  # the form came from the page cache
    assert out["missing_components"] == [] and out["status"] == "digitised"
    assert [d["component"] for d in out["documents"]] == ["TK_LLTP", "GIAY_TO_TUY_THAN"]
    assert out["documents"][0]["fields"]["phone"]["value"] == "0912000111"  # kept

    assert all(d["sealed_by"] for d in out["documents"])  # complete after attach: sealed at once
    code, out, _ = _run("review", "approve", DOSSIER, "--by", "Trần Văn Hùng")
    assert code == 0 and out["status"] == "digitised" and out["approved"]["by"] == "Trần Văn Hùng"
    code, events, _ = _run("review", "history", DOSSIER)
    assert [(e["kind"], e["by"]) for e in events] == [
        ("correct", "Lê Thị Mai"), ("attach", "Trần Văn Hùng"), ("approve", "Trần Văn Hùng")]
    assert events[0]["detail"]["old"] == "0912345678" and events[0]["detail"]["value"] == "0912000111"


def test_missing_id_copy_is_offered_from_the_owners_archive_and_reused(incomplete, scans):
    dossier = "000.00.06.H56-231027-0101"
    code, out, _ = _run("digitise", str(scans["form"]), "--dossier", dossier,
                        "--procedure", "2.000488")
    assert code == 0 and out["missing_components"] == ["GIAY_TO_TUY_THAN"]
    offer = next(o for o in out["reusable"] if o["component"] == "GIAY_TO_TUY_THAN")
    assert offer["digitisation_code"].startswith("038090012345.2.000488.GIAY_TO_TUY_THAN.")
    assert offer["dossier"] != dossier and offer["valid_until"] > offer["digitised_at"]

    code, out, _ = _run("review", "reuse", dossier, "--component", "GIAY_TO_TUY_THAN",
                        "--by", "Lê Thị Mai")
    assert code == 0 and out["missing_components"] == [] and out["status"] == "digitised"
    assert out["reused"][0]["digitisation_code"] == offer["digitisation_code"]
    code, _, result = _run("review", "reuse", dossier, "--component", "GIAY_TO_TUY_THAN",
                           "--by", "Lê Thị Mai")
    assert code == 2 and "GIAY_TO_TUY_THAN" in result.output


def test_approval_resumes_the_flow_the_agency_seals_the_archival_copies(
        archive, prefect_harness, scans, tmp_path):
    import hashlib

    from PIL import Image, ImageFilter

    from pipeline.signing.verify import verify_pdf

    dossier = "000.00.06.H56-231027-0102"
    blurred = tmp_path / "cccd-mo.jpg"
    with Image.open(scans["card"]) as card:
        card.filter(ImageFilter.GaussianBlur(5)).save(blurred, "JPEG", dpi=(300, 300))
    code, out, _ = _run("digitise", str(scans["form"]), str(blurred), "--dossier", dossier,
                        "--procedure", "2.000488", "--owner", "038090012345")
    assert code == 0 and out["status"] == "needs_review" and out["missing_components"] == []
    assert not any(d["sealed_by"] for d in out["documents"])  # unsure: the copies wait

    code, out, result = _run("review", "approve", dossier, "--by", "Lê Thị Mai")
    assert code == 0 and out["status"] == "digitised", result.output
    manifest = json.loads(archive.store.get(archive.catalogue.find(dossier).manifest_key))
    for doc in out["documents"]:
        assert "CƠ QUAN" in doc["sealed_by"]
        data = archive.store.get(doc["object"].split("/", 3)[3])
        assert hashlib.sha256(data).hexdigest() == doc["sha256"]
        report = verify_pdf(data, [])
        assert report.valid and [s.field for s in report.signatures] == ["ChuKySoHoa", "ChuKyCoQuan"]
        listed = next(o for o in manifest["objects"] if o["key"] in doc["object"])
        assert listed["sha256"] == doc["sha256"]
