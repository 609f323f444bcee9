"""The onboarding bot's Rasa test stories (dialogs/tests/test_<lang>.yml) run through
`voicebot dialog test dialogs`: every story must pass, and each language's file covers
every topic."""

import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from voicebot.cli import cli

ROOT = Path(__file__).resolve().parents[3]
# what each language's stories must cover (a word of each story name)
COVERED = [
    "happy path|szczęśliwa|šťastná|счастливый|srečna",
    "not a good time|zły moment|nevhodná|неудобное|neprimeren",
    "robot|робот",
    "correction|poprawka|oprava|исправление|popravek",
    "e-mail|почт|e-pošt",
    "don't know|nie wiem|nevím|не знаю|ne vem",
    "repeat|powtórz|zopakujte|повторите|ponovite",
    "wait|chwileczkę|moment|секундочку|trenutek",
    "person|człowieka|člověka|человеке|človeka",
    "opt-out|rezygnacja|odmítnutí|отказ|odjava",
    "misunderstandings|niezrozumienia|nedorozumění|непонимание|nerazumevanja",
    "silence|cisza|ticho|тишина|tišina",
    "pre-filled|rejestracji|registrace|регистрации|registracije",
    "resume|wznowienie|pokračování|продолжение|nadaljevanje",
    "industry|branża|obor|сфера|panoga",
]


def test_every_onboarding_story_passes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = ["--out", str(tmp_path)]
    result = CliRunner().invoke(cli, ["dialog", "test", str(ROOT / "dialogs"), *out])
    output = result.output
    assert result.exit_code == 0, output
    passed = re.findall(r"^PASS  (.+)$", output, re.MULTILINE)
    assert "FAIL" not in output and re.search(rf"{len(passed)} passed, 0 failed", output)
    for path in sorted((ROOT / "dialogs" / "tests").glob("test_*.yml")):
        stories = yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]
        language_names = [str(story["story"]) for story in stories]
        assert set(language_names) <= set(passed), path.name
        for topic in COVERED:
            assert any(re.search(topic, name) for name in language_names), (topic, language_names)
