"""Story checkpoints and `or` steps as Rasa reads them: checkpoints that join nothing are
warned about (validate and test), a checkpoint in the middle of a story splits it there,
`or` takes slot_was_set alternatives, and `or` variants have their own names."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from voicebot.cli import cli
from voicebot.dialog import Agent
from voicebot.dialog.stories import SlotStep, StoryError, load_stories, read_story_graph
from voicebot.dialog.testing import failed_stories_yaml, run_stories

from .conftest import VET_BOT, write


@pytest.fixture
def vet(tmp_path: Path) -> Path:
    """A copy of the vet bot whose test stories a test may change (actions linked)."""
    project = tmp_path / "vet"
    shutil.copytree(VET_BOT, project, ignore=shutil.ignore_patterns("vet_actions", "__pycache__"))
    os.symlink(VET_BOT / "vet_actions", project / "vet_actions")
    return project


@pytest.fixture(scope="module")
def vet_agent() -> Agent:
    return Agent.load(VET_BOT)


def _misspell(project: Path, old: str, new: str, count: int = 1) -> None:
    stories = project / "tests" / "test_stories.yml"
    text = stories.read_text()
    assert old in text
    stories.write_text(text.replace(old, new, count))


# --- checkpoints that join nothing ---------------------------------------------------------


def test_a_misspelt_end_checkpoint_is_a_loud_warning_and_the_story_is_cut_there(
    vet: Path, tmp_path: Path
) -> None:
    # the first block that goes on at asked_day now ends in a checkpoint nobody continues
    _misspell(vet, "      - checkpoint: asked_day\n", "      - checkpoint: asked_dya\n")
    graph = read_story_graph([vet / "tests" / "test_stories.yml"], test=True)
    (warning,) = graph.warnings
    assert "unsatisfied end checkpoint 'asked_dya'" in warning.message
    assert "'Happy booking, an unseen age found by the learned extractor'" in warning.message
    assert warning.location.endswith("test_stories.yml:37")  # the checkpoint's own line
    cut = [s for s in graph.stories if s.cut_at]
    assert len(cut) == 2 and all(s.cut_at == ["asked_dya"] for s in cut)
    assert all(s.steps[-1].slots == {"pet_age": 9} for s in cut)  # nothing after the checkpoint

    result = CliRunner().invoke(cli, ["dialog", "test", str(vet), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output  # as rasa test: a warning, not a failure
    assert "WARNING  " in result.output and "unsatisfied end checkpoint 'asked_dya'" in (
        result.output
    )
    passed_cut = [line for line in result.output.splitlines() if "(WARNING: cut short" in line]
    assert len(passed_cut) == 2 and all(line.startswith("PASS") for line in passed_cut)
    assert "6 passed, 0 failed; 1 checkpoint warning" in result.output

    validated = CliRunner().invoke(cli, ["dialog", "validate", str(vet)])
    assert validated.exit_code == 0, validated.output
    assert "warning: unsatisfied end checkpoint 'asked_dya'" in validated.output
    strict = CliRunner().invoke(cli, ["dialog", "validate", str(vet), "--fail-on-warnings"])
    assert strict.exit_code == 1


def test_a_misspelt_start_checkpoint_names_the_block_that_is_never_run(
    vet: Path, tmp_path: Path
) -> None:
    # the happy booking (the 2nd form_started) goes on from a checkpoint no block ends with
    stories = vet / "tests" / "test_stories.yml"
    head, _, tail = stories.read_text().partition("      - checkpoint: form_started\n")
    stories.write_text(
        head + _ + tail.replace("checkpoint: form_started\n", "checkpoint: form_strated\n", 1)
    )
    graph = read_story_graph([stories], test=True)
    (warning,) = graph.warnings
    assert warning.message.startswith("unsatisfied start checkpoint 'form_strated'")
    assert "'Happy booking, an unseen age found by the learned extractor'" in warning.message
    assert "never run" in warning.message
    assert warning.location.endswith("test_stories.yml:24")
    assert len(graph.stories) == 4
    assert not any("Happy booking" in s.name for s in graph.stories)

    result = CliRunner().invoke(cli, ["dialog", "test", str(vet), "--out", str(tmp_path / "r")])
    assert "unsatisfied start checkpoint 'form_strated'" in result.output
    assert "4 passed, 0 failed; 1 checkpoint warning" in result.output


def test_a_block_only_a_loop_reaches_is_never_reached(tmp_path: Path) -> None:
    stories = write(
        tmp_path / "stories.yml",
        """
        version: "3.1"
        stories:
        - story: start
          steps:
          - intent: greet
          - action: utter_greet
        - story: loop
          steps:
          - checkpoint: a
          - intent: inform
          - action: utter_ok
          - checkpoint: a
        """,
    )
    graph = read_story_graph([stories])
    assert [w.message.split(":")[0] for w in graph.warnings] == [
        "start checkpoint 'a' in story 'loop' is never reached"
    ]
    assert [s.name for s in graph.stories] == ["start"]


def test_validate_reports_checkpoint_warnings_of_training_stories(vet: Path) -> None:
    data = vet / "data" / "stories.yml"
    data.write_text(
        data.read_text()
        + "\n  - story: goes nowhere\n    steps:\n      - intent: greet\n"
        + "      - action: utter_greet\n      - checkpoint: nowhere\n"
    )
    result = CliRunner().invoke(cli, ["dialog", "validate", str(vet)])
    assert "stories.yml:" in result.output
    assert "warning: unsatisfied end checkpoint 'nowhere' in story 'goes nowhere'" in (
        result.output
    )


# --- a checkpoint in the middle of a story -------------------------------------------------


def test_a_checkpoint_in_the_middle_splits_the_story_there(tmp_path: Path) -> None:
    stories = write(
        tmp_path / "stories.yml",
        """
        version: "3.1"
        stories:
        - story: booking
          steps:
          - intent: greet
          - action: utter_greet
          - checkpoint: greeted
          - intent: book_appointment
          - action: appointment_form
        - story: challenge after the greeting
          steps:
          - checkpoint: greeted
          - intent: bot_challenge
          - action: utter_iamabot
        """,
    )
    graph = read_story_graph([stories])
    assert graph.warnings == []
    by_name = {
        s.name: [getattr(x, "intent", None) or x.name for x in s.steps] for s in graph.stories
    }
    assert by_name == {
        # the block's own two parts, joined again, keep its name
        "booking": ["greet", "utter_greet", "book_appointment", "appointment_form"],
        # the story may also go on from the middle checkpoint with another block
        "booking > challenge after the greeting": [
            "greet",
            "utter_greet",
            "bot_challenge",
            "utter_iamabot",
        ],
    }


def test_the_vet_bot_passes_with_a_checkpoint_in_the_middle(
    vet: Path, vet_agent: Agent, tmp_path: Path
) -> None:
    stories = vet / "tests" / "test_stories.yml"
    # the opening story checks in after the greeting; a new block goes on from there
    text = stories.read_text().replace(
        "      - action: utter_greet\n",
        "      - action: utter_greet\n      - checkpoint: greeted\n",
        1,
    )
    text += (
        "\n  - story: Goodbye straight after the greeting\n    steps:\n"
        "      - checkpoint: greeted\n      - user: |\n          bye\n"
        "        intent: goodbye\n      - action: utter_goodbye\n"
    )
    stories.write_text(text)
    graph = read_story_graph([stories], test=True)
    assert graph.warnings == []
    names = [s.name for s in graph.stories]
    assert "Greet and ask for an appointment > Goodbye straight after the greeting" in names
    # the split opening is still whole in the 6 stories of before, with its `or` variants
    assert len(names) == 7 and len(set(names)) == 7
    results = run_stories(vet_agent, graph.stories, "en")
    assert [(r.story.name, r.divergence) for r in results if not r.passed] == []


# --- `or` of slot_was_set steps ------------------------------------------------------------

_SLOT_OR = """
      - or:
          - slot_was_set:
              - pet_type: dog
          - slot_was_set:
              - pet_type: {second}
"""


def test_or_of_slot_was_set_steps_in_test_and_training_stories(tmp_path: Path) -> None:
    stories = write(
        tmp_path / "stories.yml",
        """
        version: "3.1"
        stories:
        - story: pets
          steps:
          - intent: inform
          - action: appointment_form
          - or:
            - slot_was_set:
              - pet_type: dog
            - slot_was_set:
              - pet_type: cat
          - action: utter_ok
        """,
    )
    (test_story,) = load_stories([stories], test=True)
    step = test_story.steps[2]
    assert isinstance(step, SlotStep)
    assert step.alternatives == [{"pet_type": "dog"}, {"pet_type": "cat"}]
    # training stories: one variant per option, as Rasa trains them, each named apart
    training = load_stories([stories])
    assert [s.name for s in training] == ["pets (or 1/2)", "pets (or 2/2)"]
    assert [s.steps[2].slots for s in training] == [{"pet_type": "dog"}, {"pet_type": "cat"}]
    mixed = write(
        tmp_path / "mixed.yml",
        """
        stories:
        - story: mixed
          steps:
          - or:
            - intent: greet
            - slot_was_set:
              - pet_type: dog
        """,
    )
    with pytest.raises(StoryError, match="not a mix"):
        load_stories([mixed], test=True)


@pytest.mark.parametrize(("second", "passes"), [("cat", True), ("hamster", False)])
def test_an_or_of_slot_values_passes_when_any_option_holds(
    vet: Path, vet_agent: Agent, second: str, passes: bool
) -> None:
    stories = vet / "tests" / "test_stories.yml"
    text = stories.read_text()
    # after "a [kitten](pet_type:cat)" the slot is cat: either option may be written
    exact = "      - slot_was_set:\n          - pet_type: cat\n"
    assert text.count(exact) == 1
    stories.write_text(text.replace(exact, _SLOT_OR.format(second=second).lstrip("\n")))
    chosen = [
        s for s in load_stories([stories], test=True) if "A synonym, a rejected pet" in s.name
    ]
    assert len(chosen) == 2
    results = run_stories(vet_agent, chosen, "en")
    assert all(r.passed is passes for r in results), [r.divergence for r in results]
    if not passes:
        assert "expected slot 'pet_type' = 'dog' or 'pet_type' = 'hamster'" in (
            results[0].divergence or ""
        )
        assert "but 'pet_type' is 'cat'" in (results[0].divergence or "")
        written = failed_stories_yaml(results)
        assert '  - or:  # predicted: pet_type: "cat"' in written
        assert yaml.safe_load(written)["stories"][0]["steps"]  # still valid YAML


# --- `or` variants have their own names ----------------------------------------------------


def test_or_variants_are_named_apart_in_output_and_failed_stories(
    vet: Path, tmp_path: Path
) -> None:
    # every story fails at its first step: all six are written to failed_test_stories.yml
    _misspell(vet, "        intent: greet\n", "        intent: goodbye\n")
    out = tmp_path / "results"
    result = CliRunner().invoke(cli, ["dialog", "test", str(vet), "--out", str(out)])
    assert result.exit_code == 1
    fails = [line.split("  (")[0] for line in result.output.splitlines() if line.startswith("FAIL")]
    assert len(fails) == 6 and len(set(fails)) == 6
    assert "FAIL  Greet and ask for an appointment (or 2/2) > A bot challenge inside the form" in (
        fails
    )
    written = yaml.safe_load((out / "failed_test_stories.yml").read_text())
    names = [s["story"] for s in written["stories"]]
    assert len(set(names)) == 6
    assert sum("(or 1/2)" in n for n in names) == 3 and sum("(or 2/2)" in n for n in names) == 3
