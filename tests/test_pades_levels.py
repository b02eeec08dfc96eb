"""PAdES levels on a real test PKI (certomancer: root, intermediate, TSA, OCSP, CRLs on loopback):
B-T, B-LT and B-LTA signatures checked by ``verify_pdf`` and by poppler's ``pdfsig``; a revoked
signer is caught; tampering (a flipped byte, an update after signing, a cut-off file) is caught."""

import io

import pikepdf
import pytest
from certomancer.registry import CertLabel, KeyLabel, ServiceLabel
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from helpers import blank_pdf, poppler
from pipeline.errors import SohoaError
from pipeline.signing.signer import SCAN_ROLE, Profile, sign_pdf
from pipeline.signing.verify import verify_pdf


def _signer(arch, label: str) -> signers.SimpleSigner:
    chain = [arch.get_cert(CertLabel("interm")), arch.get_cert(CertLabel("root"))]
    return signers.SimpleSigner(arch.get_cert(CertLabel(label)),
                                arch.key_set.get_private_key(KeyLabel(label)),
                                SimpleCertificateStore.from_certs(chain))


def _profile(pki, level: str) -> Profile:
    arch, _ = pki
    tsa = arch.service_registry.get_tsa_info(ServiceLabel("tsa")).url
    return Profile(level, tsa, (arch.get_cert(CertLabel("root")),))


@pytest.fixture(scope="module")
def signed(pki):
    arch, _ = pki
    return {level: sign_pdf(blank_pdf(), _signer(arch, "signer"), SCAN_ROLE, "Thanh Hóa",
                            _profile(pki, level)) for level in ("B-B", "B-T", "B-LT", "B-LTA")}


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT", "B-LTA"])
def test_each_level_is_valid_trusted_and_accepted_by_pdfsig(pki, signed, tmp_path, level):
    arch, _ = pki
    report = verify_pdf(signed[level], [arch.get_cert(CertLabel("root"))])
    signature = report.signatures[0]
    assert report.valid and signature.trusted and signature.signer == "Nguyễn Thị Thu - cán bộ số hóa"
    assert (signature.timestamp is not None) == (level != "B-B")
    assert (signature.revoked is False) == (level in ("B-LT", "B-LTA"))  # checked from the DSS
    kinds = [s.kind for s in report.signatures]
    assert kinds == (["signature", "document_timestamp"] if level == "B-LTA" else ["signature"])
    with pikepdf.open(io.BytesIO(signed[level])) as pdf:
        assert ("/DSS" in pdf.Root) == (level in ("B-LT", "B-LTA"))
    sig = poppler("pdfsig", signed[level], tmp_path)
    first = sig.split("Signature #2")[0]
    assert "Signature is Valid" in first  # poppler checks the signature itself
    assert ("Total document signed" in first) == (level in ("B-B", "B-T"))  # DSS, doc timestamp
    assert ("Signature #2" in sig) == (level == "B-LTA")  # poppler lists, not checks, the latter


def test_untrusted_without_the_root(signed):
    report = verify_pdf(signed["B-T"], [])
    assert report.valid and not report.signatures[0].trusted


def test_revoked_signer_is_invalid_when_checked_online(pki):
    arch, _ = pki
    root = arch.get_cert(CertLabel("root"))
    data = sign_pdf(blank_pdf(), _signer(arch, "revoked"), SCAN_ROLE, "Thanh Hóa",
                    _profile(pki, "B-T"))
    offline = verify_pdf(data, [root])
    assert offline.signatures[0].revoked is None  # not checked: no embedded data, no network
    online = verify_pdf(data, [root], online=True)
    assert online.signatures[0].revoked is True and not online.valid


def test_levels_above_b_b_need_a_tsa():
    with pytest.raises(SohoaError) as info:
        Profile("B-T")
    assert info.value.code == "tsa_required"
    with pytest.raises(SohoaError):
        Profile("B-X", "http://tsa")


def test_tampering_is_caught(pki, signed, tmp_path):
    arch, _ = pki
    roots = [arch.get_cert(CertLabel("root"))]
    original = signed["B-T"]
    flipped = bytearray(original)
    flipped[len(flipped) // 3] ^= 0x01
    assert not verify_pdf(bytes(flipped), roots).valid

    writer = IncrementalPdfFileWriter(io.BytesIO(original))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Rotate"] = generic.NumberObject(90)  # a visible change made after signing
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    changed = verify_pdf(out.getvalue(), roots).signatures[0]
    assert not changed.valid and changed.changes_after == "other"
    assert "Total document signed" not in poppler("pdfsig", out.getvalue(), tmp_path)

    cut = original[: len(original) - 200]
    assert not verify_pdf(cut, roots).valid


def test_verify_command_in_both_languages_and_online(pki, signed, tmp_path, monkeypatch):
    import json

    from asn1crypto import pem
    from typer.testing import CliRunner

    from pipeline.cli import app

    arch, _ = pki
    root = tmp_path / "root.pem"
    root.write_bytes(pem.armor("CERTIFICATE", arch.get_cert(CertLabel("root")).dump()))
    monkeypatch.setenv("SOHOA_TRUST_ROOTS", json.dumps([str(root)]))
    document = tmp_path / "lt.pdf"
    document.write_bytes(signed["B-LT"])
    runner = CliRunner()
    english = runner.invoke(app, ["verify", str(document), "--lang", "en"])
    assert english.exit_code == 0
    assert "Revocation: not revoked" in english.stdout and "Verdict: valid" in english.stdout
    vietnamese = runner.invoke(app, ["verify", str(document)])
    assert "Kết luận: hợp lệ" in vietnamese.stdout and "Dấu thời gian (TSA): 20" in vietnamese.stdout

    revoked = tmp_path / "revoked.pdf"
    revoked.write_bytes(sign_pdf(blank_pdf(), _signer(arch, "revoked"), SCAN_ROLE, "Thanh Hóa",
                                 _profile(pki, "B-T")))
    online = runner.invoke(app, ["verify", str(revoked), "--online", "--json"])
    assert online.exit_code == 1 and json.loads(online.stdout)["signatures"][0]["revoked"] is True


def test_flow_signs_at_b_t_when_a_tsa_is_configured(pki, archive, prefect_harness, scans,
                                                      monkeypatch):
    import json

    from typer.testing import CliRunner

    from pipeline.cli import app

    arch, _ = pki
    monkeypatch.setenv("SOHOA_TSA_URL", arch.service_registry.get_tsa_info(ServiceLabel("tsa")).url)
    runner = CliRunner()
    result = runner.invoke(app, ["digitise", str(scans["card"]), "--dossier",
                                 "000.00.06.H56-231027-0200", "--procedure", "2.000488", "--json"])
    assert result.exit_code == 0, result.output
    key = json.loads(result.stdout)["documents"][0]["object"].split("/", 3)[3]
    report = verify_pdf(archive.store.get(key), [])
    assert report.valid and report.signatures[0].timestamp is not None
