"""Telephone audio, speech recognition (Vosk, Whisper) and synthesis (pyttsx3 + espeak-ng).

Modules: ``g711`` (mu-law codec), ``audio`` (resampling, framing, WAV), ``vad``
(voice activity and endpointing), ``models`` (finding installed models), ``catalog`` and
``download`` (official Vosk archives), ``stt`` (the recogniser interface and engine choice),
``vosk_engine`` / ``whisper_engine`` (the engines), ``tts`` (synthesis in a worker process).
"""
