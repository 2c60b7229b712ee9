"""Lay a transcript out as speaker turns with the evidence snippets marked inside them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from callcredit.transcription.schemas import Segment, TranscriptData

SLACK = 0.05  # seconds: word times and snippet times come from the same words, give or take


@dataclass(frozen=True)
class Snippet:
    """One evidence snippet as shown beside the transcript."""

    index: int
    start: float
    end: float
    speaker: str
    text: str
    cue: str
    stance: str

    @property
    def seekable(self) -> bool:
        """Return True when the snippet is a moment of the recording (not call history)."""
        return self.end > 0 or self.start > 0

    @property
    def cue_label(self) -> str:
        """Return the cue name in words."""
        return self.cue.replace("_", " ")


@dataclass
class Chunk:
    """A run of words in a turn, inside one snippet or outside any."""

    text: str
    snippet: int | None = None


@dataclass
class Turn:
    """One speaker turn with its times and its text cut into chunks."""

    start: float
    end: float
    speaker: str
    chunks: list[Chunk] = field(default_factory=list)

    @property
    def snippets(self) -> list[int]:
        """Return the snippets marked in this turn."""
        return sorted({c.snippet for c in self.chunks if c.snippet is not None})


def snippets_from(evidence: Sequence[dict[str, Any]]) -> list[Snippet]:
    """Return stored evidence as numbered snippets."""
    return [
        Snippet(
            index=i,
            start=float(e.get("start", 0.0)),
            end=float(e.get("end", 0.0)),
            speaker=str(e.get("speaker", "unknown")),
            text=str(e.get("text", "")),
            cue=str(e.get("cue", "")),
            stance=str(e.get("stance", "supports")),
        )
        for i, e in enumerate(evidence)
    ]


def _inside(snippets: Sequence[Snippet], start: float, end: float) -> int | None:
    for snip in snippets:
        if snip.seekable and snip.start - SLACK <= start and end <= snip.end + SLACK:
            return snip.index
    return None


def _overlapping(snippets: Sequence[Snippet], seg: Segment) -> int | None:
    for snip in snippets:
        if snip.seekable and snip.start < seg.end and seg.start < snip.end:
            return snip.index
    return None


def _chunks(seg: Segment, snippets: Sequence[Snippet]) -> list[Chunk]:
    if not seg.words:
        # No word times: mark the whole turn if a snippet falls in it.
        return [Chunk(seg.text.strip(), _overlapping(snippets, seg))]
    chunks: list[Chunk] = []
    for word in seg.words:
        index = _inside(snippets, word.start, word.end)
        text = word.word if chunks else word.word.lstrip()
        if chunks and chunks[-1].snippet == index:
            chunks[-1].text += text
        elif chunks and index is not None and text.startswith(" "):
            # Keep the space outside any highlight so marks hug their words.
            if chunks[-1].snippet is None:
                chunks[-1].text += " "
            else:
                chunks.append(Chunk(" "))
            chunks.append(Chunk(text[1:], index))
        else:
            chunks.append(Chunk(text, index))
    return chunks


def turns_from(transcript: TranscriptData | None, snippets: Sequence[Snippet]) -> list[Turn]:
    """Return the transcript's turns with each snippet's words marked."""
    if transcript is None:
        return []
    return [
        Turn(seg.start, seg.end, seg.speaker, _chunks(seg, snippets))
        for seg in transcript.segments
        if seg.text.strip()
    ]


def cited(snippets: Sequence[Snippet], explanation: str, quote_chars: int = 150) -> list[Snippet]:
    """Return the snippets a decision's explanation quotes."""
    return [s for s in snippets if s.text and s.text[:quote_chars] in explanation]
