"""Field extraction: each field's printed labels, its value read beside or below them, validated.

A value that fails its validator is kept with a low confidence and a problem, never silently
accepted; so is a CCCD whose birth-year or sex digits disagree with the date of birth or sex.
"""

from __future__ import annotations

import re
from datetime import date

import regex

from pipeline.fields import names, official, places, signed
from pipeline.fields.layout import Found, Line, following, labelled, lines_of
from pipeline.fields.validators import VALIDATORS, repaired
from pipeline.identifiers import cccd_matches_birth, parse_cccd
from pipeline.model import FieldValue, OcrPage, Problem
from pipeline.text import fold_aligned

LOW_CONFIDENCE = 0.3  # given to a value that failed its validator or a cross-check
REVIEW_CONFIDENCE = 0.6
"""Under this, a person checks the value. A value's confidence is the mean over its words of
their least sure character: the engine's word confidence is low on any token outside its
dictionary ("445/QĐ-UBND" read right scores 26 as a word, 89 at its least sure character)."""

_NUMBERING = r"(?:\d{1,2}\s*[.)/]\s*|[a-h]\)\s*|[-•*~]\s*)?"
_BORDER = r"[|'‘’!¡\[\]_\s]*(?:(?:\S{1,2}\s+){1,2}(?=\S{2}|[-•*~]\s+\S{2}))?"
"""What is left of a table's border or a leader before a label, and a speck read as a letter
or two (a punch hole as "Ó", a tick box as "( )"), before the label's numbering or the label."""
LABELS: dict[str, list[str]] = {
    "full_name": [r"ho,? chu dem,? (?:va )?ten", r"ho va ten", r"ho ten", r"ten chu ho",
                  r"full name"],
    "date_of_birth": [r"ngay,? thang,? nam sinh", r"ngay sinh", r"sinh ngay", r"date of birth"],
    "sex": [r"gioi tinh", r"sex"],
    "id_number": [r"so (?:[cg]mnd|cmt)\s*/\s*(?:[cg]c[cg]d|can cuoc)", r"so dinh danh ca nhan",
                  r"so can cuoc cong dan",  # long enough to be found with a letter misread
                  r"so (?:cccd|[cg]c[cg]d|the can cuoc|can cuoc|cmnd|cmt)",
                  r"(?:can cuoc cong dan|the can cuoc|chung minh nhan dan) so",
                  r"so giay to (?:tuy than|phap ly)", r"so/no\.?",
                 r"(?<!cap )(?:cccd|cmnd|cmt)(?=\s*:)"],  # "Số" misread ("2:50 CCCD: …")
    "address": [r"noi (?:cu tru|thuong tru|o hien (?:tai|nay))",
                r"dia chi (?:thuong tru|tru so chinh|tru so)", r"cho o hien (?:tai|nay)", r"dia chi"],
    "phone": [r"so dien thoai", r"dien thoai(?: lien he)?"],
    "tax_code": [r"ma so (?:doanh nghiep|thue|ho kinh doanh)"],
    "business_name": [r"ten (?:doanh nghiep|ho kinh doanh|cong ty|co so kinh doanh)"
                      r"(?: viet bang tieng viet)?"],
    "doc_number": [r"so(?=\s*:)"],
}
OTHER_LABELS = [r"quoc tich", r"dan toc", r"noi sinh", r"que quan", r"ngay cap", r"noi cap",
                r"co gia tri den", r"email", r"ton giao"]
DEFAULT_FIELDS = {"full_name": "name", "date_of_birth": "date", "sex": "sex",
                  "id_number": "personal_id", "address": "text", "phone": "phone"}
FIELD_NAMES = {"full_name": "Họ và tên", "date_of_birth": "Ngày sinh", "sex": "Giới tính",
               "id_number": "Số định danh", "address": "Địa chỉ", "phone": "Số điện thoại",
               "tax_code": "Mã số thuế / doanh nghiệp", "business_name": "Tên hộ kinh doanh / doanh nghiệp",
               "doc_type": "Loại văn bản", "doc_number": "Số văn bản", "issue_date": "Ngày ban hành",
               "place": "Địa danh", "issuing_body": "Cơ quan ban hành", "subject": "Trích yếu",
               "signer_name": "Người ký", "valid_until": "Có giá trị đến", "scope": "Phạm vi"}


def _compile(pattern: str) -> list[re.Pattern[str]]:
    """A label at the start of a line (after any numbering), or anywhere when a colon follows."""
    return [re.compile(r"^" + _BORDER + _NUMBERING + pattern + r"\s*[:.;]?\s*"),
            re.compile(r"(?<![a-z])" + pattern + r"\s*:\s*")]


_LABEL_RES = {name: [r for p in patterns for r in _compile(p)] for name, patterns in LABELS.items()}
FUZZY_FROM = 8  # labels that match no fewer letters than this are found with one misread
FUZZY_TWO_FROM = 14  # and from this many, with two ("Họ, chứ độm và lên")


def _fixed(pattern: str) -> int:
    """The fewest characters ``pattern`` matches: its shortest alternative's ("Nơi cư trú"
    for "Nơi cư trú / thường trú / ở hiện tại")."""
    return re._parser.parse(pattern).getwidth()[0]  # the stdlib's own parser (3.11: re._parser)


_FUZZY_RES = {name: [regex.compile(r"^" + _BORDER + _NUMBERING + f"(?:{p}){{e<={1 + (_fixed(p) >= FUZZY_TWO_FROM)}}}"
                                   + r"\s*[:.;]?\s*")
                     for p in patterns if _fixed(p) >= FUZZY_FROM]
              for name, patterns in LABELS.items()}
"""A row's label with a letter or two misread ("Nsày, tháng, năm sinh"), at the start of a
line, looked for when no label is found as printed."""
_STOP = r"(?:\s+[^\s:\d]+){0,3}\s*:"  # a label, perhaps qualified ("… liên hệ:"), and its colon
_STOPS = [re.compile(r"(?<![a-z])" + p + _STOP) for ps in LABELS.values() for p in ps] + \
         [re.compile(r"(?<![a-z])" + p + _STOP) for p in OTHER_LABELS]
_HEADS = [re.compile(r"^" + _BORDER + _NUMBERING + p + r"(?![a-z])")
          for p in [p for ps in LABELS.values() for p in ps] + OTHER_LABELS]


def _raw(lines: list[Line], field: str, validator: str) -> Found | None:
    """Where the Decree 30 layout places the field, else beside or below its label (free
    text such as an address may wrap onto the lines below)."""
    found = official.read(lines, field) if field in official.FIELDS else None
    if found is None and field in _LABEL_RES:
        found = labelled(lines, _LABEL_RES[field], _STOPS, _HEADS, wraps=validator == "text") \
            or labelled(lines, _FUZZY_RES[field], _STOPS, _HEADS, wraps=validator == "text")
    return found


def _cross_check_id(fields: dict[str, FieldValue]) -> list[Problem]:
    """A CCCD's digits 4–6 encode the century, the sex and the birth year: they must agree."""
    number = fields.get("id_number")
    if not number or len(number.value) != 12 or number.confidence <= LOW_CONFIDENCE:
        return []
    info = parse_cccd(number.value)
    problems = []
    born = fields.get("date_of_birth")
    if born and born.confidence > LOW_CONFIDENCE \
            and not cccd_matches_birth(number.value, date.fromisoformat(born.value)):
        problems.append(Problem("id_number_birth_mismatch",
                                f"Số CCCD {number.value} không khớp năm sinh {born.value[:4]}: "
                                "cần kiểm tra.", field="id_number"))
    declared = fields.get("sex")
    holder = {"male": "Nam", "female": "Nữ"}[info.sex] if info else None
    if holder and declared and declared.confidence > LOW_CONFIDENCE and holder != declared.value:
        problems.append(Problem("id_number_sex_mismatch",
                                f"Số CCCD {number.value} là của người giới tính {holder}, "
                                f"tờ khai ghi {declared.value}: cần kiểm tra.", field="id_number"))
    if problems:
        fields["id_number"] = FieldValue(number.value, min(number.confidence, LOW_CONFIDENCE))
    return problems


def _repair(lines: list[Line], field: str, validator: str, found: Found) -> str | None:
    """A refused value made valid from what the paper fixes: the name its declarant writes
    under the signature (written small, it reads where the capitals above gave "#OÀNG" for
    "HOÀNG"), else what the value's structure fixes (:func:`repaired`: a CCCD's or phone
    number's first digit, a year's century, a surname). It goes to a person."""
    return (signed.name(lines, found) if field == "full_name" else None) \
        or repaired(validator, found.text)


_UNIT = re.compile(r"(?<=\S)(\s+)(?:" + "|".join(map(fold_aligned, places.KINDS)) + r")\s(?!lo\b)")
"""An administrative unit ("phường …", "thành phố …") that follows the one before it with no
comma between them: written addresses separate their units by commas ("Tỉnh lộ 8" is a road)."""


def _doubt(lines: list[Line], field: str, found: Found, label: str, value: str
           ) -> Problem | None:
    """Why a valid value still goes to a person however sure the engine is: it was written by
    hand, the document repeats it and reads it otherwise (a form's signer writes their name
    again under the signature: "Thủy" there and "Thùy" above are one name read two ways), an
    address's units run on without the comma between them ("quận 1 Thành phố …": the
    engine missed one, or lost more than the comma), or it stops before its province."""
    if found.handwritten:
        return Problem("handwritten_field", f"{label}: \"{value}\" viết tay, máy đọc không chắc "
                       "chắn: cần đối chiếu với bản giấy.", field=field)
    folded = fold_aligned(value)
    if field == "address" and any(folded[m.start() - 1] not in ",;-–" for m in _UNIT.finditer(folded)):
        return Problem("low_field_confidence", f"{label}: \"{value}\" thiếu dấu phẩy giữa các cấp "
                       "hành chính, có thể đọc sót: cần kiểm tra.", field=field)
    if field == "address" and (last := places.stops_short(value)):
        return Problem("low_field_confidence", f"{label}: \"{value}\" dừng ở \"{last}\", chưa "
                       "có tỉnh, thành phố: có thể đọc sót dòng sau, cần kiểm tra.", field=field)
    disagree = signed.disagreements(lines, found, value) if field == "full_name" \
        else official.disagreements(lines, field, found)
    if disagree:
        words = "; ".join(f"\"{a}\" / \"{b}\"" for a, b in disagree)
        return Problem("field_disagrees", f"{label}: văn bản nhắc lại nội dung này nhưng đọc "
                       f"khác ({words}): cần kiểm tra.", field=field)
    return None


def _unlisted_units(label: str, value: str) -> tuple[str, Problem | None]:
    """An address with a unit the gazetteer spells otherwise, or a word before a number that
    is none of an address's (:func:`places.unlisted`), goes to a person, with the spelling
    meant where only one is that close and the commas its units lost."""
    unknown, respelt = places.unlisted(value)
    if not unknown:
        return respelt, None  # at most the commas a run-on address lost
    named = ", ".join(f"\"{part}\"" for part in unknown)
    guess = f", có lẽ là \"{respelt}\"" if respelt != value else ""
    return respelt, Problem("low_field_confidence", f"{label}: \"{value}\": {named} không khớp "
                            f"danh mục đơn vị hành chính hay cách ghi số nhà{guess}: cần kiểm tra.",
                            field="address")


def _misread_name(field: str, label: str, value: str) -> tuple[str, Problem | None]:
    """A name with a word no common name is made of but whose letters are a listed one's
    (:func:`names.misread_words`: "Thủ" for "Thu") goes to a person, with the listed word
    put in where only one has those letters ("Hông" → "Hồng")."""
    misread = names.misread_words(value)
    if not misread:
        return value, None
    meant = {word: listed[0] for word, listed in misread if len(listed) == 1}
    respelt = " ".join(meant.get(word, word) for word in value.split())
    words = ", ".join(f"\"{word}\" (có lẽ " + " hay ".join(f"\"{w}\"" for w in listed) + ")"
                      for word, listed in misread)
    return respelt, Problem("low_field_confidence", f"{label}: \"{value}\": {words} ít gặp trong "
                            "tên người, có thể đọc sai dấu: cần kiểm tra.", field=field)


def extract_fields(pages: list[OcrPage], wanted: dict[str, str] | None = None
                   ) -> tuple[dict[str, FieldValue], list[Problem]]:
    """The ``wanted`` fields (name → validator) of one document, and what needs a person's look."""
    lines = lines_of(pages)
    fields: dict[str, FieldValue] = {}
    problems: list[Problem] = []
    for field, validator in (wanted or DEFAULT_FIELDS).items():
        found = _raw(lines, field, validator)
        if found is None:
            continue
        value = VALIDATORS[validator](found.text)
        if value is None and validator != "text" and (longer := following(lines, found, _HEADS)):
            value = VALIDATORS[validator](longer.text)
            found = longer if value else found
        label = FIELD_NAMES.get(field, field)
        if value is None and (value := _repair(lines, field, validator, found)):
            fields[field] = FieldValue(value, LOW_CONFIDENCE)
            problems.append(Problem("low_field_confidence", f"{label}: đọc được \"{found.text}\", "
                                    f"có lẽ là \"{value}\": cần kiểm tra.", field=field))
            continue
        if value is None:
            fields[field] = FieldValue(found.text, LOW_CONFIDENCE)
            code = "invalid_id_number" if field == "id_number" else "invalid_field"
            problems.append(Problem(code, f"{label}: \"{found.text}\" không hợp lệ, cần kiểm tra.",
                                    field=field))
            continue
        doubt = _doubt(lines, field, found, label, value)
        if field == "address":  # respelt under any doubt: one a person checks too
            value, unlisted = _unlisted_units(label, value)
            doubt = doubt or unlisted
        elif validator == "name":  # respelt under any doubt, as an address is
            value, misread = _misread_name(field, label, value)
            doubt = doubt or misread
        if doubt:
            fields[field] = FieldValue(value, min(found.confidence, REVIEW_CONFIDENCE / 2))
            problems.append(doubt)
            continue
        fields[field] = FieldValue(value, found.confidence)
        if found.confidence < REVIEW_CONFIDENCE:
            problems.append(Problem("low_field_confidence",
                                    f"{label}: \"{value}\" đọc không chắc chắn, cần kiểm tra.",
                                    field=field))
    problems += _cross_check_id(fields)
    return fields, problems
