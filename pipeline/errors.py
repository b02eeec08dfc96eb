"""Errors that name the problem, in Vietnamese for staff and English for logs."""

from __future__ import annotations


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
