"""`voicebot db ...` and `voicebot merchants ...`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from voicebot.cli_context import AppContext, UserError, pass_app
from voicebot.crm.importer import ImportFileError, import_merchants
from voicebot.crm.merchants import list_merchants
from voicebot.crm.models import MerchantStatus


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@pass_app
def db_upgrade(app: AppContext, revision: str) -> None:
    """Bring the database to the current schema (creates it if needed)."""
    before = app.db.current_revision()
    app.db.upgrade(revision)
    after = app.db.current_revision()
    if before == after:
        click.echo(f"database is up to date at revision {after}")
    else:
        click.echo(f"database upgraded from {before or 'empty'} to {after}")


@db_group.command("current")
@pass_app
def db_current(app: AppContext) -> None:
    """Show the database's schema revision and the newest one."""
    current, head = app.db.current_revision(), app.db.head_revision()
    state = "up to date" if current == head else "needs `voicebot db upgrade`"
    click.echo(f"current: {current or 'empty'}  head: {head}  ({state})")


@click.group("merchants")
def merchants_group() -> None:
    """Merchants to onboard."""


@merchants_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--region", default="PL", show_default=True, help="Country of numbers written without +."
)
@pass_app
def merchants_import(app: AppContext, file: Path, region: str) -> None:
    """Import merchants from a CSV or JSON FILE; re-importing updates by external_id."""
    _require_schema(app)
    try:
        report = import_merchants(app.db, file, default_region=region.upper())
    except ImportFileError as exc:
        raise UserError(str(exc)) from None
    for error in report.errors:
        click.echo(f"{file.name}:{error.line}: {error.reason}", err=True)
    if report.ignored_columns:
        click.echo(f"ignored unknown columns: {', '.join(report.ignored_columns)}", err=True)
    click.echo(
        f"imported {report.imported} merchants ({report.created} new, {report.updated} updated),"
        f" rejected {len(report.errors)}"
    )
    if report.errors and not report.imported:
        raise SystemExit(1)


@merchants_group.command("list")
@click.option("--status", type=click.Choice([s.value for s in MerchantStatus]))
@click.option("--search", help="Part of a name or phone number.")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_app
def merchants_list(
    app: AppContext, status: str | None, search: str | None, limit: int, as_json: bool
) -> None:
    """List merchants."""
    _require_schema(app)
    with app.db.session() as session:
        merchants = list_merchants(
            session, status=MerchantStatus(status) if status else None, search=search, limit=limit
        )
        rows = [
            {
                "id": m.id,
                "external_id": m.external_id,
                "company_name": m.company_name,
                "contact_name": m.contact_name,
                "phone": m.phone,
                "language": m.language,
                "timezone": m.timezone,
                "status": m.status.value,
                "opted_out": m.opted_out,
            }
            for m in merchants
        ]
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    if not rows:
        click.echo("no merchants")
        return
    header = ("id", "external_id", "company_name", "phone", "language", "timezone", "status")
    widths = {k: max(len(k), *(len(str(r[k] or "")) for r in rows)) for k in header}
    click.echo("  ".join(k.ljust(widths[k]) for k in header))
    for row in rows:
        click.echo("  ".join(str(row[k] or "").ljust(widths[k]) for k in header))


def _require_schema(app: AppContext) -> None:
    if app.db.current_revision() != app.db.head_revision():
        raise UserError("the database schema is not current: run `voicebot db upgrade` first")
