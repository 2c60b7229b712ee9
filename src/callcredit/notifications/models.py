"""Outbox rows: every message to a business, kept whether or not it could be sent."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from callcredit.database import UTCDateTime, utcnow


class NotificationKind(StrEnum):
    receipt = "receipt"
    decision = "decision"
    re_review = "re_review"
    final = "final"


class NotificationStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed_retrying = "failed_retrying"
    no_address = "no_address"


class NotificationBase(SQLModel):
    business_id: str = Field(max_length=64)
    to_address: str = Field(default="", max_length=254)
    kind: NotificationKind
    subject: str = Field(max_length=300)
    body: str
    request_id: int | None = Field(default=None, description="the credit request it is about")


class Notification(NotificationBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    business_id: str = Field(foreign_key="business.id", index=True)
    body: str = Field(sa_column=Column(Text, nullable=False))
    request_id: int | None = Field(default=None, index=True)
    status: NotificationStatus = Field(default=NotificationStatus.pending, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )
    last_error: str | None = None
    # A sender leases the rows it is sending so that a second sender skips them.
    locked_by: str | None = Field(default=None, max_length=128)
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    logged_at: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime()),
        description="when the log told an operator it cannot be sent (no SMTP, no address)",
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class NotificationPublic(NotificationBase):
    id: int
    status: NotificationStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
