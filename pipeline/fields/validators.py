"""Validators: raw OCR text in, the field's canonical value out, or ``None`` when it is not one.

Each validator is named; procedure files say which one checks each field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Callable

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst

from pipeline.identifiers import parse_cccd
from pipeline.text import clean, fold, fold_aligned

_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4}|\d{2})(?!\d)")
_WORDY_DATE = re.compile(r"ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})")
_DOC_NUMBER = re.compile(r"(\d{1,5})\s*/\s*((?:\d{4}\s*/\s*)?[A-ZĐ][A-ZĐa-z0-9]*(?:\s*-\s*[A-ZĐ0-9]+)*)")
_NAME_NOISE = re.compile(r"[^\w\s]|\d|_")
DOC_TYPES = {  # Decree 30/2020, appendix III: document type and its abbreviation
    "nghi quyet": ("Nghị quyết", "NQ"), "quyet dinh": ("Quyết định", "QĐ"),
    "chi thi": ("Chỉ thị", "CT"), "quy che": ("Quy chế", "QC"), "thong bao": ("Thông báo", "TB"),
    "huong dan": ("Hướng dẫn", "HD"), "ke hoach": ("Kế hoạch", "KH"), "bao cao": ("Báo cáo", "BC"),
    "to trinh": ("Tờ trình", "TTr"), "bien ban": ("Biên bản", "BB"), "cong van": ("Công văn", "CV"),
    "giay chung nhan": ("Giấy chứng nhận", "GCN"), "giay phep": ("Giấy phép", "GP"),
    "giay xac nhan": ("Giấy xác nhận", "GXN"), "giay uy quyen": ("Giấy ủy quyền", "GUQ"),
    "trich luc": ("Trích lục", "TL"), "phieu ly lich tu phap": ("Phiếu lý lịch tư pháp", "LLTP"),
}


def parse_date(text: str, today: date | None = None) -> date | None:
    """``dd/mm/yyyy`` (or ``.``/``-``), ``dd/mm/yy``, or "ngày 27 tháng 10 năm 2023".

    A two-digit year is the latest year ending so that is not after ``today``.
    """
    folded = fold_aligned(clean(text))
    match = _DMY.search(folded) or _WORDY_DATE.search(folded)
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    if len(match.group(3)) == 2:
        now = (today or date.today()).year
        year += now - now % 100
        if year > now:
            year -= 100
    try:
        return date(year, month, day)
    except ValueError:
        return None


SURNAMES = {fold(name): name for name in (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Trịnh", "Đinh", "Lâm", "Trương", "Lương", "Đoàn", "Tạ", "Quách",
    "Thái", "Kiều", "Khổng", "Triệu", "Tống", "Hà", "Lưu", "Chu", "Mạc", "Đào")}
"""Common surnames whose unaccented form belongs to no other common surname: an engine that
reads "NGUYÊN" (a tone mark lost on a capital) gets "Nguyễn" back. Ambiguous ones (Mai, Cao,
Phùng/Phụng…) are left as read."""


def person_name(text: str) -> str | None:
    """NFC, Vietnamese capitalisation ("NGUYỄN văn an" → "Nguyễn Văn An"), the surname's marks
    restored from :data:`SURNAMES`; two to seven words."""
    words = _NAME_NOISE.sub(" ", clean(text)).split()  # NFC first: marks are not \w
    if not 2 <= len(words) <= 7:
        return None
    words = [w[:1].upper() + w[1:].lower() for w in words]
    words[0] = SURNAMES.get(fold(words[0]), words[0])
    return " ".join(words)


def iso_date(text: str) -> str | None:
    found = parse_date(text)
    return found.isoformat() if found and 1900 <= found.year <= date.today().year + 1 else None


def sex(text: str) -> str | None:
    first = fold(text).split()[:1]
    return {"nam": "Nam", "male": "Nam", "nu": "Nữ", "female": "Nữ"}.get(first[0]) if first else None


def personal_id(text: str) -> str | None:
    """A 12-digit CCCD with a valid century-and-sex digit, or a 9-digit CMND."""
    digits = re.sub(r"[\s.]", "", text)
    match = re.match(r"\d{12}(?!\d)|\d{9}(?!\d)", digits)
    if not match:
        return None
    number = match.group(0)
    return number if len(number) == 9 or parse_cccd(number) else None


def phone(text: str) -> str | None:
    """Vietnamese phone numbers: 0 and 9 digits (mobile) or 10 (landline); +84 → 0."""
    digits = re.sub(r"[\s.()-]", "", text)
    match = re.match(r"(?:\+?84|0)(\d{9,10})(?!\d)", digits)
    return "0" + match.group(1) if match else None


def tax_code(text: str) -> str | None:
    """Enterprise / tax code: 10 digits with check digit, or 13 with a branch (``-001``)."""
    match = re.search(r"\d[\d\s.]{8,}\d(?:\s*-\s*\d{3})?", text)
    if not match:
        return None
    try:
        return mst.format(mst.validate(match.group(0).replace(" ", "").replace(".", "")))
    except StdnumError:
        return None


def doc_number(text: str) -> str | None:
    """"Số: 12/QĐ-UBND" → "12/QĐ-UBND"; also "01/2024/NQ-HĐND"."""
    match = _DOC_NUMBER.search(clean(text))
    return re.sub(r"\s+", "", match.group(0)) if match else None


def doc_type(text: str) -> str | None:
    """The document type of a title line, by Decree 30/2020's names."""
    folded = fold(text)
    return next((name for key, (name, _) in DOC_TYPES.items() if folded.startswith(key)), None)


def free_text(text: str) -> str | None:
    value = clean(text).strip(" .,;:-")
    return value if len(value) >= 2 else None


VALIDATORS: dict[str, Callable[[str], str | None]] = {
    "name": person_name, "date": iso_date, "sex": sex, "personal_id": personal_id,
    "phone": phone, "tax_code": tax_code, "doc_number": doc_number, "doc_type": doc_type,
    "text": free_text,
}
