"""Small read helpers the pages share."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

from sqlmodel import Session

from callcredit.calls.models import Business

E = TypeVar("E", bound=StrEnum)


def business_names(session: Session, business_ids: Iterable[str]) -> dict[str, str]:
    """Return business id → name for the given ids (the id itself when unknown)."""
    names: dict[str, str] = {}
    for business_id in set(business_ids):
        business = session.get(Business, business_id)
        names[business_id] = business.name if business else business_id
    return names


def parse_choice(enum: type[E], value: str | None) -> E | None:
    """Return the enum member named by a query value, or None for empty or unknown values."""
    if not value:
        return None
    try:
        return enum(value)
    except ValueError:
        return None
