"""The numbers behind the dashboard: queue depth over time, SLA, decisions and approval rates."""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from callcredit.credits.models import CreditRequest, Decision, DecisionStage, Outcome
from callcredit.database import utcnow
from callcredit.reports import service as reports
from callcredit.web.lookup import business_names

RANGES: dict[str, tuple[str, int | None]] = {
    "7d": ("Last 7 days", 7),
    "30d": ("Last 30 days", 30),
    "90d": ("Last 90 days", 90),
    "all": ("All time", None),
}
BUCKETS = 30


@dataclass(frozen=True)
class Bucket:
    """A slice of the range: [start, end)."""

    start: datetime
    end: datetime


@dataclass
class Tally:
    """Approved and declined counts (each request's latest decision)."""

    approved: int = 0
    declined: int = 0

    @property
    def decided(self) -> int:
        """Return how many were decided."""
        return self.approved + self.declined

    @property
    def rate(self) -> float | None:
        """Return the approval rate, or None when nothing was decided."""
        return self.approved / self.decided if self.decided else None


@dataclass
class Dashboard:
    """Everything the dashboard draws."""

    range_key: str
    start: datetime
    end: datetime
    buckets: list[Bucket]
    depth: list[int]
    within: list[int]
    late: list[int]
    by_reason: dict[str, Tally] = field(default_factory=dict)
    by_business: dict[str, Tally] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    summary: reports.Summary | None = None


def make_buckets(start: datetime, end: datetime, count: int = BUCKETS) -> list[Bucket]:
    """Cut [start, end) into `count` equal slices."""
    step = max((end - start) / count, timedelta(minutes=1))
    return [Bucket(start + step * i, start + step * (i + 1)) for i in range(count)]


def _depth(
    requests: list[CreditRequest], decisions: list[Decision], buckets: list[Bucket]
) -> list[int]:
    # Open = submitted or reopened for re-review, and not decided yet, at each bucket's end.
    opened = sorted(
        [r.submitted_at for r in requests]
        + [r.re_review_requested_at for r in requests if r.re_review_requested_at]
    )
    closed = sorted(d.decided_at for d in decisions)
    return [
        bisect.bisect_right(opened, b.end) - bisect.bisect_right(closed, b.end) for b in buckets
    ]


def _sla(decisions: list[Decision], buckets: list[Bucket]) -> tuple[list[int], list[int]]:
    within, late = [0] * len(buckets), [0] * len(buckets)
    starts = [b.start for b in buckets]
    for decision in decisions:
        i = bisect.bisect_right(starts, decision.decided_at) - 1
        if 0 <= i < len(buckets) and decision.decided_at < buckets[i].end:
            if decision.decided_at <= decision.sla_due_at:
                within[i] += 1
            else:
                late[i] += 1
    return within, late


def _latest(decisions: list[Decision]) -> dict[int, Decision]:
    latest: dict[int, Decision] = {}
    for decision in decisions:
        current = latest.get(decision.request_id)
        if current is None or decision.stage == DecisionStage.re_review:
            latest[decision.request_id] = decision
    return latest


def _tallies(
    latest: dict[int, Decision], business_of: dict[int, str], start: datetime
) -> tuple[dict[str, Tally], dict[str, Tally]]:
    by_reason: dict[str, Tally] = defaultdict(Tally)
    by_business: dict[str, Tally] = defaultdict(Tally)
    for request_id, decision in latest.items():
        if decision.decided_at < start:
            continue
        for tally in (by_reason[str(decision.reason)], by_business[business_of[request_id]]):
            if decision.outcome == Outcome.approve:
                tally.approved += 1
            else:
                tally.declined += 1
    return dict(by_reason), dict(by_business)


def load(session: Session, range_key: str, now: datetime | None = None) -> Dashboard:
    """Compute the dashboard for one of RANGES."""
    range_key = range_key if range_key in RANGES else "30d"
    end = now or utcnow()
    requests = list(session.execute(select(CreditRequest)).scalars())
    decisions = list(session.execute(select(Decision).order_by(Decision.decided_at)).scalars())  # type: ignore[arg-type]
    days = RANGES[range_key][1]
    first = min((r.submitted_at for r in requests), default=end - timedelta(days=7))
    start = end - timedelta(days=days) if days else min(first, end - timedelta(hours=1))
    buckets = make_buckets(start, end)
    within, late = _sla(decisions, buckets)
    business_of = {r.id: r.business_id for r in requests if r.id is not None}
    by_reason, by_business = _tallies(_latest(decisions), business_of, start)
    return Dashboard(
        range_key=range_key,
        start=start,
        end=end,
        buckets=buckets,
        depth=_depth(requests, decisions, buckets),
        within=within,
        late=late,
        by_reason=by_reason,
        by_business=by_business,
        names=business_names(session, by_business),
        summary=reports.get_summary(
            session=session, start=None if days is None else start, end=None
        ),
    )


def status_counts(session: Session) -> Counter[str]:
    """Return how many requests are in each status now."""
    return Counter(str(s) for s in session.execute(select(CreditRequest.status)).scalars())
