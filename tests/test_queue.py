"""The one review queue: FIFO, leases, concurrent claims, expiry, listing and filters."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from callcredit.config import Settings
from callcredit.credits import queue
from callcredit.credits import service as credits
from callcredit.credits.models import CreditRequest, ReasonCode, RequestStatus
from callcredit.database import init_db, make_engine, utcnow
from callcredit.exceptions import Conflict
from callcredit.identity.models import Role
from tests import factories
from tests.auth_helpers import business_headers, staff_headers
from tests.credits_helpers import (
    claim_next,
    create_request,
    make_ready,
    ready_requests,
    recent_call,
)


def _engine(url: str) -> Engine:
    engine = make_engine(url)
    init_db(engine)
    return engine


def _expire_lease(engine: Engine, request_id: int) -> None:
    with Session(engine, expire_on_commit=False) as session:
        session.execute(
            update(CreditRequest)
            .where(CreditRequest.id == request_id)  # type: ignore[arg-type]
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
        session.commit()


def test_claims_follow_submission_order(any_db_url: str) -> None:
    engine = _engine(any_db_url)
    ids = ready_requests(engine, 4)
    with Session(engine, expire_on_commit=False) as session:
        claimed = [claim_next(session, f"r{i}") for i in range(5)]
    assert [r.id if r else None for r in claimed] == [*ids, None]
    engine.dispose()


def test_concurrent_reviewers_never_get_the_same_request(any_db_url: str) -> None:
    engine = _engine(any_db_url)
    ids = ready_requests(engine, 30)
    barrier = Barrier(6)

    def drain(worker: int) -> list[int]:
        taken: list[int] = []
        barrier.wait()
        while True:
            with Session(engine, expire_on_commit=False) as session:
                request = claim_next(session, f"r{worker}")
            if request is None:
                return taken
            assert request.id is not None
            taken.append(request.id)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(drain, range(6)))
    every = [request_id for taken in results for request_id in taken]
    assert sorted(every) == ids, "each request claimed exactly once"
    engine.dispose()


def test_expired_lease_returns_the_request_to_its_place(any_db_url: str) -> None:
    engine = _engine(any_db_url)
    first, _second = ready_requests(engine, 2)
    with Session(engine, expire_on_commit=False) as session:
        taken = claim_next(session, "slow")
        assert taken is not None and taken.id == first
    _expire_lease(engine, first)
    with Session(engine, expire_on_commit=False) as session:
        again = claim_next(session, "other")
        # The expired request is older than the second one, so it comes first again.
        assert again is not None and again.id == first and again.claimed_by == "other"
    with Session(engine, expire_on_commit=False) as session:
        events = [(e.from_status, e.to_status, e.actor) for e in _history(session, first)]
    assert ("in_review", "ready", "system") in events
    engine.dispose()


def _history(session: Session, request_id: int) -> list:
    from callcredit.audit import service as audit

    return audit.list_for_request(session=session, request_id=request_id)


def test_analysis_failed_is_claimable_and_returns_there(session: Session, engine: Engine) -> None:
    request = create_request(session, recent_call(session, factories.business(session)))
    credits.update_status(
        session=session,
        request=request,
        to=RequestStatus.analysis_failed,
        actor="system",
        values={"analysis_error": "recording could not be decoded"},
    )
    session.commit()
    claimed = claim_next(session, "r")
    assert claimed is not None and claimed.id == request.id
    queue.release(session=session, request=claimed, reviewer="r")
    session.commit()
    assert claimed.status == RequestStatus.analysis_failed
    assert claimed.analysis_error == "recording could not be decoded"


def test_claim_renew_release_over_http(client: TestClient, session: Session) -> None:
    engine = make_engine(client.app.state.settings.database_url)  # type: ignore[attr-defined]
    first, _second = ready_requests(engine, 2)
    alice = staff_headers(session, Role.reviewer, username="alice")
    bob = staff_headers(session, Role.reviewer, username="bob")
    claimed = client.post("/api/queue/claim", headers=alice)
    assert claimed.status_code == 200
    body = claimed.json()
    assert body["id"] == first and body["status"] == "in_review" and body["claimed_by"] == "alice"
    assert body["suggested_explanation"] and body["finding"]["recommendation"] == "approve"
    lease = body["lease_until"]
    # Only the holder may renew or release.
    assert client.post(f"/api/queue/{first}/renew", headers=bob).status_code == 409
    assert client.post(f"/api/queue/{first}/release", headers=bob).status_code == 409
    renewed = client.post(f"/api/queue/{first}/renew", headers=alice)
    assert renewed.status_code == 200 and renewed.json()["lease_until"] > lease
    released = client.post(f"/api/queue/{first}/release", headers=alice)
    assert released.status_code == 200 and released.json()["status"] == "ready"
    # Back in its place: the next claim gets it again, before the second request.
    assert client.post("/api/queue/claim", headers=bob).json()["id"] == first
    engine.dispose()


def test_renewing_an_expired_lease_is_refused(session: Session, engine: Engine) -> None:
    (request_id,) = ready_requests(engine, 1)
    claimed = claim_next(session, "r")
    assert claimed is not None
    _expire_lease(engine, request_id)
    with pytest.raises(Conflict, match="expired"):
        queue.renew(session=session, request=claimed, reviewer="r", lease_seconds=60)


def test_empty_queue_claim_is_204(client: TestClient, session: Session) -> None:
    response = client.post("/api/queue/claim", headers=staff_headers(session, Role.reviewer))
    assert response.status_code == 204


def test_queue_endpoints_need_a_reviewer(client: TestClient, session: Session) -> None:
    biz = factories.business(session)
    for headers in (
        business_headers(session, biz.id),
        staff_headers(session, Role.customer_success),
    ):
        assert client.get("/api/queue", headers=headers).status_code == 403
        assert client.post("/api/queue/claim", headers=headers).status_code == 403
    assert (
        client.post("/api/queue/claim", headers=staff_headers(session, Role.admin)).status_code
        == 204
    )


def test_listing_shows_position_age_sla_and_filters_never_reorder(
    client: TestClient, session: Session, settings: Settings
) -> None:
    biz = factories.business(session)
    now = utcnow()
    reasons = [ReasonCode.spam, ReasonCode.wrong_number, ReasonCode.spam, ReasonCode.job_seeker]
    made = []
    for i, reason in enumerate(reasons):
        call = recent_call(session, biz, hours_ago=72)
        # The first request waits for 50 hours: past the 48-hour SLA.
        submitted = now - timedelta(hours=50 - i)
        made.append(create_request(session, call, reason, submitted_at=submitted))
    make_ready(session, made[0])
    make_ready(session, made[2], recommendation="decline")
    headers = staff_headers(session, Role.reviewer)
    rows = client.get("/api/queue", headers=headers).json()
    assert [(r["position"], r["id"]) for r in rows] == [(i + 1, m.id) for i, m in enumerate(made)]
    top = rows[0]
    assert top["overdue"] is True and rows[3]["overdue"] is False
    assert 50 * 3600 - 60 < top["age_seconds"] < 50 * 3600 + 60
    assert top["recommendation"] == "approve" and top["confidence"] == 0.9
    assert rows[1]["recommendation"] is None and rows[1]["status"] == "received"
    spam = client.get("/api/queue?reason=spam", headers=headers).json()
    assert [(r["position"], r["id"]) for r in spam] == [(1, made[0].id), (3, made[2].id)]
    ready = client.get("/api/queue?status=ready", headers=headers).json()
    assert [r["position"] for r in ready] == [1, 3]
    assert client.get("/api/queue?reason=nope", headers=headers).status_code == 422


def test_no_expediting_order_is_submission_time_only(session: Session, engine: Engine) -> None:
    biz = factories.business(session)
    now = utcnow()
    late_submitted = create_request(
        session, recent_call(session, biz, hours_ago=3), submitted_at=now - timedelta(minutes=1)
    )
    early_submitted = create_request(
        session, recent_call(session, biz, hours_ago=3), submitted_at=now - timedelta(minutes=30)
    )
    # The later request's analysis finishes first and is highly confident; order still holds.
    make_ready(session, late_submitted)
    make_ready(session, early_submitted, recommendation="needs_review")
    first = claim_next(session, "r")
    assert first is not None and first.id == early_submitted.id
