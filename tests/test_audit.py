"""Every transition is audited (who, when, from, to, why) and the trail is append-only."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session

import callcredit
from callcredit.audit import service as audit
from callcredit.audit.models import AuditEvent
from callcredit.database import init_db, make_engine
from callcredit.identity.models import Role
from tests import factories
from tests.auth_helpers import business_headers, staff_headers
from tests.credits_helpers import create_request, make_ready, recent_call, submit


def test_history_records_the_whole_lifecycle(client: TestClient, session: Session) -> None:
    biz = factories.business(session)
    call = recent_call(session, biz)
    owner = business_headers(session, biz.id)
    request_id = submit(client, owner, call.call_id, "spam", "robocall").json()["id"]
    from callcredit.credits import service as credits

    make_ready(session, credits.get(session=session, request_id=request_id))
    reviewer = staff_headers(session, Role.reviewer, username="rex")
    cs = staff_headers(session, Role.customer_success, username="cleo")
    client.post("/api/queue/claim", headers=reviewer)
    client.post(
        f"/api/credit-requests/{request_id}/decision",
        json={"decision": "decline", "explanation": "A real customer."},
        headers=reviewer,
    )
    client.post(
        f"/api/credit-requests/{request_id}/re-review",
        json={"note": "owner says it was a robocall"},
        headers=cs,
    )
    history = client.get(f"/api/credit-requests/{request_id}/history", headers=owner)
    assert history.status_code == 200
    events = history.json()["events"]
    assert [(e["from_status"], e["to_status"], e["actor"]) for e in events] == [
        (None, "received", f"business:{biz.id}"),
        ("received", "analyzing", "system"),
        ("analyzing", "ready", "system"),
        ("ready", "in_review", "rex"),
        ("in_review", "declined", "rex"),
        ("declined", "re_review_requested", "cleo"),
        ("re_review_requested", "ready", "system"),
    ]
    assert all(e["request_id"] == request_id and e["at"] for e in events)
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    assert "A real customer." in events[4]["why"]
    assert events[5]["why"] == "owner says it was a robocall"


def test_history_is_scoped_like_the_request(client: TestClient, session: Session) -> None:
    mine, theirs = factories.business(session), factories.business(session)
    request = create_request(session, recent_call(session, theirs))
    response = client.get(
        f"/api/credit-requests/{request.id}/history", headers=business_headers(session, mine.id)
    )
    assert response.status_code == 404
    staff = client.get(
        f"/api/credit-requests/{request.id}/history",
        headers=staff_headers(session, Role.customer_success),
    )
    assert staff.status_code == 200 and len(staff.json()["events"]) == 1


def test_audit_service_has_no_update_or_delete() -> None:
    names = {name for name, _ in inspect.getmembers(audit, inspect.isfunction)}
    own = {n for n in names if getattr(audit, n).__module__ == audit.__name__}
    assert own == {"create", "list_for_request"}


def test_no_code_path_updates_or_deletes_audit_rows() -> None:
    root = Path(callcredit.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        for needle in ("update(AuditEvent", "delete(AuditEvent", "AuditEvent.__table__.update")
        if needle in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_database_refuses_to_rewrite_history(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    init_db(engine)
    with Session(engine) as session:
        request = create_request(session, recent_call(session, factories.business(session)))
        with pytest.raises(DatabaseError, match="append-only"):
            session.execute(update(AuditEvent).values(why="rewritten"))
        session.rollback()
        with pytest.raises(DatabaseError, match="append-only"):
            session.execute(delete(AuditEvent).where(AuditEvent.request_id == request.id))
        session.rollback()
        count = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        assert count == 1
    engine.dispose()
