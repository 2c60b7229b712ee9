"""Stored transcripts, one per distinct recording (sha256) and channel layout."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from callcredit.database import UTCDateTime, utcnow
from callcredit.transcription.schemas import Segment, TranscriptData


class Transcript(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("recording_sha256", "channels", name="uq_transcript_audio"),)

    id: int | None = Field(default=None, primary_key=True)
    recording_sha256: str = Field(max_length=64, index=True)
    channels: str = Field(max_length=8)
    model: str = Field(max_length=200)
    language: str = Field(default="en", max_length=8)
    duration: float = 0.0
    segments: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))

    def to_data(self) -> TranscriptData:
        """Return the transcript as the engine's value type."""
        return TranscriptData(
            language=self.language,
            duration=self.duration,
            model=self.model,
            segments=[Segment.model_validate(s) for s in self.segments],
        )


class TranscriptPublic(SQLModel):
    call_id: str
    model: str
    language: str
    duration: float
    segments: list[Segment]
