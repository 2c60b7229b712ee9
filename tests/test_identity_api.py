"""Identity over HTTP: 401/403, tokens, cookie sessions, users and business keys."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlmodel import Session

from callcredit.config import Settings
from callcredit.identity import service
from callcredit.identity.deps import (
    SESSION_COOKIE,
    AdminPrincipal,
    BusinessPrincipal,
    CustomerSuccessPrincipal,
    OptionalPrincipal,
    ReviewerPrincipal,
    StaffPrincipal,
)
from callcredit.identity.models import Role
from callcredit.main import create_app
from tests import factories
from tests.auth_helpers import HELPER_PASSWORD, business_headers, staff_headers, user

probe = APIRouter(prefix="/probe")


@probe.get("/staff")
def _staff(p: StaffPrincipal) -> str:
    return p.name


@probe.get("/reviewer")
def _reviewer(p: ReviewerPrincipal) -> str:
    return p.name


@probe.get("/customer-success")
def _cs(p: CustomerSuccessPrincipal) -> str:
    return p.name


@probe.get("/admin")
def _admin(p: AdminPrincipal) -> str:
    return p.name


@probe.get("/business")
def _business(p: BusinessPrincipal) -> str:
    return p.business_id or ""


@probe.get("/optional")
def _optional(p: OptionalPrincipal) -> str:
    return p.name if p else "anonymous"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash with cheap argon2id parameters: the real ones cost ~0.5 s a hash."""
    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=2048))


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    """Return a client on the app with the role probe routes added."""
    app = create_app(settings)
    app.include_router(probe)
    with TestClient(app) as c:
        yield c


ALLOWED = {
    "staff": {Role.reviewer, Role.customer_success, Role.admin},
    "reviewer": {Role.reviewer, Role.admin},
    "customer-success": {Role.customer_success, Role.admin},
    "admin": {Role.admin},
    "business": {Role.business},
}


@pytest.mark.parametrize("role", list(Role))
def test_role_aliases_allow_and_forbid(
    app_client: TestClient, session: Session, role: Role
) -> None:
    biz = factories.business(session)
    headers = (
        business_headers(session, biz.id) if role == Role.business else staff_headers(session, role)
    )
    for path, allowed in ALLOWED.items():
        response = app_client.get(f"/probe/{path}", headers=headers)
        if role in allowed:
            assert response.status_code == 200, path
        else:
            assert response.status_code == 403, path
            body = response.json()
            assert body["error"] == "forbidden"
            assert all(r.value in body["message"] for r in allowed)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwdw=="},
        {"Authorization": "Bearer not-a-key"},
        {"Authorization": "Bearer cc_unknown"},
        {"Authorization": "Bearer ccs_unknown"},
    ],
)
def test_missing_or_bad_credentials_are_401(
    app_client: TestClient, headers: dict[str, str]
) -> None:
    response = app_client.get("/probe/staff", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized"


def test_optional_principal_for_pages(app_client: TestClient, session: Session) -> None:
    assert app_client.get("/probe/optional").json() == "anonymous"
    app_client.cookies.set(SESSION_COOKIE, "ccs_expired-or-made-up")
    assert app_client.get("/probe/optional").json() == "anonymous"
    app_client.cookies.clear()
    headers = staff_headers(session, username="rita")
    assert app_client.get("/probe/optional", headers=headers).json() == "rita"


def test_revoked_business_key_is_401(client: TestClient, session: Session) -> None:
    biz = factories.business(session)
    other = factories.business(session)
    admin = staff_headers(session, Role.admin)
    created = client.post(f"/api/businesses/{biz.id}/keys", headers=admin, json={"name": "crm"})
    assert created.status_code == 201
    body = created.json()
    key = {"Authorization": f"Bearer {body['key']}"}
    me = client.get("/api/me", headers=key).json()
    assert me == {
        "kind": "business",
        "role": "business",
        "name": f"business:{biz.id}",
        "user_id": None,
        "username": None,
        "business_id": biz.id,
    }
    listed = client.get(f"/api/businesses/{biz.id}/keys", headers=admin).json()
    assert [k["prefix"] for k in listed] == [body["prefix"]]
    assert "key" not in listed[0] and listed[0]["last_used_at"] is not None

    url = f"/api/businesses/{other.id}/keys/{body['id']}"
    assert client.delete(url, headers=admin).status_code == 404  # someone else's key
    assert client.delete(url.replace(other.id, biz.id), headers=key).status_code == 403
    assert client.delete(url.replace(other.id, biz.id), headers=admin).status_code == 204
    assert client.get("/api/me", headers=key).status_code == 401


def test_admin_manages_users_and_others_cannot(client: TestClient, session: Session) -> None:
    admin = staff_headers(session, Role.admin)
    new = {"username": "Rae", "role": "reviewer", "password": "pale-moon-river-7"}
    assert client.post("/api/users", json=new).status_code == 401
    assert client.post("/api/users", json=new, headers=staff_headers(session)).status_code == 403
    created = client.post("/api/users", json=new, headers=admin)
    assert created.status_code == 201
    assert created.json()["username"] == "rae" and "password" not in created.text
    assert client.post("/api/users", json=new, headers=admin).status_code == 409
    weak = client.post("/api/users", json={**new, "username": "bo", "password": "x"}, headers=admin)
    assert weak.status_code == 422 and weak.json()["error"] == "invalid_input"
    names = [u["username"] for u in client.get("/api/users", headers=admin).json()]
    assert "rae" in names
    off = client.patch("/api/users/rae", json={"is_active": False}, headers=admin)
    assert off.json()["is_active"] is False


def test_token_sign_in_with_form_or_json_then_logout(client: TestClient, session: Session) -> None:
    user(session, Role.customer_success, username="cass")
    form = client.post("/api/auth/token", data={"username": "cass", "password": HELPER_PASSWORD})
    assert form.status_code == 200
    token = form.json()["access_token"]
    assert token.startswith("ccs_") and form.json()["token_type"] == "bearer"
    as_json = client.post("/api/auth/token", json={"username": "cass", "password": HELPER_PASSWORD})
    assert as_json.status_code == 200
    wrong = client.post("/api/auth/token", json={"username": "cass", "password": "nope"})
    assert wrong.status_code == 401 and wrong.json()["message"] == "wrong username or password"
    assert client.post("/api/auth/token", json={"username": "cass"}).status_code == 422

    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).json()["role"] == "customer_success"
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/me", headers=headers).status_code == 401


def test_cookie_sign_in_and_sign_out(client: TestClient, session: Session) -> None:
    user(session, Role.reviewer, username="rob")
    response = client.post("/api/auth/login", data={"username": "rob", "password": HELPER_PASSWORD})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=ccs_" in cookie
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    token = client.cookies[SESSION_COOKIE]
    assert client.get("/api/me").json()["username"] == "rob"

    out = client.post("/api/auth/logout")
    assert out.status_code == 204
    assert 'callcredit_session=""' in out.headers["set-cookie"]
    assert client.get("/api/me").status_code == 401
    # The server ended the session: replaying the old cookie does not sign back in.
    client.cookies.set(SESSION_COOKIE, token)
    assert client.get("/api/me").status_code == 401


def test_logout_with_an_api_key_is_refused(client: TestClient, session: Session) -> None:
    headers = staff_headers(session)
    response = client.post("/api/auth/logout", headers=headers)
    assert response.status_code == 422 and "revoke" in response.json()["message"]


def test_error_answers_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"401", "403", "409", "422"} <= set(paths["/api/users"]["post"]["responses"])
    assert {"401", "403", "404"} <= set(
        paths["/api/businesses/{business_id}/keys/{key_id}"]["delete"]["responses"]
    )
    token_body = paths["/api/auth/token"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(token_body)
