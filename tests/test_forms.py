"""Forms of the second generator (bench/forms2.py: layouts, fonts and label wordings the
extractor was not written from), read through the page path and the field extractor."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import pytest

from bench.forms2 import Style, form, random_person
from pipeline.fields.extract import DEFAULT_FIELDS, extract_fields
from pipeline.fields.validators import person_name
from pipeline.ocr.recognise import ocr_page

FIELDS = ["full_name", "date_of_birth", "sex", "id_number", "address", "phone"]


@pytest.fixture(scope="module")
def person():
    return random_person(random.Random(3))


def _read(person, style: Style, seed: int = 1):
    page = form("Tờ khai thay đổi thông tin cư trú", FIELDS, person, "", date(2024, 5, 6), style,
                random.Random(seed))
    fields, problems = extract_fields([ocr_page(page, 300)], DEFAULT_FIELDS)
    return {k: v.value for k, v in fields.items()}, {p.field for p in problems if p.field}


def _expected(person):
    day, month, year = person.date_of_birth.split("/")
    return {"full_name": person.full_name.title(), "date_of_birth": f"{year}-{month}-{day}",
            "sex": person.sex, "id_number": person.id_number, "address": person.address,
            "phone": person.phone}


def test_dotted_leaders_digit_boxes_and_a_wrapped_address(person):
    # leaders under every value, the CCCD in twelve boxes, the address on two lines
    values, flagged = _read(person, Style("charis", "1.", table=False, leaders=True, hand=False,
                                          boxes=True, wordy_dates=True))
    assert len(person.address) > 70  # long enough to wrap on A4
    assert values == _expected(person) and flagged == set()


def test_a_bordered_table_of_labels_and_values(person):
    values, flagged = _read(person, Style("liberation-sans", "", table=True, leaders=False,
                                          hand=False, boxes=False, wordy_dates=False))
    assert values == _expected(person) and flagged == set()


def test_label_wordings_the_extractor_was_not_written_from():
    from pipeline.fields.extract import _LABEL_RES, _STOPS
    from pipeline.fields.layout import labelled, lines_of
    from tests.test_fields import _page, _row

    page = _page(_row("Căn cước công dân số: 038090012345"), _row("Giới tính (Nam/Nữ): Nữ"),
                 _row("Số điện thoại liên hệ: 0912345678"), _row("Số CMND/CCCD: 001190000123"))
    lines = lines_of([page])
    assert labelled(lines, _LABEL_RES["sex"], _STOPS).text == "Nữ"
    assert labelled(lines, _LABEL_RES["phone"], _STOPS).text == "0912345678"
    assert labelled(lines, _LABEL_RES["id_number"], _STOPS).text == "038090012345"
    assert labelled(lines[3:], _LABEL_RES["id_number"], _STOPS).text == "001190000123"
    # a long label with a letter misread, after specks: "Sẽ định danh cá nhân"
    misread = _page(_row("ẤÌ _ Sẽ định danh cá nhân: 079175827096"))
    assert extract_fields([misread], {"id_number": "personal_id"})[0]["id_number"].value \
        == "079175827096"
    # "Giới tính: Nam Quốc tịch: Việt Nam" keeps its value: no qualifier after a colon
    card = _page(_row("Giới tính: Nam Quốc tịch: Việt Nam"))
    assert extract_fields([card], {"sex": "sex"})[0]["sex"].value == "Nam"
    assert person_name("Người Khai") is None and person_name("Trƒnh Xuân Trọng") is None


def test_lines_the_page_layout_drops_are_read_back(person):
    """On this degraded form tesseract's layout leaves out the name and address lines (their
    values over dotted leaders); the unread ink is read again in place."""
    from pipeline.samples import GRADES, degrade

    rng = random.Random(3)
    assert random_person(rng) == person  # the same draws as the fixture, then the form's
    page = form("Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", FIELDS, person, "", date(2024, 5, 6),
                Style("charis", "1.", table=False, leaders=True, hand=True, boxes=True,
                      wordy_dates=True), rng)
    text = ocr_page(degrade(page, GRADES["mild"], seed=2), 200).text
    lines = text.splitlines()
    name = next(i for i, line in enumerate(lines) if line.startswith("1. Họ, chữ đệm và tên"))
    address = next(i for i, line in enumerate(lines) if line.startswith("5. Địa chỉ thường trú"))
    assert name < address and "Nguyễn Chí Thanh" in lines[address]
    assert lines[address + 1].startswith("Mã, quận Ba Đình")  # in reading order, not at the end


def test_a_row_of_digit_boxes_is_found_and_read_as_one_number(person):
    from pipeline.ocr.ink import separate
    from pipeline.ocr.preprocess import normalise, straighten
    from pipeline.samples import GRADES, degrade

    page = form("Tờ khai", FIELDS, person, "", date(2024, 5, 6),
                Style("liberation-sans", "", table=False, leaders=False, hand=False, boxes=True,
                      wordy_dates=False), random.Random(1))
    scan = degrade(page, GRADES["mild"], seed=2)
    prepared = straighten(normalise(separate(scan, 200).gray, 200))
    assert len(prepared.digit_boxes) == 1  # the twelve boxes, and no other row
    fields, problems = extract_fields([ocr_page(scan, 200)], {"id_number": "personal_id"})
    assert fields["id_number"].value == person.id_number and problems == []


def _label_and_boxes(label_x: int, x0: int, hole: bool = False):
    """A line "Số CCCD:" (at ``label_x``) and twelve digit boxes from ``x0``, cleared of its
    rules as the page path clears them; with a punch hole at the label's left."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from pipeline.ocr.preprocess import clear_rules

    face = ImageFont.truetype("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf", 54)
    page = Image.new("L", (2000, 200), 255)
    draw = ImageDraw.Draw(page)
    if hole:
        draw.ellipse((8, 62, 58, 112), fill=0)
    draw.text((label_x, 60), "Số CCCD:", font=face, fill=0)
    cell = 70
    for k, digit in enumerate("040176354143"):
        draw.rectangle((x0 + k * cell, 50, x0 + (k + 1) * cell, 130), outline=0, width=2)
        draw.text((x0 + k * cell + 20, 60), digit, font=face, fill=0)
    cleared, rows = clear_rules(np.asarray(page), 300)
    assert len(rows) == 1 and abs(rows[0][0] - x0) < 10
    return cleared, rows, x0 + 12 * cell


def test_a_label_the_engine_reads_as_one_word_with_the_digit_boxes_is_read_again():
    """The engine once read "5. Số CCCD:" and six of the boxes beside it as one word,
    "S:SðGCCD..U": the label is still read again from the ink left of the boxes."""
    from pipeline._exec.tesseract import EngineWord
    from pipeline.ocr.slots import digit_boxes

    cleared, rows, x1 = _label_and_boxes(60, 330)
    line = (0, 0, 0)
    words = [EngineWord("S:SðGCCD..U", 40.0, 10.0, (60, 60, 750, 125), line),
             EngineWord("1776.53.5414", 40.0, 10.0, (760, 60, x1 - 80, 125), line),
             EngineWord("3", 90.0, 90.0, (x1 - 50, 60, x1 - 20, 125), line)]
    blocks = digit_boxes([[words]], cleared, 300, rows, "vie")
    assert [w.text for w in blocks[0][0]] == ["Số", "CCCD:", "040176354143"]


def test_a_label_the_page_read_surer_than_alone_keeps_the_pages_reading():
    """A punch hole at the label's left: read alone, the label is "®SốCCCD:" (one word, less
    sure); the page had read "Số" "CCCD:" surer, and that reading is kept."""
    from pipeline._exec.tesseract import EngineWord
    from pipeline.ocr.slots import digit_boxes

    cleared, rows, x1 = _label_and_boxes(75, 345, hole=True)
    line = (0, 0, 0)
    words = [EngineWord("Số", 96.0, 96.0, (75, 60, 140, 125), line),
             EngineWord("CCCD:", 96.0, 96.0, (160, 60, 320, 125), line),
             EngineWord("040176354143", 90.0, 90.0, (355, 60, x1 - 10, 125), line)]
    blocks = digit_boxes([[words]], cleared, 300, rows, "vie")
    assert [w.text for w in blocks[0][0]] == ["Số", "CCCD:", "040176354143"]


def test_a_leader_written_over_loses_its_dots_and_the_letters_keep_their_tones():
    """Printed dots just under a value, tone dots among them: the leader's dots go (under
    the words and between them), the dấu nặng under "Ạ" and "Ị" stay, and so does a label's."""
    import cv2
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from pipeline.ocr.preprocess import clear_rules

    dpi, face = 300, ImageFont.truetype("/usr/share/fonts/truetype/charis/CharisSIL-Regular.ttf", 54)
    page = Image.new("L", (2400, 300), 255)
    draw = ImageDraw.Draw(page)
    draw.text((100, 100), "Điện thoại:", font=face, fill=0)  # no leader under the label
    draw.text((460, 118), "." * 140, font=face, fill=90)  # the leader, to the right margin
    draw.text((460, 100), "TẠ THỊ HỒNG", font=face, fill=0)
    gray = np.asarray(page)
    cleared, _ = clear_rules(gray, dpi)
    assert (cleared[:, 1400:] < 160).sum() == 0  # the bare leader, gone
    x0, _, x1, bottom = draw.textbbox((460, 100), "TẠ THỊ HỒNG", font=face)
    under = (cleared[:, x0:x1] < 160).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(under)
    marks = [s for s in stats[1:count] if s[cv2.CC_STAT_HEIGHT] < 12]  # dots, not letters
    assert len(marks) == 2  # the two tone dots; every leader dot under the words is gone
    read = ocr_page(Image.fromarray(cleared).convert("RGB"), dpi).text.splitlines()[0]
    assert read.startswith("Điện thoại:") and read.endswith(" TẠ THỊ HỒNG")


def test_a_leader_whose_dots_waver_by_a_pixel_is_found_wherever_it_lies():
    """Dots a pixel apart in height (a scan a hair off level) lie across a row edge of a grid
    that groups dots by height, at some height of the band they are looked for in: at every
    one, each of the leader's dots is found."""
    import cv2
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from pipeline.ocr.leaders import _leader_dots

    face = ImageFont.truetype("/usr/share/fonts/truetype/charis/CharisSIL-Regular.ttf", 40)
    rng, wobble = random.Random(1), [False]
    while len(wobble) < 100:  # up or down for one to three dots at a time: never a row alone
        wobble += [not wobble[-1]] * rng.randint(1, 3)
    for lift in range(8):  # a dot is 8 px at 300 dpi: every place against such a grid
        page = Image.new("L", (1800, 200), 255)
        draw = ImageDraw.Draw(page)
        for k in range(100):
            draw.text((100 + 15 * k, 50 + lift + wobble[k]), ".", font=face, fill=90)
        _, ink = cv2.threshold(np.asarray(page), 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        assert _leader_dots(ink, 300).sum() == (ink > 0).sum(), lift


def test_blue_ink_on_a_printed_rule_or_leader_stays():
    """Rules and leaders are printed; a dấu nặng written in blue on one (under "Lực", read "Lưc"
    once it went) is the pen's, and stays when the rule or leader goes."""
    import cv2
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from pipeline.ocr.preprocess import clear_rules

    face = ImageFont.truetype("/usr/share/fonts/truetype/charis/CharisSIL-Regular.ttf", 40)
    page = Image.new("L", (2400, 300), 255)
    draw = ImageDraw.Draw(page)
    for k in range(100):  # a leader, its 40th dot where a pen's dot falls on it
        draw.text((100 + 15 * k, 50), ".", font=face, fill=90)
    draw.line((100, 200, 2300, 200), fill=0, width=3)  # a table's rule
    gray = np.asarray(page).copy()
    gray[197:204, 1200:1207] = 60  # the pen's dot on the rule
    count, labels, stats, _ = cv2.connectedComponentsWithStats((gray[:150] < 160).astype(np.uint8))
    fortieth = 1 + int(np.argsort(stats[1:count, cv2.CC_STAT_LEFT])[40])
    written = np.zeros(gray.shape, bool)
    written[:150] = labels == fortieth
    written[197:204, 1200:1207] = True
    cleared, _ = clear_rules(gray, 300)
    assert (cleared[written] < 160).sum() == 0  # without its colour it goes with the print
    cleared, _ = clear_rules(gray, 300, written)
    assert (cleared[written] < 160).all()
    assert (cleared[~written] < 160).sum() == 0  # the rest of the leader and rule go


def test_a_table_labels_qualifiers_and_the_next_row(person):
    """A table's label cell has no colon and may carry more words than the label ("Họ tên
    người khai", "Giới tính (Nam/Nữ)"); a wrapped address in its cell stops at the next row."""
    from pipeline.model import Word
    from tests.test_fields import _page

    def cell(text: str, x: int, y: int) -> list[Word]:
        out = []
        for word in text.split():
            out.append(Word(word, 95.0, (x, y, x + 20 * len(word), y + 40), y))
            x += 20 * len(word) + 20
        return out

    rows = [("Họ tên người khai", ["TRẦN VĂN LỰC"]), ("Giới tính (Nam/Nữ)", ["Nam"]),
            ("Nơi thường trú", ["Số 241, ngõ 48, đường Hùng Vương, xã Hưng Lộc,",
                                "thành phố Vinh, tỉnh Nghệ An"]),
            ("Số điện thoại liên hệ", ["0936600917"])]
    words, y = [], 100
    for label, values in rows:
        words += cell(label, 100, y)
        for value in values:
            words += cell(value, 900, y)
            y += 60
    page = replace(_page(), words=words)
    fields, problems = extract_fields([page], DEFAULT_FIELDS)
    assert {k: v.value for k, v in fields.items()} == {
        "full_name": "Trần Văn Lực", "sex": "Nam", "phone": "0936600917",
        "address": "Số 241, ngõ 48, đường Hùng Vương, xã Hưng Lộc, thành phố Vinh, tỉnh Nghệ An"}
    assert problems == []


def test_a_table_label_wrapping_in_its_cell_is_not_taken_for_the_value():
    """"Tên hộ kinh doanh (viết bằng" over "chữ in hoa)" in the label cell: the value starts
    at the cell's edge; with no edge to find, the open parenthesis keeps it from being accepted."""
    from tests.test_fields import _page

    label = [("Tên", 100), ("hộ", 180), ("kinh", 240), ("doanh", 340), ("(viết", 460), ("bằng", 580)]
    value = [("Cửa", 900), ("hàng", 980), ("Hằng", 1080), ("Thắng", 1180)]
    page = _page(label + value, [("chữ", 100), ("in", 180), ("hoa)", 240)])
    fields, problems = extract_fields([page], {"business_name": "text"})
    assert fields["business_name"].value == "Cửa hàng Hằng Thắng" and problems == []
    close = [(text, x - 220) for text, x in value]  # no wider gap than between words
    fields, problems = extract_fields([_page(label + close)], {"business_name": "text"})
    assert [p.code for p in problems] == ["invalid_field"]


@pytest.mark.parametrize("name,font", [("HOÀNG CÔNG TRỌNG", "charis"),
                                       ("BÙI THÙY TRANG", "liberation-sans"),
                                       ("TRỊNH XUÂN TÙNG", "liberation-sans")])
def test_a_name_written_in_capitals_is_read_alone_and_goes_to_review(person, name, font):
    """Read in the page beside print, these hand-written names came out "#OÀNG CÔNG TRỌNG",
    "8Ù7 THÙY TRANG", "Trjnh Xuân Tùng"; read again as a line of their own, they are right,
    and still go to a person (the engine's confidence is no evidence on handwriting)."""
    from pipeline.samples import GRADES, degrade

    page = form("Đơn đề nghị", ["full_name", "phone"], replace(person, full_name=name), "",
                date(2024, 5, 6), Style(font, "a)", table=False, leaders=False, hand=True,
                                        boxes=False, wordy_dates=False), random.Random(5))
    fields, problems = extract_fields([ocr_page(degrade(page, GRADES["mild"], seed=2), 200)],
                                      {"full_name": "name"})
    assert fields["full_name"].value == name.title()
    assert [(p.code, p.field) for p in problems] == [("handwritten_field", "full_name")]


def test_hand_filled_numbers_are_read_again_as_numbers(person):
    """Written in blue in a schoolbook hand, a date, an ID and a phone number are read again
    by the digit pass ("ƒ8/03⁄9Z2" as the Vietnamese model reads 18/03/1972), and each still
    goes to a person."""
    values, flagged = _read(person, Style("liberation-sans", "a)", table=False, leaders=False,
                                          hand=True, boxes=False, wordy_dates=False), seed=5)
    expected = _expected(person)
    assert {k: values.get(k) for k in ("date_of_birth", "id_number", "phone")} \
        == {k: expected[k] for k in ("date_of_birth", "id_number", "phone")}
    assert {"date_of_birth", "id_number", "phone"} <= flagged
