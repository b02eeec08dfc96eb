"""The whole slice through the CLI: real tesseract, real S3 (SeaweedFS), Prefect flow, catalogue."""

import hashlib
import io
import json
import subprocess

import pikepdf
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
PROCEDURE = "2.000488"

runner = CliRunner()


def _digitise(files, dossier, procedure=PROCEDURE):
    result = runner.invoke(app, ["digitise", *map(str, files), "--dossier", dossier,
                                 "--procedure", procedure, "--json"])
    return result.exit_code, (json.loads(result.stdout) if result.stdout.strip() else None), result


def _versions(archive, dossier):
    return sorted((o.object_name, o.version_id) for o in archive.store.client.list_objects(
        archive.store.bucket, recursive=True, include_version=True) if dossier in o.object_name)


@pytest.fixture(scope="module")
def digitised(archive, prefect_harness, scans):
    dossier = "000.00.06.H56-231027-0001"
    code, out, _ = _digitise([scans["form"], scans["card"]], dossier)
    return dossier, code, out


def test_complete_dossier_is_digitised(digitised, archive):
    dossier, code, out = digitised
    assert code == 0 and out["status"] == "digitised" and out["missing_components"] == []
    assert out["dossier"] == dossier and out["procedure"] == PROCEDURE
    assert [d["component"] for d in out["documents"]] == ["TK_LLTP", "GIAY_TO_TUY_THAN"]
    card = out["documents"][1]
    assert card["fields"]["id_number"]["value"] == "038090012345"
    assert card["fields"]["date_of_birth"]["value"] == "1990-03-15"
    assert card["fields"]["full_name"]["value"] == "Nguyễn Văn An"
    assert out["documents"][0]["fields"]["full_name"]["value"] == "Nguyễn Văn An"  # surname restored
    for doc in out["documents"]:
        assert doc["object"].startswith(f"s3://{archive.store.bucket}/000.00.06.H56/2023/10/{dossier}/")
        assert doc["object"].endswith(f"{dossier}.{doc['order']:02d}.pdf")
        data = archive.store.get(doc["object"].split("/", 3)[3])
        assert hashlib.sha256(data).hexdigest() == doc["sha256"]
    row = archive.catalogue.find(dossier)
    assert row.status == "digitised" and len(row.documents) == 2 and len(row.originals) == 2
    assert "038090012345" in row.documents[1].text


def test_originals_are_stored_unchanged(digitised, archive, scans):
    _, _, out = digitised
    for original, path in zip(out["originals"], [scans["form"], scans["card"]]):
        assert archive.store.get(original["object"].split("/", 3)[3]) == path.read_bytes()


def test_export_fetches_signed_pdf_from_s3_that_pdfsig_accepts(digitised, tmp_path):
    dossier, _, out = digitised
    result = runner.invoke(app, ["export", dossier, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert {o["role"] for o in manifest["objects"]} == {"original", "document", "ocr"}
    pdf = tmp_path / f"{dossier}.01.pdf"
    sig = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True).stdout
    # The scanning official's signature, then the agency's over the whole archival copy.
    assert sig.count("Signature is Valid") == 2 and "Total document signed" in sig
    assert "DEVELOPMENT KEY" in sig and "KHÓA PHÁT TRIỂN CƠ QUAN" in sig
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Ngày, tháng, năm sinh" in text and "Nơi cư trú" in text
    verified = runner.invoke(app, ["verify", str(pdf), "--json"])
    report = json.loads(verified.stdout)
    assert verified.exit_code == 0 and report["valid"]
    assert set(report["signatures"][0]) >= {"signer", "signed_at", "intact", "covers_whole_document"}
    ocr = json.loads((tmp_path / f"{dossier}.01.ocr.json").read_text())
    word = ocr["pages"][0]["words"][0]
    assert set(word) >= {"text", "confidence", "box"} and ocr["pages"][0]["dpi"] == 300
    with pikepdf.open(pdf) as opened:
        assert opened.open_metadata()["pdfaid:part"] == "2"


def test_tampered_export_fails_verify(digitised, tmp_path):
    dossier, _, _ = digitised
    runner.invoke(app, ["export", dossier, "--out", str(tmp_path)])
    pdf = tmp_path / f"{dossier}.02.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    pdf.write_bytes(bytes(data))
    result = runner.invoke(app, ["verify", str(pdf)])
    assert result.exit_code == 1 and "KHÔNG hợp lệ" in result.stdout


def test_running_twice_duplicates_nothing(digitised, archive, scans):
    dossier, _, first = digitised
    before = _versions(archive, dossier)
    code, again, _ = _digitise([scans["form"], scans["card"]], dossier)
    assert code == 0 and again == first
    assert _versions(archive, dossier) == before
    assert archive.catalogue.codes().count(dossier) == 1


def test_missing_component_needs_review_and_is_still_kept(archive, prefect_harness, scans):
    dossier = "000.00.06.H56-231027-0002"
    code, out, _ = _digitise([scans["form"]], dossier)
    assert code == 0 and out["status"] == "needs_review"
    assert out["missing_components"] == ["GIAY_TO_TUY_THAN"]
    assert [p["code"] for p in out["problems"]] == ["missing_component"]
    assert archive.store.get(out["documents"][0]["object"].split("/", 3)[3]).startswith(b"%PDF")


def test_bad_files_are_named_kept_and_nothing_half_written(archive, prefect_harness, tmp_path):
    dossier = "000.00.06.H56-231027-0003"
    (tmp_path / "rong.pdf").write_bytes(b"")
    (tmp_path / "ghi-chu.pdf").write_text("không phải PDF")
    (tmp_path / "hong.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog")
    pikepdf.new().save(tmp_path / "plain.pdf")
    with pikepdf.open(tmp_path / "plain.pdf") as pdf:
        pdf.save(tmp_path / "khoa.pdf", encryption=pikepdf.Encryption(user="u", owner="o"))
    files = [tmp_path / n for n in ("rong.pdf", "ghi-chu.pdf", "hong.pdf", "khoa.pdf")]
    code, out, result = _digitise(files, dossier)
    assert code == 3 and out["status"] == "rejected" and out["documents"] == []
    named = {p["file"]: p["code"] for p in out["problems"] if p["file"]}
    assert named == {"rong.pdf": "empty_file", "ghi-chu.pdf": "unsupported_type",
                     "hong.pdf": "corrupt_pdf", "khoa.pdf": "encrypted_pdf"}
    assert out["missing_components"] == ["TK_LLTP", "GIAY_TO_TUY_THAN"]
    stored = [archive.store.get(o["object"].split("/", 3)[3]) for o in out["originals"]]
    assert sorted(stored) == sorted(f.read_bytes() for f in files)
    row = archive.catalogue.find(dossier)
    assert row.status == "rejected" and row.documents == [] and len(row.originals) == 4

    human = runner.invoke(app, ["digitise", str(files[2]), "--dossier", dossier, "--procedure", PROCEDURE])
    assert human.exit_code == 3 and "hong.pdf" in human.output and "corrupt_pdf" in human.output


def test_blank_back_is_dropped_from_the_document_and_kept_in_the_original(
        archive, prefect_harness, scans, tmp_path):
    from PIL import Image

    from pipeline.samples import Degradation, degrade

    dossier = "000.00.06.H56-231027-0005"
    duplex = tmp_path / "to-khai-hai-mat.pdf"
    with Image.open(scans["form"]) as front:
        back = degrade(Image.new("RGB", front.size, "white"), Degradation(noise=6, holes=True))
        front.save(duplex, "PDF", save_all=True, append_images=[back], resolution=300)
    code, out, _ = _digitise([duplex, scans["card"]], dossier)
    assert code == 0 and out["status"] == "digitised"
    assert [(p["code"], p["page"], p["severity"]) for p in out["problems"]] == [
        ("blank_page", 2, "notice")]
    form = archive.store.get(out["documents"][0]["object"].split("/", 3)[3])
    with pikepdf.open(io.BytesIO(form)) as pdf:
        assert len(pdf.pages) == 1
    assert archive.store.get(out["originals"][0]["object"].split("/", 3)[3]) == duplex.read_bytes()


def test_unreadable_page_sends_the_dossier_to_review(archive, prefect_harness, scans, tmp_path):
    from PIL import Image, ImageFilter

    dossier = "000.00.06.H56-231027-0006"
    with Image.open(scans["card"]) as card:
        blurred = tmp_path / "cccd-mo.jpg"
        card.filter(ImageFilter.GaussianBlur(6)).save(blurred, "JPEG", dpi=(300, 300))
    code, out, _ = _digitise([scans["form"], blurred], dossier)
    assert code == 0 and out["status"] == "needs_review"
    blur = next(p for p in out["problems"] if p["code"] == "blurred")
    assert blur["file"] == "cccd-mo.jpg" and blur["page"] == 1 and "quét lại" in blur["message"]


@pytest.fixture(scope="module")
def batch(scans, tmp_path_factory):
    """One scanned PDF: a sheet naming the ID copy, the ID copy, a sheet naming only the
    dossier, then the form (found by its title)."""
    from pdf2image import convert_from_bytes
    from PIL import Image

    from pipeline.samples import scan_look
    from pipeline.model import Separator
    from pipeline.separators import sheet_pdf

    sheets = [scan_look(convert_from_bytes(sheet_pdf(Separator("000.00.06.H56-231027-0007", c)),
                                           dpi=300)[0], seed=9) for c in ("GIAY_TO_TUY_THAN", None)]
    path = tmp_path_factory.mktemp("batch") / "lo-quet.pdf"
    with Image.open(scans["card"]) as card, Image.open(scans["form"]) as form:
        sheets[0].save(path, "PDF", save_all=True, resolution=300,
                       append_images=[card.copy(), sheets[1], form.copy()])
    return path


def test_batch_with_separator_sheet_is_split_and_coded(archive, prefect_harness, batch):
    dossier = "000.00.06.H56-231027-0007"
    code, out, _ = _digitise([batch], dossier)
    assert code == 0 and out["status"] == "digitised", out["problems"]
    assert [(d["component"], d["pages"]) for d in out["documents"]] == [
        ("GIAY_TO_TUY_THAN", 1), ("TK_LLTP", 1)]
    assert out["owner_id"] == "038090012345"
    codes = [d["digitisation_code"] for d in out["documents"]]
    assert codes[0].startswith("038090012345.2.000488.GIAY_TO_TUY_THAN.")
    assert codes[1].startswith("038090012345.2.000488.TK_LLTP.")
    with archive.catalogue.reading() as session:
        from sqlalchemy import select

        from storage.tables import DocumentRow
        every = [c for c in session.scalars(select(DocumentRow.digitisation_code)) if c]
    assert len(every) == len(set(every)) and set(codes) <= set(every)
    stat = archive.store.client.stat_object(archive.store.bucket,
                                            out["documents"][0]["object"].split("/", 3)[3])
    assert stat.metadata["x-amz-meta-digitisation-code"] == codes[0]


def test_owner_papers_that_disagree_go_to_review(archive, prefect_harness, scans, tmp_path):
    from pipeline.samples import SAMPLE_PERSON, id_card_copy, save_scan, scan_look

    other = SAMPLE_PERSON.__class__(**{**vars(SAMPLE_PERSON), "full_name": "TRẦN THỊ BÌNH",
                                       "id_number": "038190054321", "sex": "Nữ"})
    card = save_scan(scan_look(id_card_copy(other), seed=11), tmp_path / "cccd-khac.jpg")
    code, out, _ = _digitise([scans["form"], card], "000.00.06.H56-231027-0008")
    assert code == 0 and out["status"] == "needs_review"
    assert {"id_number_mismatch", "name_mismatch"} <= {p["code"] for p in out["problems"]}


def test_extract_finds_documents_and_fields_with_no_dossier_given(batch):
    result = runner.invoke(app, ["extract", str(batch), "--json"])
    assert result.exit_code == 0, result.output
    documents = json.loads(result.stdout)["documents"]
    assert [(d["component"], d["pages"], d["classified_by"]) for d in documents] == [
        ("GIAY_TO_TUY_THAN", [2], "separator"), ("TK_LLTP", [4], "title")]
    assert all(d["file"] == str(batch) for d in documents)
    card, form = (d["fields"] for d in documents)
    assert card["id_number"]["value"] == "038090012345" and card["sex"]["value"] == "Nam"
    assert form["full_name"]["value"] == "Nguyễn Văn An"
    assert form["date_of_birth"]["value"] == "1990-03-15" and form["phone"]["value"] == "0912345678"
    assert "2.000488" in documents[1]["procedures"]


def test_separator_command_writes_a_sheet_the_pipeline_recognises(tmp_path):
    from pdf2image import convert_from_path

    from pipeline.ocr.preprocess import to_gray
    from pipeline.model import Separator
    from pipeline.separators import detect

    out = tmp_path / "tach.pdf"
    result = runner.invoke(app, ["separator", "000.00.06.H56-231027-0009", "TK_LLTP",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = convert_from_path(out, dpi=200)[0]
    assert detect(to_gray(page), 200) == Separator("000.00.06.H56-231027-0009", "TK_LLTP")
    bad = runner.invoke(app, ["separator", "H56-1", "--out", str(out)])
    assert bad.exit_code == 2 and "H56-1" in bad.output


def test_malformed_dossier_code_stores_nothing(archive, prefect_harness, scans):
    before = sum(1 for _ in archive.store.client.list_objects(archive.store.bucket, recursive=True))
    result = runner.invoke(app, ["digitise", str(scans["form"]), "--dossier", "H56-2310-1",
                                 "--procedure", PROCEDURE])
    assert result.exit_code == 2
    assert "H56-2310-1" in result.output and "Mã hồ sơ không hợp lệ" in result.output
    after = sum(1 for _ in archive.store.client.list_objects(archive.store.bucket, recursive=True))
    assert after == before


def test_crash_after_receive_leaves_originals_and_no_catalogue_row(
        archive, prefect_harness, scans, monkeypatch):
    import pipeline.documents
    from pipeline.flows.digitise import digitise_dossier

    def broken(*args, **kwargs):
        raise RuntimeError("token unplugged")

    monkeypatch.setattr(pipeline.documents, "sign_pdf", broken)
    dossier = "000.00.06.H56-231027-0004"
    with pytest.raises(RuntimeError):
        digitise_dossier(files=[str(scans["card"])], dossier=dossier, procedure=PROCEDURE)
    assert archive.catalogue.find(dossier) is None
    names = [n for n, _ in _versions(archive, dossier)]
    assert len(names) == 1 and "/originals/" in names[0]


def test_procedures_and_ocr_json_contracts(scans):
    listed = runner.invoke(app, ["procedures", "--json"])
    procedures = json.loads(listed.stdout)
    lltp = next(p for p in procedures if p["code"] == PROCEDURE)
    assert set(lltp) >= {"code", "name", "components"}
    assert {"code": "TK_LLTP", "required": True}.items() <= lltp["components"][0].items()

    read = runner.invoke(app, ["ocr", str(scans["form_180"]), "--json"])
    page = json.loads(read.stdout)["pages"][0]
    assert set(page) >= {"file", "page", "text", "confidence", "quality", "problems"}
    assert page["quality"]["issues"] == [] and page["problems"] == []
    assert "Họ và tên" in page["text"] and page["rotation"] == 180


def test_demo_digitises_the_sample_and_exports_it(archive, prefect_harness, home):
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    pdf = home / "demo-export" / "000.00.06.H56-231027-0361.01.pdf"
    sig = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in sig
    assert archive.catalogue.find("000.00.06.H56-231027-0361").status == "digitised"


def test_search_finds_archived_documents_without_diacritics(digitised):
    dossier, _, _ = digitised
    result = runner.invoke(app, ["search", "nguyen van an", "--id", "038090012345", "--json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert {(h["dossier"], h["component"]) for h in hits} >= {(dossier, "TK_LLTP"),
                                                              (dossier, "GIAY_TO_TUY_THAN")}
    only = json.loads(runner.invoke(app, ["search", "can cuoc", "--dossier", dossier,
                                          "--json"]).stdout)
    assert [(h["dossier"], h["component"]) for h in only] == [(dossier, "GIAY_TO_TUY_THAN")]
    assert json.loads(runner.invoke(app, ["search", "khong co tu nay", "--json"]).stdout) == []


def test_audit_passes_a_sound_dossier_and_catches_what_changed_behind_its_back(
        archive, prefect_harness, scans):
    dossier = "000.00.06.H56-231027-0300"
    code, out, _ = _digitise([scans["card"]], dossier)
    assert code == 0
    sound = runner.invoke(app, ["audit", "--dossier", dossier, "--workers", "1", "--json"])
    report = json.loads(sound.stdout)
    assert sound.exit_code == 0 and report["findings"] == [] and report["objects"] == 3
    assert report["documents"] == 1
    later = runner.invoke(app, ["audit", "--since", "2099-01-01", "--json"])
    assert later.exit_code == 0 and json.loads(later.stdout)["dossiers"] == 0

    store = archive.store
    pdf_key = out["documents"][0]["object"].split("/", 3)[3]
    tampered = bytearray(store.get(pdf_key))
    tampered[len(tampered) // 2] ^= 0x01
    store.put(pdf_key, bytes(tampered), "application/pdf")  # a new version, behind the catalogue
    store.client.remove_object(store.bucket, out["documents"][0]["ocr_object"].split("/", 3)[3])
    prefix = pdf_key.rsplit("/", 1)[0]
    store.put(f"{prefix}/la.pdf", b"%PDF-1.7 stray", "application/pdf")
    found = runner.invoke(app, ["audit", "--dossier", dossier, "--workers", "2", "--json"])
    problems = {(f["problem"], f["key"].rsplit("/", 1)[1]) for f in json.loads(found.stdout)["findings"]}
    assert found.exit_code == 1
    assert problems == {("changed", f"{dossier}.01.pdf"), ("signature_invalid", f"{dossier}.01.pdf"),
                        ("missing", f"{dossier}.01.ocr.json"), ("orphaned", "la.pdf")}


def test_crash_between_upload_and_commit_is_repaired_from_the_manifest(
        archive, prefect_harness, scans, monkeypatch):
    from pipeline.flows.digitise import digitise_dossier
    from storage.catalogue import Catalogue
    from storage.objects import ObjectStore

    def power_cut(*args, **kwargs):
        raise RuntimeError("power cut")

    repairable, lost = "000.00.06.H56-231027-0400", "000.00.06.H56-231027-0401"
    with monkeypatch.context() as patch:  # objects and manifest stored, the commit never made
        patch.setattr(Catalogue, "replace", power_cut)
        with pytest.raises(RuntimeError):
            digitise_dossier(files=[str(scans["card"])], dossier=repairable, procedure=PROCEDURE)
    assert archive.catalogue.find(repairable) is None
    assert [p.dossier_code for p in archive.catalogue.pending()] == [repairable]

    result = runner.invoke(app, ["reconcile", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["repaired"] == [repairable]
    row = archive.catalogue.find(repairable)
    assert row.record.documents[0].component == "GIAY_TO_TUY_THAN" and row.documents[0].text
    audit = runner.invoke(app, ["audit", "--dossier", repairable, "--json"])
    assert audit.exit_code == 0, audit.stdout
    search = json.loads(runner.invoke(app, ["search", "can cuoc", "--dossier", repairable,
                                            "--json"]).stdout)
    assert [h["dossier"] for h in search] == [repairable]

    real_put = ObjectStore.put
    with monkeypatch.context() as patch:  # documents stored, the manifest never written
        patch.setattr(ObjectStore, "put", lambda self, key, *a, **k: power_cut()
                      if key.endswith("manifest.json") else real_put(self, key, *a, **k))
        with pytest.raises(RuntimeError):
            digitise_dossier(files=[str(scans["form"])], dossier=lost, procedure=PROCEDURE)
    result = runner.invoke(app, ["reconcile", "--json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["incomplete"] == [lost]
    assert archive.catalogue.find(lost) is None  # nothing half-visible

    code, out, _ = _digitise([scans["form"]], lost)  # digitising again completes it
    assert code == 0 and archive.catalogue.find(lost) is not None
    assert archive.catalogue.pending() == []


def test_short_lived_link_downloads_the_signed_pdf(digitised, archive):
    import urllib.request

    dossier, _, out = digitised
    result = runner.invoke(app, ["link", dossier, "--document", "2", "--minutes", "5", "--json"])
    assert result.exit_code == 0, result.output
    link = json.loads(result.stdout)["url"]
    assert "X-Amz-Expires=300" in link
    with urllib.request.urlopen(link) as response:
        assert hashlib.sha256(response.read()).hexdigest() == out["documents"][1]["sha256"]
    missing = runner.invoke(app, ["link", dossier, "--document", "9"])
    assert missing.exit_code == 2
