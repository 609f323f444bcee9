"""NLU evaluation on a held-out split: intent accuracy and entity precision/recall/F1."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from voicebot.dialog.nlu.data import Example, NLUData
from voicebot.dialog.nlu.model import NLUModel


@dataclass
class Evaluation:
    language: str
    train_size: int
    test_size: int
    intent_accuracy: float
    entity_precision: float
    entity_recall: float
    entity_f1: float
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # text, expected, got


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


def evaluate(
    data: NLUData,
    language: str,
    *,
    test_fraction: float = 0.2,
    seed: int = 42,
    threshold: float = 0.0,
    entities: list[str] | None = None,
) -> Evaluation:
    train, test = split(data, test_fraction, seed)
    model = NLUModel(data.subset(train), language, threshold, entities)
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
    precision = true_positive / predicted_total if predicted_total else 1.0
    recall = true_positive / expected_total if expected_total else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Evaluation(
        language,
        len(train),
        len(test),
        correct / len(test) if test else 0.0,
        precision,
        recall,
        f1,
        errors,
    )
