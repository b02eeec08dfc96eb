"""Checks of ``--json`` outputs against the published contracts (``pipeline.contracts``)."""

from __future__ import annotations

from typing import Any

import jsonschema

from pipeline.contracts import CONTRACTS, schema


def undeclared(data: Any, node: dict, defs: dict, where: str = "$") -> list[str]:
    """Keys of ``data`` that its schema does not name: a key dropped from a model shows here."""
    if "$ref" in node:
        return undeclared(data, defs[node["$ref"].rsplit("/", 1)[-1]], defs, where)
    for option in node.get("anyOf", []):
        if option.get("type") != "null" and data is not None:
            return undeclared(data, option, defs, where)
    if isinstance(data, list) and "items" in node:
        return [k for i, item in enumerate(data) for k in undeclared(item, node["items"], defs,
                                                                      f"{where}[{i}]")]
    if not isinstance(data, dict):
        return []
    if "properties" in node:
        found = [f"{where}.{key}" for key in data if key not in node["properties"]]
        return found + [k for key, value in data.items() if key in node["properties"]
                        for k in undeclared(value, node["properties"][key], defs,
                                            f"{where}.{key}")]
    if isinstance(node.get("additionalProperties"), dict):
        return [k for key, value in data.items()
                for k in undeclared(value, node["additionalProperties"], defs, f"{where}.{key}")]
    return []


def check_output(command: str, data: Any) -> None:
    """``data`` validates against ``command``'s schema and every key in it is declared."""
    published = schema(command)
    jsonschema.validate(data, published)
    missing = undeclared(data, published, published.get("$defs", {}))
    assert not missing, f"{command}: keys not in the contract: {missing}"


def command_of(args: list[str]) -> str | None:
    """The contract a CLI invocation's ``--json`` output answers to (``review list``…)."""
    if args[:1] == ["report"] and "--list" in args:
        return "report --list"
    words = [a for a in args if not a.startswith("-")]
    for length in (2, 1):
        name = " ".join(words[:length])
        if name in CONTRACTS:
            return name
    return None
