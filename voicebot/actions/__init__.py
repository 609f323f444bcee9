"""The onboarding bot's custom actions (rasa-sdk). Importing this package registers every
action, so `python -m rasa_sdk --actions voicebot.actions` serves them too."""

from .conversation import (
    ActionAfterOpening,
    ActionAskPrefillConfirmed,
    ActionCorrectField,
    ActionFinishOnboarding,
    ActionHandleMisunderstanding,
    ActionHandleSilence,
    ActionOpenCall,
    ActionOptOut,
    ActionRepeatLast,
    ActionRequestCallback,
    ActionRequestHuman,
    ActionScheduleCallback,
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
    "ActionOpenCall",
    "ActionOptOut",
    "ActionRepeatLast",
    "ActionRequestCallback",
    "ActionRequestHuman",
    "ActionScheduleCallback",
    "ActionSkipField",
    "ValidateCallbackForm",
    "ValidateOnboardingForm",
    "ValidateOpeningForm",
]
