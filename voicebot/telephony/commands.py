"""`voicebot serve` (webhooks + media streams) and `voicebot call MERCHANT`."""

from __future__ import annotations

import logging

import click

from voicebot.cli_context import AppContext, UserError, pass_app

log = logging.getLogger(__name__)


@click.command("serve")
@click.option("--host", default=None, help="Listen address (default: server.host).")
@click.option("--port", type=int, default=None, help="Port (default: server.port).")
@click.option("--workers", type=int, default=None, help="Processes (default: server.workers).")
@click.option("--threads", type=int, default=None, help="Threads each (default: server.threads).")
@click.option("--no-warm-up", is_flag=True, help="Load speech and dialog models on first call.")
@pass_app
def serve_command(
    app_ctx: AppContext,
    host: str | None,
    port: int | None,
    workers: int | None,
    threads: int | None,
    no_warm_up: bool,
) -> None:
    """Answer Twilio's webhooks and media streams (and the web pages of other areas) with
    gunicorn: WORKERS processes of THREADS threads, each live call holding one thread."""
    from voicebot.app import create_app
    from voicebot.observability.logs import configure_logging
    from voicebot.serving.gunicorn_app import VoicebotServer, worker_count
    from voicebot.serving.health import database_problem

    settings = app_ctx.settings
    server_settings = settings.server.model_copy(
        update={k: v for k, v in {"workers": workers, "threads": threads}.items() if v is not None}
    )
    settings = settings.model_copy(update={"server": server_settings})
    problem = database_problem(app_ctx.db)
    app_ctx.db.dispose()  # workers open their own connections after the fork
    if problem:
        url = app_ctx.db.engine.url.render_as_string(hide_password=True)
        raise UserError(f"{problem} (database {url})")
    configure_logging(settings.server.log_format, debug=app_ctx.debug)
    host, port = host or settings.server.host, port or settings.server.port
    log.info(
        "serving on %s:%d with %d worker(s) x %d threads (public: %s)",
        host,
        port,
        worker_count(settings),
        settings.server.threads,
        settings.server.public_base_url,
    )
    server = VoicebotServer(
        settings,
        create_app,
        host=host,
        port=port,
        warm_up=not no_warm_up,
        log_format=settings.server.log_format,
    )
    server.run()


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
