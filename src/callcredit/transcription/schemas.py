"""Transcript value types shared by transcription, analysis and the API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Speaker = Literal["caller", "business", "unknown"]


class Word(BaseModel):
    """One recognised word with its time span in seconds from the recording start."""

    start: float
    end: float
    word: str
    probability: float = 1.0


class Segment(BaseModel):
    """One speaker turn: contiguous speech of one speaker."""

    start: float
    end: float
    speaker: Speaker = "unknown"
    text: str
    words: list[Word] = Field(default_factory=list)


class TranscriptData(BaseModel):
    """A whole transcript as produced by the engine and stored as JSON."""

    language: str = "en"
    duration: float = 0.0
    model: str = ""
    segments: list[Segment] = Field(default_factory=list)

    @property
    def text(self) -> str:
        """Return the plain text of all turns in time order."""
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())
