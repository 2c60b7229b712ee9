"""Store recordings under the recordings folder by content hash, never by a client's name."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from callcredit.exceptions import AudioError, PayloadTooLarge

ALLOWED_SUFFIXES = {".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".mp4", ".aac", ".webm"}
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StagedRecording:
    """A recording copied to a temporary file inside the recordings folder, hashed and sized."""

    temp_path: Path
    sha256: str
    size: int
    suffix: str


def stage(
    *, source: BinaryIO, recordings_dir: Path, filename: str, max_bytes: int
) -> StagedRecording:
    """Copy a stream into a temp file, hashing it and refusing it past ``max_bytes``."""
    suffix = Path(filename or "").suffix.lower()
    suffix = suffix if suffix in ALLOWED_SUFFIXES else ".audio"
    tmp_dir = recordings_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, name = tempfile.mkstemp(dir=tmp_dir, suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(
                        f"recording is larger than the {max_bytes // (1024 * 1024)} MB limit"
                        " (CALLCREDIT_MAX_UPLOAD_MB)"
                    )
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    if size == 0:
        Path(name).unlink(missing_ok=True)
        raise AudioError("recording is empty (0 bytes)")
    return StagedRecording(Path(name), digest.hexdigest(), size, suffix)


def commit(*, staged: StagedRecording, recordings_dir: Path) -> str:
    """Move a staged recording to its content-addressed place; return its relative path."""
    relative = Path(staged.sha256[:2]) / f"{staged.sha256}{staged.suffix}"
    target = recordings_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        staged.temp_path.unlink(missing_ok=True)
    else:
        # rename within one folder tree is atomic: readers never see half a file
        os.replace(staged.temp_path, target)
    return relative.as_posix()


def discard(staged: StagedRecording) -> None:
    """Remove a staged file that will not be kept."""
    staged.temp_path.unlink(missing_ok=True)


def copy_file(*, path: Path, recordings_dir: Path, max_bytes: int) -> StagedRecording:
    """Stage a local file (manifest ingest)."""
    with path.open("rb") as fh:
        return stage(
            source=fh, recordings_dir=recordings_dir, filename=path.name, max_bytes=max_bytes
        )
