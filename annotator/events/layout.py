"""Coordinates for the event timeline picture (an SVG drawn by the event template).

A row per outlet; per claim a mark at the claimed time (a bar spanning the month for
month precision, a ring for approximate times) and a tick at the time it was reported,
joined by a thin line. Claims without a claimed time show only the report tick.
"""

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

LABEL_WIDTH = 170
PLOT_WIDTH = 760
ROW_HEIGHT = 34
TOP = 34
# Python's calendar ends; a claim may be stored up to a day from either (annotator/datetimes.py).
FIRST, LAST = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
PALETTE = ["#2457a6", "#b4470f", "#1f7a44", "#7c3aed", "#a21caf", "#0e7490", "#854d0e", "#be123c"]


@dataclass
class Mark:
    claim: object
    row: int
    y: float
    x: float | None  # claimed time (centre), None when unknown
    x_end: float | None  # for month ranges
    width: float  # x_end - x, for month ranges
    report_x: float | None
    shape: str  # point, range, approximate, none
    colour: str
    group: int


def _shifted(moment: datetime, delta: timedelta) -> datetime:
    """moment + delta, stopping at the end of the calendar rather than overflowing."""
    try:
        return moment + delta
    except OverflowError:
        return FIRST if delta < timedelta(0) else LAST


def group_colour(group: int) -> str:
    return PALETTE[(group - 1) % len(PALETTE)] if group else "#61707e"


def claimed_range(claim) -> tuple[datetime, datetime] | None:
    if claim.claimed_at is None:
        return None
    start = claim.claimed_at
    if claim.claimed_precision == "month":
        days = calendar.monthrange(start.year, start.month)[1]
        return start, _shifted(start, timedelta(days=days))
    if claim.claimed_precision in ("day", "approximate"):
        return start, _shifted(start, timedelta(days=1))
    return start, start


def timeline_layout(claims, group_of: dict[int, int]) -> dict:
    """Rows, marks and axis ticks for `claims` (with .article.outlet and .article.published_at)."""
    outlets = {}
    for claim in sorted(
        claims,
        key=lambda c: (c.article.published_at is None, c.article.published_at or datetime.max),
    ):
        name = claim.article.outlet.name if claim.article.outlet_id else "unknown outlet"
        outlets.setdefault(name, len(outlets))
    moments = []
    for claim in claims:
        span = claimed_range(claim)
        if span:
            moments.extend(span)
        if claim.article.published_at:
            moments.append(claim.article.published_at)
    if not moments:
        return {
            "rows": [],
            "marks": [],
            "ticks": [],
            "width": LABEL_WIDTH + PLOT_WIDTH + 20,
            "height": TOP + 40,
        }
    low, high = min(moments), max(moments)
    padding = max((high - low) * 0.04, timedelta(hours=6))
    low, high = _shifted(low, -padding), _shifted(high, padding)
    seconds = (high - low).total_seconds()

    def x_of(moment):
        return round(LABEL_WIDTH + (moment - low).total_seconds() / seconds * PLOT_WIDTH, 1)

    marks = []
    for claim in claims:
        name = claim.article.outlet.name if claim.article.outlet_id else "unknown outlet"
        row = outlets[name]
        span = claimed_range(claim)
        group = group_of.get(claim.pk, 0)
        shape = "none"
        x = x_end = None
        if span:
            x, x_end = x_of(span[0]), x_of(span[1])
            shape = {"month": "range", "approximate": "approximate"}.get(
                claim.claimed_precision, "point"
            )
            if shape == "point":
                x = round((x + x_end) / 2, 1)
        report = claim.article.published_at
        marks.append(
            Mark(
                claim=claim,
                row=row,
                y=TOP + row * ROW_HEIGHT + ROW_HEIGHT / 2,
                x=x,
                x_end=x_end,
                width=round(max((x_end or 0) - (x or 0), 6), 1),
                report_x=x_of(report) if report else None,
                shape=shape,
                colour=group_colour(group),
                group=group,
            )
        )
    height = TOP + len(outlets) * ROW_HEIGHT + 36
    return {
        "rows": [
            {"name": name, "y": TOP + i * ROW_HEIGHT, "mid": TOP + i * ROW_HEIGHT + ROW_HEIGHT / 2}
            for name, i in outlets.items()
        ],
        "marks": marks,
        "ticks": axis_ticks(low, high, x_of),
        "width": LABEL_WIDTH + PLOT_WIDTH + 20,
        "height": height,
        "axis_y": height - 28,
        "plot_left": LABEL_WIDTH,
        "plot_right": LABEL_WIDTH + PLOT_WIDTH,
    }


def axis_ticks(low: datetime, high: datetime, x_of) -> list[dict]:
    """About 6–12 labelled ticks: days, weeks or months depending on the span."""
    days = (high - low).days
    if days <= 14:
        step, fmt = timedelta(days=1), "%d %b"
    elif days <= 90:
        step, fmt = timedelta(days=7), "%d %b"
    else:
        step, fmt = None, "%b %Y"
    ticks = []
    if step:
        moment = _shifted(low.replace(hour=0, minute=0, second=0, microsecond=0), timedelta(days=1))
        while moment < high:
            ticks.append({"x": x_of(moment), "label": moment.strftime(fmt)})
            moment = _shifted(moment, step)
    else:
        moment = low.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        every = max(1, days // 300)
        while moment < high:
            if moment >= low:
                ticks.append({"x": x_of(moment), "label": moment.strftime(fmt)})
            month = moment.month - 1 + every
            if moment.year + month // 12 > LAST.year:
                break
            moment = moment.replace(year=moment.year + month // 12, month=month % 12 + 1)
    return ticks
