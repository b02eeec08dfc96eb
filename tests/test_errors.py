"""The conditions' table (``pipeline.errors`` and its layers' own): one class per condition,
codes unique, both messages there, and the README's table the same as the code's."""

from __future__ import annotations

import string
from pathlib import Path

import pipeline.api.problems  # noqa: F401  (each layer's conditions join the table on import)
import pipeline.web.accounts  # noqa: F401
import pipeline.web.base  # noqa: F401
import scanner_drivers.errors  # noqa: F401
import storage.errors  # noqa: F401
from pipeline.errors import (EXIT_INVALID, EXIT_REFUSED_INPUT, InputFileError, Refusal,
                             SohoaError, UnknownDossier, conditions, known)

README = Path(__file__).parent.parent / "README.md"


def table() -> list[str]:
    return [f"| `{c.code}` | {c.exit_status} | {c.http_status} | {c.en} |" for c in conditions()]


def test_each_condition_has_one_code_and_both_messages():
    codes = [c.code for c in conditions()]
    assert len(codes) == len(set(codes)) > 60
    for condition in conditions():
        assert condition.vi and condition.en, condition
        names = {n for _, n, _, _ in string.Formatter().parse(condition.vi + condition.en) if n}
        assert names <= {n for _, n, _, _ in string.Formatter().parse(condition.en) if n} | \
            {n for _, n, _, _ in string.Formatter().parse(condition.vi) if n}


def test_exit_statuses_follow_the_kind_of_condition():
    assert {c.exit_status for c in conditions(Refusal)} == {EXIT_INVALID}
    assert {c.exit_status for c in conditions(InputFileError)} == {EXIT_REFUSED_INPUT}
    assert UnknownDossier(dossier="X").http_status == 404


def test_the_readme_lists_every_condition():
    text = README.read_text()
    missing = [row for row in table() if row not in text]
    assert not missing, "README's table of conditions is stale; rows:\n" + "\n".join(table())


def test_a_message_names_its_subject_and_a_failure_is_known():
    refused = UnknownDossier("000.00.06.H56-231027-0361", dossier="000.00.06.H56-231027-0361")
    assert refused.message("en") == ("000.00.06.H56-231027-0361: no dossier "
                                     "000.00.06.H56-231027-0361 in the archive")
    assert str(refused).endswith("[unknown_dossier]")
    failure = known(KeyError("x"))
    assert isinstance(failure, SohoaError) and failure.code == "internal_error"
    assert failure.__cause__.args == ("x",)
