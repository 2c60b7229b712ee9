"""Everything the review page shows, and reading the reviewer's decision form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session

from callcredit import orchestrator
from callcredit.analysis.lexicon import load_taxonomy
from callcredit.analysis.policy import Policy
from callcredit.calls import service as calls
from callcredit.calls.models import Call
from callcredit.credits import decisions, service, views
from callcredit.credits.models import (
    EXPLANATION_MAX,
    CreditRequest,
    DecisionCreate,
    Outcome,
    ReasonCode,
    RequestFinding,
    RequestStatus,
)
from callcredit.database import utcnow
from callcredit.exceptions import InvalidInput
from callcredit.identity.models import Principal
from callcredit.web.transcript_view import snippets_from, turns_from

OUTCOMES = ("approve", "decline", "partial")


@dataclass
class DecisionForm:
    """What the reviewer typed into the decision form (kept when the page comes back)."""

    outcome: str = ""
    reason: str = ""
    amount: str = ""
    explanation: str = ""


@dataclass(frozen=True)
class PriorCall:
    """An earlier call from the same number to the same business."""

    call: Call
    request: CreditRequest | None
    days_before: float
    in_window: bool


def category_label(category: str) -> str:
    """Return the taxonomy's name for a business category (its slug or an alias)."""
    taxonomy = load_taxonomy()
    slug = taxonomy.resolve(category)
    if slug is None:
        return category.replace("_", " ").capitalize()
    return taxonomy.categories[slug].label


def cap_cents(policy: Policy, reason: str, billed: int) -> int:
    """Return the most a decision under this reason may credit."""
    rule = policy.rule(reason)  # type: ignore[arg-type]
    return billed if rule.treatment == "billable" else round(billed * rule.credit_share)


def _explanations(
    request: CreditRequest, finding: RequestFinding | None, policy: Policy, billed: int
) -> dict[str, dict[str, str]]:
    """Return the prefilled explanation for every reason and outcome (partial: half the cap)."""
    texts: dict[str, dict[str, str]] = {}
    for code in ReasonCode:
        half = cap_cents(policy, code, billed) / 2
        shares = {"approve": None, "decline": None, "partial": half / billed if billed else 0.0}
        texts[code.value] = {
            name: decisions.render_explanation(
                request=request,
                finding=finding,
                policy=policy,
                outcome=Outcome.decline if name == "decline" else Outcome.approve,
                reason=code,
                share=share,
            )
            for name, share in shares.items()
        }
    return texts


def _prior_calls(session: Session, call: Call, policy: Policy) -> list[PriorCall]:
    if not call.caller_number:
        return []
    earlier = calls.list_prior_calls(
        session=session,
        business_id=call.business_id,
        caller_number=call.caller_number,
        before=call.called_at,
    )
    window = policy.duplicate_window()
    return [
        PriorCall(
            call=prior,
            request=service.get_by_call(session=session, call_pk=prior.id or 0),
            days_before=(call.called_at - prior.called_at).total_seconds() / 86400,
            in_window=call.called_at - prior.called_at <= window,
        )
        for prior in reversed(earlier)
    ]


def lease_state(request: CreditRequest, principal: Principal) -> tuple[bool, datetime | None]:
    """Return whether this reviewer holds a live lease, and until when."""
    now = utcnow()
    held = (
        request.status == RequestStatus.in_review
        and request.claimed_by == principal.name
        and request.lease_until is not None
        and request.lease_until > now
    )
    return held, request.lease_until if held else None


def review_context(
    *,
    session: Session,
    policy: Policy,
    request: CreditRequest,
    principal: Principal,
    lease_seconds: int,
    form: DecisionForm | None = None,
) -> dict[str, Any]:
    """Return the review page's values for a request."""
    assert request.id is not None
    call = service.get_call(session=session, call_id=request.call_id)
    business = calls.get_business(session=session, business_id=call.business_id)
    finding = service.get_finding(session=session, request_id=request.id)
    transcript = orchestrator.find_transcript(session=session, call=call)
    snippets = snippets_from(finding.evidence if finding else [])
    held, lease_until = lease_state(request, principal)
    explanations = _explanations(request, finding, policy, call.billed_cents)
    suggested = decisions.get_suggested_outcome(request=request, finding=finding, policy=policy)
    form = form or DecisionForm(
        outcome=suggested.value,
        reason=request.reason.value,
        amount=f"{cap_cents(policy, request.reason, call.billed_cents) / 200:.2f}",
        explanation=explanations[request.reason.value][suggested.value],
    )
    return {
        "req": request,
        "call": call,
        "business": business,
        "category": category_label(business.category),
        "finding": finding,
        "snippets": snippets,
        "turns": turns_from(transcript.to_data() if transcript else None, snippets),
        "public": views.to_public(session=session, request=request),
        "prior_calls": _prior_calls(session, call, policy),
        "held": held,
        "lease_until": lease_until,
        "renew_every": max(5, min(60, lease_seconds // 3)),
        "suggested": suggested.value,
        "explanations": explanations,
        "caps": {code.value: cap_cents(policy, code, call.billed_cents) for code in ReasonCode},
        "rule": policy.rule(request.reason),
        "form": form,
        "now": utcnow(),
    }


def _cents(text: str) -> int:
    try:
        value = Decimal(text.strip().lstrip("$").replace(",", ""))
    except InvalidOperation as exc:
        raise InvalidInput("Enter the partial credit in dollars, for example 22.50.") from exc
    cents = int((value * 100).to_integral_value())
    if cents <= 0:
        raise InvalidInput("A partial credit must be more than $0.00.")
    return cents


def to_decision(form: DecisionForm, autofilled: set[str]) -> DecisionCreate:
    """Return the decision the form asks for; InvalidInput with a plain message if it cannot."""
    if form.outcome not in OUTCOMES:
        raise InvalidInput("Choose approve, decline or partial credit.")
    if form.reason not in ReasonCode.__members__:
        raise InvalidInput("Choose the reason the decision rests on.")
    explanation = form.explanation.strip()
    if len(explanation) > EXPLANATION_MAX:
        raise InvalidInput(f"The explanation is longer than {EXPLANATION_MAX} characters.")
    # An untouched prefilled text is re-rendered for the outcome, reason and amount chosen.
    if explanation in autofilled:
        explanation = ""
    return DecisionCreate(
        decision=Outcome.decline if form.outcome == "decline" else Outcome.approve,
        reason=ReasonCode(form.reason),
        explanation=explanation or None,
        amount_cents=_cents(form.amount) if form.outcome == "partial" else None,
    )


def autofilled_texts(context: dict[str, Any]) -> set[str]:
    """Return every explanation the page prefilled, to spot an untouched one."""
    return {
        text.strip()
        for by_outcome in context["explanations"].values()
        for text in by_outcome.values()
    }
