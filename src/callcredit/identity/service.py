"""Create users, check passwords, issue and resolve API keys and sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from callcredit.calls.models import Business
from callcredit.database import utcnow
from callcredit.exceptions import Conflict, InvalidInput, NotFound, Unauthorized
from callcredit.identity.models import (
    STAFF_ROLES,
    ApiKey,
    Principal,
    Role,
    SessionToken,
    User,
    UserCreate,
    UserUpdate,
)

API_KEY_PREFIX = "cc_"
SESSION_PREFIX = "ccs_"
SHOWN_PREFIX_LENGTH = 10
MIN_PASSWORD_LENGTH = 10
DEFAULT_SESSION_LIFETIME = timedelta(hours=12)
# Writing last_used_at on every request would turn every read into a write; a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)
BAD_LOGIN = "wrong username or password"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_secret(*, secret: str) -> str:
    """Return the SHA-256 hex digest of a random key or token.

    A fast hash is enough here: keys and tokens carry 256 random bits, so unlike
    passwords they cannot be guessed from a stolen hash; a slow hash would only
    make every API request slower.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(*, password: str) -> str:
    """Return the argon2id hash of a password."""
    return _hasher.hash(password)


def validate_password(*, password: str, username: str = "") -> None:
    """Raise InvalidInput if a password is empty or too easy to guess."""
    if not password or not password.strip():
        raise InvalidInput("the password is empty")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(set(password)) < 5:
        raise InvalidInput("the password repeats too few different characters")
    if username and username.lower() in password.lower():
        raise InvalidInput("the password must not contain the username")


def get(*, session: Session, user_id: int) -> User:
    """Return a user by id or raise NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


def get_by_username(*, session: Session, username: str) -> User:
    """Return a user by username or raise NotFound."""
    stmt = select(User).where(User.username == username.strip().lower())
    user = session.execute(stmt).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def list_users(*, session: Session, role: Role | None = None) -> list[User]:
    """List users by username."""
    stmt = select(User).order_by(User.username)
    if role is not None:
        stmt = stmt.where(User.role == role)
    return list(session.execute(stmt).scalars())


def create_user(*, session: Session, data: UserCreate) -> User:
    """Add a user with an argon2id password hash (the caller commits)."""
    validate_password(password=data.password, username=data.username)
    if data.business_id is not None and session.get(Business, data.business_id) is None:
        raise NotFound(f"no business with id {data.business_id!r}")
    if session.execute(select(User.id).where(User.username == data.username)).first():
        raise Conflict(f"the username {data.username!r} is taken")
    user = User.model_validate(
        data, update={"password_hash": hash_password(password=data.password)}
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(f"the username {data.username!r} is taken") from exc
    return user


def update_user(*, session: Session, user: User, data: UserUpdate) -> User:
    """Change a user's name, password or active flag (the caller commits)."""
    if data.display_name is not None:
        user.display_name = data.display_name
    if data.password is not None:
        validate_password(password=data.password, username=user.username)
        user.password_hash = hash_password(password=data.password)
    if data.is_active is not None:
        user.is_active = data.is_active
    if data.password is not None or data.is_active is False:
        # A new password or a deactivation should not leave old sign-ins working.
        _end_user_sessions(session=session, user_id=user.id)
    session.add(user)
    session.flush()
    return user


def authenticate(*, session: Session, username: str, password: str) -> User:
    """Return the active user with this password, or raise Unauthorized."""
    user = session.execute(
        select(User).where(User.username == username.strip().lower())
    ).scalar_one_or_none()
    # Verify against a dummy hash for unknown users so timing does not reveal usernames.
    stored = user.password_hash if user is not None else _dummy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError) as exc:
        raise Unauthorized(BAD_LOGIN) from exc
    if user is None or not user.is_active:
        raise Unauthorized(BAD_LOGIN)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password=password)
        session.add(user)
        session.flush()
    return user


def principal_for(*, user: User) -> Principal:
    """Return the Principal a signed-in user acts as."""
    return Principal(
        kind="staff" if user.role in STAFF_ROLES else "business",
        role=user.role,
        user_id=user.id,
        username=user.username,
        business_id=user.business_id,
    )


def create_api_key(
    *, session: Session, business_id: str | None = None, user_id: int | None = None, name: str = ""
) -> tuple[ApiKey, str]:
    """Add an API key for a business or a user; return it with its secret (shown once)."""
    if (business_id is None) == (user_id is None):
        raise InvalidInput("an API key belongs to exactly one business or one user")
    if business_id is not None and session.get(Business, business_id) is None:
        raise NotFound(f"no business with id {business_id!r}")
    if user_id is not None:
        get(session=session, user_id=user_id)
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        business_id=business_id,
        user_id=user_id,
        prefix=secret[:SHOWN_PREFIX_LENGTH],
        key_hash=hash_secret(secret=secret),
        name=name,
    )
    session.add(key)
    session.flush()
    return key, secret


def list_api_keys(
    *, session: Session, business_id: str | None = None, user_id: int | None = None
) -> list[ApiKey]:
    """List the API keys of a business or a user, oldest first."""
    stmt = select(ApiKey).order_by(ApiKey.id)
    if business_id is not None:
        stmt = stmt.where(ApiKey.business_id == business_id)
    if user_id is not None:
        stmt = stmt.where(ApiKey.user_id == user_id)
    return list(session.execute(stmt).scalars())


def revoke_api_key(*, session: Session, key_id: int, business_id: str | None = None) -> ApiKey:
    """Revoke a key for good (idempotent); with business_id, only that business's key."""
    key = session.get(ApiKey, key_id)
    if key is None or (business_id is not None and key.business_id != business_id):
        owner = f" for business {business_id!r}" if business_id else ""
        raise NotFound(f"no API key {key_id}{owner}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        session.flush()
    return key


# Built once, run by every API request with its own key's hash; plain columns, not
# objects: the answer is a Principal, and nothing here is changed or read back.
_KEY_LOOKUP = (
    select(
        ApiKey.id,
        ApiKey.business_id,
        ApiKey.user_id,
        ApiKey.revoked_at,
        ApiKey.last_used_at,
        User.role,
        User.username,
        User.business_id.label("user_business_id"),  # type: ignore[union-attr]
        User.is_active,
    )
    .outerjoin(User, User.id == ApiKey.user_id)  # type: ignore[arg-type]
    .where(ApiKey.key_hash == bindparam("key_hash"))
)


def check_api_key(*, session: Session, key: str) -> tuple[Principal, int | None]:
    """Return the Principal of a valid, unrevoked API key, or raise Unauthorized; only reads.

    The second value is the key's id when its last_used_at is older than
    LAST_USED_RESOLUTION (touch_api_key records the use), else None.
    """
    # On the session's connection: plain columns need none of the ORM's result handling.
    params = {"key_hash": hash_secret(secret=key)}
    row = session.connection().execute(_KEY_LOOKUP, params).one_or_none()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("the API key is unknown or revoked")
    if row.user_id is not None:
        if row.role is None or not row.is_active:
            raise Unauthorized("the API key's user is deactivated")
        principal = Principal(
            kind="staff" if row.role in STAFF_ROLES else "business",
            role=row.role,
            user_id=row.user_id,
            username=row.username,
            business_id=row.user_business_id,
        )
    else:
        principal = Principal(kind="business", role=Role.business, business_id=row.business_id)
    last = row.last_used_at
    stale = last is None or utcnow() - last > LAST_USED_RESOLUTION
    return principal, row.id if stale else None


def touch_api_key(*, session: Session, key_id: int) -> None:
    """Record that a key was used now, unless a racing request just did (the caller commits)."""
    now = utcnow()
    session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key_id,  # type: ignore[arg-type]
            or_(
                ApiKey.last_used_at.is_(None),  # type: ignore[union-attr]
                ApiKey.last_used_at < now - LAST_USED_RESOLUTION,  # type: ignore[operator]
            ),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


def resolve_api_key(*, session: Session, key: str) -> Principal:
    """Return the Principal of a valid, unrevoked API key, or raise Unauthorized.

    Records the use (last_used_at, at most once a minute) in the session's transaction.
    """
    principal, stale_key_id = check_api_key(session=session, key=key)
    if stale_key_id is not None:
        row = session.get(ApiKey, stale_key_id)
        assert row is not None
        row.last_used_at = utcnow()
        session.add(row)
        session.flush()
    return principal


def create_session(
    *, session: Session, user: User, lifetime: timedelta = DEFAULT_SESSION_LIFETIME
) -> str:
    """Start a session for a user and return its token (the caller commits)."""
    if user.id is None:
        raise InvalidInput("the user is not saved yet")
    purge_sessions(session=session)
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    row = SessionToken(
        token_hash=hash_secret(secret=token), user_id=user.id, expires_at=utcnow() + lifetime
    )
    session.add(row)
    session.flush()
    return token


# Ended and expired sessions are kept this long (a signed-out browser still gets "your session
# has ended"), then deleted when someone signs in, so the table holds only live sessions.
SESSION_KEEP = timedelta(days=1)


def purge_sessions(*, session: Session, keep: timedelta = SESSION_KEEP) -> int:
    """Delete sessions that ended or expired more than ``keep`` ago; return how many."""
    cutoff = utcnow() - keep
    stale = or_(
        SessionToken.expires_at < cutoff,  # type: ignore[arg-type]
        SessionToken.ended_at < cutoff,  # type: ignore[arg-type,operator]
    )
    result = session.execute(delete(SessionToken).where(stale))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def get_session_token(*, session: Session, token: str) -> SessionToken | None:
    """Return the stored session of a token, or None."""
    stmt = select(SessionToken).where(SessionToken.token_hash == hash_secret(secret=token))
    return session.execute(stmt).scalar_one_or_none()


def resolve_session(*, session: Session, token: str) -> Principal:
    """Return the Principal of a live session token, or raise Unauthorized."""
    row = get_session_token(session=session, token=token)
    if row is None or row.ended_at is not None or row.expires_at <= utcnow():
        raise Unauthorized("the session has ended or expired; sign in again")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("the account is deactivated")
    return principal_for(user=user)


def end_session(*, session: Session, token: str) -> bool:
    """End a session for good; return False if it was unknown or already over."""
    row = get_session_token(session=session, token=token)
    if row is None or row.ended_at is not None:
        return False
    row.ended_at = utcnow()
    session.add(row)
    session.flush()
    return True


def _end_user_sessions(*, session: Session, user_id: int | None) -> None:
    stmt = select(SessionToken).where(
        SessionToken.user_id == user_id,
        SessionToken.ended_at.is_(None),  # type: ignore[union-attr]
    )
    now = utcnow()
    for row in session.execute(stmt).scalars():
        row.ended_at = now
        session.add(row)
