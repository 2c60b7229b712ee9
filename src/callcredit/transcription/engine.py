"""Speaker-aware transcription with faster-whisper on CPU, without invented text."""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

# The model always comes from a local folder; never let a typo send us to a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import ctranslate2
from faster_whisper import WhisperModel
from faster_whisper.vad import VadOptions

from callcredit.audio.service import Recording, SpeakerLayout, load_recording
from callcredit.config import Settings
from callcredit.exceptions import ConfigurationError
from callcredit.transcription.filters import Candidate, FilterOptions, is_quiet, keep_segment
from callcredit.transcription.model_dir import SETTING, model_name, resolve_model_dir
from callcredit.transcription.packing import PackedAudio, pack
from callcredit.transcription.schemas import Segment, TranscriptData, Word
from callcredit.transcription.turns import format_turns, merge_turns

log = logging.getLogger(__name__)

ProgressCallback = Callable[[float, float], None]
"""Called with (seconds of the recording processed, recording seconds)."""

__all__ = [
    "ProgressCallback",
    "TranscribeOptions",
    "Transcriber",
    "format_turns",
    "get_transcriber",
    "resolve_model_dir",
]


@dataclass(frozen=True)
class TranscribeOptions:
    """How to decode: the speed/accuracy knobs and the non-speech safeguards."""

    # Greedy decoding: twice as fast as beam 5 on tiny.en for ~1 WER point.
    beam_size: int = 1
    language: str | None = "en"
    vad: bool = True
    # Silero's default 0.5 misses whole turns of narrow-band (8 kHz) phone speech; the
    # filters below deal with the extra non-speech a low threshold lets through.
    vad_threshold: float = 0.2
    # Split at pauses this long; pad speech so word onsets are not clipped.
    vad_min_silence_ms: int = 1000
    vad_speech_pad_ms: int = 300
    # True: both channels' speech share Whisper's 30 s windows (about 2x faster);
    # False: each channel is transcribed in a pass of its own.
    pack_channels: bool = True
    temperatures: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    seed: int = 0
    # Same-speaker segments closer than this (seconds) form one turn.
    turn_gap: float = 1.5
    filters: FilterOptions = field(default_factory=FilterOptions)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> TranscribeOptions:
        """Return the options the settings ask for (beam size), with overrides."""
        return replace(cls(beam_size=settings.beam_size), **overrides)

    def vad_options(self) -> VadOptions | None:
        """Return Silero VAD settings, or None when VAD is off."""
        if not self.vad:
            return None
        return VadOptions(
            threshold=self.vad_threshold,
            min_silence_duration_ms=self.vad_min_silence_ms,
            speech_pad_ms=self.vad_speech_pad_ms,
        )

    def whisper_kwargs(self) -> dict[str, Any]:
        """Return keyword arguments for WhisperModel.transcribe on already packed speech."""
        return {
            "language": self.language,
            "beam_size": self.beam_size,
            "best_of": max(1, self.beam_size),
            "temperature": list(self.temperatures),
            # Carrying text across windows lets one hallucination seed the next.
            "condition_on_previous_text": False,
            "word_timestamps": True,
            "vad_filter": False,  # done before packing
            "compression_ratio_threshold": self.filters.max_compression_ratio,
            "log_prob_threshold": self.filters.min_avg_logprob,
            "no_speech_threshold": self.filters.no_speech_prob,
        }


class Transcriber:
    """A loaded Whisper model that turns recordings into speaker-labelled transcripts."""

    def __init__(
        self,
        model_dir: str | os.PathLike[str] | None = None,
        *,
        compute_type: str = "int8",
        threads: int = 1,
        options: TranscribeOptions | None = None,
    ) -> None:
        self.model_dir = resolve_model_dir(model_dir)
        self.model_name = model_name(self.model_dir)
        self.options = options or TranscribeOptions()
        try:
            self.model = WhisperModel(
                str(self.model_dir),
                device="cpu",
                compute_type=compute_type,
                cpu_threads=threads,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ConfigurationError(
                f"{SETTING}={self.model_dir}: cannot load the Whisper model ({exc})"
            ) from exc

    @classmethod
    def from_settings(cls, settings: Settings) -> Transcriber:
        """Return a transcriber configured from the settings."""
        return cls(
            settings.whisper_model_dir,
            compute_type=settings.compute_type,
            threads=settings.threads,
            options=TranscribeOptions.from_settings(settings),
        )

    def transcribe(
        self,
        source: Recording | str | os.PathLike[str],
        channels: SpeakerLayout | None = None,
        *,
        options: TranscribeOptions | None = None,
        progress: ProgressCallback | None = None,
    ) -> TranscriptData:
        """Transcribe each speaker channel's speech and merge the turns by time."""
        recording = source if isinstance(source, Recording) else load_recording(path=source)
        opts = options or self.options
        tracks = recording.channel_samples(channels)
        vad = opts.vad_options()
        streams = [pack(tracks, vad)] if opts.pack_channels else [pack([t], vad) for t in tracks]
        total = recording.duration
        segments: list[Segment] = []
        languages: list[str] = []
        for index, stream in enumerate(streams):
            for done, segment in self._decode(stream, opts, languages):
                segments.append(segment)
                if progress is not None and stream.duration:
                    share = (index + min(1.0, done / stream.duration)) / len(streams)
                    progress(total * share, total)
        if progress is not None:
            progress(total, total)
        return TranscriptData(
            language=opts.language or (languages[0] if languages else "en"),
            duration=round(total, 3),
            model=self.model_name,
            segments=merge_turns(segments, max_gap=opts.turn_gap),
        )

    def _decode(
        self, packed: PackedAudio, opts: TranscribeOptions, languages: list[str]
    ) -> Iterator[tuple[float, Segment]]:
        """Yield (packed seconds done, speaker segment) for kept speech; note the language."""
        if packed.samples.size == 0:
            return
        # Temperature fallback samples at random; a fixed seed makes a recording always
        # give the same transcript (stable tests, reproducible re-reviews).
        ctranslate2.set_random_seed(opts.seed)
        raw_segments, info = self.model.transcribe(packed.samples, **opts.whisper_kwargs())
        languages.append(info.language)  # detected when options.language is None
        for raw in raw_segments:
            for segment in _speaker_segments(raw, packed, opts.filters):
                yield float(raw.end), segment


def _speaker_segments(raw: Any, packed: PackedAudio, filters: FilterOptions) -> list[Segment]:
    """Split a faster-whisper segment into per-speaker segments, or [] if it is not speech."""
    words = list(raw.words or [])
    if not keep_segment(_candidate(raw, words), packed.samples, filters):
        log.debug("dropped non-speech segment %r", raw.text)
        return []
    # One run per speech piece: a new piece means another speaker or a pause.
    runs: dict[int, tuple[list[Word], list[str]]] = {}
    for raw_word in words:
        if not raw_word.word.strip():
            continue
        # Times of confident words can collapse onto a pause, so only doubtful ones go.
        doubtful = raw_word.probability < filters.phrase_min_word_probability
        if doubtful and is_quiet(packed.samples, raw_word.start, raw_word.end, filters):
            continue
        index, start, end = packed.locate(float(raw_word.start), float(raw_word.end))
        word = Word(
            start=round(start, 3),
            end=round(end, 3),
            word=raw_word.word.strip(),
            probability=round(float(raw_word.probability), 4),
        )
        run_words, texts = runs.setdefault(index, ([], []))
        run_words.append(word)
        texts.append(raw_word.word)
    return [
        Segment(
            start=run_words[0].start,
            end=max(w.end for w in run_words),
            speaker=packed.pieces[index].speaker,
            # Whisper's word strings carry their own leading spaces ("don't" stays whole).
            text="".join(texts).strip(),
            words=run_words,
        )
        for index, (run_words, texts) in runs.items()
    ]


def _candidate(raw: Any, words: list[Any]) -> Candidate:
    """Return the confidence figures of a faster-whisper segment."""
    return Candidate(
        start=float(raw.start),
        end=float(raw.end),
        text=raw.text,
        no_speech_prob=float(raw.no_speech_prob),
        avg_logprob=float(raw.avg_logprob),
        compression_ratio=float(raw.compression_ratio),
        word_probabilities=[float(w.probability) for w in words],
    )


def get_transcriber(
    source: Settings | str | os.PathLike[str] | None = None,
    *,
    compute_type: str = "int8",
    threads: int = 1,
) -> Transcriber:
    """Return this process's Transcriber for the settings or model folder, loading it once."""
    if isinstance(source, Settings):
        folder = resolve_model_dir(source)
        return _cached(folder, source.compute_type, source.threads, source.beam_size)
    return _cached(resolve_model_dir(source), compute_type, threads, TranscribeOptions().beam_size)


_load_lock = threading.Lock()


def _cached(folder: Path, compute_type: str, threads: int, beam_size: int) -> Transcriber:
    """Load a Transcriber once per process and configuration (threads wait for the first)."""
    with _load_lock:
        return _load(folder, compute_type, threads, beam_size)


@functools.cache
def _load(folder: Path, compute_type: str, threads: int, beam_size: int) -> Transcriber:
    """Load a Transcriber; cached, so each configuration loads once."""
    options = TranscribeOptions(beam_size=beam_size)
    return Transcriber(folder, compute_type=compute_type, threads=threads, options=options)
