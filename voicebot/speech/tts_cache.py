"""Synthesised speech kept on disk (shared by processes, survives restarts) and in memory.

One file per key under ``tts.cache_dir``; the key is a SHA-256 of everything that changes the
audio (engine, voice, model file, rate, loudness, text). Writes are atomic renames, so readers
never see half a prompt. The memory side is a small LRU: a prompt heard a moment ago costs a
dict lookup.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any


def cache_key(parts: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class PromptCache:
    def __init__(self, directory: Path, memory_items: int) -> None:
        self.directory = Path(directory)
        self.memory_items = memory_items
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.pcm"

    def get(self, key: str) -> bytes | None:
        with self._lock:
            audio = self._memory.get(key)
            if audio is not None:
                self._memory.move_to_end(key)
                return audio
        try:
            audio = self.path(key).read_bytes()
        except FileNotFoundError:
            return None
        self._remember(key, audio)
        return audio

    def in_memory(self, key: str) -> bool:
        with self._lock:
            return key in self._memory

    def __contains__(self, key: str) -> bool:
        return self.in_memory(key) or self.path(key).is_file()

    def put(self, key: str, audio: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(audio)
        os.replace(tmp, path)
        self._remember(key, audio)

    def _remember(self, key: str, audio: bytes) -> None:
        if self.memory_items <= 0:
            return
        with self._lock:
            self._memory[key] = audio
            self._memory.move_to_end(key)
            while len(self._memory) > self.memory_items:
                self._memory.popitem(last=False)
