"""Generated sample dossiers: Vietnamese forms rendered as they come off a counter scanner.

Used by ``sohoa demo`` and the tests; nothing here is read by the production path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

A4_MM = (210, 297)
SERIF_FONTS = [
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-{}.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-{}.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif{}.ttf",
]


@dataclass(frozen=True)
class Person:
    full_name: str
    sex: str
    date_of_birth: str  # dd/mm/yyyy
    id_number: str
    birthplace: str
    address: str
    phone: str


SAMPLE_PERSON = Person(
    full_name="NGUYỄN VĂN AN",
    sex="Nam",
    date_of_birth="15/03/1990",
    id_number="038090012345",
    birthplace="Xã Quảng Tâm, thành phố Thanh Hóa, tỉnh Thanh Hóa",
    address="Số 12 đường Lê Lợi, phường Điện Biên, thành phố Thanh Hóa",
    phone="0912345678",
)


def _font(size_pt: float, dpi: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    px = round(size_pt / 72 * dpi)
    for pattern in SERIF_FONTS:
        style = ("Bold" if bold else "Regular") if "liberation" in pattern else ("-Bold" if bold else "")
        path = Path(pattern.format(style))
        if path.exists():
            return ImageFont.truetype(str(path), px)
    raise FileNotFoundError("no Vietnamese-capable serif font (fonts-liberation2 or fonts-dejavu-core)")


def _page(dpi: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    size = tuple(round(mm / 25.4 * dpi) for mm in A4_MM)
    image = Image.new("RGB", size, "white")
    return image, ImageDraw.Draw(image)


def _centred(draw: ImageDraw.ImageDraw, y: int, text: str, font: ImageFont.FreeTypeFont,
             width: int) -> None:
    w = draw.textlength(text, font=font)
    draw.text(((width - w) / 2, y), text, font=font, fill="black")


def judicial_record_form(person: Person, dpi: int = 300) -> Image.Image:
    """Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (Mẫu số 03/2013/TT-LLTP), filled in."""
    image, draw = _page(dpi)
    body, bold = _font(13, dpi), _font(13, dpi, bold=True)
    title = _font(14, dpi, bold=True)
    margin, line = round(dpi * 0.9), round(dpi * 0.34)
    _centred(draw, round(dpi * 0.7), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold, image.width)
    _centred(draw, round(dpi * 0.7) + line, "Độc lập - Tự do - Hạnh phúc", bold, image.width)
    _centred(draw, round(dpi * 1.6), "TỜ KHAI YÊU CẦU CẤP PHIẾU LÝ LỊCH TƯ PHÁP", title, image.width)
    _centred(draw, round(dpi * 1.6) + line, "Kính gửi: Sở Tư pháp tỉnh Thanh Hóa", body, image.width)
    rows = [
        f"1. Họ và tên: {person.full_name}",
        f"2. Giới tính: {person.sex}",
        f"3. Ngày, tháng, năm sinh: {person.date_of_birth}",
        f"4. Nơi sinh: {person.birthplace}",
        "5. Quốc tịch: Việt Nam",
        f"6. Số CCCD: {person.id_number}",
        f"7. Nơi cư trú: {person.address}",
        f"8. Số điện thoại: {person.phone}",
        "9. Mục đích sử dụng Phiếu lý lịch tư pháp: bổ sung hồ sơ xin việc",
        "10. Số lượng Phiếu lý lịch tư pháp yêu cầu cấp: 01 bản",
    ]
    y = round(dpi * 2.5)
    for row in rows:
        draw.text((margin, y), row, font=body, fill="black")
        y += round(line * 1.4)
    y += line
    draw.text((margin, y), "Tôi xin cam đoan những lời khai trên là đúng sự thật và chịu trách "
                           "nhiệm về lời khai của mình.", font=body, fill="black")
    _centred(draw, y + 3 * line, "Thanh Hóa, ngày 27 tháng 10 năm 2023", body, image.width * 3 // 2)
    _centred(draw, y + 4 * line, "Người khai", bold, image.width * 3 // 2)
    _centred(draw, y + 7 * line, person.full_name.title(), body, image.width * 3 // 2)
    return image


def id_card_copy(person: Person, dpi: int = 300) -> Image.Image:
    """Bản chụp Căn cước công dân: the card, enlarged, on an A4 page."""
    image, draw = _page(dpi)
    body, bold = _font(13, dpi), _font(15, dpi, bold=True)
    left, top = round(dpi * 1.2), round(dpi * 1.5)
    right, bottom = image.width - left, top + round(dpi * 3.6)
    draw.rounded_rectangle((left, top, right, bottom), radius=dpi // 6, outline="black",
                           width=max(2, dpi // 100), fill=(236, 244, 236))
    x, y, line = left + round(dpi * 0.35), top + round(dpi * 0.3), round(dpi * 0.42)
    draw.text((x, y), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=body, fill="black")
    draw.text((x, y + line), "CĂN CƯỚC CÔNG DÂN", font=bold, fill=(160, 20, 20))
    rows = [
        f"Số định danh cá nhân: {person.id_number}",
        f"Họ và tên: {person.full_name}",
        f"Ngày sinh: {person.date_of_birth}",
        f"Giới tính: {person.sex}    Quốc tịch: Việt Nam",
        f"Nơi thường trú: {person.address}",
    ]
    for index, row in enumerate(rows, start=2):
        draw.text((x, y + index * line), row, font=body, fill="black")
    _centred(draw, bottom + round(dpi * 0.4), "BẢN CHỤP", bold, image.width)
    return image


def scan_look(image: Image.Image, *, seed: int = 1, skew: float = 0.8,
              rotate: int = 0) -> Image.Image:
    """What a counter scanner makes of a clean page: tint, slight skew, blur and noise."""
    rng = np.random.default_rng(seed)
    tinted = Image.blend(image, Image.new("RGB", image.size, (246, 241, 228)), 0.35)
    skewed = tinted.rotate(skew, resample=Image.BICUBIC, expand=False, fillcolor=(246, 241, 228))
    blurred = skewed.filter(ImageFilter.GaussianBlur(0.6))
    pixels = np.asarray(blurred, dtype=np.int16) + rng.normal(0, 6, (image.height, image.width, 1))
    scanned = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    return scanned.rotate(rotate, expand=True) if rotate else scanned


def save_scan(image: Image.Image, path: Path, dpi: int = 300, quality: int = 82) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=quality, dpi=(dpi, dpi))
    return path


def write_sample_dossier(folder: Path, person: Person = SAMPLE_PERSON) -> list[Path]:
    """The demo dossier (judicial record certificate): the filled form and the ID card copy."""
    return [
        save_scan(scan_look(judicial_record_form(person), seed=1), folder / "01-to-khai-lltp.jpg"),
        save_scan(scan_look(id_card_copy(person), seed=2, skew=-0.6), folder / "02-cccd.jpg"),
    ]
