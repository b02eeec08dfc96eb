"""``review``: the person in the loop."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape

from pipeline.cli.base import (AsJson, Files, app, digitise_exit, emit,
                               err, fail, flow_engine, open_catalogue, print_record,
                               signing_settings)
from pipeline.errors import SohoaError
from pipeline.records import DossierRecord
from pipeline.settings import Settings


review_app = typer.Typer(no_args_is_help=True, help="Duyệt hồ sơ cần kiểm tra (review).")
app.add_typer(review_app, name="review")
By = Annotated[str, typer.Option("--by", help="Người thực hiện (ghi vào lịch sử)")]


def _review(settings: Settings, action, as_json: bool) -> None:
    """Run a review action with the archive open; a refusal or failure exits with its status."""
    from storage.session import open_archive

    try:
        with open_archive(settings) as archive:
            outcome = action(archive, settings)
    except SohoaError as exc:
        raise fail(exc) from None
    if as_json:
        emit(outcome)
    elif isinstance(outcome, DossierRecord):
        print_record(outcome)
    else:
        for item in outcome:
            err.print(escape(json.dumps(item, ensure_ascii=False)))


@review_app.command("list")
def review_list(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Dossiers waiting for a person, oldest first, with their problems."""
    with open_catalogue(ctx.obj) as catalogue:
        waiting = catalogue.needing_review()
    if as_json:
        emit(waiting)
    else:
        for item in waiting:
            err.print(escape(json.dumps(item, ensure_ascii=False)))


@review_app.command("correct")
def review_correct(
    ctx: typer.Context,
    dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")],
    document: Annotated[int, typer.Option("--document", help="Số thứ tự tài liệu (NN)")],
    field: Annotated[str, typer.Option("--field", help="Tên trường, e.g. full_name")],
    value: Annotated[str, typer.Option("--value", help="Giá trị đúng")],
    by: By,
    as_json: AsJson = False,
) -> None:
    """Correct a field; the value must pass the field's validator."""
    from pipeline.flows.review import correct

    _review(ctx.obj, lambda archive, settings: correct(archive, settings, dossier, document, field, value,
                                              by), as_json)


@review_app.command("attach")
def review_attach(
    ctx: typer.Context,
    dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")],
    files: Files,
    by: By,
    as_json: AsJson = False,
) -> None:
    """Add rescanned pages or a missing component; only new pages are read again."""
    from pipeline.flows.review import attach

    settings = signing_settings(ctx.obj)
    try:
        with flow_engine(settings):
            record = attach(settings, dossier, files, by)
    except SohoaError as exc:
        raise fail(exc) from None
    if as_json:
        emit(record)
    else:
        print_record(record)
    raise typer.Exit(digitise_exit(record))


@review_app.command("reuse")
def review_reuse(
    ctx: typer.Context,
    dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")],
    component: Annotated[str, typer.Option("--component", help="Mã thành phần còn thiếu")],
    by: By,
    as_json: AsJson = False,
) -> None:
    """Take the owner's still-valid digitised copy instead of asking for the paper again."""
    from pipeline.flows.review import reuse

    _review(ctx.obj, lambda archive, settings: reuse(archive, settings, dossier, component, by), as_json)


@review_app.command("approve")
def review_approve(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")],
                   by: By, as_json: AsJson = False) -> None:
    """Accept what is left to review: the dossier counts as digitised."""
    from pipeline.flows.review import approve

    _review(ctx.obj, lambda archive, settings: approve(archive, settings, dossier, by), as_json)


@review_app.command("history")
def review_history(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="Mã hồ sơ")],
                   as_json: AsJson = False) -> None:
    """Every correction, attachment and approval of a dossier: what, who, when."""
    _review(ctx.obj, lambda archive, _: [{"kind": e.kind, "by": e.by, "at": e.at.isoformat(),
                                 "detail": e.detail} for e in archive.catalogue.events(dossier)],
            as_json)
