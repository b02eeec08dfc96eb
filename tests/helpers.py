"""What several test modules need: a blank PDF to sign, poppler's tools run on PDF bytes, a
scanned separator sheet, a free range of ports for a SeaweedFS, stopping a home's servers."""

from __future__ import annotations

import io
import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pikepdf
from cryptography.hazmat.primitives.asymmetric import ec, rsa


def blank_pdf() -> bytes:
    """One empty A4 page."""
    out = io.BytesIO()
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.save(out)
    return out.getvalue()


def poppler(tool: str, data: bytes, folder: Path, *args: str) -> str:
    """The standard output of ``tool`` (pdfsig, pdftotext, pdfimages…) on ``data``."""
    path = folder / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run([tool, *args, str(path)] + (["-"] if tool == "pdftotext" else []),
                          capture_output=True, text=True).stdout


def first_page_png(data: bytes, dpi: int = 200) -> bytes:
    """Page 1 of a PDF as a PNG, rendered by poppler (what a printed and scanned copy shows)."""
    return subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-"],
                          input=data, capture_output=True, check=True).stdout


def scanned_sheet(dossier: str, component: str | None) -> bytes:
    """A separator sheet as a counter scanner returns it: a 300 dpi JPEG, scanner-like."""
    from pdf2image import convert_from_bytes

    from pipeline.samples import scan_look
    from pipeline.model import Separator
    from pipeline.separators import sheet_pdf

    image = scan_look(convert_from_bytes(sheet_pdf(Separator(dossier, component)), dpi=300)[0],
                      seed=5)
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85, dpi=(300, 300))
    return out.getvalue()


def free_port_base(start: int = 20000) -> int:
    """A base port whose whole SeaweedFS port set is free (homes of one session start apart,
    as a server may not have taken its ports yet)."""
    from storage.seaweedfs import busy_ports

    start += 500 * int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    return next(base for base in range(start, start + 5000, 10) if not busy_ports(base))


def stop_local_servers(home: Path) -> None:
    """Stop what commands started for ``home`` (its SeaweedFS, its Prefect API), as the suite
    must leave nothing running."""
    from storage.supervisor import stop

    for name in ("prefect", "s3"):
        stop(home / "run", name, wait=60)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


RECORDINGS = Path(__file__).parent / "data" / "ocr-recordings"
RECORDED_OCR = {"SOHOA_OCR_ENGINE": "recorded", "SOHOA_OCR_RECORDINGS": str(RECORDINGS)}
"""The flows' tests read pages through the recorded engine (``pipeline.ocr.engine``): a page
tesseract read once is answered from ``tests/data/ocr-recordings``, a new one read and added.
The tests of recognition itself call tesseract directly."""


def record(code: str, status: str = "digitised", fields: dict | None = None,
           sha256: str = "a" * 64):
    """A dossier record with one document, as the archive would keep it."""
    from pipeline.records import DossierRecord

    return DossierRecord.model_validate({
        "dossier": code, "procedure": "2.000488", "status": status, "owner_id": None,
        "missing_components": [], "problems": [], "originals": [], "manifest": "s3://b/m",
        "documents": [{"order": 1, "component": "GIAY_TO_TUY_THAN", "file": "cccd.jpg",
                       "pages": 1, "object": "s3://b/k", "sha256": sha256,
                       "ocr_object": "s3://b/o", "signer": "x", "fields": fields or {},
                       "digitisation_code": None, "source": {"sha256": "b" * 64, "page": 1}}]})


def qr_text(pdf: bytes) -> str:
    """The QR code of page 1 as a phone reads it: the page rendered, its top-left corner framed,
    tried again at another resolution as a phone refocuses (OpenCV's detector alone finds it
    on 80-97% of renderings at one resolution, and on 30 of 30 within these three)."""
    import cv2
    import numpy as np

    for dpi in (200, 300, 150):
        image = cv2.imdecode(np.frombuffer(first_page_png(pdf, dpi), np.uint8), cv2.IMREAD_COLOR)
        corner = round(40 / 25.4 * dpi)  # 40 mm
        text, _, _ = cv2.QRCodeDetector().detectAndDecode(image[:corner, :corner])
        if text:
            return text
    return ""


def object_versions(archive, dossier: str) -> dict[str, int]:
    """How many versions each of a dossier's objects has in S3: 1 each when archived once."""
    from pipeline.identifiers import parse_dossier_code
    from storage.keys import dossier_prefix

    counts: dict[str, int] = {}
    for obj in archive.store.client.list_objects(
            archive.store.bucket, prefix=dossier_prefix(parse_dossier_code(dossier)),
            recursive=True, include_version=True):
        counts[obj.object_name] = counts.get(obj.object_name, 0) + 1
    return counts


SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
TOKEN, PIN = "sohoa-test", "246810"
KEYS = {"rsa": lambda: rsa.generate_private_key(65537, 2048),
        "ec": lambda: ec.generate_private_key(ec.SECP256R1()),
        "weak": lambda: rsa.generate_private_key(65537, 1024)}  # what the SoftHSM2 token holds


def token_cert(key, name: str):
    """A self-signed certificate of ``key``, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=1)).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))


def wait_until(check, seconds: float = 180):
    """What ``check`` returns once it is true, asked every half second; an error past then."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError("timed out")
