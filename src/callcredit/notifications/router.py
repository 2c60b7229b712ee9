"""HTTP endpoints to read the notification outbox."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from callcredit.deps import SessionDep
from callcredit.errors import responses
from callcredit.exceptions import Forbidden, NotFound
from callcredit.identity.deps import CurrentPrincipal
from callcredit.notifications import service
from callcredit.notifications.models import Notification, NotificationPublic, NotificationStatus

router = APIRouter(prefix="/api/notifications", tags=["notifications"])
# Row ids are 32-bit on PostgreSQL: larger numbers are invalid input (422), not a 500.
MAX_ID = 2**31 - 1


def _public(row: Notification) -> NotificationPublic:
    return NotificationPublic.model_validate(row, from_attributes=True)


@router.get("", response_model=list[NotificationPublic], responses=responses(401, 403, 422))
def list_notifications(
    session: SessionDep,
    principal: CurrentPrincipal,
    business_id: str | None = None,
    status: NotificationStatus | None = None,
    request_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[NotificationPublic]:
    """List messages, newest first: a business sees its own, staff see all."""
    if not principal.is_staff:
        if business_id is not None and business_id != principal.business_id:
            raise Forbidden("a business can only read its own notifications")
        business_id = principal.business_id
    rows = service.list_notifications(
        session=session,
        business_id=business_id,
        status=status,
        request_id=request_id,
        limit=limit,
        offset=offset,
    )
    return [_public(row) for row in rows]


@router.get(
    "/{notification_id}", response_model=NotificationPublic, responses=responses(401, 404, 422)
)
def get_notification(
    session: SessionDep,
    principal: CurrentPrincipal,
    notification_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> NotificationPublic:
    """Return one message (a business only its own)."""
    row = service.get(session=session, notification_id=notification_id)
    if not principal.is_staff and row.business_id != principal.business_id:
        # 404, not 403: another business's message should not even be known to exist.
        raise NotFound(f"no notification {notification_id}")
    return _public(row)
