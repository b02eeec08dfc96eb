"""Receive: every original file goes to object storage unchanged before anything reads it."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from pipeline.identifiers import DossierCode
from pipeline.intake import read_local
from pipeline.model import ReceivedFile
from pipeline.pages import CONTENT_TYPE, SUFFIX
from storage import keys
from storage.objects import ObjectStore


def receive_file(source: Path, code: DossierCode, store: ObjectStore, workdir: Path) -> ReceivedFile:
    """Store ``source`` in S3 keyed by its sha256, and keep a copy in the run's work directory.

    Files of unknown type are stored too: what was handed in is kept, whatever it is.
    """
    local = read_local(source)
    key = store_original(store, code, source, local.sha256, local.kind, source.name)
    copy = workdir / f"{local.sha256}{SUFFIX.get(local.kind, '.bin')}"
    if not copy.exists():
        shutil.copyfile(source, copy)
    return replace(local, path=copy, object_key=key)


def store_original(store: ObjectStore, code: DossierCode, source: Path, sha256: str,
                   kind: str | None, name: str) -> str:
    """Put a file in S3 under its content's key (once); the key."""
    suffix = SUFFIX.get(kind, ".bin")
    key = keys.original_key(code, sha256, suffix)
    store.put_once(key, source.read_bytes(), CONTENT_TYPE.get(kind, "application/octet-stream"),
                   {"dossier": str(code), "filename": _ascii(name)})
    return key


def _ascii(name: str) -> str:
    """S3 user metadata is ASCII: keep the name readable, escape the rest."""
    return name.encode("ascii", "backslashreplace").decode("ascii")
