"""Append and read audit events; there is deliberately no update or delete."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from callcredit.audit.models import AuditEvent, AuditEventCreate


def create(*, session: Session, data: AuditEventCreate) -> AuditEvent:
    """Append one event in the caller's transaction."""
    event = AuditEvent.model_validate(data)
    session.add(event)
    return event


def list_for_request(*, session: Session, request_id: int) -> list[AuditEvent]:
    """List a request's events, oldest first."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.request_id == request_id)
        .order_by(AuditEvent.at, AuditEvent.id)  # type: ignore[arg-type]
    )
    return list(session.execute(stmt).scalars())
