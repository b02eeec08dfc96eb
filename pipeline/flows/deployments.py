"""sohoa's flows as Prefect deployments on a process work pool, found by their module path in
the installed package (no code storage, no image): any machine with sohoa installed and its
settings runs them with ``sohoa worker``.

``deploy`` creates or updates the pool, the deployments and the automations that handle a
machine dying mid-run; Prefect's deployment API is an upsert on (flow, name) and automations
are found by name, so running it again changes nothing that is already right.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.client.schemas.actions import (GlobalConcurrencyLimitCreate,
                                            GlobalConcurrencyLimitUpdate, WorkPoolCreate,
                                            WorkPoolUpdate)
from prefect.events.actions import ChangeFlowRunState, RunDeployment
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.utilities.callables import parameter_schema
from prefect.utilities.importtools import import_object

from pipeline.flows.signing import limit_name

POOL = "sohoa"
NAME = "sohoa"  # each flow's deployment: <flow name>/sohoa
SUBMISSION = f"digitise_submission/{NAME}"  # what the ingest API submits
SIGN_ENTRYPOINT = "pipeline.flows.signing:sign_digest"  # deployed once per signing pool
ENTRYPOINTS = {"digitise_dossier": "pipeline.flows.digitise:digitise_dossier",
               "digitise_result": "pipeline.flows.result:digitise_result",
               "digitise_submission": "pipeline.flows.submission:digitise_submission"}


def deploy(api_url: str, pool: str = POOL, limit: int | None = None,
           signing_pools: list[str] = ()) -> dict[str, Any]:
    """The pool (``limit``: flow runs at once over all its workers) and one deployment per
    flow; for each signing pool (one per token, served by its host's workers) the pool, its
    ``sign_digest`` deployment and its concurrency limit of 1; created or brought up to date on
    the server at ``api_url``; what they are now."""
    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        _pool(client, pool, limit)
        deployments = [_deployment(client, entrypoint, NAME, pool)
                       for entrypoint in ENTRYPOINTS.values()]
        for signing in signing_pools:
            _pool(client, signing, None)
            deployments.append(_deployment(client, SIGN_ENTRYPOINT, signing, signing))
            _one_at_a_time(client, limit_name(signing))
        submission = next(d["id"] for d in deployments if d["name"] == SUBMISSION)
        automations = [_upsert(client, a) for a in _automations(submission)]
    return {"pool": pool, "limit": limit, "deployments": deployments,
            "automations": automations, "signing_pools": list(signing_pools)}


def _pool(client, name: str, limit: int | None) -> None:
    try:
        client.read_work_pool(name)
        client.update_work_pool(name, WorkPoolUpdate(concurrency_limit=limit))
    except ObjectNotFound:
        client.create_work_pool(WorkPoolCreate(name=name, type="process",
                                               concurrency_limit=limit))


def _deployment(client, entrypoint: str, name: str, pool: str) -> dict[str, str]:
    flow = import_object(entrypoint)
    deployment_id = client.create_deployment(
        flow_id=client.create_flow_from_name(flow.name), name=name, work_pool_name=pool,
        entrypoint=entrypoint, parameter_openapi_schema=parameter_schema(
            flow.fn).model_dump_for_openapi(), pull_steps=[], enforce_parameter_schema=False,
        description=(flow.fn.__doc__ or "").strip().splitlines()[0])
    return {"name": f"{flow.name}/{name}", "id": str(deployment_id), "entrypoint": entrypoint}


def _one_at_a_time(client, name: str) -> None:
    """A global concurrency limit of 1 (a token signs once at a time)."""
    try:
        client.read_global_concurrency_limit_by_name(name)
        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(limit=1))
    except ObjectNotFound:
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))


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
    """Prefect's process worker taking ``pool``'s runs, ``limit`` at once on this machine
    (:mod:`pipeline.flows.worker`: one that SIGTERM stops)."""
    return [sys.executable, "-m", "pipeline.flows.worker", pool] + (
        ["--limit", str(limit)] if limit else [])
