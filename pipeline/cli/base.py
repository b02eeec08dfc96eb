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

from pipeline import identifiers
from pipeline.errors import (EXIT_FAILURE, EXIT_REFUSED_INPUT, InputFileError, InvalidDay,
                             SohoaError, conditions)
from pipeline.records import DossierRecord, Record, Status
from pipeline.settings import Settings, load_settings

if TYPE_CHECKING:
    from storage.catalogue import Catalogue

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="sohoa: số hóa hồ sơ thủ tục hành chính (scan → OCR → ký số → lưu trữ).")
err = Console(stderr=True, soft_wrap=True)  # a message is one line, however narrow

STAGE_LABELS = {"ocr": "Nhận dạng chữ (OCR)"}
Files = Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
DEMO_DOSSIER = "000.00.06.H56-231027-0361"
DEMO_PROCEDURE = "2.000488"


def terminal_pin(token: str) -> str | None:
    """A token's PIN typed at the terminal (never echoed); none without a terminal."""
    if not sys.stdin.isatty():
        return None
    from getpass import getpass

    return getpass(f"Mã PIN token ký số {token}: ")


def signing_settings(settings: Settings) -> Settings:
    """The command's settings, with a token's PIN asked at the terminal when none is set."""
    from pipeline.signing.backends import with_pins

    return with_pins(settings, terminal_pin)


def quiet_libraries(settings: Settings) -> None:
    """Prefect's state under the data directory, and only its warnings."""
    os.environ.setdefault("PREFECT_HOME", str(settings.home_dir / "prefect"))
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@app.callback()
def _options(ctx: typer.Context, debug: Annotated[bool, typer.Option(
        "--debug", help="Show stack traces and libraries' logs on the console too.")] = False,
             ) -> None:
    """Every command logs to SOHOA_HOME/log/sohoa.log; the console gets one message per failure.
    Settings are loaded here, once, and kept as the context object: every command reads them
    as ``ctx.obj``."""
    from pipeline.logs import send_logs

    settings = load_settings()
    send_logs(settings.home_dir, debug)
    quiet_libraries(settings)
    ctx.obj = settings


def main() -> None:
    """The ``sohoa`` entry point: no stack trace reaches the user, it goes to the log file."""
    try:
        app()
    except Exception as exc:
        sys.exit(fail(exc).exit_code)


def emit(data: Any) -> None:
    """``--json``: a record as its contract has it, or plain data."""
    if isinstance(data, Record):
        data = data.to_json()
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


def fail(exc: Exception) -> typer.Exit:
    """One message for the user (Vietnamese, then English and the stable code) and the exit
    status of its condition; the trace to the log, which a failure of the system (exit 1)
    names. Anything but a ``SohoaError`` is told as :func:`pipeline.errors.known` reads it."""
    from pipeline.errors import known

    known_as = known(exc, home_or_none()) if not isinstance(exc, SohoaError) \
        or exc.exit_status == EXIT_FAILURE else exc
    logging.getLogger("sohoa").warning("%s", known_as, exc_info=exc)
    where = f" · log: {log_path()}" if known_as.exit_status == EXIT_FAILURE else ""
    english = f"{known_as.message('en')} [{known_as.code}]{where}"
    err.print(f"[red]Lỗi:[/red] {escape(known_as.message('vi'))}\n[dim]{escape(english)}[/dim]")
    return typer.Exit(known_as.exit_status)


@contextmanager
def showing_progress() -> Iterator[None]:
    """A progress bar on stderr for each stage the body reports (``pipeline.progress``)."""
    from pipeline import progress

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def listener(stage: str, total: int | None) -> None:
            if total is not None:
                tasks[stage] = bar.add_task(STAGE_LABELS.get(stage, stage), total=total)
            else:
                bar.advance(tasks[stage])

        with progress.listening(listener):
            yield


def flow_engine(settings: Settings):
    """Prefect's API for the flows this command runs (the home's shared server by default)."""
    from pipeline.flows.engine import prefect_api

    return prefect_api(settings)


def run_digitise(settings: Settings, files: list[Path], dossier: str, procedure: str,
                 owner: str | None = None) -> DossierRecord:
    from pipeline.flows.digitise import digitise_dossier

    with flow_engine(settings), showing_progress():
        return digitise_dossier(files=[str(f) for f in files], dossier=dossier,
                                procedure=procedure, owner_id=owner, settings=settings)


def print_record(record: DossierRecord) -> None:
    """Human summary on stderr; file names and messages are escaped, never read as markup."""
    colour = {Status.DIGITISED: "green", Status.NEEDS_REVIEW: "yellow"}.get(record.status, "red")
    err.print(f"Hồ sơ [bold]{escape(record.dossier)}[/bold]: "
              f"[{colour}]{record.status}[/{colour}]")
    for doc in record.documents:
        fields = ", ".join(f"{k}={v.value}" for k, v in doc.fields.items())
        err.print(escape(f"  {doc.order:02d} {doc.component or '?'} ({doc.pages} tr.) "
                         f"{doc.object}  {fields}"))
    for problem in record.problems:
        where = ""
        if problem.file:
            page = f" tr.{problem.page}" if problem.page else ""
            where = f" ({problem.file}{page})"
        err.print(f"  [yellow]! {problem.code}[/yellow]" + escape(f"{where}: {problem.message}"))


REFUSED_CODES = frozenset(c.code for c in conditions(InputFileError))


def digitise_exit(record: DossierRecord) -> int:
    """3 when nothing could be read or a file (or page) was refused by name, else 0."""
    if record.status == Status.REJECTED or any(p.code in REFUSED_CODES for p in record.problems):
        return EXIT_REFUSED_INPUT
    return 0


@contextmanager
def exit_on_error() -> Iterator[None]:
    """A ``SohoaError`` raised in the body ends the command: its message, its exit status."""
    try:
        yield
    except SohoaError as exc:
        raise fail(exc) from None


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
        return identifiers.parse_day(text, option)
    except InvalidDay as refused:
        raise fail(refused) from None
