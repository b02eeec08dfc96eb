"""``user``: the accounts of the pages (``sohoa serve``): add, list, disable."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from pipeline.cli.base import AsJson, app, emit, err, exit_on_error, open_catalogue

user_app = typer.Typer(no_args_is_help=True, help="Accounts of the pages (roles, agencies).")
app.add_typer(user_app, name="user")


def _row(user) -> dict:
    return {"name": user.name, "role": user.role, "agencies": user.agencies,
            "disabled": user.disabled, "created_at": user.created_at.isoformat()}


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Tên đăng nhập")],
    role: Annotated[str, typer.Option("--role", help="scanner, reviewer, archivist, manager "
                                      "or admin")],
    agency: Annotated[list[str], typer.Option("--agency", help="Mã cơ quan, repeatable")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from standard input (never an argument)")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Create an account; its password is read from standard input, hashed (Argon2id)."""
    from getpass import getpass

    from pipeline.identifiers import parse_agency_code
    from pipeline.web.accounts import Accounts

    with exit_on_error():
        agencies = [parse_agency_code(a) for a in agency]
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin \
        else getpass(f"Mật khẩu cho {name}: ")
    with open_catalogue(ctx.obj) as catalogue, exit_on_error():
        user = Accounts(catalogue).add(name, role, agencies, password)
    if as_json:
        emit(_row(user))
    else:
        err.print(escape(f"Đã tạo người dùng {name} ({role})."))


@user_app.command("list")
def user_list(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Accounts, their roles and agencies, and whether disabled (never their passwords)."""
    from pipeline.web.accounts import Accounts

    with open_catalogue(ctx.obj) as catalogue:
        rows = [_row(u) for u in Accounts(catalogue).users()]
    if as_json:
        emit(rows)
    else:
        for row in rows:
            sys.stdout.write(f"{row['name']}\t{row['role']}\t{','.join(row['agencies'])}\t"
                             f"{'disabled' if row['disabled'] else 'active'}\n")


@user_app.command("disable")
def user_disable(ctx: typer.Context, name: Annotated[str, typer.Argument()],
                 as_json: AsJson = False) -> None:
    """Disable an account at once (its sessions end with it); kept for the history."""
    from pipeline.web.accounts import Accounts

    with open_catalogue(ctx.obj) as catalogue, exit_on_error():
        Accounts(catalogue).disable(name)
    if as_json:
        emit({"name": name, "disabled": True})
