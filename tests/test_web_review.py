"""The queue and review pages: FIFO with fixed positions, Review next, decisions, the lease."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import Session

from callcredit.calls.models import Business
from callcredit.config import Settings
from callcredit.credits import service as credits
from callcredit.credits.models import CreditRequest, RequestStatus
from callcredit.database import utcnow
from callcredit.identity.models import Role
from callcredit.ledger import service as ledger
from tests.conftest import make_settings
from tests.web_helpers import Web, add_user, ready_request, web_app


@pytest.fixture
def web(settings: Settings) -> Iterator[Web]:
    """Return a TestClient on a fresh app with a reviewer signed in."""
    with web_app(settings) as made:
        made.session_for(add_user(made.engine, "riley", Role.reviewer))
        yield made


def _rows(html: str) -> list[tuple[str, str]]:
    """Return (position, call ID) of each queue row."""
    return re.findall(
        r'<td class="num pos">(\d+)</td>\s*<td><a href="/review/\d+" class="mono">(\w+)', html
    )


def _request(web: Web, request_id: int) -> CreditRequest:
    with Session(web.engine) as session:
        return credits.get(session=session, request_id=request_id)


def test_the_queue_is_fifo_and_filters_keep_the_positions(web: Web) -> None:
    ready_request(web.engine, web.settings, "c01", minutes_ago=90)
    ready_request(web.engine, web.settings, "c24", minutes_ago=60)
    ready_request(web.engine, web.settings, "c34", minutes_ago=30)
    page = web.page("/queue")
    assert _rows(page.text) == [("1", "c01"), ("2", "c24"), ("3", "c34")]
    assert "Decline" in page.text and "Approve" in page.text  # the recommendation badges
    assert "due in 1d" in page.text
    filtered = web.page("/queue?reason=no_intent")
    assert _rows(filtered.text) == [("2", "c24")]
    assert _rows(web.page("/queue?status=in_review").text) == []


def test_overdue_requests_are_marked(web: Web) -> None:
    request_id = ready_request(web.engine, web.settings, "c01")
    with Session(web.engine) as session:
        session.execute(
            update(CreditRequest)
            .where(CreditRequest.id == request_id)
            .values(sla_due_at=utcnow() - timedelta(hours=3))
        )
        session.commit()
    page = web.page("/queue").text
    assert 'class="row-overdue"' in page
    assert re.search(r'class="sla overdue"[^>]*>overdue 3h', page)


def test_review_next_claims_the_oldest_and_shows_everything_to_decide(web: Web) -> None:
    first = ready_request(web.engine, web.settings, "c01", minutes_ago=90)
    ready_request(web.engine, web.settings, "c24", minutes_ago=30)
    answer = web.post("/queue/next", {}, token_from="/queue")
    assert answer.headers["location"] == f"/review/{first}"
    held = _request(web, first)
    assert (held.status, held.claimed_by) == (RequestStatus.in_review, "riley")
    page = web.page(f"/review/{first}").text
    for fact in ("Rapid Rooter Plumbing", "Plumbing", "+19165550101", "0:26", "$45.00"):
        assert fact in page
    assert "Only wanted prices, did not book" in page  # the business's note
    assert '<audio id="player"' in page and 'src="/recordings/c01"' in page
    assert f'data-renew-url="/review/{first}/lease"' in page
    # Evidence is marked in the transcript and listed beside it, with its start time.
    assert re.search(r'<mark class="ev stance-supports" data-ev="0" data-start="3.71"', page)
    assert re.search(r'class="snippet stance-supports" data-ev="0" data-start="3.71"', page)
    # The explanation is prefilled from the policy's decline template and the evidence.
    assert "Call c01 stays billed: under the Pay per call policy" in page
    texts = json.loads(re.search(r'id="explanations">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    assert set(texts["spam"]) == {"approve", "decline", "partial"}
    # A second Review next goes back to the request the reviewer holds.
    again = web.post("/queue/next", {}, token_from="/queue")
    assert again.headers["location"] == f"/review/{first}"


def test_approving_through_the_form_credits_the_business_once(web: Web) -> None:
    request_id = ready_request(web.engine, web.settings, "c24")
    web.post("/queue/next", {}, token_from="/queue")
    page = web.page(f"/review/{request_id}").text
    prefilled = re.search(r'<textarea id="explanation"[^>]*>(.*?)</textarea>', page, re.S)
    assert prefilled is not None
    form = {"outcome": "approve", "reason": "no_intent", "explanation": prefilled.group(1)}
    answer = web.post(f"/review/{request_id}/decision", form, token_from=f"/review/{request_id}")
    assert answer.status_code == 303 and answer.headers["location"] == "/queue"
    assert "credited" in web.page("/queue").text
    assert _request(web, request_id).status == RequestStatus.approved
    with Session(web.engine) as session:
        assert ledger.get_net_for_request(session=session, request_id=request_id) == 4500
        assert session.get(Business, "rapid-rooter-sac").balance_cents == 4500  # type: ignore[union-attr]


def test_a_partial_credit_uses_the_amount_typed(web: Web) -> None:
    request_id = ready_request(web.engine, web.settings, "c24")
    web.post("/queue/next", {}, token_from="/queue")
    form = {"outcome": "partial", "reason": "no_intent", "amount": "12.50", "explanation": ""}
    web.post(f"/review/{request_id}/decision", form, token_from=f"/review/{request_id}")
    with Session(web.engine) as session:
        assert ledger.get_net_for_request(session=session, request_id=request_id) == 1250


def test_a_bad_amount_shows_the_form_again_with_what_was_typed(web: Web) -> None:
    request_id = ready_request(web.engine, web.settings, "c24")
    web.post("/queue/next", {}, token_from="/queue")
    form = {"outcome": "partial", "reason": "no_intent", "amount": "99", "explanation": "Mine."}
    answer = web.post(f"/review/{request_id}/decision", form, token_from=f"/review/{request_id}")
    assert answer.status_code == 422
    assert "more than this reason allows" in answer.text
    assert 'value="99"' in answer.text and ">Mine.</textarea>" in answer.text
    assert _request(web, request_id).status == RequestStatus.in_review


def test_a_lost_lease_keeps_the_typed_decision_and_says_what_happened(web: Web) -> None:
    request_id = ready_request(web.engine, web.settings, "c24")
    web.post("/queue/next", {}, token_from="/queue")
    token = web.csrf(f"/review/{request_id}")
    with Session(web.engine) as session:
        session.execute(
            update(CreditRequest)
            .where(CreditRequest.id == request_id)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    renew = web.client.post(
        f"/review/{request_id}/lease",
        headers={"x-csrf-token": token, "accept": "application/json"},
    )
    assert renew.status_code == 409 and renew.json()["error"] == "conflict"
    form = {
        "csrf_token": token,
        "outcome": "decline",
        "reason": "no_intent",
        "explanation": "My own careful words.",
    }
    answer = web.client.post(
        f"/review/{request_id}/decision", data=form, headers={"accept": "text/html"}
    )
    assert answer.status_code == 409
    assert "Not saved." in answer.text and "expired" in answer.text
    assert "My own careful words." in answer.text


def test_the_lease_is_renewed_and_can_be_given_back(web: Web) -> None:
    request_id = ready_request(web.engine, web.settings, "c24")
    web.post("/queue/next", {}, token_from="/queue")
    before = _request(web, request_id).lease_until
    token = web.csrf(f"/review/{request_id}")
    renew = web.client.post(f"/review/{request_id}/lease", headers={"x-csrf-token": token})
    assert renew.status_code == 200
    assert renew.json()["lease_until"] >= before.isoformat()  # type: ignore[union-attr]
    assert web.client.post(f"/review/{request_id}/lease").status_code == 403  # no token
    back = web.post(f"/review/{request_id}/release", {}, token_from=f"/review/{request_id}")
    assert back.headers["location"] == "/queue"
    assert _request(web, request_id).status == RequestStatus.ready


def test_a_request_not_held_is_shown_without_the_decision_form(web: Web) -> None:
    request_id = ready_request(web.engine, web.settings, "c24")
    page = web.page(f"/review/{request_id}").text
    assert "without holding it" in page
    assert 'id="decision-form"' not in page
    assert 'id="lease"' not in page


def test_review_next_with_nothing_ready_says_so(web: Web) -> None:
    answer = web.post("/queue/next", {}, token_from="/queue")
    assert answer.headers["location"] == "/queue"
    assert "Nothing is waiting for review right now." in web.page("/queue").text


def test_review_next_and_a_decision_on_both_databases(tmp_path: Path, any_db_url: str) -> None:
    with web_app(make_settings(tmp_path, any_db_url)) as web:
        web.session_for(add_user(web.engine, "riley", Role.reviewer))
        first = ready_request(web.engine, web.settings, "c24", minutes_ago=20)
        ready_request(web.engine, web.settings, "c34", minutes_ago=10)
        assert _rows(web.page("/queue?reason=job_seeker").text) == [("2", "c34")]
        assert web.post("/queue/next", {}, "/queue").headers["location"] == f"/review/{first}"
        form = {"outcome": "decline", "reason": "no_intent", "explanation": "Someone spoke."}
        answer = web.post(f"/review/{first}/decision", form, token_from=f"/review/{first}")
        assert answer.headers["location"] == "/queue"
        assert _request(web, first).status == RequestStatus.declined
        assert "Someone spoke." in web.page(f"/review/{first}").text
