"""Searchable PDF/A and PAdES signature, checked by poppler (pdftotext, pdfimages, pdfsig)."""

import io
from datetime import datetime, timedelta, timezone

import pikepdf
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from helpers import poppler

from pipeline.errors import SohoaError
from pipeline.intake import read_local
from pipeline.model import ProcessedPage
from pipeline.ocr.recognise import ocr_page
from pipeline.pages import encode_for_pdf, load_page, plan_pages
from pipeline.pdf.pdfa import DocumentInfo
from pipeline.pdf.searchable import build_document
from pipeline.signing.devkey import ensure_dev_signer
from pipeline.signing.backends import load_pkcs12
from pipeline.signing.signer import SCAN_ROLE, sign_pdf
from pipeline.signing.verify import verify_pdf

NOW = datetime(2023, 10, 27, 9, 30, tzinfo=timezone.utc)


def _processed(path) -> ProcessedPage:
    received = read_local(path)
    ref = plan_pages(received, max_pages=10, max_pixels=10**8, default_dpi=300)[0]
    image = load_page(received, ref)
    return ProcessedPage(ref, encode_for_pdf(received, ref, image), ocr_page(image, ref.dpi))


@pytest.fixture(scope="module")
def pages(scans):
    return [_processed(scans["form"]), _processed(scans["card_90"])]


@pytest.fixture(scope="module")
def document(pages):
    return build_document(pages, DocumentInfo("Tờ khai", "Hồ sơ thử", "test"), NOW)


@pytest.fixture(scope="module")
def signer(tmp_path_factory):
    return load_pkcs12(*ensure_dev_signer(tmp_path_factory.mktemp("keys")))


def test_text_layer_gives_vietnamese_text(document, tmp_path):
    text = poppler("pdftotext", document, tmp_path)
    assert "TỜ KHAI YÊU CẦU CẤP PHIẾU LÝ LỊCH TƯ PHÁP" in text
    assert "Nơi cư trú: Số 12 đường Lê Lợi" in text


def _pdf_box(bbox: str, word: str) -> tuple[float, ...]:
    line = next(l for l in bbox.splitlines() if f">{word}<" in l)
    return tuple(float(line.split(f'{k}="')[1].split('"')[0])
                 for k in ("xMin", "yMin", "xMax", "yMax"))


@pytest.mark.parametrize("number", [1, 2])  # upright, and a card scanned sideways
def test_text_layer_sits_over_the_word(document, pages, tmp_path, number):
    bbox = poppler("pdftotext", document, tmp_path, "-bbox", "-f", str(number), "-l", str(number))
    found = _pdf_box(bbox, "038090012345")
    box = next(w for w in pages[number - 1].ocr.words if w.text == "038090012345").box
    x0, y0, x1, y1 = (v * 72 / 300 for v in box)
    # The invisible word covers the printed one; it is as tall as its line (accents included).
    assert found[0] <= x0 + 1.5 and found[1] <= y0 + 1.5 and found[2] >= x1 - 1.5 \
        and found[3] >= y1 - 1.5, (found, box)
    assert all(abs(a - b) < 8 for a, b in zip(found, (x0, y0, x1, y1))), (found, box)


def test_colour_image_kept_at_scan_resolution(document, tmp_path):
    listing = poppler("pdfimages", document, tmp_path, "-list").splitlines()[2:]
    first = listing[0].split()
    assert first[5] == "rgb" and first[8] == "jpeg" and first[12] == "300" and first[13] == "300"
    assert len(listing) == 2


def test_pdfa_identification(document):
    with pikepdf.open(io.BytesIO(document)) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFA1"
        assert pdf.Root.OutputIntents[0].DestOutputProfile.N == 3


def test_signature_is_intact_and_covers_the_file(document, signer, tmp_path):
    signed = sign_pdf(document, signer, SCAN_ROLE, "Thanh Hóa")
    report = verify_pdf(signed, [])
    assert report.valid and report.signatures[0].covers_whole_document
    assert not report.signatures[0].trusted  # the development key is trusted by no one
    out = poppler("pdfsig", signed, tmp_path)
    assert "Signature is Valid" in out and "Total document signed" in out
    assert "ETSI.CAdES.detached" in out


def test_tampering_is_detected(document, signer, tmp_path):
    signed = sign_pdf(document, signer, SCAN_ROLE, "Thanh Hóa")
    flipped = bytearray(signed)
    flipped[len(signed) // 3] ^= 0x01
    assert not verify_pdf(bytes(flipped), []).valid
    assert "Signature is Valid" not in poppler("pdfsig", bytes(flipped), tmp_path)

    report = verify_pdf(_incremental_page_change(signed), [])
    assert not report.valid and not report.signatures[0].covers_whole_document


def _incremental_page_change(signed: bytes) -> bytes:
    """An incremental update after signing that redraws page 1."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"0 0 m 500 500 l S")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _p12(tmp_path, bits: int):
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"test signer rsa{bits}")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    path = tmp_path / f"rsa{bits}.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"k", key, cert, None, serialization.BestAvailableEncryption(b"pw")))
    return path


def test_weak_key_and_wrong_passphrase_are_refused(tmp_path):
    with pytest.raises(SohoaError) as info:
        load_pkcs12(_p12(tmp_path, 1024), b"pw")
    assert info.value.code == "weak_signing_key"
    with pytest.raises(SohoaError) as info:
        load_pkcs12(_p12(tmp_path, 2048), b"wrong")
    assert info.value.code == "signer_unavailable"


def test_unsigned_pdf_is_not_valid(document):
    report = verify_pdf(document, [])
    assert not report.valid and report.signatures == []


def test_configured_pkcs12_is_used_instead_of_the_development_key(tmp_path):
    from pipeline.settings import Settings
    from pipeline.signing.backends import open_signer

    configured = Settings(home=tmp_path, signer_pkcs12=_p12(tmp_path, 2048),
                          signer_pkcs12_passphrase="pw")
    with open_signer(configured) as signer:
        assert signer.signing_cert.subject.native["common_name"] == "test signer rsa2048"
    with open_signer(Settings(home=tmp_path)) as fallback:
        assert "DEVELOPMENT KEY" in fallback.signing_cert.subject.native["common_name"]
    assert (tmp_path / "signing" / "dev-signer.p12").exists()


def test_agency_signature_top_right_over_its_seal(document, signer, tmp_path):
    from PIL import Image, ImageDraw

    from pipeline.signing.signer import AGENCY_ROLE

    seal = tmp_path / "con-dau.png"
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((10, 10, 390, 390), outline=(200, 0, 0, 255), width=24)
    image.save(seal)
    scanned = sign_pdf(document, signer, SCAN_ROLE, "Thanh Hóa")
    sealed = sign_pdf(scanned, signer, AGENCY_ROLE, "Thanh Hóa", agency="UBND tỉnh Thanh Hóa",
                      seal=seal)
    report = verify_pdf(sealed, [])
    assert report.valid and [s.field for s in report.signatures] == ["ChuKySoHoa", "ChuKyCoQuan"]
    with pikepdf.open(io.BytesIO(sealed)) as pdf:
        widgets = {str(a.T): a for a in pdf.pages[0].Annots}
        scan_box, agency_box = ([float(v) for v in widgets[name].Rect]
                                for name in ("ChuKySoHoa", "ChuKyCoQuan"))
        width = float(pdf.pages[0].MediaBox[2])
        assert scan_box[0] < width / 2 < agency_box[0]  # top-left, top-right
        appearance = widgets["ChuKyCoQuan"].AP.N
        assert any(x.get("/Subtype") == "/Image" for x in _xobjects(appearance))
    text = poppler("pdftotext", sealed, tmp_path)
    assert "UBND tỉnh Thanh Hóa" in text


def _xobjects(form):
    """Every XObject reachable from a form's resources."""
    found = []
    for value in (form.get("/Resources", {}).get("/XObject", {}) or {}).values():
        found.append(value)
        if value.get("/Subtype") == "/Form":
            found += _xobjects(value)
    return found
