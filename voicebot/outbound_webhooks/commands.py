"""`voicebot webhooks list|deliver|retry`: the outbound webhook queue from the command line,
for cron and for resending after the platform's receiver was down."""

from __future__ import annotations

import click

from voicebot.cli_context import AppContext, UserError, pass_app
from voicebot.crm.webhook_log import (
    delivery_counts,
    delivery_state,
    list_deliveries,
    requeue_given_up,
)


@click.group("webhooks")
def webhooks_group() -> None:
    """Webhooks posted to the platform when staff approve a configuration."""


@webhooks_group.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@pass_app
def webhooks_list(app: AppContext, limit: int) -> None:
    """The newest deliveries with their state, attempts and last error."""
    with app.db.session() as s:
        for d in list_deliveries(s, limit=limit):
            error = f"  {d.last_error}" if d.last_error and d.delivered_at is None else ""
            click.echo(
                f"{d.id:>6}  {delivery_state(d):<9}  {d.event:<16}  attempts {d.attempts}"
                f"  {d.url}{error}"
            )


@webhooks_group.command("deliver")
@click.option(
    "--wait/--once",
    default=False,
    help="Keep retrying until nothing is pending, or make one pass (default, for cron).",
)
@click.option("--max-wait", type=float, default=3600.0, show_default=True, help="Seconds.")
@pass_app
def webhooks_deliver(app: AppContext, wait: bool, max_wait: float) -> None:
    """Send every delivery that is due now."""
    from voicebot.outbound_webhooks.sender import WebhookSender

    try:
        sender = WebhookSender(app.db, app.settings)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if wait:
        sender.run_until_idle(max_wait_s=max_wait)
    else:
        sender.deliver_due()
    with app.db.session() as s:
        counts = delivery_counts(s)
    click.echo(", ".join(f"{n} {state}" for state, n in counts.items()))


@webhooks_group.command("retry")
@click.argument("delivery_ids", nargs=-1, type=int)
@click.option("--all", "retry_all", is_flag=True, help="Every delivery that was given up.")
@pass_app
def webhooks_retry(app: AppContext, delivery_ids: tuple[int, ...], retry_all: bool) -> None:
    """Queue given-up deliveries again with fresh attempts (then run `webhooks deliver`)."""
    if not delivery_ids and not retry_all:
        raise UserError("name the delivery ids to retry, or pass --all")
    with app.db.session() as s:
        count = requeue_given_up(s, None if retry_all else list(delivery_ids))
    click.echo(f"{count} deliveries queued again")
