"""Signing where the key is. A USB token or an HSM slot sits in one host and does one thing at
a time: ``sign_digest`` runs on that host's own work pool (``sohoa deploy --signing-pool``),
under the pool's global concurrency limit of 1. A machine whose role names that pool
(``SOHOA_SIGNER__POOL``, ``SOHOA_AGENCY__POOL``) signs through :class:`PoolSigner`: the PDF is
built, hashed and timestamped here, and only the digest to sign travels, in the run's
parameters; the answer comes back through S3 (``cache/signing/``). With a PKCS#12 file or a
remote-signing service every worker signs itself (``role_signer``).
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from asn1crypto import algos, x509
from prefect import flow
from prefect.concurrency.sync import concurrency
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko.sign import signers

from pipeline.errors import SigningPoolUnavailable
from pipeline.settings import Settings, load_settings
from pipeline.signing.backends import open_signer, signature_length
from storage.keys import SIGNING_PREFIX
from storage.objects import ObjectStore
from storage.session import open_store

SIGN_TIMEOUT_S = 600  # a token host busy with every other machine's signatures


def limit_name(pool: str) -> str:
    """The global concurrency limit of a signing pool: its token signs once at a time."""
    return f"sohoa-signing:{pool}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@flow(name="sign_digest", persist_result=False)
def sign_digest(pool: str, role: str, request: str, data: str = "",
                digest_algorithm: str = "sha256") -> None:
    """On the key's host: sign ``data`` (base64 of the signed attributes) as ``role``, or,
    with none, tell the role's certificates and signature mechanism; the answer is written to
    S3 under ``request``, with when the token was busy."""
    settings = load_settings()
    with concurrency(limit_name(pool), occupy=1, strict=True):
        started = time.time()
        with open_signer(settings, role) as signer:
            if data:
                raw = ThreadPoolExecutor(1).submit(asyncio.run, signer.async_sign_raw(
                    base64.b64decode(data), digest_algorithm)).result()
                answer = {"signature": _b64(raw)}
            else:
                answer = {"cert": _b64(signer.signing_cert.dump()),
                          "chain": [_b64(c.dump()) for c in signer.cert_registry],
                          "mechanism": _b64(signer.get_signature_mechanism_for_digest(
                              digest_algorithm).dump())}
        answer |= {"started": started, "ended": time.time(), "host": socket.gethostname()}
    with open_store(settings) as store:  # the token's host needs no catalogue
        store.put(f"{SIGNING_PREFIX}{request}.json", json.dumps(answer).encode(),
                  "application/json")


def _ask(pool: str, role: str, store: ObjectStore, data: bytes = b"",
         digest_algorithm: str = "sha256") -> dict:
    from prefect.deployments import run_deployment

    request = uuid.uuid4().hex
    run = run_deployment(f"sign_digest/{pool}", timeout=SIGN_TIMEOUT_S, as_subflow=False,
                         parameters={"pool": pool, "role": role, "request": request,
                                     "data": _b64(data), "digest_algorithm": digest_algorithm})
    if not run.state or not run.state.is_completed():
        raise SigningPoolUnavailable(pool=pool, state=run.state.name if run.state else "none")
    return json.loads(store.get(f"{SIGNING_PREFIX}{request}.json"))


class PoolSigner(signers.Signer):
    """A role's key on another host's signing pool: pyHanko builds the signature here and
    asks that pool only for the raw signature."""

    def __init__(self, pool: str, role: str, store: ObjectStore, prefer_pss: bool = False):
        self.pool, self.role, self.store = pool, role, store
        known = _ask(pool, role, store)
        cert = x509.Certificate.load(base64.b64decode(known["cert"]))
        chain = [x509.Certificate.load(base64.b64decode(c)) for c in known["chain"]]
        super().__init__(signing_cert=cert, prefer_pss=prefer_pss,
                         cert_registry=SimpleCertificateStore.from_certs([cert, *chain]),
                         signature_mechanism=algos.SignedDigestAlgorithm.load(
                             base64.b64decode(known["mechanism"])))

    async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                             dry_run: bool = False) -> bytes:
        if dry_run:  # pyHanko sizes the signature's room first: as long as a real one
            return bytes(signature_length(self.signing_cert))
        answer = await asyncio.to_thread(_ask, self.pool, self.role, self.store, data,
                                         digest_algorithm)
        return base64.b64decode(answer["signature"])


@contextmanager
def role_signer(settings: Settings, store: ObjectStore, role: str = "scan"
                ) -> Iterator[signers.Signer]:
    """The role's signer: through its host's signing pool when it names one, else here."""
    config = settings.signer if role == "scan" else settings.agency
    if config.pool:
        yield PoolSigner(config.pool, role, store, config.pss)
        return
    with open_signer(settings, role) as signer:
        yield signer
