"""Files → pages: every kind of bad input is refused with a code naming the problem."""

import io
import struct
import zlib
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from pipeline.errors import InputFileError
from pipeline.intake import read_local
from pipeline.pages import encode_for_pdf, load_page, plan_pages

LIMITS = dict(max_pages=50, max_pixels=120_000_000, default_dpi=300)


def _plan(path: Path):
    return plan_pages(read_local(path), **LIMITS)


def _refusal(path: Path) -> InputFileError:
    with pytest.raises(InputFileError) as info:
        _plan(path)
    assert info.value.subject == path.name
    return info.value


def _pdf_with_image(path: Path, dpi: int, pages: int = 1) -> Path:
    image = Image.new("RGB", (round(8.27 * dpi), round(11.69 * dpi)), (250, 250, 240))
    image.save(path, "PDF", resolution=dpi, save_all=True, append_images=[image] * (pages - 1))
    return path


def test_zero_bytes(tmp_path):
    (tmp_path / "empty.pdf").write_bytes(b"")
    assert _refusal(tmp_path / "empty.pdf").code == "empty_file"


def test_text_named_pdf(tmp_path):
    (tmp_path / "note.pdf").write_text("đây không phải PDF")
    assert _refusal(tmp_path / "note.pdf").code == "unsupported_type"


def test_corrupt_pdf(tmp_path):
    good = _pdf_with_image(tmp_path / "good.pdf", 100).read_bytes()
    (tmp_path / "cut.pdf").write_bytes(good[:300])
    assert _refusal(tmp_path / "cut.pdf").code == "corrupt_pdf"


def test_encrypted_pdf(tmp_path):
    _pdf_with_image(tmp_path / "plain.pdf", 100)
    with pikepdf.open(tmp_path / "plain.pdf") as pdf:
        pdf.save(tmp_path / "locked.pdf", encryption=pikepdf.Encryption(user="secret", owner="x"))
    error = _refusal(tmp_path / "locked.pdf")
    assert error.code == "encrypted_pdf" and "mật khẩu" in error.message("vi")


def test_giant_image_refused_from_its_header(tmp_path):
    """A 35000×35000 PNG is refused before decoding (its pixels would need 3.6 GB)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 35000, 35000, 8, 2, 0, 0, 0)
    (tmp_path / "giant.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                                         + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
                                         + chunk(b"IEND", b""))
    error = _refusal(tmp_path / "giant.png")
    assert error.code == "image_too_large" and "35000×35000" in error.message("vi")


def test_truncated_jpeg(tmp_path, scans):
    data = scans["form"].read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    assert _refusal(tmp_path / "cut.jpg").code == "corrupt_image"


def test_pdf_pages_render_at_the_scan_resolution(tmp_path):
    pdf = _pdf_with_image(tmp_path / "scan200.pdf", 200, pages=2)
    refs = _plan(pdf)
    assert [(r.number, r.dpi) for r in refs] == [(1, 200), (2, 200)]
    image = load_page(read_local(pdf), refs[1])
    assert image.size == (round(8.27 * 200), round(11.69 * 200)) and image.mode == "RGB"


def test_multipage_tiff_and_dpi(tmp_path):
    frames = [Image.new("L", (1000, 1400), 255), Image.new("1", (1000, 1400), 1)]
    frames[0].save(tmp_path / "scan.tif", save_all=True, append_images=frames[1:], dpi=(150, 150))
    refs = _plan(tmp_path / "scan.tif")
    assert [(r.number, r.dpi, r.kind) for r in refs] == [(1, 150, "tiff"), (2, 150, "tiff")]
    received = read_local(tmp_path / "scan.tif")
    bilevel = encode_for_pdf(received, refs[1], load_page(received, refs[1]))
    assert (bilevel.bits, bilevel.filter) == (1, "/FlateDecode")


def test_jpeg_scan_goes_into_the_pdf_unchanged(scans):
    received = read_local(scans["form"])
    ref = _plan(scans["form"])[0]
    encoded = encode_for_pdf(received, ref, load_page(received, ref))
    assert encoded.data == scans["form"].read_bytes()
    assert (encoded.dpi, encoded.colorspace, encoded.filter) == (300, "/DeviceRGB", "/DCTDecode")
    assert Image.open(io.BytesIO(encoded.data)).size == (encoded.width, encoded.height)
