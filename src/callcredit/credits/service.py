"""Create, read and move credit requests; every move is conditional and audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Integer, Row, bindparam, func, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from callcredit.audit import service as audit
from callcredit.audit.models import AuditEventCreate
from callcredit.calls.models import Business, Call
from callcredit.credits.models import (
    OPEN_SQL,
    OPEN_STATUSES,
    TRANSITIONS,
    CreditRequest,
    CreditRequestCreate,
    FindingBase,
    RequestFinding,
    RequestStatus,
)
from callcredit.credits.schemas import CreditRequestPublic
from callcredit.database import UTCDateTime, insert_row, utcnow
from callcredit.exceptions import Conflict, InvalidInput, NotFound
from callcredit.jobs import service as jobs
from callcredit.jobs.models import JobKind
from callcredit.notifications import service as notifications
from callcredit.notifications.models import NotificationKind
from callcredit.notifications.service import OutboxMessage

if TYPE_CHECKING:
    from callcredit.analysis.policy import Policy

SYSTEM = "system"

# Built once (the hot paths reuse them with new parameters rather than rebuild them).
_CALL = select(Call).where(Call.call_id == bindparam("call_id"))
_BY_CALL = select(CreditRequest).where(CreditRequest.call_pk == bindparam("call_pk"))
_FINDING = select(RequestFinding).where(RequestFinding.request_id == bindparam("request_id"))
# How many open requests queue at or before (queued_at, id): a walk of the open index.
_QUEUE_POSITION = select(func.count()).where(
    OPEN_SQL,
    tuple_(CreditRequest.queued_at, CreditRequest.id)
    <= tuple_(bindparam("queued_at", type_=UTCDateTime()), bindparam("id", type_=Integer())),
)
# A submission's one query, plain columns: the call, its business's address (the receipt's),
# any request made for it, and how many open requests queue by `now`. A new request's id
# is above every stored one, so these are exactly those _QUEUE_POSITION counts before it.
_QUEUED_BY = (
    select(func.count())
    .where(OPEN_SQL, CreditRequest.queued_at <= bindparam("now", type_=UTCDateTime()))  # type: ignore[operator]
    .correlate(None)
    .scalar_subquery()
)
_SUBMISSION_LOOKUP = (
    select(
        Call.id,
        Call.call_id,
        Call.business_id,
        Call.called_at,
        Business.email,
        CreditRequest.id.label("existing_id"),  # type: ignore[union-attr]
        CreditRequest.status.label("existing_status"),  # type: ignore[attr-defined]
        _QUEUED_BY.label("queued_by"),
    )
    .join(Business, Business.id == Call.business_id)  # type: ignore[arg-type]
    .outerjoin(CreditRequest, CreditRequest.call_pk == Call.id)  # type: ignore[arg-type]
    .where(Call.call_id == bindparam("call_id"))
)


def get(*, session: Session, request_id: int, business_id: str | None = None) -> CreditRequest:
    """Return a request; a business asking for another's gets the same NotFound as for none."""
    request = session.get(CreditRequest, request_id)
    if request is None or (business_id is not None and request.business_id != business_id):
        raise NotFound(f"no credit request #{request_id}")
    return request


def get_by_call(*, session: Session, call_pk: int) -> CreditRequest | None:
    """Return the request made for a call, if any."""
    return session.execute(_BY_CALL, {"call_pk": call_pk}).scalar_one_or_none()


def get_call(*, session: Session, call_id: str, business_id: str | None = None) -> Call:
    """Return a call; another business's call is answered like a missing one (404)."""
    call = session.execute(_CALL, {"call_id": call_id}).scalar_one_or_none()
    if call is None or (business_id is not None and call.business_id != business_id):
        raise NotFound(f"no call with call_id {call_id!r}")
    return call


def list_requests(
    *,
    session: Session,
    business_id: str | None = None,
    call_id: str | None = None,
    caller_number: str | None = None,
    status: RequestStatus | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[CreditRequest]:
    """List requests, newest submission first, narrowed by the given filters."""
    stmt = select(CreditRequest).order_by(
        CreditRequest.submitted_at.desc(),  # type: ignore[attr-defined]
        CreditRequest.id.desc(),  # type: ignore[union-attr]
    )
    if business_id is not None:
        stmt = stmt.where(CreditRequest.business_id == business_id)
    if call_id is not None:
        stmt = stmt.where(CreditRequest.call_id == call_id)
    if status is not None:
        stmt = stmt.where(CreditRequest.status == status)
    if caller_number is not None:
        stmt = stmt.join(Call, Call.id == CreditRequest.call_pk).where(  # type: ignore[arg-type]
            Call.caller_number == caller_number
        )
    return list(session.execute(stmt.offset(offset).limit(limit)).scalars())


def _existing_conflict(call_id: str, request_id: int | None, status: str) -> Conflict:
    if status in OPEN_STATUSES:
        message = f"call {call_id!r} already has open credit request #{request_id} ({status})"
    else:
        message = (
            f"call {call_id!r} already has credit request #{request_id}, decided"
            f" ({status}); customer success can re-review it once"
        )
    return Conflict(message, details={"existing_id": request_id, "existing_status": str(status)})


def _check_window(*, call: Row[Any], policy: Policy, submitted_at: datetime) -> None:
    deadline = policy.request_deadline(call.called_at)
    if submitted_at > deadline:
        raise InvalidInput(
            f"credit requests for call {call.call_id!r} were due by {deadline.isoformat()}"
            f" (policy {policy.name!r}); this one came at"
            f" {submitted_at.astimezone(UTC).isoformat()}",
            details={"deadline": deadline.isoformat(), "call_id": call.call_id},
        )
    if submitted_at < call.called_at:
        raise InvalidInput(f"a credit request cannot predate its call {call.call_id!r}")


def _store(
    session: Session,
    data: CreditRequestCreate,
    business_id: str,
    policy: Policy,
    actor: str,
    submitted_at: datetime | None,
    job_max_attempts: int,
) -> tuple[dict[str, Any], int]:
    """Insert a request, its audit event, job and receipt; return its row and queue place."""
    submitted_at = submitted_at or utcnow()
    params = {"call_id": data.call_id, "now": submitted_at}
    # Plain columns on the session's connection: no ORM objects to build and track.
    call = session.connection().execute(_SUBMISSION_LOOKUP, params).one_or_none()
    if call is None or call.business_id != business_id:
        raise NotFound(f"no call with call_id {data.call_id!r}")
    if call.existing_id is not None:
        raise _existing_conflict(call.call_id, call.existing_id, call.existing_status)
    _check_window(call=call, policy=policy, submitted_at=submitted_at)
    row: dict[str, Any] = {
        **data.model_dump(),
        "call_pk": call.id,
        "business_id": call.business_id,
        "status": RequestStatus.received,
        "submitted_by": actor,
        "submitted_at": submitted_at,
        "queued_at": submitted_at,
        "sla_due_at": policy.sla_due(submitted_at),
        "updated_at": utcnow(),
    }
    try:
        row["id"] = insert_row(session=session, model=CreditRequest, **row)
    except IntegrityError as exc:
        # A concurrent submission for the same call won the unique index.
        session.rollback()
        existing = get_by_call(session=session, call_pk=call.id)
        if existing is None:
            raise
        raise _existing_conflict(existing.call_id, existing.id, existing.status) from exc
    audit.create(
        session=session,
        data=AuditEventCreate(
            request_id=row["id"],
            actor=actor,
            to_status=str(RequestStatus.received),
            why=f"claimed {data.reason}",
        ),
    )
    jobs.create_first(
        session=session, kind=JobKind.analyze, subject_id=row["id"], max_attempts=job_max_attempts
    )
    # "" for a business without an address: None would make enqueue look it up again.
    _send_receipt(session, row, call.email or "")
    return row, call.queued_by + 1


def create(
    *,
    session: Session,
    data: CreditRequestCreate,
    business_id: str,
    policy: Policy,
    actor: str,
    submitted_at: datetime | None = None,
    job_max_attempts: int = 3,
) -> CreditRequest:
    """Submit a request, queue its analysis and its receipt; the caller commits."""
    row, _ = _store(session, data, business_id, policy, actor, submitted_at, job_max_attempts)
    request = CreditRequest(**row)
    # Stored by a plain INSERT (cheaper than a flush): track it as if loaded from the row.
    make_transient_to_detached(request)
    session.add(request)
    return request


def submit(
    *,
    session: Session,
    data: CreditRequestCreate,
    business_id: str,
    policy: Policy,
    actor: str,
    job_max_attempts: int = 3,
) -> CreditRequestPublic:
    """Submit a request as create does; return its API answer (the caller commits).

    The API's busiest path: no ORM object, and its queue place comes with the lookup.
    """
    row, position = _store(session, data, business_id, policy, actor, None, job_max_attempts)
    return CreditRequestPublic(**row, queue_position=position)


def _send_receipt(session: Session, row: dict[str, Any], email: str) -> None:
    request_id, call_id = row["id"], row["call_id"]
    message = OutboxMessage(
        business_id=row["business_id"],
        kind=NotificationKind.receipt,
        subject=f"Credit request #{request_id} received for call {call_id}",
        body=(
            f"We received your credit request #{request_id} for call {call_id}"
            f" (reason: {row['reason']}). Requests are reviewed in the order they arrive;"
            f" expect a decision by {row['sla_due_at']:%Y-%m-%d %H:%M} UTC."
        ),
        request_id=request_id,
    )
    notifications.enqueue(session=session, message=message, email=email)


def get_queue_position(*, session: Session, request: CreditRequest) -> int | None:
    """Return the request's 1-based place in the queue, or None when it is not queued."""
    if request.status not in OPEN_STATUSES:
        return None
    params = {"queued_at": request.queued_at, "id": request.id}
    return int(session.execute(_QUEUE_POSITION, params).scalar_one())


def update_status(
    *,
    session: Session,
    request: CreditRequest,
    to: RequestStatus,
    actor: str,
    why: str = "",
    where: Sequence[ColumnElement[bool]] = (),
    values: dict[str, Any] | None = None,
) -> CreditRequest:
    """Move a request from its current status to ``to`` atomically; Conflict if it moved."""
    current = RequestStatus(request.status)
    if to not in TRANSITIONS[current]:
        raise Conflict(
            f"credit request #{request.id} is {current}; it cannot become {to}",
            details={"status": str(current)},
        )
    changes = {"status": to, "updated_at": utcnow(), **(values or {})}
    stmt = (
        update(CreditRequest)
        .where(CreditRequest.id == request.id, CreditRequest.status == current, *where)  # type: ignore[arg-type]
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    # The WHERE on the old status makes check-and-move one step: of two racers, one wins.
    if session.execute(stmt).rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict(
            f"credit request #{request.id} changed meanwhile; reload it and try again",
            details={"status": str(current)},
        )
    # The row now holds exactly these values: record them as loaded, without a re-read.
    for key, value in changes.items():
        set_committed_value(request, key, value)
    _audit(session, request, current, to, actor, why)
    return request


def _audit(
    session: Session,
    request: CreditRequest,
    from_status: RequestStatus | None,
    to_status: RequestStatus,
    actor: str,
    why: str,
) -> None:
    assert request.id is not None
    audit.create(
        session=session,
        data=AuditEventCreate(
            request_id=request.id,
            actor=actor,
            from_status=None if from_status is None else str(from_status),
            to_status=str(to_status),
            why=why[:4000],
        ),
    )


def get_finding(*, session: Session, request_id: int) -> RequestFinding | None:
    """Return the stored analysis of a request, if any."""
    return session.execute(_FINDING, {"request_id": request_id}).scalar_one_or_none()


def update_finding(
    *, session: Session, request: CreditRequest, data: FindingBase
) -> RequestFinding:
    """Store a request's analysis, replacing an earlier run's."""
    assert request.id is not None
    finding = get_finding(session=session, request_id=request.id)
    values = data.model_dump()
    if finding is None:
        finding = RequestFinding(request_id=request.id, **values)
    else:
        finding.sqlmodel_update({**values, "created_at": utcnow()})
    session.add(finding)
    return finding


def create_re_review(
    *, session: Session, request: CreditRequest, note: str, actor: str, policy: Policy
) -> CreditRequest:
    """Reopen a decided request once; it queues by the time the re-review was asked."""
    if request.re_review_requested_at is not None or not policy.can_re_review(0):
        already = request.re_review_requested_at is not None
        raise Conflict(
            f"credit request #{request.id} was already re-reviewed; its decision is final"
            if already
            else f"policy {policy.name!r} allows no re-review; the decision is final",
            details={"status": str(request.status)},
        )
    now = utcnow()
    update_status(
        session=session,
        request=request,
        to=RequestStatus.re_review_requested,
        actor=actor,
        why=note,
        # Only the first re-review matches: a racing second one finds the column set.
        where=[CreditRequest.re_review_requested_at.is_(None)],  # type: ignore[union-attr]
        values={
            "re_review_note": note,
            "re_review_requested_by": actor,
            "re_review_requested_at": now,
        },
    )
    update_status(
        session=session,
        request=request,
        to=RequestStatus.ready,
        actor=SYSTEM,
        why="re-review queued by the time it was asked",
        values={"queued_at": now, "sla_due_at": policy.sla_due(now)},
    )
    message = OutboxMessage(
        business_id=request.business_id,
        kind=NotificationKind.re_review,
        subject=f"Credit request #{request.id} for call {request.call_id} is being re-reviewed",
        body=(
            f"Customer success reopened your credit request #{request.id} for call"
            f" {request.call_id} for a second review. Its outcome will be final."
        ),
        request_id=request.id,
    )
    notifications.create(session=session, message=message)
    return request
