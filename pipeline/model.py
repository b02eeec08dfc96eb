"""The records that flow through the pipeline, from received file to archived document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from pydantic.dataclasses import dataclass as checked_dataclass

SIDES = {"top": "trên", "bottom": "dưới", "left": "trái", "right": "phải"}
MESSAGES = {  # the page quality gate's issues (pipeline.ocr.quality), as staff read them
    "low_resolution": "Trang quét ở {dpi} dpi, dưới mức tối thiểu 200 dpi: quét lại ở 300 dpi, "
                      "chế độ màu.",
    "blurred": "Trang bị mờ, nhòe: lau kính máy quét, giữ giấy phẳng và quét lại.",
    "too_dark": "Trang quá tối: tăng độ sáng trên máy quét và quét lại.",
    "too_light": "Chữ quá nhạt, không đọc được: giảm độ sáng hoặc tăng độ tương phản rồi quét lại.",
    "cut_off": "Trang bị mất chữ ở mép {sides}: đặt giấy ngay ngắn, đúng khổ và quét lại.",
    "blank_page": "Trang trắng (như mặt sau khi quét hai mặt): đã bỏ khỏi tài liệu, bản gốc vẫn "
                  "được lưu.",
}


@dataclass(frozen=True)
class PageQuality:
    """What was measured on a page and the issues found (codes of :data:`MESSAGES`)."""

    dpi: int
    paper: float  # brightness of the paper as scanned, 0..255
    contrast: float  # paper minus ink once the lighting is evened out, 0..255
    ink: float  # share of the page covered by ink
    edge_mm: float  # width of ink edges: sharpness
    cut_sides: tuple[str, ...]
    issues: tuple[str, ...]

    @property
    def blank(self) -> bool:
        return "blank_page" in self.issues

    def message(self, code: str) -> str:
        sides = ", ".join(SIDES[s] for s in self.cut_sides)
        return MESSAGES[code].format(dpi=self.dpi, sides=sides)

    def to_json(self) -> dict:
        return {"dpi": self.dpi, "paper": round(self.paper, 1), "contrast": round(self.contrast, 1),
                "ink": round(self.ink, 5), "edge_mm": round(self.edge_mm, 3),
                "issues": list(self.issues)}


SEPARATOR_PREFIX = "SOHOA-SEP/1"


@dataclass(frozen=True)
class Separator:
    """What a separator sheet's QR code says: the dossier, and the component that follows."""

    dossier: str
    component: str | None = None

    @property
    def payload(self) -> str:
        return f"{SEPARATOR_PREFIX}|{self.dossier}|{self.component or ''}"


class Severity(StrEnum):
    REVIEW = "review"  # a person must look before the dossier counts as digitised
    NOTICE = "notice"  # the pipeline has handled it (a blank duplex back dropped, say)


@checked_dataclass(frozen=True)
class Problem:
    """Something staff must know about: a machine code, a Vietnamese message, where it is.

    A review correction of ``field`` in ``document`` settles the problems that name them.
    Validated (a pydantic dataclass): it is part of the dossier record.
    """

    code: str
    message: str
    file: str | None = None
    page: int | None = None
    severity: Severity = Severity.REVIEW
    document: int | None = None  # order of the document it concerns
    field: str | None = None  # the field it concerns

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ReceivedFile:
    """An original file exactly as received, stored in S3 under ``object_key``.

    ``path`` is the run's local copy; ``kind`` is ``None`` when the bytes are of no known type.
    """

    name: str
    path: Path
    size: int
    sha256: str
    kind: str | None  # "pdf" | "tiff" | "jpeg" | "png"
    object_key: str


@dataclass(frozen=True)
class PageRef:
    """One page of a received file, not yet decoded: enough to render it on any worker."""

    file: str
    file_sha256: str
    kind: str
    number: int  # 1-based within the file
    dpi: int


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float  # 0..100, the engine's word confidence (low on any out-of-dictionary token)
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the archived image, y down
    line: int  # index of the text line on the page, in reading order
    char_confidence: float | None = None  # 0..100, its least sure character
    source: str = "print"  # "print"; "hand": written into a blank; "overlay": a PDF annotation's

    @property
    def reading_confidence(self) -> float:
        """How sure the engine is of every character (the word confidence when not known)."""
        return self.confidence if self.char_confidence is None else self.char_confidence


@dataclass(frozen=True)
class EncodedImage:
    """A page image as it goes into the PDF: its bytes, PDF filter and colour space."""

    data: bytes = field(repr=False)
    width: int
    height: int
    dpi: int
    filter: str  # "/DCTDecode" | "/FlateDecode"
    colorspace: str  # "/DeviceRGB" | "/DeviceGray"
    bits: int = 8


Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels, y downwards


class HasBox(Protocol):
    box: Box


def mm_px(mm: float, dpi: int) -> int:
    """A length on paper in pixels at ``dpi``, at least one: page measures are set in mm."""
    return max(1, round(mm / 25.4 * dpi))


def line_height(words: Sequence[HasBox]) -> int:
    """The median height of ``words``' boxes: the unit gaps, margins and blanks are measured in."""
    return sorted(w.box[3] - w.box[1] for w in words)[len(words) // 2]


def shifted(box: Box, dx: int, dy: int) -> Box:
    """``box`` moved by (dx, dy): from a crop's pixels back to the page's."""
    return box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy


@dataclass(frozen=True)
class TextLayer:
    """What the engine read, in its own image's pixels, and where that image sits on the page."""

    width: int
    height: int
    lines: tuple[tuple[tuple[str, Box], ...], ...]  # each line's words: text and box
    matrix: tuple[float, ...]  # PDF cm: engine pixels (y upwards) -> page points


NO_TEXT = TextLayer(0, 0, (), (1, 0, 0, 1, 0, 0))


@dataclass(frozen=True)
class OcrPage:
    """What the engine read on one page, with its boxes in the archived image's pixels."""

    words: list[Word]
    text: str
    confidence: float  # mean word confidence, 0..100
    rotation: int  # degrees turned clockwise for recognition: 0, 90, 180, 270
    skew: float  # degrees of deskew applied for recognition
    text_layer: TextLayer = field(repr=False)
    quality: PageQuality


@dataclass(frozen=True)
class ProcessedPage:
    """A page read: its archive image and OCR, or the separator sheet it turned out to be."""

    ref: PageRef
    image: EncodedImage
    ocr: OcrPage | None  # None for a separator sheet, which is not read
    separator: Separator | None = None


@dataclass(frozen=True)
class FieldValue:
    value: str
    confidence: float  # 0..1

    def to_json(self) -> dict:
        return {"value": self.value, "confidence": round(self.confidence, 3)}


@dataclass(frozen=True)
class SignedDocument:
    """One document of the dossier: its pages, signed PDF and extracted fields."""

    order: int  # 1-based, the NN of the file name
    file: str
    component: str | None
    pages: list[ProcessedPage] = field(repr=False)
    pdf: bytes = field(repr=False)
    sha256: str
    signer: str
    fields: dict[str, FieldValue]
    sealed_by: str | None = None  # the agency whose archival signature the PDF carries
