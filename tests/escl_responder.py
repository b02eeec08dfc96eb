"""A small eSCL (AirScan) scanner for the tests: capabilities, scan jobs, pages from a list."""

from __future__ import annotations

import itertools
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CAPABILITIES = """<?xml version="1.0" encoding="UTF-8"?>
<scan:ScannerCapabilities xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03"
    xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm">
  <pwg:Version>2.6</pwg:Version>
  <pwg:MakeAndModel>sohoa test eSCL</pwg:MakeAndModel>
  <scan:Platen><scan:PlatenInputCaps><scan:SettingProfiles><scan:SettingProfile>
    <scan:ColorModes><scan:ColorMode>RGB24</scan:ColorMode></scan:ColorModes>
  </scan:SettingProfile></scan:SettingProfiles></scan:PlatenInputCaps></scan:Platen>
  <scan:Adf><scan:AdfSimplexInputCaps><scan:SettingProfiles><scan:SettingProfile>
    <scan:ColorModes><scan:ColorMode>RGB24</scan:ColorMode>
      <scan:ColorMode>Grayscale8</scan:ColorMode></scan:ColorModes>
    <scan:SupportedResolutions><scan:DiscreteResolutions>
      <scan:DiscreteResolution><scan:XResolution>200</scan:XResolution>
        <scan:YResolution>200</scan:YResolution></scan:DiscreteResolution>
      <scan:DiscreteResolution><scan:XResolution>300</scan:XResolution>
        <scan:YResolution>300</scan:YResolution></scan:DiscreteResolution>
    </scan:DiscreteResolutions></scan:SupportedResolutions>
  </scan:SettingProfile></scan:SettingProfiles></scan:AdfSimplexInputCaps></scan:Adf>
</scan:ScannerCapabilities>"""


class EsclResponder(ThreadingHTTPServer):
    """Serves ``pages`` (JPEG bytes) as the feeder's sheets; records each job's settings."""

    def __init__(self, pages: list[bytes]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.pages, self.jobs, self.ids = pages, {}, itertools.count(1)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class _Handler(BaseHTTPRequestHandler):
    def _send(self, status: int, body: bytes = b"", kind: str = "text/xml", **headers):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/eSCL/ScannerCapabilities":
            return self._send(200, CAPABILITIES.encode())
        parts = self.path.strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["eSCL", "ScanJobs"] and parts[3] == "NextDocument":
            job = self.server.jobs.get(parts[2])
            if job is None or not job["left"]:
                return self._send(404)
            return self._send(200, job["left"].pop(0), "image/jpeg")
        self._send(404)

    def do_POST(self):
        if self.path != "/eSCL/ScanJobs":
            return self._send(404)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        settings = {el.tag.split("}")[1]: el.text for el in ET.fromstring(body)}
        job = str(next(self.server.ids))
        self.server.jobs[job] = {"settings": settings, "left": list(self.server.pages)}
        self._send(201, Location=f"{self.server.url}eSCL/ScanJobs/{job}")

    def log_message(self, *args):
        pass
