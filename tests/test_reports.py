"""Reports: the summary (status, reason, decision, timing, SLA) and the decisions CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from callcredit.credits import decisions
from callcredit.credits.models import DecisionCreate, Outcome, ReasonCode
from callcredit.database import utcnow
from callcredit.identity.models import Role
from callcredit.reports.service import percentile
from tests import factories
from tests.auth_helpers import business_headers, staff_headers
from tests.credits_helpers import POLICY, claim_next, create_request, make_ready, recent_call


def _decide_next(session: Session, outcome: Outcome, explanation: str | None = None) -> None:
    request = claim_next(session, "rex")
    assert request is not None
    decisions.create(
        session=session,
        request=request,
        data=DecisionCreate(decision=outcome, explanation=explanation),
        policy=POLICY,
        reviewer="rex",
    )
    session.commit()


@pytest.fixture
def history(session: Session) -> dict[str, object]:
    """Five requests: decided after 60 h (late), 20 h and 10 h; one overdue, one fresh."""
    biz = factories.business(session)
    now = utcnow()
    plan = [
        (60, ReasonCode.spam),
        (20, ReasonCode.wrong_number),
        (10, ReasonCode.spam),
        (50, ReasonCode.job_seeker),
        (1, ReasonCode.spam),
    ]
    made = []
    for hours, reason in plan:
        call = recent_call(session, biz, hours_ago=70)
        request = create_request(session, call, reason, submitted_at=now - timedelta(hours=hours))
        made.append(request)
    for request in made[:3]:
        make_ready(session, request)
    _decide_next(session, Outcome.approve)  # the 60-hour one: past its 48-hour SLA
    _decide_next(session, Outcome.decline, "=HYPERLINK(evil) booked a visit")
    _decide_next(session, Outcome.approve)
    return {"now": now, "requests": made}


def test_summary_counts_rates_times_and_sla(
    client: TestClient, session: Session, history: dict[str, object]
) -> None:
    headers = staff_headers(session, Role.admin)
    body = client.get("/api/reports/summary", headers=headers).json()
    assert body["total"] == 5
    assert body["by_status"] == {"approved": 2, "declined": 1, "received": 2}
    assert body["by_reason"] == {"spam": 3, "wrong_number": 1, "job_seeker": 1}
    assert body["by_decision"] == {"approve": 2, "decline": 1}
    assert body["approval_rate"] == pytest.approx(2 / 3, abs=1e-3)
    assert body["median_hours_to_decision"] == pytest.approx(20, abs=0.1)
    assert body["p90_hours_to_decision"] == pytest.approx(60, abs=0.1)
    assert body["sla_compliance"] == pytest.approx(2 / 3, abs=1e-3)
    assert body["decisions_within_sla"] == 2 and body["open_overdue"] == 1


def test_summary_range_is_by_submission_time(
    client: TestClient, session: Session, history: dict[str, object]
) -> None:
    now = history["now"]
    assert isinstance(now, type(utcnow()))
    params = {"from": (now - timedelta(hours=30)).isoformat(), "to": now.isoformat()}
    headers = staff_headers(session, Role.customer_success)
    body = client.get("/api/reports/summary", params=params, headers=headers).json()
    assert body["total"] == 3 and body["by_decision"] == {"decline": 1, "approve": 1}
    assert body["from"] is not None
    naive = client.get(
        "/api/reports/summary", params={"from": "2000-01-01", "to": "2000-01-02"}, headers=headers
    ).json()
    assert naive["total"] == 0 and naive["approval_rate"] is None
    backwards = {"from": now.isoformat(), "to": (now - timedelta(hours=1)).isoformat()}
    assert client.get("/api/reports/summary", params=backwards, headers=headers).status_code == 422


def test_decisions_csv_export(
    client: TestClient, session: Session, history: dict[str, object]
) -> None:
    response = client.get("/api/reports/decisions.csv", headers=staff_headers(session, Role.admin))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["outcome"] for r in rows] == ["approve", "decline", "approve"]
    assert [r["amount_cents"] for r in rows] == ["4500", "0", "4500"]
    assert [r["within_sla"] for r in rows] == ["False", "True", "True"]
    assert rows[0]["decided_by"] == "rex" and rows[0]["stage"] == "initial"
    # Free text never starts a spreadsheet formula.
    assert rows[1]["explanation"].startswith("'=HYPERLINK")


def test_reports_are_for_staff(client: TestClient, session: Session) -> None:
    biz = factories.business(session)
    headers = business_headers(session, biz.id)
    assert client.get("/api/reports/summary", headers=headers).status_code == 403
    assert client.get("/api/reports/decisions.csv", headers=headers).status_code == 403
    assert client.get("/api/reports/summary").status_code == 401


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert percentile([3, 1, 2], 0.5) == 2
