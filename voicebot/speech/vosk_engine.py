"""Vosk (Kaldi) streaming recognition: one Model per language, one recogniser per call.

Only voiced audio (plus the pre-roll) reaches the decoder: on a call the merchant is silent
while the bot talks, and not decoding that silence halves the CPU per call.

Context biasing runs two recognisers side by side while a vocabulary is expected: a
grammar-restricted one (the vocabulary plus ``[unk]``, cheap to decode) and the free one.
The grammar result wins when it is made only of expected words; otherwise the free result
does, so an answer outside the vocabulary still comes through.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import vosk

from voicebot.speech.stt import (
    UNKNOWN_WORD,
    RecognitionStream,
    RecognizerEngine,
    SpeechEvent,
    Word,
    endpoint_config,
    is_real_word,
)
from voicebot.speech.vad import EndKind

if TYPE_CHECKING:
    from voicebot.config import SpeechSettings

vosk.SetLogLevel(-1)  # Kaldi's log lines go to stderr on every recogniser otherwise


class VoskEngine(RecognizerEngine):
    name = "vosk"

    def __init__(self, language: str, model_path: Path, settings: SpeechSettings) -> None:
        super().__init__(language, settings)
        self.model_path = model_path
        # Always from a path: Model(lang=...) downloads and sys.exit()s when offline.
        self.model = vosk.Model(str(model_path))

    def open_stream(self, sample_rate: int = 8000) -> VoskStream:
        return VoskStream(self, sample_rate)

    def new_recognizer(self, sample_rate: int, grammar: list[str] | None = None) -> Any:
        if grammar is None:
            rec = vosk.KaldiRecognizer(self.model, sample_rate)
            rec.SetMaxAlternatives(self.settings.max_alternatives)
        else:
            # ensure_ascii=False: Vosk ignores every \uXXXX-escaped (non-ASCII) word.
            grammar_json = json.dumps([*grammar, UNKNOWN_WORD], ensure_ascii=False)
            rec = vosk.KaldiRecognizer(self.model, sample_rate, grammar_json)
        rec.SetWords(True)
        # No SetPartialWords: it delays partial hypotheses by ~1 s, and barge-in needs them early.
        return rec


@dataclass
class _Hypothesis:
    text: str = ""
    confidence: float = 0.0
    words: list[Word] = field(default_factory=list)
    alternatives: list[tuple[str, float]] = field(default_factory=list)


class _Decoder:
    """One KaldiRecognizer plus the bookkeeping to turn its times into stream times."""

    def __init__(self, recognizer: Any, sample_rate: int) -> None:
        self.rec = recognizer
        self.sample_rate = sample_rate
        self.fed_samples = 0  # Vosk's word times count every sample ever fed to it
        self.base_ms = 0.0
        self.segments: list[dict[str, Any]] = []

    def begin(self) -> None:
        self.base_ms = self.fed_samples * 1000 / self.sample_rate
        self.segments = []

    def feed(self, frame: bytes) -> None:
        self.fed_samples += len(frame) // 2
        if self.rec.AcceptWaveform(frame):
            # Vosk's own endpoint inside our utterance: keep the piece, the utterance goes on.
            self.segments.append(json.loads(self.rec.Result()))

    def partial(self) -> str:
        return json.loads(self.rec.PartialResult()).get("partial", "")

    def running_text(self) -> str:
        """The utterance so far: Vosk's finished pieces and its running hypothesis."""
        done = " ".join(s.get("text", "") for s in self.segments)
        return f"{done} {self.partial()}".strip()

    def finish(self, offset_ms: int) -> _Hypothesis:
        self.segments.append(json.loads(self.rec.FinalResult()))
        pieces = [_parse(segment, offset_ms - self.base_ms) for segment in self.segments]
        pieces = [p for p in pieces if p.text]
        self.segments = []
        if not pieces:
            return _Hypothesis()
        if len(pieces) == 1:
            return pieces[0]
        prefix = " ".join(p.text for p in pieces[:-1])
        words = [w for p in pieces for w in p.words]
        last = pieces[-1]
        alternatives = [(f"{prefix} {text}".strip(), c) for text, c in last.alternatives]
        confidence = sum(w.confidence for w in words) / len(words) if words else last.confidence
        return _Hypothesis(alternatives[0][0], confidence, words, alternatives)


def _parse(result: dict[str, Any], offset_ms: float) -> _Hypothesis:
    """Vosk's JSON -> text, confidence in 0..1, words in stream milliseconds, n-best."""
    if "alternatives" in result:
        alternatives = result["alternatives"]
        if not alternatives:
            return _Hypothesis()
        # Alternative scores are lattice log-scores; a softmax over the n-best turns them into
        # shares of belief (near-ties come out near 1/n, clear winners near 1).
        top_score = max(a["confidence"] for a in alternatives)
        weights = [math.exp(a["confidence"] - top_score) for a in alternatives]
        total = sum(weights)
        scored = [(a["text"], w / total) for a, w in zip(alternatives, weights, strict=True)]
        best, best_conf = scored[0]
        words = [_word(w, best_conf, offset_ms) for w in alternatives[0].get("result", [])]
        return _Hypothesis(best, best_conf, words, [(t, c) for t, c in scored if t])
    words = [_word(w, w.get("conf", 1.0), offset_ms) for w in result.get("result", [])]
    text = result.get("text", "")
    confidence = sum(w.confidence for w in words) / len(words) if words else 0.0
    return _Hypothesis(text, confidence, words, [(text, confidence)] if text else [])


def _word(item: dict[str, Any], confidence: float, offset_ms: float) -> Word:
    return Word(
        item["word"],
        round(item["start"] * 1000 + offset_ms),
        round(item["end"] * 1000 + offset_ms),
        float(confidence),
    )


class VoskStream(RecognitionStream):
    def __init__(self, engine: VoskEngine, sample_rate: int) -> None:
        super().__init__(sample_rate, endpoint_config(engine.settings))
        self.engine = engine
        self._free = _Decoder(engine.new_recognizer(sample_rate), sample_rate)
        self._grammar: _Decoder | None = None
        self._grammar_pending = False
        self._last_partial = ""

    def _on_expect(self, vocabulary: list[str] | None) -> None:
        # A recogniser's grammar is fixed once decoding starts: switch between utterances.
        self._grammar_pending = True
        if not self.in_utterance:
            self._apply_grammar()

    def _apply_grammar(self) -> None:
        self._grammar_pending = False
        if self.vocabulary is None:
            self._grammar = None
        else:
            rec = self.engine.new_recognizer(self.sample_rate, self.vocabulary)
            self._grammar = _Decoder(rec, self.sample_rate)

    def _decoders(self) -> list[_Decoder]:
        return [self._free] if self._grammar is None else [self._free, self._grammar]

    def _begin_utterance(self, pre_roll: list[bytes]) -> list[SpeechEvent]:
        if self._grammar_pending:
            self._apply_grammar()
        self._last_partial = ""
        for decoder in self._decoders():
            decoder.begin()
            for frame in pre_roll:
                decoder.feed(frame)
        return []

    def _audio(self, frame: bytes) -> list[SpeechEvent]:
        for decoder in self._decoders():
            decoder.feed(frame)
        partial = self._free.running_text()
        if self._grammar is not None:
            # as at the end: the grammar's hypothesis when it is made only of expected words
            constrained = self._grammar.running_text()
            if constrained and all(is_real_word(w) for w in constrained.split()):
                partial = constrained
        events: list[SpeechEvent] = []
        real_words = [w for w in partial.split() if is_real_word(w)]
        if real_words:
            events.extend(self._speech_start())
        if partial != self._last_partial:
            self._last_partial = partial
            if partial:
                events.append(
                    SpeechEvent(
                        "partial", partial, start_ms=self._utterance_start_ms, end_ms=self.now_ms
                    )
                )
        return events

    def _end_utterance(self, reason: EndKind, end_ms: int) -> SpeechEvent:
        offset = self._utterance_start_ms
        free = self._free.finish(offset)
        chosen, alternatives = free, list(free.alternatives)
        if self._grammar is not None:
            constrained = self._grammar.finish(offset)
            words = constrained.text.split()
            if words and all(is_real_word(w) for w in words):
                chosen = constrained
                alternatives = [(constrained.text, constrained.confidence)]
                alternatives += [a for a in free.alternatives if a[0] != constrained.text]
            elif any(is_real_word(w) for w in words):
                partial_match = " ".join(w for w in words if is_real_word(w))
                alternatives.append((partial_match, constrained.confidence * 0.5))
        if self._grammar_pending:
            self._apply_grammar()
        return SpeechEvent(
            "final",
            chosen.text,
            chosen.confidence,
            alternatives,
            chosen.words,
            start_ms=self._utterance_start_ms,
            end_ms=end_ms,
            end_reason=reason.value,
        )
