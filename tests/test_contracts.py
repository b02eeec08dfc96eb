"""The ``--json`` contracts: what the previous version printed (recorded in
``tests/data/contracts/``, one file per documented output) still validates against the published
schemas, names no key they lack, and a record read from it prints back unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from contracts import check_output, undeclared
from pipeline.contracts import CONTRACTS, schema, write_schemas
from pipeline.records import Record

RECORDED = Path(__file__).parent / "data" / "contracts"
COMMANDS = {"digitise": "digitise", "digitise-offer": "digitise",
            "review-correct": "review correct", "review-attach": "review attach",
            "review-reuse": "review reuse", "review-approve": "review approve",
            "review-list": "review list", "review-history": "review history",
            "result": "result", "ocr": "ocr", "extract": "extract", "verify": "verify",
            "search": "search", "audit": "audit", "reconcile": "reconcile", "hold": "hold",
            "link": "link", "procedures": "procedures", "stop": "stop",
            "client-add": "client add", "client-list": "client list",
            "manifest": "manifest.json"}


def test_every_recorded_output_has_its_contract():
    assert sorted(p.stem for p in RECORDED.glob("*.json")) == sorted(COMMANDS)
    assert set(COMMANDS.values()) <= set(CONTRACTS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_recorded_output_still_holds(name):
    data = json.loads((RECORDED / f"{name}.json").read_text())
    check_output(COMMANDS[name], data)
    adapter = TypeAdapter(CONTRACTS[COMMANDS[name]])
    assert adapter.dump_python(adapter.validate_python(data), mode="json",
                               exclude_unset=True) == data  # read and printed back unchanged


def test_a_dropped_key_is_caught():
    data = json.loads((RECORDED / "digitise.json").read_text())
    data["documents"][0]["fields"]["full_name"]["renamed"] = 1
    data["surprise"] = True
    published = schema("digitise")
    assert undeclared(data, published, published["$defs"]) == [
        "$.surprise", "$.documents[0].fields.full_name.renamed"]


def test_published_schemas_are_those_of_the_models(tmp_path):
    published = Path(__file__).parent.parent / "docs" / "schemas"
    for fresh in write_schemas(tmp_path):
        assert (published / fresh.name).read_text() == fresh.read_text(), \
            f"docs/schemas/{fresh.name} is stale: python -m pipeline.contracts docs/schemas"


def test_records_keep_keys_written_by_a_later_version():
    data = json.loads((RECORDED / "digitise.json").read_text()) | {"new_key": [1]}
    record = CONTRACTS["digitise"].model_validate(data)
    assert isinstance(record, Record) and record.to_json()["new_key"] == [1]
