"""A learned entity extractor: a linear-chain conditional random field over token features
with BILOU tags, as Rasa's CRFEntityExtractor (sklearn-crfsuite). It finds values and
phrasings the training data never annotated, from the words around them and their shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sklearn_crfsuite

from voicebot.dialog.nlu.data import Example, NLUData
from voicebot.dialog.nlu.features import PatternMatcher, Token, token_features, tokenize

OUTSIDE = "O"
# features that name the word itself; hidden for entity words in the masked training copy
_IDENTITY = ("low", "fold", "prefix", "suffix", "lookup:")


def _masked(row: dict[str, str | bool]) -> dict[str, str | bool]:
    return {k: v for k, v in row.items() if not k.startswith(_IDENTITY)}


@dataclass(frozen=True)
class CRFOptions:
    """Rasa's CRFEntityExtractor parameters that mean something here."""

    max_iterations: int = 50
    l1_c: float = 0.1
    l2_c: float = 0.1
    bilou: bool = True
    min_confidence: float = 0.55  # entities the CRF is less sure of are dropped
    # Also train on a copy of each annotated example with the entity words' own identity
    # (the word, its affixes, lookup membership) hidden, so the CRF learns the frames values
    # stand in and the values' shapes, not only the values it has seen.
    mask_values: bool = True


def bilou_tags(example: Example, tokens: list[Token], bilou: bool = True) -> list[str]:
    """One tag per token: U-x for a one-token entity, B-x I-x ... L-x for a longer one."""
    tags = [OUTSIDE] * len(tokens)
    for entity in example.entities:
        inside = [
            i for i, t in enumerate(tokens) if t.start < entity["end"] and t.end > entity["start"]
        ]
        if not inside or any(tags[i] != OUTSIDE for i in inside):
            continue  # a second entity on the same words (roles, groups): the first counts
        name = entity["entity"]
        if not bilou:
            for i in inside:
                tags[i] = f"I-{name}"
        elif len(inside) == 1:
            tags[inside[0]] = f"U-{name}"
        else:
            tags[inside[0]] = f"B-{name}"
            for i in inside[1:-1]:
                tags[i] = f"I-{name}"
            tags[inside[-1]] = f"L-{name}"
    return tags


def _spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """Token spans (first, last, entity) from BILOU tags, tolerant of a missing B or L."""
    spans: list[tuple[int, int, str]] = []
    current: tuple[int, str] | None = None
    for i, tag in enumerate(tags):
        prefix, _, name = tag.partition("-")
        if current and (prefix in ("O", "B", "U") or name != current[1]):
            spans.append((current[0], i - 1, current[1]))
            current = None
        if prefix == "U":
            spans.append((i, i, name))
        elif prefix in ("B", "I") or (prefix == "L" and current is None):
            current = current or (i, name)
            if prefix == "L":
                spans.append((current[0], i, name))
                current = None
        elif prefix == "L" and current:
            spans.append((current[0], i, name))
            current = None
    if current:
        spans.append((current[0], len(tags) - 1, current[1]))
    return spans


class CRFEntityExtractor:
    def __init__(self, data: NLUData, options: CRFOptions | None = None) -> None:
        self.options = options or CRFOptions()
        self.matcher = PatternMatcher(data.regexes, data.lookups)
        self.entities = sorted({e["entity"] for x in data.examples for e in x.entities})
        self.crf: sklearn_crfsuite.CRF | None = None
        if not self.entities:
            return
        features, labels = [], []
        for example in data.examples:
            tokens = tokenize(example.text)
            if not tokens:
                continue
            rows = token_features(example.text, tokens, self.matcher)
            tags = bilou_tags(example, tokens, self.options.bilou)
            features.append(rows)
            labels.append(tags)
            if self.options.mask_values and any(t != OUTSIDE for t in tags):
                features.append(
                    [_masked(r) if t != OUTSIDE else r for r, t in zip(rows, tags, strict=True)]
                )
                labels.append(tags)
        self.crf = sklearn_crfsuite.CRF(
            algorithm="lbfgs",
            c1=self.options.l1_c,
            c2=self.options.l2_c,
            max_iterations=self.options.max_iterations,
            all_possible_transitions=True,
        )
        self.crf.fit(features, labels)

    def extract(self, text: str) -> list[dict[str, Any]]:
        """Entities with the surface text as value and the CRF's confidence: the lowest
        marginal probability of the entity's tags."""
        tokens = tokenize(text)
        if self.crf is None or not tokens:
            return []
        marginals = self.crf.predict_marginals_single(token_features(text, tokens, self.matcher))
        tags = [max(m, key=m.get) for m in marginals]
        found = []
        for first, last, name in _spans(tags):
            confidence = min(marginals[i][tags[i]] for i in range(first, last + 1))
            if confidence < self.options.min_confidence:
                continue
            start, end = tokens[first].start, tokens[last].end
            found.append(
                {
                    "entity": name,
                    "start": start,
                    "end": end,
                    "value": text[start:end],
                    "confidence_entity": round(float(confidence), 4),
                    "extractor": "CRFEntityExtractor",
                }
            )
        return found
