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
    name: str
    path: Path
    sha256: str
    size: int


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


def write_durably(source: BinaryIO, folder: Path, limit: int) -> tuple[Path, str, int]:
    """Copy ``source`` into ``folder`` under a temporary name, hashing it and syncing it to
    disk; raise :class:`TooLarge` past ``limit`` bytes (nothing is left behind)."""
    folder.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    handle = tempfile.NamedTemporaryFile(dir=folder, prefix=".part-", delete=False)
    try:
        with handle:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                size += len(chunk)
                if size > limit:
                    raise TooLarge
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return Path(handle.name), digest.hexdigest(), size


def check(path: Path, name: str, sha256: str, size: int, settings: Settings) -> str:
    """Refuse (``InputFileError``) what cannot be read, from its headers; return its kind."""
    with path.open("rb") as handle:
        kind = detect_kind(handle.read(1024))
    local = ReceivedFile(name, path, size, sha256, kind, object_key="")
    plan_pages(local, max_pages=settings.max_pages_per_file, max_pixels=settings.max_page_pixels,
               default_dpi=settings.default_dpi, decode=False)
    return kind or ""


def keep(temporary: Path, folder: Path, sha256: str, kind: str) -> Path:
    """Give a checked file its final name (its sha256) and sync the directory."""
    final = folder / f"{sha256}{SUFFIX.get(kind, '.bin')}"
    os.replace(temporary, final)
    _sync_dir(folder)
    return final
