"""Copies on offer: for a component a dossier lacks, the owner's still-valid digitised copy of the
same paper (a valid paper already digitised is not asked for again: DOMAIN.md). The digitise
flow makes the offers; review's ``reuse`` takes one."""

from __future__ import annotations

from datetime import datetime

from pipeline.procedures.definitions import Procedure, load_procedures
from pipeline.records import Offer
from pipeline.settings import Settings
from storage.archive import Archive


def _add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def reusable(archive: Archive, settings: Settings, procedure: Procedure, owner_id: str | None,
             missing: list[str], dossier: str, now: datetime) -> list[Offer]:
    """For each missing component, the owner's newest still-valid digitised copy of the same
    paper (from any procedure), offered instead of asking for the paper again."""
    if owner_id is None:
        return []
    procedures = load_procedures(settings.procedures_dir)
    offers = []
    for code in missing:
        component = procedure.component(code)
        if component is None or component.paper is None or component.valid_months is None:
            continue
        same_paper = sorted({c for p in procedures.values() for c in p.papers(component.paper)})
        since = _add_months(now, -component.valid_months)
        for document, row in archive.catalogue.reusable(owner_id, same_paper, since, dossier)[:1]:
            offers.append(Offer(
                component=code, paper=component.paper,
                digitisation_code=document.digitisation_code, dossier=row.code,
                object=archive.store.url(document.object_key),
                digitised_at=row.updated_at.isoformat(),
                valid_until=_add_months(row.updated_at, component.valid_months).isoformat()))
    return offers
