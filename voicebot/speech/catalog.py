"""The official Vosk model archives ``voicebot models download LANG`` installs.

Names, addresses, sizes and MD5 sums as alphacephei publishes them in
https://alphacephei.com/vosk/models/model-list.json (the official list carries MD5, not
SHA-256). English: the list's small US model, whose archive is identified by its size and the
SHA-256 published alongside it by users of the archive (the list entry we could read carries
no MD5 for it). Small models are the right size for phone calls: fast, with grammar support.
"""

from __future__ import annotations

from dataclasses import dataclass

VOSK_BASE_URL = "https://alphacephei.com/vosk/models"


@dataclass(frozen=True)
class VoskArchive:
    language: str
    name: str
    size: int
    md5: str | None = None
    sha256: str | None = None

    @property
    def url(self) -> str:
        return f"{VOSK_BASE_URL}/{self.name}.zip"


VOSK_ARCHIVES: dict[str, VoskArchive] = {
    a.language: a
    for a in (
        VoskArchive(
            "pl", "vosk-model-small-pl-0.22", 52_979_372, md5="91cbbd6231320467da672be31827b6ac"
        ),
        VoskArchive(
            "en",
            "vosk-model-small-en-us-0.15",
            41_205_931,
            sha256="30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
        ),
        VoskArchive(
            "cs",
            "vosk-model-small-cs-0.4-rhasspy",
            46_088_666,
            md5="df5ddac5ee8632f6b46a6fc751953286",
        ),
        VoskArchive(
            "ru", "vosk-model-small-ru-0.22", 46_236_750, md5="d1759dc83eb8fd87850129afbd9f4b7b"
        ),
        VoskArchive(
            "de", "vosk-model-small-de-0.15", 46_499_967, md5="4f21f92c0897b48287ef8839420608eb"
        ),
        VoskArchive(
            "fr", "vosk-model-small-fr-0.22", 42_233_323, md5="8873b1234503f6edd55f54bfff31cf3e"
        ),
        VoskArchive(
            "es", "vosk-model-small-es-0.42", 39_817_833, md5="2d5c94f9859a84881a0ef744738ebd31"
        ),
        VoskArchive(
            "it", "vosk-model-small-it-0.22", 49_665_141, md5="fbd8f9c72cbb8c3dfa3e4581bd3585f4"
        ),
        VoskArchive(
            "ko", "vosk-model-small-ko-0.22", 86_914_329, md5="fa8029a173787a159e0e72fe6135f890"
        ),
    )
}
