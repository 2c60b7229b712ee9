"""Pieces of the web layer: transcript marks, charts, words for times and money, demo users."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine
from sqlmodel import Session

from callcredit import demo
from callcredit.analysis.synthetic import segment
from callcredit.identity import service as identity
from callcredit.identity.models import Role
from callcredit.transcription.schemas import Segment, TranscriptData
from callcredit.web import charts, formatting
from callcredit.web.security import safe_next
from callcredit.web.support_pages import phone_variants
from callcredit.web.transcript_view import cited, snippets_from, turns_from
from tests import factories


def _evidence(start: float, end: float, text: str, stance: str = "supports") -> dict[str, object]:
    return {
        "start": start,
        "end": end,
        "speaker": "caller",
        "text": text,
        "cue": "x",
        "stance": stance,
    }


def test_snippets_are_marked_on_their_words_with_spaces_outside() -> None:
    turn = segment("caller", "Hi there. I want prices. Just prices.", 1.0, 4.5)
    words = turn.words
    snippets = snippets_from(
        [
            _evidence(words[2].start, words[4].end, "I want prices."),
            _evidence(words[5].start, words[6].end, "Just prices.", "contradicts"),
        ]
    )
    (shown,) = turns_from(TranscriptData(segments=[turn]), snippets)
    assert [(c.text, c.snippet) for c in shown.chunks] == [
        ("Hi there. ", None),
        ("I want prices.", 0),
        (" ", None),
        ("Just prices.", 1),
    ]
    assert shown.snippets == [0, 1]


def test_a_turn_without_word_times_is_marked_whole_when_a_snippet_falls_in_it() -> None:
    plain = Segment(start=5.0, end=8.0, speaker="business", text=" We only do roofs. ")
    snippets = snippets_from([_evidence(6.0, 7.0, "only do roofs")])
    (shown,) = turns_from(TranscriptData(segments=[plain]), snippets)
    assert [(c.text, c.snippet) for c in shown.chunks] == [("We only do roofs.", 0)]
    assert turns_from(None, snippets) == []


def test_call_history_evidence_is_not_seekable_and_citations_follow_the_text() -> None:
    snippets = snippets_from(
        [_evidence(0.0, 0.0, "Same caller 3 days before"), _evidence(2, 3, "Hi")]
    )
    assert [s.seekable for s in snippets] == [False, True]
    assert cited(snippets, 'What we found: "Hi" (the caller, at 0:02)') == [snippets[1]]


def test_count_axes_have_four_whole_steps() -> None:
    for value in (0, 1, 3, 5, 9, 13, 41, 99, 101, 999):
        top = charts.nice_max(value)
        assert top >= max(value, 1) and (top / 4) == int(top / 4)
    assert charts.nice_max(9) == 12


def test_charts_escape_labels_and_carry_titles() -> None:
    line = charts.line_chart([charts.Point("<a>", 2, "2 open & more")], "Depth")
    assert "&lt;a&gt;" in line and "<title>2 open &amp; more</title>" in line
    bars = charts.bar_chart(
        [charts.Bar("B", (charts.Part(0.5, "ok", "half"),), "50%")], "Rate", scale=1.0
    )
    assert 'class="ok"' in bars and "<title>half</title>" in bars and ">50%</text>" in bars
    assert "<svg" in charts.column_chart([], "Empty")


def test_words_for_money_times_and_deadlines() -> None:
    now = datetime(2026, 1, 10, 12, tzinfo=UTC)
    assert formatting.money(123450) == "$1,234.50"
    assert formatting.money(-4500) == "-$45.00"
    assert formatting.clock(75.9) == "1:15"
    assert formatting.span(timedelta(days=2, hours=3, minutes=5)) == "2d 3h"
    assert formatting.span(timedelta(minutes=12, seconds=5)) == "12m"
    assert formatting.due(now + timedelta(hours=3, minutes=12), now) == "due in 3h 12m"
    assert formatting.due(now - timedelta(days=2, hours=4), now) == "overdue 2d 4h"
    assert formatting.days_left(now + timedelta(days=3, hours=2), now) == "3 days left"
    assert formatting.days_left(now - timedelta(seconds=1), now) == "closed"
    assert formatting.status_label("re_review_requested") == "Re-review asked"


def test_return_urls_stay_on_this_site() -> None:
    assert safe_next("/queue?status=ready") == "/queue?status=ready"
    for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "", None):
        assert safe_next(bad, "/home") == "/home"


def test_phone_numbers_are_searched_as_typed_and_normalised() -> None:
    assert phone_variants("(916) 555-0101") == [
        "(916) 555-0101",
        "+9165550101",
        "9165550101",
        "+19165550101",
    ]
    assert phone_variants("+1 916 555 0101")[1] == "+19165550101"


def test_demo_users_get_fresh_passwords_every_start(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Real argon2 costs ~0.25 s a hash; the accounts, not the hashing, are under test here.
    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=2048))
    with Session(engine) as session:
        factories.business(session, id="rapid-rooter-sac", name="Rapid Rooter Plumbing")
    first = demo.ensure_demo_users(engine=engine)
    assert {(a.username, a.role) for a in first} >= {
        ("reviewer", Role.reviewer),
        ("support", Role.customer_success),
        ("admin", Role.admin),
        ("rapid-rooter-sac", Role.business),
    }
    second = {a.username: a.password for a in demo.ensure_demo_users(engine=engine)}
    with Session(engine) as session:
        for account in first:
            assert second[account.username] != account.password
            user = identity.authenticate(
                session=session, username=account.username, password=second[account.username]
            )
            assert user.business_id == account.business_id
