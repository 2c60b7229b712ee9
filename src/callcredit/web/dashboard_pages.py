"""The staff dashboard: queue depth, SLA compliance, decisions by reason, approval by business."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from callcredit.analysis.policy import Policy
from callcredit.deps import SessionDep
from callcredit.web import charts
from callcredit.web.dashboard_data import RANGES, Dashboard, load, status_counts
from callcredit.web.deps import StaffPage
from callcredit.web.formatting import percent
from callcredit.web.templating import policy_for, render_page

router = APIRouter(include_in_schema=False)


def _fmt(dash: Dashboard) -> str:
    if dash.end - dash.start > timedelta(days=365):
        return "%b %Y"
    step = dash.buckets[0].end - dash.buckets[0].start if dash.buckets else timedelta(days=1)
    return "%b %d %H:%M" if step < timedelta(days=1) else "%b %d"


def depth_chart(dash: Dashboard) -> Markup:
    """Return the queue depth at the end of each slice as a line."""
    fmt = _fmt(dash)
    points = [
        charts.Point(b.end.strftime(fmt), depth, f"{b.end:%Y-%m-%d %H:%M} UTC: {depth} open")
        for b, depth in zip(dash.buckets, dash.depth, strict=True)
    ]
    return charts.line_chart(points, "Open requests over time")


def sla_chart(dash: Dashboard) -> Markup:
    """Return decisions per slice, split by whether they met their SLA."""
    fmt = _fmt(dash)
    bars = [
        charts.Bar(
            b.start.strftime(fmt),
            (
                charts.Part(ok, "ok", f"{b.start:%Y-%m-%d %H:%M}: {ok} decided within SLA"),
                charts.Part(late, "late", f"{b.start:%Y-%m-%d %H:%M}: {late} decided late"),
            ),
        )
        for b, ok, late in zip(dash.buckets, dash.within, dash.late, strict=True)
    ]
    return charts.column_chart(bars, "Decisions within and past their SLA")


def reason_chart(dash: Dashboard, policy: Policy) -> Markup:
    """Return approved and declined decisions for each reason."""
    bars = []
    for code, label, _ in policy.reason_menu():
        tally = dash.by_reason.get(code)
        if tally is None:
            continue
        bars.append(
            charts.Bar(
                label,
                (
                    charts.Part(tally.approved, "ok", f"{label}: {tally.approved} approved"),
                    charts.Part(tally.declined, "late", f"{label}: {tally.declined} declined"),
                ),
                f"{tally.approved} approved · {tally.declined} declined",
            )
        )
    return charts.bar_chart(bars, "Decisions by reason")


def business_chart(dash: Dashboard) -> Markup:
    """Return each business's approval rate as a bar out of 100%."""
    rows = sorted(dash.by_business.items(), key=lambda kv: dash.names.get(kv[0], kv[0]))
    bars = []
    for business_id, tally in rows:
        name = dash.names.get(business_id, business_id)
        rate = tally.rate or 0.0
        text = f"{percent(tally.rate)} ({tally.approved} of {tally.decided})"
        bars.append(charts.Bar(name, (charts.Part(rate, "ok", f"{name}: {text} approved"),), text))
    return charts.bar_chart(bars, "Approval rate per business", scale=1.0)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(
    request: Request, session: SessionDep, principal: StaffPage, range: str = "30d"
) -> HTMLResponse:
    """Show how the queue and the decisions are going."""
    dash = load(session, range)
    policy = policy_for(request)
    context = {
        "dash": dash,
        "ranges": RANGES,
        "counts": status_counts(session),
        "depth_chart": depth_chart(dash),
        "sla_chart": sla_chart(dash),
        "reason_chart": reason_chart(dash, policy),
        "business_chart": business_chart(dash),
        "decided_within": sum(dash.within),
        "decided_late": sum(dash.late),
    }
    return render_page(request, "dashboard.html", context)
