"""A device URI to its driver: ``sane:<device>`` (``scanimage``) or ``escl:<URL>`` (AirScan)."""

from __future__ import annotations

from scanner_drivers.base import Scanner
from scanner_drivers.errors import UnknownDevice
from scanner_drivers.escl import EsclScanner
from scanner_drivers.sane import SaneScanner


def open_scanner(uri: str) -> Scanner:
    """The driver for a device URI: ``sane:<SANE device name>`` or ``escl:<http(s) URL>``."""
    kind, _, target = uri.partition(":")
    if kind == "sane" and target:
        return SaneScanner(target)
    if kind == "escl" and target:
        return EsclScanner(target)
    raise UnknownDevice(uri=uri)
