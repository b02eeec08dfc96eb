"""SANE scanners through Debian's ``scanimage`` (sane-utils): list devices, scan a feeder batch.

Tested against SANE's ``test`` backend (its feeder holds ten sheets)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from scanner_drivers.base import BatchSettings, Device, ScannedPage
from scanner_drivers.errors import (DeviceUnavailable, NoDuplex, NoFeeder, NothingScanned,
                                    SaneMissing)

DUPLEX_SOURCES = ("ADF Duplex", "Duplex", "ADF Back")
FEEDER_SOURCES = ("Automatic Document Feeder", "ADF", "ADF Front", "Feeder")
TIMEOUT = 600


def _run(args: list[str], device: str | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["scanimage", *args], capture_output=True, text=True,
                              timeout=TIMEOUT)
    except FileNotFoundError:
        raise SaneMissing(device) from None


def devices() -> list[Device]:
    found = _run(["-f", "%d\t%v %m\n"])
    return [Device(f"sane:{line.split(chr(9))[0]}", line.split("\t", 1)[1])
            for line in found.stdout.splitlines() if "\t" in line]


def _sources(device: str) -> list[str]:
    options = _run(["-d", device, "-A"], device)
    if options.returncode != 0:
        raise DeviceUnavailable(device, detail=options.stderr.strip())
    found = re.search(r"--source (.+?) \[", options.stdout)
    return found.group(1).split("|") if found else []


class SaneScanner:
    def __init__(self, device: str):
        self.device = device

    def _source(self, batch: BatchSettings) -> str | None:
        sources = _sources(self.device)
        wanted = DUPLEX_SOURCES if batch.duplex else FEEDER_SOURCES if batch.feeder else ()
        if not wanted:
            return None
        source = next((s for s in sources if s in wanted), None)
        if source is None:
            missing = NoDuplex if batch.duplex else NoFeeder
            raise missing(self.device, model=f"{self.device} ({', '.join(sources)})")
        return source

    def scan(self, batch: BatchSettings) -> Iterator[ScannedPage]:
        source = self._source(batch)
        mode = "Color" if batch.mode == "color" else "Gray"
        with tempfile.TemporaryDirectory(prefix="sohoa-sane-") as tmp:
            args = ["-d", self.device, "--mode", mode, "--resolution", str(batch.resolution),
                    "--format=tiff", f"--batch={tmp}/p%04d.tif"]
            if source:
                args[2:2] = ["--source", source]
            done = _run(args, self.device)
            pages = sorted(Path(tmp).glob("p*.tif"))
            if not pages:
                raise NothingScanned(self.device, detail=done.stderr.strip())
            for page in pages:
                yield ScannedPage(page.read_bytes(), "tiff", batch.resolution, batch.mode)
