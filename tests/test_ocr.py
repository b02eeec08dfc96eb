"""Real tesseract `vie`: orientation, deskew, Vietnamese text and boxes on the archived image."""

import pytest
from PIL import Image

from pipeline.ocr.preprocess import skew_angle, to_gray
from pipeline.ocr.recognise import ocr_page
from pipeline.samples import (COLUMNS, DECISION_HEADER, GRADES, SAMPLE_PERSON, degrade,
                              judicial_record_form, scan_look, two_column_page)
from pipeline.text import fold


@pytest.fixture(scope="module")
def upright(scans):
    with Image.open(scans["form"]) as image:
        return ocr_page(image.copy(), 300)


def _word(page, text):
    return next(w for w in page.words if w.text == text)


def test_reads_vietnamese_with_diacritics(upright):
    assert upright.rotation == 0
    for phrase in ("TỜ KHAI YÊU CẦU CẤP PHIẾU LÝ LỊCH TƯ PHÁP", "Ngày, tháng, năm sinh: 15/03/1990",
                   "Số CCCD: 038090012345", "Nơi cư trú"):
        assert phrase in upright.text
    assert upright.confidence > 85


def test_upside_down_page_is_read_and_boxes_stay_on_the_original(upright, scans):
    with Image.open(scans["form_180"]) as image:
        flipped = ocr_page(image.copy(), 300)
        width, height = image.size
    assert flipped.rotation == 180
    assert "Số CCCD: 038090012345" in flipped.text
    # The same word, on the page as scanned (upside down), sits at the mirrored place.
    x0, y0, x1, y1 = _word(upright, "038090012345").box
    fx0, fy0, fx1, fy1 = _word(flipped, "038090012345").box
    assert abs((width - x1) - fx0) < 40 and abs((height - y1) - fy0) < 60


def test_sideways_page(scans):
    with Image.open(scans["card_90"]) as image:
        page = ocr_page(image.copy(), 300)
        width, height = image.size
    assert page.rotation in (90, 270)
    assert "038090012345" in page.text
    x0, y0, x1, y1 = _word(page, "038090012345").box
    assert (y1 - y0) > (x1 - x0)  # the word runs down the scanned page
    assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height


@pytest.mark.parametrize("skew", [-6.0, 3.5, 11.0])
def test_deskew_measures_the_skew(skew):
    page = scan_look(judicial_record_form(SAMPLE_PERSON, dpi=150), skew=skew)
    assert abs(skew_angle(to_gray(page)) + skew) <= 0.3


def test_blank_page_is_not_read():
    page = ocr_page(Image.new("RGB", (1240, 1754), (247, 244, 236)), 150)
    assert page.quality.blank and page.words == [] and fold(page.text) == ""


def test_two_column_layout_keeps_reading_order():
    page = ocr_page(scan_look(two_column_page(), seed=5), 300)
    lines = [line for line in page.text.splitlines() if line]  # blank lines separate blocks

    def at(text):
        return next(i for i, line in enumerate(lines) if text in line)

    for column in (*DECISION_HEADER, *COLUMNS):  # each column reads top to bottom, unmixed
        found = [at(row) for row in column]
        assert found == sorted(found) and found[-1] - found[0] == len(column) - 1, column
    assert at(COLUMNS[0][-1]) < at(COLUMNS[1][0])  # the left column is read before the right


def test_low_resolution_page_is_read_and_flagged():
    page = ocr_page(degrade(judicial_record_form(SAMPLE_PERSON), GRADES["hard"]), 150)
    assert page.quality.issues == ("low_resolution",)
    assert "Số CCCD: 038090012345" in page.text and "Ngày, tháng, năm sinh: 15/03/1990" in page.text
    x0, y0, x1, y1 = _word(page, "038090012345").box
    assert x1 <= 1240 and y1 <= 1754  # boxes in the 150 dpi scan's own pixels


def test_fine_scan_is_read_at_engine_resolution_with_boxes_on_the_original(upright):
    page = ocr_page(scan_look(judicial_record_form(SAMPLE_PERSON, dpi=600), seed=1), 600)
    assert "Số CCCD: 038090012345" in page.text
    fine, coarse = _word(page, "038090012345").box, _word(upright, "038090012345").box
    assert all(abs(a - 2 * b) <= 12 for a, b in zip(fine, coarse))  # 600 dpi pixels


def test_a_line_the_engine_s_layout_drops_is_read_as_a_raw_line(monkeypatch):
    """libtesseract 5.5 finds no line in "- Ngày, tháng, năm sinh: ngày 13 …" (label and value
    on two baselines: a generated licence copy, bench.extraction generator 2, seed 47), as a
    page, a block or a single line; read as a raw line it is all there."""
    from pathlib import Path

    from pipeline._exec import tesseract

    with Image.open(Path(__file__).parent / "data" / "line-dropped-by-layout.jpg") as image:
        page = image.copy()
    assert "năm sinh: ngày 13 tháng 10 năm 1999" in ocr_page(page, 200).text
    read = tesseract.recognise
    monkeypatch.setattr(tesseract, "recognise", lambda gray, dpi, language, psm=3:
                        [] if psm == 13 else read(gray, dpi, language, psm))
    assert "13 tháng 10" not in ocr_page(page, 200).text  # the case stands: no raw line, no date


def test_letters_the_engine_gives_a_leaders_dots_are_dropped_and_the_wrapped_date_reads(
        monkeypatch):
    """A birth date filled in by hand, cut by "Quốc tịch:" on its row, its year on the line
    below (a generated birth certificate, bench.extraction generator 2, seed 45): the engine
    reads the written "năm", and "năm....." again over the dots after it."""
    from pathlib import Path

    from pipeline.fields.extract import extract_fields
    from pipeline.ocr import recognise

    with Image.open(Path(__file__).parent / "data" / "dots-read-as-letters.jpg") as image:
        page = image.copy()
    read = ocr_page(page, 200)
    assert "năm năm" not in read.text
    born = extract_fields([read], {"date_of_birth": "date"})[0]["date_of_birth"]
    assert born.value == "1982-06-22"
    monkeypatch.setattr(recognise, "_unflattened", lambda line: line)
    assert "6 năm năm....." in ocr_page(page, 200).text  # the case stands
