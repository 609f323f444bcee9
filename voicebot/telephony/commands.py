"""`voicebot serve` (webhooks + media streams) and `voicebot call MERCHANT`."""

from __future__ import annotations

import logging

import click

from voicebot.cli_context import AppContext, UserError, pass_app

log = logging.getLogger(__name__)


@click.command("serve")
@click.option("--host", default=None, help="Listen address (default: server.host).")
@click.option("--port", type=int, default=None, help="Port (default: server.port).")
@click.option("--no-warm-up", is_flag=True, help="Load speech and dialog models on first call.")
@pass_app
def serve_command(
    app_ctx: AppContext, host: str | None, port: int | None, no_warm_up: bool
) -> None:
    """Answer Twilio's webhooks and media streams (and the web pages of other areas)."""
    from voicebot.app import create_app
    from voicebot.outbound_webhooks.sender import resume_pending_webhooks
    from voicebot.telephony.server import ServerThread

    settings = app_ctx.settings
    app = create_app(settings, app_ctx.db)
    if not no_warm_up:
        app.extensions["voicebot_calls"].services.warm_up(settings.dialog.languages)
    resume_pending_webhooks(app_ctx.db, settings)
    server = ServerThread(app, host or settings.server.host, port or settings.server.port)
    click.echo(f"listening on {server.base_url} (public: {settings.server.public_base_url})")
    try:
        server.server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")


@click.command("call")
@click.argument("merchant")
@pass_app
def call_command(app_ctx: AppContext, merchant: str) -> None:
    """Phone MERCHANT (database id or external id) now, through Twilio's REST API."""
    call_id, sid = place_call(app_ctx, merchant)
    click.echo(f"call {call_id} placed: {sid}")


def place_call(app_ctx: AppContext, merchant_ref: str) -> tuple[int, str]:
    from voicebot.crm import calls as crm_calls
    from voicebot.crm.merchants import get_merchant
    from voicebot.telephony.rest import dial

    settings, db = app_ctx.settings, app_ctx.db
    with db.session() as s:
        merchant = get_merchant(s, merchant_ref)
        if merchant is None:
            raise UserError(f"no merchant {merchant_ref!r}")
        if merchant.opted_out:
            raise UserError(f"merchant {merchant_ref!r} opted out of calls")
        if not merchant.phone:
            raise UserError(f"merchant {merchant_ref!r} has no phone number")
        call = crm_calls.create_call(s, merchant.id)
        call_id, phone = call.id, merchant.phone
    try:
        sid = dial(settings, call_id, phone)
    except Exception as exc:
        with db.session() as s:
            crm_calls.fail_call(s, call_id, f"{type(exc).__name__}: {exc}")
        raise UserError(f"Twilio refused the call: {exc}") from exc
    with db.session() as s:
        crm_calls.attach_call_sid(s, call_id, sid)
    return call_id, sid
