"""A Rasa project's config.yml (`language`, `pipeline`, `policies`) mapped to the engine's
equivalents. Parameters are used where they mean something here; components the engine does
not have are named once (a warning per process) together with what stands in for them.
`pipeline: null` or no pipeline means Rasa's default pipeline."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

from voicebot.dialog.nlu.crf import CRFOptions

log = logging.getLogger(__name__)

# Rasa 3's default pipeline and policies (what `pipeline: null` / `policies: null` give).
DEFAULT_PIPELINE: list[dict[str, Any]] = [
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
    {"name": "DIETClassifier"},
    {"name": "EntitySynonymMapper"},
    {"name": "ResponseSelector"},
    {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1},
]
DEFAULT_POLICIES: list[dict[str, Any]] = [
    {"name": "MemoizationPolicy"},
    {"name": "RulePolicy"},
    {"name": "UnexpecTEDIntentPolicy", "max_history": 5},
    {"name": "TEDPolicy", "max_history": 5},
]

# Components with no engine equivalent, and what does their job instead.
_STAND_INS = {
    "SpacyNLP": "the engine's own tokenizer and features",
    "SpacyTokenizer": "the engine's word tokenizer",
    "JiebaTokenizer": "the engine's word tokenizer",
    "MitieNLP": "the engine's own features",
    "MitieTokenizer": "the engine's word tokenizer",
    "SpacyFeaturizer": "TF-IDF word and character n-grams",
    "ConveRTFeaturizer": "TF-IDF word and character n-grams",
    "LanguageModelFeaturizer": "TF-IDF word and character n-grams",
    "MitieFeaturizer": "TF-IDF word and character n-grams",
    "KeywordIntentClassifier": "the linear intent classifier",
    "SklearnIntentClassifier": "the linear intent classifier",
    "MitieIntentClassifier": "the linear intent classifier",
    "LogisticRegressionClassifier": "the linear intent classifier",
    "ResponseSelector": "the base intent (retrieval intents answer with their base intent)",
    "SpacyEntityExtractor": "the CRF entity extractor",
    "MitieEntityExtractor": "the CRF entity extractor",
    "DucklingEntityExtractor": "regexes and the CRF entity extractor",
    "UnexpecTEDIntentPolicy": "nothing (no unexpected-intent warnings)",
    "AugmentedMemoizationPolicy": "the memoization policy",
}
_KNOWN_NLU = {
    "WhitespaceTokenizer",
    "RegexFeaturizer",
    "LexicalSyntacticFeaturizer",
    "CountVectorsFeaturizer",
    "DIETClassifier",
    "CRFEntityExtractor",
    "RegexEntityExtractor",
    "EntitySynonymMapper",
    "FallbackClassifier",
}
_KNOWN_POLICIES = {"RulePolicy", "MemoizationPolicy", "TEDPolicy"}
_warned: set[str] = set()


@dataclass(frozen=True)
class NLUConfig:
    """What the NLU model is built from."""

    fallback_threshold: float = 0.3
    ambiguity_threshold: float = 0.1
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] | None = (2, 5)
    shape_features: bool = True  # LexicalSyntacticFeaturizer: token shapes reach intents
    crf: CRFOptions | None = field(default_factory=CRFOptions)  # None: no learned entities
    pattern_features: bool = True  # RegexFeaturizer: regex and lookup matches as features
    regex_entities: bool = True  # RegexEntityExtractor (and the engine's lookup matching)
    synonyms: bool = True  # EntitySynonymMapper


@dataclass(frozen=True)
class PolicyConfig:
    max_history: int = 5
    fallback_action: str = "action_default_fallback"
    core_fallback_threshold: float = 0.3


@dataclass
class RasaConfig:
    language: str | None
    nlu: NLUConfig
    policies: PolicyConfig
    unsupported: list[str] = field(default_factory=list)  # "Name (stand-in: ...)"


def _warn_once(component: str, stand_in: str) -> str:
    note = f"{component} is not supported; {stand_in} stands in for it"
    if component not in _warned:
        _warned.add(component)
        log.warning("config.yml: %s", note)
    return note


def _components(raw: Any, default: list[dict[str, Any]], what: str) -> list[dict[str, Any]]:
    if raw is None or raw == []:
        return default
    if not isinstance(raw, list):
        raise ValueError(f"config.yml: '{what}' must be a list of components")
    items = []
    for item in raw:
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict) or "name" not in item:
            raise ValueError(f"config.yml: each '{what}' entry needs a 'name': {item!r}")
        items.append(dict(item))
    return items


def _nlu_config(pipeline: list[dict[str, Any]], notes: list[str]) -> NLUConfig:
    names = {c["name"] for c in pipeline}
    word: tuple[int, int] | None = None
    char: tuple[int, int] | None = None
    crf: CRFOptions | None = None
    fallback = (0.0, 0.0)  # no FallbackClassifier: never nlu_fallback
    for component in pipeline:
        name = component["name"]
        if name == "CountVectorsFeaturizer":
            low = int(component.get("min_ngram", 1))
            high = int(component.get("max_ngram", 1))
            if component.get("analyzer", "word") in ("char", "char_wb"):
                char = (max(low, 1), max(high, low, 1))
            else:  # as given (Rasa's default: unigrams)
                word = (max(low, 1), max(high, low, 1))
        elif name == "CRFEntityExtractor":
            crf = CRFOptions(
                max_iterations=int(component.get("max_iterations", 50)),
                l1_c=float(component.get("L1_c", 0.1)),
                l2_c=float(component.get("L2_c", 0.1)),
                bilou=bool(component.get("BILOU_flag", True)),
            )
        elif name == "DIETClassifier" and component.get("entity_recognition", True) and not crf:
            crf = CRFOptions(bilou=bool(component.get("BILOU_flag", True)))
        elif name == "FallbackClassifier":
            fallback = (
                float(component.get("threshold", 0.3)),
                float(component.get("ambiguity_threshold", 0.1)),
            )
        elif name not in _KNOWN_NLU:
            stand_in = _STAND_INS.get(name, "nothing")
            notes.append(_warn_once(name, stand_in))
    if "DIETClassifier" in names and "CRFEntityExtractor" not in names and crf:
        notes.append(
            _warn_once(
                "DIETClassifier entity recognition",
                "the CRF entity extractor (DIET's intent part: the linear intent classifier)",
            )
        )
    if not names & {"DIETClassifier", "KeywordIntentClassifier", "SklearnIntentClassifier"}:
        notes.append(_warn_once("a pipeline without an intent classifier", "the linear classifier"))
    if word is None:
        # the linear intent classifier always has word features; say so rather than add them
        # silently
        notes.append(
            _warn_once(
                "a pipeline without a word CountVectorsFeaturizer",
                "word unigrams and bigrams (the intent classifier's own features)",
            )
        )
    return NLUConfig(
        fallback_threshold=fallback[0],
        ambiguity_threshold=fallback[1],
        word_ngrams=word or (1, 2),
        char_ngrams=char if char or word else (2, 5),
        shape_features="LexicalSyntacticFeaturizer" in names,
        crf=crf,
        pattern_features="RegexFeaturizer" in names,
        regex_entities=True,
        synonyms="EntitySynonymMapper" in names,
    )


def _policy_config(policies: list[dict[str, Any]], notes: list[str]) -> PolicyConfig:
    histories = []
    fallback_action, core_threshold = "action_default_fallback", 0.3
    for policy in policies:
        name = policy["name"]
        remembers = name in ("MemoizationPolicy", "AugmentedMemoizationPolicy", "TEDPolicy")
        if remembers and policy.get("max_history") is not None:
            histories.append(int(policy["max_history"]))
        if name == "TEDPolicy":
            notes.append(
                _warn_once(
                    "TEDPolicy",
                    "story memoization over the same max_history (stories match on their "
                    "last turns)",
                )
            )
        elif name == "RulePolicy":
            fallback_action = str(policy.get("core_fallback_action_name", fallback_action))
            core_threshold = float(policy.get("core_fallback_threshold", core_threshold))
        elif name not in _KNOWN_POLICIES:
            stand_in = _STAND_INS.get(name, "the rule and memoization policies")
            notes.append(_warn_once(name, stand_in))
    return PolicyConfig(max(histories, default=5), fallback_action, core_threshold)


def read_rasa_config(config: dict[str, Any]) -> RasaConfig:
    """The engine's settings from a Rasa config.yml's content (an empty dict: defaults)."""
    notes: list[str] = []
    nlu = _nlu_config(_components(config.get("pipeline"), DEFAULT_PIPELINE, "pipeline"), notes)
    policies = _policy_config(
        _components(config.get("policies"), DEFAULT_POLICIES, "policies"), notes
    )
    language = config.get("language")
    return RasaConfig(str(language) if language else None, nlu, policies, notes)


def with_threshold(config: NLUConfig, threshold: float | None) -> NLUConfig:
    return config if threshold is None else replace(config, fallback_threshold=threshold)
