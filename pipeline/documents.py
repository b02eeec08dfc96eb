"""Documents: build, sign and read the fields of each segment; check each page's reading."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import date, datetime

from pyhanko.sign import signers

from pipeline.fields import official
from pipeline.fields.extract import extract_fields
from pipeline.model import FieldValue, Problem, ProcessedPage, SignedDocument
from pipeline.pdf import qr
from pipeline.pdf.pdfa import DocumentInfo
from pipeline.pdf.searchable import build_document
from pipeline.segments import Segment
from pipeline.settings import Settings
from pipeline.signing.signer import AGENCY_ROLE, SCAN_ROLE, Profile, profile_from, sign_pdf

LOW_PAGE_CONFIDENCE = 60.0  # mean word confidence (0..100) under which a page goes to review


def page_problems(page: ProcessedPage) -> list[Problem]:
    """The quality gate's issues with the page, then what the reading itself says."""
    ref, ocr = page.ref, page.ocr
    found = [Problem(code, ocr.quality.message(code), ref.file, ref.number)
             for code in ocr.quality.issues]
    if not ocr.words:
        found.append(Problem("no_text", "Trang không có chữ đọc được: kiểm tra và quét lại.",
                             ref.file, ref.number))
    elif ocr.confidence < LOW_PAGE_CONFIDENCE:
        found.append(Problem("low_ocr_confidence",
                             f"Trang khó đọc (độ tin cậy {ocr.confidence:.0f}/100): kiểm tra và "
                             "quét lại.", ref.file, ref.number))
    return found


def _fields(pages: list[ProcessedPage], wanted: dict[str, str] | None
            ) -> tuple[dict[str, FieldValue], list[Problem]]:
    """The fields read over the pages, and their problems, placed on the document's first page."""
    fields, found = extract_fields([p.ocr for p in pages], wanted)
    file, first = pages[0].ref.file, pages[0].ref.number
    return fields, [replace(p, file=file, page=first) for p in found]


def read_document(segment: Segment) -> tuple[dict[str, FieldValue], list[Problem]]:
    """A segment's fields, and what needs a person: fields, classification, page count, pages."""
    pages, component = segment.pages, segment.component
    fields, problems = _fields(pages, component.fields if component else None)
    file, first = pages[0].ref.file, pages[0].ref.number
    if component is None:
        problems.append(Problem("unclassified_document",
                                "Không nhận ra tài liệu này thuộc thành phần hồ sơ nào.", file, first))
    elif len(pages) < component.min_pages:
        problems.append(Problem("too_few_pages",
                                f"{component.name}: có {len(pages)} trang, cần ít nhất "
                                f"{component.min_pages}: kiểm tra đã quét đủ chưa.", file, first))
    for page in pages:
        problems.extend(page_problems(page))
    return fields, problems


def make_document(order: int, segment: Segment, procedure: str, dossier: str,
                  signer: signers.Signer, location: str, now: datetime,
                  profile: Profile = Profile()) -> tuple[SignedDocument, list[Problem]]:
    """Build the PDF/A, sign it as the scanning official, then read its fields."""
    pages, component = segment.pages, segment.component
    title = component.name if component else "Tài liệu chưa phân loại"
    info = DocumentInfo(title=f"{dossier}.{order:02d} {title}",
                        subject=f"Hồ sơ {dossier}, thủ tục {procedure}",
                        keywords=f"{dossier}; {procedure}; {component.code if component else ''}")
    signed = sign_pdf(build_document(pages, info, now), signer, SCAN_ROLE, location, profile)
    fields, problems = read_document(segment)
    problems = [replace(p, document=order) for p in problems]
    doc = SignedDocument(order, pages[0].ref.file, component.code if component else None, pages,
                         signed, hashlib.sha256(signed).hexdigest(), signer_name(signer), fields)
    return doc, problems


def make_result(number: int, pages: list[ProcessedPage], procedure: str, dossier: str,
                agency: signers.Signer, settings: Settings, location: str, now: datetime,
                label: dict[str, str] | None = None) -> tuple[SignedDocument, list[Problem]]:
    """A result the agency issued, ``<dossier>-KQ<number>``: the PDF/A with its QR code
    (``label``'s lines and the paper's name, top-left of page 1), the agency's signature with
    its seal (top-right) over it, and the official document's fields."""
    info = DocumentInfo(title=f"{dossier}-KQ{number} Kết quả giải quyết thủ tục hành chính",
                        subject=f"Hồ sơ {dossier}, thủ tục {procedure}",
                        keywords=f"{dossier}; {procedure}; KQ{number}")
    fields, problems = _fields(pages, official.FIELDS)
    built = build_document(pages, info, now)
    if label is not None:
        built = qr.stamp(built, qr.payload({**label, **paper_label(fields, info.title)}))
    signed = seal_pdf(built, agency, settings, location)
    for page in pages:
        problems.extend(page_problems(page))
    doc = SignedDocument(number, pages[0].ref.file, None, pages, signed,
                         hashlib.sha256(signed).hexdigest(), signer_name(agency), fields,
                         sealed_by=signer_name(agency))
    return doc, problems


def kept_result(number: int, pages: list[ProcessedPage], pdf: bytes, signed_by: str,
                valid: bool) -> tuple[SignedDocument, list[Problem]]:
    """A result that arrived signed (by the agency's own document system): kept byte for byte,
    since a QR code drawn or a seal added would change the paper that was issued; only its
    fields are read. A signature that no longer holds goes to a person."""
    fields, problems = _fields(pages, official.FIELDS)
    if not valid:
        problems.append(Problem("incoming_signature_invalid",
                                f"Chữ ký số của {signed_by} trên kết quả không còn hợp lệ (tệp đã "
                                "bị thay đổi sau khi ký?): cần kiểm tra với nơi ban hành.",
                                pages[0].ref.file, pages[0].ref.number))
    for page in pages:
        problems.extend(page_problems(page))
    return SignedDocument(number, pages[0].ref.file, None, pages, pdf,
                          hashlib.sha256(pdf).hexdigest(), signed_by, fields), problems


SCOPE_CHARS = 60  # more would shrink the QR code's modules below what a phone reads printed


def paper_label(fields: dict[str, FieldValue], title: str) -> dict[str, str]:
    """What the QR code says of the paper itself: its name (type and number), and, when the
    paper states them, until when it holds and what it covers."""
    paper = " ".join(fields[k].value for k in ("doc_type", "doc_number") if k in fields)
    until = fields.get("valid_until")
    scope = fields["scope"].value if "scope" in fields else ""
    return {"Giấy tờ": paper or title,
            "Hiệu lực đến": f"{date.fromisoformat(until.value):%d/%m/%Y}" if until else "",
            "Phạm vi": scope if len(scope) <= SCOPE_CHARS else scope[:SCOPE_CHARS - 1] + "…"}


def seal_pdf(pdf: bytes, signer: signers.Signer, settings: Settings, location: str) -> bytes:
    """The agency's archival signature over an already signed document (top-right, seal)."""
    return sign_pdf(pdf, signer, AGENCY_ROLE, location, profile_from(settings, archive=True),
                    settings.agency_name, settings.agency_seal)


def seal(document: SignedDocument, signer: signers.Signer, settings: Settings, location: str
         ) -> SignedDocument:
    sealed = seal_pdf(document.pdf, signer, settings, location)
    return replace(document, pdf=sealed, sha256=hashlib.sha256(sealed).hexdigest(),
                   sealed_by=signer_name(signer))


def signer_name(signer: signers.Signer) -> str:
    subject = signer.signing_cert.subject
    return subject.native.get("common_name", subject.human_friendly)


def ocr_json(dossier: str, document: SignedDocument) -> bytes:
    """The OCR result kept beside the signed PDF: words, boxes (archived image pixels), confidences."""
    pages = []
    for page in document.pages:
        ocr, image = page.ocr, page.image
        pages.append({
            "file": page.ref.file, "page": page.ref.number, "dpi": image.dpi,
            "width": image.width, "height": image.height,
            "rotation": ocr.rotation, "skew": ocr.skew, "quality": ocr.quality.to_json(),
            "confidence": round(ocr.confidence, 2), "text": ocr.text,
            "words": [{"text": w.text, "confidence": round(w.confidence, 2), "box": list(w.box),
                       "line": w.line, "char_confidence": round(w.reading_confidence, 2),
                       "source": w.source}
                      for w in ocr.words],
        })
    body = {"dossier": dossier, "document": document.order, "component": document.component,
            "fields": {k: v.to_json() for k, v in document.fields.items()}, "pages": pages}
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")
