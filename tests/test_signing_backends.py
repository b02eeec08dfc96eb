"""Signer backends: a PKCS#11 token (SoftHSM2, initialised here) with RSA, RSA-PSS and ECDSA
keys, a remote-signing hook, and the refusals (wrong PIN, weak key). Each signed PDF is checked
by ``verify_pdf`` and by poppler's ``pdfsig``."""

import io
import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pkcs11
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.reader import PdfFileReader

from helpers import blank_pdf, poppler
from pipeline.errors import SohoaError
from pipeline.settings import Settings
from pipeline.signing.backends import load_pkcs12, open_signer
from pipeline.signing.devkey import ensure_dev_signer
from pipeline.signing.signer import SCAN_ROLE, sign_pdf
from pipeline.signing.verify import verify_pdf

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
TOKEN, PIN = "sohoa-test", "246810"
KEYS = {"rsa": lambda: rsa.generate_private_key(65537, 2048),
        "ec": lambda: ec.generate_private_key(ec.SECP256R1()),
        "weak": lambda: rsa.generate_private_key(65537, 1024)}


def _cert(key, name: str) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=1)).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))


@pytest.fixture(scope="module")
def token(tmp_path_factory):
    """A SoftHSM2 token holding three keys with their certificates, labelled by kind."""
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN,
                    "--so-pin", "13579135"], check=True, capture_output=True)
    certs = {}
    for number, (kind, make) in enumerate(KEYS.items(), start=1):
        key = make()
        pem = folder / f"{kind}.pem"
        pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
        subprocess.run(["softhsm2-util", "--import", str(pem), "--token", TOKEN, "--label", kind,
                        "--id", f"{number:02x}", "--pin", PIN], check=True, capture_output=True)
        certs[kind] = _cert(key, f"Cán bộ số hóa {kind}")
    with pkcs11.lib(str(MODULE)).get_token(token_label=TOKEN).open(user_pin=PIN, rw=True) as session:
        for number, (kind, cert) in enumerate(certs.items(), start=1):
            session.create_object({
                pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
                pkcs11.Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                pkcs11.Attribute.TOKEN: True, pkcs11.Attribute.LABEL: kind,
                pkcs11.Attribute.ID: bytes([number]),
                pkcs11.Attribute.SUBJECT: cert.subject.public_bytes(),
                pkcs11.Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER)})
    yield certs


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
