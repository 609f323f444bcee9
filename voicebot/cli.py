"""The `voicebot` command. Each area keeps its commands in its own module; this file only
groups them, loads settings once and turns errors into one clear line."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from voicebot import __version__
from voicebot.cli_context import AppContext, UserError
from voicebot.config import ConfigError


class FriendlyGroup(click.Group):
    """Prints expected failures as one line; --debug shows the traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            app = ctx.find_object(AppContext)
            if app is not None and app.debug:
                raise
            message = str(exc) if isinstance(exc, ConfigError) else _describe(exc)
            raise UserError(message) from exc


def _describe(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text} (run with --debug for the traceback)"


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="voicebot")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    envvar="VOICEBOT_CONFIG",
    help=(
        "Settings file. Default: $VOICEBOT_CONFIG, else ./voicebot.yml, else ./config.yml "
        "unless it is a Rasa model configuration (Rasa's top-level keys such as pipeline or "
        "policies and none of voicebot's sections); with none, the built-in defaults and "
        "VOICEBOT_* variables."
    ),
)
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.pass_context
def cli(ctx: click.Context, config_file: str | None, debug: bool) -> None:
    """Outbound onboarding voicebot: calls new merchants and configures their stores."""
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not debug:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    ctx.obj = AppContext(config_file, debug)


def _register() -> None:
    # One line per area; each module defines its own click commands or groups.
    from voicebot.crm.commands import db_group, merchants_group

    cli.add_command(db_group)
    cli.add_command(merchants_group)
    # -- more areas register below this line --
    from voicebot.speech.commands import models_group, tts_group

    cli.add_command(models_group)
    cli.add_command(tts_group)
    from voicebot.telephony.commands import call_command, serve_command

    cli.add_command(serve_command)
    cli.add_command(call_command)
    from voicebot.simulator.commands import simulate_command

    cli.add_command(simulate_command)
    from voicebot.dialer.commands import dialer_group

    cli.add_command(dialer_group)
    from voicebot.dialog.commands import chat_command, dialog_group

    cli.add_command(chat_command)
    cli.add_command(dialog_group)
    from voicebot.review.commands import staff_group

    cli.add_command(staff_group)
    from voicebot.api.commands import api_token_group, export_command, retention_group

    cli.add_command(api_token_group)
    cli.add_command(export_command)
    cli.add_command(retention_group)
    from voicebot.outbound_webhooks.commands import webhooks_group

    cli.add_command(webhooks_group)


_register()


def main() -> None:
    cli(prog_name="voicebot")
