"""The Twilio stand-in's REST API answers the real twilio client like Twilio does."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from voicebot.simulator.twilio_standin import TwilioStandIn

ACCOUNT = "AC00000000000000000000000000000000"


@pytest.fixture
def standin():
    created = []
    standin = TwilioStandIn(ACCOUNT, "secret", persona_factory=lambda call: None)
    # Calls are recorded but not run: no server to call back in this test.
    from voicebot.simulator import twilio_standin as module

    original = module.SimulatedCall.start
    module.SimulatedCall.start = lambda self: created.append(self)
    url = standin.start()
    yield standin, url, created
    module.SimulatedCall.start = original
    standin.stop()


def client(url: str, token: str = "secret") -> Client:
    c = Client(ACCOUNT, token)
    c.api.base_url = url
    return c


def test_create_call_with_the_twilio_client(standin) -> None:
    _standin, url, created = standin
    call = client(url).calls.create(
        to="+48501234567",
        from_="+48000000000",
        url="http://127.0.0.1:1/twilio/voice?call_id=7",
        status_callback="http://127.0.0.1:1/twilio/status?call_id=7",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
        machine_detection="DetectMessageEnd",
        async_amd="true",
        async_amd_status_callback="http://127.0.0.1:1/twilio/amd?call_id=7",
    )
    assert call.sid.startswith("CA") and len(call.sid) == 34
    assert call.status == "queued" and call.to == "+48501234567"
    params = created[0].params
    assert params["AsyncAmd"] == "true" and params["MachineDetection"] == "DetectMessageEnd"
    assert params["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]


def test_wrong_credentials_and_unknown_calls_get_twilio_errors(standin) -> None:
    _standin, url, _created = standin
    with pytest.raises(TwilioRestException) as err:
        client(url, token="wrong").calls.create(to="+1", from_="+1", url="http://x/")
    assert err.value.status == 401 and err.value.code == 20003
    with pytest.raises(TwilioRestException) as err:
        client(url).calls("CAnothere").update(twiml="<Response/>")
    assert err.value.status == 404
