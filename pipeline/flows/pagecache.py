"""The page cache: Prefect result storage in the archive's S3 bucket, under ``cache/pages/``, so
a page read on one machine is a cache hit on every other.

The block saved on the Prefect server (Prefect requires a task's result storage to be saved)
names only its prefix; records are read and written through this process's own object store,
so the S3 credentials stay in each machine's settings. One record is one S3 object, written
whole: a reader sees the old record, none, or the new one.
"""

from __future__ import annotations

import hashlib
import time

from prefect._internal.compatibility.async_dispatch import async_dispatch
from prefect.exceptions import ObjectAlreadyExists
from prefect.filesystems import WritableFileSystem
from prefect.utilities.asyncutils import run_sync_in_worker_thread
from pydantic import Field, PrivateAttr

from storage.keys import PAGE_CACHE_PREFIX
from storage.objects import ObjectStore

SAVE_ATTEMPTS = 25


class PageCacheStorage(WritableFileSystem):
    _block_type_name = "sohoa page cache"

    prefix: str = Field(default=PAGE_CACHE_PREFIX, description="Key prefix in the bucket")
    _store: ObjectStore | None = PrivateAttr(default=None)

    def _read(self, path: str) -> bytes | None:
        return self._store.get_if_present(f"{self.prefix}{path}")  # None: not read yet

    def _write(self, path: str, content: bytes) -> str:
        self._store.put(f"{self.prefix}{path}", content, "application/json")
        return path

    async def aread_path(self, path: str) -> bytes | None:
        return await run_sync_in_worker_thread(self._read, path)

    @async_dispatch(aread_path)
    def read_path(self, path: str) -> bytes | None:  # type: ignore[override]
        return self._read(path)

    async def awrite_path(self, path: str, content: bytes) -> str:
        return await run_sync_in_worker_thread(self._write, path, content)

    @async_dispatch(awrite_path)
    def write_path(self, path: str, content: bytes) -> str:  # type: ignore[override]
        return self._write(path, content)


def page_cache(store: ObjectStore) -> PageCacheStorage:
    """The page cache in ``store``'s bucket, its block saved on the Prefect API under a name
    of the bucket's (sites sharing one API stay apart)."""
    name = "page-cache-" + hashlib.sha256(f"{store.endpoint}/{store.bucket}".encode()
                                          ).hexdigest()[:16]
    for _ in range(SAVE_ATTEMPTS):  # processes starting together race to save it: one wins
        try:
            block = PageCacheStorage.load(name)
            break
        except ValueError:  # not saved on this API yet
            try:
                PageCacheStorage().save(name)
            except (ObjectAlreadyExists, ValueError):  # another process is saving it
                time.sleep(0.2)
    else:
        block = PageCacheStorage.load(name)
    block._store = store
    return block
