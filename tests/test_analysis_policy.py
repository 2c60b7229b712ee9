"""Credit policies as data: shipped files load, deadlines, SLA, and located errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callcredit.analysis.models import REASON_CODES
from callcredit.analysis.policy import POLICY_DIR, list_policies, load_policy, render
from callcredit.exceptions import ConfigurationError

CALLED = datetime(2025, 6, 27, 15, 0, tzinfo=UTC)  # a Friday


def test_three_policies_are_shipped_and_load() -> None:
    assert {"default", "lead_marketplace", "business_days"} <= set(list_policies())
    for name in list_policies():
        policy = load_policy(name)
        assert policy.name == name
        assert set(policy.reasons) == set(REASON_CODES)


def test_default_policy_terms() -> None:
    policy = load_policy("default")
    assert policy.request_deadline(CALLED) == CALLED + timedelta(days=4)
    assert policy.sla_due(CALLED) == CALLED + timedelta(hours=48)
    assert policy.duplicate_window() == timedelta(days=30)
    assert policy.rule("voicemail").treatment == "billable"
    assert policy.rule("price_shopper").treatment == "billable"
    assert policy.rule("other").treatment == "needs_review"
    assert policy.rule("wrong_category").credit_share == 1.0
    assert policy.can_re_review(0) and not policy.can_re_review(1)
    assert policy.is_on_time(CALLED, CALLED + timedelta(days=3, hours=23))
    assert not policy.is_on_time(CALLED, CALLED + timedelta(days=4, seconds=1))


def test_lead_marketplace_gives_five_days_and_partial_credit() -> None:
    policy = load_policy("lead_marketplace")
    assert policy.request_deadline(CALLED) == CALLED + timedelta(days=5)
    assert 0 < policy.rule("wrong_category").credit_share < 1


def test_business_days_policy_skips_weekends_and_holidays() -> None:
    policy = load_policy("business_days")
    # 15 business days after Fri 27 June 2025, skipping weekends and Fri 4 July.
    assert policy.request_deadline(CALLED) == datetime(2025, 7, 21, 15, 0, tzinfo=UTC)


def test_reason_menu_lists_every_reason_with_a_meaning() -> None:
    menu = load_policy().reason_menu()
    assert [code for code, _, _ in menu] == list(REASON_CODES)
    assert all(label and meaning for _, label, meaning in menu)


def test_policy_by_path_and_unknown_name(tmp_path: Path) -> None:
    copy = tmp_path / "mine.toml"
    copy.write_text((POLICY_DIR / "default.toml").read_text())
    assert load_policy(str(copy)).name == "default"
    with pytest.raises(ConfigurationError, match=r"unknown policy 'nope'"):
        load_policy("nope")


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nlabel = "y"\n[review\nsla_hours = 48\n')
    with pytest.raises(ConfigurationError) as err:
        load_policy(bad)
    assert str(bad) in err.value.message
    assert "line 3" in err.value.message
    assert err.value.details["line"] == 3


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = (POLICY_DIR / "default.toml").read_text()
    assert old in text
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(old, new, 1))
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_schema_error_points_at_the_key_line(tmp_path: Path) -> None:
    path = _broken(tmp_path, 'treatment = "billable"', 'treatment = "maybe"')
    with pytest.raises(ConfigurationError) as err:
        load_policy(path)
    assert err.value.details["line"] == _line_of(path, 'treatment = "maybe"')
    assert "reasons.voicemail.treatment" in err.value.message
    assert str(path) in err.value.message


def test_unknown_template_placeholder_is_rejected(tmp_path: Path) -> None:
    path = _broken(tmp_path, "A reviewer will listen", "Hello {customer}. A reviewer will listen")
    with pytest.raises(ConfigurationError, match=r"unknown placeholder \{customer\}") as err:
        load_policy(path)
    assert err.value.details["line"] == _line_of(path, "{customer}")


def test_missing_reason_and_bad_numbers_are_rejected(tmp_path: Path) -> None:
    path = _broken(tmp_path, "[reasons.other]", "[reasons.unused]")
    with pytest.raises(ConfigurationError, match="unused"):
        load_policy(path)
    path = _broken(tmp_path, "days = 4 ", "days = -4 ")
    with pytest.raises(ConfigurationError, match=r"request_window\.days") as err:
        load_policy(path)
    assert err.value.details["line"] == _line_of(path, "days = -4")


def test_creditable_reason_needs_a_credit_share(tmp_path: Path) -> None:
    text = (POLICY_DIR / "default.toml").read_text()
    head, tail = text.split("[reasons.spam]", 1)
    tail = tail.replace("credit_share = 1.0", "credit_share = 0.0", 1)
    path = tmp_path / "zero.toml"
    path.write_text(head + "[reasons.spam]" + tail)
    with pytest.raises(ConfigurationError, match="credit_share above 0") as err:
        load_policy(path)
    assert err.value.details["line"] == _line_of(path, "[reasons.spam]")


def test_render_fills_placeholders_and_keeps_unknown_ones() -> None:
    assert render("Call {call_id}: {x}", {"call_id": "c9"}) == "Call c9: {x}"


def test_missing_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_policy(tmp_path / "absent.toml")
