"""Placing a call synthesises its opening before the merchant answers: the status callback for
an initiated or ringing call runs CallServices.prepare_call (telephony/twilio_routes.py), which
renders the greeting with the merchant's name and the read-back of their sign-up data in the
background, so the first words play from the cache. Real dialog, real SQLite, real speech."""

from __future__ import annotations

import pytest

from voicebot.call.prompts import prefill_slots, usual_opening
from voicebot.call.services import CallServices
from voicebot.config import Settings
from voicebot.crm import calls as crm_calls
from voicebot.crm.db import Database
from voicebot.crm.merchants import normalise_merchant, upsert_merchant
from voicebot.speech.tts_text import sentences

MERCHANTS = {
    "en": {
        "external_id": "prep-en",
        "phone": "+12025550147",
        "language": "en",
        "contact_name": "Mary Jones",
        "store_name": "Urban Threads",
        "contact_email": "mary.jones@urbanthreads.com",
        "tax_id": "5260250274",
    },
    "pl": {
        "external_id": "prep-pl",
        "phone": "+48601234567",
        "language": "pl",
        "contact_name": "Anna Nowak",
        "store_name": "Zielony Kącik",
    },
}


@pytest.fixture
def services(settings: Settings, db: Database):
    services = CallServices(settings, db)
    _ = services.agent, services.synthesizer  # what a server's warm_up loads
    yield services
    services.synthesizer.close()


@pytest.mark.parametrize("language", ["en", "pl"])
def test_a_placed_call_has_its_opening_prompts_cached_before_the_answer(
    services: CallServices, db: Database, language: str
) -> None:
    with db.session() as s:
        merchant, _ = upsert_merchant(s, normalise_merchant(MERCHANTS[language]))
        call_id = crm_calls.create_call(s, merchant.id, language=language).id
        texts = usual_opening(services.agent, prefill_slots(s, merchant), language)
    synth = services.synthesizer
    # the greeting names the merchant; the read-back follows it
    assert len(texts) >= 2 and MERCHANTS[language]["contact_name"] in texts[0]
    assert not any(synth.is_cached(text, language) for text in texts)

    preparing = services.prepare_call(call_id)  # what the "ringing" callback does
    assert preparing is not None
    preparing.join(timeout=180)
    assert not preparing.is_alive()

    missing = [text for text in texts if not synth.is_cached(text, language)]
    assert missing == [], f"not synthesised before the answer: {missing}"
    # every sentence is in memory too: the first words cost a lookup, not a disk read
    choice = synth.choice(language)
    for text in texts:
        for sentence in sentences(text):
            assert synth.cache.in_memory(synth.cache_key(sentence, language)), sentence
    assert services.prepare_call(call_id) is None  # once per call, however many callbacks
    if language == "en" and choice.engine == "piper":
        assert synth.fallbacks == 0  # Piper spoke it all


def test_the_call_knows_the_merchants_country_and_zone(db: Database) -> None:
    """The dialog checks a tax number by the merchant's country and reads dates on their
    clock: a Slovenian merchant's davčna številka is valid, where Polish rules refused it."""
    record = {"external_id": "prep-sl", "phone": "+38641123456", "tax_id": "50223054"}
    with db.session() as s:
        merchant, _ = upsert_merchant(s, normalise_merchant(record))
        slots = prefill_slots(s, merchant)
    assert (slots["country"], slots["timezone"]) == ("SI", "Europe/Ljubljana")
    from voicebot.dialog.normalise import check_tax_id

    assert check_tax_id(slots["tax_id"], slots["country"]).valid
    assert not check_tax_id(slots["tax_id"], "PL").valid
