"""Turn money, times and statuses into the words and badges the pages show."""

from __future__ import annotations

from datetime import datetime, timedelta

from callcredit.database import utcnow

STATUS_LABELS = {
    "received": "Received",
    "analyzing": "Analyzing",
    "ready": "Ready",
    "analysis_failed": "Analysis failed",
    "in_review": "In review",
    "approved": "Approved",
    "declined": "Declined",
    "re_review_requested": "Re-review asked",
    "final": "Final",
}
# Badge colour of each status: waiting, working, good, bad, final.
STATUS_TONES = {
    "received": "muted",
    "analyzing": "muted",
    "ready": "info",
    "analysis_failed": "warn",
    "in_review": "info",
    "approved": "good",
    "declined": "bad",
    "re_review_requested": "warn",
    "final": "dark",
}
RECOMMENDATION_TONES = {"approve": "good", "decline": "bad", "needs_review": "warn"}
RECOMMENDATION_LABELS = {"approve": "Approve", "decline": "Decline", "needs_review": "Needs review"}


def money(cents: int | None) -> str:
    """Return cents as dollars, e.g. $1,234.50 or -$45.00."""
    if cents is None:
        return "—"
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) / 100:,.2f}"


def clock(seconds: float | None) -> str:
    """Return a time in a recording as m:ss."""
    if seconds is None:
        return "—"
    whole = max(int(seconds), 0)
    return f"{whole // 60}:{whole % 60:02d}"


def span(delta: timedelta | float) -> str:
    """Return a duration in its two largest units, e.g. 2d 3h, 3h 12m, 4m, 20s."""
    seconds = int(abs(delta.total_seconds() if isinstance(delta, timedelta) else delta))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def when(value: datetime | None) -> str:
    """Return a UTC time as 2025-04-02 16:14 UTC."""
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M UTC")


def iso(value: datetime | None) -> str:
    """Return a time as ISO 8601 for a <time datetime> attribute."""
    return "" if value is None else value.isoformat()


def due(value: datetime, now: datetime | None = None) -> str:
    """Return an SLA due time as 'due in 3h 12m' or 'overdue 2d 4h'."""
    left = value - (now or utcnow())
    return f"due in {span(left)}" if left.total_seconds() >= 0 else f"overdue {span(left)}"


def days_left(deadline: datetime, now: datetime | None = None) -> str:
    """Return the time left before a deadline in words, or 'closed'."""
    left = deadline - (now or utcnow())
    if left.total_seconds() <= 0:
        return "closed"
    if left >= timedelta(days=1):
        days = left.days
        return f"{days} day{'s' if days != 1 else ''} left"
    return f"{span(left)} left"


def percent(value: float | None) -> str:
    """Return a 0-1 fraction as a whole percentage, or a dash."""
    return "—" if value is None else f"{round(value * 100)}%"


def status_label(status: str) -> str:
    """Return the words for a request status."""
    return STATUS_LABELS.get(str(status), str(status))


def status_tone(status: str) -> str:
    """Return the badge tone of a request status."""
    return STATUS_TONES.get(str(status), "muted")


def recommendation_label(value: str | None) -> str:
    """Return the words for the analysis's recommendation."""
    return RECOMMENDATION_LABELS.get(value or "", "—")


def recommendation_tone(value: str | None) -> str:
    """Return the badge tone of a recommendation."""
    return RECOMMENDATION_TONES.get(value or "", "muted")


def speaker_label(speaker: str) -> str:
    """Return who spoke, in words."""
    return {"caller": "Caller", "business": "Business"}.get(speaker, "Speaker")


FILTERS = {
    "money": money,
    "clock": clock,
    "span": span,
    "when": when,
    "iso": iso,
    "due": due,
    "days_left": days_left,
    "percent": percent,
    "status_label": status_label,
    "status_tone": status_tone,
    "recommendation_label": recommendation_label,
    "recommendation_tone": recommendation_tone,
    "speaker_label": speaker_label,
}
