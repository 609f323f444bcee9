"""The onboarding call's custom actions: opening, prefill and resume, interruptions
(silence, repeat, wait, skip, correction, misunderstanding), and the ways a call ends."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from voicebot.dialog.normalise import (
    ASAP,
    parse_yes_no,
    say_date,
    say_datetime,
    say_number,
    spell_address,
)

from .asking import MAX_ASKS, YES_NO_FIELDS, ask_history, current_question
from .common import (
    CONFIG_FIELDS,
    CONFIRM_SLOTS,
    CONTROL_INTENTS,
    FORM_FIELDS,
    SIGNUP_FIELDS,
    asks_how_long,
    asks_how_long_last,
    count_trailing,
    end_call,
    field_label,
    intent_words,
    join_words,
    labels,
    lang_of,
    latest_intent,
    latest_text,
    now_of,
    runs_since_progress,
    said_after_how_long,
    says_go_ahead,
    unexplained_words,
    value_label,
    words_of,
)
from .forms import NOW_AFTER_ALL, ValidateOnboardingForm, callback_time_from
from .questions import AskQuestion, give_up_not_understood, leave_question

MAX_SILENCES = 3
# outside a form (no question to count): this many misunderstandings end the call
MAX_MISUNDERSTANDINGS = 3
# a field corrected this often is left as last said and flagged, so the call cannot loop on it
MAX_CORRECTIONS = 3


def _spoken(slot: str, value: Any, lang: str) -> str:
    if slot in ("contact_email", "domain"):
        return spell_address(str(value), lang)
    if slot == "tax_id":
        from voicebot.dialog.normalise import say_digits

        return say_digits(str(value), lang)
    return str(value)


class ActionOpenCall(Action):
    """Opens the call (rule at conversation start): notes which slots the call layer
    pre-filled, greets with the disclosures (virtual assistant, recorded, why, how to opt
    out); the opening form then asks whether now is a good time."""

    def name(self) -> str:
        return "action_open_call"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        carried = {k: v for k, v in tracker.current_slot_values().items() if v is not None}
        # Sign-up facts are confirmed in one sentence; what an earlier call collected is not
        # asked again (the merchant already answered it).
        earlier = set(carried.get("earlier_call_fields") or [])
        prefilled = [
            f
            for f in FORM_FIELDS + SIGNUP_FIELDS
            if carried.get(f) is not None and f not in earlier
        ]
        events: list[EventType] = [SlotSet("prefilled_fields", list(dict.fromkeys(prefilled)))]
        lang = lang_of(tracker)
        if carried.get("domain") and carried.get("has_domain") is None:
            events.append(SlotSet("has_domain", True))
        for slot in ("tax_id", "contact_email", "domain"):
            if carried.get(slot):
                events.append(SlotSet(f"{slot}_spoken", _spoken(slot, carried[slot], lang)))
        named = "utter_opening_named" if carried.get("contact_name") else "utter_opening"
        dispatcher.utter_message(response=named)
        return events


class ActionAfterOpening(Action):
    """Now is a good time: confirm what we already know or say where we stopped last time,
    then start the questions. Not a good time: ask when to call back."""

    def name(self) -> str:
        return "action_after_opening"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        if tracker.get_slot("good_time") is False:
            text, lang = latest_text(tracker), lang_of(tracker)
            if asks_how_long_last(text, lang):
                # "not really now... how long will it take?": the answer may change the no
                dispatcher.utter_message(response="utter_call_duration")
                return [SlotSet("good_time", None), FollowupAction("opening_form")]
            if asks_how_long(text, lang):
                # "A ile to potrwa? Bo teraz nie mogę.": told, and the no stands
                dispatcher.utter_message(response="utter_call_duration")
            return [FollowupAction("callback_form")]
        lang = lang_of(tracker)
        # Only what an earlier call collected is "where we stopped"; sign-up facts are not.
        earlier = tracker.get_slot("earlier_call_fields") or []
        answered = [f for f in earlier if f in FORM_FIELDS]
        if answered or tracker.get_slot("skipped_fields"):
            remaining = await _remaining_questions(dispatcher, tracker, domain)
            last = next(
                (f for f in reversed(FORM_FIELDS) if f in answered and f in CONFIG_FIELDS),
                answered[-1] if answered else "contact_name",
            )
            dispatcher.utter_message(
                response="utter_resume",
                last_field=field_label(last, lang),
                remaining=say_number(len(remaining), lang),
            )
        return [FollowupAction("onboarding_form")]


async def _remaining_questions(dispatcher, tracker, domain) -> list[str]:
    form = ValidateOnboardingForm()
    required = await form.required_slots(FORM_FIELDS, dispatcher, tracker, domain)
    return [s for s in required if tracker.get_slot(s) is None and s not in CONFIRM_SLOTS.values()]


class ActionAskPrefillConfirmed(AskQuestion):
    """ONE sentence with everything the platform already knows, and one yes/no question."""

    slot = "prefill_confirmed"

    def template_values(self, tracker: Tracker) -> dict[str, Any]:
        lang = lang_of(tracker)
        prefilled = tracker.get_slot("prefilled_fields") or []
        items = []
        for field in SIGNUP_FIELDS:
            value = tracker.get_slot(field)
            if field in prefilled and value:
                template = labels(lang)["prefill_items"][field]
                items.append(template.format(value=_spoken(field, value, lang)))
        return {"items": join_words(items, lang)}


def _spoken_launch(value: str, lang: str, tracker: Tracker) -> str:
    """A launch day read out as a date, "as soon as possible" as such, and words that are
    no date (kept for staff) as the merchant said them."""
    if value == ASAP:
        return str(labels(lang)["asap"])
    try:
        moment = datetime.fromisoformat(f"{value}T12:00:00")
    except ValueError:
        return value
    return say_date(moment.replace(tzinfo=now_of(tracker).tzinfo), lang, now_of(tracker))


def _products_count(count: float, lang: str) -> str:
    """ "dva izdelka", "jeden produkt": the number as words, its last word in the gender of the
    word for products (`products.number_words`: num2words says the feminine "ena", "dve" in
    Slovenian and "jedna" in Czech), then that word in the form the number takes."""
    words = say_number(count, lang).split()
    word = labels(lang)["products"]
    genders = word.get("number_words") or {} if isinstance(word, dict) else {}
    if words and words[-1] in genders:
        words[-1] = str(genders[words[-1]])
    return " ".join([*words, _products_word(count, lang)])


def _products_word(count: float, lang: str) -> str:
    """The word for products after a number: one word, or the form the number takes
    (`products: {default, exact: {"1": ...}, last_digits: {"1": ..., "11": ...}}`: the whole
    number decides first ("1 product" but "21 products", "1 produkt" but "21 produktów"),
    then the last two digits, then the last one, as in "21 товар", "22 товара", "11 товаров")."""
    word = labels(lang)["products"]
    if not isinstance(word, dict):
        return str(word)
    forms = {str(k): str(v) for k, v in (word.get("last_digits") or {}).items()}
    exact = {str(k): str(v) for k, v in (word.get("exact") or {}).items()}
    digits = str(int(count)) if float(count).is_integer() else ""
    if digits in exact:
        return exact[digits]
    for tail in (digits[-2:], digits[-1:]):
        if tail and tail in forms:
            return forms[tail]
    return str(word["default"])


class ActionFinishOnboarding(Action):
    """A short spoken summary and the next step; the outcome is complete or partial."""

    def name(self) -> str:
        return "action_finish_onboarding"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        lang = lang_of(tracker)
        parts = []
        for field in ("store_name", "industry", "product_count", "launch_date"):
            value = tracker.get_slot(field)
            if value is None:
                continue
            if field == "product_count":
                spoken = _products_count(value, lang)
                if tracker.get_slot("product_count_approximate"):
                    spoken = f"{labels(lang)['approximately']} {spoken}"
            elif field == "launch_date":
                spoken = _spoken_launch(str(value), lang, tracker)
            else:
                spoken = value_label(field, value, lang)
            parts.append(spoken)
        # a question asked until its asks ran out is left for staff with the merchant's words
        # (flagged): the call still completes; one the merchant chose to skip stays open
        given_up = set(tracker.get_slot("given_up_fields") or [])
        skipped = [
            f
            for f in (tracker.get_slot("skipped_fields") or [])
            if f in CONFIG_FIELDS and f not in given_up
        ]
        missing = [f for f in CONFIG_FIELDS if tracker.get_slot(f) is None and f in skipped]
        dispatcher.utter_message(response="utter_summary", summary=join_words(parts, lang))
        if missing:
            open_fields = join_words(
                list(dict.fromkeys(field_label(f, lang) for f in missing)), lang
            )
            dispatcher.utter_message(response="utter_next_step_partial", open_fields=open_fields)
            return end_call("partial")
        dispatcher.utter_message(response="utter_next_step")
        return end_call("completed")


class ActionAnswerDuration(Action):
    """ "Ile to potrwa?" is answered. Asked whether now is a good time, the merchant may
    answer it in the same breath ("A długo to będzie trwało? Bo konie nienakarmione. No
    dobra, byle szybko."): that answer is taken, not asked for again."""

    def name(self) -> str:
        return "action_answer_duration"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        dispatcher.utter_message(response="utter_call_duration")
        if tracker.get_slot("requested_slot") != "good_time":
            return []  # the form asks its question again
        lang = lang_of(tracker)
        after = said_after_how_long(latest_text(tracker), lang)
        answer = parse_yes_no(after, lang) if after else None
        if answer is None and after and says_go_ahead(after, lang):
            answer = True
        if answer is None:
            return []
        return [
            SlotSet("good_time", answer),
            SlotSet("requested_slot", None),
            ActiveLoop(None),
            FollowupAction("action_after_opening"),
        ]


class ActionScheduleCallback(Action):
    """Confirms the callback time, spoken naturally, and ends politely."""

    def name(self) -> str:
        return "action_schedule_callback"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        value = tracker.get_slot("callback_time")
        if value == NOW_AFTER_ALL:  # the questions start now, as after a yes to the opening
            dispatcher.utter_message(response="utter_now_after_all")
            return [
                SlotSet("callback_time", None),
                SlotSet("good_time", True),
                FollowupAction("action_after_opening"),
            ]
        if value:
            moment = datetime.fromisoformat(value)
            spoken = say_datetime(moment, lang_of(tracker), now_of(tracker))
            dispatcher.utter_message(response="utter_callback_confirmed", when=spoken)
        else:
            dispatcher.utter_message(response="utter_callback_later")
        return end_call("callback_requested")


class ActionRequestCallback(Action):
    """ "Call me tomorrow at ten" at any point: scheduled at once; with no time, asked."""

    def name(self) -> str:
        return "action_request_callback"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        found = callback_time_from(tracker)
        if found:
            moment = datetime.fromisoformat(found["callback_time"])
            spoken = say_datetime(moment, lang_of(tracker), now_of(tracker))
            dispatcher.utter_message(response="utter_callback_confirmed", when=spoken)
            return end_call(
                "callback_requested", [SlotSet("callback_time", found["callback_time"])]
            )
        return [
            SlotSet("requested_slot", None),
            SlotSet("good_time", False),
            FollowupAction("callback_form"),
        ]


class ActionRequestHuman(Action):
    def name(self) -> str:
        return "action_request_human"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        dispatcher.utter_message(response="utter_human_callback")
        return end_call("human_requested", [SlotSet("human_requested", True)])


class ActionOptOut(Action):
    def name(self) -> str:
        return "action_opt_out"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        dispatcher.utter_message(response="utter_opt_out")
        return end_call("opted_out", [SlotSet("opted_out", True)])


class ActionHandleSilence(Action):
    """Nothing heard: say so and ask again (the form repeats its question); three silences
    in a row end the call politely; a question asked MAX_ASKS times is left for staff."""

    def name(self) -> str:
        return "action_handle_silence"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        if count_trailing(tracker, "silence") >= MAX_SILENCES:
            dispatcher.utter_message(response="utter_goodbye_silence")
            return end_call("silence")
        done = _when_asked_enough(tracker, dispatcher)
        if done is not None:
            return done
        dispatcher.utter_message(response="utter_silence_reprompt")
        return _back_to_form(tracker)


class ActionHandleMisunderstanding(Action):
    """The NLU (or the policy) could not place the answer: apologise and ask again, until
    the question was asked MAX_ASKS times; then it is left for staff with the merchant's
    words and the form goes on. Outside a form, three in a row end with a consultant's
    callback."""

    def name(self) -> str:
        return "action_handle_misunderstanding"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        if latest_intent(tracker) == "deny":
            # "No, Gary Holt.": a "no" the form would not take as a name, before one
            answer = answer_instead(tracker, domain, free_text=True)
            if answer:
                return [*(SlotSet(k, v) for k, v in answer.items()), *_back_to_form(tracker)]
        done = _when_asked_enough(tracker, dispatcher)
        if done is not None:
            return done
        # counted by this action's runs, not by nlu_fallback intents: a core fallback (an
        # intent the form cannot use, like "no" to a name) is a misunderstanding as well
        if (
            current_question(tracker) is None
            and runs_since_progress(tracker, self.name()) + 1 >= MAX_MISUNDERSTANDINGS
        ):
            return _give_up_not_understood(dispatcher)
        dispatcher.utter_message(response="utter_not_understood")
        return _back_to_form(tracker)


def _when_asked_enough(
    tracker: Tracker, dispatcher: CollectingDispatcher, *, back_to_form: bool = True
) -> list[EventType] | None:
    """None while the current question may be asked again; else the events that leave it
    (the onboarding form goes on to its next question) or, where a question cannot be left
    open, end the call."""
    slot = current_question(tracker)
    if slot is None or not ask_history(tracker, slot).used_up:
        return None
    events = leave_question(slot, tracker, dispatcher)
    loop = (tracker.active_loop or {}).get("name")
    goes_on = loop == "onboarding_form" and slot in FORM_FIELDS
    if back_to_form and goes_on and not any(e.get("name") == "action_hangup" for e in events):
        return [*events, *_back_to_form(tracker)]
    return events


def _give_up_not_understood(dispatcher: CollectingDispatcher) -> list[EventType]:
    return give_up_not_understood(dispatcher)


def _back_to_form(tracker: Tracker) -> list[EventType]:
    loop = (tracker.active_loop or {}).get("name")
    if loop:
        return [FollowupAction(loop)]
    return [FollowupAction("action_repeat_last")]


class ActionRepeatLast(Action):
    """ "Sorry, what was that?": inside a form the form asks its question again (slower the
    first time, shorter the second, with the keypad or a consultant offered the third, see
    questions.py); a question asked MAX_ASKS times is left for staff. Outside a form the
    last bot message is said again, slowly, at most MAX_ASKS - 1 times."""

    def name(self) -> str:
        return "action_repeat_last"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        slot = current_question(tracker)
        if slot is not None and not latest_text(tracker).rstrip().endswith("?"):
            # "Pardon, it's Bramble Lane.": the apology goes, the answer stays (a question
            # back, "sorry, the name?", is no answer)
            answer = answer_instead(tracker, domain, free_text=True)
            if answer:
                return [SlotSet(k, v) for k, v in answer.items()]
        if slot is not None:
            done = _when_asked_enough(tracker, dispatcher, back_to_form=False)
            if done is not None:
                return done
            if ask_history(tracker, slot).repeats <= 1:
                dispatcher.utter_message(response="utter_repeat_ack")
            return []
        # no question to count: the times said again since the conversation last moved on
        # (this one included) count instead, so the same words are said at most MAX_ASKS
        # times; then a consultant calls back
        if runs_since_progress(tracker, self.name()) + 1 >= MAX_ASKS:
            return _give_up_not_understood(dispatcher)
        for event in reversed(tracker.events):
            if event.get("event") == "bot" and event.get("text"):
                dispatcher.utter_message(text=event["text"], metadata={"speech_rate": "slow"})
                break
        return []


class ActionHandleGreeting(Action):
    """ "Hello?" in answer to a question is no answer (and no consent): a short greeting
    back, who is calling and why when the call has just begun, and the question again.
    "Yes, hello" to a yes/no question is the yes."""

    def name(self) -> str:
        return "action_handle_greeting"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        slot = current_question(tracker)
        if slot in YES_NO_FIELDS:
            answer = parse_yes_no(latest_text(tracker), lang_of(tracker))
            if answer is not None:
                return [SlotSet(slot, answer)]
        if slot == "good_time" and _goes_ahead(tracker):
            return [SlotSet(slot, True)]
        if slot is not None:
            done = _when_asked_enough(tracker, dispatcher, back_to_form=False)
            if done is not None:
                return done
        if _last_response(tracker) == "utter_wait":
            return []  # "I'm back" after "sure, I will wait": the question is enough
        opening = (tracker.active_loop or {}).get("name") == "opening_form"
        dispatcher.utter_message(
            response="utter_greet_back_opening" if opening else "utter_greet_back"
        )
        return []


class ActionAnswerIdentity(Action):
    """ "Who is this? Are you a robot?" during a question: answered honestly, then the
    question again (it counts as an ask like any other, so it cannot pass four)."""

    def name(self) -> str:
        return "action_answer_identity"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        slot = current_question(tracker)
        if slot in YES_NO_FIELDS and _said_before(tracker, "utter_bot_identity"):
            # "Tak, słucham, o co chodzi?" once more after hearing who calls and why: the
            # question is answered now, the yes (or no) in it stands
            answer = parse_yes_no(latest_text(tracker), lang_of(tracker))
            if answer is not None:
                return [SlotSet(slot, answer), *_back_to_form(tracker)]
        if slot is not None:
            done = _when_asked_enough(tracker, dispatcher, back_to_form=False)
            if done is not None:
                return done
        dispatcher.utter_message(response="utter_bot_identity")
        return []


def _goes_ahead(tracker: Tracker) -> bool:
    """ "Dzień dobry, słucham." once more after the bot said who calls and why: a
    go-ahead, not a phone just picked up (the first time it may be only that, so it is
    greeted back; go_ahead words of the actions' data, "słucham", "I'm listening")."""
    if not _said_before(tracker, "utter_greet_back_opening"):
        return False
    return says_go_ahead(latest_text(tracker), lang_of(tracker))


def _said_before(tracker: Tracker, response: str) -> bool:
    return any(
        event.get("event") == "bot"
        and (event.get("metadata") or {}).get("utter_action") == response
        for event in tracker.events
    )


def _last_response(tracker: Tracker) -> str | None:
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None


# "sure, I will wait" is said this often per question; a further wait asks the question
# again (an ask like any other, so the call cannot wait forever on one question)
MAX_WAITS = 2


_SEGMENT = re.compile(r"[,;:!?…]+|\.(?=\s|$)|\s[-–]\s")


def _wait_then_more(text: str, lang: str) -> bool:
    """A part of the sentence only says "wait" and a later part says something else."""
    parts = [words_of(p) for p in _SEGMENT.split(text)]
    parts = [p for p in parts if p]
    for index, part in enumerate(parts):
        if not unexplained_words(" ".join(part), lang, {"wait"}):
            later = " ".join(w for p in parts[index + 1 :] for w in p)
            if later and unexplained_words(later, lang, {"wait"}):
                return True
    return False


class ActionHandleWait(Action):
    """ "Hold on, let me check": the bot waits, saying so. An answer the NLU took for a wait
    ("Cukiernia Słodka Chwila") is taken: a value with words no wait is said with, at once
    where the value shows it is one (a number, an address); a name or words kept as said
    once the bot has already waited. After MAX_WAITS waits the question is asked again."""

    def name(self) -> str:
        return "action_handle_wait"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        slot = current_question(tracker)
        waits = ask_history(tracker, slot).waits if slot else 0
        # "Hang on... it's Tidewater Aquatics": the wait is over by the end of the sentence
        over = _wait_then_more(latest_text(tracker), lang_of(tracker))
        answer = answer_instead(tracker, domain, free_text=waits > 0 or over)
        if answer:
            return [*(SlotSet(k, v) for k, v in answer.items()), *_back_to_form(tracker)]
        if slot is None or waits < MAX_WAITS:
            dispatcher.utter_message(response="utter_wait")
            return []
        done = _when_asked_enough(tracker, dispatcher)
        if done is not None:
            return done
        return _back_to_form(tracker)


class ActionSkipField(Action):
    """ "I don't know" / "skip": the field stays open, is flagged, and the form moves on;
    an answer inside the hedge is taken instead."""

    def name(self) -> str:
        return "action_skip_field"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        # "not sure yet, probably Dębowy Kąt", "when the website's ready, I'm not sure": a
        # hedge around an answer is the answer (flagged), not a skip
        answer = answer_instead(tracker, domain, free_text=True)
        if answer:
            return [SlotSet(k, v) for k, v in answer.items()]
        slot = tracker.get_slot("requested_slot")
        skipped = list(tracker.get_slot("skipped_fields") or [])
        if slot and slot not in skipped:
            skipped.append(slot)
        dispatcher.utter_message(response="utter_skip_ack")
        return [SlotSet("skipped_fields", skipped), SlotSet("invalid_count", 0)]


class ActionCorrectField(Action):
    """ "No, I said five hundred" / "change the e-mail": the named (or the last answered)
    field gets the new value if one was said, otherwise it is asked again."""

    def name(self) -> str:
        return "action_correct_field"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        target = self._target(tracker)
        fitted = False
        for candidate in self._recent_fields(tracker, limit=None):
            # "no, I said five hundred": the most recent field the new words fit, however
            # many questions ago it was answered
            default = target is None or target == self._last(tracker)
            if candidate in YES_NO_FIELDS:
                continue  # the "no" of "no, I said ..." is the correction's, not an answer
            if not default:
                continue
            new = await self._new_value(candidate, dispatcher, tracker, domain)
            # the value it already has is no correction ("moda" in a store's name)
            if new and _differs(new.get(candidate), tracker.get_slot(candidate)):
                target, fitted = candidate, True
                break
        if not fitted:
            # "It's Kwame Mensah" to the name question: no field the words fit, and words
            # besides "no, I meant": the answer to the question being asked
            answer = answer_instead(tracker, domain, free_text=True)
            if answer:
                return [SlotSet(k, v) for k, v in answer.items()]
        if target is None:
            done = _when_asked_enough(tracker, dispatcher, back_to_form=False)
            if done is not None:
                return done  # asked enough: left for staff, not asked a fifth time
            if self._last(tracker) is None:
                # nothing answered yet, so nothing to correct: the question again (counted)
                dispatcher.utter_message(response="utter_not_understood")
                return []
            dispatcher.utter_message(response="utter_correct_which")
            return []
        corrected = [*(tracker.get_slot("corrected_fields") or []), target]
        if corrected.count(target) >= MAX_CORRECTIONS:
            return await self._leave_for_staff(target, corrected, dispatcher, tracker, domain)
        events: list[EventType] = [
            SlotSet(target, None),
            SlotSet("invalid_count", 0),
            SlotSet("corrected_fields", corrected),
        ]
        if target in CONFIRM_SLOTS:
            events.append(SlotSet(CONFIRM_SLOTS[target], None))
        skipped = [f for f in (tracker.get_slot("skipped_fields") or []) if f != target]
        events.append(SlotSet("skipped_fields", skipped))
        new_value = await self._new_value(target, dispatcher, tracker, domain)
        if new_value:
            events += [SlotSet(k, v) for k, v in new_value.items()]
            dispatcher.utter_message(response="utter_correct_done")
        else:
            dispatcher.utter_message(response="utter_correct_ack")
            events.append(SlotSet("requested_slot", target))
        return events

    async def _leave_for_staff(
        self, target: str, corrected: list[str], dispatcher, tracker, domain
    ) -> list[EventType]:
        """The value said last stands (a new one in this sentence included), flagged for
        a person to check; the form goes on instead of asking the same question again."""
        events: list[EventType] = [
            SlotSet("corrected_fields", corrected),
            SlotSet("invalid_count", 0),
        ]
        new_value = await self._new_value(target, dispatcher, tracker, domain)
        events += [SlotSet(k, v) for k, v in new_value.items()]
        skipped = list(tracker.get_slot("skipped_fields") or [])
        if target not in skipped:
            events.append(SlotSet("skipped_fields", [*skipped, target]))
        dispatcher.utter_message(response="utter_correct_limit")
        return events

    @staticmethod
    def _recent_fields(tracker: Tracker, limit: int | None = 4) -> list[str]:
        seen: list[str] = []
        for event in reversed(tracker.events):
            name = event.get("name")
            if event.get("event") == "slot" and name in CONFIG_FIELDS and name not in seen:
                seen.append(str(name))
        return seen[:limit]

    @classmethod
    def _last(cls, tracker: Tracker) -> str | None:
        recent = [f for f in cls._recent_fields(tracker) if tracker.get_slot(f) is not None]
        return recent[0] if recent else None

    @staticmethod
    def _target(tracker: Tracker) -> str | None:
        for entity in (tracker.latest_message or {}).get("entities") or []:
            if entity.get("entity") == "field" and entity.get("value") in CONFIG_FIELDS:
                return str(entity["value"])
        # the last form field answered before the current question
        requested = tracker.get_slot("requested_slot")
        for event in reversed(tracker.events):
            if event.get("event") != "slot":
                continue
            name = event.get("name")
            if name in CONFIG_FIELDS and name != requested and event.get("value") is not None:
                return str(name)
        return None

    @staticmethod
    async def _new_value(target, dispatcher, tracker, domain) -> dict[str, Any]:
        """Reuse the form's extraction as if the field had just been asked; a correction
        sentence is not a name: ask again instead."""
        return probe_value(target, tracker, domain, names=False)


NAME_FIELDS = {"contact_name", "store_name"}


def probe_value(
    slot: str, tracker: Tracker, domain: DomainDict, *, names: bool = True
) -> dict[str, Any]:
    """The slot values the form would take from the latest message if it had been a plain
    answer to `slot` (its own extraction and validation; complaints are not said)."""
    form = ValidateOnboardingForm()
    dispatcher = CollectingDispatcher()  # a probe: its complaints are not said aloud
    probe = tracker.copy()
    probe.slots = {**tracker.slots, "requested_slot": slot}
    probe.latest_message = {
        **(tracker.latest_message or {}),
        "intent": {"name": "inform", "confidence": 1.0},
    }
    extract = getattr(form, f"extract_{slot}", None)
    if extract is None or (slot in NAME_FIELDS and not names):
        return {}
    found = extract(dispatcher, probe, domain)
    if not found or found.get(slot) in (None, "", []):
        return {}
    validate = getattr(form, f"validate_{slot}", None)
    if validate is not None:
        checked = validate(found[slot], dispatcher, probe, domain)
        if checked.get(slot) is None or checked.get("given_up_fields"):
            return {}
        found.update(checked)
    return found


def answer_instead(tracker: Tracker, domain: DomainDict, *, free_text: bool) -> dict[str, Any]:
    """The merchant's words as an answer to the question being asked, although the NLU
    heard a correction, an "I don't know", a wait or chitchat in them ("It's Kwame Mensah",
    "Cukiernia Słodka Chwila", "not sure, probably Dębowy Kąt"): the form's own extraction
    gives a value, and words are left over that the intent is never said with. A name, or
    words kept as said, count only with `free_text` (any sentence could be one) and only
    when the value itself holds such words, and are flagged for staff as a guess. Empty: no
    answer."""
    slot = current_question(tracker)
    if (tracker.active_loop or {}).get("name") != "onboarding_form" or slot not in FORM_FIELDS:
        return {}
    if slot in YES_NO_FIELDS:
        return {}  # "no idea", "no, wait": a yes or no read into them would be a guess
    message = tracker.latest_message or {}
    if any(e.get("entity") == "field" for e in message.get("entities") or []):
        return {}  # "change the e-mail": about another field
    intent = latest_intent(tracker)
    lang = lang_of(tracker)
    if not intent_words(lang, intent):
        return {}  # no training data to tell the intent's own words from the rest
    text = latest_text(tracker)
    left = unexplained_words(text, lang, {intent})
    if not left:
        return {}
    found = probe_value(slot, tracker, domain)
    if not found:
        return {}
    value = found[slot]
    as_said = (
        slot in NAME_FIELDS
        or (slot == "launch_date" and value != ASAP and not _is_day(str(value)))
        or (slot == "industry" and value == "other")
    )
    if as_said:
        if not free_text:
            return {}
        if (
            slot not in NAME_FIELDS
            and intent in ("correct", "deny")
            and set(left) <= _written_as_names(text)
        ):
            return {}  # "no, I said Moda Plus" at the launch date: a name corrected, no date
        own = unexplained_words(str(value), lang, CONTROL_INTENTS | {intent})
        if not own or (slot in NAME_FIELDS and not set(own) & _written_as_names(text)):
            return {}
        # the NLU heard something else in these words: staff check the value beside them
        guessed_fields = list(found.get("guessed_fields", tracker.get_slot("guessed_fields")) or [])
        if slot not in guessed_fields:
            found["guessed_fields"] = [*guessed_fields, slot]
    return found


_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def _written_as_names(text: str) -> set[str]:
    """Words the merchant (or the recogniser) wrote with a capital inside a sentence, lower
    case: "It's Kwame Mensah" gives kwame and mensah, "Źle zapisane" nothing. Only such a
    word makes a name of a sentence the NLU took for something else."""
    found = set()
    for match in _NAME_WORD.finditer(text):
        before = text[: match.start()].rstrip()
        starts_sentence = not before or before[-1] in ".!?…"
        if match.group()[0].isupper() and not starts_sentence:
            found.add(match.group().lower().replace("’", "'"))
    return found


def _differs(new: Any, old: Any) -> bool:
    if isinstance(new, list) and isinstance(old, list):
        return set(map(str, new)) != set(map(str, old))
    return new != old


def _is_day(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True
