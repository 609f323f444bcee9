"""Re-runs the outside probes of issue 15 against a real server on loopback (real HTTP and
WebSocket, a throw-away SQLite database, and PostgreSQL with --pg) and prints, per item,
how many hostile requests were tried and how many were handled as they should be.

    .venv/bin/python bench/probe_edge.py [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import json
import logging
import re
import statistics
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
import websocket
from sqlalchemy import create_engine, text

from voicebot.app import create_app
from voicebot.config import Settings, load_settings
from voicebot.crm import calls as crm_calls
from voicebot.crm.db import Database
from voicebot.crm.events import events_for
from voicebot.crm.merchants import normalise_merchant, upsert_merchant
from voicebot.crm.models import CallOutcome, FieldSource, StaffRole
from voicebot.crm.staff import add_staff
from voicebot.crm.store_configs import set_field
from voicebot.crm.tokens import create_token
from voicebot.simulator.runner import free_port
from voicebot.telephony.server import ServerThread
from voicebot.telephony.signatures import sign

TOKEN = "probe-auth-token-0123456789abcdef"
ADMIN = ("admin@example.com", "the admin's long password")
RESULTS: list[tuple[str, int, int]] = []


class Target:
    def __init__(self, settings: Settings, db: Database, url: str) -> None:
        self.settings, self.db, self.url = settings, db, url
        with db.session() as s:
            _, self.api_token = create_token(
                s, "probe", ["export", "calls:read", "merchants:write", "erase"]
            )
        self.api = {"Authorization": f"Bearer {self.api_token}"}
        self.phone = 600_100_000

    def twilio(self, path: str, params: dict[str, str]) -> requests.Response:
        url = self.url + path
        headers = {"X-Twilio-Signature": sign(TOKEN, url, params)}
        return requests.post(url, data=params, headers=headers, timeout=30)

    def new_call(self, call_sid: str) -> tuple[int, str]:
        """A call the dialer placed, answered: returns its id and its stream token."""
        self.phone += 1
        with self.db.session() as s:
            data = normalise_merchant(
                {"external_id": f"probe-{uuid.uuid4().hex[:8]}", "phone": f"+48{self.phone}"}
            )
            merchant, _ = upsert_merchant(s, data)
            call_id = crm_calls.create_call(s, merchant.id).id
        reply = self.twilio(f"/twilio/voice?call_id={call_id}", {"CallSid": call_sid})
        params = {
            p.get("name"): p.get("value") for p in ET.fromstring(reply.text).iter("Parameter")
        }
        return call_id, params.get("stream_token", "")

    def stream(self) -> websocket.WebSocket:
        url = self.url.replace("http://", "ws://") + "/twilio/stream"
        return websocket.create_connection(
            url, header=[f"X-Twilio-Signature: {sign(TOKEN, url, {})}"], timeout=10
        )


def tally(item: str, outcomes: list[bool]) -> None:
    RESULTS.append((item, len(outcomes), sum(outcomes)))


def start_frame(call_id: str | int, call_sid: str, account: str, token: str | None) -> str:
    custom = {"call_id": str(call_id)} | ({"stream_token": token} if token is not None else {})
    return json.dumps(
        {
            "event": "start",
            "streamSid": "MZprobe",
            "start": {
                "accountSid": account,
                "callSid": call_sid,
                "streamSid": "MZprobe",
                "customParameters": custom,
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            },
        }
    )


def closed_without_media(ws: websocket.WebSocket) -> bool:
    try:
        while True:
            message = ws.recv()
            if not message:
                return True
            if "<html" in message.lower() or json.loads(message).get("event") == "media":
                return False
    except (websocket.WebSocketException, ConnectionError, OSError):
        return True


def call_state(t: Target, call_id: int) -> tuple:
    with t.db.session() as s:
        call = crm_calls.get_call(s, call_id)
        return (call.status, call.outcome, call.answered_at, call.ended_at, call.stream_started_at)


def probe_stream_takeover(t: Target) -> None:
    account = t.settings.twilio.account_sid
    outcomes = []
    finished, finished_token = t.new_call("CAfinished")
    with t.db.session() as s:
        crm_calls.finish_call(s, finished, outcome=CallOutcome.COMPLETED, settings=t.settings)
    live, live_token = t.new_call("CAlive")
    cases = [
        (finished, "CAany", "ACany", None),  # the probe's replay: any sids, another call's id
        (finished, "CAfinished", account, finished_token),  # even with its own token: over
        (live, "CAother", account, live_token),
        (live, "CAlive", "AC" + "9" * 32, live_token),
        (live, "CAlive", account, "forged-token"),
        (live, "CAlive", account, None),
    ]
    for call_id, sid, acc, token in cases:
        before = call_state(t, call_id)
        ws = t.stream()
        ws.send(start_frame(call_id, sid, acc, token))
        outcomes.append(closed_without_media(ws) and call_state(t, call_id) == before)
    tally("1 stream bound to its call", outcomes)


def probe_malformed_frames(t: Target) -> None:
    """Each bad frame arrives on the stream of a live call before its real start: the
    frame must be logged and skipped, and the call go on (its greeting arrives)."""
    account = t.settings.twilio.account_sid
    frames = [
        "[" * 20_000 + "]" * 20_000,
        '{"event": "media", "sequenceNumber": 1e400, "media": {"payload": "/w=="}}',
        start_frame("²", "CAx", account, "x"),
        start_frame("9" * 30, "CAx", account, "x"),
        # a bare JSON number past Python's 4,300-digit int limit: json.loads raises ValueError
        '{"event": "mark", "sequenceNumber": ' + "9" * 5000 + ', "mark": {"name": "x"}}',
    ]
    outcomes = []
    for number, frame in enumerate(frames):
        sid = f"CAframe{number}"
        call_id, token = t.new_call(sid)
        ws = t.stream()
        ws.send(frame)
        ws.send(start_frame(call_id, sid, account, token))
        ws.settimeout(60)
        greeted = False
        try:
            while not greeted and (message := ws.recv()):
                if "<html" in message.lower():
                    break
                greeted = json.loads(message).get("event") == "media"
        except (websocket.WebSocketException, ConnectionError, OSError, ValueError):
            pass
        ws.close()
        outcomes.append(greeted)
    tally("2 malformed frames skipped", outcomes)


def probe_amd(t: Target) -> None:
    t.settings.twilio.api_base_url = f"http://127.0.0.1:{free_port()}"  # nothing listens
    t.settings.twilio.rest_retry_delay_s = 0.05
    call_id, _ = t.new_call("CAmachine")
    reply = t.twilio(
        f"/twilio/amd?call_id={call_id}", {"CallSid": "CAmachine", "AnsweredBy": "machine_end_beep"}
    )
    deadline, failed = time.monotonic() + 30, False
    while time.monotonic() < deadline and not failed:
        with t.db.session() as s:
            failed = any(e.kind == "call.voicemail_failed" for e in events_for(s, call_id=call_id))
        time.sleep(0.2)
    t.twilio(
        f"/twilio/status?call_id={call_id}", {"CallSid": "CAmachine", "CallStatus": "completed"}
    )
    with t.db.session() as s:
        call = crm_calls.get_call(s, call_id)
        scheduled = call.merchant.next_call_at is not None
    tally("3 AMD with Twilio's API down", [reply.status_code == 204 and failed and scheduled])


def config_cursor(stamp: str, row_id: str) -> str:
    return base64.urlsafe_b64encode(f"{stamp}|{row_id}".encode()).decode()


def probe_numbers(t: Target, label: str = "sqlite") -> None:
    nines = "9" * 5000
    day = "2026-01-01T00:00:00+00:00"
    cursors = [
        (day, nines),
        (day, "9" * 30),  # OverflowError on SQLite
        (day, str(2**63)),
        (day, "2147483648"),  # integer out of range on PostgreSQL
        ("9999-12-31T23:59:59-14:00", "1"),  # past datetime.max once in UTC
        ("0001-01-01T00:00:00+14:00", "1"),  # before datetime.min once in UTC
    ]
    gets = [
        "/api/v1/calls?limit=²",
        "/api/v1/calls?cursor=²",
        f"/api/v1/calls?limit={nines}",
        "/api/v1/store-configs?limit=²",
        *(f"/api/v1/store-configs?cursor={config_cursor(*c)}" for c in cursors),
        f"/api/v1/calls/{'9' * 30}",
    ]
    outcomes = [requests.get(t.url + u, headers=t.api, timeout=30).status_code < 500 for u in gets]
    for stamp in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00%2B14:00"):
        for path in ("/api/v1/store-configs", "/api/v1/store-configs/export"):
            reply = requests.get(f"{t.url}{path}?updated_since={stamp}", headers=t.api, timeout=30)
            outcomes.append(reply.status_code == 400 and "updated_since" in reply.text)
    with review_session(t) as browser:
        for path in (
            "/review/calls?page=²",
            f"/review/calls/{'9' * 30}",
            f"/review/merchants/{'9' * 30}",
            "/review/calls?date_to=9999-12-31",
            "/review/calls?date_from=0001-01-01&date_to=9999-12-31",
        ):
            outcomes.append(browser.get(t.url + path, timeout=30).status_code < 500)
        # a number field typed as "²" or 5,000 digits: refused, the stored number kept
        with t.db.session() as s:
            data = normalise_merchant({"external_id": f"num-{label}", "phone": "+48601999124"})
            merchant, _ = upsert_merchant(s, data)
            set_field(s, merchant.id, "product_count", 120, source=FieldSource.STAFF)
        page = f"{t.url}/review/merchants/{merchant.id}"
        for typed in ("²", nines, "\u0661\u0662"):
            reply = browser.post(
                f"{page}/fields/product_count",
                data={"value": typed, "csrf_token": csrf(browser, page)},
                timeout=30,
            )
            with t.db.session() as s:
                from voicebot.crm.store_configs import get_config

                kept = get_config(s, merchant.id).as_dict()["product_count"] == 120
            outcomes.append(reply.status_code < 500 and kept)
    posts = [
        ("/twilio/voice?call_id=%C2%B2", {"CallSid": "CAn1"}),
        ("/twilio/status", {"CallSid": "CAn2", "CallStatus": "ringing", "CallDuration": "²"}),
        ("/twilio/status", {"CallSid": "CAn2", "CallStatus": "ringing", "SequenceNumber": nines}),
    ]
    outcomes += [t.twilio(path, params).status_code < 500 for path, params in posts]
    tally(f"4 integers parsed with bounds ({label})", outcomes)


def probe_database_limits(t: Target, label: str) -> None:
    put = t.url + "/api/v1/merchants/"
    phone = {"phone": "601 234 567"}
    outcomes = [
        requests.get(
            t.url + "/api/v1/store-configs/2147483648", headers=t.api, timeout=30
        ).status_code
        == 404,
        requests.put(put + "x" * 5000, json=phone, headers=t.api, timeout=30).status_code == 400,
        requests.put(
            put + "p1", json=phone | {"company_name": "C" * 100_000}, headers=t.api, timeout=30
        ).status_code
        == 400,
        requests.put(
            put + "p2", json=phone | {"contact_name": "A\x00B"}, headers=t.api, timeout=30
        ).status_code
        == 400,
        requests.get(
            t.url + "/api/v1/calls?external_id=a%00b", headers=t.api, timeout=30
        ).status_code
        == 400,
    ]
    with tempfile.TemporaryDirectory() as tmp:
        from voicebot.crm.importer import import_merchants

        path = Path(tmp) / "nul.csv"
        path.write_text(
            "external_id,contact_name,phone\nz-1,Ala\x00,601234567\nz-2,Ola,601234568\n"
        )
        report = import_merchants(t.db, path)
        outcomes.append(report.created == 1 and [e.line for e in report.errors] == [2])
    tally(f"5 lengths, NUL bytes, 32-bit ids ({label})", outcomes)


def probe_body_limit(t: Target) -> None:
    body = json.dumps({"phone": "601 234 567", "consent_text": "y" * 20_000_000})
    reply = requests.put(
        t.url + "/api/v1/merchants/big",
        data=body,
        headers=t.api | {"Content-Type": "application/json"},
        timeout=60,
    )
    tally("6 request size limit", [reply.status_code == 413])


@contextmanager
def review_session(
    t: Target, email: str = ADMIN[0], password: str = ADMIN[1]
) -> Iterator[requests.Session]:
    browser = requests.Session()
    page = browser.get(t.url + "/review/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    browser.post(
        t.url + "/review/login",
        data={"email": email, "password": password, "csrf_token": token},
        timeout=30,
    )
    yield browser


def csrf(browser: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', browser.get(url, timeout=30).text).group(
        1
    )


def probe_sessions(t: Target) -> None:
    with review_session(t) as browser:
        saved = browser.cookies.get("session")
        expires = next(c.expires for c in browser.cookies if c.name == "session")
        browser.post(
            t.url + "/review/logout",
            data={"csrf_token": csrf(browser, t.url + "/review/")},
            timeout=30,
        )
    replay = requests.get(
        t.url + "/review/calls", cookies={"session": saved}, allow_redirects=False, timeout=30
    )
    hours = (expires - time.time()) / 3600
    tally("7 sessions revocable and 8 h", [replay.status_code == 302, 7 < hours <= 8.1])


def login_attempt(
    t: Target, email: str, password: str, browser: requests.Session | None = None
) -> tuple[int, float]:
    browser = browser or requests.Session()
    token = csrf(browser, t.url + "/review/login")
    started = time.perf_counter()
    reply = browser.post(
        t.url + "/review/login",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=60,
    )
    return reply.status_code, time.perf_counter() - started


def probe_login(t: Target) -> None:
    owner = requests.Session()
    owner_ok = login_attempt(t, *ADMIN, owner)[0] == 302  # the admin's own browser, earlier
    unknown = [login_attempt(t, f"nobody{i}@example.com", "some password")[1] for i in range(3)]
    wrong = [login_attempt(t, ADMIN[0], f"wrong password {i}")[1] for i in range(3)]
    similar = max(statistics.median(unknown), statistics.median(wrong)) < 3 * min(
        statistics.median(unknown), statistics.median(wrong)
    )
    # 60 attempts on different accounts from one address: slowed down (429), not all 401.
    statuses = [login_attempt(t, f"user{i}@example.com", "password123")[0] for i in range(60)]
    throttled = 429 in statuses
    # Five wrong passwords for the admin (from this address, already throttled, and more):
    for i in range(5):
        login_attempt(t, ADMIN[0], f"guess {i}")
    not_locked_out = login_attempt(t, *ADMIN, owner)[0] == 302
    tally(
        "8 login: alike, throttled, no lockout", [owner_ok and similar, throttled, not_locked_out]
    )


def probe_headers(t: Target) -> None:
    outcomes = []
    review = (
        "/review/login",
        "/review/calls",
        "/review/merchants",
        "/review/no-such-page",  # werkzeug's own 404: no blueprint sees it
        f"/review/calls/{'9' * 30}",
        "/review/calls/2000000000",
        "/review/logout",  # GET: 405
        "/review/calls?q=a%00b",
    )
    with review_session(t) as browser:
        for path in review:
            h = browser.get(t.url + path, timeout=30, allow_redirects=False).headers
            outcomes.append(
                "frame-ancestors 'none'" in h.get("Content-Security-Policy", "")
                and h.get("X-Frame-Options") == "DENY"
                and h.get("X-Content-Type-Options") == "nosniff"
                and h.get("Cache-Control") == "no-store"
            )
    for path, headers in (
        ("/api/v1/calls", t.api),
        ("/api/v1/store-configs", t.api),
        ("/api/v1/calls/2000000000", t.api),
        ("/api/v1/no-such-thing", t.api),
        ("/api/v1/calls", {}),  # 401
    ):
        h = requests.get(t.url + path, headers=headers, timeout=30).headers
        outcomes.append(h.get("Cache-Control") == "no-store")
    tally("9 protective headers", outcomes)


def probe_import_under_load(t: Target, rows: int) -> None:
    """Signed status callbacks keep answering while a large file is imported."""
    sids = []
    for i in range(5):
        sid = f"CAload{i}"
        t.new_call(sid)
        sids.append(sid)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        with path.open("w", encoding="utf-8") as handle:
            handle.write("external_id,company_name,phone\n")
            for i in range(rows):
                handle.write(f"load-{i},Sklep {i},+48 601 {i // 1000:03d} {i % 1000:03d}\n")
        from voicebot.crm.importer import import_merchants

        answers: list[tuple[int, float]] = []
        done = threading.Event()

        def callbacks() -> None:
            while not done.is_set():
                for sid in sids:
                    started = time.monotonic()
                    code = t.twilio(
                        "/twilio/status", {"CallSid": sid, "CallStatus": "ringing"}
                    ).status_code
                    answers.append((code, time.monotonic() - started))
                time.sleep(0.1)

        worker = threading.Thread(target=callbacks, daemon=True)
        worker.start()
        started = time.monotonic()
        report = import_merchants(t.db, path)
        took = time.monotonic() - started
        done.set()
        worker.join()
    slowest = max(wait for _, wait in answers)
    print(
        f"   import of {rows} rows: {took:.1f} s ({report.created} created); {len(answers)}"
        f" status callbacks meanwhile, slowest {slowest:.2f} s"
    )
    tally(
        "10 import does not block callbacks", [code == 204 and wait < 15 for code, wait in answers]
    )


def probe_csv(t: Target) -> None:
    hostile = {
        "tax_id": "+1+2",
        "domain": "\tcmd",
        "store_name": "\rcmd",
        "industry": "ab;=1+2",
        "contact_email": " =1+2",  # blanks a spreadsheet trims before the formula
        "payment_methods": "x; @SUM(1)",
        "shipping_methods": "\u00a0-2+3",
    }
    with t.db.session() as s:
        data = normalise_merchant({"external_id": "csv-1", "phone": "+48601999123"})
        merchant, _ = upsert_merchant(s, data)
        for name, value in hostile.items():
            set_field(s, merchant.id, name, value, source=FieldSource.STAFF, actor="probe")
    body = requests.get(
        t.url + "/api/v1/store-configs/export?format=csv", headers=t.api, timeout=30
    ).text
    row = next(
        r for r in csv.DictReader(io.StringIO(body, newline="")) if r["external_id"] == "csv-1"
    )
    outcomes = []
    for name in hostile:
        pieces = row[name].replace(",", ";").split(";")
        starts = ("=", "+", "-", "@", "\t", "\r")
        outcomes.append(
            not any(p.startswith(starts) or p.lstrip().startswith(starts) for p in pieces)
        )
    tally("11 CSV injection", outcomes)


def probe_openapi(t: Target) -> None:
    document = requests.get(
        t.url + "/api/v1/openapi.json", headers={"Host": "evil.example"}, timeout=30
    ).json()
    tally(
        "12 OpenAPI servers",
        [document["servers"][0]["url"].startswith(t.settings.server.public_base_url)],
    )


def serve(database_url: str, tmp: str) -> tuple[Target, ServerThread]:
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    settings = load_settings(
        environ={
            "VOICEBOT_CONFIG": f"{tmp}/absent.yml",
            "VOICEBOT_DATABASE_URL": database_url,
            "VOICEBOT_PATHS_DATA_DIR": f"{tmp}/var",
            "VOICEBOT_CALL_RECORDINGS_DIR": f"{tmp}/var/recordings",
            "VOICEBOT_TTS_CACHE_DIR": f"{tmp}/var/tts",
            "VOICEBOT_TWILIO_AUTH_TOKEN": TOKEN,
            "VOICEBOT_WEB_SECRET_KEY": "probe-secret-key",
            "VOICEBOT_WEB_SESSION_COOKIE_SECURE": "false",
            "VOICEBOT_SERVER_PUBLIC_BASE_URL": public,
        }
    )
    db = Database(settings.database_url)
    db.upgrade()
    with db.session() as s:
        add_staff(s, *ADMIN, role=StaffRole.ADMIN)
    server = ServerThread(create_app(settings, db), "127.0.0.1", port).start()
    return Target(settings, db, public), server


def run(database_url: str, label: str, probes: list[Callable[[Target], None]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        target, server = serve(database_url.replace("TMP", tmp), tmp)
        try:
            for probe in probes:
                probe(target)
        finally:
            server.stop()
            target.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="PostgreSQL admin URL: also probe a throw-away database")
    parser.add_argument("--import-rows", type=int, default=20_000)
    args = parser.parse_args()
    # The server's warnings are the point of the probes: keep them and the access log quiet.
    logging.basicConfig(level=logging.CRITICAL)
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    run(
        "sqlite:///TMP/probe.db",
        "sqlite",
        [
            probe_stream_takeover,
            probe_malformed_frames,
            probe_amd,
            probe_numbers,
            lambda t: probe_database_limits(t, "sqlite"),
            probe_body_limit,
            probe_sessions,
            probe_login,
            probe_headers,
            lambda t: probe_import_under_load(t, args.import_rows),
            probe_csv,
            probe_openapi,
        ],
    )
    if args.pg:
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"voicebot_probe_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(
                args.pg.rsplit("/", 1)[0] + f"/{name}",
                "postgresql",
                [
                    lambda t: probe_numbers(t, "postgresql"),
                    lambda t: probe_database_limits(t, "postgresql"),
                ],
            )
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    width = max(len(item) for item, _, _ in RESULTS)
    for item, tried, handled in RESULTS:
        print(f"{item:<{width}}  tried {tried:3d}  handled {handled:3d}")
    total_tried = sum(tried for _, tried, _ in RESULTS)
    total_handled = sum(handled for _, _, handled in RESULTS)
    print(f"{'all':<{width}}  tried {total_tried:3d}  handled {total_handled:3d}")


if __name__ == "__main__":
    main()
