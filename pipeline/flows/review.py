"""Review: the person in the loop, where the machine is unsure.

List the dossiers that need a look; correct a field (checked by the field's validator);
attach rescanned pages or a missing component (the flow runs again on every original, and
only the new pages are read: the others come from the page cache); approve. Every action is
an event in the catalogue with who and when, and corrections survive a later re-run.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipeline.checks import owner_mismatches
from pipeline.completeness import DIGITISED, NEEDS_REVIEW, missing_problem
from pipeline.documents import seal_pdf, signer_name
from pipeline.errors import SohoaError
from pipeline.fields.extract import DEFAULT_FIELDS, FIELD_NAMES
from pipeline.fields.validators import VALIDATORS
from pipeline.model import FieldValue
from pipeline.procedures.catalogue import Procedure, find_procedure
from pipeline.settings import Settings
from pipeline.signing.backends import open_signer
from storage.archive import Archive, replace_documents
from storage.catalogue import DossierRow
from storage.session import open_archive

OWNER_CODES = ("id_number_mismatch", "name_mismatch")


def _refuse(code: str, vi: str, en: str, subject: str) -> SohoaError:
    return SohoaError(code, vi, en, subject=subject)


def _dossier(archive: Archive, dossier: str) -> DossierRow:
    row = archive.catalogue.find(dossier)
    if row is None:
        raise _refuse("unknown_dossier", f"Không có hồ sơ {dossier} trong kho lưu trữ.",
                      f"no dossier {dossier} in the archive", dossier)
    return row


def _settle(result: dict[str, Any]) -> None:
    """The status that follows from what is left to review."""
    if result["status"] in (DIGITISED, NEEDS_REVIEW) and not result.get("approved"):
        open_problems = any(p.get("severity", "review") == "review" for p in result["problems"])
        result["status"] = NEEDS_REVIEW if open_problems or result["missing_components"] \
            else DIGITISED


def _owner_problems(result: dict[str, Any], procedure: Procedure) -> list[dict[str, Any]]:
    owners = []
    for doc in result["documents"]:
        component = procedure.component(doc["component"]) if doc["component"] else None
        if component and component.owner:
            fields = {k: FieldValue(v["value"], v["confidence"]) for k, v in doc["fields"].items()}
            owners.append((doc["file"], doc["component"], fields))
    return [p.to_json() for p in owner_mismatches(owners)]


def _apply(result: dict[str, Any], procedure: Procedure, detail: dict[str, Any], by: str,
           at: datetime) -> None:
    """Put a correction into a dossier's result and settle the problems it answers."""
    doc = next(d for d in result["documents"] if d["source"] == detail["source"])
    doc["fields"][detail["field"]] = {"value": detail["value"], "confidence": 1.0,
                                      "corrected_by": by, "corrected_at": at.isoformat()}
    result["problems"] = [p for p in result["problems"]
                          if not (p.get("document") == doc["order"]
                                  and p.get("field") == detail["field"])
                          and p["code"] not in OWNER_CODES]
    result["problems"] += _owner_problems(result, procedure)
    _settle(result)


def correct(archive: Archive, settings: Settings, dossier: str, order: int, field: str,
            value: str, by: str) -> dict[str, Any]:
    """Set ``field`` of document ``order`` to ``value`` once its validator accepts it."""
    row = _dossier(archive, dossier)
    result = row.result
    doc = next((d for d in result["documents"] if d["order"] == order), None)
    if doc is None:
        raise _refuse("unknown_document", f"Hồ sơ {dossier} không có tài liệu số {order}.",
                      f"dossier {dossier} has no document {order}", str(order))
    procedure = find_procedure(row.procedure, settings.procedures_dir)
    component = procedure.component(doc["component"]) if doc["component"] else None
    validator = (component.fields if component and component.fields else DEFAULT_FIELDS).get(field)
    if validator is None:
        raise _refuse("unknown_field", f"Tài liệu {order} không có trường {field}.",
                      f"document {order} has no field {field}", field)
    canonical = VALIDATORS[validator](value)
    if canonical is None:
        label = FIELD_NAMES.get(field, field)
        raise _refuse("invalid_value", f"{label}: \"{value}\" không hợp lệ, không sửa.",
                      f"{field}: {value!r} fails its validator ({validator})", value)
    detail = {"document": order, "source": doc["source"], "field": field,
              "old": doc["fields"].get(field, {}).get("value"), "value": canonical}
    _apply(result, procedure, detail, by, datetime.now(timezone.utc))
    archive.catalogue.record(dossier, "correct", by, detail, result)
    return result


def reuse(archive: Archive, settings: Settings, dossier: str, component: str, by: str
          ) -> dict[str, Any]:
    """Take the offered digitised copy in place of the missing component's paper."""
    row = _dossier(archive, dossier)
    result = row.result
    offer = next((o for o in result.get("reusable", []) if o["component"] == component), None)
    if offer is None:
        raise _refuse("no_reusable_copy",
                      f"Không có bản số hóa còn hiệu lực để dùng lại cho thành phần {component}.",
                      f"no valid digitised copy to reuse for {component}", component)
    procedure = find_procedure(row.procedure, settings.procedures_dir)
    at = datetime.now(timezone.utc)
    result.setdefault("reused", []).append({**offer, "by": by, "at": at.isoformat()})
    result["reusable"] = [o for o in result["reusable"] if o["component"] != component]
    result["missing_components"] = [c for c in result["missing_components"] if c != component]
    settled = missing_problem(procedure.component(component)).to_json()
    result["problems"] = [p for p in result["problems"] if p != settled]
    _settle(result)
    archive.catalogue.record(dossier, "reuse", by, offer, result)
    return result


def approve(archive: Archive, settings: Settings, dossier: str, by: str) -> dict[str, Any]:
    """A person accepts what is left to review; the flow resumes: the agency seals the archival
    copies (new object versions, new manifest). A missing required component cannot be accepted."""
    row = _dossier(archive, dossier)
    result = row.result
    if result["missing_components"]:
        raise _refuse("missing_components",
                      "Còn thiếu thành phần bắt buộc: " + ", ".join(result["missing_components"])
                      + ". Đính kèm bản quét trước khi duyệt.",
                      "required components are missing: " + ", ".join(result["missing_components"]),
                      dossier)
    if not result["documents"]:
        raise _refuse("nothing_to_approve", "Hồ sơ không có tài liệu nào để duyệt.",
                      "the dossier has no document", dossier)
    unsealed = {archive.store.key(d["object"]): d for d in result["documents"]
                if not d.get("sealed_by")}
    if unsealed:
        with open_signer(settings, "agency") as agency:
            pdfs = {key: seal_pdf(archive.store.get(key), agency, settings, row.agency)
                    for key in unsealed}
            name = signer_name(agency)
        codes = {key: doc.get("digitisation_code") for key, doc in unsealed.items()}
        for key, digest in replace_documents(archive, row, pdfs, codes).items():
            unsealed[key]["sha256"], unsealed[key]["sealed_by"] = digest, name
    at = datetime.now(timezone.utc)
    result["status"] = DIGITISED
    result["approved"] = {"by": by, "at": at.isoformat()}
    archive.catalogue.record(dossier, "approve", by, {"problems": len(result["problems"])}, result)
    return result


def attach(settings: Settings, dossier: str, files: list[Path], by: str) -> dict[str, Any]:
    """Run the dossier again with ``files`` added to its originals; keep earlier corrections."""
    from pipeline.flows.digitise import digitise_dossier

    with open_archive(settings) as archive, \
            tempfile.TemporaryDirectory(prefix="sohoa-attach-") as tmp:
        row = _dossier(archive, dossier)
        originals = []
        for index, original in enumerate(row.originals):  # each in its own folder: names kept
            path = Path(tmp) / f"{index:03d}" / original.filename
            path.parent.mkdir()
            path.write_bytes(archive.store.get(original.object_key))
            originals.append(path)
        result = digitise_dossier(files=[str(p) for p in originals + files], dossier=dossier,
                                  procedure=row.procedure, owner_id=row.result.get("owner_id"))
        procedure = find_procedure(row.procedure, settings.procedures_dir)
        for event in archive.catalogue.events(dossier, "correct"):
            if any(d["source"] == event.detail["source"] for d in result["documents"]):
                _apply(result, procedure, event.detail, event.by, event.at)
        archive.catalogue.record(dossier, "attach", by, {"files": [f.name for f in files]},
                                 result)
    return result
