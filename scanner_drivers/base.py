"""One interface for every scanner: a batch of page images with their resolution and mode."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

@dataclass(frozen=True)
class BatchSettings:
    resolution: int = 300
    mode: str = "color"  # "color" | "gray"
    duplex: bool = False
    feeder: bool = True


@dataclass(frozen=True)
class ScannedPage:
    data: bytes = field(repr=False)
    format: str  # "tiff" | "jpeg" | "png" | "pdf"
    dpi: int
    mode: str  # "color" | "gray"


@dataclass(frozen=True)
class Device:
    uri: str  # "sane:<device>" | "escl:<base URL>"
    name: str


class Scanner(Protocol):
    def scan(self, batch: BatchSettings) -> Iterator[ScannedPage]:
        """Scan every sheet in the feeder (both sides when ``duplex``), page by page."""
