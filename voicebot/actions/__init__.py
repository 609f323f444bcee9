"""The onboarding bot's custom actions (rasa-sdk). Importing this package registers every
action, so `python -m rasa_sdk --actions voicebot.actions` serves them too."""

from .conversation import (
    ActionAfterOpening,
    ActionAskPrefillConfirmed,
    ActionCorrectField,
    ActionFinishOnboarding,
    ActionHandleMisunderstanding,
    ActionHandleSilence,
    ActionOptOut,
    ActionRepeatLast,
    ActionRequestCallback,
    ActionRequestHuman,
    ActionScheduleCallback,
    ActionSessionStart,
    ActionSkipField,
)
from .forms import ValidateCallbackForm, ValidateOnboardingForm, ValidateOpeningForm

__all__ = [
    "ActionAfterOpening",
    "ActionAskPrefillConfirmed",
    "ActionCorrectField",
    "ActionFinishOnboarding",
    "ActionHandleMisunderstanding",
    "ActionHandleSilence",
    "ActionOptOut",
    "ActionRepeatLast",
    "ActionRequestCallback",
    "ActionRequestHuman",
    "ActionScheduleCallback",
    "ActionSessionStart",
    "ActionSkipField",
    "ValidateCallbackForm",
    "ValidateOnboardingForm",
    "ValidateOpeningForm",
]
