"""The dossier record without any server: its status follows from what is left to review, a
copy with changes leaves the original as it was (milliseconds, no OCR, no archive)."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.completeness import status
from pipeline.flows.review import settled
from pipeline.model import Problem, Severity
from pipeline.records import Approval, DossierRecord, Status

RECORDED = Path(__file__).parent / "data" / "contracts"


def _record() -> DossierRecord:
    return DossierRecord.model_validate(json.loads((RECORDED / "digitise.json").read_text()))


def test_status_follows_from_what_is_left_to_review():
    notice = Problem("blank_page", "…", severity=Severity.NOTICE)
    review = Problem("low_field_confidence", "…", document=1, field="full_name")
    assert status(False, [], []) == Status.REJECTED
    assert status(True, [notice], []) == Status.DIGITISED
    assert status(True, [notice, review], []) == Status.NEEDS_REVIEW
    assert status(True, [], ["GIAY_TO_TUY_THAN"]) == Status.NEEDS_REVIEW
    assert status(True, [review], [], approved=True) == Status.DIGITISED


def test_a_settled_copy_changes_nothing_of_the_original():
    record = _record()
    assert record.status == Status.NEEDS_REVIEW and record.missing_components
    complete = settled(record, missing_components=[], problems=[])
    assert complete.status == Status.DIGITISED
    assert record.status == Status.NEEDS_REVIEW and record.missing_components  # untouched
    approved = settled(record, approved=Approval(by="Lê Thị Mai", at="2026-12-01T10:00:00+00:00"))
    assert approved.status == Status.DIGITISED and "approved" in approved.to_json()
    assert "approved" not in record.to_json()  # a key appears only once something sets it
