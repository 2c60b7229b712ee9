"""The business portal, customer success and the dashboard."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlmodel import Session

from callcredit.analysis import load_policy
from callcredit.config import Settings
from callcredit.credits import decisions, queue
from callcredit.credits import service as credits
from callcredit.credits.models import DecisionCreate, Outcome, RequestStatus
from callcredit.identity.models import Role
from tests.web_helpers import Web, add_user, analyze, ingest_call, ready_request, submit, web_app


@pytest.fixture
def web(settings: Settings) -> Iterator[Web]:
    """Return a TestClient on a fresh app."""
    with web_app(settings) as made:
        yield made


def _business(web: Web) -> None:
    ingest_call(web.engine, web.settings, "c24")
    web.session_for(add_user(web.engine, "rapid", Role.business, "rapid-rooter-sac"))


def _decide(web: Web, request_id: int, outcome: Outcome, reviewer: str = "riley") -> None:
    with Session(web.engine, expire_on_commit=False) as session:
        claimed = queue.claim(session=session, reviewer=reviewer, lease_seconds=60)
        session.commit()
        assert claimed is not None and claimed.id == request_id
        decisions.create(
            session=session,
            request=claimed,
            data=DecisionCreate(decision=outcome),
            policy=load_policy("default"),
            reviewer=reviewer,
        )
        session.commit()


def test_the_portal_lists_calls_with_the_days_left_and_the_balance(web: Web) -> None:
    _business(web)
    ingest_call(web.engine, web.settings, "c34", hours_ago=24 * 5)
    page = web.page("/portal").text
    assert "Rapid Rooter Plumbing" in page and 'id="balance">$0.00<' in page
    assert "3 days left" in page
    assert 'href="/portal/calls/c24/credit"' in page
    assert 'href="/portal/calls/c34/credit"' not in page  # past the 4-day window
    assert "closed" in page


def test_asking_for_a_credit_shows_the_reasons_and_joins_the_queue(web: Web) -> None:
    _business(web)
    form = web.page("/portal/calls/c24/credit").text
    assert "The caller said nothing or hung up without asking for anything." in form
    assert form.count('name="reason"') == 10
    answer = web.post(
        "/portal/calls/c24/credit",
        {"reason": "no_intent", "note": "Silence, then a hang-up."},
        token_from="/portal/calls/c24/credit",
    )
    assert answer.status_code == 303
    request_page = web.page(answer.headers["location"]).text
    assert "number 1 in the review queue" in request_page  # the flash
    assert "<strong>number 1</strong> in the queue" in request_page
    assert "Silence, then a hang-up." in request_page


def test_a_late_request_keeps_what_was_typed_and_says_why(web: Web) -> None:
    ingest_call(web.engine, web.settings, "c34", hours_ago=24 * 5)
    web.session_for(add_user(web.engine, "rapid", Role.business, "rapid-rooter-sac"))
    answer = web.post(
        "/portal/calls/c34/credit",
        {"reason": "job_seeker", "note": "He wanted a job."},
        token_from="/portal",
    )
    assert answer.status_code == 422
    assert "too late to ask for a credit" in answer.text
    assert "4 calendar days" in answer.text
    assert ">He wanted a job.</textarea>" in answer.text
    assert re.search(r'value="job_seeker" checked', answer.text)


def test_a_request_without_a_reason_is_shown_again(web: Web) -> None:
    _business(web)
    answer = web.post("/portal/calls/c24/credit", {"note": "kept"}, token_from="/portal")
    assert answer.status_code == 422
    assert "Choose the reason" in answer.text and ">kept</textarea>" in answer.text


def test_the_business_sees_the_decision_its_evidence_and_the_balance(web: Web) -> None:
    _business(web)
    request_id = submit(web.engine, "c24")
    analyze(web.engine, web.settings, request_id)
    _decide(web, request_id, Outcome.approve)
    page = web.page(f"/portal/requests/{request_id}").text
    assert "Credited $45.00" in page
    assert "We credited call c24 (100%)" in page
    assert "What we heard on the call" in page
    assert re.search(r'class="snippet stance-supports" data-start="[\d.]+"', page)
    assert 'id="balance">$45.00<' in web.page("/portal").text


def test_a_business_cannot_open_another_business_request(web: Web) -> None:
    other = ready_request(web.engine, web.settings, "c04")
    _business(web)
    assert web.page(f"/portal/requests/{other}").status_code == 404
    assert web.page("/portal/calls/c04/credit").status_code == 404


def test_customer_success_finds_by_caller_number_and_re_reviews_once(web: Web) -> None:
    request_id = ready_request(web.engine, web.settings, "c24")
    _decide(web, request_id, Outcome.decline)
    web.session_for(add_user(web.engine, "casey", Role.customer_success))
    found = web.page("/support?q=(916) 555-0124").text
    assert f'href="/support/requests/{request_id}"' in found
    assert web.page("/support?q=c24").text.count("/support/requests/") == 1
    assert "No credit request" in web.page("/support?q=+15550000000").text
    detail = web.page(f"/support/requests/{request_id}").text
    for step in ("Received", "Analyzing", "Ready", "In review", "Declined"):
        assert step in detail
    assert "claimed no_intent" in detail  # the audit's why
    empty = web.post(f"/support/requests/{request_id}/re-review", {"note": "  "}, "/support")
    assert empty.status_code == 422 and "Write a note" in empty.text
    done = web.post(
        f"/support/requests/{request_id}/re-review", {"note": "Caller was silent."}, "/support"
    )
    assert done.status_code == 303
    page = web.page(f"/support/requests/{request_id}").text
    assert "Re-review in progress" in page and "Caller was silent." in page
    assert f'action="/support/requests/{request_id}/re-review"' not in page
    _decide(web, request_id, Outcome.approve, reviewer="sam")
    final = web.page(f"/support/requests/{request_id}").text
    assert "This decision is final." in final
    with Session(web.engine) as session:
        assert credits.get(session=session, request_id=request_id).status == RequestStatus.final
    again = web.post(f"/support/requests/{request_id}/re-review", {"note": "Again"}, "/support")
    assert again.status_code == 409 and ">Again</textarea>" not in again.text


def test_the_dashboard_draws_svg_charts_with_numbers(web: Web) -> None:
    approved = ready_request(web.engine, web.settings, "c24", minutes_ago=30)
    declined = ready_request(web.engine, web.settings, "c04", minutes_ago=20)
    ready_request(web.engine, web.settings, "c34", minutes_ago=10)
    _decide(web, approved, Outcome.approve)
    _decide(web, declined, Outcome.decline)
    web.session_for(add_user(web.engine, "casey", Role.customer_success))
    page = web.page("/dashboard?range=7d").text
    assert page.count('<svg class="chart"') == 4
    assert 'id="stat-open">1<' in page
    assert 'id="stat-sla">100%<' in page
    assert "Queue depth over time" in page and "open</title>" in page
    assert "No intent / dead air: 1 approved</title>" in page
    assert "Voicemail or missed call: 1 declined</title>" in page
    assert "Rapid Rooter Plumbing: 100% (1 of 1) approved</title>" in page
    assert "0% (0 of 1)" in page  # Sierra Air, beside its bar
    for key in ("30d", "90d", "all", "nonsense"):
        assert web.page(f"/dashboard?range={key}").status_code == 200
