"""The reviewers' queue: one FIFO order, filters that never reorder it, and Review next."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from callcredit.credits import queue
from callcredit.credits.models import OPEN_STATUSES, ReasonCode, RequestStatus
from callcredit.credits.schemas import QueueItem
from callcredit.database import utcnow
from callcredit.deps import SessionDep, SettingsDep
from callcredit.identity.models import Principal
from callcredit.web.deps import CsrfChecked, ReviewerPage
from callcredit.web.lookup import business_names, parse_choice
from callcredit.web.templating import redirect, render_page

router = APIRouter(include_in_schema=False)
QUEUE_LIMIT = 500


def held_by(items: list[QueueItem], principal: Principal) -> QueueItem | None:
    """Return the request this reviewer holds a live lease on, if any."""
    now = utcnow()
    for item in items:
        if (
            item.status == RequestStatus.in_review
            and item.claimed_by == principal.name
            and item.lease_until is not None
            and item.lease_until > now
        ):
            return item
    return None


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    session: SessionDep,
    principal: ReviewerPage,
    status: str = "",
    reason: str = "",
) -> HTMLResponse:
    """Show the queue oldest first with position, recommendation, age and SLA."""
    queue.release_expired(session=session)
    session.commit()
    status_filter = parse_choice(RequestStatus, status)
    reason_filter = parse_choice(ReasonCode, reason)
    everything = queue.list_queue(session=session, limit=QUEUE_LIMIT)
    shown = [
        item
        for item in everything
        if (status_filter is None or item.status == status_filter)
        and (reason_filter is None or item.reason == reason_filter)
    ]
    counts = Counter(str(item.status) for item in everything)
    context = {
        "items": shown,
        "total": len(everything),
        "counts": counts,
        "claimable": counts["ready"] + counts["analysis_failed"],
        "overdue": sum(1 for item in everything if item.overdue),
        "names": business_names(session, (item.business_id for item in shown)),
        "held": held_by(everything, principal),
        "statuses": OPEN_STATUSES,
        "status_filter": status_filter.value if status_filter else "",
        "reason_filter": reason_filter.value if reason_filter else "",
        "now": utcnow(),
    }
    return render_page(request, "queue.html", context)


@router.post("/queue/next")
def review_next(
    session: SessionDep, settings: SettingsDep, principal: ReviewerPage, _csrf: CsrfChecked
) -> RedirectResponse:
    """Claim the oldest request ready for review (finishing your own first) and open it."""
    held = held_by(queue.list_queue(session=session, status=RequestStatus.in_review), principal)
    if held is not None:
        return redirect(
            f"/review/{held.id}",
            f"You still hold request #{held.id}: decide it or put it back first.",
            "info",
        )
    claimed = queue.claim(
        session=session, reviewer=principal.name, lease_seconds=settings.review_lease_seconds
    )
    session.commit()
    if claimed is None:
        return redirect("/queue", "Nothing is waiting for review right now.", "info")
    return redirect(f"/review/{claimed.id}")
