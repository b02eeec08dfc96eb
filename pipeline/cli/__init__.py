"""The ``sohoa`` command. ``--json`` outputs are a stable contract: keys are added, never removed.

One module per group of commands; each registers its commands on :data:`app` when imported,
in this order, which is the order ``sohoa --help`` lists them in.
"""

from pipeline.cli import dossiers, reading, archive, reports, serve, users, scanners, review  # noqa: F401, I001
from pipeline.cli.base import app, main

__all__ = ["app", "main"]
