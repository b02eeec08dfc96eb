"""Field extraction from OCR lines, the procedure catalogue and the completeness verdict."""

import pytest

from pipeline.completeness import judge
from pipeline.fields.extract import extract_fields
from pipeline.fields.validators import parse_date
from pipeline.model import NO_TEXT, OcrPage, PageQuality, Problem, Word
from pipeline.procedures.definitions import best_title, find_procedure, load_procedures
from pipeline.errors import SohoaError

QUALITY = PageQuality(300, 240.0, 200.0, 0.05, 0.1, (), ())


def _page(*lines: str, confidence: float = 92.0) -> OcrPage:
    words = [Word(token, confidence, (0, 0, 1, 1), index)
             for index, line in enumerate(lines) for token in line.split()]
    return OcrPage(words, "\n".join(lines), confidence, 0, 0.0, NO_TEXT, QUALITY)


def test_person_fields_from_labels():
    fields, problems = extract_fields([_page(
        "TỜ KHAI", "1. Họ và tên: NGUYỄN VĂN AN", "3. Ngày, tháng, năm sinh: 15/03/1990",
        "6. Số CCCD: 038 090 012 345")])
    assert {k: v.value for k, v in fields.items()} == {
        "full_name": "Nguyễn Văn An", "date_of_birth": "1990-03-15", "id_number": "038090012345"}
    assert all(0.9 <= v.confidence <= 0.93 for v in fields.values()) and problems == []


def test_nfd_input_and_dd_letter():
    nfd = "Họ và tên: ĐẶNG THỊ HOA".replace("Ặ", "A\u0323\u0306")  # NFD marks
    fields, _ = extract_fields([_page(nfd, "Sinh ngày: ngày 2 tháng 9 năm 2004",
                                      "Số định danh cá nhân: 001304000123")])
    assert fields["full_name"].value == "Đặng Thị Hoa"
    assert fields["date_of_birth"].value == "2004-09-02"
    assert fields["id_number"].value == "001304000123"


def test_cccd_that_disagrees_with_birth_year_goes_to_review():
    fields, problems = extract_fields([_page("Họ và tên: Lê Văn Bình", "Ngày sinh: 01/01/1985",
                                             "Số CCCD: 038090012345")])
    assert fields["id_number"].confidence <= 0.3
    assert [p.code for p in problems] == ["id_number_birth_mismatch"]


def test_nine_digit_cmnd_and_dates():
    fields, problems = extract_fields([_page("Số CMND: 171234567")])
    assert fields["id_number"].value == "171234567" and problems == []
    assert parse_date("31/02/1990") is None and str(parse_date("5.7.1999")) == "1999-07-05"


def test_catalogue_has_real_procedures_and_refuses_unknown():
    catalogue = load_procedures()
    assert {"1.001193", "1.000894", "2.000488"} <= set(catalogue)
    assert all(any(c.required for c in p.components) for p in catalogue.values())
    with pytest.raises(SohoaError) as info:
        find_procedure("9.999999")
    assert info.value.code == "unknown_procedure"


def test_procedure_override_directory(tmp_path):
    (tmp_path / "broken.yaml").write_text("code: 1.001193\nname: x\n")
    with pytest.raises(SohoaError) as info:
        load_procedures(tmp_path)
    assert info.value.code == "invalid_procedure_file"


def test_classification_tolerates_missing_diacritics():
    components = find_procedure("2.000488").components
    assert best_title(components, "CONG HOA\nTO KHAI YEU CAU CAP PHIEU LY LICH TU PHAP").code == "TK_LLTP"
    assert best_title(components, "CỘNG HÒA\nCĂN CƯỚC CÔNG DÂN\nSố định danh").code == "GIAY_TO_TUY_THAN"
    assert best_title(components, "HÓA ĐƠN BÁN HÀNG") is None


def test_completeness_verdicts():
    procedure = find_procedure("2.000488")
    assert judge(procedure, ["TK_LLTP", "GIAY_TO_TUY_THAN"], []).status == "digitised"
    missing = judge(procedure, ["TK_LLTP"], [])
    assert missing.status == "needs_review" and missing.missing_components == ["GIAY_TO_TUY_THAN"]
    assert missing.problems[0].code == "missing_component"
    unreadable = judge(procedure, ["TK_LLTP", "GIAY_TO_TUY_THAN"],
                       [Problem("low_ocr_confidence", "…", "a.jpg", 1)])
    assert unreadable.status == "needs_review"
    assert judge(procedure, [], [Problem("corrupt_pdf", "…", "a.pdf")]).status == "rejected"
