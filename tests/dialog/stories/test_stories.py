"""The onboarding bot's Rasa test stories (dialogs/tests/test_pl.yml, test_en.yml) run through
`voicebot dialog test dialogs`: every story must pass, in both languages."""

import re
from pathlib import Path

from click.testing import CliRunner

from voicebot.cli import cli

ROOT = Path(__file__).resolve().parents[3]
# what each language's stories must cover (a word of each story name)
COVERED = [
    "happy path|szczęśliwa",
    "not a good time|zły moment",
    "robot",
    "correction|poprawka",
    "e-mail",
    "don't know|nie wiem",
    "repeat|powtórz",
    "wait|chwileczkę",
    "person|człowieka",
    "opt-out|rezygnacja",
    "misunderstandings|niezrozumienia",
    "silence|cisza",
    "pre-filled|rejestracji",
    "resume|wznowienie",
    "industry|branża",
]


def test_every_onboarding_story_passes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = ["--out", str(tmp_path)]
    result = CliRunner().invoke(cli, ["dialog", "test", str(ROOT / "dialogs"), *out])
    output = result.output
    assert result.exit_code == 0, output
    passed = re.findall(r"^PASS  (.+)$", output, re.MULTILINE)
    assert "FAIL" not in output and re.search(rf"{len(passed)} passed, 0 failed", output)
    for language_names in (passed[: len(passed) // 2], passed[len(passed) // 2 :]):
        for topic in COVERED:
            assert any(re.search(topic, name) for name in language_names), (topic, language_names)
