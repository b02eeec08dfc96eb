"""The object key scheme: agency / year / month / dossier code / file (DOMAIN.md file-name rule)."""

from __future__ import annotations

import re

from pipeline.identifiers import DossierCode


def dossier_prefix(code: DossierCode) -> str:
    return f"{code.agency}/{code.received:%Y}/{code.received:%m}/{code}/"


def original_key(code: DossierCode, sha256: str, suffix: str) -> str:
    """Originals are keyed by content: the same file received twice is one object."""
    return f"{dossier_prefix(code)}originals/{sha256}{suffix}"


def document_key(code: DossierCode, order: int) -> str:
    """Signed PDF: dossier code and document order number, dot-separated."""
    return f"{dossier_prefix(code)}{code}.{order:02d}.pdf"


def ocr_key(code: DossierCode, order: int) -> str:
    return f"{dossier_prefix(code)}{code}.{order:02d}.ocr.json"


def result_key(code: DossierCode, number: int) -> str:
    """A result the agency issued: ``<dossier code>-KQ<n>`` (Circular 01/2023)."""
    return f"{dossier_prefix(code)}{code}-KQ{number}.pdf"


def result_ocr_key(code: DossierCode, number: int) -> str:
    return f"{dossier_prefix(code)}{code}-KQ{number}.ocr.json"


def manifest_key(code: DossierCode) -> str:
    return f"{dossier_prefix(code)}manifest.json"


CACHE_PREFIX = "cache/"  # what the flows keep for a while, never retained
PAGE_CACHE_PREFIX = f"{CACHE_PREFIX}pages/"  # the page cache's records
SIGNING_PREFIX = f"{CACHE_PREFIX}signing/"  # a signing pool's answers


def object_class(key: str) -> str:
    """The class an archived object's retention is set by: original, document, result, ocr,
    manifest; what is under ``cache/`` is ``cache``, which no retention names."""
    if key.startswith(CACHE_PREFIX):
        return "cache"
    if "/originals/" in key:
        return "original"
    if key.endswith(".ocr.json"):
        return "ocr"
    if key.endswith("manifest.json"):
        return "manifest"
    if re.search(r"-KQ\d+\.pdf$", key):
        return "result"
    return "document"


def object_url(bucket: str, key: str) -> str:
    """How results and search name an object: ``s3://<bucket>/<key>``."""
    return f"s3://{bucket}/{key}"
