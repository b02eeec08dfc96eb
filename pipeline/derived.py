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


def derived(name: str, sources: Sequence[Path], build: Callable[[], T]) -> T:
    """``build()``'s table, from the cache when a process made it already from the same
    ``sources``; a missing or unreadable entry is built again, and stored when the cache is
    writable."""
    stamps = [f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in sources]
    key = ":".join([name, *stamps, sys.version, str(marshal.version)])
    path = user_cache("derived") / f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass
    table = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(suffix=".tmp", dir=path.parent)
    except OSError:
        return table  # a read-only cache: built again next time
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(marshal.dumps(table))
        os.replace(tmp, path)  # whole, for processes reading or making it at once
    except OSError:
        Path(tmp).unlink(missing_ok=True)
    return table
