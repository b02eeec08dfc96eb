"""Reading real paper: the scans of ../shared/realscans (their labels and Word originals), read
through the page path the flow uses."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from PIL import Image

from bench.realscans import load, prefix_errors, same
from pipeline.fields import official
from pipeline.fields.extract import extract_fields
from pipeline.fields.validators import doc_number, iso_date, person_name, subject
from pipeline.intake import read_local
from pipeline.ocr.ink import separate
from pipeline.ocr.recognise import ocr_page
from pipeline.pages import load_page, plan_pages
from pipeline.reading import read_page
from pipeline.samples import SAMPLE_PERSON, id_card_copy, scan_look
from pipeline.text import tone_normal


@pytest.fixture(scope="module")
def scans():
    found = {scan.path.name.split(".")[0]: scan for scan in load()}
    assert len(found) >= 4, "the real scans (../shared/realscans) are part of the test data"
    return found


def _read(scan, pages=None):
    received = read_local(scan.path)
    refs = plan_pages(received, max_pages=50, max_pixels=120_000_000, default_dpi=300)
    return [read_page(received, ref, "vie", 200, 120).ocr for ref in refs
            if pages is None or ref.number in pages]


@pytest.fixture(scope="module")
def decision(scans):
    """qd-49-2025-ttg: a Prime Minister's decision, two pages, digitally signed (annotation)."""
    return _read(scans["qd-49-2025-ttg"])


@pytest.fixture(scope="module")
def circular(scans):
    """tt-11-2026-nhnn page 1: number and date filled in by hand in blue, a red stamp."""
    return _read(scans["tt-11-2026-nhnn"])


def _values(pages):
    fields, problems = extract_fields(pages, official.FIELDS)
    return {k: v.value for k, v in fields.items()}, {p.field: p.code for p in problems if p.field}


def test_a_real_decision_reads_every_field_from_its_zone(scans, decision):
    values, problems = _values(decision)
    labels = scans["qd-49-2025-ttg"].labels
    assert problems == {}
    assert values["doc_number"] == labels["number"] == "49/2025/QĐ-TTg"  # "TTg": mixed case
    assert same(values["issuing_body"], labels["issuing_body"])  # left column only, no motto
    assert same(values["subject"], labels["subject"])  # two lines under the title, joined
    assert values["issue_date"] == labels["issue_date"] and values["place"] == "Hà Nội"
    assert values["signer_name"] == "Bùi Thanh Sơn"  # beside "Nơi nhận", under "PHÓ THỦ TƯỚNG"


def test_the_signer_is_read_on_the_documents_last_page_only(decision):
    values, _ = _values(decision[:1])  # page 1 alone: the body, no signing block
    assert "signer_name" not in values
    assert _values(decision)[0]["signer_name"] == "Bùi Thanh Sơn"


def test_header_and_signing_block_are_read_column_by_column(scans, decision):
    text = decision[0].text
    assert text.index("THỦ TƯỚNG CHÍNH PHỦ") < text.index("Số: 49/2025/QĐ-TTg") < \
        text.index("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") < text.index("Hà Nội, ngày 22")
    last = decision[-1].text
    # the recipients' column, then the signer's: title, then name
    assert last.index("Văn phòng Quốc hội") < last.index("KTTH") < last.index("THỦ TƯỚNG") < \
        last.index("Bùi Thanh Sơn")
    edits, length = prefix_errors("\n".join(p.text for p in decision), scans["qd-49-2025-ttg"].truth)
    assert edits / length < 0.03


def test_red_stamp_fades_and_blue_ink_is_kept_apart(scans):
    with Image.open(scans["tt-11-2026-nhnn"].path) as image:
        rgb = image.convert("RGB")
    inks = separate(rgb, 180)
    luminance = np.asarray(rgb.convert("L"))
    stamp = (slice(330, 470), slice(120, 430))  # "VỤ PHÁP CHẾ ĐÃ THẨM ĐỊNH", red, left of the title
    dark_print = (luminance[stamp] < 128) & ~inks.blue[stamp]  # its date is written in blue
    assert dark_print.mean() > 0.03
    assert ((inks.gray[stamp] < 128) & ~inks.blue[stamp]).mean() < dark_print.mean() / 3
    number = (slice(220, 268), slice(295, 350))  # the "11" written after "Số:"
    assert inks.blue[number].sum() > 300 and inks.blue[:130].sum() == 0
    assert (inks.gray[number] < 128).sum() > 200  # kept in the print too, for forms filled by hand
    card = scan_look(id_card_copy(SAMPLE_PERSON), seed=2)
    assert "CĂN CƯỚC CÔNG DÂN" in ocr_page(card, 300).text  # red print that is no seal stays


def test_hand_filled_date_is_read_into_its_blanks_and_sent_to_review(circular):
    assert "Hà Nội, ngày 19 tháng 5 năm 2026" in circular[0].text
    assert {w.text for w in circular[0].words if w.source == "hand"} >= {"19", "5"}
    fields, problems = extract_fields(circular, official.FIELDS)
    assert fields["issue_date"].value == "2026-05-19"
    codes = {p.field: p.code for p in problems if p.field}
    # the engine's confidence is no evidence on handwriting: neither value is accepted
    assert codes["issue_date"] == codes["doc_number"] == "handwritten_field"


def test_numbers_stamped_by_the_signing_system_are_read_from_its_annotations(scans):
    pages = _read(scans["tt-39-2026-bgddt"], pages={1})
    values, problems = _values(pages)
    assert values["doc_number"] == "39/2026/TT-BGDĐT" and "doc_number" not in problems
    assert values["issue_date"] == "2026-05-12"
    assert {w.text for w in pages[0].words if w.source == "overlay"} == {"39", "12", "05"}
    signed = _read(scans["nd-135-2026-cp"], pages={1})[0]
    assert "Cơ quan phát hành" not in signed.text  # a signature's stamp is no page text


def test_a_subject_the_document_repeats_otherwise_goes_to_review(circular):
    fields, problems = extract_fields(circular, official.FIELDS)
    assert fields["subject"].value.startswith("Phân cấp thực hiện thủ tục hành chính")
    assert fields["subject"].value.endswith("thành lập và hoạt động ngân hàng")  # four lines
    assert [p.code for p in problems if p.field == "subject"] == ["field_disagrees"]


def test_diacritics_the_engine_misread_are_put_back_and_abbreviations_kept(scans, circular):
    text = circular[0].text
    # read "bỗ sung", "SỬA ĐỎI", "MỘT SÓ ĐIỀU", "QUY ĐỊNH VÈ" before the engine's alternatives
    assert text.count("bổ sung") >= 2 and "bỗ" not in text
    assert "SỬA ĐỔI" in text and "MỘT SỐ ĐIỀU" in text and "QUY ĐỊNH VỀ" in text
    assert "TT-NHNN" in text and "QH15" in text  # abbreviations, no syllables, kept
    # syllables that made no word with their neighbours, read "cô phần", "nhà đâu tư"
    assert "mua bán cổ phần" in text and text.count("nhà đầu tư nước ngoài") == 2
    fields, _ = extract_fields(circular, official.FIELDS)
    assert same(fields["subject"].value, scans["tt-11-2026-nhnn"].labels["subject"])


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_real_page_turned_reads_as_well_as_upright(scans, circular, turn):
    received = read_local(scans["tt-11-2026-nhnn"].path)
    ref = plan_pages(received, max_pages=1, max_pixels=120_000_000, default_dpi=300)[0]
    turned = ocr_page(load_page(received, ref).rotate(-turn, expand=True), 300)
    assert turned.rotation == (360 - turn) % 360
    edits, length = prefix_errors(turned.text, circular[0].text)
    assert edits / length < 0.01


def test_validators_refuse_what_real_pages_put_where_a_value_should_be():
    assert person_name("Kính Gửi Hội Đồng Nhân Dân Tỉnh") is None  # the addressee line
    assert person_name("Chương I") is None
    assert person_name("Lê Thị Nhưng") is None  # "nhưng" (but) names no one: a misread "Nhung"
    assert person_name("Vận hành Hệ") is None  # words cased unlike one another
    assert person_name("Trung tá Nguyễn Văn Năm") == "Nguyễn Văn Năm"  # rank dropped, "Năm" a name
    assert person_name("PGS.TS. Lê Văn An") == "Lê Văn An"
    assert doc_number("/2026/TT-NHNN") is None  # the number's blank left empty
    assert doc_number("2026/TT-NHNN") is None  # a circular's number carries its year
    assert doc_number("39 _ /2026/TT-BGDĐT") == "39/2026/TT-BGDĐT"
    assert doc_number("4481/TTr-BNG-LS") == "4481/TTr-BNG-LS"
    assert doc_number(f"12/{date.today().year + 1}/NQ-HĐND") is None
    assert iso_date((date.today() + timedelta(days=1)).strftime("%d/%m/%Y")) is None
    assert iso_date("ngày 12 tháng 05 năm 2026") == "2026-05-12"
    assert subject("Kính gửi: Ủy ban nhân dân tỉnh Thanh Hóa") is None
    assert subject("Căn cứ Luật Tổ chức Chính phủ") is None
    assert subject("Về việc xác nhận cho công dân Đỉnh Văn Phương") == \
        "Về việc xác nhận cho công dân Đinh Văn Phương"  # a named person's surname, as in a name
    assert subject("Về việc đình chỉ hoạt động của Cơ sở Đỉnh Cao") == \
        "Về việc đình chỉ hoạt động của Cơ sở Đỉnh Cao"  # no one named: left as read
    assert tone_normal("Uỷ ban nhân dân, hoà giải") == "Ủy ban nhân dân, hòa giải"
    assert tone_normal("hoàn thành, quý") == "hoàn thành, quý"
