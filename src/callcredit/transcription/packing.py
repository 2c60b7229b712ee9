"""Pack the speech of each speaker track into one stream, and map times back.

Whisper encodes audio in 30-second windows whatever their content, so transcribing
the two channels of a call one after the other costs two passes over mostly silent
windows. Instead each channel's speech regions (Silero VAD) are cut out of that
channel alone and laid end to end in time order; one pass transcribes them, and
every word is mapped back to its channel (speaker) and its time in the recording.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from callcredit.audio.decoder import TARGET_RATE
from callcredit.audio.service import Track
from callcredit.transcription.schemas import Speaker


@dataclass(frozen=True)
class Piece:
    """One speech region: where it sits in the packed stream and in its track."""

    speaker: Speaker
    packed_start: float
    packed_end: float
    source_start: float


@dataclass(frozen=True)
class PackedAudio:
    """Speech of one or more tracks laid end to end, with the way back."""

    samples: np.ndarray
    pieces: Sequence[Piece]
    starts: Sequence[float]  # packed_start of each piece, for bisection

    @property
    def duration(self) -> float:
        """Return the packed length in seconds."""
        return len(self.samples) / TARGET_RATE

    def locate(self, start: float, end: float) -> tuple[int, float, float]:
        """Return the piece index and recording times of a packed span (by its midpoint)."""
        index = self.piece_index((start + end) / 2)
        piece = self.pieces[index]
        shift = piece.source_start - piece.packed_start
        lo = min(max(start, piece.packed_start), piece.packed_end)
        hi = min(max(end, lo), piece.packed_end)
        return index, lo + shift, hi + shift

    def piece_index(self, moment: float) -> int:
        """Return the index of the piece that holds a packed moment (nearest at the edges)."""
        return max(0, bisect.bisect_right(self.starts, moment) - 1)


def speech_regions(track: Track, vad: VadOptions | None) -> list[tuple[int, int]]:
    """Return [start, end) sample ranges of speech; the whole track when VAD is off."""
    if vad is None:
        return [(0, len(track.samples))] if len(track.samples) else []
    return [(c["start"], c["end"]) for c in get_speech_timestamps(track.samples, vad)]


def pack(tracks: Sequence[Track], vad: VadOptions | None) -> PackedAudio:
    """Cut each track's speech regions and lay them end to end in time order."""
    regions = [
        (start, end, index)
        for index, track in enumerate(tracks)
        for start, end in speech_regions(track, vad)
    ]
    regions.sort()
    pieces: list[Piece] = []
    parts: list[np.ndarray] = []
    cursor = 0
    for start, end, index in regions:
        parts.append(tracks[index].samples[start:end])
        pieces.append(
            Piece(
                speaker=tracks[index].speaker,
                packed_start=cursor / TARGET_RATE,
                packed_end=(cursor + end - start) / TARGET_RATE,
                source_start=start / TARGET_RATE,
            )
        )
        cursor += end - start
    samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return _packed(samples, pieces)


def _packed(samples: np.ndarray, pieces: Sequence[Piece]) -> PackedAudio:
    """Return a PackedAudio with its bisection index."""
    starts = tuple(piece.packed_start for piece in pieces)
    return PackedAudio(samples=samples, pieces=tuple(pieces), starts=starts)
