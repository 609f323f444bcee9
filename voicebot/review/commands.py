"""`voicebot staff ...`: accounts for the review UI."""

from __future__ import annotations

import sys

import click

from voicebot.cli_context import AppContext, UserError, pass_app
from voicebot.crm.models import StaffRole
from voicebot.crm.staff import (
    StaffError,
    add_staff,
    list_staff,
    remove_staff,
    set_active,
    set_password,
)


@click.group("staff")
def staff_group() -> None:
    """Staff accounts for the review UI."""


@staff_group.command("add")
@click.argument("email")
@click.option(
    "--role", type=click.Choice([r.value for r in StaffRole]), default="reviewer", show_default=True
)
@click.option("--name", help="Name shown in the UI.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (scripts).")
@pass_app
def staff_add(
    app: AppContext, email: str, role: str, name: str | None, password_stdin: bool
) -> None:
    """Create a staff account; asks for the password twice unless --password-stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with app.db.session() as s:
            user = add_staff(s, email, password, role=StaffRole(role), name=name, actor="cli")
            click.echo(f"added {user.email} ({user.role.value})")
    except StaffError as exc:
        raise UserError(str(exc)) from None


@staff_group.command("list")
@pass_app
def staff_list(app: AppContext) -> None:
    """Every staff account with its role and state."""
    with app.db.session() as s:
        users = list_staff(s)
        if not users:
            click.echo("no staff accounts yet: voicebot staff add EMAIL")
        for u in users:
            state = "active" if u.active else "disabled"
            last = f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "never"
            click.echo(f"{u.email:<32} {u.role.value:<9} {state:<10} last login {last}")


def _set_active(app: AppContext, email: str, active: bool) -> None:
    try:
        with app.db.session() as s:
            user = set_active(s, email, active, actor="cli")
            click.echo(f"{user.email} {'enabled' if active else 'disabled'}")
    except StaffError as exc:
        raise UserError(str(exc)) from None


@staff_group.command("disable")
@click.argument("email")
@pass_app
def staff_disable(app: AppContext, email: str) -> None:
    """Disable an account; its open sessions end at once."""
    _set_active(app, email, False)


@staff_group.command("enable")
@click.argument("email")
@pass_app
def staff_enable(app: AppContext, email: str) -> None:
    """Enable an account again."""
    _set_active(app, email, True)


@staff_group.command("password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (scripts).")
@pass_app
def staff_password(app: AppContext, email: str, password_stdin: bool) -> None:
    """Set a new password; every open session of the account ends."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        with app.db.session() as s:
            user = set_password(s, email, password, actor="cli")
            click.echo(f"password changed for {user.email}; its sessions have ended")
    except StaffError as exc:
        raise UserError(str(exc)) from None


@staff_group.command("remove")
@click.argument("email")
@pass_app
def staff_remove(app: AppContext, email: str) -> None:
    """Delete an account; its open sessions end at once."""
    try:
        with app.db.session() as s:
            remove_staff(s, email, actor="cli")
            click.echo(f"removed {email}")
    except StaffError as exc:
        raise UserError(str(exc)) from None
