"""Prefect flows: thin orchestration over the plain stage functions of ``pipeline``.

Read pages are Prefect results cached on disk (the page cache: a rescan attached in review
re-reads only the new pages). Unless ``PREFECT_LOCAL_STORAGE_PATH`` is set, they live in
``SOHOA_HOME/cache/pages``; this is set here, before Prefect is imported.
"""

import os

from pipeline.settings import load_settings

os.environ.setdefault("PREFECT_LOCAL_STORAGE_PATH", str(load_settings().home_dir / "cache" / "pages"))
