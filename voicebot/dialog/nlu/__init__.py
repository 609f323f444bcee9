"""Natural language understanding: Rasa NLU YAML training data, a per-language intent
classifier and entity extractor trained at start-up."""

from voicebot.dialog.nlu.data import Example, NLUData, load_nlu_files, parse_annotated
from voicebot.dialog.nlu.model import NLUModel, parse_intent_message

__all__ = [
    "Example",
    "NLUData",
    "NLUModel",
    "load_nlu_files",
    "parse_annotated",
    "parse_intent_message",
]
