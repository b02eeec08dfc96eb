"""Load and validate procedure files (YAML, one per procedure) and classify documents.

Bundled files live in ``data/``; files in ``SOHOA_PROCEDURES_DIR`` add to or override them by
procedure code, so rules that change with the law stay out of the code.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator
from rapidfuzz import fuzz

from pipeline.errors import InvalidProcedureFile, SohoaError, UnknownProcedure
from pipeline.fields.extract import FIELD_NAMES
from pipeline.fields.validators import VALIDATORS
from pipeline.identifiers import parse_procedure_code
from pipeline.text import fold

BUNDLED = Path(__file__).parent / "data"
TITLE_MATCH = 90  # rapidfuzz partial_ratio on folded text, 0..100
TITLE_CLOSE = 5  # titles matched this close to the best one compete by where they start
TITLE_LINES = 12  # titles are looked for in the first lines of a document


class Component(BaseModel):
    code: str = Field(pattern=r"^[A-Z0-9_]{2,40}$")
    name: str
    required: bool
    original: bool = False
    """True when the original is handed in; False for a copy."""
    min_pages: int = Field(default=1, ge=1)
    titles: list[str] = Field(min_length=1)
    """Phrases printed on the component's first page, as staff would read them."""
    keywords: list[str] = []
    """Words found in its body: they classify a page whose title was not read."""
    fields: dict[str, str] = {}
    """Fields to extract, each with the name of its validator (see ``pipeline.fields``)."""
    owner: bool = False
    """Its fields describe the dossier's owner: they must agree with the owner's other papers."""
    paper: str | None = Field(default=None, pattern=r"^[a-z0-9_]{2,40}$")
    """The kind of paper (``can_cuoc``…), the same in every procedure that asks for it."""
    valid_months: int | None = Field(default=None, ge=1)
    """How long a digitised copy can be reused for the same owner; unset: never reused."""

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: dict[str, str]) -> dict[str, str]:
        for names, known in ((value, FIELD_NAMES), (value.values(), VALIDATORS)):
            unknown = sorted(set(names) - set(known))
            if unknown:
                raise ValueError(f"unknown {unknown}; known: {sorted(known)}")
        return value

    @cached_property
    def folded_titles(self) -> list[str]:
        return [fold(t) for t in self.titles]

    @cached_property
    def folded_keywords(self) -> list[str]:
        return [fold(k) for k in self.keywords]

    def title_match(self, head: str) -> tuple[float, int]:
        """How well the folded first lines of a page show this component's title, 0..100,
        and where it starts in them."""
        best = max((fuzz.partial_ratio_alignment(t, head) for t in self.folded_titles),
                   key=lambda a: a.score)
        return best.score, best.dest_start


class Procedure(BaseModel):
    code: str
    name: str
    level: str
    source: str
    components: list[Component] = Field(min_length=1)
    result_code: str = Field(default="KQ", pattern=r"^[A-Z0-9_]{1,40}$")
    """The code of the result paper the procedure issues, in results' digitisation codes."""

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return parse_procedure_code(value)

    def papers(self, paper: str) -> list[str]:
        return [c.code for c in self.components if c.paper == paper]

    def component(self, code: str) -> Component | None:
        return next((c for c in self.components if c.code == code), None)


def best_title(components: list[Component], text: str) -> Component | None:
    """The component whose title the first lines of ``text`` show first among the best
    matches, if any does; where two start together, the better (the first listed wins a
    tie). A title heads its page: a form's label may print another component's title further
    down ("Căn cước công dân số:" under "VĂN BẢN ỦY QUYỀN")."""
    head = fold("\n".join(text.splitlines()[:TITLE_LINES]))
    matches = [(score, start, index) for index, component in enumerate(components)
               for score, start in [component.title_match(head)] if score >= TITLE_MATCH]
    best = max((score for score, _, _ in matches), default=0.0)
    close = [(start, -score, index) for score, start, index in matches
             if score >= best - TITLE_CLOSE]  # no near miss first
    return components[min(close)[2]] if close else None


SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's: read by every command


def _load_file(path: Path) -> Procedure:
    try:
        return Procedure.model_validate(yaml.load(path.read_text(encoding="utf-8"),
                                                  Loader=SAFE_LOADER))
    except (ValidationError, yaml.YAMLError, SohoaError) as exc:
        raise InvalidProcedureFile(str(path), name=path.name, problem=exc) from None


def load_procedures(extra_dir: Path | None = None) -> dict[str, Procedure]:
    folders = [BUNDLED] + ([extra_dir] if extra_dir else [])
    procedures: dict[str, Procedure] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")):
            procedure = _load_file(path)
            procedures[procedure.code] = procedure
    return procedures


def find_procedure(code: str, extra_dir: Path | None = None) -> Procedure:
    parse_procedure_code(code)
    procedures = load_procedures(extra_dir)
    if code not in procedures:
        raise UnknownProcedure(code, procedure=code)
    return procedures[code]
