"""Settings: config.yml plus VOICEBOT_* environment overrides, validated once at start-up.

Which file: `--config FILE`, else $VOICEBOT_CONFIG, else `voicebot.yml` in the working
directory, else its `config.yml` when that file is voicebot's own. A Rasa project's root has a
config.yml of its own (recipe, language, pipeline, policies, assistant_id): a file whose
top-level keys are Rasa's and none of voicebot's sections is a Rasa model configuration and is
never read as settings, so every command runs from a Rasa project's root with no flags.

Every setting lives in a section (``database.url``); the environment variable for it is
``VOICEBOT_<SECTION>_<KEY>`` in upper case (``VOICEBOT_DATABASE_URL``). Secrets are only
read from the environment: a secret found in config.yml is an error, so it never lands
in a repository by accident.
"""

from __future__ import annotations

import ipaddress
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from voicebot.spoken_languages import supported_languages

ENV_PREFIX = "VOICEBOT_"
DEFAULT_CONFIG_FILE = "config.yml"
OWN_CONFIG_FILE = "voicebot.yml"  # voicebot's settings where config.yml is Rasa's
RASA_CONFIG_KEYS = frozenset({"recipe", "language", "pipeline", "policies", "assistant_id"})


class ConfigError(Exception):
    """A setting is missing, malformed or in the wrong place; the message names the key."""


def secret(description: str) -> Any:
    return Field(default=None, description=description, json_schema_extra={"secret": True})


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class PathsSettings(Section):
    data_dir: Path = Path("var")


class DatabaseSettings(Section):
    url: str = "sqlite:///var/voicebot.db"
    password: SecretStr | None = secret("database password, merged into url when it has none")
    echo: bool = False
    pool_size: int = Field(default=10, ge=1)

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError("must be a sqlite:/// or postgresql:// database URL")
        return value


class ServerSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_base_url: str = "http://127.0.0.1:8080"
    ws_max_message_bytes: int = Field(default=65536, ge=1024)  # larger stream messages: refused
    max_request_bytes: int = Field(default=1_048_576, ge=1024)  # larger HTTP bodies: 413
    workers: int = Field(default=0, ge=0, le=256)  # gunicorn worker processes; 0: one per core
    threads: int = Field(default=32, ge=2, le=1000)  # per worker: each live call holds one
    drain_timeout_s: float = Field(default=300.0, ge=0)  # SIGTERM: calls may finish this long
    # A call still running at the drain timeout is ended ("we will call you back soon") and
    # retried this many minutes later, not after the usual wait of dialer.retry.partial.
    drain_retry_minutes: float = Field(default=5.0, ge=0)
    redis_url: str | None = None  # shared by every instance (API rate limit); None: per process
    redis_key_prefix: str = "voicebot:"  # keys of this deployment in that Redis
    metrics_allow: list[str] = ["127.0.0.1/32", "::1/128"]  # who may read /metrics without a token
    metrics_token: SecretStr | None = secret("bearer token that also opens /metrics")
    log_format: str = "text"  # text, or json (one JSON object per line)
    # Reverse proxies in front that set X-Forwarded-For/-Proto: the client's address (login
    # throttling, /metrics) is read from them. 0: the peer's own address is the client's.
    proxy_hops: int = Field(default=0, ge=0, le=5)

    @field_validator("log_format")
    @classmethod
    def _known_log_format(cls, value: str) -> str:
        if value not in ("text", "json"):
            raise ValueError("must be text or json")
        return value

    @field_validator("metrics_allow")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            ipaddress.ip_network(network, strict=False)  # ValueError names the bad entry
        return value

    @field_validator("public_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class TwilioSettings(Section):
    account_sid: str = "AC00000000000000000000000000000000"
    auth_token: SecretStr | None = secret("Twilio auth token; signs and checks every webhook")
    from_number: str = "+48000000000"
    api_base_url: str = "https://api.twilio.com"
    validate_signatures: bool = True
    machine_detection: str = "DetectMessageEnd"  # async AMD waits for the beep before voicemail
    ring_timeout_s: int = Field(default=30, ge=5, le=600)
    # Redirecting a live call (voicemail after AMD) retries when Twilio's API is unreachable.
    rest_attempts: int = Field(default=5, ge=1, le=20)
    rest_retry_delay_s: float = Field(default=1.0, ge=0.0, le=60.0)  # doubled after each failure


class SpeechSettings(Section):
    models_dir: Path = Path("var/models")
    # Slovenian has no Vosk model (alphacephei publishes none): Whisper serves it.
    engines: dict[str, str] = {
        "pl": "vosk",
        "en": "vosk",
        "cs": "vosk",
        "ru": "vosk",
        "sl": "whisper",
    }
    fallback_engine: str = "whisper"
    # Endpointing (see voicebot/speech/vad.py): WebRTC VAD + adaptive noise floor.
    vad_aggressiveness: int = Field(default=2, ge=0, le=3)
    noise_margin_db: float = Field(default=9.0, ge=0.0, le=40.0)
    min_speech_ms: int = Field(default=120, ge=20, le=2000)
    endpoint_silence_ms: int = Field(default=700, ge=100, le=5000)
    # Adaptive endpointing (call/listening.py): the silence that ends an answer already
    # complete ("yes", ten digits with a valid checksum) and one plainly unfinished ("um").
    endpoint_short_ms: int = Field(default=350, ge=100, le=5000)
    endpoint_long_ms: int = Field(default=1200, ge=100, le=5000)
    max_utterance_ms: int = Field(default=15000, ge=1000, le=120000)
    pre_roll_ms: int = Field(default=300, ge=0, le=1000)
    max_alternatives: int = Field(default=3, ge=0, le=20)
    whisper_model: str = "auto"
    whisper_beam_size: int = Field(default=5, ge=1, le=10)
    whisper_threads: int = Field(default=2, ge=0, le=64)
    # Re-decoding a doubtful utterance at higher temperatures (Whisper's default) can double
    # the time to a reply on a phone line; the dialog recovers from a mishearing instead.
    whisper_temperature_fallback: bool = False
    # A pause this long inside an utterance has Whisper decode the audio so far while the
    # merchant may go on, so the end of the answer leaves only the last piece (0: off).
    whisper_segment_pause_ms: int = Field(default=240, ge=0, le=5000)
    # The expected vocabulary as Whisper hotwords. Off: measured on Whisper base with
    # espeak-ng answers, a word-list prompt makes it loop ("No. No. No. No.", "ten ten ...")
    # and decode 2-3x slower; the vocabulary still drives the endpoint rule.
    whisper_hotwords: bool = False

    @field_validator("engines")
    @classmethod
    def _known_engines(cls, value: dict[str, str]) -> dict[str, str]:
        for language, engine in value.items():
            if engine not in ("vosk", "whisper"):
                raise ValueError(f"{language}: unknown engine {engine!r} (vosk or whisper)")
        return value


class TtsSettings(Section):
    voices: dict[str, str] = {
        "pl": "zlw/pl",
        "en": "gmw/en-us",
        "cs": "zlw/cs",
        "ru": "zle/ru",
        "sl": "zls/sl",
    }
    rate: int = Field(default=165, ge=60, le=400)
    # a question the merchant asked to hear again is said at this rate (response metadata
    # "speech_rate": "slow")
    slow_rate: int = Field(default=125, ge=60, le=400)
    cache_dir: Path = Path("var/tts-cache")
    pitch: int = Field(default=50, ge=0, le=99)
    volume: float = Field(default=1.0, ge=0.0, le=1.0)
    timeout_s: float = Field(default=10.0, gt=0.0, le=120.0)
    memory_cache_items: int = Field(default=512, ge=0)
    # Per language: "auto" (Piper when a voice is installed, else espeak), "piper" or "espeak".
    engines: dict[str, str] = {"pl": "auto", "en": "auto", "cs": "auto", "ru": "auto", "sl": "auto"}
    # Per language: a Piper voice name (en_US-joe-medium) or .onnx path; "auto" = first installed.
    piper_voices: dict[str, str] = {}
    piper_voices_dir: Path = Path("var/models/piper")
    piper_workers: int = Field(default=1, ge=1, le=16)  # worker processes
    piper_threads: int = Field(default=2, ge=1, le=16)  # onnxruntime threads per worker
    piper_timeout_s: float = Field(default=5.0, gt=0.0, le=120.0)  # then espeak speaks instead
    piper_length_scale: float = Field(default=1.0, ge=0.5, le=2.0)  # > 1 speaks slower
    loudness_dbfs: float = Field(default=-20.0, ge=-40.0, le=-6.0)  # every engine's speech level
    group_pause_ms: int = Field(default=250, ge=0, le=2000)  # between read-back groups
    prefetch_workers: int = Field(default=1, ge=0, le=8)  # background syntheses at once

    @field_validator("engines")
    @classmethod
    def _known_tts_engines(cls, value: dict[str, str]) -> dict[str, str]:
        for language, engine in value.items():
            if engine not in ("auto", "piper", "espeak"):
                raise ValueError(f"{language}: unknown engine {engine!r} (auto, piper or espeak)")
        return value


class DialogSettings(Section):
    project_dir: Path = Path("dialogs")
    default_language: str = "pl"
    # every language of voicebot/spoken_languages.yml, unless a deployment trains fewer
    languages: list[str] = Field(default_factory=lambda: list(supported_languages()))
    fallback_threshold: float = Field(default=0.45, ge=0.0, le=1.0)
    action_endpoint: str | None = None
    actions_module: str | None = "voicebot.actions"
    max_predictions: int = Field(default=10, ge=1, le=100)


class CallSettings(Section):
    recordings_dir: Path = Path("var/recordings")
    silence_reprompt_s: float = Field(default=6.0, gt=0)  # merchant silent this long: "/silence"
    dtmf_timeout_s: float = Field(default=2.0, gt=0)  # keys typed without "#" end after this pause
    barge_in: bool = True  # merchant words while the bot talks stop the bot
    # Voiced speech that stops the bot even before a word is recognised (Whisper has no
    # partial results); shorter sounds ("mhm") are taken as listening, not answering.
    barge_in_min_speech_ms: int = Field(default=400, ge=60, le=5000)
    # Prepare the likely reply (dialog on a copy, audio) once the partial result is a
    # complete answer; used at the endpoint when the final words agree (call/speculation.py).
    speculative_replies: bool = True
    end_grace_s: float = Field(default=5.0, ge=0)  # wait for the goodbye's mark at most this long
    max_call_s: float = Field(default=1200.0, gt=0)  # hard limit on one conversation
    # Said when a voicemail answers (asynchronous AMD) and for an unknown call, per language.
    voicemail_text: dict[str, str] = {
        "pl": "Dzień dobry, tu wirtualny asystent platformy sklepów. Zadzwonimy ponownie w "
        "sprawie konfiguracji Pani lub Pana sklepu. Do usłyszenia.",
        "en": "Hello, this is the store platform's virtual assistant. We will call again "
        "about setting up your store. Goodbye.",
        "cs": "Dobrý den, tady virtuální asistent platformy pro internetové obchody. Kvůli "
        "nastavení vašeho obchodu vám zavoláme znovu. Na slyšenou.",
        "ru": "Здравствуйте, это виртуальный ассистент платформы интернет-магазинов. Мы "
        "перезвоним вам по поводу настройки вашего магазина. До свидания.",
        "sl": "Dober dan, tukaj virtualni asistent platforme za spletne trgovine. Glede "
        "nastavitve vaše trgovine vas bomo poklicali znova. Nasvidenje.",
    }
    drain_text: dict[str, str] = {  # said when a server shutdown ends a call in progress
        "pl": "Przepraszamy, musimy teraz zakończyć rozmowę. Oddzwonimy wkrótce, aby "
        "dokończyć. Do widzenia.",
        "en": "Sorry, we have to end the call now. We will call you back soon to finish. Goodbye.",
        "cs": "Omlouváme se, teď musíme hovor ukončit. Brzy vám zavoláme zpátky, abychom ho "
        "dokončili. Na shledanou.",
        "ru": "Извините, нам нужно сейчас закончить разговор. Мы скоро перезвоним, чтобы его "
        "завершить. До свидания.",
        "sl": "Oprostite, pogovor moramo zdaj končati. Kmalu vas pokličemo nazaj, da ga "
        "dokončamo. Nasvidenje.",
    }
    apology_text: dict[str, str] = {
        "pl": "Przepraszamy, nie możemy teraz połączyć tej rozmowy. Do widzenia.",
        "en": "Sorry, we cannot connect this call right now. Goodbye.",
        "cs": "Omlouváme se, tento hovor teď nemůžeme spojit. Na shledanou.",
        "ru": "Извините, сейчас мы не можем соединить этот звонок. До свидания.",
        "sl": "Oprostite, tega klica trenutno ne moremo povezati. Nasvidenje.",
    }


class RetryRule(Section):
    # Wait before the next attempt, by attempt number; the last delay repeats.
    delays_minutes: list[int] = Field(default=[60], min_length=1)
    # Once the merchant has had this many calls, this outcome makes them unreachable.
    max_attempts: int = Field(default=5, ge=1)


RETRYABLE_OUTCOMES = ("busy", "no_answer", "failed", "voicemail", "hung_up", "partial")


class DialerSettings(Section):
    max_concurrent_calls: int = Field(default=5, ge=1)
    calls_per_second: float = Field(default=1.0, gt=0)
    poll_interval_s: float = Field(default=5.0, gt=0)
    # Calling windows per country (ISO code) in the merchant's own time zone.
    # Defaults for the countries whose languages the bot speaks: business calls on working
    # days (Czech, Slovak and Slovenian merchants are not called on Saturdays).
    calling_hours: dict[str, dict[str, list[str]]] = {
        "default": {"mon-fri": ["09:00-19:00"], "sat": ["10:00-14:00"]},
        "PL": {"mon-fri": ["09:00-19:00"], "sat": ["10:00-14:00"]},
        "CZ": {"mon-fri": ["09:00-18:00"]},
        "SK": {"mon-fri": ["09:00-18:00"]},
        "RU": {"mon-fri": ["09:00-20:00"], "sat": ["10:00-16:00"]},
        "SI": {"mon-fri": ["08:00-17:00"]},
    }
    skip_public_holidays: bool = True
    default_country: str = "PL"
    retry: dict[str, RetryRule] = {
        "busy": RetryRule(delays_minutes=[15, 30, 60], max_attempts=6),
        "no_answer": RetryRule(delays_minutes=[60, 180, 1440], max_attempts=5),
        "failed": RetryRule(delays_minutes=[30, 240], max_attempts=3),
        "voicemail": RetryRule(delays_minutes=[240, 1440], max_attempts=4),
        "hung_up": RetryRule(delays_minutes=[120, 1440], max_attempts=4),
        "partial": RetryRule(delays_minutes=[1440], max_attempts=6),
    }
    # Outcomes without a rule of their own follow another outcome's rule.
    retry_as: dict[str, str] = {
        "silence": "hung_up",
        "not_understood": "partial",
        "error": "failed",
    }
    callback_default_minutes: int = Field(default=120, ge=1)
    max_calls_per_merchant: int = Field(default=10, ge=1)
    stale_call_minutes: int = Field(default=60, ge=1)
    placer: str = "twilio"
    redis_url: str = "redis://127.0.0.1:6379/0"
    queue_name: str = "voicebot-dialer"
    key_prefix: str = "voicebot:dialer:"
    # `dialer run` serves its own metrics (claims) on this port; None: no metrics endpoint.
    # Readable as /metrics is: from server.metrics_allow or with server.metrics_token.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"  # the address that port listens on

    @field_validator("calling_hours")
    @classmethod
    def _valid_hours(
        cls, value: dict[str, dict[str, list[str]]]
    ) -> dict[str, dict[str, list[str]]]:
        from voicebot.calling_hours_format import DEFAULT_KEY, validate_calling_hours

        table = {key if key == DEFAULT_KEY else key.upper(): hours for key, hours in value.items()}
        table.setdefault(DEFAULT_KEY, cls.model_fields["calling_hours"].default[DEFAULT_KEY])
        validate_calling_hours(table)
        return table

    @field_validator("retry")
    @classmethod
    def _known_outcomes(cls, value: dict[str, RetryRule]) -> dict[str, RetryRule]:
        unknown = [o for o in value if o not in RETRYABLE_OUTCOMES]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not one of {', '.join(RETRYABLE_OUTCOMES)}")
        # A config that tunes one outcome keeps the defaults for the others.
        defaults = cls.model_fields["retry"].default
        return {o: value.get(o, defaults[o]) for o in RETRYABLE_OUTCOMES}

    @field_validator("retry_as")
    @classmethod
    def _aliases_known(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [target for target in value.values() if target not in RETRYABLE_OUTCOMES]
        if bad:
            raise ValueError(f"{bad[0]!r} is not one of {', '.join(RETRYABLE_OUTCOMES)}")
        return value


class WebSettings(Section):
    secret_key: SecretStr | None = secret("signs staff session cookies")
    session_cookie_secure: bool = True
    session_hours: float = Field(default=8.0, gt=0, le=24 * 30)  # a login lasts this long
    # Login throttling (no lockout): failures allowed, then waits that double up to a cap.
    login_free_failures_per_account: int = Field(default=5, ge=1)
    login_free_failures_per_address: int = Field(default=20, ge=1)
    login_first_wait_s: float = Field(default=2.0, gt=0)
    login_max_wait_account_s: float = Field(default=60.0, gt=0)  # short: staff are not locked out
    login_max_wait_address_s: float = Field(default=900.0, gt=0)
    device_cookie_days: int = Field(default=180, ge=1)  # a known browser skips the account wait
    low_confidence: float = Field(default=0.6, ge=0.0, le=1.0)  # words below are marked
    page_size: int = Field(default=25, ge=5, le=200)
    display_timezone: str = "Europe/Warsaw"  # times on the review pages


class ApiSettings(Section):
    rate_limit_per_minute: int = Field(default=120, ge=1)
    webhook_urls: list[str] = []  # POSTed the configuration when staff approve it
    webhook_secret: SecretStr | None = secret("HMAC-SHA256 key that signs webhook bodies")
    webhook_max_attempts: int = Field(default=5, ge=1)
    webhook_backoff_s: float = Field(default=2.0, ge=0.0)  # doubled after every failure
    webhook_timeout_s: float = Field(default=10.0, gt=0.0)


class PrivacySettings(Section):
    retention_days: int = Field(default=365, ge=1)  # recordings and transcripts kept this long


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paths: PathsSettings = PathsSettings()
    database: DatabaseSettings = DatabaseSettings()
    server: ServerSettings = ServerSettings()
    twilio: TwilioSettings = TwilioSettings()
    speech: SpeechSettings = SpeechSettings()
    tts: TtsSettings = TtsSettings()
    dialog: DialogSettings = DialogSettings()
    call: CallSettings = CallSettings()
    dialer: DialerSettings = DialerSettings()
    web: WebSettings = WebSettings()
    api: ApiSettings = ApiSettings()
    privacy: PrivacySettings = PrivacySettings()

    @property
    def database_url(self) -> str:
        """The database URL with the environment's password merged in when the URL has none."""
        from sqlalchemy.engine import make_url

        url = make_url(self.database.url)
        if self.database.password is not None and url.password is None:
            url = url.set(password=self.database.password.get_secret_value())
        return url.render_as_string(hide_password=False)


def secret_keys() -> set[tuple[str, str]]:
    keys = set()
    for section_name, section_field in Settings.model_fields.items():
        section_model = section_field.annotation
        for key, field in section_model.model_fields.items():
            extra = field.json_schema_extra
            if isinstance(extra, dict) and extra.get("secret"):
                keys.add((section_name, key))
    return keys


def env_name(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section}_{key}".upper()


def _env_value(section: str, key: str, raw: str) -> Any:
    """Environment values are text; lists and mappings are given as JSON or YAML."""
    section_model = Settings.model_fields[section].annotation
    default = section_model.model_fields[key].get_default(call_default_factory=True)
    if isinstance(default, dict | list):
        try:
            return yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{env_name(section, key)}: not valid YAML/JSON ({exc})") from exc
    return raw


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    for section, values in data.items():
        if values is None:
            data[section] = {}
        elif not isinstance(values, dict):
            raise ConfigError(f"{path}: section '{section}' must be a mapping")
    return data


def is_rasa_config(path: Path) -> bool:
    """A Rasa model configuration: Rasa's top-level keys and none of voicebot's sections."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    if not isinstance(data, dict):
        return False
    keys = set(data)
    return bool(keys & RASA_CONFIG_KEYS) and not keys & set(Settings.model_fields)


def settings_file(
    config_file: str | Path | None = None, environ: dict[str, str] | None = None
) -> Path | None:
    """The settings file to read (None: defaults and environment only)."""
    environ = dict(os.environ if environ is None else environ)
    given = config_file or environ.get(f"{ENV_PREFIX}CONFIG")
    if given:
        path = Path(given)
        if not path.exists():
            if config_file is None:  # $VOICEBOT_CONFIG naming no file: defaults, as before
                return None
            raise ConfigError(f"config file {path} does not exist")
        if is_rasa_config(path):
            raise ConfigError(
                f"{path} is a Rasa model configuration (pipeline, policies), not voicebot's"
                f" settings: give voicebot's own file, e.g. {OWN_CONFIG_FILE}"
            )
        return path
    for name in (OWN_CONFIG_FILE, DEFAULT_CONFIG_FILE):
        path = Path(name)
        if path.is_file() and not is_rasa_config(path):
            return path
    return None


def load_settings(
    config_file: str | Path | None = None, environ: dict[str, str] | None = None
) -> Settings:
    """Read the settings file (if any, see settings_file) and the environment; raise
    ConfigError naming the bad key."""
    environ = dict(os.environ if environ is None else environ)
    found = settings_file(config_file, environ)
    path = found or Path(DEFAULT_CONFIG_FILE)
    data: dict[str, Any] = {}
    if found is not None:
        data = _read_file(found)

    for section, key in secret_keys():
        if key in data.get(section, {}) and data[section][key] is not None:
            raise ConfigError(
                f"{section}.{key} is a secret: set {env_name(section, key)} in the environment,"
                f" not in {path}"
            )

    for section, section_field in Settings.model_fields.items():
        for key in section_field.annotation.model_fields:
            name = env_name(section, key)
            if name in environ:
                data.setdefault(section, {})[key] = _env_value(section, key, environ[name])

    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        problem = first["msg"]
        if first["type"] == "extra_forbidden":
            problem = "unknown setting"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(f"setting {key}: {problem}{more}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded once."""
    return load_settings()


def settings_as_json(settings: Settings) -> str:
    """Settings for display, secrets masked."""
    return json.dumps(settings.model_dump(mode="json"), indent=2, default=str)
