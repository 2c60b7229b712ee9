"""Dependencies of the credit-request routers: the policy and a request the caller may see."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from callcredit.analysis.policy import Policy, load_policy
from callcredit.credits import service
from callcredit.credits.models import CreditRequest
from callcredit.deps import SessionDep, SettingsDep
from callcredit.identity.deps import CurrentPrincipal

# How long an app answers with the policy it has before it looks at the file again.
POLICY_RECHECK_S = 1.0


async def get_policy(request: Request, settings: SettingsDep) -> Policy:
    """Return the policy the app runs under; a changed file applies within POLICY_RECHECK_S.

    load_policy caches the parsed file by its version, but finding and checking the file
    costs several system calls: on every request that adds up, once a second it does not.
    """
    # async: a cached lookup needs no worker thread, and each thread hop costs a request time.
    now = time.monotonic()
    cached: tuple[float, str, Policy] | None = getattr(request.app.state, "policy_cache", None)
    if cached is not None and cached[1] == settings.policy and now - cached[0] < POLICY_RECHECK_S:
        return cached[2]
    policy = load_policy(settings.policy)
    request.app.state.policy_cache = (now, settings.policy, policy)
    return policy


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
