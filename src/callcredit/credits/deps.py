"""Dependencies of the credit-request routers: the policy and a request the caller may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from callcredit.analysis.policy import Policy, load_policy
from callcredit.credits import service
from callcredit.credits.models import CreditRequest
from callcredit.deps import SessionDep, SettingsDep
from callcredit.identity.deps import CurrentPrincipal


async def get_policy(settings: SettingsDep) -> Policy:
    """Return the policy the app runs under (load_policy caches it by file version)."""
    # async: a cached lookup needs no worker thread, and each thread hop costs a request time.
    return load_policy(settings.policy)


# Row ids are 32-bit on PostgreSQL: larger numbers are invalid input, not a database error.
MAX_ID = 2**31 - 1
RequestId = Annotated[int, Path(ge=1, le=MAX_ID, description="the credit request's id")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=500)]


def get_visible_request(
    request_id: RequestId, session: SessionDep, principal: CurrentPrincipal
) -> CreditRequest:
    """Return the path's request; a business gets 404 for another business's request."""
    return service.get(
        session=session,
        request_id=request_id,
        business_id=None if principal.is_staff else principal.business_id,
    )


PolicyDep = Annotated[Policy, Depends(get_policy)]
VisibleRequest = Annotated[CreditRequest, Depends(get_visible_request)]
