"""Pages → documents: group, check each page's reading, build, sign and read fields."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from pyhanko.sign import signers

from pipeline.fields.extract import extract_fields
from pipeline.model import Problem, ProcessedPage, SignedDocument
from pipeline.pdf.pdfa import DocumentInfo
from pipeline.pdf.searchable import build_document
from pipeline.procedures.catalogue import Procedure
from pipeline.signing.signer import SCAN_ROLE, sign_pdf

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


def drop_blank(pages: list[ProcessedPage]) -> tuple[list[ProcessedPage], list[Problem]]:
    """Pages that belong in the document, and a notice for each blank one left out.

    A file of blank pages only has nothing to digitise: that needs a person's look.
    """
    kept = [p for p in pages if not p.ocr.quality.blank]
    notices = [Problem("blank_page", p.ocr.quality.message("blank_page"), p.ref.file, p.ref.number,
                       severity="notice") for p in pages if p.ocr.quality.blank]
    if pages and not kept:
        notices.append(Problem("blank_file", "Tệp chỉ có trang trắng: kiểm tra đã quét đúng mặt "
                               "giấy chưa.", pages[0].ref.file))
    return kept, notices


def make_document(order: int, pages: list[ProcessedPage], procedure: Procedure, dossier: str,
                  signer: signers.Signer, location: str, now: datetime
                  ) -> tuple[SignedDocument, list[Problem]]:
    """Classify, build the PDF/A, sign it as the scanning official, then extract fields."""
    first_text = pages[0].ocr.text
    component = procedure.classify(first_text)
    title = component.name if component else "Tài liệu chưa phân loại"
    info = DocumentInfo(title=f"{dossier}.{order:02d} {title}",
                        subject=f"Hồ sơ {dossier}, thủ tục {procedure.code}",
                        keywords=f"{dossier}; {procedure.code}; {component.code if component else ''}")
    signed = sign_pdf(build_document(pages, info, now), signer, SCAN_ROLE, location)
    wanted = component.fields if component else None
    fields, problems = extract_fields([p.ocr for p in pages], wanted)
    file = pages[0].ref.file
    problems = [Problem(p.code, p.message, file, p.page) for p in problems]
    if component is None:
        problems.append(Problem("unclassified_document",
                                "Không nhận ra tài liệu này thuộc thành phần hồ sơ nào.", file, 1))
    for page in pages:
        problems.extend(page_problems(page))
    cert = signer.signing_cert
    doc = SignedDocument(order, file, component.code if component else None, pages, signed,
                         hashlib.sha256(signed).hexdigest(),
                         cert.subject.native.get("common_name", cert.subject.human_friendly),
                         fields)
    return doc, problems


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
                       "line": w.line} for w in ocr.words],
        })
    body = {"dossier": dossier, "document": document.order, "component": document.component,
            "fields": {k: v.to_json() for k, v in document.fields.items()}, "pages": pages}
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")
