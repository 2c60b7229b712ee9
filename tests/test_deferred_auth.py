"""Submissions and claims look their caller up in their own transaction: same 401/403/422."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlmodel import Session

from callcredit.credits import service as credits
from callcredit.credits.models import CreditRequest, RequestStatus
from callcredit.identity import service as identity
from callcredit.identity.models import ApiKey, Role, User
from callcredit.notifications.models import Notification, NotificationKind, NotificationStatus
from tests import factories
from tests.auth_helpers import bearer, business_headers, business_user_headers, staff_headers
from tests.credits_helpers import recent_call


@pytest.fixture
def db_url(any_db_url: str) -> str:
    """Run this module on SQLite and on PostgreSQL."""
    return any_db_url


BAD_BODIES = [{}, {"call_id": "c", "reason": "not-a-reason"}, {"call_id": ""}]


@pytest.mark.parametrize("body", BAD_BODIES)
@pytest.mark.parametrize("key", ["cc_unknown", "ccs_unknown", "not-a-key"])
def test_a_bad_key_is_401_before_a_bad_body(client: TestClient, body: dict, key: str) -> None:
    response = client.post("/api/credit-requests", json=body, headers=bearer(key))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("body", BAD_BODIES)
def test_a_wrong_role_is_403_before_a_bad_body(
    client: TestClient, session: Session, body: dict
) -> None:
    response = client.post("/api/credit-requests", json=body, headers=staff_headers(session))
    assert response.status_code == 403 and response.json()["error"] == "forbidden"


def test_a_good_key_with_a_bad_body_is_422(client: TestClient, session: Session) -> None:
    headers = business_headers(session, factories.business(session).id)
    response = client.post("/api/credit-requests", json={"call_id": "c"}, headers=headers)
    assert response.status_code == 422


def test_a_revoked_key_stops_working_at_once(client: TestClient, session: Session) -> None:
    biz = factories.business(session)
    key, secret = identity.create_api_key(session=session, business_id=biz.id)
    session.commit()
    first = recent_call(session, biz)
    assert (
        client.post(
            "/api/credit-requests",
            json={"call_id": first.call_id, "reason": "spam"},
            headers=bearer(secret),
        ).status_code
        == 201
    )
    identity.revoke_api_key(session=session, key_id=key.id)
    session.commit()
    second = recent_call(session, biz)
    response = client.post(
        "/api/credit-requests",
        json={"call_id": second.call_id, "reason": "spam"},
        headers=bearer(secret),
    )
    assert response.status_code == 401
    assert session.execute(select(CreditRequest.call_id)).scalars().all() == [first.call_id]


def test_a_failed_submission_still_records_the_key_use(
    client: TestClient, session: Session
) -> None:
    biz = factories.business(session)
    key, secret = identity.create_api_key(session=session, business_id=biz.id)
    session.commit()
    response = client.post(
        "/api/credit-requests",
        json={"call_id": "missing", "reason": "spam"},
        headers=bearer(secret),
    )
    assert response.status_code == 404
    used = session.execute(select(ApiKey.last_used_at).where(ApiKey.id == key.id)).scalar_one()
    assert used is not None


def test_a_portal_session_token_submits(client: TestClient, session: Session) -> None:
    biz = factories.business(session)
    call = recent_call(session, biz)
    response = client.post(
        "/api/credit-requests",
        json={"call_id": call.call_id, "reason": "spam"},
        headers=business_user_headers(session, biz.id),
    )
    assert response.status_code == 201, response.text


def test_claims_check_the_caller_in_their_transaction(client: TestClient, session: Session) -> None:
    biz = factories.business(session)
    assert client.post("/api/queue/claim").status_code == 401
    assert client.post("/api/queue/claim", headers=bearer("cc_unknown")).status_code == 401
    headers = business_headers(session, biz.id)
    assert client.post("/api/queue/claim", headers=headers).status_code == 403
    reviewer = staff_headers(session, Role.reviewer)
    assert client.post("/api/queue/claim", headers=reviewer).status_code == 204
    # A deactivated reviewer's key stops at once too.
    session.execute(update(User).values(is_active=False))
    session.commit()
    assert client.post("/api/queue/claim", headers=reviewer).status_code == 401


def test_submission_positions_count_open_requests_only(
    client: TestClient, session: Session
) -> None:
    biz = factories.business(session)
    headers = business_headers(session, biz.id)

    def post() -> dict:
        body = {"call_id": recent_call(session, biz).call_id, "reason": "spam"}
        response = client.post("/api/credit-requests", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return response.json()

    first = post()
    assert first["queue_position"] == 1 and first["status"] == "received"
    # A decided request has left the queue: the next one is first again.
    session.execute(
        update(CreditRequest)
        .where(CreditRequest.id == first["id"])  # type: ignore[arg-type]
        .values(status=RequestStatus.approved)
    )
    session.commit()
    second, third = post(), post()
    assert (second["queue_position"], third["queue_position"]) == (1, 2)
    stored = credits.get(session=session, request_id=third["id"])
    assert credits.get_queue_position(session=session, request=stored) == 2
    assert third["submitted_at"] == third["queued_at"] and third["decisions"] == []


@pytest.mark.parametrize("email", ["owner@biz.test", None])
def test_the_receipt_goes_to_the_business_address(
    client: TestClient, session: Session, email: str | None
) -> None:
    biz = factories.business(session, email=email)
    body = {"call_id": recent_call(session, biz).call_id, "reason": "spam"}
    response = client.post(
        "/api/credit-requests", json=body, headers=business_headers(session, biz.id)
    )
    assert response.status_code == 201, response.text
    receipt = session.execute(select(Notification)).scalar_one()
    assert receipt.request_id == response.json()["id"] and receipt.kind == NotificationKind.receipt
    if email:
        assert (receipt.to_address, receipt.status) == (email, NotificationStatus.pending)
    else:
        assert (receipt.to_address, receipt.status) == ("", NotificationStatus.no_address)
