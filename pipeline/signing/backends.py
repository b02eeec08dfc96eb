"""Where signing keys live: a PKCS#11 token (officials' USB tokens, HSMs), a remote signing
service, or a PKCS#12 file, each opened as a pyHanko ``Signer`` for the length of a run.

Whatever the backend, the certificate's key must be RSA ≥ 2048 or ECDSA ≥ 256 bits
(Circular 15/2025/TT-BKHCN); anything weaker is refused before the first signature.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from asn1crypto import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pydantic import SecretStr
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign import signers
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

from pipeline.errors import SignerUnavailable, WeakSigningKey
from pipeline.settings import Settings, SignerConfig
from pipeline.signing.devkey import ensure_dev_signer

MIN_RSA_BITS = 2048
MIN_EC_BITS = 256


def _unavailable(vi: str, en: str, subject: str) -> SignerUnavailable:
    return SignerUnavailable(subject, reason_vi=vi, reason_en=en)


def refuse_weak_key(cert: x509.Certificate, source: str) -> None:
    """Raise unless the certificate's key is RSA ≥ 2048 or ECDSA ≥ 256 bits."""
    public = cert.public_key
    algorithm, bits = public.algorithm, public.bit_size
    if (algorithm in ("rsa", "rsassa_pss") and bits >= MIN_RSA_BITS) or \
            (algorithm == "ec" and bits >= MIN_EC_BITS):
        return
    raise WeakSigningKey(source, algorithm=algorithm, bits=bits)


def signature_length(cert: x509.Certificate) -> int:
    """The most bytes a raw signature by ``cert``'s key takes: what sizing a signature needs."""
    key = cert.public_key
    size = (key.bit_size + 7) // 8
    return size if key.algorithm in ("rsa", "rsassa_pss") else 2 * size + 9  # DER ECDSA, at most


class FileSigner(signers.SimpleSigner):
    """pyHanko's ``SimpleSigner`` with its key parsed once. Its own parses the key from DER at
    every signature, and cryptography then checks an RSA key (37 ms here, a hundred times the
    signature itself); and it signs for real when pyHanko only sizes the signature (a dry run),
    so each PDF cost two such signatures. A dry run is now zeros of the signature's length."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._key = serialization.load_der_private_key(self.signing_key.dump(), password=None)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                             dry_run: bool = False) -> bytes:
        if dry_run:
            return bytes(signature_length(self.signing_cert))
        return self.sign_raw(data, digest_algorithm)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algorithm = mechanism.signature_algo
        except ValueError:
            return super().sign_raw(data, digest_algorithm)
        if algorithm == "rsassa_pkcs1v15" and isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if algorithm == "rsassa_pss" and isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, *process_pss_params(mechanism["parameters"]))
        if algorithm == "ecdsa" and isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        return super().sign_raw(data, digest_algorithm)  # any other key: pyHanko's own way


def load_pkcs12(path: Path, passphrase: bytes | None, pss: bool = False) -> signers.SimpleSigner:
    """The signer in a PKCS#12 file; a missing file, wrong passphrase or weak key is refused."""
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(path.read_bytes(), other_certs=(),
                                                       passphrase=passphrase)
    except Exception as exc:  # cryptography raises ValueError/TypeError for a bad file or passphrase
        raise _unavailable("Không mở được tệp khóa ký PKCS#12 (sai đường dẫn hoặc mật khẩu).",
                           f"cannot open the PKCS#12 signing key ({type(exc).__name__})",
                           str(path)) from None
    refuse_weak_key(signer.signing_cert, str(path))
    return FileSigner(signer.signing_cert, signer.signing_key, signer.cert_registry,
                      prefer_pss=pss)


@contextmanager
def _pkcs11(config: SignerConfig) -> Iterator[signers.Signer]:
    module, token = config.pkcs11_module, config.pkcs11_token
    if not (token and config.pkcs11_key and config.pin):
        raise _unavailable("Thiếu tên token, nhãn khóa hoặc mã PIN của token ký số.",
                           "PKCS#11 signing needs SOHOA_SIGNER_PKCS11_TOKEN, _KEY and a PIN",
                           str(module))
    try:
        session = open_pkcs11_session(str(module), token_criteria=TokenCriteria(label=token),
                                      user_pin=config.pin.get_secret_value())
    except Exception as exc:  # no module, no token, wrong PIN: named by type, the PIN never shown
        raise _unavailable(f"Không mở được token ký số \"{token}\" (chưa cắm, sai mã PIN?).",
                           f"cannot open PKCS#11 token {token!r} ({type(exc).__name__})",
                           str(module)) from None
    try:
        try:
            labels = dict(key_label=config.pkcs11_key, cert_label=config.pkcs11_cert or config.pkcs11_key)
            signer = PKCS11Signer(session, prefer_pss=config.pss, **labels)
            cert = signer.signing_cert
            if cert.public_key.algorithm == "ec":  # many tokens (SoftHSM2 too) only do raw ECDSA:
                signer = PKCS11Signer(session, use_raw_mechanism=True, **labels)  # hash here
        except Exception as exc:
            raise _unavailable(f"Không tìm thấy khóa/chứng thư \"{config.pkcs11_key}\" "
                               f"trên token \"{token}\".",
                               f"no key/certificate {config.pkcs11_key!r} on the token "
                               f"({type(exc).__name__})", token) from None
        refuse_weak_key(cert, token)
        yield signer
    finally:
        session.close()


def _remote(config: SignerConfig, settings: Settings) -> signers.Signer:
    module_name, _, factory = (config.remote or "").partition(":")
    try:
        signer = getattr(importlib.import_module(module_name), factory)(settings)
    except Exception as exc:
        raise _unavailable("Không kết nối được dịch vụ ký số từ xa.",
                           f"remote signer {config.remote!r} failed ({exc})",
                           config.remote or "") from None
    refuse_weak_key(signer.signing_cert, config.remote or "")
    return signer


class PinPrompter(Protocol):
    """Asks a person for a token's PIN (the CLI: at the terminal); ``None`` when nobody can."""

    def __call__(self, token: str) -> str | None: ...


def with_pins(settings: Settings, prompt: PinPrompter) -> Settings:
    """``settings`` with the PIN of each role's token that has none asked through ``prompt``:
    kept in this copy, in memory, never written anywhere."""
    changes = {}
    for role in ("signer", "agency"):
        config: SignerConfig = getattr(settings, role)
        if config.pkcs11_module and config.pin is None:
            pin = prompt(config.pkcs11_token or str(config.pkcs11_module))
            if pin is not None:
                changes[role] = config.model_copy(update={"pin": SecretStr(pin)})
    return settings.model_copy(update=changes) if changes else settings


@contextmanager
def open_signer(settings: Settings, role: str = "scan") -> Iterator[signers.Signer]:
    """The ``role``'s signer ("scan": the scanning official; "agency": the agency's seal) from
    the first configured backend, open while in use; else that role's development key."""
    config = settings.signer if role == "scan" else settings.agency
    if config.pkcs11_module:
        with _pkcs11(config) as signer:
            yield signer
    elif config.remote:
        yield _remote(config, settings)
    elif config.pkcs12:
        secret = config.pkcs12_passphrase
        yield load_pkcs12(config.pkcs12, secret.get_secret_value().encode() if secret else None,
                          config.pss)
    else:
        yield load_pkcs12(*ensure_dev_signer(settings.home_dir, role), config.pss)
