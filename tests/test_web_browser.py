"""The pages in a real browser (Debian's Chromium driven by Playwright) on a live server.

A business asks for a credit, a reviewer takes it with Review next, plays the evidence and
approves, the business sees the decision and its balance, customer success finds the call by
caller number and re-reviews it; two reviewers never hold the same request; a lost lease is
shown at once. The queue and review screenshots in docs/ are taken here
(CALLCREDIT_SCREENSHOTS=docs writes them there; otherwise to a temporary folder).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from callcredit.analysis import load_policy
from callcredit.config import Settings
from callcredit.credits import decisions, queue
from callcredit.credits import service as credits
from callcredit.credits.models import CreditRequest, DecisionCreate, Outcome, RequestStatus
from callcredit.database import utcnow
from callcredit.identity.models import Role, SessionToken
from callcredit.main import create_app
from tests.web_helpers import (
    PASSWORD,
    add_user,
    analyze,
    ingest_call,
    live_server,
    ready_request,
    submit,
)

playwright_api = pytest.importorskip("playwright.sync_api")
Browser = playwright_api.Browser
Page = playwright_api.Page
expect = playwright_api.expect

DOCS = Path(__file__).resolve().parent.parent / "docs"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",
    "--autoplay-policy=no-user-gesture-required",
]
VIEWPORT = {"width": 1360, "height": 900}


def _chromium() -> str:
    found = os.environ.get("CALLCREDIT_CHROMIUM") or shutil.which("chromium") or ""
    if not found:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: Debian's chromium is not installed")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Return Debian's Chromium, headless, driven by Playwright."""
    executable = _chromium()
    with playwright_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Live:
    """A live server on a fresh database."""

    url: str
    engine: Engine
    settings: Settings
    browser: Browser

    def page(self, username: str, path: str = "/") -> Page:
        """Open a new browser context signed in as the user, at the given page."""
        context = self.browser.new_context(viewport=VIEWPORT, base_url=self.url)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(f"/signin?next={path}")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    def request(self, request_id: int) -> CreditRequest:
        """Return a request as stored now."""
        with Session(self.engine) as session:
            return credits.get(session=session, request_id=request_id)


@pytest.fixture
def live(settings: Settings, browser: Browser) -> Iterator[Live]:
    """Return a live server with a reviewer, a second reviewer and customer success."""
    app = create_app(settings)
    engine = app.state.engine
    for username, role in (("riley", Role.reviewer), ("sam", Role.reviewer)):
        add_user(engine, username, role)
    add_user(engine, "casey", Role.customer_success)
    with live_server(app) as url:
        yield Live(url, engine, settings, browser)


def _near(start: float) -> str:
    """Return a page condition: the player is at the snippet's start (playing on from it)."""
    at = "document.getElementById('player').currentTime"
    return f"{at} >= {start - 0.05:.3f} && {at} < {start + 1.5:.3f}"


def _decide_next(live: Live, reviewer: str, outcome: Outcome) -> None:
    """Claim the oldest ready request and decide it through the services."""
    with Session(live.engine, expire_on_commit=False) as session:
        claimed = queue.claim(session=session, reviewer=reviewer, lease_seconds=60)
        session.commit()
        assert claimed is not None
        decisions.create(
            session=session,
            request=claimed,
            data=DecisionCreate(decision=outcome),
            policy=load_policy(live.settings.policy),
            reviewer=reviewer,
        )
        session.commit()


def test_a_credit_from_request_to_decision_to_re_review(live: Live) -> None:
    ingest_call(live.engine, live.settings, "c24")
    add_user(live.engine, "rapid", Role.business, "rapid-rooter-sac")
    business = live.page("rapid")
    business.get_by_role("link", name="Ask for a credit").click()
    business.get_by_label("No intent / dead air").check()
    business.fill("#note", "Nobody on the line.")
    business.get_by_role("button", name="Send the request").click()
    expect(business.locator("#request-state")).to_contain_text("number 1")
    request_id = int(business.url.rsplit("/", 1)[1])
    analyze(live.engine, live.settings, request_id)

    reviewer = live.page("riley")
    assert reviewer.url.endswith("/queue")
    reviewer.click("#review-next")
    reviewer.wait_for_url(f"**/review/{request_id}")
    reviewer.wait_for_function("document.getElementById('player').readyState >= 1")
    snippets = reviewer.locator("button.snippet")
    first_start = float(snippets.nth(0).get_attribute("data-start") or "nan")
    snippets.nth(0).click()
    reviewer.wait_for_function(_near(first_start))
    expect(reviewer.locator('mark[data-ev="0"]').first).to_have_class(re.compile("is-active"))
    if snippets.count() > 1:  # K moves to the next snippet and plays from its start
        second_start = float(snippets.nth(1).get_attribute("data-start") or "nan")
        reviewer.locator("h1").click()
        reviewer.keyboard.press("k")
        reviewer.wait_for_function(_near(second_start))
    reviewer.keyboard.press("a")
    expect(reviewer.locator("input[name=outcome][value=approve]")).to_be_checked()
    expect(reviewer.locator("#submit-decision")).to_be_focused()
    reviewer.keyboard.press("Enter")
    reviewer.wait_for_url("**/queue")
    expect(reviewer.locator(".flash")).to_contain_text("approved: $45.00 credited")
    assert live.request(request_id).status == RequestStatus.approved

    business.reload()
    expect(business.locator(".decision-result h2")).to_contain_text("Credited $45.00")
    expect(business.locator(".decision-result")).to_contain_text("What we heard on the call")
    business.goto("/portal")
    expect(business.locator("#balance")).to_have_text("$45.00")

    support = live.page("casey")
    support.fill("#q", "(916) 555-0124")
    support.press("#q", "Enter")
    support.get_by_role("link", name=f"#{request_id}").click()
    expect(support.locator("#history")).to_contain_text("Approved")
    support.fill("#note", "The caller says someone did speak; please listen again.")
    support.get_by_role("button", name="Re-review").click()
    expect(support.locator(".flash")).to_contain_text("back in the queue for a final review")
    expect(support.locator("#re-review-pending")).to_be_visible()
    assert live.request(request_id).status == RequestStatus.ready


def test_two_reviewers_never_hold_the_same_request(live: Live) -> None:
    ids = [
        ready_request(live.engine, live.settings, c, minutes_ago=m)
        for c, m in (("c24", 30), ("c34", 20), ("c01", 10))
    ]
    riley, sam = live.page("riley"), live.page("sam")
    # Both press Review next at once: the two posts race on the server.
    for page in (riley, sam):
        page.evaluate("document.getElementById('review-next').form.requestSubmit()")
    for page in (riley, sam):
        page.wait_for_url("**/review/*")
    held = {page.url.rsplit("/", 1)[1] for page in (riley, sam)}
    assert held == {str(ids[0]), str(ids[1])}
    owners = {live.request(i).claimed_by for i in ids[:2]}
    assert owners == {"riley", "sam"}
    # Opening the other's request shows it read-only, without a decision form.
    other = next(i for i in ids[:2] if live.request(i).claimed_by == "riley")
    sam.goto(f"/review/{other}")
    expect(sam.locator(".banner-info")).to_contain_text("riley is reviewing this request")
    expect(sam.locator("#decision-form")).to_have_count(0)


def test_a_lost_lease_is_shown_and_blocks_the_decision(live: Live) -> None:
    request_id = ready_request(live.engine, live.settings, "c24")
    reviewer = live.page("riley")
    reviewer.click("#review-next")
    reviewer.wait_for_url(f"**/review/{request_id}")
    expect(reviewer.locator("#lease")).to_contain_text("Yours for")
    with Session(live.engine) as session:
        session.execute(
            update(CreditRequest)
            .where(CreditRequest.id == request_id)
            .values(claimed_by="sam", lease_until=utcnow() + timedelta(minutes=5))
        )
        session.commit()
    reviewer.evaluate("window.dispatchEvent(new Event('focus'))")  # renews at once
    expect(reviewer.locator("#lease-lost")).to_be_visible()
    expect(reviewer.locator("#submit-decision")).to_be_disabled()


def test_an_expired_session_signs_in_again_and_returns(live: Live) -> None:
    reviewer = live.page("riley", "/dashboard")
    assert reviewer.url.endswith("/dashboard")
    with Session(live.engine) as session:
        session.execute(update(SessionToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    reviewer.reload()
    expect(reviewer.locator(".banner-warn")).to_contain_text("Your session has ended or expired")
    reviewer.fill("#password", PASSWORD)
    reviewer.fill("#username", "riley")
    reviewer.click("button[type=submit]")
    reviewer.wait_for_url("**/dashboard")


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Return where screenshots go: docs/ when CALLCREDIT_SCREENSHOTS=docs, else a temp dir."""
    # Writing docs/ on every run would leave a clean checkout dirty after each test run.
    return DOCS if os.environ.get("CALLCREDIT_SCREENSHOTS") == "docs" else tmp_path


def test_screenshots_of_the_queue_and_review_pages(live: Live, shots: Path) -> None:
    for minutes, call_id in enumerate(("c01", "c02", "c11", "c24", "c34", "c04", "c18", "c14")):
        ready_request(live.engine, live.settings, call_id, minutes_ago=600 - minutes * 55)
    ingest_call(live.engine, live.settings, "c09")
    submit(live.engine, "c09", minutes_ago=20)
    with Session(live.engine) as session:  # one request past its SLA, shown in red
        session.execute(
            update(CreditRequest)
            .where(CreditRequest.call_id == "c01")
            .values(sla_due_at=utcnow() - timedelta(hours=2))
        )
        session.commit()
    shots.mkdir(exist_ok=True)
    reviewer = live.page("riley")
    expect(reviewer.locator("tbody tr")).to_have_count(9)
    reviewer.screenshot(path=str(shots / "queue.png"), full_page=True)
    reviewer.click("#review-next")
    reviewer.wait_for_url("**/review/*")
    reviewer.wait_for_function("document.getElementById('player').readyState >= 1")
    reviewer.locator("button.snippet").nth(0).click()
    reviewer.evaluate("document.getElementById('player').pause()")
    reviewer.evaluate("window.scrollTo(0, 0)")
    reviewer.screenshot(path=str(shots / "review.png"), full_page=True)
    ingest_call(live.engine, live.settings, "c10", hours_ago=3)  # not asked about yet
    for outcome in (Outcome.decline, Outcome.decline, Outcome.approve):  # c02, c11, c24
        _decide_next(live, "sam", outcome)
    add_user(live.engine, "rapid", Role.business, "rapid-rooter-sac")
    business = live.page("rapid")
    expect(business.locator("#balance")).to_be_visible()
    business.screenshot(path=str(shots / "portal.png"), full_page=True)
    for name in ("queue", "review", "portal"):
        assert (shots / f"{name}.png").stat().st_size > 10_000
