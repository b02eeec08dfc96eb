"""eSCL (AirScan, Mopria): the driverless HTTP protocol of network scanners.

``GET /eSCL/ScannerCapabilities`` tells sources, resolutions and modes; ``POST /eSCL/ScanJobs``
with the settings answers ``201`` and the job's ``Location``; ``GET <job>/NextDocument``
returns one page at a time until ``404``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from scanner_drivers.base import BatchSettings, ScannedPage
from scanner_drivers.errors import (EsclError, NoDuplex, NoFeeder, ResolutionUnsupported,
                                    ScannerError)

PWG = "http://www.pwg.org/schemas/2010/12/sm"
SCAN = "http://schemas.hp.com/imaging/escl/2011/05/03"
FORMATS = {"image/jpeg": "jpeg", "application/pdf": "pdf", "image/png": "png", "image/tiff": "tiff"}
TIMEOUT = 120


@dataclass(frozen=True)
class Capabilities:
    model: str
    sources: list[str]  # "Platen", "Feeder"
    duplex: bool
    resolutions: list[int]
    modes: list[str]  # "RGB24", "Grayscale8", …


def _settings_xml(batch: BatchSettings, source: str, duplex: bool) -> bytes:
    mode = "RGB24" if batch.mode == "color" else "Grayscale8"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<scan:ScanSettings xmlns:scan="{SCAN}" xmlns:pwg="{PWG}">
  <pwg:Version>2.6</pwg:Version>
  <pwg:InputSource>{source}</pwg:InputSource>
  <scan:ColorMode>{mode}</scan:ColorMode>
  <scan:XResolution>{batch.resolution}</scan:XResolution>
  <scan:YResolution>{batch.resolution}</scan:YResolution>
  <pwg:DocumentFormat>image/jpeg</pwg:DocumentFormat>
  <scan:Duplex>{str(duplex).lower()}</scan:Duplex>
</scan:ScanSettings>""".encode()


class EsclScanner:
    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/") + "/"

    def _fail(self, what: str, detail: str) -> ScannerError:
        return EsclError(self.base, what=what, detail=detail)

    def capabilities(self, client: httpx.Client) -> Capabilities:
        try:
            response = client.get(urljoin(self.base, "eSCL/ScannerCapabilities"))
            response.raise_for_status()
            root = ET.fromstring(response.content)
        except (httpx.HTTPError, ET.ParseError) as exc:
            raise self._fail("đọc khả năng", str(exc)) from None
        ns = {"scan": SCAN, "pwg": PWG}
        sources = [name for name, tag in (("Platen", "scan:Platen"), ("Feeder", "scan:Adf"))
                   if root.find(f".//{tag}", ns) is not None]
        return Capabilities(
            model=root.findtext("pwg:MakeAndModel", "", ns),
            sources=sources,
            duplex=root.find(".//scan:Adf/scan:AdfDuplexInputCaps", ns) is not None,
            resolutions=sorted({int(x.text) for x in root.iterfind(".//scan:XResolution", ns)}),
            modes=sorted({m.text for m in root.iterfind(".//scan:ColorMode", ns)}))

    def scan(self, batch: BatchSettings) -> Iterator[ScannedPage]:
        with httpx.Client(timeout=TIMEOUT) as client:
            caps = self.capabilities(client)
            source = "Feeder" if batch.feeder else "Platen"
            if source not in caps.sources:
                raise NoFeeder(self.base, model=caps.model)
            if batch.duplex and not caps.duplex:
                raise NoDuplex(self.base, model=caps.model)
            if batch.resolution not in caps.resolutions:
                raise ResolutionUnsupported(self.base, resolution=batch.resolution,
                                            resolutions=caps.resolutions)
            try:
                job = client.post(urljoin(self.base, "eSCL/ScanJobs"),
                                  content=_settings_xml(batch, source, batch.duplex),
                                  headers={"Content-Type": "text/xml"})
            except httpx.HTTPError as exc:
                raise self._fail("bắt đầu quét", str(exc)) from None
            if job.status_code != 201 or "Location" not in job.headers:
                raise self._fail("bắt đầu quét", f"HTTP {job.status_code}")
            location = urljoin(self.base, job.headers["Location"]).rstrip("/") + "/"
            while True:
                page = client.get(urljoin(location, "NextDocument"))
                if page.status_code == 404:  # the feeder is empty: the job is over
                    break
                if page.status_code != 200:
                    raise self._fail("nhận trang", f"HTTP {page.status_code}")
                kind = FORMATS.get(page.headers.get("content-type", "").split(";")[0])
                if kind is None:
                    raise self._fail("nhận trang", f"type {page.headers.get('content-type')}")
                yield ScannedPage(page.content, kind, batch.resolution, batch.mode)
