"""Demo accounts for ``callcredit serve --demo``: fresh random passwords at every start."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from callcredit.calls.models import Business
from callcredit.exceptions import InvalidInput
from callcredit.identity import service as identity
from callcredit.identity.models import Role, User, UserCreate, UserUpdate

# Staff accounts of the demo: (sign-in name, role, display name).
DEMO_STAFF: tuple[tuple[str, Role, str], ...] = (
    ("reviewer", Role.reviewer, "Riley Reviewer"),
    ("reviewer2", Role.reviewer, "Sam Second-Reviewer"),
    ("support", Role.customer_success, "Casey Customer-Success"),
    ("admin", Role.admin, "Alex Admin"),
)


@dataclass(frozen=True)
class DemoAccount:
    """A demo sign-in, with the password it was given at this start."""

    username: str
    role: Role
    password: str
    business_id: str | None = None


def make_password(username: str) -> str:
    """Return a random password that passes the password rules."""
    while True:
        password = secrets.token_urlsafe(12)
        try:
            identity.validate_password(password=password, username=username)
        except InvalidInput:
            continue
        return password


def _ensure(session: Session, account: DemoAccount, display_name: str) -> DemoAccount | None:
    existing = session.execute(
        select(User).where(User.username == account.username)
    ).scalar_one_or_none()
    if existing is None:
        identity.create_user(
            session=session,
            data=UserCreate(
                username=account.username,
                role=account.role,
                business_id=account.business_id,
                display_name=display_name,
                password=account.password,
            ),
        )
        return account
    if existing.role != account.role or existing.business_id != account.business_id:
        return None  # someone's own account with this name: leave it alone
    identity.update_user(
        session=session, user=existing, data=UserUpdate(password=account.password, is_active=True)
    )
    return account


def ensure_demo_users(*, engine: Engine) -> list[DemoAccount]:
    """Create (or give new passwords to) the demo staff and one user per business."""
    accounts: list[DemoAccount] = []
    with Session(engine, expire_on_commit=False) as session:
        for username, role, display_name in DEMO_STAFF:
            wanted = DemoAccount(username, role, make_password(username))
            if (done := _ensure(session, wanted, display_name)) is not None:
                accounts.append(done)
        businesses = session.execute(select(Business).order_by(Business.id)).scalars()
        for business in businesses:
            wanted = DemoAccount(
                business.id, Role.business, make_password(business.id), business.id
            )
            if (done := _ensure(session, wanted, business.name)) is not None:
                accounts.append(done)
        session.commit()
    return accounts
