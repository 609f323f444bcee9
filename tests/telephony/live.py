"""A real server on a loopback port, with settings whose public URL is that server."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from flask import Flask

from voicebot.app import create_app
from voicebot.config import Settings
from voicebot.crm import calls as crm_calls
from voicebot.crm.db import Database
from voicebot.crm.merchants import normalise_merchant, upsert_merchant
from voicebot.simulator.runner import free_port
from voicebot.telephony.server import ServerThread
from voicebot.telephony.signatures import sign

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "call"))
from small_bot import SmallAgent, store_config

TOKEN = "test-auth-token-0123456789abcdef"


@dataclass
class Live:
    url: str
    app: Flask
    settings: Settings
    db: Database
    agent: SmallAgent

    def post(
        self,
        path: str,
        params: dict[str, str],
        *,
        signed_url: str | None = None,
        signature: str | None = None,
    ) -> requests.Response:
        url = self.url + path
        sig = signature if signature is not None else sign(TOKEN, signed_url or url, params)
        return requests.post(url, data=params, headers={"X-Twilio-Signature": sig}, timeout=10)

    def new_call(self, phone: str = "+48501234567", language: str = "en") -> int:
        with self.db.session() as s:
            data = normalise_merchant(
                {
                    "external_id": f"m-{phone}",
                    "phone": phone,
                    "language": language,
                    "contact_name": "Alex",
                }
            )
            merchant, _ = upsert_merchant(s, data)
            return crm_calls.create_call(s, merchant.id).id


def live_settings(settings: Settings, public: str) -> Settings:
    return settings.model_copy(
        update={
            "server": settings.server.model_copy(update={"public_base_url": public}),
            "speech": settings.speech.model_copy(
                update={"engines": {"en": "whisper", "pl": "whisper"}}
            ),
        }
    )


@pytest.fixture
def live(settings: Settings, db: Database) -> Iterator[Live]:
    port = free_port()
    local = f"http://127.0.0.1:{port}"
    live_cfg = live_settings(settings, local)
    app = create_app(live_cfg, db)
    agent = SmallAgent()
    app.extensions["voicebot_calls"].services.use_dialog(agent, store_config)
    server = ServerThread(app, "127.0.0.1", port).start()
    yield Live(local, app, live_cfg, db, agent)
    server.stop()
