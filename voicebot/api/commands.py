"""`voicebot api-token ...`, `voicebot export`, `voicebot merchants erase|export` and
`voicebot retention run`."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import click
from dateutil import parser as date_parser

from voicebot.api.formats import FORMATS, export_lines
from voicebot.cli_context import AppContext, UserError, pass_app
from voicebot.crm.commands import merchants_group
from voicebot.crm.exports import ConfigQuery
from voicebot.crm.merchants import get_merchant
from voicebot.crm.models import ConfigStatus
from voicebot.crm.privacy import ErasureError, apply_retention, erase_merchant, export_merchant
from voicebot.crm.tokens import SCOPES, TokenError, create_token, list_tokens, revoke_token


@click.group("api-token")
def api_token_group() -> None:
    """Tokens for the export API."""


@api_token_group.command("create")
@click.option("--name", default="platform", show_default=True, help="Who uses the token.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(sorted(SCOPES)),
    help="Repeat for several scopes.",
)
@pass_app
def token_create(app: AppContext, name: str, scopes: tuple[str, ...]) -> None:
    """Create a token and print it once; only its SHA-256 hash is stored."""
    try:
        with app.db.session() as s:
            token, plain = create_token(s, name, list(scopes), actor="cli")
            token_id = token.id
    except TokenError as exc:
        raise UserError(str(exc)) from None
    click.echo(plain)
    click.echo(
        f"token {token_id} ({name}: {', '.join(scopes)}); it cannot be shown again", err=True
    )


@api_token_group.command("list")
@pass_app
def token_list(app: AppContext) -> None:
    """Tokens with their prefix, scopes and state (never the token itself)."""
    with app.db.session() as s:
        for t in list_tokens(s):
            state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            click.echo(
                f"{t.id:>4}  {t.prefix}…  {t.name:<16} {','.join(t.scopes):<36}"
                f" {state:<18} last used {used}"
            )


@api_token_group.command("revoke")
@click.argument("token_id", type=int)
@pass_app
def token_revoke(app: AppContext, token_id: int) -> None:
    """Revoke a token at once."""
    try:
        with app.db.session() as s:
            revoke_token(s, token_id, actor="cli")
    except TokenError as exc:
        raise UserError(str(exc)) from None
    click.echo(f"token {token_id} revoked")


@click.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(sorted(FORMATS)), default="csv", show_default=True
)
@click.option("--status", type=click.Choice([s.value for s in ConfigStatus]))
@click.option("--updated-since", help="ISO 8601 time with a zone, e.g. 2026-11-20T00:00:00Z.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output).",
)
@pass_app
def export_command(
    app: AppContext, fmt: str, status: str | None, updated_since: str | None, output: Path | None
) -> None:
    """Export store configurations as CSV or NDJSON."""
    since = None
    if updated_since:
        try:
            since = date_parser.isoparse(updated_since)
        except ValueError:
            raise UserError(f"--updated-since {updated_since!r} is not an ISO 8601 time") from None
        if since.tzinfo is None:
            raise UserError("--updated-since needs a time zone, e.g. 2026-11-20T00:00:00Z")
    query = ConfigQuery(status=ConfigStatus(status) if status else None, updated_since=since)
    lines = export_lines(app.db, query, fmt)
    if output is None:
        for chunk in lines:
            sys.stdout.write(chunk)
        return
    partial = output.with_name(output.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        for chunk in lines:
            handle.write(chunk)
    partial.replace(output)  # a complete file or none, never half of one
    click.echo(f"wrote {output}", err=True)


def _merchant_id(app: AppContext, reference: str) -> int:
    with app.db.session() as s:
        merchant = get_merchant(s, reference)
        if merchant is None:
            raise UserError(f"no merchant {reference!r} (database id or external id)")
        return merchant.id


@click.command("erase")
@click.argument("reference")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def merchants_erase(app: AppContext, reference: str, yes: bool) -> None:
    """Erase a merchant's personal data, recordings and transcripts (GDPR)."""
    merchant_id = _merchant_id(app, reference)
    if not yes:
        click.confirm(f"Erase merchant {merchant_id} for good?", abort=True)
    try:
        with app.db.session() as s:
            report = erase_merchant(
                s, merchant_id, actor="cli", recordings_dir=app.settings.call.recordings_dir
            )
    except ErasureError as exc:
        raise UserError(str(exc)) from None
    click.echo(
        f"merchant {merchant_id} erased: {report.calls} calls, {report.recordings_deleted}"
        f" recordings, {report.turns_deleted} transcript turns, {report.events_redacted}"
        " events redacted"
    )


@click.command("export")
@click.argument("reference")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def merchants_export(app: AppContext, reference: str, output: Path | None) -> None:
    """Everything stored about a merchant as JSON (GDPR right of access)."""
    merchant_id = _merchant_id(app, reference)
    with app.db.session() as s:
        data = export_merchant(s, merchant_id)
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


merchants_group.add_command(merchants_erase)
merchants_group.add_command(merchants_export)


@click.group("retention")
def retention_group() -> None:
    """Retention of recordings and transcripts."""


@retention_group.command("run")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    help="Keep this many days (default: privacy.retention_days).",
)
@pass_app
def retention_run(app: AppContext, days: int | None) -> None:
    """Delete recordings and transcripts older than the retention age; keeps configurations.
    Meant for a daily cron job."""
    days = days or app.settings.privacy.retention_days
    with app.db.session() as s:
        report = apply_retention(
            s, max_age=timedelta(days=days), recordings_dir=app.settings.call.recordings_dir
        )
    click.echo(
        f"retention {days} days (before {report.cutoff:%Y-%m-%d %H:%M} UTC): {report.calls}"
        f" calls, {report.recordings_deleted} recordings and {report.turns_deleted}"
        " transcript turns deleted"
    )
