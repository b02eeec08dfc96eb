"""Check every signature of a PDF: intact, covering what, by whom, trusted by whom."""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from pathlib import Path

from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

# Later changes that leave an approval signature valid: nothing, validation data, form filling
# (which is how a second signature is added).
_ACCEPTED_CHANGES = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES,
                     ModificationLevel.FORM_FILLING)


@dataclass(frozen=True)
class SignatureReport:
    field: str
    signer: str
    signed_at: str | None
    intact: bool
    covers_whole_document: bool
    changes_after: str  # "none" | "lta_updates" | "form_filling" | "annotations" | "other"
    trusted: bool
    kind: str = "signature"  # "signature" | "document_timestamp"
    timestamp: str | None = None  # the TSA's time (signature timestamp, or the document timestamp)
    revoked: bool | None = None  # None when revocation could not be checked

    @property
    def valid(self) -> bool:
        return self.intact and not self.revoked \
            and ModificationLevel[self.changes_after.upper()] in _ACCEPTED_CHANGES

    def to_json(self) -> dict:
        return asdict(self) | {"valid": self.valid}


@dataclass(frozen=True)
class VerifyReport:
    signatures: list[SignatureReport]
    error: str | None = None

    @property
    def valid(self) -> bool:
        return bool(self.signatures) and all(s.valid for s in self.signatures)

    def to_json(self) -> dict:
        out = {"valid": self.valid, "signatures": [s.to_json() for s in self.signatures]}
        if self.error:
            out["error"] = self.error
        return out


def load_trust_roots(paths: list[Path]) -> list[x509.Certificate]:
    roots = []
    for path in paths:
        data = path.read_bytes()
        if pem.detect(data):
            roots.extend(x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True))
        else:
            roots.append(x509.Certificate.load(data))
    return roots


def _name(cert: x509.Certificate) -> str:
    return cert.subject.native.get("common_name") or cert.subject.human_friendly


def _report(embedded: EmbeddedPdfSignature, context: ValidationContext, revocation: bool
            ) -> SignatureReport:
    if embedded.sig_object_type == "/DocTimeStamp":
        stamp = validate_pdf_timestamp(embedded, context)
        changes = stamp.modification_level or ModificationLevel.OTHER
        return SignatureReport(
            field=embedded.field_name, signer=_name(stamp.signing_cert), signed_at=None,
            intact=bool(stamp.intact and stamp.valid),
            covers_whole_document=stamp.coverage == SignatureCoverageLevel.ENTIRE_FILE,
            changes_after=changes.name.lower(), trusted=bool(stamp.trusted),
            kind="document_timestamp", timestamp=stamp.timestamp.isoformat())
    status = validate_pdf_signature(embedded, context)
    signed_at = status.signer_reported_dt
    changes = status.modification_level or ModificationLevel.OTHER
    token = status.timestamp_validity
    return SignatureReport(
        field=embedded.field_name,
        signer=_name(status.signing_cert),
        signed_at=signed_at.isoformat() if signed_at else None,
        intact=bool(status.intact and status.valid),
        covers_whole_document=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        changes_after=changes.name.lower(),
        trusted=bool(status.trusted),
        timestamp=token.timestamp.isoformat() if token else None,
        revoked=bool(status.revoked) if revocation else None,
    )


def verify_pdf(data: bytes, trust_roots: list[x509.Certificate], online: bool = False
               ) -> VerifyReport:
    """Validate every signature and document timestamp against ``trust_roots``.

    Revocation is checked with the data embedded in the file (PAdES B-LT/B-LTA) and, when
    ``online``, with the OCSP responders and CRLs the certificates name.
    """
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
        dss = DocumentSecurityStore.read_dss(reader) if "/DSS" in reader.root else None
    except Exception as exc:
        return VerifyReport([], error=f"unreadable PDF: {exc}")
    options = dict(trust_roots=trust_roots, allow_fetching=online, revocation_mode="soft-fail")
    context = dss.as_validation_context(options) if dss else ValidationContext(**options)
    return VerifyReport([_report(sig, context, online or dss is not None) for sig in embedded])
