"""HTML for the parts of the event page that repeat per claim: the timeline marks, the
table rows and the relation list. An event can hold thousands of claims; built here with
escape() they take milliseconds, where the same loop in a template takes seconds.
Everything from the database goes through escape() (or is a number, a date or a fixed
word)."""

from types import SimpleNamespace

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from annotator.annotations.highlight import segments
from annotator.events.layout import group_colour

MONTHS = ["", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _date(value, fmt: str) -> str:
    """Django's date format letters j, M, Y, H, i: by hand, as dateformat is slow in loops."""
    if not value:
        return ""
    value = value.astimezone(timezone.get_current_timezone())
    parts = {
        "j": str(value.day),
        "M": MONTHS[value.month],
        "Y": str(value.year),
        "H": f"{value.hour:02}",
        "i": f"{value.minute:02}",
    }
    return "".join(parts.get(char, char) for char in fmt)


def claimed_time(claim) -> str:
    if claim.claimed_at is None:
        return '<span class="muted">unknown</span>'
    fmt = {"month": "M Y", "minute": "j M Y H:i"}.get(claim.claimed_precision, "j M Y")
    text = _date(claim.claimed_at, fmt)
    return text + (
        ' <span class="muted">(approx.)</span>' if claim.claimed_precision == "approximate" else ""
    )


def _swatch(row) -> str:
    return (
        f'<svg width="10" height="10" role="img" aria-label="group {row.group}">'
        f'<circle cx="5" cy="5" r="4" fill="{group_colour(row.group)}"/></svg>'
    )


def _outlet(claim) -> str:
    return claim.article.outlet_name


def quote_with_hedges(claim, hedges) -> str:
    """The claim's quote as HTML with the hedges that fall inside it marked."""
    if not hedges:
        return escape(claim.quote)
    shifted = [
        SimpleNamespace(pk=h.pk, start=h.start - claim.start, end=h.end - claim.start)
        for h in hedges
        if claim.start <= h.start and h.end <= claim.end
    ]
    parts = []
    for segment in segments(len(claim.quote), shifted):
        piece = escape(claim.quote[segment.start : segment.end])
        parts.append(f'<mark class="hedge-in-quote">{piece}</mark>' if segment.layers else piece)
    return "".join(parts)


def table_rows(rows, slug: str, can_review: bool) -> str:
    workspace = reverse("workspace:article", args=[slug, 0])
    rate = reverse("events:credibility", args=[slug, 0])
    html = []
    for row in rows:
        claim = row.claim
        link = workspace.replace("/0/", f"/{claim.article_id}/") + f"?selected={claim.pk}"
        outside = "".join(
            f' <span class="hedge-in-quote small">{escape(h.quote)}</span>'
            for h in row.hedges
            if h.start < claim.start or h.end > claim.end
        )
        grade = (
            f' <abbr class="grade grade-{row.grade}" title="{escape(row.grade_label)}">'
            f"{row.grade}</abbr>"
            if row.grade
            else ""
        )
        chains = "".join(f"<div>{escape(str(chain))}</div>" for chain in row.chains)
        credibility = str(claim.credibility or "—")
        if can_review:
            editor = rate.replace("/0/", f"/{claim.pk}/")
            credibility += (
                f' <button type="button" class="linklike small" hx-get="{editor}"'
                ' hx-target="closest td" hx-swap="innerHTML"'
                ' aria-label="Rate credibility">rate</button>'
            )
        html.append(
            f'<tr id="claim-{claim.pk}">'
            f'<td><input type="checkbox" name="claims" value="{claim.pk}" form="relate-form"'
            f' aria-label="Select this claim to link it"></td>'
            f'<td class="nowrap">{claimed_time(claim)}</td>'
            f'<td dir="auto" class="quote-cell">{_swatch(row)} <a href="{link}">'
            f"{quote_with_hedges(claim, row.hedges)}</a>{outside}</td>"
            f'<td dir="auto"><bdi>{escape(_outlet(claim))}</bdi>{grade}</td>'
            f'<td dir="auto" class="chain">{chains}</td>'
            f'<td class="nowrap">{_date(claim.article.published_at, "j M H:i") or "—"}</td>'
            f'<td class="credibility-cell">{credibility}</td>'
            f"<td><strong>{row.admiralty or '—'}</strong></td>"
            f'<td><span class="status status-{claim.status}">{claim.status_label}</span></td>'
            "</tr>"
        )
    return mark_safe("".join(html))  # noqa: S308 (every value is escaped above)


def timeline_marks(layout, slug: str) -> str:
    workspace = reverse("workspace:article", args=[slug, 0])
    html = []
    for mark in layout["marks"]:
        claim = mark.claim
        link = workspace.replace("/0/", f"/{claim.article_id}/") + f"?selected={claim.pk}"
        label = escape(f"{_outlet(claim)}: {claim.quote}")
        parts = [
            f'<a class="tl-mark" href="{link}" data-claim="{claim.pk}" aria-label="{label}">'
            f'<title>{label}</title><g transform="translate(0 {mark.y})">'
        ]
        if mark.report_x is not None:
            if mark.x is not None:
                parts.append(
                    f'<line x1="{mark.x}" x2="{mark.report_x}" y1="0" y2="0" class="tl-lag"/>'
                )
            parts.append(
                f'<line x1="{mark.report_x}" x2="{mark.report_x}" y1="-9" y2="9"'
                ' class="tl-report"/>'
            )
        if mark.shape == "range":
            parts.append(
                f'<rect x="{mark.x}" y="-5" width="{mark.width}" height="10" rx="5"'
                f' class="tl-range" fill="{mark.colour}" stroke="{mark.colour}"/>'
            )
        elif mark.shape == "approximate":
            parts.append(
                f'<circle cx="{mark.x}" cy="0" r="6" class="tl-approx" stroke="{mark.colour}"/>'
            )
        elif mark.shape == "point":
            parts.append(
                f'<circle cx="{mark.x}" cy="0" r="6" class="tl-point" fill="{mark.colour}"/>'
            )
        tip = claim.quote if len(claim.quote) <= 60 else claim.quote[:59] + "…"
        x = mark.x if mark.x is not None else mark.report_x
        parts.append(
            f'<text x="{x}" y="-12" class="tl-tip" text-anchor="middle">{escape(tip)}'
            "</text></g></a>"
        )
        html.append("".join(parts))
    return mark_safe("".join(html))  # noqa: S308 (every value is escaped above)


def relation_items(relations) -> str:
    """The list of same / contradicts links, each with its remove button (one form)."""
    html = []
    for relation in relations:
        a = escape(_short(relation.a.quote)) if relation.a else "?"
        b = escape(_short(relation.b.quote)) if relation.b else "?"
        html.append(
            f'<li><span dir="auto">“{a}”</span> <strong>{escape(relation.label)}'
            f"</strong>{differences(relation.differences)}"
            f' <span dir="auto">“{b}”</span> <button type="submit" name="relation"'
            f' value="{relation.pk}" class="linklike">remove</button></li>'
        )
    return mark_safe("".join(html))  # noqa: S308 (every value is escaped above)


def differences(recorded) -> str:
    """ " (3 km vs 4 km; Monday vs Tuesday)" after a contradicts relation's label, each
    value isolated so an Arabic one keeps its direction; empty when none was recorded."""
    if not recorded:
        return ""
    listed = "; ".join(f"<bdi>{escape(d.a)}</bdi> vs <bdi>{escape(d.b)}</bdi>" for d in recorded)
    return f' <span class="differences">({listed})</span>'


def _short(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
