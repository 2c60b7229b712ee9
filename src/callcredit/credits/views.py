"""Turn stored requests into their API shapes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select
from sqlmodel import Session

from callcredit.credits import decisions, service
from callcredit.credits.models import (
    CreditRequest,
    Decision,
    DecisionPublic,
    FindingPublic,
    RequestStatus,
)
from callcredit.credits.schemas import CreditRequestDetail, CreditRequestPublic
from callcredit.ledger import service as ledger
from callcredit.ledger.models import LedgerEntryPublic

if TYPE_CHECKING:
    from callcredit.analysis.policy import Policy


_DECISIONS = (
    select(Decision).where(Decision.request_id == bindparam("request_id")).order_by(Decision.id)  # type: ignore[arg-type]
)


def _decisions(session: Session, request_id: int) -> list[DecisionPublic]:
    rows = session.execute(_DECISIONS, {"request_id": request_id}).scalars()
    return [DecisionPublic.model_validate(d) for d in rows]


def to_public(*, session: Session, request: CreditRequest) -> CreditRequestPublic:
    """Return what anyone allowed to see the request may see."""
    assert request.id is not None
    # Only a reviewed request can have decisions; new submissions skip the query.
    reviewed = request.status not in (RequestStatus.received, RequestStatus.analyzing)
    return CreditRequestPublic(
        **request.model_dump(),
        queue_position=service.get_queue_position(session=session, request=request),
        decisions=_decisions(session, request.id) if reviewed else [],
    )


def to_detail(
    *, session: Session, request: CreditRequest, policy: Policy, staff: bool
) -> CreditRequestDetail:
    """Return the request with its call, ledger and, for staff, the analysis and suggestion."""
    assert request.id is not None
    public = to_public(session=session, request=request)
    call = service.get_call(session=session, call_id=request.call_id)
    detail = CreditRequestDetail(
        **public.model_dump(),
        caller_number=call.caller_number,
        called_at=call.called_at,
        billed_cents=call.billed_cents,
        ledger=[
            LedgerEntryPublic.model_validate(e)
            for e in ledger.list_for_request(session=session, request_id=request.id)
        ],
    )
    if staff:
        finding = service.get_finding(session=session, request_id=request.id)
        detail.finding = None if finding is None else FindingPublic.model_validate(finding)
        detail.suggested_decision = decisions.get_suggested_outcome(
            request=request, finding=finding, policy=policy
        )
        detail.suggested_explanation = decisions.get_suggested_explanation(
            request=request, finding=finding, policy=policy
        )
    return detail
