"""Decide a claimed request: one decision per stage, money moved once, the business told why."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from callcredit.analysis import REASON_CODES, AnalysisContext, Evidence, Finding
from callcredit.analysis.explain import explain
from callcredit.analysis.policy import Policy, ReasonRule
from callcredit.credits import queue, service
from callcredit.credits.models import (
    CreditRequest,
    Decision,
    DecisionCreate,
    DecisionStage,
    Outcome,
    ReasonCode,
    RequestFinding,
    RequestStatus,
)
from callcredit.database import utcnow
from callcredit.exceptions import Conflict, InvalidInput
from callcredit.ledger import service as ledger
from callcredit.ledger.models import EntryKind, LedgerEntryCreate
from callcredit.notifications import service as notifications
from callcredit.notifications.models import NotificationKind
from callcredit.notifications.service import OutboxMessage


def get_suggested_outcome(
    *, request: CreditRequest, finding: RequestFinding | None, policy: Policy
) -> Outcome:
    """Return the analysis's recommendation, or the policy's default where it leaves it open."""
    if finding is not None and finding.recommendation in (Outcome.approve, Outcome.decline):
        return Outcome(finding.recommendation)
    rule = policy.rule(request.reason)
    if rule.treatment == "billable" or (finding and finding.verdict == "contradicted"):
        return Outcome.decline
    return Outcome.approve


def render_explanation(
    *,
    request: CreditRequest,
    finding: RequestFinding | None,
    policy: Policy,
    outcome: Outcome,
    reason: ReasonCode,
    share: float | None = None,
) -> str:
    """Fill the policy's approve or decline template for the reason, quoting the evidence."""
    rule = policy.rule(reason)
    if share is None:
        share = rule.credit_share if outcome == Outcome.approve else 0.0
    # The analysis's own explainer renders it, so reviewers and the analysis speak alike.
    stated = Finding(
        call_id=request.call_id,
        claimed_reason=reason,
        verdict=finding.verdict if finding else "inconclusive",  # type: ignore[arg-type]
        confidence=finding.confidence if finding else 0.0,
        recommendation=outcome.value,
        credit_share=min(max(share, 0.0), 1.0),
        other_findings=[r for r in finding.other_findings if r in REASON_CODES] if finding else [],  # type: ignore[misc]
        evidence=[Evidence.model_validate(e) for e in finding.evidence] if finding else [],
        policy_name=policy.name,
    )
    context = AnalysisContext(call_id=request.call_id, claimed_reason=reason, note=request.note)
    return explain(stated, context, policy)


def get_suggested_explanation(
    *, request: CreditRequest, finding: RequestFinding | None, policy: Policy
) -> str:
    """Return the explanation a reviewer starts from: the recommended outcome's template."""
    outcome = get_suggested_outcome(request=request, finding=finding, policy=policy)
    return render_explanation(
        request=request, finding=finding, policy=policy, outcome=outcome, reason=request.reason
    )


def _amount(rule: ReasonRule, billed: int, asked: int | None) -> int:
    # Creditable reasons credit the policy's share of the bill; approving a billable reason
    # is a reviewer's exception and may credit up to the whole bill.
    cap = billed if rule.treatment == "billable" else round(billed * rule.credit_share)
    if asked is None:
        return cap
    if asked > cap:
        raise InvalidInput(
            f"amount_cents {asked} is more than this reason allows ({cap} of {billed} billed)",
            details={"max_amount_cents": cap},
        )
    return asked


def _ledger(session: Session, request: CreditRequest, decision: Decision, reviewer: str) -> None:
    assert request.id is not None
    net = ledger.get_net_for_request(session=session, request_id=request.id)
    moves: list[tuple[EntryKind, int]] = []
    if decision.stage == DecisionStage.initial:
        if decision.amount_cents:
            moves.append((EntryKind.credit, decision.amount_cents))
    elif net != decision.amount_cents:
        if net:
            moves.append((EntryKind.reversal, -net))
        if decision.amount_cents:
            moves.append((EntryKind.re_review_credit, decision.amount_cents))
    for kind, amount in moves:
        ledger.create(
            session=session,
            data=LedgerEntryCreate(
                business_id=request.business_id,
                request_id=request.id,
                call_id=request.call_id,
                kind=kind,
                amount_cents=amount,
                memo=f"{decision.stage} decision: {decision.outcome} ({decision.reason})",
            ),
            actor=reviewer,
        )


def _draft(
    *, session: Session, request: CreditRequest, data: DecisionCreate, policy: Policy, reviewer: str
) -> Decision:
    """Build the decision: its reason, the amount the policy allows and the explanation."""
    assert request.id is not None
    call = service.get_call(session=session, call_id=request.call_id)
    finding = service.get_finding(session=session, request_id=request.id)
    reason = data.reason or request.reason
    if data.decision == Outcome.decline and data.amount_cents is not None:
        raise InvalidInput("a decline credits nothing; leave amount_cents out")
    amount = 0
    if data.decision == Outcome.approve:
        amount = _amount(policy.rule(reason), call.billed_cents, data.amount_cents)
    explanation = (data.explanation or "").strip() or render_explanation(
        request=request,
        finding=finding,
        policy=policy,
        outcome=data.decision,
        reason=reason,
        share=amount / call.billed_cents if call.billed_cents else 0.0,
    )
    re_review = request.re_review_requested_at is not None
    return Decision(
        request_id=request.id,
        stage=DecisionStage.re_review if re_review else DecisionStage.initial,
        outcome=data.decision,
        reason=reason,
        explanation=explanation,
        amount_cents=amount,
        decided_by=reviewer,
        decided_at=utcnow(),
        sla_due_at=request.sla_due_at,
    )


def _next_status(decision: Decision) -> RequestStatus:
    if decision.stage == DecisionStage.re_review:
        return RequestStatus.final
    return RequestStatus.approved if decision.outcome == Outcome.approve else RequestStatus.declined


def create(
    *,
    session: Session,
    request: CreditRequest,
    data: DecisionCreate,
    policy: Policy,
    reviewer: str,
) -> Decision:
    """Record the lease holder's decision, move the money and queue the business's message."""
    queue.check_lease(session=session, request=request, reviewer=reviewer)
    decision = _draft(session=session, request=request, data=data, policy=policy, reviewer=reviewer)
    service.update_status(
        session=session,
        request=request,
        to=_next_status(decision),
        actor=reviewer,
        why=f"{decision.outcome} ({decision.reason}): {decision.explanation}",
        # Only the lease holder, while the lease lives: checked in the same UPDATE.
        where=[
            CreditRequest.claimed_by == reviewer,
            CreditRequest.lease_until >= utcnow(),  # type: ignore[operator]
        ],
        values={"claimed_by": None, "lease_until": None},
    )
    session.add(decision)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(f"credit request #{request.id} was already decided") from exc
    _ledger(session, request, decision, reviewer)
    _notify(session, request, decision)
    return decision


def _notify(session: Session, request: CreditRequest, decision: Decision) -> None:
    verb = "approved" if decision.outcome == Outcome.approve else "declined"
    credited = f": ${decision.amount_cents / 100:.2f} credited" if decision.amount_cents else ""
    final = decision.stage == DecisionStage.re_review
    message = OutboxMessage(
        business_id=request.business_id,
        kind=NotificationKind.final if final else NotificationKind.decision,
        subject=(
            f"Credit request #{request.id} for call {request.call_id}"
            f" {'finally ' if final else ''}{verb}{credited}"
        ),
        body=decision.explanation + ("\n\nThis decision is final." if final else ""),
        request_id=request.id,
    )
    notifications.create(session=session, message=message)
