"""Failed sign-ins are counted per name and address; too many answer 429 until they age out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlmodel import Session

from callcredit.config import Settings
from callcredit.database import utcnow
from callcredit.exceptions import TooManyRequests
from callcredit.identity import throttle
from callcredit.identity.models import Role
from callcredit.identity.throttle import SignInFailure, ThrottleRules
from tests.auth_helpers import HELPER_PASSWORD, user
from tests.web_helpers import add_user, web_app

RULES = ThrottleRules(per_client=3, per_name=5, window=timedelta(minutes=15))


def _fail(client: TestClient, username: str, path: str = "/api/auth/token") -> int:
    return client.post(path, json={"username": username, "password": "wrong"}).status_code


def _failures(session: Session, username: str) -> int:
    stmt = select(func.count()).where(SignInFailure.username == username)
    return int(session.execute(stmt).scalar_one())


def test_five_failures_lock_the_name_with_retry_after(client: TestClient, session: Session) -> None:
    user(session, Role.reviewer, username="guessed")
    session.commit()
    assert [_fail(client, "guessed") for _ in range(5)] == [401] * 5
    locked = client.post("/api/auth/token", json={"username": "guessed", "password": "wrong"})
    assert locked.status_code == 429
    assert locked.json()["error"] == "too_many_requests"
    wait = int(locked.headers["Retry-After"])
    assert 0 < wait <= 15 * 60
    assert locked.json()["details"]["retry_after_seconds"] == wait
    # Even the right password waits: the lock is on the name, not on the guess.
    right = {"username": "guessed", "password": HELPER_PASSWORD}
    assert client.post("/api/auth/login", json=right).status_code == 429


def test_other_names_are_not_locked(client: TestClient, session: Session) -> None:
    user(session, Role.reviewer, username="target")
    user(session, Role.reviewer, username="bystander")
    session.commit()
    for _ in range(6):
        _fail(client, "target")
    ok = client.post("/api/auth/token", json={"username": "bystander", "password": HELPER_PASSWORD})
    assert ok.status_code == 200


def test_failures_age_out_and_success_clears_them(client: TestClient, session: Session) -> None:
    user(session, Role.reviewer, username="forgetful")
    session.commit()
    for _ in range(5):
        _fail(client, "forgetful")
    assert _fail(client, "forgetful") == 429
    long_ago = utcnow() - timedelta(minutes=16)
    session.execute(update(SignInFailure).values(failed_at=long_ago))
    session.commit()
    ok = client.post(
        "/api/auth/token", json={"username": "Forgetful ", "password": HELPER_PASSWORD}
    )
    assert ok.status_code == 200
    session.expire_all()
    assert _failures(session, "forgetful") == 0


def test_unknown_names_are_counted_too(client: TestClient, session: Session) -> None:
    # Otherwise a 429 would tell a guesser which names exist.
    for _ in range(5):
        assert _fail(client, "nobody-here") == 401
    assert _fail(client, "nobody-here") == 429


def test_web_sign_in_shows_the_wait(settings: Settings) -> None:
    with web_app(settings) as web:
        add_user(web.engine, "webby", Role.reviewer)
        for _ in range(5):
            assert web.sign_in("webby", password="not the password").status_code == 422
        answer = web.sign_in("webby")
        assert answer.status_code == 429
        assert "Too many failed sign-ins" in answer.text
        assert 'value="webby"' in answer.text
        assert answer.headers["Retry-After"]


def test_per_address_and_per_name_limits(session: Session) -> None:
    user(session, Role.reviewer, username="spread")
    session.commit()
    for client in ("10.0.0.1", "10.0.0.1", "10.0.0.1"):
        throttle.record_failure(session=session, username="spread", client=client, rules=RULES)
    session.commit()
    # Three from one address lock that address out ...
    with pytest.raises(TooManyRequests):
        throttle.check(session=session, username="spread", client="10.0.0.1", rules=RULES)
    # ... but not another address, until the name's total reaches per_name.
    throttle.check(session=session, username="spread", client="10.0.0.2", rules=RULES)
    for client in ("10.0.0.3", "10.0.0.4"):
        throttle.record_failure(session=session, username="spread", client=client, rules=RULES)
    session.commit()
    with pytest.raises(TooManyRequests):
        throttle.check(session=session, username="spread", client="10.0.0.9", rules=RULES)
