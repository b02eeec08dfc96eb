"""Submitting a scanned dossier: to the ingest API when ``SOHOA_API_URL`` is set (the files of
each part with its component; the Idempotency-Key is the content's digest, so a batch sent
again adds nothing), else to the digitise flow in this process."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx

from pipeline.settings import Settings
from scanner_drivers.batches import DossierBatch, part_files, split_by_sheets
from scanner_drivers.errors import ApiRefused, ApiUnreachable, BatchWithoutPages, ProcedureNeeded


def _content_key(files: list[Path], dossier: str, component: str | None) -> str:
    digest = hashlib.sha256(f"{dossier}|{component or ''}".encode())
    for path in files:
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"scan-{digest.hexdigest()[:40]}"


def submit(batch: DossierBatch, settings: Settings, workdir: Path,
           procedure: str | None = None, counter: int | None = None) -> dict:
    """Send one dossier's parts; return what was submitted (and the dossier record's status, locally)."""
    parts = [(part.component, part_files(part, workdir)) for part in batch.parts]
    summary = {"dossier": batch.dossier,
               "parts": [{"component": c, "files": [f.name for f in files]} for c, files in parts]}
    if settings.api_url:
        return {**summary, "submitted_to": settings.api_url,
                "received": _to_api(batch.dossier, parts, settings, counter)}
    if procedure is None:
        raise ProcedureNeeded()
    from pipeline.flows.digitise import digitise_dossier
    from pipeline.flows.engine import prefect_api

    files = [f for _, fs in parts for f in fs]
    with prefect_api(settings):
        record = digitise_dossier(files=[str(f) for f in files], dossier=batch.dossier,
                                  procedure=procedure,
                                  components=[c for c, fs in parts for _ in fs],
                                  settings=settings)
    return {**summary, "submitted_to": "local", "status": record.status}


def _to_api(dossier: str, parts: list[tuple[str | None, list[Path]]], settings: Settings,
            counter: int | None = None) -> list[dict]:
    token = settings.api_token.get_secret_value() if settings.api_token else ""
    received = []
    with httpx.Client(base_url=settings.api_url, timeout=120,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        for component, files in parts:
            handles = [path.open("rb") for path in files]
            try:
                response = client.post(
                    f"/v1/dossiers/{dossier}/files",
                    headers={"Idempotency-Key": _content_key(files, dossier, component)},
                    data={k: v for k, v in (("component", component), ("counter", counter))
                          if v is not None} or None,
                    files=[("files", (path.name, handle)) for path, handle in zip(files, handles)])
            except httpx.HTTPError as exc:
                raise ApiUnreachable(url=settings.api_url, problem=exc) from None
            finally:
                for handle in handles:
                    handle.close()
            if response.status_code != 202:
                body = response.json() if response.headers.get("content-type", "").endswith(
                    "json") else {}
                raise ApiRefused(code=body.get("code", f"http_{response.status_code}"),
                                 message_vi=body.get("message_vi",
                                                     f"API trả lời {response.status_code}."),
                                 message_en=body.get("message_en",
                                                     f"API answered {response.status_code}"))
            received += response.json()["received"]
    return received


def submit_batch(files: list[Path], settings: Settings, workdir: Path,
                 procedure: str | None = None, counter: int | None = None) -> list[dict]:
    """A scanned batch split at its separator sheets, each dossier submitted (with the counter
    that scanned it: the desk shows each counter its own)."""
    batches = split_by_sheets(files, settings)
    if not batches:
        raise BatchWithoutPages()
    return [submit(batch, settings, workdir, procedure, counter) for batch in batches]
