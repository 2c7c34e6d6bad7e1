"""/sponsorships/totals: totals by start month, sponsor, scheme or branch for one year, with
a server-rendered SVG bar chart (no script or inline style: the CSP forbids both). A route
of the `sponsorships` blueprint, open to every staff role like the register."""

from __future__ import annotations

from flask import render_template, request

from crm.compliance.services import today_local
from crm.sponsorships import queries
from crm.sponsorships.views import bp


@bp.get("/totals")
def totals():
    by = request.args.get("by") if request.args.get("by") in queries.GROUPS else "month"
    today = today_local()
    years = queries.start_years() or [today.year]
    raw_year = request.args.get("year", "")
    year = (
        int(raw_year)
        if raw_year.isdigit() and int(raw_year) in years
        else (today.year if today.year in years else years[0])
    )
    rows = queries.totals(by, year)
    return render_template(
        "sponsorships/totals.html",
        rows=rows,
        bars=queries.bar_chart(rows),
        chart_height=queries.CHART_HEIGHT,
        by=by,
        groups=queries.GROUPS,
        year=year,
        years=years,
        sums=queries.TotalRow(
            "",
            "",
            *(sum(getattr(r, k) for r in rows) for k in ("count", "workers", "commitment", "paid")),
        ),
    )
