"""`voicebot simulate`: a full onboarding call against a simulated Twilio and merchant."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from voicebot.cli_context import AppContext, UserError, pass_app


@click.command("simulate")
@click.option(
    "--scenario",
    "scenario_name",
    default="happy_en",
    show_default=True,
    help="Scenario name (scenarios/NAME.yml) or path to a scenario file.",
)
@click.option(
    "--speed",
    type=float,
    default=1.0,
    show_default=True,
    help="Run the line this many times faster than real time.",
)
@click.option(
    "--server",
    "server_url",
    default=None,
    help="Call a running `voicebot serve` at this URL instead of one in process.",
)
@click.option(
    "--configured-db",
    is_flag=True,
    help="Use the configured database instead of a temporary SQLite one.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--list", "list_only", is_flag=True, help="List the scenarios and exit.")
@pass_app
def simulate_command(
    app_ctx: AppContext,
    scenario_name: str,
    speed: float,
    server_url: str | None,
    configured_db: bool,
    as_json: bool,
    list_only: bool,
) -> None:
    """Simulate a merchant's call end to end: Twilio, the bot, real speech both ways.

    Exits with status 1 unless the call ended as the scenario expects (a complete store
    configuration for a completed call)."""
    from voicebot.simulator.report import print_result, result_as_dict
    from voicebot.simulator.runner import Simulator
    from voicebot.simulator.scenario import ScenarioError, list_scenarios, load_scenario
    from voicebot.simulator.verdict import judge

    if list_only:
        for name in list_scenarios():
            click.echo(name)
        return
    if speed <= 0:
        raise UserError("--speed must be positive")
    try:
        scenario = load_scenario(scenario_name)
    except ScenarioError as exc:
        raise UserError(str(exc)) from None

    settings = app_ctx.settings
    if configured_db or server_url:
        db = app_ctx.db
    else:  # a fresh database per run, kept with its recording so it can be inspected
        from voicebot.crm.db import Database

        stamp = time.strftime("%Y%m%d-%H%M%S")
        run_dir = Path(settings.paths.data_dir) / "simulations" / f"{scenario.name}-{stamp}"
        run_dir.mkdir(parents=True, exist_ok=True)
        db = Database(f"sqlite:///{run_dir / 'simulation.db'}")
        settings = settings.model_copy(
            update={"call": settings.call.model_copy(update={"recordings_dir": run_dir})}
        )
    db.upgrade()
    click.echo(f"scenario {scenario.name} ({scenario.language}): {scenario.description}", err=True)
    with Simulator(settings, db, speed=speed, server_url=server_url) as simulator:
        click.echo("loading speech and dialog models ...", err=True)
        simulator.warm_up([scenario.language], scenario.voice)
        result = simulator.run(scenario)
    verdict = judge(result, scenario)
    if as_json:
        data = result_as_dict(result)
        data["verdict"] = {"passed": verdict.passed, "summary": verdict.summary}
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        print_result(result, click.echo)
    # Last, in plain words, so a person (or CI) reading the end of the output knows.
    for line in verdict.lines():
        click.echo(line, err=as_json)
    if not verdict.passed:
        raise click.exceptions.Exit(1)
