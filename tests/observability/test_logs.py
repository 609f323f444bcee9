"""Every log line of a call carries its call id, as text or as JSON lines."""

from __future__ import annotations

import json
import logging
import logging.config
import threading

from voicebot.observability.logs import (
    CALL_ID,
    CallIdFilter,
    JsonLinesFormatter,
    current_call_id,
    logging_config,
)


def record_in(thread_name: str | None, call_id: int | None) -> logging.LogRecord:
    """A record logged the way a call's threads log: in a named thread, the context set."""
    made: list[logging.LogRecord] = []

    def log_one() -> None:
        if call_id is not None:
            CALL_ID.set(call_id)
        record = logging.LogRecord("voicebot.x", logging.INFO, "f", 1, "said %s", ("hi",), None)
        CallIdFilter().filter(record)
        made.append(record)

    thread = threading.Thread(target=log_one, name=thread_name or "other")
    thread.start()
    thread.join()
    return made[0]


def test_call_id_from_the_stream_context_or_the_call_thread() -> None:
    assert record_in(None, 42).call_id == 42  # the stream reader set it
    assert record_in("call-77", None).call_id == 77  # the session's worker thread
    assert record_in("http", None).call_id == "-"  # outside any call


def test_json_lines() -> None:
    line = JsonLinesFormatter().format(record_in("call-9", None))
    entry = json.loads(line)
    assert entry["call_id"] == 9 and entry["message"] == "said hi"
    assert entry["level"] == "INFO" and entry["logger"] == "voicebot.x"
    outside = json.loads(JsonLinesFormatter().format(record_in("http", None)))
    assert outside["call_id"] is None


def test_configured_handler_writes_the_call_id(capsys) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logging.config.dictConfig(logging_config("json"))
        done = threading.Event()

        def in_call() -> None:
            logging.getLogger("voicebot.call").info("turn %d", 3)
            done.set()

        threading.Thread(target=in_call, name="call-5").start()
        done.wait(5)
        entry = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
        assert entry["call_id"] == 5 and entry["message"] == "turn 3"
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def call_id_seen_in(thread_name: str, work) -> object:  # type: ignore[no-untyped-def]
    """Run ``work`` (given a recorder) on a thread of that name; the call id it recorded."""
    seen: list[object] = []

    def record() -> None:  # as CallIdFilter sees a line logged here, on this very thread
        line = logging.LogRecord("voicebot.x", logging.INFO, "f", 1, "x", (), None)
        CallIdFilter().filter(line)
        seen.append(line.call_id)

    thread = threading.Thread(target=work, args=(record,), name=thread_name)
    thread.start()
    thread.join(10)
    return seen[0]


def test_pool_threads_keep_the_call_id_of_the_submitting_thread() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from voicebot.observability.logs import in_call_context

    with ThreadPoolExecutor(1, thread_name_prefix="whisper-en") as pool:
        wrapped = call_id_seen_in(
            "call-12", lambda record: pool.submit(in_call_context(record)).result()
        )
        bare = call_id_seen_in("call-12", lambda record: pool.submit(record).result())
        assert (
            call_id_seen_in(
                "call-13", lambda record: pool.submit(in_call_context(record, 14)).result()
            )
            == 14
        )  # an explicit call id wins
        # the pool thread is reused: the context did not leak into the next task
        assert pool.submit(current_call_id).result() is None
    assert wrapped == 12
    assert bare == "-"  # what the pools lost before


def test_speculation_and_tts_ahead_submit_in_the_call_context() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from voicebot.call.speculation import Speculator
    from voicebot.speech.tts import Synthesizer

    class Agent:
        def __init__(self, record) -> None:  # type: ignore[no-untyped-def]
            self.record = record

        def restore(self, _tracker):  # type: ignore[no-untyped-def]
            self.record()
            raise RuntimeError("enough")

    with ThreadPoolExecutor(1, thread_name_prefix="speculation") as pool:

        def speculate(record) -> None:  # type: ignore[no-untyped-def]
            speculator = Speculator(Agent(record), None, pool)  # type: ignore[arg-type]
            speculator.consider("yes", tracker={}, language="en", metadata={})
            speculator._pending.future.exception(10)  # type: ignore[union-attr]

        assert call_id_seen_in("call-31", speculate) == 31

    with ThreadPoolExecutor(1, thread_name_prefix="tts-ahead") as pool:
        synthesizer = Synthesizer.__new__(Synthesizer)
        synthesizer._background = pool

        def ahead(record) -> None:  # type: ignore[no-untyped-def]
            synthesizer._sentence = lambda _s, _l: record() or b""  # type: ignore[method-assign]
            synthesizer._submit("Hello.", "en").result(10)

        assert call_id_seen_in("call-32", ahead) == 32


class Collect(logging.Handler):
    """Lines of one logger with the call id our filter gives them."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(CallIdFilter())
        self.lines: list[tuple[object, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.call_id, threading.current_thread().name, record.getMessage()))


def test_webhook_lines_and_the_voicemail_thread_carry_the_call_id(
    settings, db, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from voicebot.app import create_app
    from voicebot.crm import calls as crm_calls
    from voicebot.crm.merchants import normalise_merchant, upsert_merchant
    from voicebot.telephony import twilio_routes
    from voicebot.telephony.signatures import sign

    token = settings.twilio.auth_token.get_secret_value()
    public = settings.server.public_base_url
    quick = settings.model_copy(
        update={"twilio": settings.twilio.model_copy(update={"rest_attempts": 1})}
    )
    client = create_app(quick, db).test_client()
    with db.session() as s:
        merchant, _ = upsert_merchant(
            s, normalise_merchant({"external_id": "m-1", "phone": "+48501234567"})
        )
        call_id = crm_calls.create_call(s, merchant.id).id

    def post(path: str, params: dict[str, str]):  # type: ignore[no-untyped-def]
        signature = sign(token, public + path, params)
        return client.post(path, data=params, headers={"X-Twilio-Signature": signature})

    def twilio_refuses(*_args) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("Twilio is down")

    monkeypatch.setattr(twilio_routes, "replace_twiml", twilio_refuses)
    collect = Collect()
    routes_log = logging.getLogger("voicebot.telephony.twilio_routes")
    routes_log.addHandler(collect)
    level = routes_log.level
    routes_log.setLevel(logging.INFO)
    try:
        status = {"CallSid": "CA1", "CallStatus": "in-progress"}
        assert post(f"/twilio/status?call_id={call_id}", status).status_code == 204
        assert CALL_ID.get() is None  # reset once the request is over
        # no call_id in the URL: found by its CallSid, the lines still name it
        machine = {"CallSid": "CA1", "AnsweredBy": "machine_end_beep"}
        assert post("/twilio/amd", machine).status_code == 204
        for thread in threading.enumerate():
            if thread.name == f"call-{call_id}-voicemail":
                thread.join(10)
    finally:
        routes_log.removeHandler(collect)
        routes_log.setLevel(level)
    by_message = {message: (call, name) for call, name, message in collect.lines}
    assert by_message["call CA1: status in-progress"][0] == call_id
    assert by_message["call CA1: answered by machine_end_beep"][0] == call_id
    failed = next(v for m, v in by_message.items() if "Twilio's API failed" in m)
    assert failed == (call_id, f"call-{call_id}-voicemail")
    assert (
        by_message[f"voicemail for call {call_id} not left; the dialer will call again"][0]
        == call_id
    )
