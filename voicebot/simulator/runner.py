"""Running simulated calls: start the bot's server (in process, unless one is given), start
the Twilio stand-in, create the scenario's merchant, place the call exactly as
`voicebot call` does, and collect what the CRM holds afterwards."""

from __future__ import annotations

import logging
import secrets
import socket
import time
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np
from pydantic import SecretStr

from voicebot.config import Settings
from voicebot.crm import calls as crm_calls
from voicebot.crm.db import Database
from voicebot.crm.merchants import normalise_merchant, upsert_merchant
from voicebot.crm.store_configs import config_snapshot, get_config
from voicebot.simulator.persona import HeardLine, Persona
from voicebot.simulator.scenario import Scenario
from voicebot.simulator.twilio_standin import LineEvents, SimulatedCall, TwilioStandIn

log = logging.getLogger(__name__)


@dataclass
class SimulationResult:
    scenario: str
    call_id: int
    call_sid: str
    outcome: str | None
    status: str
    turns: list[dict[str, Any]]
    heard: list[HeardLine]
    config: dict[str, Any]
    recording_path: str | None
    latencies_ms: list[int]  # server-side: end of merchant speech -> first bot audio
    voice_to_voice_ms: list[float]  # line-side: merchant's last speech frame -> bot audio
    line: LineEvents
    wall_s: float
    events: list[dict[str, Any]] = field(default_factory=list)
    processing_ms: list[int] = field(default_factory=list)  # endpoint decided -> bot audio
    # per reply: kind of answer, endpoint silence, processing, latency (the session's figures)
    timings: list[dict[str, Any]] = field(default_factory=list)
    # line-side voice-to-voice with the slot the bot had asked for
    voice_to_voice_by_slot: list[tuple[str | None, float]] = field(default_factory=list)
    missed_frames: int = 0  # gaps in the media chunks the server received
    session_error: str | None = None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def simulation_settings(settings: Settings, *, server_url: str, api_url: str) -> Settings:
    token = settings.twilio.auth_token or SecretStr(secrets.token_hex(16))
    return settings.model_copy(
        update={
            "server": settings.server.model_copy(update={"public_base_url": server_url}),
            "twilio": settings.twilio.model_copy(
                update={"api_base_url": api_url, "auth_token": token}
            ),
        }
    )


class Simulator:
    """One stand-in and (optionally) one in-process server, for any number of calls."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        speed: float = 1.0,
        server_url: str | None = None,
    ) -> None:
        self.db = db
        self.speed = speed
        self._scenarios: dict[str, Scenario] = {}  # call id -> the scenario it plays
        self._other_calls: Scenario | None = None  # calls placed by someone else (the dialer)
        api_host = "127.0.0.1"
        api_port = free_port()
        if server_url is not None:  # an external server calls the API it is configured with
            parsed = urlparse(settings.twilio.api_base_url)
            api_host, api_port = parsed.hostname or api_host, parsed.port or api_port
        api_url = f"http://{api_host}:{api_port}"
        own_server = server_url is None
        if own_server:
            server_url = f"http://127.0.0.1:{free_port()}"
        self.settings = simulation_settings(settings, server_url=server_url, api_url=api_url)
        token = self.settings.twilio.auth_token.get_secret_value()
        self.standin = TwilioStandIn(
            self.settings.twilio.account_sid,
            token,
            self._persona_for,
            speed=speed,
            answered_by=lambda call: self._scenario(call).answered_by,
            amd_after_ms=lambda call: self._scenario(call).amd_after_ms,
        )
        self.standin.start(api_host, api_port)
        self.server = None
        self.app = None
        if own_server:
            from voicebot.app import create_app
            from voicebot.telephony.server import ServerThread

            self.app = create_app(self.settings, db)
            port = urlparse(server_url).port or 0
            self.server = ServerThread(self.app, "127.0.0.1", port).start()
        from voicebot.speech.tts import Synthesizer

        self._synth = Synthesizer
        self._synthesizers: dict[str | None, Any] = {}
        self._ears: dict[str, Any] = {}

    def close(self) -> None:
        self.standin.stop()
        if self.server is not None:
            self.server.stop()
        for synth in self._synthesizers.values():
            close = getattr(synth, "close", None)
            if close:
                close()

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def warm_up(self, languages: list[str], voice: str | None = None) -> None:
        """Load the bot's services, the merchant's ears and voice (``voice``: the
        scenario's) before the call, so the first turns are not late."""
        if self.app is not None:
            self.app.extensions["voicebot_calls"].services.warm_up(languages)
        for language in languages:
            self._ear(language)
            self._synthesizer(voice, language).start()

    def answer_other_calls_with(self, scenario: Scenario) -> None:
        """Calls this simulator did not place itself (the dialer's) play this scenario."""
        self._other_calls = scenario

    # -- the persona's senses -------------------------------------------------------------
    def _scenario(self, call: SimulatedCall) -> Scenario:
        """The scenario of a call, by the call id in the webhook URL the bot gave Twilio."""
        query = parse_qs(urlparse(call.params.get("Url", "")).query)
        call_ref = (query.get("call_id") or [""])[0]
        scenario = self._scenarios.get(call_ref) or self._other_calls
        if scenario is None:
            raise LookupError(f"no scenario for call {call_ref!r}")
        return scenario

    def _synthesizer(self, voice: str | None, language: str) -> Any:
        """The merchant's voice: the settings' choice (Piper where a voice is installed, so
        English is natural speech here; espeak otherwise), or the scenario's own voice, a
        Piper voice name or an espeak-ng voice."""
        if voice not in self._synthesizers:
            from voicebot.speech.tts_piper import find_piper_voice

            tts = self.settings.tts
            if voice and find_piper_voice(language, tts.piper_voices_dir, voice) is not None:
                tts = tts.model_copy(
                    update={
                        "piper_voices": {**tts.piper_voices, language: voice},
                        "engines": {**tts.engines, language: "piper"},
                    }
                )
            elif voice:
                tts = tts.model_copy(
                    update={
                        "voices": {**tts.voices, language: voice},
                        "engines": {**tts.engines, language: "espeak"},
                    }
                )
            synth = self._synth(tts)
            log.info("simulated merchant: %s", synth.choice(language).describe())
            self._synthesizers[voice] = synth
        return self._synthesizers[voice]

    def _ear(self, language: str) -> Any:
        """The persona's own recogniser: the bot's engine, or, for Whisper, a second model
        with greedy decoding (the persona only needs the gist, and must answer quickly)."""
        from voicebot.speech.engines import load_recognizer_engine

        engine = load_recognizer_engine(language, self.settings.speech)
        if getattr(engine, "name", "") != "whisper":
            return engine
        if language not in self._ears:
            from voicebot.speech.whisper_engine import WhisperEngine

            quick = self.settings.speech.model_copy(
                update={"whisper_beam_size": 1, "whisper_threads": 1}
            )
            self._ears[language] = WhisperEngine(language, engine.model_path, quick)
        return self._ears[language]

    def _persona_for(self, call: SimulatedCall) -> Persona:
        scenario = self._scenario(call)
        engine = self._ear(scenario.language) if scenario.hear == "transcribe" else None
        synth = self._synthesizer(scenario.voice, scenario.language)
        call_ref = call.custom.get("call_id")
        return Persona(
            scenario,
            transcribe=(lambda pcm: transcribe(engine, pcm))
            if scenario.hear == "transcribe"
            else (lambda pcm: ""),
            synthesize=lambda text: synth.synthesize(text, scenario.language),
            requested_slot=lambda: self._requested_slot(call_ref),
        )

    def _requested_slot(self, call_ref: str | None) -> str | None:
        if not call_ref or not call_ref.isdigit():
            return None
        with self.db.session() as s:
            call = crm_calls.find_call(s, call_ref)
            tracker = call.tracker if call is not None else None
        return requested_slot(tracker or {})

    # -- one call -------------------------------------------------------------------------
    def run(self, scenario: Scenario, *, timeout_s: float = 900) -> SimulationResult:
        from voicebot.telephony.rest import dial

        started = time.monotonic()
        with self.db.session() as s:
            data = normalise_merchant(dict(scenario.merchant))
            merchant, _created = upsert_merchant(s, data, actor="simulator")
            call = crm_calls.create_call(s, merchant.id, language=scenario.language)
            call_id, phone = call.id, merchant.phone
        self._scenarios[str(call_id)] = scenario
        sid = dial(self.settings, call_id, phone)
        with self.db.session() as s:
            crm_calls.attach_call_sid(s, call_id, sid)
        line = self.standin.calls[sid]
        if not line.done.wait(timeout_s):
            raise TimeoutError(f"scenario {scenario.name}: the call did not end in {timeout_s} s")
        self._wait_for_call_end(call_id, timeout_s=60)
        persona = line.persona
        return self._collect(scenario, call_id, sid, line, persona, time.monotonic() - started)

    def _wait_for_call_end(self, call_id: int, *, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.db.session() as s:
                call = crm_calls.get_call(s, call_id)
                if _session_done(s, call_id) or (
                    call.answered_at is None and call.outcome is not None
                ):
                    return
            time.sleep(0.1)
        log.warning("call %s: the server did not finish it within %s s", call_id, timeout_s)

    def _collect(
        self,
        scenario: Scenario,
        call_id: int,
        sid: str,
        line: SimulatedCall,
        persona: Any,
        wall_s: float,
    ) -> SimulationResult:
        from voicebot.crm.events import events_for

        stats = None
        if self.app is not None:
            registry = self.app.extensions["voicebot_calls"]
            done = [x for x in registry.finished if x.call_id == call_id]
            stats = done[-1].stats if done else None
        with self.db.session() as s:
            call = crm_calls.get_call(s, call_id)
            turns = [
                {
                    "index": t.index,
                    "speaker": t.speaker.value,
                    "text": t.text,
                    "confidence": t.asr_confidence,
                    "start_ms": t.start_ms,
                    "end_ms": t.end_ms,
                    "latency_ms": t.latency_ms,
                    "interrupted": t.interrupted,
                    "intent": t.intent,
                    "words": t.words,
                }
                for t in crm_calls.turns_for(s, call_id)
            ]
            config = get_config(s, call.merchant_id)
            snapshot = config_snapshot(config) if config is not None else {"fields": {}}
            events = [{"kind": e.kind, "data": e.data} for e in events_for(s, call_id=call_id)]
            # a server in another process reports its figures through the call.media event
            media = next((e["data"] for e in reversed(events) if e["kind"] == "call.media"), {})
            processing = list(stats.processing_ms) if stats else media.get("processing_ms", [])
            timings = (
                [asdict(t) for t in stats.timings] if stats else list(media.get("timings", []))
            )
            missed = stats.missed_frames if stats else media.get("missed_frames", 0)
            return SimulationResult(
                scenario=scenario.name,
                call_id=call_id,
                call_sid=sid,
                outcome=call.outcome.value if call.outcome else None,
                status=call.status.value,
                turns=turns,
                heard=list(persona.transcript) if persona is not None else [],
                config=snapshot,
                recording_path=call.recording_path,
                latencies_ms=[t["latency_ms"] for t in turns if t["latency_ms"] is not None],
                voice_to_voice_ms=list(persona.stats.latencies_ms) if persona is not None else [],
                line=line.events,
                wall_s=wall_s,
                events=events,
                processing_ms=processing,
                timings=timings,
                voice_to_voice_by_slot=list(persona.stats.latencies_by_slot)
                if persona is not None
                else [],
                missed_frames=missed,
                session_error=stats.error if stats else None,
            )


def requested_slot(tracker: dict[str, Any]) -> str | None:
    """The slot the bot is asking for, from a saved tracker (Rasa events, or a slots map)."""
    slots = tracker.get("slots")
    if isinstance(slots, dict) and "requested_slot" in slots:
        value = slots["requested_slot"]
        return value if isinstance(value, str) else None
    for event in reversed(tracker.get("events") or []):
        if event.get("event") == "slot" and event.get("name") == "requested_slot":
            value = event.get("value")
            return value if isinstance(value, str) else None
    return None


def _session_done(session: Any, call_id: int) -> bool:
    from voicebot.crm.events import events_for

    return any(e.kind == "call.finished" for e in events_for(session, call_id=call_id))


def transcribe(engine: Any, pcm16: bytes) -> str:
    """A whole bot turn -> text (one decode when the engine can, else through a stream)."""
    if not pcm16:
        return ""
    whole = getattr(engine, "transcribe", None)
    if whole is not None:
        text, _confidence, _words = whole(np.frombuffer(pcm16, dtype="<i2"), 8000)
        return str(text)
    stream = engine.open_stream(sample_rate=8000)
    events = stream.accept(pcm16) + stream.flush()
    return " ".join(e.text for e in events if e.kind == "final" and e.text)


def percentile(values: list[float], p: float) -> float | None:
    return float(np.percentile(values, p)) if values else None
