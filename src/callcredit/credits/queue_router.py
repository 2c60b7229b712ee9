"""HTTP endpoints of the review queue: list, claim, renew and release."""

from __future__ import annotations

from fastapi import APIRouter, Response

from callcredit.credits import queue, views
from callcredit.credits.deps import Limit, Offset, PolicyDep, VisibleRequest
from callcredit.credits.models import ReasonCode, RequestStatus
from callcredit.credits.schemas import CreditRequestDetail, CreditRequestPublic, QueueItem
from callcredit.deps import SessionDep, SettingsDep, run_write
from callcredit.errors import responses
from callcredit.identity.deps import AuthFirstRoute, DeferredReviewer, ReviewerPrincipal

# AuthFirstRoute: a claim looks its caller up in its own transaction (DeferredReviewer).
router = APIRouter(prefix="/api/queue", tags=["queue"], route_class=AuthFirstRoute)


@router.get("", response_model=list[QueueItem], responses=responses(401, 403, 422))
def list_queue(
    session: SessionDep,
    principal: ReviewerPrincipal,
    status: RequestStatus | None = None,
    reason: ReasonCode | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[QueueItem]:
    """List the queue oldest first with position, age and SLA; filters never reorder it."""
    queue.release_expired(session=session)
    items = queue.list_queue(
        session=session, status=status, reason=reason, limit=limit, offset=offset
    )
    session.commit()
    return items


@router.post(
    "/claim",
    response_model=CreditRequestDetail,
    responses={204: {"description": "nothing is waiting for review"}, **responses(401, 403)},
)
async def claim_next(
    session: SessionDep, settings: SettingsDep, policy: PolicyDep, caller: DeferredReviewer
) -> CreditRequestDetail | Response:
    """Take the oldest request waiting for review, with a lease that must be renewed."""

    def claim() -> CreditRequestDetail | Response:
        # The caller is checked in the claim's own transaction: no second thread hop.
        principal = caller.resolve(session)
        request = queue.claim(
            session=session, reviewer=principal.name, lease_seconds=settings.review_lease_seconds
        )
        if request is None:
            session.commit()  # keeps any expired leases it returned to the queue
            return Response(status_code=204)
        # The answer is read inside the claim's transaction, which then ends at once.
        detail = views.to_detail(session=session, request=request, policy=policy, staff=True)
        session.commit()
        return detail

    # async with one thread hop for the transaction (a sync endpoint takes a second one
    # to check its response): reviewers claim back to back.
    return await run_write(session, claim)


@router.post(
    "/{request_id}/renew",
    response_model=CreditRequestPublic,
    responses=responses(401, 403, 404, 409, 422),
)
def renew_lease(
    session: SessionDep,
    settings: SettingsDep,
    principal: ReviewerPrincipal,
    request: VisibleRequest,
) -> CreditRequestPublic:
    """Extend your lease on a claimed request."""
    queue.renew(
        session=session,
        request=request,
        reviewer=principal.name,
        lease_seconds=settings.review_lease_seconds,
    )
    public = views.to_public(session=session, request=request)
    session.commit()
    return public


@router.post(
    "/{request_id}/release",
    response_model=CreditRequestPublic,
    responses=responses(401, 403, 404, 409, 422),
)
def release_claim(
    session: SessionDep, principal: ReviewerPrincipal, request: VisibleRequest
) -> CreditRequestPublic:
    """Give a claimed request back; it returns to its place in the queue."""
    queue.release(session=session, request=request, reviewer=principal.name)
    public = views.to_public(session=session, request=request)
    session.commit()
    return public
