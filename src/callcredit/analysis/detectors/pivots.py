"""Pivots: a caller who turns from another errand to a job for the business."""

from __future__ import annotations

from collections.abc import Iterable

from ..models import Cue

NEEDS = ("service_need", "service_request", "booking")
VISITS = ("visit_promised", "booking_confirm", "booking_accept", "address", "appointment_time")


def _after(cues: list[Cue], names: Iterable[str], moment: float) -> list[Cue]:
    """Return the cues of the given names that start after a moment."""
    wanted = set(names)
    return [c for c in cues if c.cue in wanted and c.start > moment]


def detect_pivots(cues: list[Cue], stayed_weight: float, moved_weight: float) -> list[Cue]:
    """Return `stayed_on` and `moved_on` cues from the other detectors' cues.

    "I think I got the wrong number... oh, you do fireplaces? It's my gas insert": a caller
    who names a need for the business's trade after saying they dialled wrong stayed on as
    a lead (`stayed_on`). "Are you hiring?" "He can apply online." "Okay. But the real
    reason I'm calling, there are wasps in the lawn", with a visit set after it: the job
    talk was an aside (`moved_on`). Job seekers talk about their trade, so a need alone
    after the job talk is not enough; a visit or booking after it is.
    """
    out: list[Cue] = []
    wrong = [c for c in cues if c.cue == "wrong_number" and c.speaker != "business"]
    if wrong:
        need = _after(cues, NEEDS, max(c.end for c in wrong))
        if need:
            out.append(need[0].model_copy(update={"cue": "stayed_on", "confidence": stayed_weight}))
    jobs = [c for c in cues if c.cue in ("job_seeker", "job_seeker_business")]
    if jobs:
        need = _after(cues, NEEDS, max(c.end for c in jobs))
        visit = _after(cues, VISITS, need[0].end) if need else []
        if visit:
            out.append(visit[0].model_copy(update={"cue": "moved_on", "confidence": moved_weight}))
    return out
