"""A received file as the pipeline sees it (size, sha256, real type), before it is stored
(``storage.originals``) or read."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.model import ReceivedFile
from pipeline.pages import detect_kind


def read_local(source: Path) -> ReceivedFile:
    """A file on disk as the pipeline sees it: size, sha256 and real type; not stored anywhere."""
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        head = handle.read(1024)
        digest.update(head)
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return ReceivedFile(source.name, source, source.stat().st_size, digest.hexdigest(),
                        detect_kind(head), object_key="")
