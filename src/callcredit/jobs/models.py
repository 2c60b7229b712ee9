"""Background jobs stored as rows and claimed with a lease."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from callcredit.database import UTCDateTime, utcnow


class JobKind(StrEnum):
    transcribe = "transcribe"
    analyze = "analyze"


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class Job(SQLModel, table=True):
    # One job per (kind, subject) at a time: enqueueing twice is a no-op, not a second run.
    __table_args__ = (UniqueConstraint("kind", "subject_id", "generation", name="uq_job_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: JobKind = Field(index=True)
    subject_id: int = Field(description="Call.id for transcribe, CreditRequest.id for analyze")
    generation: int = Field(default=0, description="bumped to run a finished job again")
    status: JobStatus = Field(default=JobStatus.queued, index=True)
    attempts: int = 0
    max_attempts: int = 3
    locked_by: str | None = Field(default=None, max_length=128)
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    run_after: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
