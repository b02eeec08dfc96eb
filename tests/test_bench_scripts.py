"""Every benchmark script still matches today's code: each name it imports from sohoa's own
packages exists (``bench/extraction.py`` imported one that issue 14 had removed, and ``make
bench`` broke where no test ran it). Read from the source, so the bench extra (OCRmyPDF…)
need not be installed."""

from __future__ import annotations

import ast
import importlib
import importlib.util
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
