"""Validators: raw OCR text in, the field's canonical value out, or ``None`` when it is not one.

Each validator is named; procedure files say which one checks each field.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Callable

from rapidfuzz.distance.Levenshtein import distance
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst

from pipeline.identifiers import CCCD_PROVINCES, parse_cccd
from pipeline.text import TONES, clean, fold, fold_aligned, nfc

_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4}|\d{2})(?!\d)")
_WORDY_DATE = re.compile(r"(?<![a-z])([a-z]{2,5})\s+(\d\.?\d?)\.?\s+([a-z]{4,6})\s+(\d\.?\d?)\.?\s+([a-z]{2,4})\s+(\d{4})")
""""ngày 8 tháng 12 năm 1968", a leader's dot after a number too ("ngày.8. tháng.12 năm"), or
between the two digits written over it ("ngày 1.9 tháng"): a day and a month only."""
_DATE_WORDS = ("ngay", "thang", "nam")
_DIGITS_DATE = re.compile(r"(\d{2})[il|1/]?(\d{2})[il|1/]?(\d{4})")
"""A date written in its boxes or with its slashes read as a stroke ("21041985", "24I07I1972")."""
_DOC_NUMBER = re.compile(r"(\d{1,5}[a-z]?)/(?:(\d{4})/)?([A-ZĐ][A-Za-zĐđ0-9]*(?:-[A-ZĐ][A-Za-zĐđ0-9]*)*)")
_NORMATIVE = {"L", "PL", "LCT", "NQ", "NĐ", "TT", "TTLT", "NQLT"}
"""Types whose number must carry the year (Decree 30/2020: "Số: 01/2024/NQ-HĐND")."""
_NAME_EDGES = " .,;:-_'\"“”‘’()[]|/\\~`*•"
_RANKS = re.compile(r"^(?:(?:đại|thượng|trung|thiếu)\s+(?:tướng|tá|úy|uý)\s+|(?:(?:gs|pgs|ts|ths|bs|ks|ls|nsnd|nsưt|ngnd|ngưt)\.\s*)+)",
                    re.I)
"""Military ranks and academic titles printed before a signer's name ("Trung tá", "PGS.TS.")."""
_NOT_NAMES = {"kính", "gửi", "nơi", "nhận", "điều", "khoản", "mục", "của", "và", "các", "những",
              "cho", "về", "việc", "tại", "theo", "với", "số", "ngày", "tháng", "căn", "cứ",
              "tỉnh", "huyện", "ủy", "uỷ", "luật", "trưởng", "phó", "chủ", "tịch", "giám",
              "được", "này", "là", "có", "không", "trong", "ký", "kt", "tm", "tl", "tuq",
              "người", "nhưng", "hoặc", "thì", "mà", "nếu", "vì", "bởi", "đã", "sẽ", "đang",
              "rằng", "khi", "nên", "cũng", "vẫn", "rất", "đó", "đây", "nhũng"}
"""Words of the page around a name that no name is made of ("Kính gửi", "Nơi nhận", titles),
and words no one is named, which a name misread by a tone can become: function words
("Nhung" read "Nhưng", "Thi" read "Thì") and the "nhũng" of "tham nhũng", which the engine
reads for a printed "Nhung" as surely as the name; words that are also given names ("Năm",
"Chương", "Định", "Nhân") are not among them."""
DOC_TYPES = {  # Law 64/2025 (normative) and Decree 30/2020, appendix III: type and abbreviation
    "luat": ("Luật", "L"), "phap lenh": ("Pháp lệnh", "PL"), "lenh": ("Lệnh", "LCT"),
    "nghi dinh": ("Nghị định", "NĐ"), "thong tu lien tich": ("Thông tư liên tịch", "TTLT"),
    "thong tu": ("Thông tư", "TT"), "quy dinh": ("Quy định", "QyĐ"),
    "thong cao": ("Thông cáo", "TC"), "chuong trinh": ("Chương trình", "CTr"),
    "phuong an": ("Phương án", "PA"), "de an": ("Đề án", "ĐA"), "du an": ("Dự án", "DA"),
    "hop dong": ("Hợp đồng", "HĐ"), "cong dien": ("Công điện", "CĐ"),
    "giay moi": ("Giấy mời", "GM"), "giay gioi thieu": ("Giấy giới thiệu", "GGT"),
    "nghi quyet": ("Nghị quyết", "NQ"), "quyet dinh": ("Quyết định", "QĐ"),
    "chi thi": ("Chỉ thị", "CT"), "quy che": ("Quy chế", "QC"), "thong bao": ("Thông báo", "TB"),
    "huong dan": ("Hướng dẫn", "HD"), "ke hoach": ("Kế hoạch", "KH"), "bao cao": ("Báo cáo", "BC"),
    "to trinh": ("Tờ trình", "TTr"), "bien ban": ("Biên bản", "BB"), "cong van": ("Công văn", "CV"),
    "giay chung nhan": ("Giấy chứng nhận", "GCN"), "giay phep": ("Giấy phép", "GP"),
    "giay xac nhan": ("Giấy xác nhận", "GXN"), "giay uy quyen": ("Giấy ủy quyền", "GUQ"),
    "trich luc": ("Trích lục", "TL"), "phieu ly lich tu phap": ("Phiếu lý lịch tư pháp", "LLTP"),
}


_LEADER_RUN = re.compile(r"\.{2,}|…+|_+")  # "_" too: no address, name or date has one
_DOT = re.compile(r"\.")


def _leader_dot(text: str, at: int) -> bool:
    """Whether the dot at ``at`` is a dotted leader's, read between the words of the value
    written over it ("Số 81,.ngõ.15,. đường.Hùng.Vương", "ngày. 4 .tháng.12.năm"): after a
    word, after a digit and before a letter, after a comma, or starting a word. After one or
    two unmarked letters a dot abbreviates ("TP.HCM", "P.5", "Tp.Vinh"); between digits it
    separates a date's parts."""
    left = text[at - 1] if at else " "
    right = text[at + 1] if at + 1 < len(text) else " "
    if left in ",;)" or (left.isspace() and not right.isspace()):
        return True
    if left.isalpha():
        word = re.search(r"[^\W\d_]+$", text[:at]).group(0)
        return len(word) > 2 or (len(word) == 2 and _marked(word))  # "ngõ.36", "đường.Hùng",
        # "xã.Đông", "Đông. Vệ"; not "TP.HCM", "Q. Ba Đình", "Đ.Lê Lợi"
    return left.isdigit() and right.isalpha()


_LOW_COMMAS = str.maketrans("„‚", ",,")  # a comma with a leader's dot beside it, as read


_COMMAS = re.compile(r",(?:\s*,)+")


def unleadered(text: str) -> str:
    """``text`` in NFC, white space collapsed, without the dots and rules of a leader read in
    it (nor the second comma of a comma read beside a leader's low dot: "ngõ 29,„ đường")."""
    text = _COMMAS.sub(",", _LEADER_RUN.sub(" ", nfc(text).translate(_LOW_COMMAS)))
    return clean(_DOT.sub(lambda m: " " if _leader_dot(text, m.start()) else ".", text))


def parse_date(text: str, today: date | None = None) -> date | None:
    """``dd/mm/yyyy`` (or ``.``/``-``), ``dd/mm/yy``, "ngày 27 tháng 10 năm 2023" (its words
    as an engine reads them in handwriting: "naày 14 thána 11 năm 1999"), or ``ddmmyyyy``
    alone (a form's date boxes, or slashes read as "1" or "I").

    A two-digit year is the latest year ending so that is not after ``today``.
    """
    folded = fold_aligned(unleadered(text).replace("⁄", "/"))  # a fraction slash read for "/"
    match = _DMY.search(folded) or _DIGITS_DATE.fullmatch(folded.replace(" ", ""))
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = next((m for m in _WORDY_DATE.finditer(folded) if all(
            distance(word, expected) <= (1 if expected == "nam" else 2)
            for word, expected in zip(m.group(1, 3, 5), _DATE_WORDS))), None)
        if not match:
            return None
        day, month, year = (int(g.replace(".", "")) for g in match.group(2, 4, 6))
    if year < 100:
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


_MARKS = set(TONES + "\u0302\u0306\u031b")  # the 5 tones; â/ê/ô, ă, ơ/ư
_VOWELS = set("aeiouy")  # folded: ă, â, ê, ô, ơ, ư too


def _vietnamese(char: str) -> bool:
    """A letter of the Vietnamese alphabet (with f, j, w, z of names and loanwords): not "ƒ"."""
    base, *marks = unicodedata.normalize("NFD", char.lower())
    return (base in "abcdefghijklmnopqrstuvwxyz" or base == "đ") and set(marks) <= _MARKS


def _voiced(word: str) -> bool:
    """Whether ``word`` has a vowel: every syllable has one, so "Th" is a word read with a
    letter lost ("Thu"), not a name's word."""
    return not _VOWELS.isdisjoint(fold(word))


def person_name(text: str) -> str | None:
    """NFC, Vietnamese capitalisation ("NGUYỄN VĂN AN" → "Nguyễn Văn An"), the surname's marks
    restored from :data:`SURNAMES`; ranks and titles before it dropped. Refused: other than two
    to six words of letters, a word with no vowel, words cased unlike one another ("Kính gửi
    Hội đồng"), or any word no name is made of (:data:`_NOT_NAMES`: "Chương I", "Nơi nhận")."""
    words = _RANKS.sub("", clean(text).strip(_NAME_EDGES)).replace(".", " ").split()  # NFC first: marks are not \w
    if not 2 <= len(words) <= 6 or not all(len(w) >= 2 and all(map(_vietnamese, w)) and _voiced(w)
                                           for w in words):
        return None
    cases = {"upper" if w.isupper() else "lower" if w.islower() else
             "title" if w[0].isupper() and w[1:].islower() else "mixed" for w in words}
    if len(cases) != 1 or cases == {"mixed"}:
        return None
    words = [w[:1].upper() + w[1:].lower() for w in words]
    words[0] = SURNAMES.get(fold(words[0]), words[0])  # "KHÔNG" is Khổng, not the word "không"
    if any(w.lower() in _NOT_NAMES for w in words):
        return None
    return " ".join(words)


def iso_date(text: str) -> str | None:
    """A real date, from 1900 and not after today."""
    found = parse_date(text)
    return found.isoformat() if found and 1900 <= found.year and found <= date.today() else None


def any_date(text: str) -> str | None:
    """A real date from 1900, in the future too (until when a licence holds)."""
    found = parse_date(text)
    return found.isoformat() if found and 1900 <= found.year <= 2200 else None


def sex(text: str) -> str | None:
    first = fold(text).split()[:1]
    return {"nam": "Nam", "male": "Nam", "nu": "Nữ", "female": "Nữ"}.get(first[0]) if first else None


_DIGIT_LOOKALIKES = str.maketrans("OoØøΟlI|", "00000111")
"""Letters an engine reads in place of digits, in a field that holds digits only."""
_DIGIT_RUN = re.compile(r"[\dOoØøΟlI|\s.()\[\]+-]+")


def _digits(text: str) -> str:
    """The digits a value starts with, look-alike letters read as digits, separators dropped."""
    run = _DIGIT_RUN.match(text.strip().lstrip("¡!|'‘’\"[]{}:;,_"))  # a border's remains
    return re.sub(r"[\s.()\[\]-]", "", run.group(0)).translate(_DIGIT_LOOKALIKES) if run else ""


def personal_id(text: str) -> str | None:
    """A 12-digit CCCD with a province of birth registration and a valid century-and-sex
    digit, or a 9-digit CMND."""
    digits = _digits(text)
    match = re.match(r"\d{12}(?!\d)|\d{9}(?!\d)", digits)
    if not match:
        return None
    number = match.group(0)
    return number if len(number) == 9 or (parse_cccd(number) and number[:3] in CCCD_PROVINCES) \
        else None


def phone(text: str) -> str | None:
    """Vietnamese phone numbers: 0 and 9 digits (mobile) or 10 (landline); +84 → 0."""
    digits = _digits(text)
    match = re.match(r"(?:\+?84|0)(\d{9,10})(?!\d)", digits)
    return "0" + match.group(1) if match else None


def repaired(validator: str, text: str) -> str | None:
    """A value that failed ``validator`` made valid by the one digit its structure fixes: a
    CCCD and a phone number start with 0 (an engine reads a written one as "2", "6" or "9");
    a past date's year starts "19" or "20" (:func:`_century`); a name's surname read with a
    digit for a letter is the one surname it can be (:func:`_surname`); a document number's "Ð"
    (Latin eth, no Vietnamese letter) is a "Đ", read twice when it stands beside one
    ("71/QĐÐ-UBND"). Such a value goes to a person."""
    if validator == "doc_number":
        fixed = re.sub("ĐÐ|ÐĐ|Ð", "Đ", text)
        return doc_number(fixed) if fixed != text else None
    if validator == "date":
        return _century(text)
    if validator == "name":
        return _surname(text)
    if validator not in ("personal_id", "phone"):
        return None
    digits = _digits(text)
    if len(digits) not in (10, 11, 12) or digits[0] == "0":
        return None
    return VALIDATORS[validator]("0" + digits[1:])


def _surname(text: str) -> str | None:
    """A name whose first word, read with one digit for a letter ("T8ẦN", "Đ7NH": the engine
    on a written capital), is that of exactly one of :data:`SURNAMES` with a letter there."""
    words = text.split(maxsplit=1)
    digits = [k for k, c in enumerate(words[0]) if c.isdigit()] if len(words) == 2 else []
    if len(digits) != 1:
        return None
    k = digits[0]
    shape = re.compile(re.escape(fold(words[0][:k])) + "[a-z]" + re.escape(fold(words[0][k + 1:])))
    found = [name for key, name in SURNAMES.items() if shape.fullmatch(key)]
    if len(found) != 1:
        return None
    surname = found[0].upper() if words[0][:k].isupper() or words[0][k + 1:].isupper() else found[0]
    return person_name(f"{surname} {words[1]}")


_YEAR = re.compile(r"(?<!\d)(\d\d)(\d\d)(?!\d)\D*$")


def _century(text: str) -> str | None:
    """A date whose year is none from 1900 to today, with one of its first two digits put
    right: they can only be "19" or "20", and the engine reads a written 1 as "4" and a 9 as
    "2" ("29/12/4962", "17/02/1287"). ``None`` unless exactly one of the two is a real past
    date one digit from what was read."""
    match = _YEAR.search(text)
    if not match or match.group(1) in ("19", "20"):
        return None
    found = [value for century in ("19", "20")
             if sum(a != b for a, b in zip(century, match.group(1))) == 1
             and (value := iso_date(text[:match.start(1)] + century + text[match.start(2):]))]
    return found[0] if len(found) == 1 else None


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
    """"Số: 12/QĐ-UBND" → "12/QĐ-UBND"; "01/2024/NQ-HĐND". The whole value must be a number
    ``<n>/<year>/<type>-<issuer>`` or ``<n>/<type>-<issuer>``: an empty number slot
    ("Số: /2026/TT-NHNN"), a year after this one, or a normative type without its year is not."""
    value = re.sub(r"\s+|_+|…+|\.{2,}", "", clean(text))  # blanks' leaders: "39 _ /2026/TT-…"
    value = re.sub(r"^(?:[Ss][ốôoóồ]:?)", "", value).strip(".,;:")
    match = _DOC_NUMBER.fullmatch(value)
    if not match:
        return None
    number, year, kind = match.groups()
    if year and not 1945 <= int(year) <= date.today().year:
        return None
    if not year and kind.split("-")[0] in _NORMATIVE:
        return None
    return value


def doc_type(text: str) -> str | None:
    """The document type of a title line, by Decree 30/2020's names."""
    folded = fold(text)
    return next((DOC_TYPES[key][0] for key in _TYPES_LONGEST_FIRST if folded == key
                 or folded.startswith(key + " ")), None)


_TYPES_LONGEST_FIRST = sorted(DOC_TYPES, key=len, reverse=True)  # "thông tư liên tịch" first


_PUNCTUATION = set(",.;:-–/()'\"")


def _syllable_like(word: str) -> bool:
    """Letters of the Vietnamese alphabet, digits and punctuation only, and at most one tone
    mark: a syllable carries one tone, so "ẤÌ", "ƒ)" or "c.f#nlàn" is the engine's noise, not
    a word."""
    tones = sum(1 for c in unicodedata.normalize("NFD", word) if c in TONES)
    return all(_vietnamese(c) if c.isalpha() else c.isdigit() or c in _PUNCTUATION for c in word) \
        and tones <= 1


def _marked(word: str) -> bool:
    return any(c in _MARKS for c in unicodedata.normalize("NFD", word))


def _recased(words: list[str]) -> list[str]:
    """A short capital word with marks alone among small letters is a capitalised one read in
    capitals ("SỐ 69, ngõ 82"): an engine tells "Số" from "SỐ" by the size of two letters.
    Abbreviations carry no marks ("TP", "HCM") and stay."""
    if not any(w.islower() for w in words):
        return words
    letters = ["".join(c for c in word if c.isalpha()) for word in words]
    capitals = [w.isupper() for w in letters]
    return [word[0] + word[1:].lower()
            if 2 <= len(letters[k]) <= 3 and capitals[k] and _marked(letters[k])
            and not any(capitals[max(0, k - 1):k] + capitals[k + 1:k + 2]) else word
            for k, word in enumerate(words)]


def free_text(text: str) -> str | None:
    """Text such as an address: two characters at least, every word syllable-like, its
    parentheses closed (one left open is the rest of a label: "(viết bằng Cửa hàng …")."""
    words = unleadered(text).strip(" .,;:-_…").split()
    value = " ".join(_recased(words))
    if len(value) < 2 or not all(_syllable_like(word) for word in words) \
            or value.count("(") != value.count(")"):
        return None
    return value


_NOT_SUBJECT = re.compile(r"^(?:kinh\s*gui|can\s*cu|noi\s*nhan|theo\s*de\s*nghi|dieu\s*\d"
                          r"|chuong\s+(?:[ivxlc]+\b|\d))")


_NAMED = re.compile(r"(?<!\w)(?i:ông|bà|anh|chị|cháu|công dân)\s+([A-ZĐ][^\W\d_]*)(?=\s+[A-ZĐ])")
"""A person named in a subject ("… cho công dân Đinh Văn Phương"): the surname after the
word that introduces them, capitalised as the given names after it."""


def subject(text: str) -> str | None:
    """A document's summary (trích yếu): at least three words, and not the recipients'
    ("Kính gửi: …"), a legal basis ("Căn cứ …") or the first article. The surname of a person
    it names gets its marks from :data:`SURNAMES`, as in a name field ("Đỉnh" → "Đinh")."""
    value = free_text(text)
    if not value or len(value.split()) < 3 or _NOT_SUBJECT.match(fold(value)):
        return None
    return _NAMED.sub(lambda m: m.group(0)[:m.start(1) - m.start()]
                      + SURNAMES.get(fold(m.group(1)), m.group(1)), value)


VALIDATORS: dict[str, Callable[[str], str | None]] = {
    "name": person_name, "date": iso_date, "any_date": any_date, "sex": sex, "personal_id": personal_id,
    "phone": phone, "tax_code": tax_code, "doc_number": doc_number, "doc_type": doc_type,
    "text": free_text, "subject": subject,
}
