"""A second form generator, written apart from the extractor and from ``pipeline.samples``.

Citizen forms as provinces print them, not as the extractor expects them: other fonts (Charis
SIL, DejaVu Serif Condensed, Liberation Sans), label variants ("Số CCCD", "Căn cước công dân
số", "Số CMND/CCCD", "Họ, chữ đệm và tên", "Sinh ngày", "Chỗ ở hiện tại", "Điện thoại liên
hệ"), numbering or none, dotted leaders under the value, values that wrap onto the next line,
two fields on one row, a bordered two-column table, the ID number in twelve digit boxes, dates
written "ngày … tháng … năm …", values filled in by hand (a schoolbook hand, Andika italic, in
blue ink), and a red seal and stamp over the signature. Only the scanner's degradation is
shared with the first generator (:func:`pipeline.samples.degrade`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from PIL import Image, ImageDraw, ImageFont

from pipeline.samples import Person

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương",
            "Trịnh", "Lương", "Đinh", "Tạ", "Khổng"]
MIDDLE = {"Nam": ["Văn", "Hữu", "Đình", "Công", "Xuân", "Mạnh Hùng"],
          "Nữ": ["Thị", "Thị Thu", "Ngọc", "Hồng", "Thùy", "Bảo"]}
GIVEN = {"Nam": ["Hải", "Khánh", "Lực", "Nghĩa", "Phương", "Tùng", "Vĩnh", "Trọng"],
         "Nữ": ["Ánh", "Huyền", "Liên", "Nhung", "Quỳnh", "Trang", "Xuân", "Tuyết"]}
WARDS = [("038", "phường Đông Vệ", "thành phố Thanh Hóa", "tỉnh Thanh Hóa"),
         ("001", "phường Kim Mã", "quận Ba Đình", "thành phố Hà Nội"),
         ("040", "xã Hưng Lộc", "thành phố Vinh", "tỉnh Nghệ An"),
         ("079", "phường Bến Nghé", "quận 1", "Thành phố Hồ Chí Minh")]
STREETS = ["Lê Hoàn", "Trường Chinh", "Hùng Vương", "Lý Thường Kiệt", "Nguyễn Chí Thanh"]

FONTS = {"charis": "/usr/share/fonts/truetype/charis/CharisSIL-{}.ttf",
         "dejavu-condensed": "/usr/share/fonts/truetype/dejavu/DejaVuSerifCondensed{}.ttf",
         "liberation-sans": "/usr/share/fonts/truetype/liberation2/LiberationSans-{}.ttf"}
STYLE = {"charis": ("Regular", "Bold"), "dejavu-condensed": ("", "-Bold"),
         "liberation-sans": ("Regular", "Bold")}
HAND = "/usr/share/fonts/truetype/andika/Andika-Italic.ttf"  # a schoolbook hand, every Vietnamese letter
SYMBOLS = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
BLUE_INK = (25, 45, 150)
RED_INK = (205, 45, 55)
LABELS = {
    "full_name": ["Họ và tên", "Họ, chữ đệm và tên", "HỌ VÀ TÊN", "Họ tên người khai"],
    "date_of_birth": ["Ngày, tháng, năm sinh", "Sinh ngày", "Ngày sinh"],
    "sex": ["Giới tính", "Giới tính (Nam/Nữ)"],
    "id_number": ["Số CCCD", "Số định danh cá nhân", "Căn cước công dân số", "Số CMND/CCCD"],
    "address": ["Nơi cư trú", "Địa chỉ thường trú", "Nơi thường trú", "Chỗ ở hiện tại"],
    "phone": ["Số điện thoại", "Điện thoại liên hệ", "Số điện thoại liên hệ"],
    "business_name": ["Tên hộ kinh doanh", "Tên hộ kinh doanh (viết bằng chữ in hoa)"],
}
COMPANIONS = {"sex": ("Dân tộc", "Kinh"), "date_of_birth": ("Quốc tịch", "Việt Nam")}
"""A second field printed on the same row as these, as many forms do."""


@dataclass(frozen=True)
class Style:
    font: str
    numbering: str  # "1.", "a)", "-", ""
    table: bool  # a bordered label | value table instead of rows
    leaders: bool  # dotted leaders under the values
    hand: bool  # values filled in by hand, in blue
    boxes: bool  # the ID number in digit boxes
    wordy_dates: bool  # "ngày 15 tháng 3 năm 1990"


def random_person(rng: random.Random) -> Person:
    """An owner unlike the first generator's: four-word names, addresses long enough to wrap."""
    sex = rng.choice(["Nam", "Nữ"])
    born = date(1945, 1, 1) + timedelta(days=rng.randrange(0, 60 * 365))
    code, ward, district, province = rng.choice(WARDS)
    century = (born.year // 100 - 19) * 2 + (sex == "Nữ")
    name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"
    address = (f"Số {rng.randrange(1, 300)}, ngõ {rng.randrange(1, 90)}, đường {rng.choice(STREETS)}, "
               f"{ward}, {district}, {province}")
    return Person(full_name=name.upper(), sex=sex, date_of_birth=f"{born:%d/%m/%Y}",
                  id_number=f"{code}{century}{born.year % 100:02d}{rng.randrange(10**6):06d}",
                  birthplace=province, address=address,
                  phone=rng.choice(["09", "03", "08"]) + f"{rng.randrange(10**8):08d}")


def random_style(rng: random.Random) -> Style:
    table = rng.random() < 0.25
    return Style(rng.choice(list(FONTS)), rng.choice(["1.", "a)", "-", ""]), table,
                 not table and rng.random() < 0.6, rng.random() < 0.4,
                 not table and rng.random() < 0.4, rng.random() < 0.4)


def _font(path: str, size_pt: float, dpi: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, round(size_pt / 72 * dpi))


def _wrap(draw: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont, first: float,
          rest: float) -> list[str]:
    """Words of ``text`` in lines at most ``first`` wide, then ``rest``."""
    lines: list[str] = [""]
    for word in text.split():
        trial = f"{lines[-1]} {word}".strip()
        if draw.textlength(trial, font=face) <= (first if len(lines) == 1 else rest):
            lines[-1] = trial
        else:
            lines.append(word)
    return lines


def printed_date(born: str, wordy: bool) -> str:
    day, month, year = born.split("/")
    return f"ngày {int(day)} tháng {int(month)} năm {year}" if wordy else born


def form(title: str, fields: list[str], person: Person, business: str, issued: date,
         style: Style, rng: random.Random, dpi: int = 300) -> Image.Image:
    """One filled form with the ``fields`` of :data:`LABELS`, in ``style``."""
    width, height = round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    regular, bold = (FONTS[style.font].format(s) for s in STYLE[style.font])
    size = rng.choice([12.0, 13.0, 13.5])
    body, strong = _font(regular, size, dpi), _font(bold, size, dpi)
    ink = _font(HAND, size + 1, dpi) if style.hand else body
    ink_colour = BLUE_INK if style.hand else "black"
    line = round(size / 72 * dpi * 1.9)
    left, right = round(dpi * 0.8), width - round(dpi * 0.7)
    y = round(dpi * 0.6)
    for text, face in (("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", strong),
                       ("Độc lập - Tự do - Hạnh phúc", strong)):
        draw.text(((width - draw.textlength(text, font=face)) / 2, y), text, font=face, fill="black")
        y += line
    y += line
    title_face = _font(bold, size + 2, dpi)
    for row in _wrap(draw, title.upper(), title_face, right - left, right - left):
        draw.text(((width - draw.textlength(row, font=title_face)) / 2, y), row, font=title_face,
                  fill="black")
        y += line
    y += line // 2
    values = {"full_name": person.full_name, "date_of_birth": printed_date(
        person.date_of_birth, style.wordy_dates), "sex": person.sex, "id_number": person.id_number,
        "address": person.address, "phone": person.phone, "business_name": business}
    table_right = left + round((right - left) * 0.38)
    for index, name in enumerate(fields):
        label = rng.choice(LABELS[name])
        mark = {"1.": f"{index + 1}. ", "a)": f"{'abcdefghij'[index]}) ", "-": "- ", "": ""}
        caption = f"{mark[style.numbering]}{label}:"
        if style.table:
            top = y - line // 4
            rows = _wrap(draw, values[name], ink, right - table_right - dpi // 10,
                         right - table_right - dpi // 10)
            cell = table_right - left - dpi // 10  # a long label wraps in its cell
            labels = _wrap(draw, caption[:-1], body, cell, cell)
            bottom = top + line * max(len(rows), len(labels))
            draw.rectangle((left - dpi // 20, top, right, bottom), outline="black",
                           width=max(1, dpi // 150))
            draw.line((table_right - dpi // 20, top, table_right - dpi // 20, bottom), fill="black",
                      width=max(1, dpi // 150))
            for number, text in enumerate(labels):
                draw.text((left, y + number * line), text, font=body, fill="black")
            for number, row in enumerate(rows):
                draw.text((table_right, y + number * line), row, font=ink, fill=ink_colour)
            y += line * max(len(rows), len(labels))
            continue
        draw.text((left, y), caption, font=body, fill="black")
        x = left + draw.textlength(caption + " ", font=body)
        if name == "id_number" and style.boxes:
            cell = round(line * 0.8)
            for k, digit in enumerate(values[name]):
                box = (x + k * cell, y - cell // 6, x + (k + 1) * cell, y + cell * 5 // 6)
                draw.rectangle(box, outline="black", width=max(1, dpi // 150))
                x0, y0, x1, y1 = draw.textbbox((0, 0), digit, font=ink)  # written inside its box
                draw.text(((box[0] + box[2] - x1 - x0) / 2, (box[1] + box[3] - y1 - y0) / 2), digit,
                          font=ink, fill=ink_colour)
            y += line
            continue
        companion = COMPANIONS.get(name) if rng.random() < 0.5 else None
        room = (right - x) * (0.45 if companion else 1.0)
        rows = _wrap(draw, values[name], ink, room, right - left)
        for number, row in enumerate(rows):
            start = x if number == 0 else left
            if style.leaders:
                end = x + room if number == 0 else right
                dots = "." * int((end - start) / max(1, draw.textlength(".", font=body)))
                draw.text((start, y + round(line * 0.08)), dots, font=body, fill=(90, 90, 90))
            draw.text((start, y - round(line * 0.12)), row, font=ink, fill=ink_colour)
            if number == 0 and companion:
                other = x + room + dpi // 8
                draw.text((other, y), f"{companion[0]}:", font=body, fill="black")
                draw.text((other + draw.textlength(companion[0] + ": ", font=body), y - round(line * 0.12)),
                          companion[1], font=ink, fill=ink_colour)
            y += line
    y += line
    when = f"Thanh Hóa, ngày {issued.day} tháng {issued.month} năm {issued.year}"
    sign_x = width // 2 + dpi // 4
    draw.text((sign_x, y), when, font=_font(regular.replace("Regular", "Italic")
                                            if "Regular" in regular else regular, size, dpi),
              fill="black")
    draw.text((sign_x + dpi // 2, y + line), "NGƯỜI KHAI", font=strong, fill="black")
    draw.text((sign_x + dpi // 3, y + 3 * line), person.full_name.title(), font=ink, fill=ink_colour)
    _seal(draw, (sign_x + dpi // 3, y + line // 2), dpi, rng)
    return page


def _seal(draw: ImageDraw.ImageDraw, at: tuple[int, int], dpi: int, rng: random.Random) -> None:
    """A red round seal over the signature, and sometimes a rectangular stamp beside it."""
    radius = round(dpi * 0.7)
    cx, cy = at[0] + radius // 2, at[1] + radius
    for k in range(3):
        draw.ellipse((cx - radius + k * dpi // 25, cy - radius + k * dpi // 25,
                      cx + radius - k * dpi // 25, cy + radius - k * dpi // 25),
                     outline=RED_INK, width=max(2, dpi // 60))
    star = _font(SYMBOLS, 20, dpi)
    draw.text((cx - dpi // 8, cy - dpi // 8), "★", font=star, fill=RED_INK)
    if rng.random() < 0.5:
        left = at[0] - round(dpi * 2.6)
        draw.rectangle((left, at[1], left + round(dpi * 1.9), at[1] + round(dpi * 0.75)),
                       outline=RED_INK, width=max(2, dpi // 60))
        stamp = _font(FONTS["liberation-sans"].format("Bold"), 11, dpi)
        draw.text((left + dpi // 10, at[1] + dpi // 10), "ĐÃ TIẾP NHẬN", font=stamp, fill=RED_INK)
        draw.text((left + dpi // 10, at[1] + dpi * 4 // 10), "BỘ PHẬN MỘT CỬA", font=stamp,
                  fill=RED_INK)
