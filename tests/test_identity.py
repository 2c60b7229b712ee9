"""Identity service: password hashing, sign-in, API keys and sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlmodel import Session

from callcredit.database import init_db, make_engine, utcnow
from callcredit.exceptions import Conflict, InvalidInput, NotFound, Unauthorized
from callcredit.identity import service
from callcredit.identity.models import ApiKey, Role, SessionToken, User, UserCreate, UserUpdate
from tests import factories
from tests.auth_helpers import HELPER_PASSWORD, business_headers, staff_headers

PASSWORD = "tall-river-stone-42"
FAST = PasswordHasher(time_cost=1, memory_cost=2048, parallelism=1)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash with cheap argon2id parameters: the real ones cost ~0.5 s a hash."""
    monkeypatch.setattr(service, "_hasher", FAST)


def _add(session: Session, username: str = "ana", **kw: object) -> User:
    values: dict[str, object] = {"username": username, "role": Role.reviewer, "password": PASSWORD}
    values.update(kw)
    user = service.create_user(session=session, data=UserCreate(**values))  # type: ignore[arg-type]
    session.commit()
    return user


def test_password_is_stored_as_argon2id_hash_never_in_plain(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "_hasher", PasswordHasher())
    user = _add(session)
    assert user.password_hash.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(user.password_hash)  # library defaults
    assert PASSWORD not in user.password_hash
    stored = session.execute(select(User.password_hash)).scalar_one()
    assert stored == user.password_hash


def test_authenticate_with_right_and_wrong_password(session: Session) -> None:
    _add(session, "Ana")  # usernames are case-insensitive and kept lower case
    assert (
        service.authenticate(session=session, username="ANA", password=PASSWORD).username == "ana"
    )
    with pytest.raises(Unauthorized, match="wrong username or password"):
        service.authenticate(session=session, username="ana", password=PASSWORD + "x")
    with pytest.raises(Unauthorized, match="wrong username or password"):
        service.authenticate(session=session, username="nobody", password=PASSWORD)


def test_deactivated_user_cannot_sign_in(session: Session) -> None:
    user = _add(session)
    service.update_user(session=session, user=user, data=UserUpdate(is_active=False))
    session.commit()
    with pytest.raises(Unauthorized):
        service.authenticate(session=session, username="ana", password=PASSWORD)


def test_outdated_hash_is_upgraded_at_sign_in(session: Session) -> None:
    user = _add(session)
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    session.commit()
    service.authenticate(session=session, username="ana", password=PASSWORD)
    session.commit()
    session.refresh(user)
    assert not FAST.check_needs_rehash(user.password_hash)


@pytest.mark.parametrize(
    "password", ["", "          ", "short1!", "aaaaaaaaaaaaaa", "121212121212", "xx-ana-pass-99"]
)
def test_weak_passwords_are_refused(session: Session, password: str) -> None:
    with pytest.raises(InvalidInput):
        _add(session, password=password)
    assert session.execute(select(User)).first() is None


def test_usernames_are_unique(session: Session) -> None:
    _add(session)
    with pytest.raises(Conflict):
        _add(session, "ANA")


def test_business_users_need_an_existing_business(session: Session) -> None:
    with pytest.raises(ValidationError, match="needs business_id"):
        UserCreate(username="shop", role=Role.business, password=PASSWORD)
    with pytest.raises(ValidationError, match="only business users"):
        UserCreate(username="rev", role=Role.reviewer, business_id="b1", password=PASSWORD)
    with pytest.raises(NotFound):
        _add(session, "shop", role=Role.business, business_id="nope")
    biz = factories.business(session)
    user = _add(session, "shop", role=Role.business, business_id=biz.id)
    principal = service.principal_for(user=user)
    assert (principal.kind, principal.business_id, principal.is_staff) == (
        "business",
        biz.id,
        False,
    )


def test_api_key_create_resolve_revoke(session: Session) -> None:
    biz = factories.business(session)
    key, secret = service.create_api_key(session=session, business_id=biz.id, name="crm")
    session.commit()
    assert secret.startswith("cc_") and len(secret) > 40
    assert key.prefix == secret[:10]
    stored = session.execute(select(ApiKey)).scalar_one()
    assert secret not in (stored.key_hash, stored.prefix, stored.name)

    principal = service.resolve_api_key(session=session, key=secret)
    assert principal.kind == "business" and principal.role == Role.business
    assert principal.business_id == biz.id and principal.user_id is None
    assert principal.name == f"business:{biz.id}"
    assert key.last_used_at is not None

    service.revoke_api_key(session=session, key_id=key.id or 0, business_id=biz.id)
    session.commit()
    with pytest.raises(Unauthorized):
        service.resolve_api_key(session=session, key=secret)
    with pytest.raises(Unauthorized):
        service.resolve_api_key(session=session, key="cc_made-up")


def test_api_key_belongs_to_exactly_one_owner(session: Session) -> None:
    biz = factories.business(session)
    user = _add(session)
    with pytest.raises(InvalidInput):
        service.create_api_key(session=session)
    with pytest.raises(InvalidInput):
        service.create_api_key(session=session, business_id=biz.id, user_id=user.id)
    with pytest.raises(NotFound):
        service.create_api_key(session=session, business_id="nope")
    with pytest.raises(NotFound):
        service.revoke_api_key(session=session, key_id=999)


def test_staff_api_token_acts_as_the_user_while_active(session: Session) -> None:
    user = _add(session, role=Role.customer_success)
    _key, secret = service.create_api_key(session=session, user_id=user.id)
    session.commit()
    principal = service.resolve_api_key(session=session, key=secret)
    assert (principal.kind, principal.role, principal.name) == (
        "staff",
        Role.customer_success,
        "ana",
    )
    assert principal.is_staff
    service.update_user(session=session, user=user, data=UserUpdate(is_active=False))
    session.commit()
    with pytest.raises(Unauthorized):
        service.resolve_api_key(session=session, key=secret)


def test_session_create_resolve_end(session: Session) -> None:
    user = _add(session)
    token = service.create_session(session=session, user=user)
    session.commit()
    assert token.startswith("ccs_")
    assert token not in session.execute(select(SessionToken.token_hash)).scalar_one()
    assert service.resolve_session(session=session, token=token).user_id == user.id
    assert service.end_session(session=session, token=token) is True
    session.commit()
    with pytest.raises(Unauthorized):
        service.resolve_session(session=session, token=token)
    assert service.end_session(session=session, token=token) is False


def test_signing_in_deletes_sessions_long_ended_or_expired(session: Session) -> None:
    user = _add(session)
    old = service.create_session(session=session, user=user, lifetime=timedelta(days=-2))
    ended = service.create_session(session=session, user=user)
    recent = service.create_session(session=session, user=user, lifetime=timedelta(hours=-1))
    service.end_session(session=session, token=ended)
    session.commit()
    long_ago = utcnow() - timedelta(days=3)
    session.execute(
        update(SessionToken).where(SessionToken.ended_at.is_not(None)).values(ended_at=long_ago)
    )  # type: ignore[union-attr]
    session.commit()
    live = service.create_session(session=session, user=user)
    session.commit()
    kept = set(session.execute(select(SessionToken.token_hash)).scalars())
    assert kept == {service.hash_secret(secret=t) for t in (recent, live)}
    assert service.hash_secret(secret=old) not in kept
    # A purged token reads as ended, like any other.
    with pytest.raises(Unauthorized):
        service.resolve_session(session=session, token=old)


def test_expired_session_is_refused(session: Session) -> None:
    user = _add(session)
    token = service.create_session(session=session, user=user, lifetime=timedelta(seconds=-1))
    session.commit()
    with pytest.raises(Unauthorized, match="expired"):
        service.resolve_session(session=session, token=token)


def test_new_password_ends_existing_sessions(session: Session) -> None:
    user = _add(session)
    token = service.create_session(session=session, user=user)
    service.update_user(session=session, user=user, data=UserUpdate(password="new-" + PASSWORD))
    session.commit()
    with pytest.raises(Unauthorized):
        service.resolve_session(session=session, token=token)
    service.authenticate(session=session, username="ana", password="new-" + PASSWORD)


def test_helpers_give_working_bearer_headers(session: Session) -> None:
    biz = factories.business(session)
    staff = staff_headers(session, Role.admin, username="boss")
    again = staff_headers(session, Role.admin, username="boss")  # same user, a second token
    shop = business_headers(session, biz.id)
    for headers in (staff, again, shop):
        assert headers["Authorization"].startswith("Bearer cc_")
    principal = service.resolve_api_key(session=session, key=staff["Authorization"][7:])
    assert (principal.username, principal.role) == ("boss", Role.admin)
    assert service.authenticate(session=session, username="boss", password=HELPER_PASSWORD)


def test_identity_round_trip_on_sqlite_and_postgresql(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    init_db(engine)
    try:
        with Session(engine, expire_on_commit=False) as s:
            biz = factories.business(s)
            owner = _add(s, "owner", role=Role.business, business_id=biz.id)
            token = service.create_session(session=s, user=owner)
            _key, secret = service.create_api_key(session=s, business_id=biz.id)
            s.commit()
            assert service.resolve_session(session=s, token=token).business_id == biz.id
            assert service.resolve_api_key(session=s, key=secret).business_id == biz.id
            assert [u.username for u in service.list_users(session=s)] == ["owner"]
    finally:
        engine.dispose()
