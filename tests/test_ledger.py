"""Decisions move money exactly once: credits, partial credits, reversals, races and retries."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from callcredit.analysis.policy import POLICY_DIR
from callcredit.calls.models import Business
from callcredit.credits import decisions
from callcredit.credits.models import Decision, DecisionCreate, DecisionStage, Outcome
from callcredit.database import init_db, make_engine
from callcredit.exceptions import Conflict
from callcredit.identity.models import Role
from callcredit.ledger.models import EntryKind, LedgerEntry
from callcredit.main import create_app
from callcredit.notifications.models import Notification, NotificationKind
from tests import factories
from tests.auth_helpers import business_headers, staff_headers
from tests.conftest import make_settings
from tests.credits_helpers import POLICY, claim_next, create_request, make_ready, recent_call


def _entries(session: Session, request_id: int) -> list[tuple[str, int]]:
    stmt = select(LedgerEntry).where(LedgerEntry.request_id == request_id).order_by(LedgerEntry.id)  # type: ignore[arg-type]
    entries = [(str(e.kind), e.amount_cents) for e in session.execute(stmt).scalars()]
    session.commit()  # on SQLite even a read holds the write lock until it ends
    return entries


def _balance(session: Session, business_id: str) -> int:
    session.expire_all()
    business = session.get(Business, business_id)
    assert business is not None
    session.commit()
    return business.balance_cents


class Desk:
    """A business with a call, its ready request, and a reviewer who claimed it over HTTP."""

    def __init__(self, client: TestClient, session: Session, billed: int = 4500) -> None:
        self.client, self.session = client, session
        self.biz = factories.business(session, email="desk@biz.test")
        self.call = recent_call(session, self.biz, billed_cents=billed)
        self.request = make_ready(session, create_request(session, self.call))
        self.id = self.request.id
        self.reviewer = staff_headers(session, Role.reviewer, username="rita")
        self.cs = staff_headers(session, Role.customer_success, username="cas")
        claimed = client.post("/api/queue/claim", headers=self.reviewer)
        assert claimed.json()["id"] == self.id

    def decide(self, headers: dict[str, str] | None = None, **body: object):
        return self.client.post(
            f"/api/credit-requests/{self.id}/decision", json=body, headers=headers or self.reviewer
        )

    def re_review(self, note: str = "the business sent new facts"):
        return self.client.post(
            f"/api/credit-requests/{self.id}/re-review", json={"note": note}, headers=self.cs
        )


@pytest.fixture
def desk(client: TestClient, session: Session) -> Desk:
    """Return a claimed request ready for a decision."""
    return Desk(client, session)


def test_approval_credits_the_billed_amount_once(desk: Desk) -> None:
    response = desk.decide(decision="approve")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "approved" and body["decisions"][0]["amount_cents"] == 4500
    assert body["decisions"][0]["explanation"] == body["suggested_explanation"]
    assert _entries(desk.session, desk.id) == [("credit", 4500)]
    assert _balance(desk.session, desk.biz.id) == 4500
    # A retry of the same call is refused and moves no money.
    assert desk.decide(decision="approve").status_code == 409
    assert _entries(desk.session, desk.id) == [("credit", 4500)]
    note = desk.session.execute(
        select(Notification).where(Notification.kind == NotificationKind.decision)
    ).scalar_one()
    assert note.body == body["decisions"][0]["explanation"] and "approved" in note.subject


def test_decline_writes_no_credit_and_tells_why(desk: Desk) -> None:
    why = "The caller booked a visit for Tuesday at 10, so the call is billable."
    response = desk.decide(decision="decline", explanation=why)
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert _entries(desk.session, desk.id) == []
    assert _balance(desk.session, desk.biz.id) == 0
    note = desk.session.execute(
        select(Notification).where(Notification.kind == NotificationKind.decision)
    ).scalar_one()
    assert note.body == why and "declined" in note.subject


def test_partial_approval_within_the_policy_cap(desk: Desk) -> None:
    assert desk.decide(decision="approve", amount_cents=4501).status_code == 422
    assert desk.decide(decision="decline", amount_cents=100).status_code == 422
    response = desk.decide(decision="approve", amount_cents=2000, explanation="Half: one visit.")
    assert response.status_code == 200
    assert _entries(desk.session, desk.id) == [("credit", 2000)]


def test_only_the_lease_holder_decides(desk: Desk) -> None:
    other = staff_headers(desk.session, Role.reviewer, username="otto")
    assert desk.decide(other, decision="approve").status_code == 409
    assert desk.decide(desk.cs, decision="approve").status_code == 403
    business = business_headers(desk.session, desk.biz.id)
    assert desk.decide(business, decision="approve").status_code == 403
    assert _entries(desk.session, desk.id) == []


def test_re_review_reverses_an_approval_and_is_final(desk: Desk) -> None:
    assert desk.decide(decision="approve").status_code == 200
    assert desk.re_review().status_code == 200
    assert desk.re_review().status_code == 409  # decided requests get one re-review
    claimed = desk.client.post("/api/queue/claim", headers=desk.reviewer).json()
    assert claimed["id"] == desk.id and claimed["re_review_note"] == "the business sent new facts"
    final = desk.decide(decision="decline", explanation="A real customer after all.")
    assert final.status_code == 200 and final.json()["status"] == "final"
    assert _entries(desk.session, desk.id) == [("credit", 4500), ("reversal", -4500)]
    assert _balance(desk.session, desk.biz.id) == 0
    assert desk.re_review().status_code == 409
    kinds = desk.session.execute(select(Notification.kind)).scalars().all()
    assert {NotificationKind.re_review, NotificationKind.final} <= set(kinds)


def test_re_review_can_credit_a_declined_request(desk: Desk) -> None:
    assert desk.decide(decision="decline").status_code == 200
    assert desk.re_review().status_code == 200
    desk.client.post("/api/queue/claim", headers=desk.reviewer)
    assert desk.decide(decision="approve", reason="job_seeker").status_code == 200
    assert _entries(desk.session, desk.id) == [("re_review_credit", 4500)]
    assert _balance(desk.session, desk.biz.id) == 4500


def test_re_review_needs_customer_success_and_a_decision(desk: Desk) -> None:
    assert desk.re_review().status_code == 409  # still in review, nothing to re-review
    desk.decide(decision="approve")
    for headers in (desk.reviewer, business_headers(desk.session, desk.biz.id)):
        response = desk.client.post(
            f"/api/credit-requests/{desk.id}/re-review", json={"note": "x"}, headers=headers
        )
        assert response.status_code == 403


def test_re_review_queues_by_the_time_it_was_asked(desk: Desk) -> None:
    desk.decide(decision="approve")
    waiting = make_ready(
        desk.session, create_request(desk.session, recent_call(desk.session, desk.biz))
    )
    desk.re_review()
    rows = desk.client.get("/api/queue", headers=desk.reviewer).json()
    assert [r["id"] for r in rows] == [waiting.id, desk.id]
    assert rows[1]["re_review"] is True


def test_billable_reason_is_credited_only_as_an_exception(
    client: TestClient, session: Session
) -> None:
    biz = factories.business(session)
    call = recent_call(session, biz)
    request = make_ready(session, create_request(session, call, "voicemail"), "decline")
    reviewer = staff_headers(session, Role.reviewer)
    detail = client.post("/api/queue/claim", headers=reviewer).json()
    assert detail["id"] == request.id and detail["suggested_decision"] == "decline"
    assert "billable" in detail["suggested_explanation"]
    response = client.post(
        f"/api/credit-requests/{request.id}/decision",
        json={"decision": "approve", "amount_cents": 1000, "explanation": "Goodwill credit."},
        headers=reviewer,
    )
    assert response.status_code == 200
    assert _entries(session, request.id) == [("credit", 1000)]  # type: ignore[arg-type]


@pytest.fixture
def half_policy(tmp_path: Path) -> Path:
    """Write a policy that credits half of the bill for spam."""
    text = (POLICY_DIR / "default.toml").read_text()
    head, _, tail = text.partition("[reasons.spam]")
    tail = tail.replace("credit_share = 1.0", "credit_share = 0.5", 1)
    path = tmp_path / "half.toml"
    path.write_text(head.replace('name = "default"', 'name = "half"') + "[reasons.spam]" + tail)
    return path


@pytest.fixture
def half_client(tmp_path: Path, sqlite_url: str, half_policy: Path) -> Iterator[TestClient]:
    """Return a client on an app that runs the half-credit policy."""
    settings = make_settings(tmp_path, sqlite_url, policy=str(half_policy))
    with TestClient(create_app(settings)) as c:
        yield c


def test_credit_share_of_the_policy_applies(half_client: TestClient, session: Session) -> None:
    desk = Desk(half_client, session, billed=4501)
    assert desk.decide(decision="approve", amount_cents=2300).status_code == 422
    response = desk.decide(decision="approve")
    assert response.status_code == 200 and "50%" in response.json()["decisions"][0]["explanation"]
    assert _entries(session, desk.id) == [("credit", 2250)]  # type: ignore[arg-type]


def test_ledger_and_decisions_are_unique_in_the_database(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    init_db(engine)
    with Session(engine, expire_on_commit=False) as session:
        call = recent_call(session, factories.business(session))
        request = create_request(session, call)
        assert request.id is not None
        entry = {
            "business_id": call.business_id,
            "request_id": request.id,
            "call_id": call.call_id,
            "kind": EntryKind.credit,
            "amount_cents": 4500,
            "created_by": "r",
        }
        session.add(LedgerEntry(**entry))
        session.commit()
        session.add(LedgerEntry(**entry))
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        decision = {
            "request_id": request.id,
            "stage": DecisionStage.initial,
            "outcome": Outcome.approve,
            "reason": "spam",
            "explanation": "x",
            "decided_by": "r",
            "sla_due_at": request.sla_due_at,
        }
        session.add(Decision(**decision))
        session.commit()
        session.add(Decision(**decision))
        with pytest.raises(IntegrityError):
            session.commit()
    engine.dispose()


def _claimed(engine: Engine, reviewer: str) -> int:
    with Session(engine, expire_on_commit=False) as session:
        request = make_ready(
            session, create_request(session, recent_call(session, factories.business(session)))
        )
        claimed = claim_next(session, reviewer)
        assert claimed is not None and claimed.id == request.id
        return request.id


def test_concurrent_approvals_credit_once(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    init_db(engine)
    request_id = _claimed(engine, "rita")
    barrier = Barrier(6)

    def approve(_: int) -> str:
        with Session(engine, expire_on_commit=False) as session:
            from callcredit.credits import service as credits

            request = credits.get(session=session, request_id=request_id)
            # End the read first: on SQLite an open transaction holds the write lock.
            session.commit()
            barrier.wait()
            try:
                decisions.create(
                    session=session,
                    request=request,
                    data=DecisionCreate(decision=Outcome.approve),
                    policy=POLICY,
                    reviewer="rita",
                )
                session.commit()
            except Conflict:
                session.rollback()
                return "conflict"
            return "approved"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(approve, range(6)))
    assert sorted(outcomes) == ["approved"] + ["conflict"] * 5
    with Session(engine) as session:
        assert _entries(session, request_id) == [("credit", 4500)]
        request_business = session.execute(select(LedgerEntry.business_id)).scalar_one()
        assert _balance(session, request_business) == 4500
    engine.dispose()
