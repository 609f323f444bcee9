"""A local stand-in for Twilio: the REST API that places and updates calls, and Twilio's
side of a call (signed webhooks, TwiML, the Media Stream, status and AMD callbacks).

Only what an outbound onboarding call uses is implemented, following Twilio's documented
formats: POST /2010-04-01/Accounts/{AccountSid}/Calls.json (form parameters, HTTP basic
auth, JSON answer with the call's ``sid``), POST .../Calls/{CallSid}.json (``Twiml`` or
``Status=completed``); webhooks signed with X-Twilio-Signature; <Connect><Stream> with
<Parameter>, <Say>, <Pause>, <Hangup>; Media Streams messages connected/start/media/mark/
dtmf/stop, honouring mark and clear from the server.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import secrets
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import requests
import websocket
from flask import Flask, Response, request

from voicebot.speech.g711 import ulaw_decode, ulaw_encode
from voicebot.telephony.server import ServerThread
from voicebot.telephony.signatures import sign

log = logging.getLogger(__name__)
API_VERSION = "2010-04-01"


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


@dataclass
class LineEvents:
    """What happened on the simulated line, for reports and tests."""

    statuses: list[str] = field(default_factory=list)
    said_by_twilio: list[str] = field(default_factory=list)
    frames_sent: int = 0
    frames_played: int = 0
    marks_returned: list[str] = field(default_factory=list)
    clears: int = 0
    late_ticks: int = 0  # pacing ticks that came more than a frame late
    stream_closed_by: str | None = None
    duration_s: int = 0
    error: str | None = None


class SimulatedCall:
    """One call, from the REST request to the hang-up, on its own thread."""

    def __init__(
        self,
        standin: TwilioStandIn,
        params: dict[str, Any],
        persona_factory: Callable[[SimulatedCall], Any],
    ) -> None:
        self.standin = standin
        self.params = params
        self.sid = _sid("CA")
        self.persona_factory = persona_factory
        self.persona: Any = None
        self.events = LineEvents()
        self.status = "queued"
        self.done = threading.Event()
        self._sequence = 0
        self._pending_twiml: str | None = None
        self._hangup_requested = threading.Event()
        self._ws: websocket.WebSocket | None = None
        self._started = time.monotonic()
        self._thread = threading.Thread(
            target=self._run, name=f"twilio-{self.sid[:8]}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    # -- REST updates (from the server, through the stand-in API) ------------------------------
    def update(self, form: dict[str, str]) -> None:
        if form.get("Twiml"):
            self._pending_twiml = form["Twiml"]
            self._interrupt_stream("redirected")
        elif form.get("Status") in ("completed", "canceled"):
            self._hangup_requested.set()
            self._interrupt_stream("hung up by REST")

    def _interrupt_stream(self, why: str) -> None:
        ws = self._ws
        if ws is not None:
            self.events.stream_closed_by = why
            try:
                self._send_stop(ws)
                ws.close()
            except Exception:
                pass

    # -- the call's life -----------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._status("initiated")
            self._status("ringing")
            self.status = "in-progress"
            self._answered_at = time.monotonic()
            twiml = self._webhook(self.params["Url"], {"CallStatus": "in-progress"})
            self._status("in-progress")
            if self.params.get("AsyncAmd") == "true" and self.params.get("AsyncAmdStatusCallback"):
                threading.Thread(target=self._amd, daemon=True).start()
            self._execute(twiml)
        except Exception as exc:
            log.exception("simulated call %s failed", self.sid)
            self.events.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.events.duration_s = int(
                time.monotonic() - getattr(self, "_answered_at", self._started)
            )
            try:
                self._status("completed", CallDuration=str(self.events.duration_s))
            except Exception:
                log.exception("simulated call %s: final status callback failed", self.sid)
            if self.persona is not None:
                self.persona.close()
            self.done.set()

    def _execute(self, twiml: str) -> None:
        while True:
            root = ET.fromstring(twiml)
            redirected = False
            for verb in root:
                if self._hangup_requested.is_set() or verb.tag == "Hangup":
                    return
                if verb.tag == "Say":
                    self.events.said_by_twilio.append((verb.text or "").strip())
                    if self.persona is not None:
                        self.persona.transcript.append(
                            _line("twilio", (verb.text or "").strip(), self.persona.now_ms)
                        )
                elif verb.tag == "Pause":
                    time.sleep(int(verb.get("length", "1")) / self.standin.speed)
                elif verb.tag == "Connect":
                    stream = verb.find("Stream")
                    if stream is None:
                        raise ValueError("<Connect> without <Stream>")
                    custom = {
                        p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")
                    }
                    self._media_stream(stream.get("url", ""), custom)
                    if self._pending_twiml is not None:
                        twiml, self._pending_twiml = self._pending_twiml, None
                        redirected = True
                        break
                    if self.persona is not None and self.persona.wants_hang_up.is_set():
                        return
                else:
                    log.warning(
                        "simulated call %s: TwiML verb <%s> not simulated", self.sid, verb.tag
                    )
            if not redirected:
                return

    def _media_stream(self, url: str, custom: dict[str, str]) -> None:
        self.custom = custom
        self.persona = self.persona or self.persona_factory(self)
        signature = sign(self.standin.auth_token, url, {})
        ws = websocket.create_connection(
            url, header=[f"X-Twilio-Signature: {signature}"], timeout=10
        )
        ws.settimeout(None)  # the bot may be quiet for long; only the connect is timed
        self._ws = ws
        MediaStreamClient(self, ws, custom).run()
        self._ws = None

    def _send_stop(self, ws: websocket.WebSocket) -> None:
        self._sequence_ws = getattr(self, "_sequence_ws", 0) + 1
        ws.send(
            json.dumps(
                {
                    "event": "stop",
                    "sequenceNumber": str(self._sequence_ws),
                    "streamSid": getattr(self, "stream_sid", ""),
                    "stop": {"accountSid": self.standin.account_sid, "callSid": self.sid},
                }
            )
        )

    def _amd(self) -> None:
        time.sleep(self.standin.scenario_amd_after_ms(self) / 1000 / self.standin.speed)
        if self.done.is_set():
            return
        answered_by = self.standin.answered_by(self)
        self._post(
            self.params["AsyncAmdStatusCallback"],
            {
                "AnsweredBy": answered_by,
                "MachineDetectionDuration": "2500",
            },
        )

    # -- webhooks -------------------------------------------------------------------------
    def _base_params(self) -> dict[str, str]:
        return {
            "AccountSid": self.standin.account_sid,
            "CallSid": self.sid,
            "From": self.params.get("From", ""),
            "To": self.params.get("To", ""),
            "Direction": "outbound-api",
            "ApiVersion": API_VERSION,
        }

    def _post(self, url: str, extra: dict[str, str]) -> requests.Response:
        params = {**self._base_params(), **extra}
        signature = sign(self.standin.auth_token, url, params)
        response = requests.post(
            url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30
        )
        if response.status_code >= 400:
            log.warning("simulated call %s: %s answered %s", self.sid, url, response.status_code)
        return response

    def _webhook(self, url: str, extra: dict[str, str]) -> str:
        response = self._post(url, extra)
        response.raise_for_status()
        return response.text

    def _status(self, status: str, **extra: str) -> None:
        self.status = status
        self.events.statuses.append(status)
        url = self.params.get("StatusCallback")
        wanted = self.params.get("StatusCallbackEvent", [])
        event = "answered" if status == "in-progress" else status
        if not url or (wanted and event not in wanted and status != "completed"):
            return
        self._post(
            url,
            {
                "CallStatus": status,
                "Timestamp": format_datetime(datetime.now(UTC)),
                "SequenceNumber": str(self._sequence),
                "CallbackSource": "call-progress-events",
                **extra,
            },
        )
        self._sequence += 1


def _line(speaker: str, text: str, at_ms: int) -> Any:
    from voicebot.simulator.persona import HeardLine

    return HeardLine(speaker, text, at_ms)


class MediaStreamClient:
    """Twilio's side of a bidirectional Media Stream, paced in real time (or faster)."""

    def __init__(
        self, call: SimulatedCall, ws: websocket.WebSocket, custom: dict[str, str]
    ) -> None:
        self.call = call
        self.ws = ws
        self.custom = custom
        self.persona = call.persona
        self.stream_sid = _sid("MZ")
        call.stream_sid = self.stream_sid
        self._playback: list[bytes | str] = []  # bot frames (PCM16) and mark names, in order
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._sequence = 0

    def _send(self, message: dict[str, Any]) -> None:
        self._sequence += 1
        message = {"event": message.pop("event"), "sequenceNumber": str(self._sequence), **message}
        self.ws.send(json.dumps(message))

    def run(self) -> None:
        self.ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        self._send(
            {
                "event": "start",
                "streamSid": self.stream_sid,
                "start": {
                    "accountSid": self.call.standin.account_sid,
                    "streamSid": self.stream_sid,
                    "callSid": self.call.sid,
                    "tracks": ["inbound"],
                    "customParameters": self.custom,
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                },
            }
        )
        reader = threading.Thread(target=self._read, name="stream-reader", daemon=True)
        reader.start()
        try:
            self._pace()
        finally:
            self._closed.set()
            with contextlib.suppress(Exception):
                self.ws.close()
            reader.join(timeout=5)

    def _pace(self) -> None:
        tick = 0.02 / self.call.standin.speed
        start = time.monotonic()
        n = 0
        while not self._closed.is_set():
            if self.persona.wants_hang_up.is_set():
                self.call.events.stream_closed_by = "merchant hung up"
                self._send(
                    {
                        "event": "stop",
                        "streamSid": self.stream_sid,
                        "stop": {
                            "accountSid": self.call.standin.account_sid,
                            "callSid": self.call.sid,
                        },
                    }
                )
                return
            while not self.persona.dtmf_out.empty():
                digit = self.persona.dtmf_out.get()
                self._send(
                    {
                        "event": "dtmf",
                        "streamSid": self.stream_sid,
                        "dtmf": {"track": "inbound_track", "digit": digit},
                    }
                )
            frame, _speaking = self.persona.next_frame()
            n += 1
            try:
                self._send(
                    {
                        "event": "media",
                        "streamSid": self.stream_sid,
                        "media": {
                            "track": "inbound",
                            "chunk": str(n),
                            "timestamp": str(n * 20),
                            "payload": base64.b64encode(ulaw_encode(frame)).decode("ascii"),
                        },
                    }
                )
            except (websocket.WebSocketException, OSError):
                self.call.events.stream_closed_by = self.call.events.stream_closed_by or "server"
                return
            self.call.events.frames_sent += 1
            self._play_one()
            deadline = start + n * tick
            delay = deadline - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            elif delay < -0.02:
                self.call.events.late_ticks += 1

    def _play_one(self) -> None:
        """Play one 20 ms bot frame; marks queued right after it are returned at once."""
        played: bytes | None = None
        marks: list[str] = []
        with self._lock:
            while self._playback and isinstance(self._playback[0], str):
                marks.append(self._playback.pop(0))
            if self._playback:
                played = self._playback.pop(0)
                while self._playback and isinstance(self._playback[0], str):
                    marks.append(self._playback.pop(0))
        self.persona.hear(played)
        if played is not None:
            self.call.events.frames_played += 1
        for name in marks:
            self._return_mark(name)

    def _return_mark(self, name: str) -> None:
        self.persona.mark_played(name)
        self.call.events.marks_returned.append(name)
        with contextlib.suppress(websocket.WebSocketException, OSError):
            self._send({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})

    def _read(self) -> None:
        while not self._closed.is_set():
            try:
                raw = self.ws.recv()
            except (websocket.WebSocketException, OSError):
                break
            if not raw:
                break
            try:
                message = json.loads(raw)
            except (json.JSONDecodeError, TypeError):
                log.warning("stream: server sent a non-JSON message")
                continue
            event = message.get("event")
            if event == "media":
                pcm = ulaw_decode(base64.b64decode(message["media"]["payload"]))
                self.persona.bot_audio_received()
                with self._lock:
                    for i in range(0, len(pcm), 320):
                        self._playback.append(pcm[i : i + 320].ljust(320, b"\x00"))
            elif event == "mark":
                with self._lock:
                    self._playback.append(message["mark"]["name"])
            elif event == "clear":
                self.call.events.clears += 1
                with self._lock:
                    dropped_marks = [m for m in self._playback if isinstance(m, str)]
                    self._playback.clear()
                self.persona.bot_cleared()
                for name in dropped_marks:  # Twilio returns the marks of cleared audio
                    self._return_mark(name)
            else:
                log.warning("stream: server sent an unknown event %r", event)
        if not self._closed.is_set():
            self.call.events.stream_closed_by = self.call.events.stream_closed_by or "server"
            self._closed.set()


class TwilioStandIn:
    """The REST API on a local port; each created call runs as a SimulatedCall."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        persona_factory: Callable[[SimulatedCall], Any],
        *,
        speed: float = 1.0,
        answered_by: Callable[[SimulatedCall], str] = lambda call: "human",
        amd_after_ms: Callable[[SimulatedCall], int] = lambda call: 2500,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.persona_factory = persona_factory
        self.speed = speed
        self.answered_by = answered_by
        self.scenario_amd_after_ms = amd_after_ms
        self.calls: dict[str, SimulatedCall] = {}
        self.app = self._make_app()
        self.server: ServerThread | None = None

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self.server = ServerThread(self.app, host, port).start()
        return self.server.base_url

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def _authorised(self) -> bool:
        auth = request.authorization
        return bool(auth and auth.username == self.account_sid and auth.password == self.auth_token)

    def _make_app(self) -> Flask:
        app = Flask("twilio-standin")
        base = f"/{API_VERSION}/Accounts/<account>/Calls"

        @app.post(f"{base}.json")
        def create_call(account: str) -> Response:
            if not self._authorised() or account != self.account_sid:
                return _error(401, 20003, "Authenticate")
            form = request.form
            missing = [k for k in ("To", "From") if not form.get(k)]
            if missing or not (form.get("Url") or form.get("Twiml")):
                return _error(400, 21205, f"missing parameter: {', '.join(missing) or 'Url'}")
            params: dict[str, Any] = form.to_dict(flat=True)
            params["StatusCallbackEvent"] = " ".join(form.getlist("StatusCallbackEvent")).split()
            call = SimulatedCall(self, params, self.persona_factory)
            self.calls[call.sid] = call
            call.start()
            return Response(
                json.dumps(self._describe(call)), status=201, mimetype="application/json"
            )

        @app.post(f"{base}/<call_sid>.json")
        def update_call(account: str, call_sid: str) -> Response:
            if not self._authorised() or account != self.account_sid:
                return _error(401, 20003, "Authenticate")
            call = self.calls.get(call_sid)
            if call is None:
                return _error(404, 20404, f"The requested resource {request.path} was not found")
            call.update(request.form.to_dict(flat=True))
            return Response(
                json.dumps(self._describe(call)), status=200, mimetype="application/json"
            )

        return app

    def _describe(self, call: SimulatedCall) -> dict[str, Any]:
        now = format_datetime(datetime.now(UTC))
        return {
            "sid": call.sid,
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "to": call.params.get("To"),
            "from": call.params.get("From"),
            "status": call.status,
            "direction": "outbound-api",
            "date_created": now,
            "date_updated": now,
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{call.sid}.json",
        }


def _error(status: int, code: int, message: str) -> Response:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Response(json.dumps(body), status=status, mimetype="application/json")
