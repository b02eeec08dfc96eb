"""The archive (archivists; reviewers too): search with the CLI's semantics (diacritics
optional, filters), matches highlighted, pages of results; each signed PDF opened in the
browser, its signature report as ``sohoa verify`` words it, a short-lived download link; the
images the dossier page shows."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import timedelta
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import Response
from markupsafe import Markup, escape

from pipeline.errors import UnknownDocument
from pipeline.identifiers import parse_day
from pipeline.signing.verify import load_trust_roots, verify_pdf
from pipeline.signing.verify_text import describe
from pipeline.text import fold
from pipeline.web import images
from pipeline.web.base import check_csrf, current_user, dossier_for, page, require, web
from storage.search import search_terms
from storage.tables import DocumentRow, DossierRow

PER_PAGE = 20
SNIPPET_WORDS = 12  # either side of the first match
LINK_MINUTES = 15
SORTS = {"newest": "Mới nhất", "oldest": "Cũ nhất", "code": "Mã hồ sơ"}
IMMUTABLE = {"Cache-Control": "private, max-age=86400"}  # named by content


def snippet(text: str, terms: list[str]) -> Markup:
    """The passage where the most of the query's words meet, each matching word marked
    (diacritics optional; whole words, as the search index matches them)."""
    words = text.split()
    folded = [re.sub(r"[^a-z0-9]", "", fold(w)) for w in words]
    hits = [i for i, w in enumerate(folded) if w in terms]
    if not hits:
        return Markup(escape(" ".join(words[:2 * SNIPPET_WORDS])))
    centre = max(hits, key=lambda i: len({folded[j] for j in hits
                                          if i <= j < i + SNIPPET_WORDS}))
    start = max(0, centre - SNIPPET_WORDS // 2)
    end = min(len(words), start + 2 * SNIPPET_WORDS)
    shown = [Markup("<mark>{}</mark>").format(words[i]) if i in hits else escape(words[i])
             for i in range(start, end)]
    return Markup(("… " if start else "") + " ".join(shown) + (" …" if end < len(words) else ""))


_VERDICTS: dict[str, tuple[float, dict]] = {}  # sha256 of the bytes read → (when, report)
VERDICT_SECONDS = 600


def _verified(data: bytes, roots) -> dict:
    """The signature report of these exact bytes, kept ten minutes: a page opened again is not
    checked again (the bytes are read and hashed each time, so a changed object is)."""
    digest, now = hashlib.sha256(data).hexdigest(), time.monotonic()
    kept = _VERDICTS.get(digest)
    if kept is None or now - kept[0] > VERDICT_SECONDS:
        kept = (now, verify_pdf(data, roots).to_json())
        _VERDICTS[digest] = kept
        for old in [k for k, (at, _) in _VERDICTS.items() if now - at > VERDICT_SECONDS]:
            _VERDICTS.pop(old, None)
    return kept[1]


def _document(request: Request, code: str, kind: str, order: int
              ) -> tuple[DossierRow, DocumentRow]:
    user = current_user(request)
    if not (user.may("archive") or user.may("desk")):
        user = require(request, "archive")
    row = dossier_for(request, user, code)
    doc = row.document(order, kind)
    if doc is None:
        raise UnknownDocument(dossier=code, order=order)
    return row, doc


def routes(pages: FastAPI) -> None:
    @pages.get("/search")
    def search(request: Request, q: str = "", dossier: str = "", id: str = "",
               procedure: str = "", agency: str = "", sort: str = "newest", page_no: int = 1
               ) -> Response:
        user = require(request, "archive")
        params = request.query_params
        received_from = parse_day(params.get("from"), "from")
        received_to = parse_day(params.get("to"), "to")
        units = [agency] if agency and user.sees(agency) else user.agencies
        terms = search_terms(q, id or None)
        sort = sort if sort in SORTS else "newest"
        page_no = max(1, page_no)
        hits = web(request).archive.catalogue.search(
            terms, dossier=dossier or None, procedure=procedure or None, agencies=units,
            received_from=received_from, received_to=received_to, order=sort,
            limit=PER_PAGE + 1, offset=(page_no - 1) * PER_PAGE)
        shown = [{"doc": d, "row": r, "snippet": snippet(d.text, terms)}
                 for d, r in hits[:PER_PAGE]]
        kept = {k: v for k, v in params.items() if k != "page_no"}
        return page(request, "search.html", hits=shown, q=q, filters=params, sorts=SORTS,
                    sort=sort, page_no=page_no, more=len(hits) > PER_PAGE,
                    query=lambda **changes: urlencode({**kept, **changes}))

    @pages.get("/dossiers/{code}/{kind}/{order}.pdf")
    def pdf(request: Request, code: str, kind: str, order: int) -> Response:
        row, doc = _document(request, code, "result" if kind == "results" else "component", order)
        data = web(request).archive.store.get(doc.object_key)
        name = doc.object_key.rsplit("/", 1)[-1]
        return Response(data, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})

    @pages.get("/dossiers/{code}/{kind}/{order}/signature")
    def signature(request: Request, code: str, kind: str, order: int) -> Response:
        row, doc = _document(request, code, "result" if kind == "results" else "component", order)
        state = web(request)
        report = _verified(state.archive.store.get(doc.object_key),
                           load_trust_roots(state.settings.trust_roots))
        return page(request, "signature.html", row=row, doc=doc, report=report,
                    text=describe(report, "vi"), kind=kind)

    @pages.post("/dossiers/{code}/{kind}/{order}/link")
    def link(request: Request, code: str, kind: str, order: int, csrf: str = Form("")
             ) -> Response:
        check_csrf(request, csrf)
        row, doc = _document(request, code, "result" if kind == "results" else "component", order)
        state = web(request)
        url = state.archive.store.presigned_url(doc.object_key, timedelta(minutes=LINK_MINUTES))
        state.accounts.record(request.state.user.name, "link",
                              {"dossier": code, "object": doc.object_key})
        return page(request, "link.html", row=row, doc=doc, url=url, minutes=LINK_MINUTES)

    @pages.get("/dossiers/{code}/documents/{order}/pages/{index}.jpg")
    def archived_page(request: Request, code: str, order: int, index: int) -> Response:
        row, doc = _document(request, code, "component", order)
        data = images.archived_page(web(request).archive.store.get(doc.object_key), index)
        return Response(data, media_type="image/jpeg", headers=IMMUTABLE)

    @pages.get("/dossiers/{code}/originals/{sha256}/{number}.jpg")
    def original_page(request: Request, code: str, sha256: str, number: int) -> Response:
        user = current_user(request)
        row = dossier_for(request, user, code)
        original = next((o for o in row.originals if o.sha256 == sha256), None)
        if original is None:
            raise UnknownDocument(dossier=code, order=number)
        data = web(request).archive.store.get(original.object_key)
        return Response(images.thumbnail(data, original.filename, number),
                        media_type="image/jpeg", headers=IMMUTABLE)
