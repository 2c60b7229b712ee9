"""Ledger entries: signed amounts against a business balance, one per (request, kind)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from callcredit.database import UTCDateTime, utcnow


class EntryKind(StrEnum):
    credit = "credit"
    reversal = "reversal"
    re_review_credit = "re_review_credit"


class LedgerEntryBase(SQLModel):
    business_id: str = Field(foreign_key="business.id", index=True, max_length=64)
    request_id: int = Field(foreign_key="creditrequest.id", index=True)
    call_id: str = Field(max_length=128)
    kind: EntryKind
    amount_cents: int = Field(description="positive credits the business, negative debits it")
    memo: str = Field(default="", max_length=500)


class LedgerEntry(LedgerEntryBase, table=True):
    # Money moves exactly once per request and kind: retries and races hit this constraint.
    __table_args__ = (UniqueConstraint("request_id", "kind", name="uq_ledger_request_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class LedgerEntryCreate(LedgerEntryBase):
    pass


class LedgerEntryPublic(LedgerEntryBase):
    id: int
    created_by: str
    created_at: datetime
