"""Completeness: does the dossier hold every required component of its procedure?

It decides the dossier's status only; documents are signed and archived whatever it says.
The status follows from what is found and what is left to review, here only: the flow judges
it first, review settles it again after each correction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.model import Problem, Severity
from pipeline.procedures.definitions import Component, Procedure
from pipeline.records import Status


@dataclass(frozen=True)
class Verdict:
    status: Status
    missing_components: list[str]
    problems: list[Problem]


def missing_problem(component: Component) -> Problem:
    return Problem("missing_component", f"Thiếu thành phần hồ sơ bắt buộc: {component.name}.")


def status(any_document: bool, problems: Iterable[Problem], missing: list[str],
           approved: bool = False) -> Status:
    """``rejected`` with nothing read; ``digitised`` once nothing is missing and no problem needs
    a person (or a person approved what is left); else ``needs_review``."""
    if not any_document:
        return Status.REJECTED
    if approved:
        return Status.DIGITISED
    if missing or any(p.severity == Severity.REVIEW for p in problems):
        return Status.NEEDS_REVIEW
    return Status.DIGITISED


def judge(procedure: Procedure, present: list[str | None], problems: list[Problem]) -> Verdict:
    """Status from the components found (``None`` for an unclassified document) and problems."""
    missing = [c for c in procedure.components if c.required and c.code not in present]
    found = list(problems) + [missing_problem(c) for c in missing]
    codes = [c.code for c in missing]
    return Verdict(status(bool(present), found, codes), codes, found)
