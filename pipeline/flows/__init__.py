"""Prefect flows: thin orchestration over the plain stage functions of ``pipeline``.

Read pages are Prefect results in the home's page cache (``pipeline.flows.pagecache``): a
rescan attached in review re-reads only the new pages.
"""
