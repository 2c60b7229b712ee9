"""HTTP endpoints for credit requests: submit, find, read, decide, re-review, history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import ValidationError

from callcredit.audit import service as audit
from callcredit.audit.models import AuditEventPublic
from callcredit.credits import decisions, service, views
from callcredit.credits.deps import Limit, Offset, PolicyDep, VisibleRequest
from callcredit.credits.models import CreditRequestCreate, DecisionCreate, RequestStatus
from callcredit.credits.schemas import (
    BulkItem,
    BulkResponse,
    BulkResult,
    BulkSubmit,
    CreditRequestDetail,
    CreditRequestPublic,
    HistoryPublic,
    ReReviewCreate,
)
from callcredit.deps import SessionDep, SettingsDep, run_write
from callcredit.errors import responses
from callcredit.exceptions import CallCreditError, InvalidInput
from callcredit.identity.deps import (
    AuthFirstRoute,
    BusinessPrincipal,
    CurrentPrincipal,
    CustomerSuccessPrincipal,
    DeferredBusiness,
    ReviewerPrincipal,
)

# AuthFirstRoute: the submission looks its caller up in its own transaction (DeferredBusiness).
router = APIRouter(
    prefix="/api/credit-requests", tags=["credit requests"], route_class=AuthFirstRoute
)
TEXT = r"^[^\x00]*$"  # PostgreSQL cannot compare text with NUL characters


@router.post(
    "",
    status_code=201,
    response_model=CreditRequestPublic,
    responses=responses(401, 403, 404, 409, 422),
)
async def create_credit_request(
    session: SessionDep,
    settings: SettingsDep,
    policy: PolicyDep,
    caller: DeferredBusiness,
    data: CreditRequestCreate,
) -> CreditRequestPublic:
    """Ask for a credit on one of the business's billed calls; it joins the review queue."""

    def submit() -> CreditRequestPublic:
        # The API key is checked in the submission's own transaction: no second thread hop.
        principal = caller.resolve(session)
        business_id = principal.business_id
        assert business_id is not None
        public = service.submit(
            session=session,
            data=data,
            business_id=business_id,
            policy=policy,
            actor=principal.name,
            job_max_attempts=settings.job_max_attempts,
        )
        # Answered from inside the transaction, which then ends: on SQLite it holds the lock.
        session.commit()
        return public

    # async with one thread hop for the transaction: the hot path of the API, and a sync
    # endpoint would take a second hop to check its response.
    return await run_write(session, submit)


def _bulk_row(index: int, item: BulkItem, exc: Exception) -> BulkResult:
    if isinstance(exc, ValidationError):
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        exc = InvalidInput(problems)
    assert isinstance(exc, CallCreditError)
    return BulkResult(
        index=index,
        call_id=item.call_id,
        status=exc.status_code,
        error=exc.code,
        message=exc.message,
    )


@router.post("/bulk", response_model=BulkResponse, responses=responses(401, 403, 422))
def create_credit_requests_bulk(
    session: SessionDep,
    settings: SettingsDep,
    policy: PolicyDep,
    principal: BusinessPrincipal,
    data: BulkSubmit,
) -> BulkResponse:
    """Submit many requests; each row is answered on its own, one bad row sinks no other."""
    assert principal.business_id is not None
    results: list[BulkResult] = []
    for index, item in enumerate(data.items):
        try:
            request = service.create(
                session=session,
                data=CreditRequestCreate.model_validate(item.model_dump()),
                business_id=principal.business_id,
                policy=policy,
                actor=principal.name,
                job_max_attempts=settings.job_max_attempts,
            )
            row = BulkResult(
                index=index,
                call_id=item.call_id,
                status=201,
                id=request.id,
                request_status=request.status,
                queue_position=service.get_queue_position(session=session, request=request),
            )
            # Each row commits on its own so a later failure cannot undo an earlier success.
            session.commit()
        except (CallCreditError, ValidationError) as exc:
            session.rollback()
            row = _bulk_row(index, item, exc)
        results.append(row)
    created = sum(1 for r in results if r.status == 201)
    return BulkResponse(created=created, failed=len(results) - created, results=results)


@router.get("", response_model=list[CreditRequestPublic], responses=responses(401, 422))
def list_credit_requests(
    session: SessionDep,
    principal: CurrentPrincipal,
    call_id: Annotated[str | None, Query(max_length=128, pattern=TEXT)] = None,
    caller_number: Annotated[str | None, Query(max_length=32, pattern=TEXT)] = None,
    status: RequestStatus | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[CreditRequestPublic]:
    """Find requests by call ID or caller number; a business sees only its own."""
    found = service.list_requests(
        session=session,
        business_id=None if principal.is_staff else principal.business_id,
        call_id=call_id,
        caller_number=caller_number,
        status=status,
        limit=limit,
        offset=offset,
    )
    public = [views.to_public(session=session, request=r) for r in found]
    session.commit()  # ends the read: on SQLite every transaction holds the write lock
    return public


@router.get("/{request_id}", response_model=CreditRequestDetail, responses=responses(401, 404, 422))
def get_credit_request(
    session: SessionDep, policy: PolicyDep, principal: CurrentPrincipal, request: VisibleRequest
) -> CreditRequestDetail:
    """Return a request; staff also get the analysis and the suggested explanation."""
    detail = views.to_detail(
        session=session, request=request, policy=policy, staff=principal.is_staff
    )
    session.commit()
    return detail


@router.get(
    "/{request_id}/history", response_model=HistoryPublic, responses=responses(401, 404, 422)
)
def get_credit_request_history(session: SessionDep, request: VisibleRequest) -> HistoryPublic:
    """Return every transition of a request: who, when, from, to and why."""
    assert request.id is not None
    events = audit.list_for_request(session=session, request_id=request.id)
    session.commit()
    return HistoryPublic(
        request_id=request.id, events=[AuditEventPublic.model_validate(e) for e in events]
    )


@router.post(
    "/{request_id}/decision",
    response_model=CreditRequestDetail,
    responses=responses(401, 403, 404, 409, 422),
)
def decide_credit_request(
    session: SessionDep,
    policy: PolicyDep,
    principal: ReviewerPrincipal,
    request: VisibleRequest,
    data: DecisionCreate,
) -> CreditRequestDetail:
    """Approve (fully or partly) or decline a request the reviewer holds the lease on."""
    decisions.create(
        session=session, request=request, data=data, policy=policy, reviewer=principal.name
    )
    detail = views.to_detail(session=session, request=request, policy=policy, staff=True)
    session.commit()
    return detail


@router.post(
    "/{request_id}/re-review",
    response_model=CreditRequestPublic,
    responses=responses(401, 403, 404, 409, 422),
)
def re_review_credit_request(
    session: SessionDep,
    policy: PolicyDep,
    principal: CustomerSuccessPrincipal,
    request: VisibleRequest,
    data: ReReviewCreate,
) -> CreditRequestPublic:
    """Reopen a decided request once; it queues by now and its next decision is final."""
    service.create_re_review(
        session=session, request=request, note=data.note, actor=principal.name, policy=policy
    )
    public = views.to_public(session=session, request=request)
    session.commit()
    return public
