"""sohoa's flows as Prefect deployments on a process work pool, found by their module path in
the installed package (no code storage, no image): any machine with sohoa installed and its
settings runs them with ``sohoa worker`` (issue 17's first part).

``deploy`` creates or updates the pool, the deployments and the automations that handle a
machine dying mid-run; Prefect's deployment API is an upsert on (flow, name) and automations
are found by name, so running it again changes nothing that is already right.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
from prefect.events.actions import ChangeFlowRunState, RunDeployment
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.utilities.callables import parameter_schema
from prefect.utilities.importtools import import_object

POOL = "sohoa"
NAME = "sohoa"  # each flow's deployment: <flow name>/sohoa
ENTRYPOINTS = {"digitise_dossier": "pipeline.flows.digitise:digitise_dossier",
               "digitise_result": "pipeline.flows.result:digitise_result",
               "digitise_submission": "pipeline.flows.submission:digitise_submission"}


def deploy(api_url: str, pool: str = POOL, limit: int | None = None) -> dict[str, Any]:
    """The pool (``limit``: flow runs at once over all its workers) and one deployment per
    flow, created or brought up to date on the server at ``api_url``; what they are now."""
    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
            client.update_work_pool(pool, WorkPoolUpdate(concurrency_limit=limit))
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=pool, type="process",
                                                   concurrency_limit=limit))
        deployments = []
        for flow_name, entrypoint in ENTRYPOINTS.items():
            flow = import_object(entrypoint)
            flow_id = client.create_flow_from_name(flow.name)
            schema = parameter_schema(flow.fn).model_dump_for_openapi()
            deployment_id = client.create_deployment(
                flow_id=flow_id, name=NAME, work_pool_name=pool, entrypoint=entrypoint,
                parameter_openapi_schema=schema, pull_steps=[], enforce_parameter_schema=False,
                description=(flow.fn.__doc__ or "").strip().splitlines()[0])
            deployments.append({"name": f"{flow_name}/{NAME}", "id": str(deployment_id),
                                "entrypoint": entrypoint})
        submission = next(d["id"] for d in deployments if d["name"].startswith("digitise_sub"))
        automations = [_upsert(client, a) for a in _automations(submission)]
    return {"pool": pool, "limit": limit, "deployments": deployments,
            "automations": automations}


HEARTBEAT_S = 30  # a worker's runs report every 30 s (``sohoa worker`` sets it)
ZOMBIE_AFTER = timedelta(seconds=3 * HEARTBEAT_S)


def _automations(submission_id: str) -> list[AutomationCore]:
    """What the server does when a machine dies mid-run: a run that stopped reporting is marked
    crashed (the automation Prefect documents for self-hosted servers), and a crashed dossier
    run is run again with the same inputs (its attempts are bounded by the flow itself)."""
    zombie = AutomationCore(
        name="sohoa: crash runs that stopped reporting",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", "prefect.flow-run.Completed",
                    "prefect.flow-run.Failed", "prefect.flow-run.Cancelled",
                    "prefect.flow-run.Crashed"},
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            for_each={"prefect.resource.id"}, posture=Posture.Proactive, threshold=1,
            within=ZOMBIE_AFTER),
        actions=[ChangeFlowRunState(state=StateType.CRASHED,
                                    message="No heartbeat: its worker or machine died.")])
    again = AutomationCore(
        name="sohoa: run a crashed dossier again",
        trigger=EventTrigger(
            expect={"prefect.flow-run.Crashed"},
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            match_related=ResourceSpecification({
                "prefect.resource.id": f"prefect.deployment.{submission_id}"}),
            posture=Posture.Reactive, threshold=1),
        actions=[RunDeployment(source="selected", deployment_id=UUID(submission_id),
                               parameters={"dossier": "{{ flow_run.parameters.dossier }}",
                                           "files": "{{ flow_run.parameters.files }}"})])
    return [zombie, again]


def _upsert(client, automation: AutomationCore) -> dict[str, str]:
    """Create the automation, or bring the one of that name up to date."""
    found = client.read_automations_by_name(automation.name)
    if found:
        client.update_automation(found[0].id, automation)
        automation_id = found[0].id
    else:
        automation_id = client.create_automation(automation)
    return {"name": automation.name, "id": str(automation_id)}


def worker_command(pool: str = POOL, limit: int | None = None) -> list[str]:
    """Prefect's process worker taking ``pool``'s runs, ``limit`` at once on this machine."""
    prefect = str(Path(sys.executable).parent / "prefect")
    return [prefect, "worker", "start", "--pool", pool, "--type", "process"] + (
        ["--limit", str(limit)] if limit else [])
