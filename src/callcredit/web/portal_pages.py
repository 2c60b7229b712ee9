"""The business portal: billed calls, asking for a credit, requests and their decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from callcredit.analysis.policy import Policy
from callcredit.calls import service as calls
from callcredit.calls.models import Call
from callcredit.credits import service, views
from callcredit.credits.deps import PolicyDep
from callcredit.credits.models import NOTE_MAX, CreditRequest, CreditRequestCreate, ReasonCode
from callcredit.database import utcnow
from callcredit.deps import SessionDep, SettingsDep
from callcredit.exceptions import CallCreditError
from callcredit.identity.models import Principal
from callcredit.ledger import service as ledger
from callcredit.web.deps import BusinessPage, CsrfChecked
from callcredit.web.formatting import when
from callcredit.web.templating import redirect, render_page
from callcredit.web.transcript_view import cited, snippets_from

router = APIRouter(include_in_schema=False)
CALLS_SHOWN = 200


@dataclass(frozen=True)
class CallRow:
    """A billed call with its credit window and its request, if any."""

    call: Call
    deadline: datetime
    open: bool
    request: CreditRequest | None


def _business_id(principal: Principal) -> str:
    assert principal.business_id is not None
    return principal.business_id


def _call_rows(session: Any, business_id: str, policy: Policy) -> list[CallRow]:
    now = utcnow()
    requests = {
        r.call_id: r
        for r in service.list_requests(session=session, business_id=business_id, limit=500)
    }
    rows = []
    for call in calls.list_calls(session=session, business_id=business_id, limit=CALLS_SHOWN):
        deadline = policy.request_deadline(call.called_at)
        rows.append(CallRow(call, deadline, now <= deadline, requests.get(call.call_id)))
    return rows


@router.get("/portal", response_class=HTMLResponse)
def portal_page(
    request: Request, session: SessionDep, policy: PolicyDep, principal: BusinessPage
) -> HTMLResponse:
    """Show the business's balance, billed calls and credit requests."""
    business_id = _business_id(principal)
    found = service.list_requests(session=session, business_id=business_id, limit=500)
    context = {
        "business": calls.get_business(session=session, business_id=business_id),
        "rows": _call_rows(session, business_id, policy),
        "requests": [views.to_public(session=session, request=r) for r in found],
    }
    return render_page(request, "portal.html", context)


def _form_page(
    request: Request,
    session: Any,
    policy: Policy,
    call: Call,
    *,
    reason: str = "",
    note: str = "",
    error: str = "",
    existing: int | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {
        "call": call,
        "deadline": policy.request_deadline(call.called_at),
        "reasons": policy.reason_menu(),
        "reason": reason,
        "note": note,
        "error": error,
        "existing": existing,
        "note_max": NOTE_MAX,
        "business": calls.get_business(session=session, business_id=call.business_id),
    }
    return render_page(request, "portal_request_form.html", context, status=status)


@router.get("/portal/calls/{call_id}/credit", response_model=None)
def request_form(
    request: Request, session: SessionDep, policy: PolicyDep, principal: BusinessPage, call_id: str
) -> Response:
    """Show the form to ask for a credit on one billed call."""
    call = service.get_call(session=session, call_id=call_id, business_id=_business_id(principal))
    existing = service.get_by_call(session=session, call_pk=call.id or 0)
    if existing is not None:
        return redirect(f"/portal/requests/{existing.id}")
    return _form_page(request, session, policy, call)


@router.post("/portal/calls/{call_id}/credit", response_model=None)
def submit_request(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    policy: PolicyDep,
    principal: BusinessPage,
    _csrf: CsrfChecked,
    call_id: str,
    reason: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=NOTE_MAX * 2)] = "",
) -> Response:
    """Submit the credit request; on a problem show the form again with what was typed."""
    business_id = _business_id(principal)
    call = service.get_call(session=session, call_id=call_id, business_id=business_id)
    retry = {"reason": reason, "note": note}
    if reason not in ReasonCode.__members__:
        error = "Choose the reason that best describes the call."
        return _form_page(request, session, policy, call, **retry, error=error, status=422)
    if len(note) > NOTE_MAX:
        error = f"The note is longer than {NOTE_MAX} characters; shorten it a little."
        return _form_page(request, session, policy, call, **retry, error=error, status=422)
    try:
        created = service.create(
            session=session,
            data=CreditRequestCreate(call_id=call.call_id, reason=ReasonCode(reason), note=note),
            business_id=business_id,
            policy=policy,
            actor=principal.name,
            job_max_attempts=settings.job_max_attempts,
        )
        session.commit()
    except CallCreditError as exc:
        session.rollback()
        details = exc.details or {}
        error = _friendly(exc.message, details, policy)
        existing = details.get("existing_id")
        return _form_page(
            request,
            session,
            policy,
            call,
            **retry,
            error=error,
            existing=existing,
            status=exc.status_code,
        )
    position = service.get_queue_position(session=session, request=created)
    place = f"; it is number {position} in the review queue" if position else ""
    return redirect(
        f"/portal/requests/{created.id}", f"Credit request #{created.id} received{place}."
    )


def _friendly(message: str, details: dict[str, Any], policy: Policy) -> str:
    if "deadline" in details:
        deadline = datetime.fromisoformat(str(details["deadline"]))
        return (
            f"It is too late to ask for a credit on this call: the {policy.label} policy allows"
            f" {policy.request_window.days} {policy.request_window.unit} days, which ended"
            f" {when(deadline)}. Contact customer success if you think this is wrong."
        )
    return message[:1].upper() + message[1:]


@router.get("/portal/requests/{request_id}", response_class=HTMLResponse)
def request_page(
    request: Request, session: SessionDep, principal: BusinessPage, request_id: int
) -> HTMLResponse:
    """Show one of the business's requests: where it stands, the decision and its evidence."""
    credit = service.get(
        session=session, request_id=request_id, business_id=_business_id(principal)
    )
    public = views.to_public(session=session, request=credit)
    finding = service.get_finding(session=session, request_id=request_id)
    snippets = snippets_from(finding.evidence if finding else [])
    citations = {
        decision.stage: cited(snippets, decision.explanation) for decision in public.decisions
    }
    context = {
        "req": public,
        "call": service.get_call(session=session, call_id=credit.call_id),
        "citations": citations,
        "ledger": ledger.list_for_request(session=session, request_id=request_id),
    }
    return render_page(request, "portal_request.html", context)
