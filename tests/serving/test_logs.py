"""Every log line of a call carries its call id, as text or as JSON lines."""

from __future__ import annotations

import json
import logging
import logging.config
import threading

from voicebot.observability.logs import CALL_ID, CallIdFilter, JsonLinesFormatter, logging_config


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
