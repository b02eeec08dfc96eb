"""Counter scanners: ``devices``, ``scan``, ``watch``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pipeline.cli.base import (AsJson, app, emit, err, exit_on_error, fail, signing_settings)
from pipeline.errors import InputFileError, SohoaError
from pipeline.settings import Settings


@app.command()
def devices(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Scanners SANE can see (``sane:<device>`` URIs for ``sohoa scan``)."""
    from scanner_drivers.sane import devices as sane_devices

    with exit_on_error():
        found = [{"uri": d.uri, "name": d.name} for d in sane_devices()]
    if as_json:
        emit(found)
    else:
        for device in found:
            sys.stdout.write(f"{device['uri']}\t{device['name']}\n")


def _counters(settings: Settings) -> Path:
    return settings.counters_dir or settings.home_dir / "counters"


@app.command()
def scan(
    ctx: typer.Context,
    device: Annotated[str, typer.Option("--device", help="sane:<device> or escl:<URL>")],
    counter: Annotated[int, typer.Option("--counter", min=1, help="Số quầy")],
    procedure: Annotated[str | None, typer.Option(
        "--procedure", help="Mã thủ tục (without SOHOA_API_URL)")] = None,
    resolution: Annotated[int, typer.Option("--resolution")] = 300,
    gray: Annotated[bool, typer.Option("--gray", help="Gray instead of colour")] = False,
    duplex: Annotated[bool, typer.Option("--duplex")] = False,
    as_json: AsJson = False,
) -> None:
    """Scan a batch from the feeder, split it at separator sheets, submit each dossier."""
    from datetime import datetime, timezone

    from scanner_drivers.base import BatchSettings
    from scanner_drivers.devices import open_scanner
    from scanner_drivers.batches import write_pages
    from scanner_drivers.submit import submit_batch

    settings = signing_settings(ctx.obj)
    folder = _counters(settings) / f"quay-{counter:02d}" / "batches" / \
        datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    try:
        batch = BatchSettings(resolution, "gray" if gray else "color", duplex)
        files = write_pages(open_scanner(device).scan(batch), folder)
        submitted = submit_batch(files, settings, folder, procedure, counter)
    except InputFileError as exc:
        raise fail(exc) from None
    except SohoaError as exc:
        err.print(escape(f"Lô quét giữ tại {folder}"))
        raise fail(exc) from None
    out = {"device": device, "counter": counter, "pages": len(files), "batch": str(folder),
           "dossiers": submitted}
    if as_json:
        emit(out)
    else:
        for item in submitted:
            err.print(escape(f"{item['dossier']}: {sum(len(p['files']) for p in item['parts'])} "
                             f"tệp → {item['submitted_to']}"))


@app.command()
def watch(
    ctx: typer.Context,
    counter: Annotated[int, typer.Option("--counter", min=1, help="Số quầy")],
    procedure: Annotated[str | None, typer.Option(
        "--procedure", help="Mã thủ tục (without SOHOA_API_URL)")] = None,
    settle: Annotated[float, typer.Option("--settle", help="Seconds a file must stay unchanged")
                      ] = 1.0,
) -> None:
    """Watch the counter's hot folder: each file dropped is a batch, split and submitted."""
    import tempfile
    import threading

    from scanner_drivers.hotfolder import HotFolder, counter_folder
    from scanner_drivers.submit import submit_batch

    settings = signing_settings(ctx.obj)

    def handle(path: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="sohoa-hot-") as tmp:
            for item in submit_batch([path], settings, Path(tmp), procedure, counter):
                err.print(escape(f"{path.name}: {item['dossier']} → {item['submitted_to']}"))

    folder = HotFolder(counter_folder(_counters(settings), counter), handle, settle)
    err.print(escape(f"Đang theo dõi {folder.folder} (Ctrl-C để dừng)"))
    stop = threading.Event()
    try:
        folder.run(stop)
    except KeyboardInterrupt:
        stop.set()
