"""Legal hold: every object of a dossier kept from deletion whatever its retention, or released;
recorded in the dossier's history."""

from __future__ import annotations

from typing import Any

from pipeline.identifiers import DossierCode
from pipeline.records import EventKind
from storage import keys
from storage.archive import Archive


def legal_hold(archive: Archive, code: DossierCode, on: bool, by: str) -> dict[str, Any]:
    """Put on (or lift) the hold of every latest object version; ``sohoa hold --json``."""
    objects = archive.store.keys(keys.dossier_prefix(code))
    for key in objects:
        archive.store.set_legal_hold(key, on)
    archive.catalogue.add_event(str(code), EventKind.HOLD if on else EventKind.RELEASE, by,
                             {"objects": objects})
    return {"dossier": str(code), "legal_hold": on, "objects": objects}
