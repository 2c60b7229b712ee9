"""Append and read audit events; there is deliberately no update or delete."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from callcredit.audit.models import AuditEvent, AuditEventCreate
from callcredit.database import insert_row


def create(*, session: Session, data: AuditEventCreate) -> None:
    """Append one event in the caller's transaction (an INSERT at once; nothing reads it back)."""
    insert_row(session=session, model=AuditEvent, **data.model_dump())


def list_for_request(*, session: Session, request_id: int) -> list[AuditEvent]:
    """List a request's events, oldest first."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.request_id == request_id)
        .order_by(AuditEvent.at, AuditEvent.id)  # type: ignore[arg-type]
    )
    return list(session.execute(stmt).scalars())
