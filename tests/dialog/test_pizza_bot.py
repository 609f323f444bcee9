"""The standard Rasa form bot fixture runs unchanged: its own test stories pass, in process
and against a real rasa-sdk action server over HTTP."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicebot.cli import cli
from voicebot.dialog import Agent
from voicebot.dialog.stories import load_stories
from voicebot.dialog.testing import run_stories

from .conftest import PIZZA_BOT, rasa_action_server


def _results(agent: Agent):
    stories = load_stories(agent.project.test_files, test=True)
    assert len(stories) == 5
    return run_stories(agent, stories, "en")


def test_fixture_passes_its_test_stories_in_process(pizza_agent: Agent) -> None:
    failures = [(r.story.name, r.divergence) for r in _results(pizza_agent) if not r.passed]
    assert failures == []


def test_dialog_test_command_reports_pass_and_fail(pizza_copy: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["dialog", "test", str(PIZZA_BOT), "--out", str(tmp_path / "ok")])
    assert ok.exit_code == 0, ok.output
    assert ok.output.count("PASS") == 5 and "5 passed, 0 failed" in ok.output

    # a story expecting the wrong response fails at that step, with file and line
    story_file = pizza_copy / "tests" / "test_stories.yml"
    text = story_file.read_text().replace("- action: utter_ask_continue", "- action: utter_greet")
    story_file.write_text(text)
    (pizza_copy / "endpoints.yml").write_text("action_endpoint:\n  actions_module: actions\n")
    os.symlink(PIZZA_BOT / "actions", pizza_copy / "actions")
    bad = runner.invoke(cli, ["dialog", "test", str(pizza_copy), "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 1
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "utter_greet" in row and n > 60)
    assert (
        f"test_stories.yml:{line}: expected action 'utter_greet', but the bot ran "
        "'utter_ask_continue'" in bad.output
    )
    assert "3 passed, 2 failed" in bad.output
    # as rasa test: the failed stories written back, the wrong action marked on its step
    failed = (tmp_path / "bad" / "failed_test_stories.yml").read_text()
    assert failed.count("- story:") == 2
    assert "  - action: utter_greet  # predicted: utter_ask_continue" in failed


@pytest.fixture
def action_server():
    """The real rasa-sdk action server serving the fixture's actions package."""
    with rasa_action_server(PIZZA_BOT) as url:
        yield url


def test_fixture_passes_its_test_stories_over_http(action_server: str) -> None:
    agent = Agent.load(PIZZA_BOT, action_endpoint=action_server)
    assert type(agent.runner.custom).__name__ == "HttpActions"
    failures = [(r.story.name, r.divergence) for r in _results(agent) if not r.passed]
    assert failures == []
    # the order number comes from the remote action: proof the server really ran it
    conv = agent.new_conversation("http-check", language="en")
    conv.start()
    conv.handle("I want to order 3 small margherita pizzas")
    conv.handle("no")
    turn = conv.handle("Main Square by the fountain")
    assert conv.tracker.get_slot("order_number").startswith("P-")
    assert turn.messages[0].response == "utter_order_summary"
    assert turn.messages[0].text == (
        f"Order {conv.tracker.get_slot('order_number')}: 3 small margherita to Main Square by "
        "the fountain."
    )
