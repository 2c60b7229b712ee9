"""Duplicate detector: the same caller billed to the same business within the policy window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from ..models import Cue, PriorCall

ANONYMOUS = frozenset({"anonymous", "unknown", "private", "restricted", "unavailable"})


def normalize_number(number: str | None) -> str | None:
    """Return the digits of a phone number without the US country code; None if unusable."""
    if not number or number.strip().lower() in ANONYMOUS:
        return None
    digits = "".join(c for c in number if c.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits if len(digits) >= 7 else None


def _aware(moment: datetime) -> datetime:
    """Return the moment with a time zone (naive times are taken as UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _same_business(a: str | None, b: str | None) -> bool:
    """Return True unless both business ids are known and differ."""
    return a is None or b is None or a == b


def detect_duplicate(
    *,
    call_id: str | None,
    caller_number: str | None,
    business_id: str | None,
    called_at: datetime | None,
    prior_calls: Sequence[PriorCall] | None,
    window: timedelta,
    found_weight: float = 0.97,
    none_weight: float = 0.9,
) -> list[Cue]:
    """Return `prior_call` (latest earlier call in the window) or `no_prior_call`."""
    # Nothing at all when the number, the call time or the history is unknown: a claim
    # that cannot be checked must go to a reviewer rather than be declined.
    number = normalize_number(caller_number)
    if number is None or called_at is None or prior_calls is None:
        return []
    now = _aware(called_at)
    earlier = [
        p
        for p in prior_calls
        if (p.call_id is None or p.call_id != call_id)
        and _same_business(p.business_id, business_id)
        and normalize_number(p.caller_number) == number
        and now - window <= _aware(p.called_at) < now
    ]
    days = window.days
    if not earlier:
        text = (
            f"No earlier billed call from {caller_number} to this business "
            f"in the {days} days before this call"
        )
        return [Cue(cue="no_prior_call", confidence=none_weight, text=text)]
    last = max(earlier, key=lambda p: _aware(p.called_at))
    gap = now - _aware(last.called_at)
    count, unit = (gap.days, "day") if gap.days >= 1 else (int(gap.total_seconds() // 3600), "hour")
    ago = f"{count} {unit}{'' if count == 1 else 's'}"
    ref = f" (call {last.call_id})" if last.call_id else ""
    text = (
        f"The same caller {caller_number} was already billed to this business on "
        f"{_aware(last.called_at):%Y-%m-%d %H:%M}{ref}, {ago} before this call"
    )
    return [Cue(cue="prior_call", confidence=found_weight, text=text, value=last.call_id)]
