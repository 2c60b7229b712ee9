"""Load call recordings once, validate them, and split them into speaker tracks."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from pydub import AudioSegment

from callcredit.audio import decoder
from callcredit.audio.decoder import TARGET_RATE
from callcredit.exceptions import AudioError
from callcredit.transcription.schemas import Speaker

log = logging.getLogger(__name__)

SpeakerLayout = Literal["mono", "stereo"]
SUPPORTED_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".oga", ".m4a", ".mp4", ".aac")
# Decoded audio may be a little shorter than the container claims (encoder priming, padding).
_DURATION_SLACK_S = 0.5
_DURATION_SLACK_SHARE = 0.05
# Channels this correlated are one signal copied twice (survives lossy codecs), not two speakers.
_SAME_SIGNAL_CORRELATION = 0.98


class RecordingTooLarge(AudioError):
    """The recording is over the size limit; an AudioError that the API renders as 413."""

    status_code = 413
    code = "payload_too_large"


@dataclass(frozen=True)
class Track:
    """One speaker's mono 16 kHz float32 samples, ready for faster-whisper."""

    speaker: Speaker
    samples: np.ndarray

    @property
    def duration(self) -> float:
        """Return the track length in seconds."""
        return len(self.samples) / TARGET_RATE


@dataclass(frozen=True)
class Recording:
    """A decoded recording: source properties plus 16 kHz samples per channel."""

    path: Path | None
    format_name: str
    codec: str
    sample_rate: int
    channels: int
    samples: np.ndarray = field(repr=False)  # shape (channels, n), float32, 16 kHz

    @property
    def duration(self) -> float:
        """Return the decoded length in seconds."""
        return self.samples.shape[1] / TARGET_RATE

    def channel_samples(self, speaker_layout: SpeakerLayout | None = None) -> list[Track]:
        """Return speaker tracks: stereo gives caller (left) and business (right), else unknown."""
        layout = self.check_layout(speaker_layout)
        if layout == "stereo":
            left, right = self.samples[0], self.samples[1]
            if not _same_signal(left, right):
                return [Track("caller", left), Track("business", right)]
            # A mono call saved as stereo would otherwise be transcribed twice.
            log.warning("both stereo channels carry the same signal; treating as mono")
            return [Track("unknown", left)]
        return [Track("unknown", self.mono())]

    def check_layout(self, speaker_layout: SpeakerLayout | None = None) -> SpeakerLayout:
        """Return the layout to use (by channel count when None); AudioError if it cannot be."""
        layout = speaker_layout or ("stereo" if self.channels == 2 else "mono")
        if layout not in ("mono", "stereo"):
            raise AudioError(f"unknown channel layout {layout!r}; use 'mono' or 'stereo'")
        if layout == "stereo" and self.channels != 2:
            raise AudioError(
                f"the recording has {self.channels} channel(s); stereo needs exactly 2 "
                "(left = caller, right = business)"
            )
        return layout

    def mono(self) -> np.ndarray:
        """Return all channels mixed down to one float32 track."""
        if self.channels == 1:
            return self.samples[0]
        return self.samples.mean(axis=0, dtype=np.float32)

    def to_segment(self) -> AudioSegment:
        """Return the 16 kHz audio as a 16-bit pydub AudioSegment (for clips and export)."""
        pcm = (np.clip(self.samples.T, -1.0, 1.0) * 32767).astype("<i2")
        return AudioSegment(
            data=pcm.tobytes(), sample_width=2, frame_rate=TARGET_RATE, channels=self.channels
        )


def load_recording(
    *,
    path: str | os.PathLike[str],
    max_bytes: int | None = None,
    max_seconds: float | None = None,
) -> Recording:
    """Decode a recording once and raise AudioError if it is empty, junk, truncated or too long."""
    source = Path(path)
    name = source.name
    _check_size(source, name, max_bytes)
    _check_wav_complete(source, name)
    decoded = decoder.decode(source, name, max_seconds)
    samples = decoded.samples
    if samples.shape[1] == 0:
        raise AudioError(f"{name}: the recording contains no audio (zero length)")
    seconds, declared = samples.shape[1] / TARGET_RATE, decoded.declared_duration
    if declared and seconds < declared - max(_DURATION_SLACK_S, declared * _DURATION_SLACK_SHARE):
        raise AudioError(
            f"{name}: the recording is truncated ({seconds:.1f} s of {declared:.1f} s decoded)"
        )
    return Recording(
        path=source,
        format_name=decoded.format_name,
        codec=decoded.codec,
        sample_rate=decoded.sample_rate,
        channels=decoded.channels,
        samples=samples,
    )


def probe_bytes(data: bytes, filename: str, *, max_bytes: int | None = None) -> Recording:
    """Validate uploaded bytes by decoding them fully; raise AudioError for junk."""
    name = Path(filename).name or "upload"
    if max_bytes is not None and len(data) > max_bytes:
        raise RecordingTooLarge(_too_large(name, len(data), max_bytes))
    if not data:
        raise AudioError(f"{name}: the file is empty (0 bytes)")
    suffix = Path(name).suffix.lower()
    # Some containers need a seekable file (M4A with its index at the end).
    with tempfile.TemporaryDirectory(prefix="callcredit-probe-") as tmp:
        tmp_path = Path(tmp) / f"upload{suffix}"
        tmp_path.write_bytes(data)
        recording = load_recording(path=tmp_path)
    return Recording(
        path=None,
        format_name=recording.format_name,
        codec=recording.codec,
        sample_rate=recording.sample_rate,
        channels=recording.channels,
        samples=recording.samples,
    )


def sha256_file(path: str | os.PathLike[str], *, chunk_size: int = 1 << 20) -> str:
    """Return the hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    """Return the hex SHA-256 of in-memory bytes."""
    return hashlib.sha256(data).hexdigest()


def _check_size(path: Path, name: str, max_bytes: int | None) -> None:
    """Raise AudioError for a missing, empty or oversized file."""
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise AudioError(f"{name}: the recording file does not exist") from exc
    if not path.is_file():
        raise AudioError(f"{name}: not a regular file")
    if size == 0:
        raise AudioError(f"{name}: the file is empty (0 bytes)")
    if max_bytes is not None and size > max_bytes:
        raise RecordingTooLarge(_too_large(name, size, max_bytes))


def _check_wav_complete(path: Path, name: str) -> None:
    """Raise AudioError when a WAV's data chunk ends before its header says."""
    sizes = decoder.wav_declared_bytes(path)
    if sizes is None:
        return
    declared, present = sizes
    # 0 and 0xFFFFFFFF mean "unknown length" (recorders that stream the header first).
    if declared in (0, 0xFFFFFFFF) or declared >= 0xFFFFF000:
        return
    if declared - present > max(1024, declared // 100):
        raise AudioError(
            f"{name}: the recording is truncated ({present} of {declared} audio bytes present)"
        )


def _too_large(name: str, size: int, max_bytes: int) -> str:
    """Return the message for a file over the size limit."""
    return f"{name}: the file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit"


def _same_signal(left: np.ndarray, right: np.ndarray) -> bool:
    """Return True when two channels carry (nearly) the same signal."""
    # Every 4th sample is plenty for a correlation and keeps long calls cheap.
    left64, right64 = left[::4].astype(np.float64), right[::4].astype(np.float64)
    energy_left, energy_right = float(left64 @ left64), float(right64 @ right64)
    if energy_left == 0.0 or energy_right == 0.0:
        return energy_left == energy_right
    correlation = float(left64 @ right64) / float(np.sqrt(energy_left * energy_right))
    return correlation >= _SAME_SIGNAL_CORRELATION
