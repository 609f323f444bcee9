"""The Twilio edge: voice webhook (TwiML), media-stream WebSocket, status and AMD callbacks.
Thin: check the signature, parse, call the crm / call session, answer."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from flask import Blueprint, Flask, Response, current_app, g, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed, Server

from voicebot.call.services import CallServices
from voicebot.call.session import CallSession
from voicebot.config import Settings
from voicebot.crm import calls as crm_calls
from voicebot.crm.db import Database
from voicebot.crm.models import CallOutcome
from voicebot.integers import MAX_ID, parse_id, parse_optional_int
from voicebot.observability import metrics
from voicebot.observability.logs import CALL_ID, in_call_context
from voicebot.speech.g711 import ulaw_decode
from voicebot.telephony import twiml
from voicebot.telephony.media_stream import (
    ULAW_FRAME_BYTES,
    Connected,
    Dtmf,
    Envelope,
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
        self.draining = False  # shutting down: no new streams, readiness false

    def add(self, session: CallSession) -> None:
        with self._lock:
            self.sessions[session.call_id] = session
        metrics.call_started()

    def done(self, session: CallSession) -> None:
        with self._lock:
            self.sessions.pop(session.call_id, None)
            self.finished.append(session)
            del self.finished[:-200]
        metrics.call_finished(session)

    def live(self) -> list[CallSession]:
        with self._lock:
            return list(self.sessions.values())


def _settings() -> Settings:
    return current_app.config["VOICEBOT_SETTINGS"]


def _db() -> Database:
    return current_app.config["VOICEBOT_DB"]


def _registry() -> CallRegistry:
    return current_app.extensions["voicebot_calls"]


def _xml(body: str) -> Response:
    return Response(body, mimetype="application/xml")


@bp.before_request
def _name_the_call() -> None:
    """The webhook's log lines carry its call (each URL we give Twilio names it)."""
    g.voicebot_call_id_token = CALL_ID.set(parse_id(request.args.get("call_id")))


@bp.teardown_request
def _forget_the_call(_error: BaseException | None) -> None:
    token = g.pop("voicebot_call_id_token", None)
    if token is None:
        return
    try:
        CALL_ID.reset(token)
    except ValueError:  # set in another context (should not happen): clear it instead
        CALL_ID.set(None)


@bp.before_request
def _check_signature() -> Response | None:
    websocket = request.path.endswith("/stream")
    if not request_is_signed(_settings(), request, websocket=websocket):
        return Response("invalid Twilio signature\n", status=403, mimetype="text/plain")
    values = [*request.args.items(multi=True), *request.form.items(multi=True)]
    bad = next((name for name, value in values if "\x00" in name + value), None)
    if bad is not None:  # no database text column can hold a NUL byte
        log.warning("refused %s: %.40r contains a NUL byte", request.path, bad)
        return Response(f"{bad!r} contains a NUL byte\n", status=400, mimetype="text/plain")
    return None


def _call_id_arg() -> int | None:
    return parse_id(request.args.get("call_id"))


def _apology() -> Response:
    settings = _settings()
    language = settings.dialog.default_language
    return _xml(twiml.say_and_hang_up(settings.call.apology_text, language))


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
            return _apology()
        CALL_ID.set(call.id)  # found by its CallSid alone, the lines still name it
        if call_sid and call.twilio_call_sid and call_sid != call.twilio_call_sid:
            log.warning(
                "voice webhook refused: call %s is %s, not %s",
                call.id,
                call.twilio_call_sid,
                call_sid,
            )
            return _apology()
        if call.ended_at is not None or call.outcome is not None:
            log.warning("voice webhook refused: call %s is over", call.id)
            return _apology()
        if call_sid and not call.twilio_call_sid:
            call.twilio_call_sid = call_sid
        token = crm_calls.issue_stream_token(s, call)
        if token is None:
            log.warning("voice webhook refused: call %s already has its stream token", call.id)
            return _apology()
        call_id = call.id
    return _xml(twiml.connect_stream(stream_url(settings), call_id, token))


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
    # Numbers Twilio sends are informative: one that is not a number in range is ignored.
    sequence = parse_optional_int(form.get("SequenceNumber"), maximum=2**63 - 1)
    duration = parse_optional_int(form.get("CallDuration"), maximum=MAX_ID)
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
                sequence=sequence,
                duration_s=duration,
                settings=_settings(),
            )
        except crm_calls.UnknownCall:
            log.warning("status callback for unknown CallSid %s (%s)", call_sid, status_value)
            return Response("", status=204)
    if result.applied:
        log.info("call %s: status %s", call_sid, status_value)
        if status_value in ("initiated", "ringing") and call_id is not None:
            # placed, not answered yet: synthesise the greeting while the phone rings
            _registry().services.prepare_call(call_id)
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
    CALL_ID.set(call_id)
    log.info("call %s: answered by %s", call_sid, answered_by)
    if answered_by in MACHINE_ANSWERS:
        with _db().session() as s:
            crm_calls.set_outcome(s, call_id, CallOutcome.VOICEMAIL)
        _redirect_in_background(
            call_id, call_sid, twiml.say_and_hang_up(settings.call.voicemail_text, language)
        )
    elif answered_by == "fax":
        with _db().session() as s:
            crm_calls.set_outcome(s, call_id, CallOutcome.FAILED)
        _redirect_in_background(call_id, call_sid, twiml.hang_up())
    return Response("", status=204)


def _redirect_in_background(call_id: int, call_sid: str, instructions: str) -> None:
    """Twilio's REST API may be unreachable for a moment: retry with backoff off the request
    thread (Twilio waits 15 s for our answer). The outcome is already recorded, so if every
    try fails the call still ends as a voicemail and the dialer calls again."""
    settings, db = _settings(), _db()
    threading.Thread(
        target=in_call_context(_redirect_with_retries, call_id),
        args=(settings, db, call_id, call_sid, instructions),
        name=f"call-{call_id}-voicemail",
        daemon=True,
    ).start()


def _redirect_with_retries(
    settings: Settings, db: Database, call_id: int, call_sid: str, instructions: str
) -> None:
    delay = settings.twilio.rest_retry_delay_s
    error = ""
    for attempt in range(1, settings.twilio.rest_attempts + 1):
        try:
            replace_twiml(settings, call_sid, instructions)
            return
        except Exception as exc:  # network errors and Twilio's refusals alike
            error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning(
                "voicemail for call %s: Twilio's API failed (try %d of %d): %s",
                call_id,
                attempt,
                settings.twilio.rest_attempts,
                error,
            )
        if attempt < settings.twilio.rest_attempts:
            time.sleep(delay)
            delay *= 2
    with db.session() as s:
        crm_calls.record_voicemail_failure(s, call_id, error)
    log.error("voicemail for call %s not left; the dialer will call again", call_id)


@sock.route("/stream", bp=bp)
def media_stream(ws: Server) -> None:
    _serve_stream(ws, _settings(), _registry(), _db())


@dataclass
class _Stream:
    """One media-stream connection: its transport, the call's session once bound, and what
    was already warned about."""

    transport: TwilioStreamTransport
    session: CallSession | None = None
    label: str = "?"
    warned_sizes: set[int] = field(default_factory=set)


def _serve_stream(ws: Server, settings: Settings, registry: CallRegistry, db: Database) -> None:
    stream = _Stream(TwilioStreamTransport(ws))
    limit = settings.server.ws_max_message_bytes
    try:
        while True:
            try:
                raw = ws.receive(timeout=30)
            except ConnectionClosed:
                log.info("stream %s: connection closed by the other side", stream.label)
                break
            if raw is None:
                if stream.transport.closed:
                    break
                continue  # no message for 30 s: Twilio sends media every 20 ms; keep waiting
            if len(raw) > limit:
                log.warning(
                    "stream %s: refused a %d-byte message (limit %d)", stream.label, len(raw), limit
                )
                continue
            try:
                envelope = parse_message(raw)
            except ProtocolError as exc:
                log.warning("stream %s: ignored a bad message: %s", stream.label, exc)
                continue
            try:
                if _handle(envelope, stream, settings, registry, db):
                    break
            except Exception:  # one bad frame must never end the call nor answer a 500 page
                log.exception(
                    "stream %s: a %s message could not be handled; ignored",
                    stream.label,
                    envelope.event,
                )
    finally:
        if stream.session is not None:
            stream.session.hang_up("connection lost")
        stream.transport.closed = True
        CALL_ID.set(None)


def _handle(
    envelope: Envelope,
    stream: _Stream,
    settings: Settings,
    registry: CallRegistry,
    db: Database,
) -> bool:
    """One parsed message; True when the stream is over."""
    message, session = envelope.message, stream.session
    if isinstance(message, Connected):
        log.debug("stream: connected (%s %s)", message.protocol, message.version)
    elif isinstance(message, Start):
        return _start(message, envelope, stream, settings, registry, db)
    elif session is None:
        log.warning("stream %s: %s before start ignored", stream.label, envelope.event)
    elif isinstance(message, Media):
        if message.track not in ("inbound", "inbound_track"):
            return False
        size = len(message.payload)
        if size != ULAW_FRAME_BYTES and size not in stream.warned_sizes:
            stream.warned_sizes.add(size)
            log.warning(
                "stream %s: %d-byte media payload (expected %d); accepted",
                stream.label,
                size,
                ULAW_FRAME_BYTES,
            )
        session.audio(ulaw_decode(message.payload), chunk=message.chunk or None)
    elif isinstance(message, Mark):
        session.mark_played(message.name)
    elif isinstance(message, Dtmf):
        session.dtmf(message.digit)
    elif isinstance(message, Stop):
        log.info("stream %s: stop", stream.label)
        stream.session = None
        session.hang_up("stop")
        return True
    return False


def _start(
    message: Start,
    envelope: Envelope,
    stream: _Stream,
    settings: Settings,
    registry: CallRegistry,
    db: Database,
) -> bool:
    if stream.session is not None:
        log.warning("stream %s: second start message ignored", stream.label)
        return False
    raw_id = message.custom_parameters.get("call_id", "")
    call_id = parse_id(raw_id)
    if call_id is None:  # malformed, like any other bad frame: logged and skipped
        log.warning(
            "stream %s: start whose call_id %.40r is not a call id; ignored", stream.label, raw_id
        )
        return False
    label = message.stream_sid or envelope.stream_sid or "?"
    if registry.draining:
        log.warning("stream %s: refused, this server is shutting down", label)
        stream.transport.close()
        return True
    session = _open_session(message, call_id, label, stream.transport, settings, registry, db)
    if session is None:
        stream.transport.close()
        return True
    stream.label = stream.transport.stream_sid = label
    stream.session = session
    CALL_ID.set(session.call_id)  # this reader thread's log lines name the call
    registry.add(session)
    session.start(stream_sid=label)
    return False


def _open_session(
    start: Start,
    call_id: int,
    label: str,
    transport: TwilioStreamTransport,
    settings: Settings,
    registry: CallRegistry,
    db: Database,
) -> CallSession | None:
    """The call's session, once the start proves it is the call's own stream; otherwise
    None, logged, with nothing in the database changed."""
    try:
        with db.session() as s:
            crm_calls.claim_stream(
                s,
                call_id,
                call_sid=start.call_sid,
                account_sid=start.account_sid,
                token=start.custom_parameters.get("stream_token", ""),
                expected_account=settings.twilio.account_sid,
            )
    except crm_calls.StreamRefused as exc:
        log.warning(
            "stream %s: start refused (%s; CallSid %.40r); closing", label, exc, start.call_sid
        )
        return None
    return CallSession(call_id, registry.services, transport, on_finished=registry.done)
