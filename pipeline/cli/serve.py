"""The ingest API: ``serve`` and its ``client`` tokens; Prefect's ``deploy`` and ``worker``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from pipeline.cli.base import AsJson, app, emit, err, exit_on_error, log_path
from pipeline.errors import PrefectServerNeeded
from pipeline.settings import Settings


KEEP_ALIVE_S = 75
"""How long an idle connection is kept: longer than clients keep theirs in a pool (httpx 5 s,
nginx 75 s), since a server closing one just as a request goes out on it drops that request
(with uvicorn's 5 s, two load runs in six lost the answers to 1 and 6 uploads of 1,000)."""


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8080,
) -> None:
    """Run the ingest API and the pages until interrupted: dossiers go to the workers of
    PREFECT_API_URL's server, or without one to a worker of the home's local server."""
    import os

    import uvicorn

    from pipeline.api.app import create_app
    from pipeline.web.app import install

    settings = ctx.obj
    err.print(escape(f"sohoa serve: http://{host}:{port} (nhật ký: {log_path()})"))
    app = create_app(settings, prefect_url=os.environ.get("PREFECT_API_URL") or None)
    install(app)  # the pages beside the API
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_keep_alive=KEEP_ALIVE_S,
                log_config=None)  # its records to the log file, like ours


client_app = typer.Typer(no_args_is_help=True, help="API clients (bearer tokens, agency scopes).")
app.add_typer(client_app, name="client")


def _ingest(settings: Settings):
    from storage.ingest import Ingest
    from storage.catalogue import Catalogue

    return Ingest(Catalogue(settings.catalogue_url))


@client_app.command("add")
def client_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Tên ứng dụng (e.g. motcua-thanhhoa)")],
    agency: Annotated[list[str], typer.Option("--agency", help="Mã cơ quan, repeatable")],
    as_json: AsJson = False,
) -> None:
    """Create a client scoped to agencies; print its token and webhook secret once."""
    from pipeline.identifiers import parse_agency_code

    with exit_on_error():
        agencies = [parse_agency_code(a) for a in agency]
    with exit_on_error():
        token, secret = _ingest(ctx.obj).add_client(name, agencies)
    out = {"name": name, "agencies": sorted(set(agencies)), "token": token,
           "webhook_secret": secret}
    if as_json:
        emit(out)
    else:
        sys.stdout.write(f"token: {token}\nwebhook_secret: {secret}\n")
        err.print("Chỉ hiện một lần: hãy lưu lại ngay.")


@client_app.command("list")
def client_list(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Clients, their agencies and whether revoked (never their tokens)."""
    rows = [{"name": c.name, "agencies": c.agencies, "created_at": c.created_at.isoformat(),
             "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None}
            for c in _ingest(ctx.obj).clients()]
    if as_json:
        emit(rows)
    else:
        for row in rows:
            sys.stdout.write(f"{row['name']}\t{','.join(row['agencies'])}\t"
                             f"{'revoked ' + row['revoked_at'] if row['revoked_at'] else 'active'}\n")


@client_app.command("revoke")
def client_revoke(ctx: typer.Context, name: Annotated[str, typer.Argument()],
                  as_json: AsJson = False) -> None:
    """Revoke a client's token at once; exit 1 when there is no such active client."""
    revoked = _ingest(ctx.obj).revoke(name)
    if as_json:
        emit({"name": name, "revoked": revoked})
    raise typer.Exit(0 if revoked else 1)


def _prefect_api_url() -> str:
    """The Prefect server's API these commands need (``PREFECT_API_URL``), else the refusal."""
    import os

    if not os.environ.get("PREFECT_API_URL"):
        with exit_on_error():
            raise PrefectServerNeeded()
    return os.environ["PREFECT_API_URL"]


@app.command()
def deploy(
    ctx: typer.Context,
    pool: Annotated[str, typer.Option("--pool", help="Work pool (process)")] = "sohoa",
    limit: Annotated[int | None, typer.Option("--limit", min=1,
                                              help="Flow runs at once over the pool")] = None,
    signing_pool: Annotated[list[str], typer.Option(
        "--signing-pool", help="A token's own pool, served by its host's worker (repeatable)")
                            ] = [],
    as_json: AsJson = False,
) -> None:
    """Create or update the work pools, the flows' deployments and the automations on
    PREFECT_API_URL's server."""
    from pipeline.flows.deployments import deploy as deploy_flows

    out = deploy_flows(_prefect_api_url(), pool, limit, signing_pool)
    if as_json:
        emit(out)
    else:
        for item in out["deployments"]:
            sys.stdout.write(f"{item['name']}\t{item['entrypoint']}\t{out['pool']}\n")


@app.command()
def worker(
    ctx: typer.Context,
    pool: Annotated[str, typer.Option("--pool", help="Work pool to take runs from")] = "sohoa",
    limit: Annotated[int | None, typer.Option("--limit", min=1,
                                              help="Flow runs at once on this worker")] = None,
    name: Annotated[str | None, typer.Option("--name", help="The worker's name, recorded on "
                                             "what it processes")] = None,
) -> None:
    """Run a Prefect worker here: it takes the pool's flow runs and runs each in a process."""
    import os

    from pipeline.flows.deployments import HEARTBEAT_S, worker_command

    _prefect_api_url()
    command = worker_command(pool, limit) + (["--name", name] if name else [])
    env = {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_S), **os.environ}  # zombie check
    os.execve(command[0], command, env)
