"""What every ``sohoa`` command shares: the Typer app and its ``--debug`` callback, the entry
point that turns any failure into one message, exit statuses, output helpers."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.errors import SohoaError
from pipeline.settings import Settings, load_settings

if TYPE_CHECKING:
    from storage.catalogue import Catalogue

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="sohoa: số hóa hồ sơ thủ tục hành chính (scan → OCR → ký số → lưu trữ).")
err = Console(stderr=True, soft_wrap=True)  # a message is one line, however narrow

EXIT_FAILURE = 1  # storage, signing, a server, or a fault of sohoa's own (``internal_error``)
EXIT_INVALID = 2  # malformed dossier/procedure code, unknown procedure, bad arguments
EXIT_REFUSED_INPUT = 3  # one or more files could not be read; named in "problems"
STAGE_LABELS = {"ocr": "Nhận dạng chữ (OCR)"}
Files = Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
DEMO_DOSSIER = "000.00.06.H56-231027-0361"
DEMO_PROCEDURE = "2.000488"


def ask_pin(settings: Settings) -> Settings:
    """A token's PIN from the terminal when the environment has none; kept in this process only."""
    if settings.signer_pkcs11_module and settings.signer_pin is None and sys.stdin.isatty():
        from getpass import getpass

        os.environ["SOHOA_SIGNER_PIN"] = getpass("Mã PIN token ký số: ")
        return load_settings()
    return settings


def quiet_libraries(settings: Settings) -> None:
    """Prefect's state under the data directory, and only its warnings."""
    os.environ.setdefault("PREFECT_HOME", str(settings.home_dir / "prefect"))
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@app.callback()
def _options(debug: Annotated[bool, typer.Option(
        "--debug", help="Show stack traces and libraries' logs on the console too.")] = False,
             ) -> None:
    """Every command logs to SOHOA_HOME/log/sohoa.log; the console gets one message per failure."""
    from pipeline.logs import send_logs

    settings = load_settings()
    send_logs(settings.home_dir, debug)
    quiet_libraries(settings)


def main() -> None:
    """The ``sohoa`` entry point: no stack trace reaches the user, it goes to the log file."""
    try:
        app()
    except Exception as exc:
        fail(exc, EXIT_FAILURE)
        sys.exit(EXIT_FAILURE)


def emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def home_or_none() -> Path | None:
    try:
        return Settings().home_dir
    except Exception:  # settings themselves unreadable: the message says so already
        return None


def log_path() -> str:
    from pipeline.logs import log_file

    home = home_or_none()
    return str(log_file(home)) if home else "$SOHOA_HOME/log/sohoa.log"


def fail(exc: Exception, code: int) -> typer.Exit:
    """One message for the user (Vietnamese, then English and the stable code); the trace to
    the log, which a failure of the system (exit 1) names. A refusal (exit 2, 3) is a
    ``SohoaError``; a failure is told as :func:`pipeline.errors.known` reads it."""
    from pipeline.errors import known

    if code == EXIT_FAILURE:
        exc = known(exc, home_or_none())
    logging.getLogger("sohoa").warning("%s", exc, exc_info=exc)
    where = f" · log: {log_path()}" if code == EXIT_FAILURE else ""
    english = f"{exc.message('en')} [{exc.code}]{where}"
    err.print(f"[red]Lỗi:[/red] {escape(exc.message('vi'))}\n[dim]{escape(english)}[/dim]")
    return typer.Exit(code)


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=True)


def flow_engine(settings: Settings):
    """Prefect's API for the flows this command runs (the home's shared server by default)."""
    from pipeline.flows.engine import prefect_api

    return prefect_api(settings)


def run_digitise(files: list[Path], dossier: str, procedure: str, owner: str | None = None
                 ) -> dict:
    from pipeline import progress as hooks
    from pipeline.flows.digitise import digitise_dossier

    with flow_engine(load_settings()), progress_bar() as bar:
        tasks: dict[str, Any] = {}

        def listener(stage: str, total: int | None) -> None:
            if total is not None:
                tasks[stage] = bar.add_task(STAGE_LABELS.get(stage, stage), total=total)
            else:
                bar.advance(tasks[stage])

        with hooks.listening(listener):
            return digitise_dossier(files=[str(f) for f in files], dossier=dossier,
                                    procedure=procedure, owner_id=owner)


def print_result(result: dict) -> None:
    """Human summary on stderr; file names and messages are escaped, never read as markup."""
    colour = {"digitised": "green", "needs_review": "yellow"}.get(result["status"], "red")
    err.print(f"Hồ sơ [bold]{escape(result['dossier'])}[/bold]: [{colour}]{result['status']}[/{colour}]")
    for doc in result["documents"]:
        fields = ", ".join(f"{k}={v['value']}" for k, v in doc["fields"].items())
        err.print(escape(f"  {doc['order']:02d} {doc['component'] or '?'} ({doc['pages']} tr.) "
                         f"{doc['object']}  {fields}"))
    for problem in result["problems"]:
        where = ""
        if problem["file"]:
            page = f" tr.{problem['page']}" if problem["page"] else ""
            where = f" ({problem['file']}{page})"
        err.print(f"  [yellow]! {problem['code']}[/yellow]" + escape(f"{where}: {problem['message']}"))


def digitise_exit(result: dict) -> int:
    from pipeline.pages import REFUSALS

    refused = REFUSALS | {"page_timeout", "file_timeout", "unreadable_page"}  # or some pages
    if result["status"] == "rejected" or any(p["code"] in refused for p in result["problems"]):
        return EXIT_REFUSED_INPUT
    return 0


@contextmanager
def exit_on_error(code: int = EXIT_INVALID) -> Iterator[None]:
    """A ``SohoaError`` raised in the body ends the command: its message, exit ``code``."""
    try:
        yield
    except SohoaError as exc:
        raise fail(exc, code) from None


@contextmanager
def open_catalogue(settings: Settings) -> Iterator[Catalogue]:
    """The catalogue without the object store, for commands that only read it."""
    from storage.catalogue import Catalogue

    catalogue = Catalogue(settings.catalogue_url)
    try:
        yield catalogue
    finally:
        catalogue.dispose()


def parse_day(text: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option, or exit 2 naming it."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        err.print(escape(f"{option}: ngày phải có dạng YYYY-MM-DD ({text})"))
        raise typer.Exit(EXIT_INVALID) from None
