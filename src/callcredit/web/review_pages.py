"""The review page: listen, read the evidence, decide; the lease is renewed while it is open."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from callcredit.credits import decisions, queue, service
from callcredit.credits.deps import PolicyDep
from callcredit.credits.models import CreditRequest, Outcome
from callcredit.deps import SessionDep, SettingsDep
from callcredit.exceptions import CallCreditError
from callcredit.web.deps import CsrfChecked, ReviewerPage
from callcredit.web.formatting import money
from callcredit.web.review_view import DecisionForm, autofilled_texts, review_context, to_decision
from callcredit.web.templating import redirect, render_page

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    context: dict[str, object],
    *,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    return render_page(request, "review.html", {**context, "error": error}, status=status)


@router.get("/review/{request_id}", response_class=HTMLResponse)
def review_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    policy: PolicyDep,
    principal: ReviewerPage,
    request_id: int,
) -> HTMLResponse:
    """Show a request with its call, recording, transcript, evidence and the decision form."""
    credit = service.get(session=session, request_id=request_id)
    context = review_context(
        session=session,
        policy=policy,
        request=credit,
        principal=principal,
        lease_seconds=settings.review_lease_seconds,
    )
    return _page(request, context)


def _decided_message(credit: CreditRequest, outcome: Outcome, amount: int, business: str) -> str:
    if outcome == Outcome.decline:
        return f"Request #{credit.id} declined; {business} will be told why."
    return f"Request #{credit.id} approved: {money(amount)} credited to {business}."


@router.post("/review/{request_id}/decision", response_model=None)
def decide(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    policy: PolicyDep,
    principal: ReviewerPage,
    _csrf: CsrfChecked,
    request_id: int,
    outcome: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=32)] = "",
    amount: Annotated[str, Form(max_length=32)] = "",
    explanation: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    """Record the decision of the lease holder, then go back to the queue."""
    credit = service.get(session=session, request_id=request_id)
    form = DecisionForm(outcome=outcome, reason=reason, amount=amount, explanation=explanation)
    context = review_context(
        session=session,
        policy=policy,
        request=credit,
        principal=principal,
        lease_seconds=settings.review_lease_seconds,
        form=form,
    )
    try:
        data = to_decision(form, autofilled_texts(context))
        decision = decisions.create(
            session=session, request=credit, data=data, policy=policy, reviewer=principal.name
        )
        session.commit()
    except CallCreditError as exc:
        session.rollback()
        session.refresh(credit)
        context = review_context(
            session=session,
            policy=policy,
            request=credit,
            principal=principal,
            lease_seconds=settings.review_lease_seconds,
            form=form,
        )
        context["posted"] = True
        return _page(request, context, error=exc.message, status=exc.status_code)
    name = context["business"].name
    return redirect(
        "/queue", _decided_message(credit, decision.outcome, decision.amount_cents, name)
    )


def _lease_answer(credit: CreditRequest) -> dict[str, object]:
    until = credit.lease_until
    return {
        "id": credit.id,
        "status": credit.status,
        "lease_until": until.isoformat() if until else None,
    }


@router.post("/review/{request_id}/lease")
def renew_lease(
    session: SessionDep,
    settings: SettingsDep,
    principal: ReviewerPage,
    _csrf: CsrfChecked,
    request_id: int,
) -> JSONResponse:
    """Extend this reviewer's lease (the review page calls this while it is open)."""
    credit = service.get(session=session, request_id=request_id)
    queue.renew(
        session=session,
        request=credit,
        reviewer=principal.name,
        lease_seconds=settings.review_lease_seconds,
    )
    session.commit()
    return JSONResponse(_lease_answer(credit), headers={"Cache-Control": "no-store"})


@router.post("/review/{request_id}/release")
def release(
    session: SessionDep, principal: ReviewerPage, _csrf: CsrfChecked, request_id: int
) -> Response:
    """Give the request back to its place in the queue."""
    credit = service.get(session=session, request_id=request_id)
    queue.release(session=session, request=credit, reviewer=principal.name)
    session.commit()
    return redirect("/queue", f"Request #{credit.id} is back in its place in the queue.", "info")
