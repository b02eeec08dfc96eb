"""Errors that name the problem, in Vietnamese for staff and English for logs."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path


class SohoaError(Exception):
    """A refusal with a stable machine code and a message staff can act on."""

    def __init__(self, code: str, message_vi: str, message_en: str, *, subject: str | None = None):
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en
        self.subject = subject
        prefix = f"{subject}: " if subject else ""
        super().__init__(f"{prefix}{message_en} [{code}]")

    def message(self, lang: str = "vi") -> str:
        prefix = f"{self.subject}: " if self.subject else ""
        return prefix + (self.message_vi if lang == "vi" else self.message_en)


class InvalidIdentifier(SohoaError):
    """A dossier, agency, procedure or personal code that does not have the legal form."""


class InputFileError(SohoaError):
    """A received file that cannot be read as a scan (corrupt, encrypted, empty, wrong type, too large)."""


class StorageError(SohoaError):
    """Object storage could not be reached or refused an operation."""


class InternalError(SohoaError):
    """A fault of sohoa's own or of a library: the user gets this message, the log the trace."""


LOW_SPACE_BYTES = 32 * 1024 * 1024


def _disk_full(exc: Exception, home: Path | None) -> bool:
    """ENOSPC anywhere in the chain, or a failure (SQLite says "disk I/O error" on a full
    tmpfs) while the data directory's disk has almost no space left."""
    chain = [exc, exc.__cause__, exc.__context__]
    if any(isinstance(e, OSError) and e.errno == errno.ENOSPC for e in chain) \
            or "disk is full" in str(exc):
        return True
    try:
        return home is not None and shutil.disk_usage(home).free < LOW_SPACE_BYTES
    except OSError:
        return False


def known(exc: Exception, home: Path | None = None) -> SohoaError:
    """What a failure means to the person who ran the command: a ``SohoaError`` as it is, a full
    disk named as such (it can be fixed and the work resumed), anything else an internal error."""
    if _disk_full(exc, home):
        known_as = SohoaError("disk_full",
                              "Đĩa dữ liệu đã đầy; giải phóng chỗ trống rồi chạy lại lệnh "
                              "(những gì đã lưu không bị mất).",
                              "the data disk is full; free some space and run the command "
                              "again (nothing stored is lost)")
    elif isinstance(exc, SohoaError):
        return exc
    else:
        known_as = InternalError("internal_error",
                                 f"sohoa gặp sự cố ngoài dự kiến ({type(exc).__name__}: {exc}).",
                                 f"unexpected failure ({type(exc).__name__}: {exc})")
    known_as.__cause__ = exc  # the log shows the original trace
    return known_as
