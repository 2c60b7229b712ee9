"""Customer success: find a request by call ID or caller number, read its history, re-review."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from callcredit.analysis.policy import Policy
from callcredit.audit import service as audit
from callcredit.credits import service, views
from callcredit.credits.deps import PolicyDep
from callcredit.credits.models import NOTE_MAX, CreditRequest, RequestStatus
from callcredit.deps import SessionDep
from callcredit.exceptions import CallCreditError
from callcredit.ledger import service as ledger
from callcredit.web.deps import CsrfChecked, SupportPage
from callcredit.web.lookup import business_names
from callcredit.web.templating import redirect, render_page

router = APIRouter(include_in_schema=False)
RESULTS = 200


def phone_variants(text: str) -> list[str]:
    """Return the ways a typed phone number may be stored: as typed, +digits, +1 digits."""
    digits = re.sub(r"\D", "", text)
    variants = [text.strip()]
    if digits:
        variants += [f"+{digits}", digits]
        if len(digits) == 10:
            variants.append(f"+1{digits}")
    return list(dict.fromkeys(v for v in variants if v))


def search(session: Any, query: str) -> list[CreditRequest]:
    """Return the requests of a call ID, else of a caller number, newest first."""
    query = query.strip()
    if not query:
        return []
    found = service.list_requests(session=session, call_id=query, limit=RESULTS)
    if found:
        return found
    for number in phone_variants(query):
        found = service.list_requests(session=session, caller_number=number, limit=RESULTS)
        if found:
            return found
    return []


@router.get("/support", response_class=HTMLResponse)
def support_page(
    request: Request, session: SessionDep, principal: SupportPage, q: str = ""
) -> HTMLResponse:
    """Search requests by call ID or caller number."""
    results = search(session, q[:128])
    calls = {r.call_id: service.get_call(session=session, call_id=r.call_id) for r in results}
    context = {
        "q": q,
        "results": results,
        "calls": calls,
        "names": business_names(session, (r.business_id for r in results)),
    }
    return render_page(request, "support.html", context)


def can_re_review(credit: CreditRequest, policy: Policy) -> bool:
    """Return True when customer success may still reopen this request."""
    decided = credit.status in (RequestStatus.approved, RequestStatus.declined)
    return decided and credit.re_review_requested_at is None and policy.can_re_review(0)


def _detail_page(
    request: Request,
    session: Any,
    policy: Policy,
    credit: CreditRequest,
    *,
    note: str = "",
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    assert credit.id is not None
    call = service.get_call(session=session, call_id=credit.call_id)
    context = {
        "req": views.to_public(session=session, request=credit),
        "call": call,
        "business_name": business_names(session, [credit.business_id])[credit.business_id],
        "events": audit.list_for_request(session=session, request_id=credit.id),
        "ledger": ledger.list_for_request(session=session, request_id=credit.id),
        "can_re_review": can_re_review(credit, policy),
        "note": note,
        "note_max": NOTE_MAX,
        "error": error,
    }
    return render_page(request, "support_request.html", context, status=status)


@router.get("/support/requests/{request_id}", response_class=HTMLResponse)
def support_request_page(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    principal: SupportPage,
    request_id: int,
) -> HTMLResponse:
    """Show a request's decisions, ledger entries and full audit history."""
    credit = service.get(session=session, request_id=request_id)
    return _detail_page(request, session, policy, credit)


@router.post("/support/requests/{request_id}/re-review", response_model=None)
def re_review(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    principal: SupportPage,
    _csrf: CsrfChecked,
    request_id: int,
    note: Annotated[str, Form(max_length=NOTE_MAX * 2)] = "",
) -> Response:
    """Reopen a decided request once; its next decision is final."""
    credit = service.get(session=session, request_id=request_id)
    if not note.strip():
        error = "Write a note for the reviewer: why should this request be looked at again?"
        return _detail_page(request, session, policy, credit, note=note, error=error, status=422)
    if len(note) > NOTE_MAX:
        error = f"The note is longer than {NOTE_MAX} characters."
        return _detail_page(request, session, policy, credit, note=note, error=error, status=422)
    try:
        service.create_re_review(
            session=session, request=credit, note=note.strip(), actor=principal.name, policy=policy
        )
        session.commit()
    except CallCreditError as exc:
        session.rollback()
        session.refresh(credit)
        return _detail_page(
            request, session, policy, credit, note=note, error=exc.message, status=exc.status_code
        )
    message = f"Request #{credit.id} is back in the queue for a final review."
    return redirect(f"/support/requests/{credit.id}", message)
