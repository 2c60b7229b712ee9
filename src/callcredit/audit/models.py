"""Audit events: one row per credit-request transition, never changed afterwards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from callcredit.database import UTCDateTime, utcnow


class AuditEventBase(SQLModel):
    request_id: int = Field(foreign_key="creditrequest.id", index=True)
    actor: str = Field(max_length=128, description="who: a username, business:<id> or system")
    from_status: str | None = Field(default=None, max_length=32)
    to_status: str = Field(max_length=32)
    why: str = Field(default="", max_length=4000)


class AuditEvent(AuditEventBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class AuditEventCreate(AuditEventBase):
    pass


class AuditEventPublic(AuditEventBase):
    id: int
    at: datetime
