"""Businesses and the billed calls delivered to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from callcredit.database import UTCDateTime, utcnow


class ChannelLayout(StrEnum):
    mono = "mono"
    stereo = "stereo"


class TranscriptionStatus(StrEnum):
    pending = "pending"
    transcribing = "transcribing"
    transcribed = "transcribed"
    transcription_failed = "transcription_failed"


class BusinessBase(SQLModel):
    id: str = Field(primary_key=True, max_length=64, regex=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(max_length=200)
    category: str = Field(max_length=64)
    service_area: str = Field(default="", max_length=2000, description="';'-separated ZIPs/places")
    email: str | None = Field(default=None, max_length=254)


class Business(BusinessBase, table=True):
    balance_cents: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class BusinessCreate(BusinessBase):
    pass


class BusinessPublic(BusinessBase):
    balance_cents: int


class CallBase(SQLModel):
    call_id: str = Field(max_length=128, min_length=1)
    business_id: str = Field(max_length=64)
    caller_number: str = Field(default="", max_length=32)
    called_at: datetime
    billed_cents: int | None = Field(default=None, ge=0)
    channels: ChannelLayout = ChannelLayout.mono


class Call(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(max_length=128, unique=True, index=True)
    business_id: str = Field(foreign_key="business.id", index=True)
    caller_number: str = Field(default="", max_length=32, index=True)
    called_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    duration_seconds: float | None = None
    billed_cents: int = 0
    channels: ChannelLayout = ChannelLayout.mono
    recording_path: str = Field(description="path relative to the recordings folder")
    recording_sha256: str = Field(max_length=64, index=True)
    transcription_status: TranscriptionStatus = TranscriptionStatus.pending
    transcription_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class CallCreate(CallBase):
    """Metadata that comes with a recording, in the API or from a manifest row."""

    business_name: str | None = None
    business_category: str | None = None
    service_area: str | None = None

    @field_validator("called_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("called_at needs a UTC offset, e.g. 2026-11-20T14:05:00-08:00")
        return value


class CallPublic(SQLModel):
    call_id: str
    business_id: str
    caller_number: str
    called_at: datetime
    duration_seconds: float | None
    billed_cents: int
    channels: ChannelLayout
    recording_sha256: str
    transcription_status: TranscriptionStatus
    transcription_error: str | None
