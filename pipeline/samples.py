"""Generated sample dossiers: Vietnamese forms rendered as they come off a counter scanner.

Used by ``sohoa demo`` and the tests; nothing here is read by the production path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

A4_MM = (210, 297)
FONT_DIRS = ["/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation"]
FAMILIES = {"serif": "LiberationSerif", "sans": "LiberationSans"}  # Times- and Arial-metric
DEJAVU = {"serif": "/usr/share/fonts/truetype/dejavu/DejaVuSerif{}.ttf",
          "sans": "/usr/share/fonts/truetype/dejavu/DejaVuSans{}.ttf"}


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


def font(size_pt: float, dpi: int, bold: bool = False, family: str = "serif"
         ) -> ImageFont.FreeTypeFont:
    """A Vietnamese-capable font of ``family`` ("serif" or "sans") at ``size_pt`` for ``dpi``."""
    px = round(size_pt / 72 * dpi)
    candidates = [Path(d) / f"{FAMILIES[family]}-{'Bold' if bold else 'Regular'}.ttf"
                  for d in FONT_DIRS]
    candidates.append(Path(DEJAVU[family].format("-Bold" if bold else "")))
    for path in candidates:
        if path.exists():
            return ImageFont.truetype(str(path), px)
    raise FileNotFoundError("no Vietnamese-capable font (fonts-liberation2 or fonts-dejavu-core)")


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
    body, bold = font(13, dpi), font(13, dpi, bold=True)
    title = font(14, dpi, bold=True)
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


DECISION_HEADER = (
    ["ỦY BAN NHÂN DÂN", "TỈNH THANH HÓA", "Số: 12/QĐ-UBND"],
    ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
     "Thanh Hóa, ngày 27 tháng 10 năm 2023"],
)
COLUMNS = (
    ["Điều 1. Phê duyệt danh mục", "thủ tục hành chính được", "số hóa kết quả giải quyết",
     "trên địa bàn tỉnh trong năm", "hai nghìn không trăm hai mươi tư."],
    ["Điều 2. Trung tâm Phục vụ", "hành chính công tỉnh chủ trì", "hướng dẫn các cơ quan, đơn",
     "vị thực hiện và báo cáo kết", "quả về Ủy ban nhân dân tỉnh."],
)


def two_column_page(dpi: int = 300) -> Image.Image:
    """A Decree 30/2020 header (issuing body | national motto) over a two-column body."""
    image, draw = _page(dpi)
    body, bold = font(13, dpi), font(13, dpi, bold=True)
    line = round(dpi * 0.3)
    left_x, right_x = round(dpi * 1.0), image.width // 2 + round(dpi * 0.2)
    for x, rows in zip((left_x, right_x), DECISION_HEADER):
        for index, row in enumerate(rows):
            draw.text((x, round(dpi * 0.7) + index * line), row, font=bold if index < 2 else body,
                      fill="black")
    for x, rows in zip((left_x, right_x), COLUMNS):
        for index, row in enumerate(rows):
            draw.text((x, round(dpi * 2.4) + index * line), row, font=body, fill="black")
    return image


@dataclass(frozen=True)
class Official:
    """What an official document in the Decree 30/2020 layout says."""

    issuing_body: tuple[str, str] = ("ỦY BAN NHÂN DÂN", "TỈNH THANH HÓA")
    number: str = "12/QĐ-UBND"
    place_date: str = "Thanh Hóa, ngày 27 tháng 10 năm 2023"
    title: str = "QUYẾT ĐỊNH"
    subject: str = "Về việc cấp Giấy phép xây dựng nhà ở riêng lẻ"
    signer: str = "Lê Văn Bình"
    terms: tuple[str, ...] = ()  # what a licence adds: until when it holds, what it covers


def official_document(doc: Official = Official(), dpi: int = 300) -> Image.Image:
    """A one-page official document (a Quyết định by default), signed by a vice-chairman."""
    image, draw = _page(dpi)
    body, bold = font(14, dpi), font(14, dpi, bold=True)
    line = round(dpi * 0.32)
    left_x, right_x = round(dpi * 0.9), image.width // 2 + round(dpi * 0.1)
    header = ([*doc.issuing_body, f"Số: {doc.number}"], [*DECISION_HEADER[1][:2], doc.place_date])
    for x, rows in zip((left_x, right_x), header):
        for index, row in enumerate(rows):
            draw.text((x, round(dpi * 0.7) + index * line), row, font=bold if index < 2 else body,
                      fill="black")
    y = round(dpi * 2.1)
    for text in (doc.title, doc.subject, f"CHỦ TỊCH {' '.join(doc.issuing_body)}"):
        _centred(draw, y, text, bold, image.width)
        y += line
    y += line
    for row in ["Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
                "Xét đề nghị của Thủ trưởng cơ quan chuyên môn.",
                "Điều 1. Nội dung như trên.", *doc.terms,
                "Điều 2. Văn bản này có hiệu lực kể từ ngày ký."]:
        draw.text((left_x, y), row, font=body, fill="black")
        y += round(line * 1.3)
    y += line
    draw.text((left_x, y), "Nơi nhận:", font=bold, fill="black")
    draw.text((left_x, y + line), "- Như Điều 2;", font=font(12, dpi), fill="black")
    for index, row in enumerate(["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]):
        _centred(draw, y + index * line, row, bold, image.width * 3 // 2)
    _centred(draw, y + 6 * line, doc.signer, bold, image.width * 3 // 2)
    return image


def decision(dpi: int = 300) -> Image.Image:
    """The default :class:`Official`: a Quyết định of the Thanh Hóa People's Committee."""
    return official_document(Official(), dpi)


def labelled_form(title: str, rows: list[str], place_date: str | None = None, dpi: int = 300
                  ) -> Image.Image:
    """A filled form: national header, its title, one "Label: value" row per line, and the
    place and date above the signature."""
    image, draw = _page(dpi)
    body, bold = font(13, dpi), font(13, dpi, bold=True)
    line = round(dpi * 0.34)
    _centred(draw, round(dpi * 0.7), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold, image.width)
    _centred(draw, round(dpi * 0.7) + line, "Độc lập - Tự do - Hạnh phúc", bold, image.width)
    _centred(draw, round(dpi * 1.6), title.upper(), font(14, dpi, bold=True), image.width)
    y = round(dpi * 2.4)
    for number, row in enumerate(rows, start=1):
        draw.text((round(dpi * 0.9), y), f"{number}. {row}", font=body, fill="black")
        y += round(line * 1.4)
    if place_date:
        draw.text((image.width // 2, y + line), place_date, font=body, fill="black")
    return image


def id_card_copy(person: Person, dpi: int = 300) -> Image.Image:
    """Bản chụp Căn cước công dân: the card, enlarged, on an A4 page."""
    image, draw = _page(dpi)
    body, bold = font(13, dpi), font(15, dpi, bold=True)
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
    ]
    residence = ""
    for word in f"Nơi thường trú: {person.address}".split():  # a long address goes on below
        if residence and draw.textlength(f"{residence} {word}", font=body) > right - x - dpi // 4:
            rows.append(residence)
            residence = word
        else:
            residence = f"{residence} {word}".strip()
    rows.append(residence)
    for index, row in enumerate(rows, start=2):
        draw.text((x, y + index * line), row, font=body, fill="black")
    _centred(draw, bottom + round(dpi * 0.4), "BẢN CHỤP", bold, image.width)
    return image


@dataclass(frozen=True)
class Degradation:
    """What a counter scanner and its paper do to a page rendered at 300 dpi."""

    dpi: int = 300  # resolution of the scan
    skew: float = 0.0  # degrees, counter-clockwise
    blur: float = 0.0  # Gaussian sigma, in pixels of the scan
    light: float = 1.0  # brightness left at the far corner (uneven lighting); 1 = even
    noise: float = 0.0  # Gaussian sensor noise, in grey levels
    tint: float = 0.35  # how far the paper is from white towards grey-yellow recycled paper
    holes: bool = False  # two filing punch holes in the left margin, scanned as dark discs
    border: float = 0.0  # mm of dark scanner lid showing along the right edge
    rotate: int = 0  # the page fed sideways or upside down (counter-clockwise degrees)
    jpeg: int | None = None  # JPEG quality of the saved scan; None keeps it lossless


PAPER = (246, 241, 228)
GRADES = {
    "clean": Degradation(tint=0.0),
    "mild": Degradation(dpi=200, skew=1.5, blur=0.5, light=0.85, noise=4, holes=True, jpeg=75),
    "hard": Degradation(dpi=150, skew=4.0, blur=0.8, light=0.5, noise=8, holes=True, border=4,
                        jpeg=35),
    "rotated-90": Degradation(skew=0.5, blur=0.5, noise=4, rotate=90, jpeg=85),
    "rotated-180": Degradation(skew=-0.5, blur=0.5, noise=4, rotate=180, jpeg=85),
}
"""The graded degradations of the OCR benchmark and tests (hard: the issue's measured case)."""


def degrade(image: Image.Image, how: Degradation, seed: int = 1) -> Image.Image:
    """Apply ``how`` to a clean page rendered at 300 dpi (JPEG loss is applied on saving)."""
    rng = np.random.default_rng(seed)
    page = Image.blend(image, Image.new("RGB", image.size, PAPER), how.tint) if how.tint else image
    if how.holes or how.border:
        page = page.copy()
        draw = ImageDraw.Draw(page)
        radius, x = round(300 * 3 / 25.4), round(300 * 12 / 25.4)  # 6 mm holes, 12 mm in
        for y in (page.height * 0.3, page.height * 0.7) if how.holes else ():
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(40, 40, 40))
        if how.border:
            draw.rectangle((page.width - round(300 * how.border / 25.4), 0, page.width, page.height),
                           fill=(30, 30, 30))
    if how.skew:
        page = page.rotate(how.skew, resample=Image.BICUBIC, expand=False, fillcolor=PAPER)
    if how.dpi != 300:
        size = (round(page.width * how.dpi / 300), round(page.height * how.dpi / 300))
        page = page.resize(size, Image.LANCZOS)
    if how.blur:
        page = page.filter(ImageFilter.GaussianBlur(how.blur))
    pixels = np.asarray(page, dtype=np.float32)
    if how.light < 1.0:
        h, w = pixels.shape[:2]
        ramp = np.add.outer(np.linspace(0, 0.6, h), np.linspace(0, 0.4, w))
        pixels = pixels * (1 - (1 - how.light) * ramp)[..., None]
    if how.noise:
        pixels = pixels + rng.normal(0, how.noise, pixels.shape[:2])[..., None]
    scanned = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    return scanned.rotate(how.rotate, expand=True) if how.rotate else scanned


def scan_look(image: Image.Image, *, seed: int = 1, skew: float = 0.8,
              rotate: int = 0) -> Image.Image:
    """What a counter scanner makes of a clean page: tint, slight skew, blur and noise."""
    return degrade(image, Degradation(skew=skew, blur=0.6, noise=6, rotate=rotate), seed)


def save_scan(image: Image.Image, path: Path, dpi: int = 300, quality: int | None = 82) -> Path:
    """Save as the scanner would: JPEG at ``quality``, or PNG when ``quality`` is ``None``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if quality is None:
        image.save(path, "PNG", dpi=(dpi, dpi))
    else:
        image.save(path, "JPEG", quality=quality, dpi=(dpi, dpi))
    return path


def write_sample_dossier(folder: Path, person: Person = SAMPLE_PERSON) -> list[Path]:
    """The demo dossier (judicial record certificate): the filled form and the ID card copy."""
    return [
        save_scan(scan_look(judicial_record_form(person), seed=1), folder / "01-to-khai-lltp.jpg"),
        save_scan(scan_look(id_card_copy(person), seed=2, skew=-0.6), folder / "02-cccd.jpg"),
    ]
