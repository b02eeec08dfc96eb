"""What ``sohoa ocr`` and ``sohoa extract`` report: pages as read, and the documents found in
them with their fields when no dossier or procedure is given (every procedure's components
are candidates)."""

from __future__ import annotations

from pipeline.contracts import ExtractedDocument, ExtractReport, OcrPageReport, PageQualityReport
from pipeline.documents import read_document
from pipeline.model import ProcessedPage
from pipeline.procedures.definitions import Procedure
from pipeline.segments import split


def page_report(file: str, page: ProcessedPage) -> OcrPageReport:
    """A page as read: text, confidence, turn and deskew, quality and what staff should do."""
    where = {"file": file, "page": page.ref.number, "dpi": page.ref.dpi}
    if page.ocr is None:  # a separator sheet, not read
        return OcrPageReport(**where, text="", confidence=0.0, rotation=0, skew=0.0,
                             quality=None, problems=[], separator=vars(page.separator))
    quality = page.ocr.quality
    return OcrPageReport(**where, text=page.ocr.text, confidence=round(page.ocr.confidence, 2),
                         rotation=page.ocr.rotation, skew=page.ocr.skew,
                         quality=PageQualityReport(**quality.to_json()),
                         problems=[quality.message(code) for code in quality.issues])


def extract_documents(files: list[str], read: list[list[ProcessedPage]],
                      procedures: dict[str, Procedure]) -> ExtractReport:
    """The documents of ``read`` (the pages of ``files``, file by file), each classified among
    every procedure's components and its fields read."""
    components, owners = {}, {}
    for procedure in procedures.values():
        for component in procedure.components:
            components.setdefault(component.code, component)
            owners.setdefault(component.code, []).append(procedure.code)
    segments, notices = split(read, list(components.values()))
    paths = {pages[0].ref.file_sha256: file for file, pages in zip(files, read) if pages}
    documents = []
    for segment in segments:
        fields, problems = read_document(segment)
        code = segment.component.code if segment.component else None
        documents.append(ExtractedDocument(
            file=paths[segment.pages[0].ref.file_sha256],
            pages=[p.ref.number for p in segment.pages], component=code,
            component_name=segment.component.name if segment.component else None,
            procedures=owners.get(code, []), classified_by=segment.by,
            fields={k: v.to_json() for k, v in fields.items()}, problems=problems))
    return ExtractReport(documents=documents, problems=notices)
