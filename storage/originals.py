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
    suffix = SUFFIX.get(local.kind, ".bin")
    key = keys.original_key(code, local.sha256, suffix)
    store.put_once(key, source.read_bytes(), CONTENT_TYPE.get(local.kind, "application/octet-stream"),
                   {"dossier": str(code), "filename": _ascii(source.name)})
    copy = workdir / f"{local.sha256}{suffix}"
    if not copy.exists():
        shutil.copyfile(source, copy)
    return replace(local, path=copy, object_key=key)


def _ascii(name: str) -> str:
    """S3 user metadata is ASCII: keep the name readable, escape the rest."""
    return name.encode("ascii", "backslashreplace").decode("ascii")
