"""The Twilio edge: voice webhook (TwiML), media-stream WebSocket, status and AMD callbacks.
Thin: check the signature, parse, call the crm / call session, answer."""

from __future__ import annotations

import logging
import threading
from email.utils import parsedate_to_datetime

from flask import Blueprint, Flask, Response, current_app, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed, Server

from voicebot.call.services import CallServices
from voicebot.call.session import CallSession
from voicebot.config import Settings
from voicebot.crm import calls as crm_calls
from voicebot.crm.db import Database
from voicebot.crm.models import CallOutcome
from voicebot.speech.g711 import ulaw_decode
from voicebot.telephony import twiml
from voicebot.telephony.media_stream import (
    ULAW_FRAME_BYTES,
    Connected,
    Dtmf,
    Mark,
    Media,
    ProtocolError,
    Start,
    Stop,
    parse_message,
)
from voicebot.telephony.rest import replace_twiml
from voicebot.telephony.signatures import request_is_signed, stream_url
from voicebot.telephony.transport import TwilioStreamTransport

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__, url_prefix="/twilio")
sock = Sock()
MACHINE_ANSWERS = ("machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other")
# The socket layer's own ceiling; our protocol limit (server.ws_max_message_bytes) is lower, so
# an oversized message is refused with a log line instead of killing the call's connection.
SOCKET_MAX_MESSAGE = 1 << 20


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.config.setdefault("SOCK_SERVER_OPTIONS", {"max_message_size": SOCKET_MAX_MESSAGE})
    settings: Settings = app.config["VOICEBOT_SETTINGS"]
    db: Database = app.config["VOICEBOT_DB"]
    app.extensions["voicebot_calls"] = CallRegistry(CallServices(settings, db))


class CallRegistry:
    """The live sessions of this process (for tests, the simulator and a clean shutdown)."""

    def __init__(self, services: CallServices) -> None:
        self.services = services
        self._lock = threading.Lock()
        self.sessions: dict[int, CallSession] = {}
        self.finished: list[CallSession] = []

    def add(self, session: CallSession) -> None:
        with self._lock:
            self.sessions[session.call_id] = session

    def done(self, session: CallSession) -> None:
        with self._lock:
            self.sessions.pop(session.call_id, None)
            self.finished.append(session)
            del self.finished[:-200]


def _settings() -> Settings:
    return current_app.config["VOICEBOT_SETTINGS"]


def _db() -> Database:
    return current_app.config["VOICEBOT_DB"]


def _registry() -> CallRegistry:
    return current_app.extensions["voicebot_calls"]


def _xml(body: str) -> Response:
    return Response(body, mimetype="application/xml")


@bp.before_request
def _check_signature() -> Response | None:
    websocket = request.path.endswith("/stream")
    if not request_is_signed(_settings(), request, websocket=websocket):
        return Response("invalid Twilio signature\n", status=403, mimetype="text/plain")
    return None


def _call_id_arg() -> int | None:
    raw = request.args.get("call_id", "")
    return int(raw) if raw.isdigit() else None


@bp.post("/voice")
def voice() -> Response:
    settings = _settings()
    call_id = _call_id_arg()
    call_sid = request.form.get("CallSid", "")
    with _db().session() as s:
        call = crm_calls.find_call(s, call_id) or crm_calls.find_call(s, call_sid)
        if call is None:
            log.warning(
                "voice webhook for an unknown call (call_id=%s, CallSid=%s)", call_id, call_sid
            )
            language = settings.dialog.default_language
            text = settings.call.apology_text.get(language) or settings.call.apology_text["en"]
            return _xml(twiml.say_and_hang_up(text, language))
        if call_sid and not call.twilio_call_sid:
            call.twilio_call_sid = call_sid
        call_id = call.id
    return _xml(twiml.connect_stream(stream_url(settings), call_id))


@bp.post("/status")
def status() -> Response:
    form = request.form
    call_sid, status_value = form.get("CallSid", ""), form.get("CallStatus", "")
    if not call_sid or not status_value:
        log.warning("status callback without CallSid/CallStatus: %s", dict(form))
        return Response("CallSid and CallStatus are required\n", status=400)
    timestamp = None
    if form.get("Timestamp"):
        try:
            timestamp = parsedate_to_datetime(form["Timestamp"])
        except (TypeError, ValueError):
            log.warning("status callback %s: unreadable Timestamp %r", call_sid, form["Timestamp"])
    sequence = form.get("SequenceNumber", "")
    duration = form.get("CallDuration", "")
    call_id = _call_id_arg()
    with _db().session() as s:
        if call_id is not None:  # the first callback can beat our own write of the CallSid
            call = crm_calls.find_call(s, call_id)
            if call is not None and not call.twilio_call_sid:
                call.twilio_call_sid = call_sid
        try:
            result = crm_calls.apply_status(
                s,
                call_sid,
                status_value,
                timestamp=timestamp,
                sequence=int(sequence) if sequence.isdigit() else None,
                duration_s=int(duration) if duration.isdigit() else None,
                settings=_settings(),
            )
        except crm_calls.UnknownCall:
            log.warning("status callback for unknown CallSid %s (%s)", call_sid, status_value)
            return Response("", status=204)
    if result.applied:
        log.info("call %s: status %s", call_sid, status_value)
    else:
        log.info(
            "call %s: status %s ignored (%s; call is %s)",
            call_sid,
            status_value,
            result.reason,
            result.status.value,
        )
    return Response("", status=204)


@bp.post("/amd")
def amd() -> Response:
    settings = _settings()
    call_sid = request.form.get("CallSid", "")
    answered_by = request.form.get("AnsweredBy", "")
    if not call_sid or not answered_by:
        return Response("CallSid and AnsweredBy are required\n", status=400)
    with _db().session() as s:
        try:
            call = crm_calls.record_answered_by(s, call_sid, answered_by)
        except crm_calls.UnknownCall:
            log.warning("AMD callback for unknown CallSid %s", call_sid)
            return Response("", status=204)
        call_id, language = call.id, call.language or settings.dialog.default_language
    log.info("call %s: answered by %s", call_sid, answered_by)
    if answered_by in MACHINE_ANSWERS:
        text = settings.call.voicemail_text.get(language) or settings.call.voicemail_text["en"]
        with _db().session() as s:
            crm_calls.set_outcome(s, call_id, CallOutcome.VOICEMAIL)
        replace_twiml(settings, call_sid, twiml.say_and_hang_up(text, language))
    elif answered_by == "fax":
        with _db().session() as s:
            crm_calls.set_outcome(s, call_id, CallOutcome.FAILED)
        replace_twiml(settings, call_sid, twiml.hang_up())
    return Response("", status=204)


@sock.route("/stream", bp=bp)
def media_stream(ws: Server) -> None:
    _serve_stream(ws, _settings(), _registry(), _db())


def _serve_stream(ws: Server, settings: Settings, registry: CallRegistry, db: Database) -> None:
    transport = TwilioStreamTransport(ws)
    session: CallSession | None = None
    limit = settings.server.ws_max_message_bytes
    warned_sizes: set[int] = set()
    label = "?"
    try:
        while True:
            try:
                raw = ws.receive(timeout=30)
            except ConnectionClosed:
                log.info("stream %s: connection closed by the other side", label)
                break
            if raw is None:
                if transport.closed:
                    break
                continue  # no message for 30 s: Twilio sends media every 20 ms; keep waiting
            if len(raw) > limit:
                log.warning(
                    "stream %s: refused a %d-byte message (limit %d)", label, len(raw), limit
                )
                continue
            try:
                envelope = parse_message(raw)
            except ProtocolError as exc:
                log.warning("stream %s: ignored a bad message: %s", label, exc)
                continue
            message = envelope.message
            if isinstance(message, Connected):
                log.debug("stream: connected (%s %s)", message.protocol, message.version)
            elif isinstance(message, Start):
                if session is not None:
                    log.warning("stream %s: second start message ignored", label)
                    continue
                label = message.stream_sid or envelope.stream_sid or "?"
                session = _open_session(message, transport, settings, registry, db)
                if session is None:
                    transport.close()
                    break
                transport.stream_sid = label
                registry.add(session)
                session.start(stream_sid=label)
            elif session is None:
                log.warning("stream %s: %s before start ignored", label, envelope.event)
            elif isinstance(message, Media):
                if message.track not in ("inbound", "inbound_track"):
                    continue
                size = len(message.payload)
                if size != ULAW_FRAME_BYTES and size not in warned_sizes:
                    warned_sizes.add(size)
                    log.warning(
                        "stream %s: %d-byte media payload (expected %d); accepted",
                        label,
                        size,
                        ULAW_FRAME_BYTES,
                    )
                session.audio(ulaw_decode(message.payload), chunk=message.chunk or None)
            elif isinstance(message, Mark):
                session.mark_played(message.name)
            elif isinstance(message, Dtmf):
                session.dtmf(message.digit)
            elif isinstance(message, Stop):
                log.info("stream %s: stop", label)
                session.hang_up("stop")
                session = None
                break
    finally:
        if session is not None:
            session.hang_up("connection lost")
        transport.closed = True


def _open_session(
    start: Start,
    transport: TwilioStreamTransport,
    settings: Settings,
    registry: CallRegistry,
    db: Database,
) -> CallSession | None:
    raw_id = start.custom_parameters.get("call_id", "")
    with db.session() as s:
        call = crm_calls.find_call(s, raw_id) or crm_calls.find_call(s, start.call_sid)
        if call is None:
            log.warning(
                "stream %s: start for an unknown call (call_id=%r, CallSid=%s); closing",
                start.stream_sid,
                raw_id,
                start.call_sid,
            )
            return None
        if call.ended_at is not None and call.outcome is not None:
            log.warning("stream %s: call %s already finished; closing", start.stream_sid, call.id)
            return None
        call_id = call.id
    return CallSession(call_id, registry.services, transport, on_finished=registry.done)
