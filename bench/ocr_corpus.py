"""The OCR benchmark's own synthetic Vietnamese corpus: administrative prose set as it is printed.

Pages are rendered at 300 dpi in the faces Vietnamese administration uses (Times-metric serif
at 13–14 pt, a sans, bold headings), then degraded by grade (``pipeline.samples.GRADES``) and
saved as the scanner would. The ground truth is the text as drawn, line by line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from pipeline.samples import GRADES, A4_MM, degrade, font, save_scan

HEADINGS = [
    ("QUYẾT ĐỊNH", "Về việc phê duyệt Kế hoạch số hóa hồ sơ thủ tục hành chính năm 2024"),
    ("ĐƠN ĐỀ NGHỊ", "Cấp bản sao trích lục khai sinh"),
    ("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mã hồ sơ: 000.00.06.H56-231027-0361"),
    ("TỜ KHAI ĐĂNG KÝ HỘ KINH DOANH", "Kính gửi: Phòng Tài chính - Kế hoạch huyện Quảng Xương"),
]

PARAGRAPHS = [
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi, bổ sung "
    "một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22 tháng "
    "11 năm 2019;",
    "Căn cứ Nghị định số 45/2020/NĐ-CP ngày 08 tháng 4 năm 2020 của Chính phủ về thực hiện thủ "
    "tục hành chính trên môi trường điện tử;",
    "Theo đề nghị của Giám đốc Sở Thông tin và Truyền thông tại Tờ trình số 215/TTr-STTTT ngày 12 "
    "tháng 9 năm 2023.",
    "Điều 1. Phê duyệt Kế hoạch số hóa hồ sơ, kết quả giải quyết thủ tục hành chính trên địa bàn "
    "tỉnh năm 2024 với các nội dung chủ yếu sau đây: nâng cao tỷ lệ số hóa hồ sơ đạt ít nhất 80%, "
    "bảo đảm mỗi thành phần hồ sơ được quét màu, ký số và lưu trữ đúng quy định.",
    "Điều 2. Giao Trung tâm Phục vụ hành chính công tỉnh chủ trì, phối hợp với các sở, ban, ngành "
    "và Ủy ban nhân dân các huyện, thị xã, thành phố tổ chức triển khai thực hiện; định kỳ hằng "
    "quý báo cáo kết quả về Văn phòng Ủy ban nhân dân tỉnh.",
    "Ông Nguyễn Văn Đức, sinh ngày 15/03/1990, số định danh cá nhân 038090012345, thường trú tại "
    "số 12 đường Lê Lợi, phường Điện Biên, thành phố Thanh Hóa, đề nghị cấp bản sao trích lục "
    "khai sinh cho con là Nguyễn Thị Hồng Nhung.",
    "Bà Trần Thị Thu Hương, điện thoại 0912345678, nộp hồ sơ đăng ký hộ kinh doanh với tên Cửa "
    "hàng tạp hóa Hương Quỳnh, ngành nghề kinh doanh: bán lẻ lương thực, thực phẩm, đồ uống; vốn "
    "kinh doanh 150.000.000 đồng.",
    "Người yêu cầu cam đoan những thông tin đã khai là đúng sự thật, nếu sai xin hoàn toàn chịu "
    "trách nhiệm trước pháp luật. Hồ sơ được tiếp nhận lúc 08 giờ 30 phút, ngày 27 tháng 10 năm "
    "2023, hẹn trả kết quả ngày 03 tháng 11 năm 2023.",
    "Kết quả giải quyết được trả trực tiếp tại Bộ phận Một cửa hoặc qua dịch vụ bưu chính công "
    "ích theo yêu cầu của tổ chức, cá nhân; trường hợp hồ sơ chưa đầy đủ, cán bộ tiếp nhận hướng "
    "dẫn bổ sung một lần bằng văn bản.",
    "Điều 3. Chánh Văn phòng Ủy ban nhân dân tỉnh, Thủ trưởng các cơ quan, đơn vị và cá nhân có "
    "liên quan chịu trách nhiệm thi hành Quyết định này kể từ ngày ký.",
]

# (body face, body size in pt) of each page of a grade: two serif pages, one at 14 pt, one sans.
LAYOUTS = [("serif", 13), ("serif", 14), ("sans", 13), ("serif", 13)]


@dataclass(frozen=True)
class CorpusPage:
    grade: str
    name: str
    path: Path
    dpi: int
    truth: str


def _wrap(draw: ImageDraw.ImageDraw, text: str, face, width: float) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and draw.textlength(trial, font=face) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    return lines + [current] if current else lines


def render_page(index: int, dpi: int = 300) -> tuple[Image.Image, str]:
    """Page ``index`` of the corpus, clean at ``dpi``, and its text line by line."""
    family, size = LAYOUTS[index % len(LAYOUTS)]
    heading, subheading = HEADINGS[index % len(HEADINGS)]
    page = Image.new("RGB", tuple(round(mm / 25.4 * dpi) for mm in A4_MM), "white")
    draw = ImageDraw.Draw(page)
    margin_left, margin_right = round(dpi * 30 / 25.4), round(dpi * 15 / 25.4)
    width = page.width - margin_left - margin_right
    body, strong = font(size, dpi, family=family), font(14, dpi, bold=True, family=family)
    leading = round(size / 72 * dpi * 1.45)
    y, truth = round(dpi * 0.9), []
    for text, face in ((heading, strong), (subheading, font(size, dpi, bold=True, family=family))):
        x = margin_left + (width - draw.textlength(text, font=face)) / 2
        draw.text((x, y), text, font=face, fill="black")
        truth.append(text)
        y += leading
    y += leading
    start = (index * 3) % len(PARAGRAPHS)
    for offset in range(6):
        paragraph = PARAGRAPHS[(start + offset) % len(PARAGRAPHS)]
        for number, line in enumerate(_wrap(draw, paragraph, body, width - dpi // 2)):
            indent = dpi // 2 if number == 0 else 0
            draw.text((margin_left + indent, y), line, font=body, fill="black")
            truth.append(line)
            y += leading
        y += leading // 3
    return page, "\n".join(truth)


def build(folder: Path, pages_per_grade: int = 4, grades: list[str] | None = None
          ) -> list[CorpusPage]:
    """Render, degrade and save every grade's pages under ``folder``."""
    corpus = []
    for grade in grades or list(GRADES):
        how = GRADES[grade]
        for index in range(pages_per_grade):
            name = f"{grade}-{index + 1:02d}"
            path = folder / grade / (name + (".jpg" if how.jpeg else ".png"))
            clean, truth = render_page(index)
            save_scan(degrade(clean, how, seed=index + 1), path, how.dpi, how.jpeg)
            corpus.append(CorpusPage(grade, name, path, how.dpi, truth))
    return corpus
