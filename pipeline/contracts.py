"""The ``--json`` outputs that outside tools script against, as models: their JSON Schemas are
published under ``docs/schemas/`` (``python -m pipeline.contracts docs/schemas``), every
recorded output of an earlier version must validate against them, and so must every output the
tests see. Keys may be added, never renamed or dropped.

The dossier record and what it holds are in :mod:`pipeline.records`; these are the other
commands' reports.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, TypeAdapter

from pipeline.model import Problem
from pipeline.records import (DossierRecord, FieldEntry, IssuedResult, Manifest, Record,
                              Status)


class PageQualityReport(Record):
    dpi: int
    paper: float
    contrast: float
    ink: float
    edge_mm: float
    issues: list[str]


class OcrPageReport(Record):
    file: str
    page: int
    dpi: int
    text: str
    confidence: float
    rotation: int
    skew: float
    quality: PageQualityReport | None
    problems: list[str]
    separator: dict[str, str | None] | None = None


class OcrReport(Record):
    pages: list[OcrPageReport]


class ExtractedDocument(Record):
    file: str
    pages: list[int]
    component: str | None
    component_name: str | None
    procedures: list[str]
    classified_by: str
    fields: dict[str, FieldEntry]
    problems: list[Problem]


class ExtractReport(Record):
    documents: list[ExtractedDocument]
    problems: list[Problem]


class SignatureReport(Record):
    field: str
    signer: str | None
    signed_at: str | None
    intact: bool
    covers_whole_document: bool
    changes_after: str | None
    trusted: bool
    kind: str
    timestamp: str | None
    revoked: bool | None
    valid: bool


class VerifyReport(Record):
    valid: bool
    signatures: list[SignatureReport]


class ReviewItem(Record):
    dossier: str
    procedure: str
    updated_at: str
    missing_components: list[str]
    problems: list[Problem]


class HistoryEvent(Record):
    kind: str  # an EventKind
    by: str
    at: str
    detail: dict[str, Any]


class SearchHit(Record):
    dossier: str
    document: int
    kind: str  # "component" | "result"
    component: str | None
    digitisation_code: str | None
    procedure: str
    received_on: str
    status: Status
    object: str
    fields: dict[str, FieldEntry]


class AuditFinding(Record):
    dossier: str
    key: str
    problem: str
    detail: str


class AuditReport(Record):
    dossiers: int
    objects: int
    documents: int
    findings: list[AuditFinding]
    timing: dict[str, float]


class ReconcileReport(Record):
    repaired: list[str]
    incomplete: list[str]


class HoldReport(Record):
    dossier: str
    legal_hold: bool
    objects: list[str]


class LinkReport(Record):
    dossier: str
    document: int
    url: str
    minutes: int


class ComponentEntry(Record):
    code: str
    name: str
    required: bool


class ProcedureEntry(Record):
    code: str
    name: str
    level: int | str
    components: list[ComponentEntry]


class StopReport(Record):
    stopped: list[str]


class ClientCreated(Record):
    name: str
    agencies: list[str]
    token: str
    webhook_secret: str


class ClientEntry(Record):
    name: str
    agencies: list[str]
    created_at: str
    revoked_at: str | None


class UserEntry(Record):
    """An account of the pages (``sohoa user add`` / ``list``): never its password."""

    name: str
    role: str
    agencies: list[str]
    disabled: bool
    created_at: str


class UserDisabled(Record):
    name: str
    disabled: bool


class DeploymentEntry(Record):
    name: str  # <flow name>/<deployment name>
    id: str
    entrypoint: str  # module path in the installed package


class AutomationEntry(Record):
    name: str
    id: str


class DeployReport(Record):
    """``sohoa deploy``: the work pool, the flows' deployments and the automations that
    handle a machine dying mid-run, as they are now."""

    pool: str
    limit: int | None
    deployments: list[DeploymentEntry]
    automations: list[AutomationEntry] = []
    signing_pools: list[str] = []  # one per token: its sign_digest deployment, limit 1


class DeviceEntry(Record):
    uri: str
    name: str


class ScanPart(Record):
    component: str | None
    files: list[str]


class ScannedDossier(Record):
    dossier: str
    parts: list[ScanPart]
    submitted_to: str
    received: list[dict[str, Any]] | None = None  # sent to the API
    status: Status | None = None  # digitised here


class ScanReport(Record):
    device: str
    counter: int
    pages: int
    batch: str
    dossiers: list[ScannedDossier]


class ReportUnit(Record):
    unit: str
    received: int
    digitised: int
    dossier_rate: float | None
    resolved: int
    results_required: int
    with_result: int
    result_rate: float | None
    reused: int
    reuse_rate: float | None
    points: float | None
    naive_digitised: int
    naive_dossier_rate: float | None
    not_digitised_reasons: dict[str, int]


class DigitisationReport(Record):
    model_config = ConfigDict(extra="allow", serialize_by_alias=True, validate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    by: str
    units: list[ReportUnit]


class ReportListing(Record):
    unit: str
    column: str
    dossiers: list[str]


CONTRACTS: dict[str, Any] = {  # command (as typed) → the type of its --json output
    "digitise": DossierRecord,
    "review correct": DossierRecord, "review attach": DossierRecord,
    "review reuse": DossierRecord, "review approve": DossierRecord,
    "review list": list[ReviewItem], "review history": list[HistoryEvent],
    "result": IssuedResult,
    "ocr": OcrReport, "extract": ExtractReport, "verify": VerifyReport,
    "search": list[SearchHit], "audit": AuditReport, "reconcile": ReconcileReport,
    "hold": HoldReport, "link": LinkReport, "procedures": list[ProcedureEntry],
    "stop": StopReport, "client add": ClientCreated, "client list": list[ClientEntry],
    "user add": UserEntry, "user list": list[UserEntry], "user disable": UserDisabled,
    "deploy": DeployReport,
    "devices": list[DeviceEntry], "scan": ScanReport, "report": DigitisationReport,
    "report --list": ReportListing,
    "manifest.json": Manifest,  # not a command's output: the file beside every dossier
}


def schema(command: str) -> dict[str, Any]:
    return TypeAdapter(CONTRACTS[command]).json_schema()


def write_schemas(folder: Path) -> list[Path]:
    """One JSON Schema file per contract, named after its command."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for command in CONTRACTS:
        name = command.replace(" --", "-").replace(" ", "-").removesuffix(".json")
        path = folder / f"{name}.schema.json"
        path.write_text(json.dumps(schema(command), ensure_ascii=False, indent=2) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    for written in write_schemas(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas")):
        print(written)
