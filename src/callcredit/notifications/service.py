"""Write messages to the outbox and read them back (delivery.py sends them over SMTP)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from callcredit.calls.models import Business
from callcredit.database import insert_row
from callcredit.exceptions import NotFound
from callcredit.notifications.models import Notification, NotificationKind, NotificationStatus

UNSENT = (
    NotificationStatus.pending,
    NotificationStatus.failed_retrying,
    NotificationStatus.no_address,
)


@dataclass(frozen=True)
class OutboxMessage:
    """What a business is told: the kind of message, its words and the request it is about."""

    business_id: str
    kind: NotificationKind
    subject: str
    body: str
    request_id: int | None = None


def _outbox_row(session: Session, message: OutboxMessage, email: str | None) -> dict[str, Any]:
    if email is None:
        business = session.get(Business, message.business_id)
        if business is None:
            raise NotFound(f"no business with id {message.business_id!r}")
        email = business.email
    address = (email or "").strip()
    return {
        # Fields by hand, not asdict(): that deep-copies, and receipts are on the hot path.
        "business_id": message.business_id,
        "kind": message.kind,
        "subject": message.subject[:300],
        "body": message.body,
        "request_id": message.request_id,
        "to_address": address,
        "status": NotificationStatus.pending if address else NotificationStatus.no_address,
    }


def create(*, session: Session, message: OutboxMessage) -> Notification:
    """Add a message for a business to the outbox; commit it with the change it reports."""
    row = Notification(**_outbox_row(session, message, None))
    # No commit: the caller commits in the transaction that made the decision, so a
    # decision is never stored without its message nor a message without its decision.
    session.add(row)
    session.flush()
    return row


def enqueue(*, session: Session, message: OutboxMessage, email: str | None = None) -> None:
    """Like create, as one INSERT at once and no object: for callers that do not read it back.

    A caller that has just read the business's ``email`` passes it on ("" for none), saving
    a lookup.
    """
    insert_row(session=session, model=Notification, **_outbox_row(session, message, email))


def get(*, session: Session, notification_id: int) -> Notification:
    """Return one message or raise NotFound."""
    row = session.get(Notification, notification_id)
    if row is None:
        raise NotFound(f"no notification {notification_id}")
    return row


def list_notifications(
    *,
    session: Session,
    business_id: str | None = None,
    status: NotificationStatus | None = None,
    request_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Notification]:
    """List messages, newest first."""
    stmt = select(Notification).order_by(Notification.id.desc())  # type: ignore[union-attr]
    if business_id is not None:
        stmt = stmt.where(Notification.business_id == business_id)
    if status is not None:
        stmt = stmt.where(Notification.status == status)
    if request_id is not None:
        stmt = stmt.where(Notification.request_id == request_id)
    return list(session.execute(stmt.offset(offset).limit(limit)).scalars())


def list_for_business(
    *, session: Session, business_id: str, limit: int = 100, offset: int = 0
) -> list[Notification]:
    """List one business's messages, newest first."""
    return list_notifications(session=session, business_id=business_id, limit=limit, offset=offset)


def list_pending(
    *, session: Session, business_id: str | None = None, limit: int = 1000
) -> list[Notification]:
    """List messages not sent yet (waiting, retrying or without address), oldest first."""
    stmt = (
        select(Notification)
        .where(Notification.status.in_(UNSENT))  # type: ignore[attr-defined]
        .order_by(Notification.id)
        .limit(limit)
    )
    if business_id is not None:
        stmt = stmt.where(Notification.business_id == business_id)
    return list(session.execute(stmt).scalars())
