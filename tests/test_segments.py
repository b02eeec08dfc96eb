"""Pages → documents: separator sheets, component titles, continuation pages, keywords, blanks."""

import pytest

from pipeline.model import (NO_TEXT, EncodedImage, OcrPage, PageQuality, PageRef, ProcessedPage,
                            Separator, Word)
from pipeline.procedures.definitions import find_procedure
from pipeline.segments import split

COMPONENTS = find_procedure("2.000488").components
DOSSIER = "000.00.06.H56-231027-0361"
IMAGE = EncodedImage(b"", 1, 1, 300, "/DCTDecode", "/DeviceRGB")


def _page(file: str, number: int, text: str = "", blank: bool = False,
          separator: Separator | None = None) -> ProcessedPage:
    ref = PageRef(file, file * 8, "pdf", number, 300)
    if separator:
        return ProcessedPage(ref, IMAGE, None, separator)
    quality = PageQuality(300, 240.0, 200.0, 0.0 if blank else 0.05, 0.1, (),
                          ("blank_page",) if blank else ())
    words = [Word(w, 95.0, (0, 0, 1, 1), i) for i, line in enumerate(text.splitlines())
             for w in line.split()]
    return ProcessedPage(ref, IMAGE, OcrPage(words, text, 95.0, 0, 0.0, NO_TEXT, quality))


FORM = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTỜ KHAI YÊU CẦU CẤP PHIẾU LÝ LỊCH TƯ PHÁP\nHọ và tên: A"
CARD = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nCĂN CƯỚC CÔNG DÂN\nSố định danh cá nhân: 1"
MORE = "10. Số lượng Phiếu lý lịch tư pháp yêu cầu cấp: 01 bản\nTôi xin cam đoan"


def _summary(segments):
    return [([(p.ref.file, p.ref.number) for p in s.pages], s.component and s.component.code, s.by)
            for s in segments]


def test_titles_split_a_batch_and_continuation_pages_join_their_document():
    pages = [_page("a", 1, FORM), _page("a", 2, MORE), _page("a", 3, CARD)]
    segments, notices = split([pages], COMPONENTS)
    assert _summary(segments) == [([("a", 1), ("a", 2)], "TK_LLTP", "title"),
                                  ([("a", 3)], "GIAY_TO_TUY_THAN", "title")]
    assert notices == []


def test_a_sheet_naming_a_component_holds_its_pages_and_titles_split_the_rest():
    pages = [_page("a", 1, separator=Separator(DOSSIER, "GIAY_TO_TUY_THAN")),
             _page("a", 2, "ẢNH MẶT TRƯỚC"), _page("a", 3, CARD),
             _page("a", 4, separator=Separator(DOSSIER)), _page("a", 5, FORM), _page("a", 6, MORE),
             _page("a", 7, CARD)]
    segments, _ = split([pages], COMPONENTS)
    assert _summary(segments) == [([("a", 2), ("a", 3)], "GIAY_TO_TUY_THAN", "separator"),
                                  ([("a", 5), ("a", 6)], "TK_LLTP", "title"),
                                  ([("a", 7)], "GIAY_TO_TUY_THAN", "title")]
    assert segments[0].separator == Separator(DOSSIER, "GIAY_TO_TUY_THAN")


def test_every_file_starts_a_document_and_keywords_classify_an_untitled_one():
    keywords = "Mục đích sử dụng Phiếu lý lịch tư pháp: xin việc\nSố lượng Phiếu: 01"
    segments, _ = split([[_page("a", 1, FORM)], [_page("b", 1, keywords)],
                         [_page("c", 1, "HÓA ĐƠN BÁN HÀNG")]], COMPONENTS)
    assert _summary(segments) == [([("a", 1)], "TK_LLTP", "title"),
                                  ([("b", 1)], "TK_LLTP", "keywords"),
                                  ([("c", 1)], None, "none")]


def test_blank_pages_are_left_out_with_a_notice_and_a_blank_file_is_named():
    segments, notices = split([[_page("a", 1, FORM), _page("a", 2, blank=True)],
                               [_page("b", 1, blank=True)]], COMPONENTS)
    assert _summary(segments) == [([("a", 1)], "TK_LLTP", "title")]
    assert [(n.code, n.file, n.page, n.severity) for n in notices] == [
        ("blank_page", "a", 2, "notice"), ("blank_page", "b", 1, "notice"),
        ("blank_file", "b", None, "review")]


def test_a_title_above_a_table_read_after_its_label_column_still_starts_its_document():
    """The engine reads a bordered table's label column first: the title, at the top of the
    page, comes after more lines than a title is looked for in."""
    labels = [f"{n}. Nhãn số {n}" for n in range(1, 14)]
    rows = [(text, 400 + 60 * n) for n, text in enumerate(labels)] + \
        [(text, 100 + 60 * n) for n, text in enumerate(FORM.splitlines()[:2])]
    words = [Word(w, 95.0, (0, y, 1, y + 40), i) for i, (line, y) in enumerate(rows)
             for w in line.split()]
    page = _page("a", 1)
    page = ProcessedPage(page.ref, IMAGE, OcrPage(words, "\n".join(t for t, _ in rows), 95.0, 0, 0.0,
                                                  NO_TEXT, page.ocr.quality))
    segments, _ = split([[_page("b", 1, CARD)], [page]], COMPONENTS)
    assert _summary(segments) == [([("b", 1)], "GIAY_TO_TUY_THAN", "title"),
                                  ([("a", 1)], "TK_LLTP", "title")]


def test_a_form_whose_label_prints_another_component_s_title_is_its_own():
    """"Căn cước công dân số:" on a letter of authority is a label under its title."""
    letter = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nVĂN BẢN ỦY QUYỀN\nCăn cước công dân số: 0"
    segments, _ = split([[_page("a", 1, CARD)], [_page("b", 1, letter)]],
                        find_procedure("1.001612").components)
    assert [s.component and s.component.code for s in segments][1] == "VAN_BAN_UY_QUYEN"


@pytest.mark.parametrize("crash", ["qr-detector-crash.png", "qr-detector-heap-corruption.png"])
def test_a_page_the_qr_detector_failed_on_is_no_separator_sheet(crash):
    """OpenCV's QR detector raised an assertion on the first of these areas (a generated birth
    certificate, bench.extraction generator 2, seed 13) and corrupted the heap on the second
    (a licence copy, seed 48), aborting the process: the page is read as a page."""
    from pathlib import Path

    import cv2
    import numpy as np

    from pipeline.separators import _QR_AREAS, detect

    area = cv2.imread(str(Path(__file__).parent / "data" / crash), cv2.IMREAD_GRAYSCALE)
    (h, w), (left, top, right, bottom) = area.shape, _QR_AREAS[1]
    width = next(n for n in range(w, 3 * w) if round(right * n) - round(left * n) == w)
    height = next(n for n in range(h, 3 * h) if round(bottom * n) - round(top * n) == h)
    page = np.full((height, width), 255, np.uint8)  # at 100 dpi, where detect looks, unscaled
    page[round(top * height):round(top * height) + h, round(left * width):round(left * width) + w] = area
    assert detect(page, 100) is None
