"""The bad-input corpus: damaged PDFs that pikepdf's and OCRmyPDF's source distributions carry in
their test folders, and files made here to break a reader (truncated images, a PNG bomb, a page
tree that loops, a 1×100000 image, 10,000 empty pages, fuzzed scans…).

``python bench/badinputs.py`` runs the corpus through ``sohoa digitise`` two dossiers at a time
on a fresh home and prints, file by file, whether it was digitised or refused (and how), with
tracebacks, hangs and unnamed refusals counted. The test suite uses :func:`corpus`.
"""

from __future__ import annotations

import io
import os
import random
import struct
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

import pikepdf
from PIL import Image

SDISTS = {  # name → (version, members under tests/resources kept)
    "pikepdf": ("10.18.0", ["badlin1.pdf", "fuzz/378014596.pdf", "graph-encrypted.pdf",
                            "cyclic-toc.pdf", "content-stream-errors.pdf",
                            "invalid_creationdate.pdf", "pike-jp2.pdf",
                            "ccitt-endofline-true.pdf", "1biticc.pdf", "cmyk-jpeg.pdf", "rle.pdf",
                            "pal-1bit-trivial.pdf"]),
    "ocrmypdf": ("17.13.0", ["invalid.pdf", "hugemono.pdf", "enormous.pdf",
                             "jbig2_baddevicen.pdf", "negzero.pdf", "2400dpi.pdf",
                             "cardinal.pdf", "masks.pdf", "type3_font_nomapping.pdf"]),
}
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sohoa" / "badinputs"


def _sdist(name: str, version: str, cache: Path) -> Path:
    found = list(cache.glob(f"{name}-{version}.tar.gz"))
    if not found:
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                        "--no-binary", ":all:", f"{name}=={version}", "-d", str(cache)],
                       check=True, capture_output=True)
        found = list(cache.glob(f"{name}-{version}.tar.gz"))
    return found[0]


def from_sdists(folder: Path, cache: Path = CACHE) -> list[Path]:
    """The chosen test PDFs of each source distribution, downloaded once into ``cache``."""
    out = []
    for name, (version, members) in SDISTS.items():
        with tarfile.open(_sdist(name, version, cache)) as tar:
            for member in members:
                data = tar.extractfile(f"{name}-{version}/tests/resources/{member}").read()
                path = folder / f"{name}-{member.replace('/', '-')}"
                path.write_bytes(data)
                out.append(path)
    return out


def _scan(seed: int) -> bytes:
    """A small scanner-like page (JPEG, 200 dpi) with some dark marks."""
    rng = random.Random(seed)
    image = Image.new("RGB", (1654, 2339), (246, 244, 238))
    for _ in range(200):
        x, y = rng.randrange(1500), rng.randrange(2200)
        image.paste((30, 30, 30), (x, y, x + rng.randrange(5, 120), y + rng.randrange(3, 30)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, dpi=(200, 200))
    return out.getvalue()


def _image_pdf(jpeg: bytes) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    image = pikepdf.Stream(pdf, jpeg, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                           Width=1654, Height=2339, ColorSpace=pikepdf.Name.DeviceRGB,
                           BitsPerComponent=8, Filter=pikepdf.Name.DCTDecode)
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _png_bomb() -> bytes:
    """A 60000×60000 one-bit PNG of a few hundred kilobytes."""
    width = height = 60000
    row = b"\x00" + b"\x00" * (width // 8)
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0,
                                                           0, 0, 0)) + \
        chunk(b"IDAT", body) + chunk(b"IEND", b"")


def _raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF written by hand (with a correct xref), for structures pikepdf will not write."""
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.7\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def _one_page_pdf(page: bytes, kids: bytes = b"[3 0 R] /Count 1") -> bytes:
    """A catalogue, a page tree with ``kids``, and one page with ``page``'s entries."""
    return _raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                     b"<< /Type /Pages /Kids %s >>" % kids,
                     b"<< /Type /Page /Parent 2 0 R %s >>" % page])


def _fuzzed(data: bytes, seed: int, flips: int) -> bytes:
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(flips):
        out[rng.randrange(len(out) // 8, len(out))] = rng.randrange(256)
    return bytes(out)


def generated(folder: Path) -> list[Path]:
    """Files made to break a reader, each named for what is wrong with it."""
    scan = _scan(1)
    image = Image.open(io.BytesIO(scan))
    files: dict[str, bytes] = {"empty.pdf": b"", "random.jpg": random.Random(2).randbytes(50_000),
                               "text-named.pdf": "Không phải PDF\n".encode() * 100}
    for kind, suffix in (("PNG", "png"), ("TIFF", "tif")):
        out = io.BytesIO()
        image.save(out, kind)
        files[f"truncated.{suffix}"] = out.getvalue()[: len(out.getvalue()) * 2 // 5]
    files["truncated.jpg"] = scan[: len(scan) * 2 // 5]
    files["bomb.png"] = _png_bomb()
    out = io.BytesIO()
    Image.new("L", (1, 100_000), 255).save(out, "PNG")
    files["thin-1x100000.png"] = out.getvalue()
    files["page-tree-loop.pdf"] = _one_page_pdf(b"/MediaBox [0 0 595 842]",
                                                kids=b"[2 0 R 3 0 R] /Count 2")
    files["page-without-size.pdf"] = _one_page_pdf(b"")
    files["page-zero-size.pdf"] = _one_page_pdf(b"/MediaBox [0 0 0 0]")
    files["page-5-metres.pdf"] = _one_page_pdf(b"/MediaBox [0 0 14400 14400]")
    pdf = pikepdf.new()
    for _ in range(10_000):
        pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out)
    files["10000-empty-pages.pdf"] = out.getvalue()
    scan_pdf = _image_pdf(scan)
    with pikepdf.open(io.BytesIO(scan_pdf)) as plain:
        out = io.BytesIO()
        plain.save(out, encryption=pikepdf.Encryption(owner="chu", user="nguoidung"))
        files["encrypted.pdf"] = out.getvalue()
    files["truncated.pdf"] = scan_pdf[: len(scan_pdf) // 2]
    for seed in range(3):
        files[f"fuzzed-{seed}.pdf"] = _fuzzed(scan_pdf, seed, 40)
    files["fuzzed.jpg"] = _fuzzed(scan, 7, 60)
    paths = []
    for name, data in files.items():
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    return paths


def corpus(folder: Path, cache: Path = CACHE) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return generated(folder) + from_sdists(folder, cache)


def main() -> None:
    """The corpus through ``sohoa digitise``, two dossiers at once on a fresh home."""
    import json
    import tempfile
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from helpers import free_port_base, stop_local_servers

    sohoa = str(Path(sys.executable).parent / "sohoa")
    with tempfile.TemporaryDirectory(prefix="sohoa-bad-") as tmp:
        home = Path(tmp) / "home"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
        env.update(SOHOA_HOME=str(home), SOHOA_LOCAL_S3_PORT=str(free_port_base(start=26000)))
        files = sorted(corpus(Path(tmp) / "corpus"))
        halves = {"000.00.06.H56-231030-0001": files[::2], "000.00.06.H56-231030-0002": files[1::2]}
        start = time.monotonic()
        procs = {code: subprocess.Popen(
            [sohoa, "digitise", *map(str, part), "--dossier", code, "--procedure", "2.000488",
             "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for code, part in halves.items()}
        tracebacks = hangs = unnamed = 0
        try:
            for code, proc in procs.items():
                try:
                    stdout, stderr = proc.communicate(timeout=1800)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    hangs += 1
                    continue
                tracebacks += "Traceback" in stderr
                result = json.loads(stdout) if stdout.strip() else {"documents": [],
                                                                    "problems": []}
                for path in halves[code]:
                    refusals = [p["code"] for p in result["problems"]
                                if p["file"] == path.name and p.get("severity") == "review"]
                    done = any(d["file"] == path.name for d in result["documents"])
                    unnamed += not (done or refusals)
                    print(f"{path.name:40} {'digitised' if done else 'refused':10} "
                          f"{' '.join(sorted(set(refusals)))}")
        finally:
            stop_local_servers(home)
    print(f"{len(files)} files in {time.monotonic() - start:.0f} s, 2 at a time: "
          f"{tracebacks} tracebacks, {hangs} hangs, {unnamed} neither digitised nor refused "
          "by name")


if __name__ == "__main__":
    main()
