"""Where a process's log goes: ``SOHOA_HOME/log/sohoa.log``, and the console only with ``--debug``.

Staff see one message per failure (``pipeline.errors``); stack traces, Prefect's flow-failure
reports and library warnings are for whoever maintains the site, so they go to the file the
message names. Many processes append to the same file, one whole line at a time.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

PREFECT_LOGGING = Path(__file__).with_name("prefect-logging.yml")
FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
SILENCED = ("pyhanko", "pyhanko_certvalidator", "fontTools")
"""Libraries that log expected conditions (a signature's validation path, a font table
dropped) as warnings and errors: left out of the log."""


def log_file(home: Path) -> Path:
    return home / "log" / "sohoa.log"


def send_logs(home: Path, debug: bool = False) -> Path:
    """Point this process's logging (its own, Prefect's, the libraries') at the home's log file."""
    path = log_file(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_LOGGING_SETTINGS_PATH", str(PREFECT_LOGGING))
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "sohoa", False):
            root.removeHandler(handler)
    handlers: list[logging.Handler] = [logging.FileHandler(path, encoding="utf-8", delay=True)]
    if debug:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.sohoa = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    for name in SILENCED:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    logging.captureWarnings(True)
    logging.raiseExceptions = False  # a log that cannot be written (full disk) is no traceback
    return path
