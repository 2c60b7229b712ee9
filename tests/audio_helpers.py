"""Make small audio files for tests: tones, silence, stereo, other formats via ffmpeg."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
EDGE = FIXTURES / "edge"

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")


def tone(freq: float, seconds: float, rate: int = 16_000, level: float = 0.3) -> np.ndarray:
    """Return a sine tone as float32 samples."""
    t = np.arange(int(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write_wav(path: Path, channels: list[np.ndarray], rate: int = 16_000) -> Path:
    """Write float channels (equal lengths) as a 16-bit PCM WAV and return the path."""
    stacked = np.stack(channels, axis=1) if len(channels) > 1 else channels[0][:, None]
    pcm = (np.clip(stacked, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(len(channels))
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path


def encode(source: Path, target: Path, *codec_args: str) -> Path:
    """Convert source to target's format with ffmpeg and return target."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source), *codec_args, str(target)],
        check=True,
    )
    return target


def fixture(*parts: str) -> Path:
    """Return a path under fixtures/, skipping the test when it is not there yet."""
    path = FIXTURES.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"fixture {path.relative_to(FIXTURES.parent)} not generated")
    return path
