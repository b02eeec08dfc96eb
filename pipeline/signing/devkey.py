"""A development signing key, generated once under the data directory and named as such.

Used only when no real PKCS#12 is configured: documents it signs are intact and verifiable,
but no one trusts this certificate, and ``sohoa verify`` says so.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

DEV_COMMON_NAME = "KHÓA PHÁT TRIỂN sohoa - DEVELOPMENT KEY, NOT FOR PRODUCTION"
DEV_AGENCY_NAME = "KHÓA PHÁT TRIỂN CƠ QUAN sohoa - DEV KEY, NOT FOR PRODUCTION"


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    tmp.replace(path)


def ensure_dev_signer(home: Path, role: str = "scan") -> tuple[Path, bytes]:
    """Path of a role's development PKCS#12 and its passphrase, creating them on first use."""
    folder = home / "signing"
    stem = "dev-signer" if role == "scan" else f"dev-{role}"
    p12, secret = folder / f"{stem}.p12", folder / f"{stem}.passphrase"
    if p12.exists() and secret.exists():
        return p12, secret.read_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    # Processes sharing a fresh home would otherwise each make a key and leave one's
    # passphrase beside another's bundle: the first to take the lock makes it, the rest read it.
    with open(folder / f"{stem}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (p12.exists() and secret.exists()):
            _create(p12, secret, role)
    return p12, secret.read_bytes()


def _create(p12: Path, secret: Path, role: str) -> None:
    """A new self-signed key and certificate for ``role``; the passphrase is written last, so
    a reader that finds both files finds a matching pair."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sohoa development"),
        x509.NameAttribute(NameOID.COMMON_NAME, DEV_COMMON_NAME if role == "scan" else DEV_AGENCY_NAME),
    ])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=5 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    passphrase = secrets.token_urlsafe(24).encode()
    bundle = pkcs12.serialize_key_and_certificates(
        b"sohoa-dev", key, cert, None, serialization.BestAvailableEncryption(passphrase))
    _write_private(p12, bundle)
    p12.with_suffix(".crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_private(secret, passphrase)
