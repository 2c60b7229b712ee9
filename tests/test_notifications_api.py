"""Reading the outbox over HTTP, and ``callcredit notify`` from the shell."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from callcredit.cli import app
from callcredit.identity.models import Role
from callcredit.notifications import service as outbox
from callcredit.notifications.models import Notification, NotificationKind
from tests import factories
from tests.auth_helpers import business_headers, business_user_headers, staff_headers


def _note(session: Session, business_id: str, subject: str) -> Notification:
    message = outbox.OutboxMessage(
        business_id=business_id,
        kind=NotificationKind.receipt,
        subject=subject,
        body="We received your credit request.",
        request_id=5,
    )
    row = outbox.create(session=session, message=message)
    session.commit()
    return row


def test_business_reads_only_its_own(client: TestClient, session: Session) -> None:
    mine = factories.business(session, email="me@a.test")
    theirs = factories.business(session)
    own = _note(session, mine.id, "for me")
    other = _note(session, theirs.id, "for them")

    for headers in (business_headers(session, mine.id), business_user_headers(session, mine.id)):
        listed = client.get("/api/notifications", headers=headers)
        assert listed.status_code == 200
        assert [n["subject"] for n in listed.json()] == ["for me"]
        assert listed.json()[0]["status"] == "pending"
        forbidden = client.get(f"/api/notifications?business_id={theirs.id}", headers=headers)
        assert forbidden.status_code == 403
        assert client.get(f"/api/notifications/{own.id}", headers=headers).status_code == 200
        assert client.get(f"/api/notifications/{other.id}", headers=headers).status_code == 404


def test_staff_read_all_and_filter(client: TestClient, session: Session) -> None:
    a = factories.business(session, email="a@a.test")
    b = factories.business(session)
    _note(session, a.id, "to a")
    _note(session, b.id, "to b")
    headers = staff_headers(session, Role.customer_success)
    everything = client.get("/api/notifications", headers=headers).json()
    assert [n["subject"] for n in everything] == ["to b", "to a"]  # newest first
    only_b = client.get(f"/api/notifications?business_id={b.id}", headers=headers).json()
    assert [(n["subject"], n["status"]) for n in only_b] == [("to b", "no_address")]
    waiting = client.get("/api/notifications?status=pending", headers=headers).json()
    assert [n["subject"] for n in waiting] == ["to a"]
    assert client.get("/api/notifications").status_code == 401


def test_notify_once_keeps_messages_without_smtp(
    db_url: str, engine: Engine, session: Session
) -> None:
    biz = factories.business(session, email="me@a.test")
    row = _note(session, biz.id, "kept")
    result = CliRunner(env={"CALLCREDIT_DATABASE_URL": db_url, "CALLCREDIT_SMTP_HOST": ""}).invoke(
        app, ["notify", "--once"]
    )
    assert result.exit_code == 0, result.output
    assert [n.id for n in outbox.list_pending(session=session)] == [row.id]
