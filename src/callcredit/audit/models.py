"""Audit events: one row per credit-request transition, never changed afterwards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, Column, event
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


# The database itself refuses to change history, whatever code path tries.
_SQLITE_GUARD = [
    DDL(
        f"CREATE TRIGGER auditevent_no_{op.lower()} BEFORE {op} ON auditevent"
        " BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
    ).execute_if(dialect="sqlite")
    for op in ("UPDATE", "DELETE")
]
_POSTGRES_GUARD = [
    DDL(
        "CREATE OR REPLACE FUNCTION auditevent_append_only() RETURNS trigger AS $$"
        " BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql"
    ).execute_if(dialect="postgresql"),
    DDL(
        "CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE ON auditevent"
        " FOR EACH ROW EXECUTE FUNCTION auditevent_append_only()"
    ).execute_if(dialect="postgresql"),
]
for _ddl in (*_SQLITE_GUARD, *_POSTGRES_GUARD):
    event.listen(AuditEvent.__table__, "after_create", _ddl)  # type: ignore[attr-defined]
