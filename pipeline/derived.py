"""Tables derived from data files, kept in the user's cache between processes.

Each Prefect run is a process of its own, so a table built from a package's data file (the
gazetteer's units, the dictionary's syllable pairs) was built again for every dossier: 0.5
CPU-s of a 15 CPU-s dossier. Stored with ``marshal`` (no code runs on loading it), under a
name that changes with its sources (the data file and the code that derives it: any edit
makes a new entry) and the interpreter.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def user_cache(name: str) -> Path:
    """``name``'s folder in the user's cache (``$XDG_CACHE_HOME/sohoa``): made once per
    machine, never shipped."""
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sohoa" / name


def stamps(sources: Sequence[Path]) -> list[str]:
    """What tells one version of ``sources`` from another: path, size and change time."""
    return [f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in sources]


def write_whole(path: Path, write: Callable[[Path], None]) -> None:
    """``write(draft)`` beside ``path``, then the draft renamed to it: a process or thread
    reading or making it at once never sees it half-written (a draft of each writer's own)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, draft = tempfile.mkstemp(suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(Path(draft))
        os.replace(draft, path)
    except BaseException:
        Path(draft).unlink(missing_ok=True)
        raise


def derived(name: str, sources: Sequence[Path], build: Callable[[], T]) -> T:
    """``build()``'s table, from the cache when a process made it already from the same
    ``sources``; a missing or unreadable entry is built again, and stored when the cache is
    writable."""
    key = ":".join([name, *stamps(sources), sys.version, str(marshal.version)])
    path = user_cache("derived") / f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass
    table = build()
    try:
        write_whole(path, lambda draft: draft.write_bytes(marshal.dumps(table)))
    except OSError:
        pass  # a read-only cache: built again next time
    return table
