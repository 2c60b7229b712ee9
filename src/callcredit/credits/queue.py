"""The one review queue: strict FIFO by queued_at, claimed with a renewable lease."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, func, select, update
from sqlmodel import Session

from callcredit.credits import service
from callcredit.credits.models import (
    CLAIMABLE_SQL,
    OPEN_SQL,
    CreditRequest,
    ReasonCode,
    RequestFinding,
    RequestStatus,
)
from callcredit.credits.schemas import QueueItem
from callcredit.database import utcnow
from callcredit.exceptions import Conflict

# The queue's only order; ties on the timestamp fall back to submission (row) order.
FIFO = (CreditRequest.queued_at, CreditRequest.id)


def _return_status(request: CreditRequest) -> RequestStatus:
    # A request claimed from analysis_failed goes back there, with its error still shown.
    return RequestStatus.analysis_failed if request.analysis_error else RequestStatus.ready


# Built once; every claim runs both.
_EXPIRED = (
    select(CreditRequest)
    .where(
        CreditRequest.status == RequestStatus.in_review,
        CreditRequest.lease_until < bindparam("now"),  # type: ignore[operator]
    )
    .with_for_update(skip_locked=True)
    .execution_options(populate_existing=True)
)
# SKIP LOCKED keeps concurrent PostgreSQL claimers off each other's row; SQLite runs
# claims one at a time (BEGIN IMMEDIATE), and update_status re-checks the status anyway.
_NEXT = (
    select(CreditRequest)
    .where(CLAIMABLE_SQL)
    .order_by(*FIFO)
    .limit(1)
    .with_for_update(skip_locked=True)
    .execution_options(populate_existing=True)
)


def release_expired(*, session: Session) -> int:
    """Put requests whose reviewer's lease ran out back in their place; return how many."""
    expired = list(session.execute(_EXPIRED, {"now": utcnow()}).scalars())
    for request in expired:
        holder = request.claimed_by
        service.update_status(
            session=session,
            request=request,
            to=_return_status(request),
            actor=service.SYSTEM,
            why=f"lease of {holder} expired",
            values={"claimed_by": None, "lease_until": None},
        )
    return len(expired)


def claim(*, session: Session, reviewer: str, lease_seconds: int) -> CreditRequest | None:
    """Lease the oldest claimable request to the reviewer (None if none); the caller commits."""
    release_expired(session=session)
    request = session.execute(_NEXT).scalar_one_or_none()
    if request is None:
        return None
    service.update_status(
        session=session,
        request=request,
        to=RequestStatus.in_review,
        actor=reviewer,
        why="claimed from the queue",
        values={"claimed_by": reviewer, "lease_until": utcnow() + timedelta(seconds=lease_seconds)},
    )
    return request


def _held(request: CreditRequest, reviewer: str) -> None:
    if request.status != RequestStatus.in_review or request.claimed_by != reviewer:
        holder = f"held by {request.claimed_by}" if request.claimed_by else str(request.status)
        raise Conflict(
            f"credit request #{request.id} is not claimed by you ({holder})",
            details={"status": str(request.status), "claimed_by": request.claimed_by},
        )
    if request.lease_until is None or request.lease_until < utcnow():
        raise Conflict(
            f"your lease on credit request #{request.id} expired; claim again",
            details={"status": str(request.status), "claimed_by": request.claimed_by},
        )


def check_lease(*, session: Session, request: CreditRequest, reviewer: str) -> None:
    """Raise Conflict unless the reviewer holds a live lease on the request."""
    session.refresh(request)
    _held(request, reviewer)


def renew(
    *, session: Session, request: CreditRequest, reviewer: str, lease_seconds: int
) -> CreditRequest:
    """Extend the reviewer's live lease; the caller commits."""
    now = utcnow()
    stmt = (
        update(CreditRequest)
        .where(
            CreditRequest.id == request.id,  # type: ignore[arg-type]
            CreditRequest.status == RequestStatus.in_review,
            CreditRequest.claimed_by == reviewer,
            CreditRequest.lease_until >= now,  # type: ignore[operator]
        )
        .values(lease_until=now + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    renewed = session.execute(stmt).rowcount == 1  # type: ignore[attr-defined]
    session.refresh(request)
    if not renewed:
        _held(request, reviewer)
        raise Conflict(f"your lease on credit request #{request.id} expired; claim again")
    return request


def release(*, session: Session, request: CreditRequest, reviewer: str) -> CreditRequest:
    """Give a claimed request back to its place in the queue; the caller commits."""
    check_lease(session=session, request=request, reviewer=reviewer)
    service.update_status(
        session=session,
        request=request,
        to=_return_status(request),
        actor=reviewer,
        why="released by the reviewer",
        where=[CreditRequest.claimed_by == reviewer],
        values={"claimed_by": None, "lease_until": None},
    )
    return request


def list_queue(
    *,
    session: Session,
    status: RequestStatus | None = None,
    reason: ReasonCode | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[QueueItem]:
    """List the queue in its one order; filters pick rows but never reorder or renumber them."""
    position = func.row_number().over(order_by=FIFO).label("position")
    ranked = (
        select(CreditRequest.id, position)  # type: ignore[call-overload]
        .where(OPEN_SQL)
        .subquery()
    )
    stmt = (
        select(ranked.c.position, CreditRequest, RequestFinding)
        .join(CreditRequest, CreditRequest.id == ranked.c.id)  # type: ignore[arg-type]
        .outerjoin(RequestFinding, RequestFinding.request_id == CreditRequest.id)  # type: ignore[arg-type]
        .order_by(ranked.c.position)
    )
    if status is not None:
        stmt = stmt.where(CreditRequest.status == status)
    if reason is not None:
        stmt = stmt.where(CreditRequest.reason == reason)
    now = utcnow()
    return [
        QueueItem(
            position=pos,
            id=req.id,
            call_id=req.call_id,
            business_id=req.business_id,
            reason=req.reason,
            status=req.status,
            queued_at=req.queued_at,
            age_seconds=round((now - req.queued_at).total_seconds(), 1),
            sla_due_at=req.sla_due_at,
            overdue=now > req.sla_due_at,
            re_review=req.re_review_requested_at is not None,
            recommendation=finding.recommendation if finding else None,
            confidence=finding.confidence if finding else None,
            claimed_by=req.claimed_by,
            lease_until=req.lease_until,
        )
        for pos, req, finding in session.execute(stmt.offset(offset).limit(limit))
    ]
