"""NLU evaluation on a held-out split or a held-out test file: intent accuracy, entity
precision/recall/F1 overall and per entity, the rule-only extractor beside the learned one.

Per-entity figures count an entity as found when its type and its span (start and end in the
text) match the annotation, as named-entity evaluations usually do: the value the bot makes of
it (synonyms, normalisation) is judged by the overall figures and the test stories."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from voicebot.dialog.nlu.data import Example, NLUData
from voicebot.dialog.nlu.model import NLUModel
from voicebot.dialog.nlu.pipeline import NLUConfig


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _f1(precision: float | None, recall: float | None) -> float | None:
    """Undefined when both are; an undefined one counts as 0 beside a defined one (nothing
    predicted of an entity the data has, or predictions of one it never has)."""
    if precision is None and recall is None:
        return None
    p, r = precision or 0.0, recall or 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def shown(value: float | None, width: int = 5) -> str:
    """A precision, recall or F1 as printed: three decimals, or n/a when undefined."""
    return f"{value:{width}.3f}" if value is not None else f"{'n/a':>{width}}"


@dataclass
class EntityScore:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float | None:
        """None (shown n/a) when the extractor predicted nothing: there is nothing to judge."""
        return _ratio(self.true_positive, self.true_positive + self.false_positive)

    @property
    def recall(self) -> float | None:
        """None (shown n/a) when the data has none of the entity."""
        return _ratio(self.true_positive, self.true_positive + self.false_negative)

    @property
    def f1(self) -> float | None:
        return _f1(self.precision, self.recall)

    @property
    def support(self) -> int:
        return self.true_positive + self.false_negative

    def add(self, other: EntityScore) -> None:
        self.true_positive += other.true_positive
        self.false_positive += other.false_positive
        self.false_negative += other.false_negative


EntityReport = dict[str, EntityScore]  # entity name -> score; "micro avg" sums them all


@dataclass
class ExtractorComparison:
    """Per-entity scores of the rule-only extractor and of rules plus the learned CRF."""

    source: str
    examples: int
    rule_only: EntityReport
    learned: EntityReport
    intent_accuracy: float = 0.0


@dataclass
class Evaluation:
    language: str
    train_size: int
    test_size: int
    intent_accuracy: float
    entity_precision: float | None  # None: nothing predicted (n/a)
    entity_recall: float | None  # None: no entity in the test examples (n/a)
    entity_f1: float | None
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # text, expected, got
    comparison: ExtractorComparison | None = None


def split(data: NLUData, test_fraction: float, seed: int) -> tuple[list[Example], list[Example]]:
    """Per intent, hold out `test_fraction` of the examples (at least one if it has 3+)."""
    rng = random.Random(seed)
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for example in data.examples:
        by_intent[example.intent].append(example)
    train: list[Example] = []
    test: list[Example] = []
    for intent in sorted(by_intent):
        examples = list(by_intent[intent])
        rng.shuffle(examples)
        held = max(round(len(examples) * test_fraction), 1) if len(examples) >= 3 else 0
        test += examples[:held]
        train += examples[held:]
    return train, test


def _entity_keys(entities: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(e["entity"], str(e.get("value")).lower()) for e in entities}


def _spans(entities: list[dict[str, Any]]) -> set[tuple[str, int, int]]:
    return {(e["entity"], int(e["start"]), int(e["end"])) for e in entities}


def entity_report(
    examples: list[Example], predict: Any, names: list[str] | None = None
) -> EntityReport:
    """Per-entity span scores of `predict(text) -> entities` on annotated examples."""
    report: EntityReport = {name: EntityScore() for name in names or []}
    for example in examples:
        expected = _spans(example.entities)
        predicted = _spans(predict(example.text))
        for entity, _, _ in expected | predicted:
            report.setdefault(entity, EntityScore())
        for key in expected & predicted:
            report[key[0]].true_positive += 1
        for key in predicted - expected:
            report[key[0]].false_positive += 1
        for key in expected - predicted:
            report[key[0]].false_negative += 1
    total = EntityScore()
    for score in report.values():
        total.add(score)
    report["micro avg"] = total
    return report


def compare_extractors(
    model: NLUModel, examples: list[Example], source: str, names: list[str] | None = None
) -> ExtractorComparison:
    """The same trained model's rule extractor alone, and with the CRF beside it."""
    correct = sum(model.parse(e.text)["intent"]["name"] == e.intent for e in examples)
    return ExtractorComparison(
        source,
        len(examples),
        entity_report(examples, model.extractor.extract, names),
        entity_report(examples, model.entities, names),
        correct / len(examples) if examples else 0.0,
    )


def evaluate_heldout(
    data: NLUData,
    heldout: NLUData,
    language: str,
    *,
    entities: list[str] | None = None,
    config: NLUConfig | None = None,
    source: str = "held-out file",
) -> ExtractorComparison:
    """Train on all of `data`; score the phrasings of a test file written apart from it."""
    model = NLUModel(data, language, 0.0, entities, config)
    names = sorted({e["entity"] for x in heldout.examples for e in x.entities})
    return compare_extractors(model, heldout.examples, source, names)


def evaluate(
    data: NLUData,
    language: str,
    *,
    test_fraction: float = 0.2,
    seed: int = 42,
    threshold: float = 0.0,
    entities: list[str] | None = None,
    config: NLUConfig | None = None,
) -> Evaluation:
    train, test = split(data, test_fraction, seed)
    if config is not None:  # evaluation measures the classifier: no ambiguity fallback
        config = replace(config, ambiguity_threshold=0.0)
    model = NLUModel(data.subset(train), language, threshold, entities, config)
    correct, errors = 0, []
    true_positive = predicted_total = expected_total = 0
    for example in test:
        parsed = model.parse(example.text)
        got = parsed["intent"]["name"]
        if got == example.intent:
            correct += 1
        else:
            errors.append((example.text, example.intent, got))
        expected = _entity_keys(example.entities)
        predicted = _entity_keys(parsed["entities"])
        true_positive += len(expected & predicted)
        predicted_total += len(predicted)
        expected_total += len(expected)
    precision = _ratio(true_positive, predicted_total)
    recall = _ratio(true_positive, expected_total)
    f1 = _f1(precision, recall)
    names = sorted({e["entity"] for x in test for e in x.entities})
    return Evaluation(
        language,
        len(train),
        len(test),
        correct / len(test) if test else 0.0,
        precision,
        recall,
        f1,
        errors,
        compare_extractors(model, test, f"{round(test_fraction * 100)} % split", names),
    )
