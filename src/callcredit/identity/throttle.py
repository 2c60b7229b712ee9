"""Slow password guessing: too many failed sign-ins for a name answer 429 for a while."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import delete, func, select
from sqlmodel import Field, Session, SQLModel

from callcredit.config import Settings
from callcredit.database import UTCDateTime, utcnow
from callcredit.exceptions import TooManyRequests, Unauthorized
from callcredit.identity import service
from callcredit.identity.models import User

log = logging.getLogger(__name__)


class SignInFailure(SQLModel, table=True):
    """One failed sign-in: the name tried, from which client address, and when."""

    __tablename__ = "sign_in_failure"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=200, index=True)
    client: str = Field(max_length=64)
    failed_at: datetime = Field(sa_type=UTCDateTime, index=True)  # type: ignore[call-overload]


@dataclass(frozen=True)
class ThrottleRules:
    """How many failures lock a name out, and for how long the failures count."""

    per_client: int = 5  # failures of one name from one client address
    per_name: int = 20  # failures of one name from all addresses (a spread-out guesser)
    window: timedelta = timedelta(minutes=15)


def rules_for(settings: Settings) -> ThrottleRules:
    """Return the limits the settings ask for."""
    per_client = settings.sign_in_max_failures
    return ThrottleRules(
        per_client=per_client,
        per_name=per_client * 4,
        window=timedelta(minutes=settings.sign_in_window_minutes),
    )


def client_address(request: Request) -> str:
    """Return the caller's address (behind a proxy, uvicorn's --forwarded-allow-ips sets it)."""
    return request.client.host if request.client else "unknown"


def _normal(username: str) -> str:
    return username.strip().lower()[:200]


def _retry_after(session: Session, name: str, client: str | None, rules: ThrottleRules) -> int:
    """Return seconds until the oldest counted failure leaves the window."""
    stmt = select(func.min(SignInFailure.failed_at)).where(
        SignInFailure.username == name, SignInFailure.failed_at > utcnow() - rules.window
    )
    if client is not None:
        stmt = stmt.where(SignInFailure.client == client)
    oldest = session.execute(stmt).scalar_one()
    if oldest is None:
        return 1
    return max(1, math.ceil((oldest + rules.window - utcnow()).total_seconds()))


def check(*, session: Session, username: str, client: str, rules: ThrottleRules) -> None:
    """Raise TooManyRequests while the name has too many recent failures."""
    name = _normal(username)
    since = utcnow() - rules.window
    counts = session.execute(
        select(
            func.count(),
            func.count().filter(SignInFailure.client == client),
        ).where(SignInFailure.username == name, SignInFailure.failed_at > since)
    ).one()
    total, from_client = int(counts[0]), int(counts[1])
    if from_client >= rules.per_client:
        wait = _retry_after(session, name, client, rules)
    elif total >= rules.per_name:
        wait = _retry_after(session, name, None, rules)
    else:
        return
    raise TooManyRequests(
        f"too many failed sign-ins for this name; try again in {wait} seconds",
        retry_after=wait,
    )


def record_failure(*, session: Session, username: str, client: str, rules: ThrottleRules) -> None:
    """Store one failure and forget failures older than the window (the caller commits)."""
    now = utcnow()
    session.execute(delete(SignInFailure).where(SignInFailure.failed_at <= now - rules.window))
    session.add(SignInFailure(username=_normal(username), client=client[:64], failed_at=now))
    session.flush()


def authenticate(
    *, session: Session, username: str, password: str, client: str, rules: ThrottleRules
) -> User:
    """Return the user with this password, counting failures; 429 once there were too many.

    A failure is committed at once, whatever the caller does next, so a guesser cannot
    undo the count; a success clears the failures of that name from that address.
    """
    check(session=session, username=username, client=client, rules=rules)
    try:
        user = service.authenticate(session=session, username=username, password=password)
    except Unauthorized:
        session.rollback()
        record_failure(session=session, username=username, client=client, rules=rules)
        session.commit()
        log.warning("failed sign-in for %r from %s", _normal(username), client)
        raise
    session.execute(
        delete(SignInFailure).where(
            SignInFailure.username == _normal(username), SignInFailure.client == client
        )
    )
    return user
