"""sohoa's flows as Prefect deployments on a process work pool, found by their module path in
the installed package (no code storage, no image): any machine with sohoa installed and its
settings runs them with ``sohoa worker`` (issue 17's first part).

``deploy`` creates or updates the pool and the deployments; Prefect's deployment API is an
upsert on (flow, name), so running it again changes nothing that is already right.
"""

from __future__ import annotations

from typing import Any

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.utilities.callables import parameter_schema
from prefect.utilities.importtools import import_object

POOL = "sohoa"
NAME = "sohoa"  # each flow's deployment: <flow name>/sohoa
ENTRYPOINTS = {"digitise_dossier": "pipeline.flows.digitise:digitise_dossier",
               "digitise_result": "pipeline.flows.result:digitise_result"}


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
    return {"pool": pool, "limit": limit, "deployments": deployments}
