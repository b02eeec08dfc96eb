"""Search the catalogue as ``sohoa search`` (and the archive's pages) do: the query folded and
split into words (diacritics optional, an ID number one more word), filters, and each hit as
its contract has it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pipeline.text import fold
from storage.catalogue import Catalogue
from storage.keys import object_url


def search_terms(query: str, id_number: str | None = None) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(f"{query} {id_number or ''}"))


def find_documents(catalogue: Catalogue, bucket: str, query: str = "", *,
                   id_number: str | None = None, dossier: str | None = None,
                   procedure: str | None = None, agency: str | None = None,
                   received_from: date | None = None, received_to: date | None = None,
                   limit: int = 50) -> list[dict[str, Any]]:
    """Documents holding every word, newest receipt first."""
    return [{"dossier": row.code, "document": doc.order, "kind": doc.kind,
             "component": doc.component, "digitisation_code": doc.digitisation_code,
             "procedure": row.procedure, "received_on": row.received_on.isoformat(),
             "status": row.status, "object": object_url(bucket, doc.object_key),
             "fields": doc.fields}
            for doc, row in catalogue.search(
                search_terms(query, id_number), dossier=dossier, procedure=procedure,
                agency=agency, received_from=received_from, received_to=received_to,
                limit=limit)]
