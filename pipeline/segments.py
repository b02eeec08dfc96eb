"""Pages → documents: where each document of a scanned batch starts, and which component it is.

A separator sheet always starts a document. When it names a component, every page up to the
next sheet is that component. Elsewhere (after a sheet naming only the dossier, or in a file
without sheets) a page whose first lines (from its top down) show a component's title starts
a document, any other page continues the document before it, and a file's first page always
starts one. A document whose first page shows no title is classified by the keywords of its
text. Blank pages are left out with a notice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.model import Problem, ProcessedPage, Separator
from pipeline.procedures.definitions import Component, best_title
from pipeline.text import fold

MIN_KEYWORDS = 2  # keyword hits needed to classify a document by its content


@dataclass
class Segment:
    """One document's pages, its component (if known) and how that was decided."""

    pages: list[ProcessedPage] = field(default_factory=list)
    component: Component | None = None
    by: str = "none"  # "separator" | "named" | "title" | "keywords" | "none"
    separator: Separator | None = None
    named: str | None = None  # the component its file was sent as (the ingest API's field)


def _by_keywords(segment: Segment, components: list[Component]) -> Component | None:
    text = fold(" ".join(p.ocr.text for p in segment.pages))
    hits = [(sum(k in text for k in c.folded_keywords), -i, c) for i, c in enumerate(components)]
    best = max(hits, key=lambda h: h[:2], default=None)
    return best[2] if best and best[0] >= MIN_KEYWORDS else None


def _top_down(page: ProcessedPage) -> str:
    """A page's lines from its top down: where a title is looked for. The engine's reading
    order may put a table's label column before the title above it."""
    lines: dict[int, list] = {}
    for word in page.ocr.words:
        lines.setdefault(word.line, []).append(word)
    rows = sorted(lines.values(), key=lambda words: min(w.box[1] for w in words))
    return "\n".join(" ".join(w.text for w in words) for words in rows)


def _classify(segment: Segment, components: list[Component]) -> None:
    named = segment.separator.component if segment.separator else segment.named
    if named:
        segment.component = next((c for c in components if c.code == named), None)
        segment.by = "separator" if segment.separator else "named"
    if segment.component is None and (found := best_title(components, _top_down(segment.pages[0]))):
        segment.component, segment.by = found, "title"
    if segment.component is None and (found := _by_keywords(segment, components)):
        segment.component, segment.by = found, "keywords"


def _split_file(pages: list[ProcessedPage], components: list[Component], component: str | None
                ) -> tuple[list[Segment], list[Problem]]:
    segments: list[Segment] = [Segment(named=component)] if component else []
    notices: list[Problem] = []
    named: str | None = component  # the component the last sheet (or the sender) named
    for page in pages:
        if page.separator:
            segments.append(Segment(separator=page.separator))
            named = page.separator.component
            continue
        if page.ocr.quality.blank:
            notices.append(Problem("blank_page", page.ocr.quality.message("blank_page"),
                                   page.ref.file, page.ref.number, severity="notice"))
            continue
        starts = not segments or (not named and best_title(components, _top_down(page)) is not None)
        if starts:
            segments.append(Segment())
        segments[-1].pages.append(page)
    return [s for s in segments if s.pages], notices


def split(files: list[list[ProcessedPage]], components: list[Component],
          named: list[str | None] | None = None) -> tuple[list[Segment], list[Problem]]:
    """Every file's pages (in order) → documents, classified; and notices for what was left out.

    ``named`` gives, file by file, the component a sender said it is: its pages are that
    component up to any separator sheet in it."""
    segments: list[Segment] = []
    problems: list[Problem] = []
    for index, pages in enumerate(files):
        found, notices = _split_file(pages, components, named[index] if named else None)
        problems += notices
        if pages and not found and not any(p.separator for p in pages):
            problems.append(Problem("blank_file", "Tệp chỉ có trang trắng: kiểm tra đã quét đúng "
                                    "mặt giấy chưa.", pages[0].ref.file))
        segments += found
    for segment in segments:
        _classify(segment, components)
    return segments, problems
