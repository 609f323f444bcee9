"""`voicebot dialer run | plan | worker`."""

from __future__ import annotations

import json
import signal
import threading
from datetime import UTC, datetime

import click

from voicebot.cli_context import AppContext, UserError, pass_app


@click.group("dialer")
def dialer_group() -> None:
    """The campaign dialer: who to call, when, how often and how many at once."""


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handle(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


@dialer_group.command("run")
@click.option(
    "--queue",
    "use_queue",
    is_flag=True,
    help="Enqueue claimed calls on Redis for `dialer worker` instead of dialling here.",
)
@click.option("--once", is_flag=True, help="One round of claims, then exit.")
@click.option("--until-idle", is_flag=True, help="Exit at the first round that claims nothing.")
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Serve the dialer's Prometheus metrics on this port (default: dialer.metrics_port;"
    " 0: any free port).",
)
@pass_app
def run_command(
    app_ctx: AppContext, use_queue: bool, once: bool, until_idle: bool, metrics_port: int | None
) -> None:
    """Call due merchants until stopped (SIGTERM/Ctrl-C stop cleanly)."""
    settings = app_ctx.settings
    port = metrics_port if metrics_port is not None else settings.dialer.metrics_port
    if port is None:
        _run_dialer(app_ctx, use_queue, once, until_idle)
        return
    from voicebot.serving.metrics_endpoint import DialerMetricsServer

    host = settings.dialer.metrics_host
    try:
        metrics_server = DialerMetricsServer(settings, host, port)
    except OSError as exc:
        raise UserError(f"cannot serve the dialer's metrics on {host}:{port}: {exc}") from exc
    click.echo(f"dialer metrics on http://{host}:{metrics_server.port}/metrics", err=True)
    try:
        _run_dialer(app_ctx, use_queue, once, until_idle)
    finally:
        metrics_server.close()


def _run_dialer(app_ctx: AppContext, use_queue: bool, once: bool, until_idle: bool) -> None:
    from voicebot.dialer.loop import Dialer, embedded_dispatch

    settings, db = app_ctx.settings, app_ctx.db
    stop = _stop_on_signals()
    if use_queue:
        from voicebot.dialer.jobs import dialer_queue, queue_dispatch, redis_connection

        dispatch = queue_dispatch(settings, dialer_queue(settings, redis_connection(settings)))
    else:
        from voicebot.dialer.placers import load_placer

        dispatch = embedded_dispatch(db, settings, load_placer(settings, db), stop=stop)
    dialer = Dialer(db, settings, dispatch, stop=stop)
    if once:
        report = dialer.tick()
        claimed = len(report.claimed)
    else:
        claimed = dialer.run(until_idle=until_idle)
    where = "queued" if use_queue else "placed"
    click.echo(f"dialer stopped: {claimed} call(s) claimed and {where}")


@dialer_group.command("plan")
@click.option(
    "--hours",
    type=click.FloatRange(min=0, min_open=True),
    default=24.0,
    show_default=True,
    help="How far ahead to look.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--all", "show_all", is_flag=True, help="List skipped merchants one by one.")
@pass_app
def plan_command(app_ctx: AppContext, hours: float, as_json: bool, show_all: bool) -> None:
    """Print whom the dialer would call in the next HOURS and why others are skipped.
    Places no call and changes nothing."""
    from voicebot.crm.dialer_queue import merchants_for_plan
    from voicebot.dialer.plan import build_plan, capacity_note

    settings = app_ctx.settings
    now = datetime.now(UTC)
    with app_ctx.db.session() as session:
        entries = build_plan(merchants_for_plan(session), now=now, hours=hours, settings=settings)
    if as_json:
        click.echo(json.dumps([e.as_dict() for e in entries], indent=2, ensure_ascii=False))
        return
    calls = [e for e in entries if e.action == "call"]
    click.echo(f"plan for the next {hours:g} h from {now:%Y-%m-%d %H:%M} UTC")
    for entry in calls:
        assert entry.at is not None
        click.echo(
            f"  {entry.at:%Y-%m-%d %H:%M %Z}  merchant {entry.merchant_id} "
            f"({entry.external_id}): {entry.reason}"
        )
    click.echo(capacity_note(len(calls), settings))
    later = [e for e in entries if e.action == "later"]
    if later:
        click.echo(f"{len(later)} merchant(s) due after the horizon")
    skipped = [e for e in entries if e.action == "skip"]
    by_reason: dict[str, list[str]] = {}
    for entry in skipped:
        by_reason.setdefault(entry.reason, []).append(f"{entry.merchant_id} ({entry.external_id})")
    for reason, merchants in sorted(by_reason.items()):
        listed = f": {', '.join(merchants)}" if show_all else ""
        click.echo(f"skipped, {reason}: {len(merchants)}{listed}")


@dialer_group.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
@pass_app
def worker_command(app_ctx: AppContext, burst: bool) -> None:
    """Place the calls queued by `dialer run --queue` (RQ worker on dialer.redis_url)."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from voicebot.dialer.jobs import run_worker
    from voicebot.dialer.placers import load_placer

    settings, db = app_ctx.settings, app_ctx.db
    try:
        run_worker(settings, db, load_placer(settings, db), burst=burst)
    except RedisConnectionError as exc:
        raise UserError(f"cannot reach Redis at {settings.dialer.redis_url}: {exc}") from exc
