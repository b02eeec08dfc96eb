"""Completeness: does the dossier hold every required component of its procedure?

It decides the dossier's status only; documents are signed and archived whatever it says.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.model import Problem
from pipeline.procedures.catalogue import Component, Procedure

DIGITISED, NEEDS_REVIEW, REJECTED = "digitised", "needs_review", "rejected"


@dataclass(frozen=True)
class Verdict:
    status: str
    missing_components: list[str]
    problems: list[Problem]


def missing_problem(component: Component) -> Problem:
    return Problem("missing_component", f"Thiếu thành phần hồ sơ bắt buộc: {component.name}.")


def judge(procedure: Procedure, present: list[str | None], problems: list[Problem]) -> Verdict:
    """Status from the components found (``None`` for an unclassified document) and problems."""
    missing = [c for c in procedure.components if c.required and c.code not in present]
    found = list(problems) + [missing_problem(c) for c in missing]
    if not present:
        status = REJECTED
    elif any(p.severity == "review" for p in found):
        status = NEEDS_REVIEW
    else:
        status = DIGITISED
    return Verdict(status, [c.code for c in missing], found)
