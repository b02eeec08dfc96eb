"""Signer backends: a PKCS#11 token (SoftHSM2, initialised here) with RSA, RSA-PSS and ECDSA
keys, a remote-signing hook, and the refusals (wrong PIN, weak key). Each signed PDF is checked
by ``verify_pdf`` and by poppler's ``pdfsig``."""

import io
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from helpers import PIN, SOFTHSM_MODULE as MODULE, TOKEN, blank_pdf, poppler
from pipeline.errors import SohoaError
from pipeline.settings import Settings
from pipeline.signing.backends import load_pkcs12, open_signer
from pipeline.signing.devkey import ensure_dev_signer
from pipeline.signing.signer import SCAN_ROLE, sign_pdf
from pipeline.signing.verify import verify_pdf

def _settings(tmp_path, **overrides) -> Settings:
    values = dict(home=tmp_path, signer_pkcs11_module=MODULE, signer_pkcs11_token=TOKEN,
                  signer_pkcs11_key="rsa", signer_pin=PIN)
    return Settings(**(values | overrides))


@pytest.mark.parametrize("key, pss, algorithm", [
    ("rsa", False, "sha256_rsa"), ("rsa", True, "rsassa_pss"), ("ec", False, "sha256_ecdsa")])
def test_token_signs_and_both_verifiers_accept(token, tmp_path, key, pss, algorithm):
    with open_signer(_settings(tmp_path, signer_pkcs11_key=key, signer_pss=pss)) as signer:
        signed = sign_pdf(blank_pdf(), signer, SCAN_ROLE, "Thanh Hóa")
    report = verify_pdf(signed, [])
    assert report.valid and report.signatures[0].signer == f"Cán bộ số hóa {key}"
    embedded = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    assert embedded.signer_info["signature_algorithm"]["algorithm"].native == algorithm
    sig = poppler("pdfsig", signed, tmp_path)
    assert "Signature is Valid" in sig and "Total document signed" in sig


def test_wrong_pin_is_refused_without_showing_it(token, tmp_path):
    with pytest.raises(SohoaError) as info:
        with open_signer(_settings(tmp_path, signer_pin="000000")):
            pass
    assert info.value.code == "signer_unavailable"
    assert "000000" not in info.value.message("vi") + info.value.message("en")


def test_weak_key_on_a_token_is_refused(token, tmp_path):
    with pytest.raises(SohoaError) as info:
        with open_signer(_settings(tmp_path, signer_pkcs11_key="weak")):
            pass
    assert info.value.code == "weak_signing_key"


def remote_factory(settings: Settings):
    """A stand-in remote signing service: the hook hands back whatever Signer it builds."""
    return load_pkcs12(*ensure_dev_signer(settings.home_dir))


def test_remote_signing_hook(tmp_path):
    settings = Settings(home=tmp_path, signer_remote="test_signing_backends:remote_factory")
    with open_signer(settings) as signer:
        signed = sign_pdf(blank_pdf(), signer, SCAN_ROLE, "Thanh Hóa")
    assert verify_pdf(signed, []).valid and "Signature is Valid" in poppler("pdfsig", signed, tmp_path)
    broken = Settings(home=tmp_path, signer_remote="no_such_module:factory")
    with pytest.raises(SohoaError) as info:
        with open_signer(broken):
            pass
    assert info.value.code == "signer_unavailable"


def test_pkcs12_with_pss(tmp_path):
    settings = Settings(home=tmp_path, signer_pss=True)
    with open_signer(settings) as signer:
        signed = sign_pdf(blank_pdf(), signer, SCAN_ROLE, "Thanh Hóa")
    embedded = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    assert embedded.signer_info["signature_algorithm"]["algorithm"].native == "rsassa_pss"
    assert verify_pdf(signed, []).valid and "Signature is Valid" in poppler("pdfsig", signed, tmp_path)


def _dev_key_serial(home: str) -> str:
    return str(load_pkcs12(*ensure_dev_signer(Path(home))).signing_cert.serial_number)


def test_processes_sharing_a_fresh_home_get_one_working_dev_key(tmp_path):
    # CI once saw four `sohoa digitise` on a fresh home leave one's passphrase beside
    # another's bundle; every process must open the key, and it must be the same one.
    with ProcessPoolExecutor(6, mp_context=multiprocessing.get_context("spawn")) as pool:
        serials = list(pool.map(_dev_key_serial, [str(tmp_path)] * 6))
    assert len(set(serials)) == 1
    assert len(list((tmp_path / "signing").glob("*.p12"))) == 1


def _ec_pkcs12(path: Path) -> Path:
    """A PKCS#12 file holding a self-issued ECDSA P-256 certificate and its key."""
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import NoEncryption, pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Cán bộ số hóa ec")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                         False), critical=True)
            .sign(key, hashes.SHA256()))
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"ec", key, cert, None,
                                                           NoEncryption()))
    return path


def test_pkcs12_ecdsa_key_signs_once_per_pdf(tmp_path, monkeypatch):
    """An ECDSA PKCS#12 key signs a valid PDF; its key is parsed once when opened, not at
    each signature, and sizing the signature signs nothing (pyHanko's SimpleSigner did both,
    37 ms of RSA key checks each time)."""
    import pyhanko.sign.signers.pdf_cms as cms

    settings = Settings(home=tmp_path, signer_pkcs12=_ec_pkcs12(tmp_path / "ec.p12"))
    with open_signer(settings) as signer:
        parsed = []
        load = cms.serialization.load_der_private_key
        monkeypatch.setattr(cms.serialization, "load_der_private_key",
                            lambda *a, **k: parsed.append(1) or load(*a, **k))
        signed = sign_pdf(blank_pdf(), signer, SCAN_ROLE, "Thanh Hóa")
    assert parsed == []
    embedded = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    assert embedded.signer_info["signature_algorithm"]["algorithm"].native == "sha256_ecdsa"
    assert verify_pdf(signed, []).signatures[0].intact
    assert "Signature is Valid" in poppler("pdfsig", signed, tmp_path)
