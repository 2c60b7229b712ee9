"""Authorization headers for tests: create a user or business key and return a bearer header.

from tests.auth_helpers import business_headers, staff_headers

client.get("/api/...", headers=staff_headers(session, Role.admin))
client.post("/api/...", headers=business_headers(session, biz.id))
"""

from __future__ import annotations

import itertools
from functools import cache

from sqlalchemy import select
from sqlmodel import Session

from callcredit.identity import service as identity
from callcredit.identity.models import Role, User

# Every helper user has this password, so tests can also sign in with it.
HELPER_PASSWORD = "correct horse battery staple"

_seq = itertools.count(1)


@cache
def _password_hash() -> str:
    # argon2 is slow on purpose; hash once per test run, not once per helper call.
    return identity.hash_password(password=HELPER_PASSWORD)


def user(
    session: Session,
    role: Role = Role.reviewer,
    username: str | None = None,
    business_id: str | None = None,
) -> User:
    """Return the user with this username, creating it (password HELPER_PASSWORD) if new."""
    username = username or f"{role.value.replace('_', '-')}-{next(_seq)}"
    existing = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if existing is not None:
        return existing
    row = User(
        username=username,
        display_name=username.title(),
        role=role,
        business_id=business_id,
        password_hash=_password_hash(),
    )
    session.add(row)
    session.commit()
    return row


def bearer(secret: str) -> dict[str, str]:
    """Return the Authorization header for a key or token."""
    return {"Authorization": f"Bearer {secret}"}


def staff_headers(
    session: Session, role: Role = Role.reviewer, username: str | None = None
) -> dict[str, str]:
    """Create a staff user (or reuse one by username) and return a bearer header for it."""
    if role == Role.business:
        raise ValueError("use business_headers for businesses")
    member = user(session, role, username)
    _key, secret = identity.create_api_key(session=session, user_id=member.id, name="test")
    session.commit()
    return bearer(secret)


def business_headers(session: Session, business_id: str) -> dict[str, str]:
    """Create an API key for an existing business and return a bearer header for it."""
    _key, secret = identity.create_api_key(session=session, business_id=business_id, name="test")
    session.commit()
    return bearer(secret)


def business_user_headers(session: Session, business_id: str) -> dict[str, str]:
    """Create a portal user of a business and return a bearer header for it."""
    member = user(session, Role.business, business_id=business_id)
    token = identity.create_session(session=session, user=member)
    session.commit()
    return bearer(token)
