"""Write ledger entries and keep the business balance in step, in the caller's transaction."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from callcredit.calls.models import Business
from callcredit.exceptions import Conflict
from callcredit.ledger.models import LedgerEntry, LedgerEntryCreate


def create(*, session: Session, data: LedgerEntryCreate, actor: str) -> LedgerEntry:
    """Append an entry and apply it to the balance; Conflict if this kind was already written."""
    entry = LedgerEntry.model_validate(data, update={"created_by": actor})
    session.add(entry)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(
            f"credit request #{data.request_id} already has a {data.kind} ledger entry",
            details={"request_id": data.request_id, "kind": str(data.kind)},
        ) from exc
    # An atomic increment: concurrent decisions for one business never lose an update.
    session.execute(
        update(Business)
        .where(Business.id == data.business_id)  # type: ignore[arg-type]
        .values(balance_cents=Business.balance_cents + data.amount_cents)
    )
    return entry


def list_for_request(*, session: Session, request_id: int) -> list[LedgerEntry]:
    """List a request's entries, oldest first."""
    stmt = select(LedgerEntry).where(LedgerEntry.request_id == request_id).order_by(LedgerEntry.id)  # type: ignore[arg-type]
    return list(session.execute(stmt).scalars())


def get_net_for_request(*, session: Session, request_id: int) -> int:
    """Return the net amount credited for a request so far."""
    stmt = select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
        LedgerEntry.request_id == request_id
    )
    return int(session.execute(stmt).scalar_one())
