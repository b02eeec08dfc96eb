"""Every benchmark script still matches today's code: each name it imports from sohoa's own
packages exists (``bench/extraction.py`` imported one that issue 14 had removed, and ``make
bench`` broke where no test ran it). Read from the source, so the bench extra (OCRmyPDF…)
need not be installed."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
from pathlib import Path

import pytest

BENCH = Path(__file__).parent.parent / "bench"
OURS = ("pipeline", "storage", "scanner_drivers", "bench")


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCH.glob("*.py") if p.stem != "__init__"))
def test_each_benchmark_imports_what_exists(name):
    tree = ast.parse((BENCH / f"{name}.py").read_text())
    assert ast.get_docstring(tree), f"bench/{name}.py says what it measures"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] in OURS:
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name) or importlib.util.find_spec(
                    f"{node.module}.{alias.name}"), f"bench/{name}.py: {node.module}.{alias.name}"


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCH.glob("*.py") if p.stem != "__init__"))
def test_each_call_to_another_benchmark_s_function_fits_its_signature(name):
    """``bench/scale.py`` calls ``bench.ingest._load``: a parameter added there must be passed
    here (one was not, and ``make bench`` would have broken where no test runs it)."""
    tree = ast.parse((BENCH / f"{name}.py").read_text())
    shared = {alias.asname or alias.name: getattr(importlib.import_module(node.module), alias.name)
              for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
              and (node.module or "").startswith("bench.") for alias in node.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and inspect.isfunction(shared.get(node.func.id)) \
                and not any(isinstance(a, ast.Starred) for a in node.args) \
                and all(k.arg for k in node.keywords):
            try:
                inspect.signature(shared[node.func.id]).bind(
                    *node.args, **{k.arg: k.value for k in node.keywords})
            except TypeError as exc:
                raise AssertionError(f"bench/{name}.py line {node.lineno}: {exc}") from None
