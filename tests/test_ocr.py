"""Real tesseract `vie`: orientation, deskew, Vietnamese text and boxes on the archived image."""

import pytest
from PIL import Image

from pipeline.ocr.preprocess import skew_angle, to_gray
from pipeline.ocr.recognise import ocr_page
from pipeline.samples import SAMPLE_PERSON, judicial_record_form, scan_look
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


def test_blank_page_has_no_words():
    page = ocr_page(Image.new("RGB", (1240, 1754), (247, 244, 236)), 150)
    assert page.words == [] and page.confidence == 0.0 and fold(page.text) == ""
