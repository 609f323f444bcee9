"""How long the onboarding bot's NLU takes to train at start-up, per language, with and without
the learned (CRF) entity extractor, and how long one parse takes. Prints seconds.

    .venv/bin/python bench/nlu.py [--repeat 3] [--project dialogs]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace
from pathlib import Path

from voicebot.dialog.domain import load_domain
from voicebot.dialog.nlu import NLUModel, load_nlu_files
from voicebot.dialog.nlu.pipeline import read_rasa_config
from voicebot.dialog.project import discover

SENTENCES = {
    "pl": ["sprzedajemy głównie ubrania i buty", "tak", "płatność blikiem i przelewem"],
    "en": ["we mostly sell clothes and shoes", "yes", "card payments and bank transfer"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--project", default="dialogs")
    args = parser.parse_args()
    project = discover(Path(args.project))
    entities = load_domain(project.domain_path).entities
    config = read_rasa_config(project.config).nlu
    for language, files in project.nlu_files.items():
        data = load_nlu_files(files)
        for label, variant in (("rules only", replace(config, crf=None)), ("rules + CRF", config)):
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                model = NLUModel(data, language, None, entities, variant)
                times.append(time.perf_counter() - started)
            texts = SENTENCES.get(language, SENTENCES["en"]) * 50
            started = time.perf_counter()
            for text in texts:
                model.parse(text)
            per_parse = (time.perf_counter() - started) / len(texts)
            print(
                f"{language} {label:<12} {len(data.examples)} examples: train median "
                f"{statistics.median(times):.2f} s (min {min(times):.2f}), "
                f"parse {per_parse * 1000:.1f} ms"
            )


if __name__ == "__main__":
    main()
