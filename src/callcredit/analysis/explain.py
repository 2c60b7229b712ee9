"""Evidence snippets for a finding and the explanation text a business reads."""

from __future__ import annotations

from collections.abc import Iterable

from .models import AnalysisContext, Cue, Evidence, Finding, ReasonAssessment, Stance
from .policy import Policy, render

MAX_EVIDENCE = 5
EXPLAIN_SNIPPETS = 2
QUOTE_CHARS = 160


def _evidence(cue: Cue, stance: Stance) -> Evidence:
    """Return a cue as evidence: its sentence when known, else the matched words."""
    if cue.context and cue.context_start is not None and cue.context_end is not None:
        return Evidence(
            start=cue.context_start,
            end=cue.context_end,
            speaker=cue.speaker,
            text=cue.context,
            cue=cue.cue,
            stance=stance,
        )
    return Evidence(
        start=cue.start,
        end=cue.end,
        speaker=cue.speaker,
        text=cue.text,
        cue=cue.cue,
        stance=stance,
    )


def _overlaps(item: Evidence, taken: list[Evidence]) -> bool:
    """Return True when a snippet mostly repeats one already chosen."""
    for other in taken:
        if item.text == other.text and item.start == other.start:
            return True
        shared = min(item.end, other.end) - max(item.start, other.start)
        if shared > 0.5 * max(min(item.end - item.start, other.end - other.start), 1e-6):
            return True
    return False


def _pick(cues: Iterable[Cue], stance: Stance, limit: int, taken: list[Evidence]) -> list[Evidence]:
    """Return up to `limit` evidence items that do not repeat each other, strongest first."""
    out: list[Evidence] = []
    for cue in cues:
        item = _evidence(cue, stance)
        if _overlaps(item, taken):
            continue
        taken.append(item)
        out.append(item)
        if len(out) >= limit:
            break
    return out


def build_evidence(assessment: ReasonAssessment) -> list[Evidence]:
    """Return the evidence for a verdict: the deciding side first, then the strongest rebuttal."""
    taken: list[Evidence] = []
    supports, contradicts = assessment.supporting, assessment.contradicting
    if assessment.verdict == "contradicted":
        items = _pick(contradicts, "contradicts", 3, taken) + _pick(supports, "supports", 1, taken)
    elif assessment.verdict == "supported":
        items = _pick(supports, "supports", 3, taken) + _pick(contradicts, "contradicts", 1, taken)
    else:
        items = _pick(supports, "supports", 2, taken) + _pick(contradicts, "contradicts", 2, taken)
    return items[:MAX_EVIDENCE]


def _clock(seconds: float) -> str:
    """Return m:ss for a time in the recording."""
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def describe_evidence(evidence: list[Evidence], stance: Stance | None = None) -> str:
    """Return evidence as quoted snippets with who said them and when, for people to read."""
    chosen = [e for e in evidence if stance is None or e.stance == stance][:EXPLAIN_SNIPPETS]
    parts = []
    for item in chosen:
        text = item.text if len(item.text) <= QUOTE_CHARS else item.text[: QUOTE_CHARS - 1] + "…"
        if item.end <= 0 and item.start <= 0:
            parts.append(text)  # call history, not a moment of the recording
            continue
        who = (
            "the caller"
            if item.speaker == "caller"
            else ("your side" if item.speaker == "business" else "someone")
        )
        parts.append(f'"{text}" ({who}, at {_clock(item.start)})')
    return "; ".join(parts) if parts else "nothing conclusive in the recording"


def explain(finding: Finding, context: AnalysisContext, policy: Policy) -> str:
    """Render the policy's template for the recommendation with the finding's details."""
    rule = policy.rule(finding.claimed_reason)
    deciding: Stance | None = {"supported": "supports", "contradicted": "contradicts"}.get(
        finding.verdict  # type: ignore[arg-type]
    )
    deadline = policy.request_deadline(context.called_at) if context.called_at else None
    labels = [policy.rule(r).label for r in finding.other_findings]
    values: dict[str, object] = {
        "call_id": finding.call_id,
        "reason": finding.claimed_reason,
        "reason_label": rule.label,
        "reason_meaning": rule.meaning,
        "evidence": describe_evidence(finding.evidence, deciding),
        "deadline": deadline.strftime("%Y-%m-%d %H:%M %Z").strip() if deadline else "",
        "policy_name": policy.name,
        "policy_label": policy.label,
        "credit_percent": f"{round(finding.credit_share * 100)}%",
        "sla_hours": f"{policy.review.sla_hours:g}",
        "verdict": finding.verdict,
        "confidence": f"{round(finding.confidence * 100)}%",
        "note": context.note or "",
        "found": ", ".join(labels),
        "re_reviews": policy.review.max_re_reviews,
    }
    if finding.recommendation == "approve":
        template = rule.approve
    elif finding.recommendation == "decline":
        template = rule.decline
    else:
        template = policy.messages.needs_review
    return render(template, values)
