"""Results the agency issues: digitised, signed as the agency and archived as <code>-KQ<n>."""

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.samples import Official, official_document, save_scan, scan_look

runner = CliRunner()
DOSSIER = "000.00.06.H56-231027-0700"
OWNER = "038090012345"


def _invoke(*args):
    result = runner.invoke(app, [*map(str, args), "--json"])
    return result.exit_code, (json.loads(result.stdout) if result.stdout.strip() else None), result


@pytest.fixture(scope="module")
def issued(archive, prefect_harness, scans, tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    code, out, _ = _invoke("digitise", scans["card"], "--dossier", DOSSIER, "--procedure",
                           "2.000488", "--owner", OWNER)
    assert code == 0 and out["owner_id"] == OWNER
    decision = save_scan(scan_look(official_document(Official(number="447/QĐ-UBND")), seed=7),
                         folder / "quyet-dinh.jpg")
    first = _invoke("result", decision, "--dossier", DOSSIER)
    return folder, decision, first


def test_a_result_is_archived_as_kq_signed_by_the_agency_with_its_fields(issued, archive):
    from pipeline.signing.verify import verify_pdf

    _, _, (code, entry, result) = issued
    assert code == 0, result.output
    assert entry["code"] == f"{DOSSIER}-KQ1" and entry["number"] == 1
    key = archive.store.key(entry["object"])
    assert key == f"000.00.06.H56/2023/10/{DOSSIER}/{DOSSIER}-KQ1.pdf"
    assert entry["fields"]["doc_number"]["value"] == "447/QĐ-UBND"
    assert entry["fields"]["issue_date"]["value"] == "2023-10-27"
    assert entry["digitisation_code"] == f"{OWNER}.KQ.447-QD-UBND.01"  # no other test uses 447
    report = verify_pdf(archive.store.get(key), [])
    assert report.valid and len(report.signatures) == 1
    assert "CƠ QUAN" in report.signatures[0].signer  # the agency's key, not the official's
    stored = archive.catalogue.find(DOSSIER)
    assert [(d.kind, d.order) for d in stored.documents] == [("component", 1), ("result", 1)]
    assert stored.record.results[0].sha256 == entry["sha256"]


def test_results_are_found_audited_and_sent_once(issued, archive):
    folder, decision, (_, entry, _) = issued
    hits = _invoke("search", "cap giay phep xay dung", "--dossier", DOSSIER)[1]
    assert [(h["kind"], h["document"]) for h in hits] == [("result", 1)]
    code, report, _ = _invoke("audit", "--dossier", DOSSIER, "--workers", "1")
    assert code == 0 and report["documents"] == 2 and report["findings"] == []

    versions = len(list(archive.store.client.list_objects(
        archive.store.bucket, prefix=archive.store.key(entry["object"]), include_version=True)))
    code, again, _ = _invoke("result", decision, "--dossier", DOSSIER)
    assert code == 0 and again == entry and versions == len(list(
        archive.store.client.list_objects(archive.store.bucket,
                                          prefix=archive.store.key(entry["object"]),
                                          include_version=True)))


def test_results_stay_when_the_dossier_is_digitised_again(issued, archive, scans):
    _, _, (_, entry, _) = issued
    code, out, _ = _invoke("digitise", scans["card"], scans["form"], "--dossier", DOSSIER,
                           "--procedure", "2.000488", "--owner", OWNER)
    assert code == 0 and [r["code"] for r in out["results"]] == [f"{DOSSIER}-KQ1"]
    stored = archive.catalogue.find(DOSSIER)
    assert [(d.kind, d.order) for d in stored.documents] == \
        [("component", 1), ("component", 2), ("result", 1)]
    code, report, _ = _invoke("audit", "--dossier", DOSSIER, "--workers", "1")
    assert code == 0 and report["findings"] == [], report


def test_bad_results_are_refused_and_nothing_is_stored(issued, archive, tmp_path):
    corrupt = tmp_path / "kq.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n garbage")
    before = archive.store.keys(f"000.00.06.H56/2023/10/{DOSSIER}/")
    code, _, result = _invoke("result", corrupt, "--dossier", DOSSIER)
    assert code == 3 and "corrupt" in result.output.lower()
    assert archive.store.keys(f"000.00.06.H56/2023/10/{DOSSIER}/") == before
    code, _, result = _invoke("result", corrupt, "--dossier", "000.00.06.H56-231027-0799")
    assert code == 2 and "000.00.06.H56-231027-0799" in result.output


def test_a_crash_before_the_results_commit_is_repaired_from_the_manifest(
        issued, archive, monkeypatch):
    from pipeline.flows.result import digitise_result
    from storage.catalogue import Catalogue

    folder, _, _ = issued
    second = save_scan(scan_look(official_document(Official(number="446/QĐ-UBND")), seed=8),
                       folder / "quyet-dinh-2.jpg")

    def power_cut(*args, **kwargs):
        raise RuntimeError("power cut")

    with monkeypatch.context() as patch:
        patch.setattr(Catalogue, "add_result", power_cut)
        with pytest.raises(RuntimeError):
            digitise_result(file=str(second), dossier=DOSSIER)
    assert [d.kind for d in archive.catalogue.find(DOSSIER).documents].count("result") == 1
    code, report, _ = _invoke("reconcile")
    assert code == 0 and report["repaired"] == [DOSSIER]
    stored = archive.catalogue.find(DOSSIER)
    assert [(d.kind, d.order) for d in stored.documents if d.kind == "result"] == \
        [("result", 1), ("result", 2)]
    assert stored.record.results[1].code == f"{DOSSIER}-KQ2"
    assert _invoke("audit", "--dossier", DOSSIER, "--workers", "1")[0] == 0


def test_a_result_that_arrives_signed_is_archived_as_it_came_with_its_qr_recorded(
        issued, archive, tmp_path):
    """Signed by the agency's own system, with its own QR code: stored byte for byte (no code
    drawn, no seal added), its signature and QR code recorded, its fields read."""
    import io

    from pipeline.pdf import qr
    from pipeline.settings import load_settings
    from pipeline.signing.backends import open_signer
    from pipeline.signing.signer import AGENCY_ROLE, sign_pdf

    page = io.BytesIO()
    official_document(Official(number="448/QĐ-UBND")).convert("RGB").save(
        page, "PDF", resolution=300)
    theirs = "Mã HS: X\nTra cứu: https://vpdt.thanhhoa.gov.vn/tra-cuu/448"
    with open_signer(load_settings(), "agency") as agency:
        signed = sign_pdf(qr.stamp(page.getvalue(), theirs), agency, AGENCY_ROLE, "H56")
    (tmp_path / "kq-448.pdf").write_bytes(signed)
    code, entry, result = _invoke("result", tmp_path / "kq-448.pdf", "--dossier", DOSSIER)
    assert code == 0, result.output
    assert archive.store.get(archive.store.key(entry["object"])) == signed
    assert entry["sha256"] == entry["original"]["sha256"] and "lookup" not in entry
    assert entry["incoming_qr"] == theirs
    assert [s["valid"] for s in entry["incoming_signatures"]] == [True]
    assert entry["fields"]["doc_number"]["value"] == "448/QĐ-UBND"
    # their QR code covers the header's first words: the issuing body under it reads as
    # "1 ' BAN NHÂN DÂN ”„1NH THANH HÓA", refused and sent to a person, nothing else is wrong
    assert [(p["code"], p.get("field")) for p in entry["problems"]] \
        == [("invalid_field", "issuing_body")], entry["problems"]
