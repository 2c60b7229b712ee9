"""Build TranscriptData from plain text turns, for tests, benchmarks and demos."""

from __future__ import annotations

from collections.abc import Sequence

from callcredit.transcription.schemas import Segment, Speaker, TranscriptData, Word

WORD_SECONDS = 0.4
TURN_GAP = 0.6


def segment(speaker: Speaker, text: str, start: float, end: float | None = None) -> Segment:
    """Return one turn whose words are spread evenly over [start, end]."""
    parts = text.split()
    end = start + WORD_SECONDS * len(parts) if end is None else end
    step = (end - start) / max(len(parts), 1)
    words = [
        Word(
            start=round(start + i * step, 3),
            end=round(start + (i + 1) * step - 0.02, 3),
            word=" " + p,
        )
        for i, p in enumerate(parts)
    ]
    return Segment(start=start, end=end, speaker=speaker, text=text, words=words)


def transcript_from_turns(
    turns: Sequence[tuple[Speaker, str]], start: float = 0.5
) -> TranscriptData:
    """Return a transcript of consecutive turns, each word lasting WORD_SECONDS."""
    segments: list[Segment] = []
    t = start
    for speaker, text in turns:
        seg = segment(speaker, text, t)
        segments.append(seg)
        t = seg.end + TURN_GAP
    return TranscriptData(duration=round(t, 3), segments=segments)
