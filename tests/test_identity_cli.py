"""``callcredit users`` and ``callcredit businesses`` through typer's CliRunner."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from callcredit.cli import app
from callcredit.identity import service
from callcredit.identity.models import Role
from tests import factories

PASSWORD = "quiet-harbor-lamp-9"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash with cheap argon2id parameters: the real ones cost ~0.5 s a hash."""
    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=2048))


@pytest.fixture
def runner(db_url: str, engine: Engine) -> Iterator[CliRunner]:
    """Return a CliRunner whose commands use this test's SQLite database."""
    yield CliRunner(env={"CALLCREDIT_DATABASE_URL": db_url})


def test_users_add_with_prompt_then_list(runner: CliRunner, session: Session) -> None:
    result = runner.invoke(
        app, ["users", "add", "ana", "--role", "admin"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
    user = service.authenticate(session=session, username="ana", password=PASSWORD)
    assert user.role == Role.admin
    session.commit()  # SQLite: end our transaction so the command can write

    listed = runner.invoke(app, ["users", "list"])
    assert listed.exit_code == 0
    assert "ana" in listed.output and "admin" in listed.output


def test_users_add_refuses_weak_or_empty_passwords(runner: CliRunner, session: Session) -> None:
    for password in ("", "short", "aaaaaaaaaaaaaaa"):
        result = runner.invoke(app, ["users", "add", "bo", "--password", password])
        assert result.exit_code == 2, result.output
        assert "error" in result.output
    assert service.list_users(session=session) == []


def test_business_user_needs_known_business(runner: CliRunner, session: Session) -> None:
    biz = factories.business(session)
    args = ["users", "add", "shop", "--role", "business", "--password", PASSWORD]
    assert runner.invoke(app, args).exit_code == 2  # no --business
    assert runner.invoke(app, [*args, "--business", "nope"]).exit_code == 2
    session.commit()  # SQLite: end our transaction so the command can write
    result = runner.invoke(app, [*args, "--business", biz.id])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, [*args, "--business", biz.id]).exit_code == 2  # taken


def test_businesses_key_prints_a_working_key_once(runner: CliRunner, session: Session) -> None:
    biz = factories.business(session, name="Rapid Rooter", balance_cents=12345)
    result = runner.invoke(app, ["businesses", "key", biz.id, "--name", "crm"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("cc_")
    assert service.resolve_api_key(session=session, key=secret).business_id == biz.id
    session.commit()  # SQLite: end our transaction so the command can write
    assert runner.invoke(app, ["businesses", "key", "nope"]).exit_code == 2

    listed = runner.invoke(app, ["businesses", "list"])
    assert listed.exit_code == 0
    assert biz.id in listed.output and "Rapid Rooter" in listed.output
    assert "123.45" in listed.output and "plumbing" in listed.output


def test_users_token_for_staff(runner: CliRunner, session: Session) -> None:
    assert (
        runner.invoke(
            app, ["users", "add", "cs", "--role", "customer_success", "--password", PASSWORD]
        ).exit_code
        == 0
    )
    result = runner.invoke(app, ["users", "token", "cs"])
    assert result.exit_code == 0, result.output
    principal = service.resolve_api_key(session=session, key=result.stdout.strip().splitlines()[-1])
    assert principal.role == Role.customer_success and principal.username == "cs"
