"""A Rasa 3 project runs unchanged: commands from its root with no flags (its config.yml is
never taken for voicebot's settings), its pipeline and policies honoured, entities learned by
a CRF, test stories joined at checkpoints, and rasa test's result files written."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from voicebot.cli import cli
from voicebot.config import ConfigError, is_rasa_config, load_settings, settings_file
from voicebot.dialog import Agent
from voicebot.dialog.nlu.pipeline import read_rasa_config
from voicebot.dialog.stories import load_stories
from voicebot.dialog.testing import run_stories

from .conftest import PIZZA_BOT, VET_BOT, rasa_action_server, write


@pytest.fixture(scope="module")
def vet_agent() -> Agent:
    return Agent.load(VET_BOT)


def _vet_copy(tmp_path: Path) -> Path:
    """A copy of the vet bot a test may change; its actions package is the fixture's own
    (linked), as one process imports a package of one name once."""
    project = tmp_path / "vet"
    shutil.copytree(VET_BOT, project, ignore=shutil.ignore_patterns("vet_actions", "__pycache__"))
    os.symlink(VET_BOT / "vet_actions", project / "vet_actions")
    return project


# --- settings and Rasa's config.yml --------------------------------------------------------


def test_a_rasa_config_is_never_read_as_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "config.yml", "recipe: default.v1\nlanguage: en\npipeline: null\n")
    assert is_rasa_config(tmp_path / "config.yml")
    assert settings_file(environ={}) is None
    assert load_settings(environ={}).dialog.default_language == "pl"  # the defaults
    # voicebot's own file beside it is read
    write(tmp_path / "voicebot.yml", "dialog:\n  default_language: en\n")
    assert settings_file(environ={}) == Path("voicebot.yml")
    assert load_settings(environ={}).dialog.default_language == "en"
    # naming the Rasa file explicitly is a clear error, not a confusing one
    with pytest.raises(ConfigError, match="Rasa model configuration"):
        load_settings(tmp_path / "config.yml", environ={})


def test_voicebots_own_config_yml_is_still_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "config.yml", "dialog:\n  default_language: en\n")
    assert not is_rasa_config(tmp_path / "config.yml")
    assert load_settings(environ={}).dialog.default_language == "en"


@pytest.mark.parametrize("bot", [PIZZA_BOT, VET_BOT], ids=["pizza", "vet"])
def test_every_dialog_command_runs_from_the_project_root(
    bot: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(bot)
    monkeypatch.delenv("VOICEBOT_CONFIG", raising=False)
    runner = CliRunner()
    # --out elsewhere keeps the fixture clean; what matters is no settings error and a pass
    tested = runner.invoke(cli, ["dialog", "test", "--out", str(tmp_path)])
    assert tested.exit_code == 0, tested.output
    assert " passed, 0 failed" in tested.output
    validated = runner.invoke(cli, ["dialog", "validate"])
    assert validated.exit_code == 0, validated.output
    evaluated = runner.invoke(cli, ["dialog", "evaluate"])
    assert evaluated.exit_code == 0, evaluated.output
    assert "en: intent accuracy" in evaluated.output
    chatted = runner.invoke(cli, ["chat"], input="hello\n/quit\n")
    assert chatted.exit_code == 0, chatted.output
    assert chatted.output.startswith("bot> ") or "bot> Hello" in chatted.output


# --- config.yml pipeline and policies ------------------------------------------------------


def test_pipeline_components_map_to_the_engine(caplog: pytest.LogCaptureFixture) -> None:
    config = yaml.safe_load((VET_BOT / "config.yml").read_text())
    config["pipeline"].append({"name": "SpacyEntityExtractor"})
    with caplog.at_level(logging.WARNING):
        mapped = read_rasa_config(config)
        read_rasa_config(config)
    nlu = mapped.nlu
    assert (nlu.fallback_threshold, nlu.ambiguity_threshold) == (0.3, 0.05)
    # the word CountVectorsFeaturizer as given: Rasa's default max_ngram is 1
    assert nlu.char_ngrams == (1, 4) and nlu.word_ngrams == (1, 1)
    assert nlu.shape_features and nlu.pattern_features and nlu.synonyms
    assert nlu.crf is not None and nlu.crf.max_iterations == 50
    assert mapped.policies.max_history == 5  # TEDPolicy's
    assert mapped.unsupported == [
        "SpacyEntityExtractor is not supported; the CRF entity extractor stands in for it",
        "TEDPolicy is not supported; story memoization over the same max_history (stories "
        "match on their last turns) stands in for it",
    ]
    for name in ("SpacyEntityExtractor", "TEDPolicy"):
        named = [r for r in caplog.records if name in r.getMessage()]
        assert len(named) <= 1  # once per process, not once per model


def test_word_ngrams_are_the_featurizers_own() -> None:
    def word(**given: int) -> tuple[int, int]:
        component = {"name": "CountVectorsFeaturizer", **given}
        return read_rasa_config(
            {"pipeline": [component, {"name": "DIETClassifier"}]}
        ).nlu.word_ngrams

    assert word() == (1, 1)
    assert word(max_ngram=3) == (1, 3)
    assert word(min_ngram=2, max_ngram=2) == (2, 2)
    # the onboarding bot asks for bigrams and gets them
    onboarding = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "dialogs" / "config.yml").read_text()
    )
    assert read_rasa_config(onboarding).nlu.word_ngrams == (1, 2)
    # no word featurizer: the classifier's own word features stand in, and the notes say so
    chars = read_rasa_config(
        {"pipeline": [{"name": "CountVectorsFeaturizer", "analyzer": "char_wb"}]}
    )
    assert chars.nlu.word_ngrams == (1, 2)
    assert any("without a word CountVectorsFeaturizer" in note for note in chars.unsupported)


def test_pipeline_null_is_rasas_default() -> None:
    mapped = read_rasa_config({"language": "en", "pipeline": None, "policies": None})
    assert (mapped.nlu.fallback_threshold, mapped.nlu.ambiguity_threshold) == (0.3, 0.1)
    assert mapped.nlu.crf is not None  # DIET's entity recognition: the CRF stands in
    assert mapped.nlu.char_ngrams == (1, 4)
    assert mapped.policies.max_history == 5
    # a pipeline without an entity extractor learns no entities
    plain = read_rasa_config({"pipeline": [{"name": "FallbackClassifier", "threshold": 0.6}]})
    assert plain.nlu.crf is None and plain.nlu.fallback_threshold == 0.6


def test_project_threshold_and_parameters_reach_the_model(vet_agent: Agent) -> None:
    model = vet_agent.nlu("en")
    assert (model.fallback_threshold, model.ambiguity_threshold) == (0.3, 0.05)
    assert model.crf is not None


# --- the learned entity extractor ----------------------------------------------------------


def test_an_unseen_number_is_learned_and_answers_like_numbers(vet_agent: Agent) -> None:
    model = vet_agent.nlu("en")
    parsed = model.parse("it's 9 years old")  # the data: "it's [3](number) years old"
    assert parsed["intent"]["name"] == "inform"
    (entity,) = parsed["entities"]
    assert (entity["entity"], entity["value"], entity["extractor"]) == (
        "number",
        "9",
        "CRFEntityExtractor",
    )
    assert 0.55 <= entity["confidence_entity"] <= 1.0
    ninety_nine = model.parse("99")
    assert ninety_nine["intent"]["name"] == "inform"
    assert [(e["entity"], e["value"]) for e in ninety_nine["entities"]] == [("number", "99")]


def test_learned_and_rule_entities_combine(vet_agent: Agent) -> None:
    model = vet_agent.nlu("en")
    parsed = model.parse("I have a snake and it is 12")
    found = {e["entity"]: (e["value"], e["extractor"]) for e in parsed["entities"]}
    assert found["pet_type"] == ("snake", "CRFEntityExtractor")  # in no lookup, never annotated
    # a regex and a synonym still work beside the CRF
    parsed = model.parse("tmrw at 10:45")
    found = {e["entity"]: e["value"] for e in parsed["entities"]}
    assert found == {"day": "tomorrow", "time": "10:45"}


def test_without_a_learned_extractor_only_known_values_are_found(tmp_path: Path) -> None:
    project = _vet_copy(tmp_path)
    config = yaml.safe_load((project / "config.yml").read_text())
    config["pipeline"] = [c for c in config["pipeline"] if c["name"] != "CRFEntityExtractor"]
    (project / "config.yml").write_text(yaml.safe_dump(config))
    model = Agent.load(project).nlu("en")
    assert model.crf is None
    assert model.parse("I have a snake")["entities"] == []


# --- test stories as rasa test runs them ---------------------------------------------------


def test_checkpoints_and_or_steps_make_whole_stories() -> None:
    stories = load_stories([VET_BOT / "tests" / "test_stories.yml"], test=True)
    names = [s.name for s in stories]
    # 2 `or` variants of the opening x (2 paths through asked_day + 1 bot challenge)
    assert len(stories) == 6
    # each `or` variant has its own name (as results/failed_test_stories.yml shows it)
    assert len(set(names)) == len(names)
    for variant in ("(or 1/2)", "(or 2/2)"):
        assert f"Greet and ask for an appointment {variant} > A bot challenge inside the form" in (
            names
        )
    whole = next(s for s in stories if "Happy booking" in s.name)
    assert whole.name.endswith("> Day by synonym, a rejected time, then booked")
    assert whole.steps[0].intent == "greet" and whole.steps[-1].name == "utter_goodbye"


def test_vet_bot_passes_in_process(vet_agent: Agent) -> None:
    stories = load_stories(vet_agent.project.test_files, test=True)
    failures = [(r.story.name, r.divergence) for r in run_stories(vet_agent, stories, "en")]
    assert [f for f in failures if f[1]] == []


def test_vet_bot_passes_with_the_real_action_server() -> None:
    with rasa_action_server(VET_BOT, "vet_actions") as url:
        agent = Agent.load(VET_BOT, action_endpoint=url)
        assert type(agent.runner.custom).__name__ == "HttpActions"
        stories = load_stories(agent.project.test_files, test=True)
        results = run_stories(agent, stories, "en")
        assert [(r.story.name, r.divergence) for r in results if not r.passed] == []
        # the booking reference comes from the remote action, the rejection from validation
        conv = agent.new_conversation("http-vet", language="en")
        conv.start()
        conv.handle("I'd like to book an appointment")
        conv.handle("a hamster")
        rejected = conv.handle("99")
        assert next(m.response for m in rejected.messages) == "utter_wrong_age"
        assert conv.tracker.get_slot("pet_age") is None
        conv.handle("2")
        conv.handle("friday")
        booked = conv.handle("9:30")
        assert conv.tracker.get_slot("booking_ref").startswith("V-")
        assert booked.messages[-1].text == (
            f"Booked {conv.tracker.get_slot('booking_ref')}: your hamster on friday at 09:30."
        )


def test_failed_stories_and_intent_report_as_rasa_writes_them(tmp_path: Path) -> None:
    project = _vet_copy(tmp_path)
    stories = project / "tests" / "test_stories.yml"
    text = stories.read_text()
    # a story expecting the wrong intent for "hello", and one expecting the wrong action
    text = text.replace("        intent: greet\n", "        intent: goodbye\n", 1)
    stories.write_text(text)
    out = tmp_path / "results"
    result = CliRunner().invoke(cli, ["dialog", "test", str(project), "--out", str(out)])
    assert result.exit_code == 1
    assert "0 passed, 6 failed" in result.output
    failed = yaml.safe_load((out / "failed_test_stories.yml").read_text())
    assert len(failed["stories"]) == 6
    raw = (out / "failed_test_stories.yml").read_text()
    assert "    intent: goodbye  # predicted: greet: hello" in raw
    assert '  - user: "I\'d like to book an appointment"' in raw
    assert '  - user: "it\'s a [dog](pet_type)"' in raw  # annotations kept as written
    report = json.loads((out / "intent_report.json").read_text())
    assert report["goodbye"]["confused_with"] == {"greet": 1}
    assert report["greet"]["precision"] == 0.0
    assert report["inform"]["recall"] == 1.0
    assert {"precision", "recall", "f1-score", "support"} <= set(report["inform"])
    assert 0 < report["accuracy"] < 1


# --- the real action server through endpoints.yml --------------------------------------------


@pytest.mark.parametrize(
    ("bot", "package"), [(PIZZA_BOT, "actions"), (VET_BOT, "vet_actions")], ids=["pizza", "vet"]
)
def test_dialog_test_from_the_project_with_endpoints_url(
    bot: Path, package: str, tmp_path: Path
) -> None:
    """As a Rasa user runs it: endpoints.yml names the action server's URL, and
    `voicebot dialog test .` runs in the project's directory with no flags."""
    project = tmp_path / bot.name
    shutil.copytree(bot, project, ignore=shutil.ignore_patterns("__pycache__", "results"))
    with rasa_action_server(project, package) as url:
        (project / "endpoints.yml").write_text(f'action_endpoint:\n  url: "{url}"\n')
        # the server has imported the actions; without them here nothing can run in process
        shutil.rmtree(project / package)
        env = {k: v for k, v in os.environ.items() if k != "VOICEBOT_CONFIG"}
        done = subprocess.run(
            [sys.executable, "-c", "from voicebot.cli import main; main()", "dialog", "test", "."],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert " passed, 0 failed" in done.stdout and "FAIL" not in done.stdout
    assert (
        (project / "results" / "failed_test_stories.yml")
        .read_text()
        .startswith("# None of the test stories failed")
    )
    assert json.loads((project / "results" / "intent_report.json").read_text())["accuracy"] > 0.9


def test_config_option_help_states_the_lookup_rule() -> None:
    shown = " ".join(CliRunner().invoke(cli, ["--help"]).output.split())
    assert "default: ./config.yml" not in shown
    assert (
        "Default: $VOICEBOT_CONFIG, else ./voicebot.yml, else ./config.yml unless it is a Rasa "
        "model configuration"
    ) in shown
