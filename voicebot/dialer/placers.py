"""Which CallPlacer dials: Twilio in production, or any ``module:factory`` given in
``dialer.placer`` (a factory called with settings and the database), e.g. a local stand-in."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from voicebot.dialer.placing import CallPlacer

if TYPE_CHECKING:
    from voicebot.config import Settings
    from voicebot.crm.db import Database


class PlacerError(ValueError):
    """dialer.placer names nothing that can be loaded."""


def load_placer(settings: Settings, db: Database) -> CallPlacer:
    spec = settings.dialer.placer
    if spec == "twilio":
        from voicebot.telephony.rest import TwilioCallPlacer

        return TwilioCallPlacer(settings)
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise PlacerError(f"dialer.placer {spec!r}: use 'twilio' or 'package.module:factory'")
    try:
        factory = getattr(import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise PlacerError(f"dialer.placer {spec!r} cannot be loaded: {exc}") from exc
    return factory(settings, db)
