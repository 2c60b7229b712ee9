"""Web pages: sign-in and sign-out, role navigation, CSRF, error pages, recordings with Range."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update
from sqlmodel import Session

from callcredit.config import Settings
from callcredit.database import utcnow
from callcredit.identity.models import Role, SessionToken
from tests.web_helpers import Web, add_user, ingest_call, web_app


@pytest.fixture
def web(settings: Settings) -> Iterator[Web]:
    """Return a TestClient on a fresh app."""
    with web_app(settings) as made:
        yield made


def test_a_signed_out_browser_is_sent_to_sign_in_with_a_return_url(web: Web) -> None:
    answer = web.page("/queue?status=ready")
    assert answer.status_code == 303
    target = urlsplit(answer.headers["location"])
    assert target.path == "/signin"
    assert parse_qs(target.query) == {"next": ["/queue?status=ready"]}
    assert web.page("/").headers["location"] == "/signin"


def test_sign_in_goes_to_the_page_asked_for_or_the_role_start_page(web: Web) -> None:
    add_user(web.engine, "riley", Role.reviewer)
    add_user(web.engine, "casey", Role.customer_success)
    ingest_call(web.engine, web.settings, "c01")
    add_user(web.engine, "rapid", Role.business, "rapid-rooter-sac")
    assert web.sign_in("riley", next_url="/dashboard").headers["location"] == "/dashboard"
    assert web.sign_in("riley").headers["location"] == "/queue"
    assert web.sign_in("casey").headers["location"] == "/support"
    answer = web.sign_in("rapid", next_url="https://evil.example/")
    assert answer.headers["location"] == "/portal"
    assert "httponly" in answer.headers["set-cookie"].lower()
    assert "samesite=lax" in answer.headers["set-cookie"].lower()


def test_a_wrong_password_shows_the_form_again_with_the_name_kept(web: Web) -> None:
    add_user(web.engine, "riley", Role.reviewer)
    answer = web.sign_in("riley", password="not the password")
    assert answer.status_code == 422
    assert 'value="riley"' in answer.text
    assert "Wrong username or password." in answer.text
    assert "not the password" not in answer.text


def test_sign_in_without_the_csrf_token_is_refused(web: Web) -> None:
    add_user(web.engine, "riley", Role.reviewer)
    answer = web.client.post(
        "/signin", data={"username": "riley", "password": "x" * 12}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert "expired or was sent from another site" in answer.text
    assert 'value="riley"' in answer.text


def test_navigation_follows_the_role(web: Web) -> None:
    ingest_call(web.engine, web.settings, "c01")
    for username, role, business, shown, hidden in (
        ("riley", Role.reviewer, None, ["/queue", "/dashboard"], ["/support", "/portal"]),
        ("casey", Role.customer_success, None, ["/support", "/dashboard"], ["/queue"]),
        ("alex", Role.admin, None, ["/queue", "/support", "/dashboard"], ["/portal"]),
        ("rapid", Role.business, "rapid-rooter-sac", ["/portal"], ["/queue", "/dashboard"]),
    ):
        web.session_for(add_user(web.engine, username, role, business))
        page = web.client.get("/", headers={"accept": "text/html"})
        assert page.status_code == 200
        nav = page.text.split('class="mainnav"')[1].split("</nav>")[0]
        for href in shown:
            assert f'href="{href}"' in nav, (username, href)
        for href in hidden:
            assert f'href="{href}"' not in nav, (username, href)


def test_a_page_for_another_role_is_a_403_page_with_a_way_on(web: Web) -> None:
    ingest_call(web.engine, web.settings, "c01")
    web.session_for(add_user(web.engine, "rapid", Role.business, "rapid-rooter-sac"))
    answer = web.page("/queue")
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "This page is for reviewers" in answer.text
    assert 'href="/portal"' in answer.text


def test_an_expired_session_goes_to_sign_in_with_a_message_and_comes_back(web: Web) -> None:
    web.session_for(add_user(web.engine, "riley", Role.reviewer))
    assert web.page("/queue").status_code == 200
    with Session(web.engine) as session:
        session.execute(update(SessionToken).values(expires_at=utcnow() - timedelta(minutes=1)))
        session.commit()
    answer = web.page("/queue")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin?next=%2Fqueue&expired=1"
    page = web.page(answer.headers["location"])
    assert "Your session has ended or expired" in page.text
    assert 'name="next" value="/queue"' in page.text
    again = web.post(
        "/signin",
        {"username": "riley", "password": "correct horse battery staple", "next": "/queue"},
    )
    assert again.headers["location"] == "/queue"


def test_sign_out_ends_the_session(web: Web) -> None:
    web.session_for(add_user(web.engine, "riley", Role.reviewer))
    token = web.csrf("/queue")
    answer = web.client.post("/signout", data={"csrf_token": token}, follow_redirects=False)
    assert answer.headers["location"] == "/signin"
    assert web.page("/queue").status_code == 303


def test_forms_without_the_session_csrf_token_change_nothing(web: Web) -> None:
    web.session_for(add_user(web.engine, "riley", Role.reviewer))
    forged = web.client.post(
        "/queue/next", data={"csrf_token": "forged"}, headers={"accept": "text/html"}
    )
    assert forged.status_code == 403
    assert "reload the page" in forged.text
    other_site = web.client.post(
        "/queue/next",
        data={"csrf_token": web.csrf("/queue")},
        headers={"accept": "text/html", "origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert other_site.status_code == 403
    assert web.post("/queue/next", {}, token_from="/queue").status_code == 303


def test_errors_are_pages_not_stack_traces(web: Web) -> None:
    web.session_for(add_user(web.engine, "riley", Role.reviewer))
    missing = web.page("/review/999")
    assert missing.status_code == 404
    assert "No credit request #999" in missing.text
    assert "Traceback" not in missing.text
    assert web.page("/no-such-page").status_code == 404
    api = web.client.get("/api/credit-requests/999")
    assert api.headers["content-type"].startswith("application/json")


def test_pages_send_security_headers(web: Web) -> None:
    answer = web.page("/signin")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert web.client.get("/static/app.css").status_code == 200
    assert web.client.get("/static/review.js").status_code == 200


def test_recordings_answer_range_requests_for_staff_and_the_owner_only(web: Web) -> None:
    call = ingest_call(web.engine, web.settings, "c01")
    size = (web.settings.recordings_dir / call.recording_path).stat().st_size
    assert web.client.get("/recordings/c01").status_code == 401
    web.session_for(add_user(web.engine, "riley", Role.reviewer))
    whole = web.client.get("/recordings/c01")
    assert whole.status_code == 200
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-type"] == "audio/wav"
    assert len(whole.content) == size
    part = web.client.get("/recordings/c01", headers={"range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-1099/{size}"
    assert part.content == whole.content[100:1100]
    tail = web.client.get("/recordings/c01", headers={"range": "bytes=-500"})
    assert tail.status_code == 206 and tail.content == whole.content[-500:]
    beyond = web.client.get("/recordings/c01", headers={"range": f"bytes={size + 10}-"})
    assert beyond.status_code == 416
    ingest_call(web.engine, web.settings, "c04")
    web.session_for(add_user(web.engine, "rapid", Role.business, "rapid-rooter-sac"))
    assert web.client.get("/recordings/c01", headers={"range": "bytes=0-9"}).status_code == 206
    assert web.client.get("/recordings/c04").status_code == 404
