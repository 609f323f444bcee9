"""Entity precision/recall/F1 per entity, rule-only extractor beside the learned one: on the
onboarding bot's split and on its held-out phrasings (dialogs/tests/nlu_heldout_*.yml)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from voicebot.cli import cli
from voicebot.dialog.domain import load_domain
from voicebot.dialog.evaluate import entity_report, evaluate, evaluate_heldout
from voicebot.dialog.nlu import load_nlu_files, parse_annotated
from voicebot.dialog.nlu.data import Example
from voicebot.dialog.nlu.pipeline import read_rasa_config
from voicebot.dialog.project import discover

from .conftest import VET_BOT

ROOT = Path(__file__).resolve().parents[3]


def _example(text: str) -> Example:
    plain, entities = parse_annotated(text)
    return Example(plain, "inform", entities)


def test_entity_report_counts_spans_per_entity() -> None:
    examples = [_example("a [dog](pet) at [9:30](time)"), _example("[cat](pet) please")]
    found = {
        "a dog at 9:30": [{"entity": "pet", "start": 2, "end": 5}],  # time missed
        "cat please": [
            {"entity": "pet", "start": 0, "end": 3},
            {"entity": "time", "start": 4, "end": 10},  # a wrong one
        ],
    }
    report = entity_report(examples, lambda text: found[text])
    assert (report["pet"].precision, report["pet"].recall) == (1.0, 1.0)
    assert (report["time"].precision, report["time"].recall, report["time"].support) == (
        0.0,
        0.0,
        1,
    )
    total = report["micro avg"]
    assert (total.true_positive, total.false_positive, total.false_negative) == (2, 1, 1)
    assert total.f1 == pytest.approx(2 / 3)


@pytest.mark.parametrize("language", ["pl", "en"])
def test_learned_entities_raise_heldout_recall_and_keep_split_precision(language: str) -> None:
    project = discover(ROOT / "dialogs")
    entities = load_domain(project.domain_path).entities
    config = read_rasa_config(project.config).nlu
    data = load_nlu_files(project.nlu_files[language])
    heldout_files = project.nlu_test_files[language]
    assert [p.name for p in heldout_files] == [f"nlu_heldout_{language}.yml"]
    heldout = load_nlu_files(heldout_files)
    # the held-out phrasings really are new: no held-out text is a training text
    assert not {e.text for e in heldout.examples} & {e.text for e in data.examples}

    split = evaluate(data, language, entities=entities, config=config).comparison
    assert split is not None
    before, after = split.rule_only["micro avg"], split.learned["micro avg"]
    assert after.precision >= before.precision and after.recall >= before.recall

    held = evaluate_heldout(data, heldout, language, entities=entities, config=config)
    before, after = held.rule_only["micro avg"], held.learned["micro avg"]
    assert after.recall > before.recall, (before, after)


def test_evaluate_command_prints_both_extractors_per_entity() -> None:
    result = CliRunner().invoke(cli, ["dialog", "evaluate", str(VET_BOT)])
    assert result.exit_code == 0, result.output
    assert "span matches, rule-only -> rules + CRF" in result.output
    for entity in ("pet_type", "number", "day", "time", "micro avg"):
        assert any(line.strip().startswith(entity) for line in result.output.splitlines())
