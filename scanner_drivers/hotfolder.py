"""The hot folder: one folder per counter that a scanner (or staff) drops files into.

A file is taken once it is completely written (its size and time unchanged for ``settle``
seconds and no ``.part``/hidden name), handed to ``handle``, then moved to ``done/``; a file
``handle`` refuses goes to ``failed/`` with ``<name>.reason.txt`` saying why, in Vietnamese
and English. Files already there when the watch starts are taken first, so nothing dropped
while it was stopped is lost; a file is moved only after ``handle`` returns, and submitting
is idempotent, so a file taken again after a crash adds nothing.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchfiles import watch

from pipeline.errors import SohoaError

log = logging.getLogger("sohoa.hotfolder")
EMPTY_WAIT = 10.0  # seconds an empty file is left to be written before it is taken (and refused)


def counter_folder(root: Path, counter: int) -> Path:
    return root / f"quay-{counter:02d}"


class HotFolder:
    def __init__(self, folder: Path, handle: Callable[[Path], object], settle: float = 1.0):
        self.folder, self.handle, self.settle = folder, handle, settle
        self.done, self.failed = folder / "done", folder / "failed"
        for path in (folder, self.done, self.failed):
            path.mkdir(parents=True, exist_ok=True)

    def waiting(self) -> list[Path]:
        """Files dropped and not yet taken, oldest first."""
        files = [p for p in self.folder.iterdir() if p.is_file()
                 and not p.name.startswith(".") and not p.name.endswith((".part", ".tmp"))]
        return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))

    def _complete(self, files: list[Path]) -> list[Path]:
        """Those of ``files`` unchanged in size and time over ``settle`` seconds (one wait for
        all): their writers have finished."""
        def state(path: Path):
            try:
                stat = path.stat()
            except FileNotFoundError:
                return None
            return stat.st_size, stat.st_mtime_ns, stat.st_mtime

        before = {path: state(path) for path in files}
        if files:
            time.sleep(self.settle)
        done = []
        for path in files:
            after = state(path)
            if after is not None and after == before[path] \
                    and (after[0] > 0 or time.time() - after[2] > EMPTY_WAIT):
                done.append(path)
        return done

    def take(self, path: Path) -> str:
        """Handle one complete file and move it; ``done`` or ``failed``."""
        try:
            self.handle(path)
        except SohoaError as exc:
            self._move(path, self.failed, f"{exc.message('vi')}\n{exc.message('en')} [{exc.code}]\n")
            return "failed"
        except Exception as exc:  # unexpected: keep the file, say why, carry on
            log.exception("hot folder: %s", path)
            self._move(path, self.failed, f"Lỗi không mong đợi khi xử lý tệp.\n{exc!r}\n")
            return "failed"
        self._move(path, self.done, None)
        return "done"

    def _move(self, path: Path, folder: Path, reason: str | None) -> None:
        target = folder / path.name
        stamp = 1
        while target.exists():
            target = folder / f"{path.stem}.{stamp}{path.suffix}"
            stamp += 1
        if reason is not None:
            (folder / f"{target.name}.reason.txt").write_text(reason, encoding="utf-8")
        shutil.move(path, target)

    def sweep(self) -> dict[str, str]:
        """Take every complete file waiting now."""
        return {path.name: self.take(path) for path in self._complete(self.waiting())}

    def run(self, stop: threading.Event) -> None:
        """Sweep, then sweep again whenever the folder changes, until ``stop`` is set."""
        self.sweep()
        for _ in watch(self.folder, stop_event=stop, recursive=False, rust_timeout=1000,
                       yield_on_timeout=True):
            self.sweep()
