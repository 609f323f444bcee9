"""The onboarding bot's custom actions (rasa-sdk). Importing this package registers every
action, so `python -m rasa_sdk --actions voicebot.actions` serves them too."""

from .conversation import (
    ActionAfterOpening,
    ActionAnswerDuration,
    ActionAnswerIdentity,
    ActionAskPrefillConfirmed,
    ActionCorrectField,
    ActionFinishOnboarding,
    ActionHandleGreeting,
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
from .questions import ASK_ACTIONS, AskQuestion

__all__ = [
    "ASK_ACTIONS",
    "ActionAfterOpening",
    "ActionAnswerDuration",
    "ActionAnswerIdentity",
    "ActionAskPrefillConfirmed",
    "ActionCorrectField",
    "ActionFinishOnboarding",
    "ActionHandleGreeting",
    "ActionHandleMisunderstanding",
    "ActionHandleSilence",
    "ActionOpenCall",
    "ActionOptOut",
    "ActionRepeatLast",
    "ActionRequestCallback",
    "ActionRequestHuman",
    "ActionScheduleCallback",
    "ActionSkipField",
    "AskQuestion",
    "ValidateCallbackForm",
    "ValidateOnboardingForm",
    "ValidateOpeningForm",
]
