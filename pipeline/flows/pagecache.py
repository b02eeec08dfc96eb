"""The page cache's storage: Prefect's local result storage, each record written whole.

Prefect's ``LocalFileSystem`` truncates and rewrites a result file in place, so a process
reading a page another is writing under the same key (two dossiers sharing a scan, the same
dossier sent twice) could read half a record. Here a record goes to a temporary file beside
its place and is renamed over it: readers see the old record, none, or the new one.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

from prefect._internal.compatibility.async_dispatch import async_dispatch
from prefect.exceptions import ObjectAlreadyExists
from prefect.filesystems import LocalFileSystem
from prefect.utilities.asyncutils import run_sync_in_worker_thread

from pipeline.settings import Settings


SAVE_ATTEMPTS = 25


class PageCacheStorage(LocalFileSystem):
    _block_type_name = "sohoa page cache"

    def _write_whole(self, path: str, content: bytes) -> str:
        target: Path = self._resolve_path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.write_bytes(content)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return str(target)

    async def awrite_path(self, path: str, content: bytes) -> str:
        return await run_sync_in_worker_thread(self._write_whole, path, content)

    @async_dispatch(awrite_path)
    def write_path(self, path: str, content: bytes) -> str:  # type: ignore[override]
        return self._write_whole(path, content)


def page_cache(settings: Settings) -> PageCacheStorage:
    """The home's page cache, saved as a block on the Prefect API (Prefect requires a task's
    result storage to be; the name is the folder's, so homes sharing one API stay apart)."""
    basepath = str(settings.home_dir / "cache" / "pages")
    name = "page-cache-" + hashlib.sha256(basepath.encode()).hexdigest()[:16]
    for _ in range(SAVE_ATTEMPTS):  # processes starting together race to save it: one wins
        try:
            return PageCacheStorage.load(name)
        except ValueError:  # not saved on this API yet
            pass
        block = PageCacheStorage(basepath=basepath)
        try:
            block.save(name)
            return block
        except (ObjectAlreadyExists, ValueError):  # another process is saving it
            time.sleep(0.2)
    return PageCacheStorage.load(name)
