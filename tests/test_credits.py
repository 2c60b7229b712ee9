"""Submitting credit requests: who may, the checks, one request per call, bulk, finding them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from callcredit.credits.models import CreditRequest, ReasonCode
from callcredit.database import init_db, make_engine, utcnow
from callcredit.exceptions import Conflict
from callcredit.identity.models import Role
from callcredit.jobs.models import Job, JobKind
from callcredit.notifications.models import Notification, NotificationKind
from tests import factories
from tests.auth_helpers import business_headers, staff_headers
from tests.credits_helpers import create_request, recent_call, submit


def test_business_submits_for_its_own_call(client: TestClient, session: Session) -> None:
    biz = factories.business(session, email="owner@biz.test")
    call = recent_call(session, biz)
    response = submit(client, business_headers(session, biz.id), call.call_id, "spam", "robocall")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "received" and body["queue_position"] == 1
    assert body["call_id"] == call.call_id and body["note"] == "robocall"
    # The analysis is a job, not inline work; the receipt is in the outbox.
    job = session.execute(select(Job)).scalar_one()
    assert (job.kind, job.subject_id) == (JobKind.analyze, body["id"])
    note = session.execute(select(Notification)).scalar_one()
    assert note.kind == NotificationKind.receipt and note.request_id == body["id"]
    assert call.call_id in note.subject


def test_queue_position_counts_older_open_requests(client: TestClient, session: Session) -> None:
    biz = factories.business(session)
    headers = business_headers(session, biz.id)
    positions = [
        submit(client, headers, recent_call(session, biz).call_id).json()["queue_position"]
        for _ in range(3)
    ]
    assert positions == [1, 2, 3]


def test_another_business_call_is_404_not_403(client: TestClient, session: Session) -> None:
    mine, theirs = factories.business(session), factories.business(session)
    their_call = recent_call(session, theirs)
    response = submit(client, business_headers(session, mine.id), their_call.call_id)
    assert response.status_code == 404
    missing = submit(client, business_headers(session, mine.id), "no-such-call")
    assert missing.status_code == 404
    # Same answer for both: nothing tells one business the other's call IDs exist.
    assert response.json()["message"].replace(their_call.call_id, "X") == missing.json()[
        "message"
    ].replace("no-such-call", "X")


@pytest.mark.parametrize("role", [Role.reviewer, Role.customer_success, Role.admin])
def test_staff_cannot_submit(client: TestClient, session: Session, role: Role) -> None:
    call = recent_call(session, factories.business(session))
    response = submit(client, staff_headers(session, role), call.call_id)
    assert response.status_code == 403


def test_anonymous_is_401(client: TestClient, session: Session) -> None:
    call = recent_call(session, factories.business(session))
    assert submit(client, {}, call.call_id).status_code == 401
    assert client.get("/api/credit-requests").status_code == 401


def test_late_request_is_422_naming_the_deadline(client: TestClient, session: Session) -> None:
    biz = factories.business(session)
    old = recent_call(session, biz, hours_ago=4 * 24 + 1)
    response = submit(client, business_headers(session, biz.id), old.call_id)
    assert response.status_code == 422
    deadline = (old.called_at + timedelta(days=4)).isoformat()
    assert deadline in response.json()["message"]
    assert response.json()["details"]["deadline"] == deadline
    just_in_time = recent_call(session, biz, hours_ago=4 * 24 - 1)
    assert (
        submit(client, business_headers(session, biz.id), just_in_time.call_id).status_code == 201
    )


def test_second_request_for_a_call_is_409_naming_the_first(
    client: TestClient, session: Session
) -> None:
    biz = factories.business(session)
    call = recent_call(session, biz)
    headers = business_headers(session, biz.id)
    first = submit(client, headers, call.call_id).json()
    again = submit(client, headers, call.call_id, "wrong_number")
    assert again.status_code == 409
    assert f"#{first['id']}" in again.json()["message"]
    assert again.json()["details"]["existing_id"] == first["id"]


@pytest.mark.parametrize(
    ("reason", "note", "field"),
    [("not_a_reason", "", "reason"), ("spam", "x" * 2001, "note"), ("", "", "reason")],
)
def test_bad_reason_or_long_note_is_422(
    client: TestClient, session: Session, reason: str, note: str, field: str
) -> None:
    biz = factories.business(session)
    call = recent_call(session, biz)
    response = submit(client, business_headers(session, biz.id), call.call_id, reason, note)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input" and field in response.json()["message"]


def test_note_of_exactly_2000_characters_is_fine(client: TestClient, session: Session) -> None:
    biz = factories.business(session)
    call = recent_call(session, biz)
    note = "n" * 2000
    response = submit(client, business_headers(session, biz.id), call.call_id, "other", note)
    assert response.status_code == 201 and response.json()["note"] == note


def test_every_design_reason_code_is_accepted() -> None:
    from callcredit.analysis import REASON_CODES

    assert {r.value for r in ReasonCode} == set(REASON_CODES)


def test_bulk_answers_each_row_on_its_own(client: TestClient, session: Session) -> None:
    biz, other = factories.business(session), factories.business(session)
    good, dup = recent_call(session, biz), recent_call(session, biz)
    late = recent_call(session, biz, hours_ago=24 * 5)
    theirs = recent_call(session, other)
    items = [
        {"call_id": good.call_id, "reason": "spam"},
        {"call_id": dup.call_id, "reason": "wrong_number", "note": "meant the pharmacy"},
        {"call_id": dup.call_id, "reason": "spam"},
        {"call_id": late.call_id, "reason": "spam"},
        {"call_id": theirs.call_id, "reason": "spam"},
        {"call_id": good.call_id, "reason": "bogus"},
        {"call_id": "", "reason": "spam"},
    ]
    response = client.post(
        "/api/credit-requests/bulk",
        json={"items": items},
        headers=business_headers(session, biz.id),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["status"] for r in body["results"]] == [201, 201, 409, 422, 404, 422, 422]
    assert (body["created"], body["failed"]) == (2, 5)
    assert [r["queue_position"] for r in body["results"][:2]] == [1, 2]
    assert (
        body["results"][3]["error"] == "invalid_input" and "due by" in body["results"][3]["message"]
    )
    count = session.execute(select(func.count()).select_from(CreditRequest)).scalar_one()
    assert count == 2


def test_bulk_is_bounded(client: TestClient, session: Session) -> None:
    biz = factories.business(session)
    items = [{"call_id": f"c{i}", "reason": "spam"} for i in range(501)]
    headers = business_headers(session, biz.id)
    response = client.post("/api/credit-requests/bulk", json={"items": items}, headers=headers)
    assert response.status_code == 422


def test_business_lists_and_reads_only_its_own(client: TestClient, session: Session) -> None:
    mine, theirs = factories.business(session), factories.business(session)
    own = create_request(session, recent_call(session, mine))
    other = create_request(session, recent_call(session, theirs))
    headers = business_headers(session, mine.id)
    listed = client.get("/api/credit-requests", headers=headers).json()
    assert [r["id"] for r in listed] == [own.id]
    filtered = client.get(f"/api/credit-requests?call_id={other.call_id}", headers=headers)
    assert filtered.json() == []
    assert client.get(f"/api/credit-requests/{own.id}", headers=headers).status_code == 200
    for path in ("", "/history"):
        response = client.get(f"/api/credit-requests/{other.id}{path}", headers=headers)
        assert response.status_code == 404


def test_business_detail_hides_the_analysis(client: TestClient, session: Session) -> None:
    biz = factories.business(session)
    request = create_request(session, recent_call(session, biz))
    as_business = client.get(
        f"/api/credit-requests/{request.id}", headers=business_headers(session, biz.id)
    ).json()
    assert as_business["suggested_explanation"] is None and as_business["finding"] is None
    as_staff = client.get(
        f"/api/credit-requests/{request.id}", headers=staff_headers(session, Role.reviewer)
    ).json()
    assert as_staff["suggested_explanation"]


def test_customer_success_finds_by_call_id_or_caller_number(
    client: TestClient, session: Session
) -> None:
    biz = factories.business(session)
    a = create_request(session, recent_call(session, biz, caller_number="+19165550001"))
    b = create_request(session, recent_call(session, biz, caller_number="+19165550002"))
    c = create_request(session, recent_call(session, biz, caller_number="+19165550002"))
    headers = staff_headers(session, Role.customer_success)
    by_call = client.get(f"/api/credit-requests?call_id={a.call_id}", headers=headers).json()
    assert [r["id"] for r in by_call] == [a.id]
    by_number = client.get(
        "/api/credit-requests", params={"caller_number": "+19165550002"}, headers=headers
    ).json()
    assert sorted(r["id"] for r in by_number) == sorted([b.id, c.id])


def test_one_request_per_call_is_enforced_by_the_database(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    init_db(engine)
    with Session(engine) as session:
        call = recent_call(session, factories.business(session))
        first = create_request(session, call)
        session.add(
            CreditRequest(
                call_pk=call.id,  # type: ignore[arg-type]
                call_id=call.call_id,
                business_id=call.business_id,
                reason=ReasonCode.spam,
                submitted_by="sneaky",
                submitted_at=utcnow(),
                queued_at=utcnow(),
                sla_due_at=utcnow(),
            )
        )
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        assert session.get(CreditRequest, first.id) is not None
    engine.dispose()


def test_concurrent_submissions_for_one_call_create_one(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    init_db(engine)
    with Session(engine, expire_on_commit=False) as session:
        call = recent_call(session, factories.business(session))
    barrier = Barrier(6)

    def attempt(_: int) -> str:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                create_request(session, call)
            except Conflict:
                return "conflict"
            return "created"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(attempt, range(6)))
    assert sorted(outcomes) == ["conflict"] * 5 + ["created"]
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(CreditRequest)).scalar_one() == 1
        assert session.execute(select(func.count()).select_from(Job)).scalar_one() == 1
    engine.dispose()


def test_error_answers_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    submit_ = paths["/api/credit-requests"]["post"]["responses"]
    assert {"201", "401", "403", "404", "409", "422"} <= set(submit_)
    decide = paths["/api/credit-requests/{request_id}/decision"]["post"]["responses"]
    assert {"401", "403", "404", "409", "422"} <= set(decide)
    assert {"204", "401", "403"} <= set(paths["/api/queue/claim"]["post"]["responses"])
