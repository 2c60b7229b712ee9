"""Property-based API check: schemathesis drives every documented operation; never a 5xx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from argon2 import PasswordHasher
from hypothesis import HealthCheck, Phase, settings
from schemathesis import Case
from sqlmodel import Session

from callcredit.database import make_engine
from callcredit.identity import service as identity
from callcredit.identity.models import Role
from callcredit.main import create_app
from tests import factories
from tests.auth_helpers import business_headers, staff_headers
from tests.conftest import make_settings
from tests.credits_helpers import create_request, make_ready, recent_call

# Small on purpose: every operation and principal runs this many examples, and CI stays fast.
MAX_EXAMPLES = 12


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Build an app on a fresh database with a business, calls, requests and principals."""
    tmp: Path = tmp_path_factory.mktemp("schema")
    settings_ = make_settings(tmp, f"sqlite:///{tmp / 'schema.db'}")
    # The real argon2 parameters cost ~0.5 s a hash; sign-in examples would dominate.
    original = identity._hasher
    identity._hasher = PasswordHasher(time_cost=1, memory_cost=2048)
    app = create_app(settings_)
    engine = make_engine(settings_.database_url)
    with Session(engine, expire_on_commit=False) as session:
        biz = factories.business(session, id="acme", email="owner@acme.test")
        for _ in range(3):
            make_ready(session, create_request(session, recent_call(session, biz)))
        headers = {
            "admin": staff_headers(session, Role.admin, username="schema-admin"),
            "business": business_headers(session, biz.id),
        }
    yield {"app": app, "headers": headers}
    identity._hasher = original
    engine.dispose()


@pytest.fixture(scope="module")
def api_schema(seeded: dict[str, Any]) -> schemathesis.BaseSchema:
    """Load the OpenAPI schema from the seeded app."""
    return schemathesis.openapi.from_asgi("/openapi.json", seeded["app"])


schema = schemathesis.pytest.from_fixture("api_schema")


SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    # Same examples every run (CI never flakes), and no shrinking: a 5xx is shown as found.
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _check(case: Case, headers: dict[str, str]) -> None:
    response = case.call(headers=headers)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    if response.status_code >= 400 and case.path.startswith("/api"):
        assert {"error", "message"} <= set(response.json()), response.text


@schema.parametrize()
@SETTINGS
def test_no_server_errors_as_staff(case: Case, seeded: dict[str, Any]) -> None:
    _check(case, seeded["headers"]["admin"])


@schema.parametrize()
@SETTINGS
def test_no_server_errors_as_business(case: Case, seeded: dict[str, Any]) -> None:
    _check(case, seeded["headers"]["business"])
