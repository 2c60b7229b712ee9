"""Credit policies as data: which reasons are credited, deadlines, SLA and business messages."""

from __future__ import annotations

import string
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from callcredit.exceptions import ConfigurationError

from .models import REASON_CODES, ReasonCode
from .tomlfile import read_toml, validate

POLICY_DIR = Path(__file__).parent / "policies"
Treatment = Literal["creditable", "billable", "needs_review"]

# Placeholders a business-facing template may use; anything else is a policy error.
TEMPLATE_FIELDS = frozenset(
    {
        "call_id",
        "reason",
        "reason_label",
        "reason_meaning",
        "evidence",
        "deadline",
        "policy_name",
        "policy_label",
        "credit_percent",
        "sla_hours",
        "verdict",
        "confidence",
        "note",
        "found",
        "re_reviews",
    }
)


def check_template(template: str) -> str:
    """Return the template if every placeholder is a known plain name, else raise ValueError."""
    try:
        fields = [f for _, f, spec, conv in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise ValueError(f"bad template braces: {exc}") from exc
    unknown = sorted({f for f in fields if f not in TEMPLATE_FIELDS})
    if unknown:
        allowed = ", ".join("{" + f + "}" for f in sorted(TEMPLATE_FIELDS))
        shown = ", ".join("{" + f + "}" for f in unknown)
        raise ValueError(f"unknown placeholder {shown}; use {allowed}")
    return template


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReasonRule(_Strict):
    """How one reason is treated and what the business is told."""

    label: str = Field(min_length=1)
    meaning: str = Field(min_length=1)
    treatment: Treatment
    credit_share: float = Field(ge=0.0, le=1.0)
    approve: str
    decline: str

    _check_templates = field_validator("approve", "decline")(check_template)

    @model_validator(mode="after")
    def _share_fits_treatment(self) -> ReasonRule:
        """Require a creditable reason to credit something."""
        if self.treatment == "creditable" and self.credit_share <= 0:
            raise ValueError("a creditable reason needs credit_share above 0")
        return self


class RequestWindow(_Strict):
    """How long after the call a business may ask for a credit."""

    days: int = Field(gt=0)
    unit: Literal["calendar", "business"] = "calendar"
    holidays: list[date] = Field(default_factory=list)


class DuplicateRules(_Strict):
    """Window in which a repeat call from the same number counts as a duplicate."""

    window_days: int = Field(default=30, gt=0)


class ReviewRules(_Strict):
    """Review service levels."""

    sla_hours: float = Field(gt=0)
    max_re_reviews: int = Field(default=1, ge=0)
    min_confidence: float = Field(default=0.6, ge=0.0, le=1.0)


class Messages(_Strict):
    """Business-facing texts that do not belong to one reason."""

    needs_review: str

    _check_templates = field_validator("needs_review")(check_template)


class Policy(_Strict):
    """A credit policy loaded from TOML; see policies/default.toml for the fields."""

    name: str = Field(min_length=1)
    label: str = Field(min_length=1)
    description: str = ""
    billing: str = "pay_per_call"
    request_window: RequestWindow
    duplicate: DuplicateRules = DuplicateRules()
    review: ReviewRules
    messages: Messages
    reasons: dict[ReasonCode, ReasonRule]
    _source: str = PrivateAttr(default="")

    @field_validator("reasons")
    @classmethod
    def _all_reasons(cls, value: dict[ReasonCode, ReasonRule]) -> dict[ReasonCode, ReasonRule]:
        """Require a rule for every reason code."""
        missing = [code for code in REASON_CODES if code not in value]
        if missing:
            raise ValueError(f"missing reasons: {', '.join(missing)}")
        return value

    @property
    def source(self) -> str:
        """Return the file the policy was loaded from."""
        return self._source

    def rule(self, reason: ReasonCode) -> ReasonRule:
        """Return the rule of one reason."""
        return self.reasons[reason]

    def reason_menu(self) -> list[tuple[str, str, str]]:
        """Return (code, label, one-line meaning) for each reason, for a portal's list."""
        return [(c, self.reasons[c].label, self.reasons[c].meaning) for c in REASON_CODES]

    def request_deadline(self, called_at: datetime) -> datetime:
        """Return the last moment a credit may be requested for a call made at `called_at`."""
        window = self.request_window
        if window.unit == "calendar":
            return called_at + timedelta(days=window.days)
        holidays = set(window.holidays)
        current, counted = called_at, 0
        while counted < window.days:
            current += timedelta(days=1)
            if current.weekday() < 5 and current.date() not in holidays:
                counted += 1
        return current

    def is_on_time(self, called_at: datetime, requested_at: datetime) -> bool:
        """Return True when a request made at `requested_at` is inside the window."""
        return requested_at <= self.request_deadline(called_at)

    def sla_due(self, submitted_at: datetime) -> datetime:
        """Return when a review of a request submitted at `submitted_at` is due."""
        return submitted_at + timedelta(hours=self.review.sla_hours)

    def can_re_review(self, re_reviews_done: int) -> bool:
        """Return True while another re-review is allowed before the decision is final."""
        return re_reviews_done < self.review.max_re_reviews

    def duplicate_window(self) -> timedelta:
        """Return the duplicate window as a duration."""
        return timedelta(days=self.duplicate.window_days)


def render(template: str, values: dict[str, object]) -> str:
    """Fill a checked template; placeholders without a value stay visible as {name}."""

    class _Keep(dict[str, object]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    return template.format_map(_Keep(values))


def list_policies() -> list[str]:
    """Return the names of the policies shipped with callcredit."""
    return sorted(p.stem for p in POLICY_DIR.glob("*.toml"))


def _resolve(name_or_path: str | Path) -> Path:
    """Return the file of a shipped policy name or of a path."""
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith(".toml") or "/" in text or "\\" in text:
        return Path(text).expanduser()
    path = POLICY_DIR / f"{text}.toml"
    if not path.is_file():
        known = ", ".join(list_policies())
        raise ConfigurationError(f"unknown policy {text!r}: use one of {known} or a .toml path")
    return path


def load_policy(name_or_path: str | Path = "default") -> Policy:
    """Load and validate a policy by shipped name or path; problems raise ConfigurationError."""
    path = _resolve(name_or_path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read policy: {exc.strerror or exc}") from exc
    return _load(str(path.resolve()), stamp)


@lru_cache(maxsize=32)
def _load(path: str, stamp: int) -> Policy:
    """Parse one policy file version (the modification time keys the cache)."""
    data, text = read_toml(Path(path))
    policy = validate(Policy, data, text, Path(path))
    policy._source = path
    return policy
