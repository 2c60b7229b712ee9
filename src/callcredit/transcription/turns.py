"""Merge per-channel segments into speaker turns and render them as text."""

from __future__ import annotations

from collections.abc import Iterable

from callcredit.transcription.schemas import Segment, TranscriptData

EN_DASH = "\u2013"


def merge_turns(segments: Iterable[Segment], *, max_gap: float = 1.5) -> list[Segment]:
    """Order segments by time and join consecutive same-speaker ones closer than max_gap."""
    turns: list[Segment] = []
    for segment in sorted(segments, key=lambda s: (s.start, s.end)):
        if not segment.text.strip():
            continue
        last = turns[-1] if turns else None
        if (
            last is not None
            and last.speaker == segment.speaker
            and (segment.start - last.end <= max_gap)
        ):
            turns[-1] = _join(last, segment)
        else:
            turns.append(segment.model_copy(deep=True))
    return turns


def _join(first: Segment, second: Segment) -> Segment:
    """Return one turn spanning both segments, keeping every word."""
    return Segment(
        start=min(first.start, second.start),
        end=max(first.end, second.end),
        speaker=first.speaker,
        text=f"{first.text.strip()} {second.text.strip()}".strip(),
        words=[*first.words, *second.words],
    )


def format_timestamp(seconds: float) -> str:
    """Return seconds as mm:ss.t (minutes grow past 59 for long calls)."""
    tenths = max(0, round(seconds * 10))
    minutes, tenths = divmod(tenths, 600)
    return f"{minutes:02d}:{tenths // 10:02d}.{tenths % 10}"


def format_turn(segment: Segment) -> str:
    """Return one turn as ``[mm:ss.t<en dash>mm:ss.t] speaker: text``."""
    span = f"{format_timestamp(segment.start)}{EN_DASH}{format_timestamp(segment.end)}"
    return f"[{span}] {segment.speaker}: {segment.text.strip()}"


def format_turns(transcript: TranscriptData) -> str:
    """Return the transcript as one line per speaker turn."""
    return "\n".join(format_turn(s) for s in transcript.segments if s.text.strip())
