"""Read TOML data files and report problems with the file, line and key they concern."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from callcredit.exceptions import ConfigurationError

M = TypeVar("M", bound=BaseModel)
_DECODE_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")


def _parts(dotted: str) -> tuple[str, ...]:
    """Split a TOML dotted key into its parts, dropping quotes."""
    return tuple(p.strip().strip("\"'") for p in dotted.split("."))


def locate(text: str, loc: Sequence[str | int]) -> int | None:
    """Return the 1-based line that defines the longest known prefix of a key path."""
    paths: list[tuple[tuple[str, ...], int]] = []
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = _parts(header.group(1))
            paths.append((table, number))
            continue
        key = _KEY.match(line)
        if key:
            paths.append((table + _parts(key.group(1)), number))
    wanted = tuple(str(p) for p in loc)
    for size in range(len(wanted), 0, -1):
        for path, number in paths:
            if path == wanted[:size]:
                return number
    return None


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """Parse a TOML file; a missing or malformed file raises ConfigurationError with the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        found = _DECODE_AT.search(str(exc))
        line = int(found.group(1)) if found else None
        problem = _DECODE_AT.sub("", str(exc)).strip()
        where = f"line {line}, column {found.group(2)}" if found else "end of file"
        raise ConfigurationError(
            f"{path}, {where}: invalid TOML: {problem}",
            details={"file": str(path), "line": line, "problem": problem},
        ) from exc


def validate(model: type[M], data: dict[str, Any], text: str, path: Path) -> M:
    """Validate parsed TOML against a model; the first error names its file, line and key."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [p for p in error["loc"] if not str(p).startswith("function-")]
        line = locate(text, loc)
        key = ".".join(str(p) for p in loc) or "(top level)"
        message = str(error["msg"]).removeprefix("Value error, ")
        where = f"line {line}" if line else "unknown line"
        raise ConfigurationError(
            f"{path}, {where}: {key}: {message}",
            details={"file": str(path), "line": line, "key": key, "problem": message},
        ) from exc
