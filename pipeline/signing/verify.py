"""Check every signature of a PDF: intact, covering what, by whom, trusted by whom."""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from pathlib import Path

from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
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

    @property
    def valid(self) -> bool:
        return self.intact and ModificationLevel[self.changes_after.upper()] in _ACCEPTED_CHANGES

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


def _report(embedded, context: ValidationContext) -> SignatureReport:
    status = validate_pdf_signature(embedded, context)
    signed_at = status.signer_reported_dt
    changes = status.modification_level or ModificationLevel.OTHER
    subject = status.signing_cert.subject
    return SignatureReport(
        field=embedded.field_name,
        signer=subject.native.get("common_name") or subject.human_friendly,
        signed_at=signed_at.isoformat() if signed_at else None,
        intact=bool(status.intact and status.valid),
        covers_whole_document=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        changes_after=changes.name.lower(),
        trusted=bool(status.trusted),
    )


def verify_pdf(data: bytes, trust_roots: list[x509.Certificate]) -> VerifyReport:
    """Validate every signature offline against ``trust_roots`` (no network fetching)."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:
        return VerifyReport([], error=f"unreadable PDF: {exc}")
    context = ValidationContext(trust_roots=trust_roots, allow_fetching=False)
    return VerifyReport([_report(sig, context) for sig in embedded])


