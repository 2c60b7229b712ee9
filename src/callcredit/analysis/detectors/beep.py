"""Beep detector: a steady tone in the audio, as voicemail systems play before recording."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models import Cue

FRAME_S = 0.032
HOP_S = 0.032  # no overlap: a 0.3 s beep still spans 9 frames
MIN_RMS = 0.003  # quieter frames are silence, whatever their spectrum
CONCENTRATION = 0.7  # share of a frame's energy within +-2 bins of its peak
CHUNK_FRAMES = 4096  # frames per FFT batch, to bound memory on long calls


@dataclass(frozen=True)
class Tone:
    """A steady tone from `start` to `end` seconds at about `hz`."""

    start: float
    end: float
    hz: float


def _mono(audio: np.ndarray) -> np.ndarray:
    """Return a 1-D float32 signal (channels averaged)."""
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=0 if x.shape[0] < x.shape[1] else 1)
    return x.ravel()


def _tonal_frames(
    x: np.ndarray, sr: int, fmin: float, fmax: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return per frame whether it is a loud pure tone in band, and its peak bin."""
    frame, hop = int(FRAME_S * sr), int(HOP_S * sr)
    count = 1 + (len(x) - frame) // hop
    frames = np.lib.stride_tricks.sliding_window_view(x, frame)[::hop][:count]
    window = np.hanning(frame).astype(np.float32)
    lo, hi = int(np.ceil(fmin * frame / sr)), int(np.floor(fmax * frame / sr))
    tonal = np.zeros(count, dtype=bool)
    peaks = np.zeros(count, dtype=np.int64)
    for s in range(0, count, CHUNK_FRAMES):
        chunk = frames[s : s + CHUNK_FRAMES]
        spectrum = np.fft.rfft(chunk * window, axis=1)
        power = spectrum.real**2 + spectrum.imag**2
        total = power.sum(axis=1) + 1e-12
        peak = lo + np.argmax(power[:, lo : hi + 1], axis=1)
        rows = np.arange(len(chunk))[:, None]
        near = power[rows, np.clip(peak[:, None] + np.arange(-2, 3), 0, power.shape[1] - 1)]
        rms = np.sqrt(np.einsum("ij,ij->i", chunk, chunk) / frame)
        tonal[s : s + len(chunk)] = (near.sum(axis=1) / total >= CONCENTRATION) & (rms >= MIN_RMS)
        peaks[s : s + len(chunk)] = peak
    return tonal, peaks


def find_tones(
    audio: np.ndarray,
    sample_rate: int = 16000,
    *,
    min_s: float = 0.3,
    max_s: float = 1.5,
    fmin: float = 400.0,
    fmax: float = 2000.0,
) -> list[Tone]:
    """Return steady single tones between fmin and fmax Hz lasting min_s to max_s seconds."""
    x = _mono(audio)
    frame, hop = int(FRAME_S * sample_rate), int(HOP_S * sample_rate)
    if len(x) < frame:
        return []
    tonal, peaks = _tonal_frames(x, sample_rate, fmin, fmax)
    tones: list[Tone] = []
    i = 0
    while i < len(tonal):
        if not tonal[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(tonal) and tonal[j + 1] and abs(peaks[j + 1] - peaks[i]) <= 1:
            j += 1
        length = ((j - i) * hop + frame) / sample_rate
        if min_s <= length <= max_s:
            hz = float(np.median(peaks[i : j + 1])) * sample_rate / frame
            tones.append(
                Tone(round(i * hop / sample_rate, 3), round((j * hop + frame) / sample_rate, 3), hz)
            )
        i = j + 1
    return _drop_ringing(tones, bin_hz=sample_rate / frame)


def _drop_ringing(tones: list[Tone], bin_hz: float) -> list[Tone]:
    """Drop tones whose pitch repeats three or more times."""
    # A voicemail beeps once (or twice); a ringback or busy signal repeats its tone.
    return [t for t in tones if sum(abs(o.hz - t.hz) <= 1.5 * bin_hz for o in tones) < 3]


def detect_beep(
    audio: np.ndarray | None, sample_rate: int = 16000, weight: float = 0.75
) -> list[Cue]:
    """Return a `beep` cue for each beep-like tone in the recording."""
    if audio is None or sample_rate <= 0:
        return []
    return [
        Cue(
            cue="beep",
            confidence=weight,
            start=t.start,
            end=t.end,
            text=f"(a {t.hz:.0f} Hz tone, {t.end - t.start:.1f} s)",
            value=f"{t.hz:.0f}",
        )
        for t in find_tones(audio, sample_rate)
    ]
