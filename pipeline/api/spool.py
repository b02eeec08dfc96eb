"""Receipt: an uploaded file is written to the API's spool and synced to disk before the API
answers, then checked from its headers; only then is it recorded. What was accepted survives
a crash; what was refused leaves nothing behind."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pipeline.model import ReceivedFile
from pipeline.pages import SUFFIX, detect_kind, plan_pages
from pipeline.settings import Settings

CHUNK = 1 << 20


class TooLarge(Exception):
    """The file is over ``max_upload_bytes``."""


@dataclass(frozen=True)
class Spooled:
    """A file written to the spool under a temporary name, not yet checked."""

    name: str
    path: Path
    sha256: str
    size: int
    kind: str | None  # from its first bytes, as ``pipeline.pages.detect_kind`` tells


def safe_name(name: str | None) -> str:
    """The file's own name, without any directory part, as the sender gave it (at most 200
    characters); ``tep`` when it gave none."""
    base = re.split(r"[\\/]", name or "")[-1].strip().replace("\x00", "")
    return base[:200] or "tep"


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(source: BinaryIO, name: str, folder: Path, limit: int) -> Spooled:
    """Copy ``source`` into ``folder`` under a temporary name, hashing it and syncing it to
    disk; raise :class:`TooLarge` past ``limit`` bytes (nothing is left behind)."""
    folder.mkdir(parents=True, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
    handle = tempfile.NamedTemporaryFile(dir=folder, prefix=".part-", delete=False)
    try:
        with handle:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                size += len(chunk)
                if size > limit:
                    raise TooLarge
                if not head:
                    head = chunk[:1024]
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return Spooled(name, Path(handle.name), digest.hexdigest(), size, detect_kind(head))


def check(item: Spooled, settings: Settings) -> None:
    """Refuse (``InputFileError``) what cannot be read, from its headers."""
    plan_pages(ReceivedFile(item.name, item.path, item.size, item.sha256, item.kind,
                            object_key=""),
               max_pages=settings.max_pages_per_file, max_pixels=settings.max_page_pixels,
               default_dpi=settings.default_dpi, decode=False)


def keep(item: Spooled) -> Path:
    """Give a checked file its final name (its sha256) and sync the directory."""
    final = item.path.with_name(f"{item.sha256}{SUFFIX.get(item.kind, '.bin')}")
    os.replace(item.path, final)
    _sync_dir(final.parent)
    return final
