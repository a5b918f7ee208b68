"""The project's article list: search, filters, sort and pagination in a fixed number of
queries (three, whatever the number of articles): totals and languages, the page's rows
with their annotation counts, the outlets for the filter."""

import math
from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, F, Q
from django.http import QueryDict

from annotator.articles.forms import LANGUAGE_NAMES, ArticleFilterForm
from annotator.articles.models import Article, article_search_condition
from annotator.datetimes import day_bounds
from annotator.params import number
from annotator.sources.models import Source

PER_PAGE = 50


@dataclass
class Listing:
    form: ArticleFilterForm
    articles: list
    total: int
    page: int
    pages: int
    outlets: list
    languages: list
    searching: bool

    def page_query(self, page: int) -> str:
        """The current query string with another page number."""
        params = self.form.data.copy() if self.form.data else QueryDict(mutable=True)
        params["page"] = page
        return params.urlencode()

    @property
    def previous_query(self) -> str:
        return self.page_query(self.page - 1) if self.page > 1 else ""

    @property
    def next_query(self) -> str:
        return self.page_query(self.page + 1) if self.page < self.pages else ""

    @property
    def first(self) -> int:
        return (self.page - 1) * PER_PAGE + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * PER_PAGE, self.total)


def _filters(project, data: dict) -> Q:
    condition = Q(project=project)
    if data.get("q"):
        condition &= article_search_condition(data["q"])
    if data.get("outlet") == "none":
        condition &= Q(outlet__isnull=True)
    elif number(data.get("outlet")) is not None:
        condition &= Q(outlet_id=number(data["outlet"]))
    if data.get("language") == "none":
        condition &= Q(language="")
    elif data.get("language"):
        condition &= Q(language=data["language"])
    if data.get("status"):
        condition &= Q(status=data["status"])
    # Whole days in UTC, kept inside the stored range (9999-12-31 has no next day).
    if data.get("date_from"):
        condition &= Q(published_at__gte=day_bounds(data["date_from"])[0])
    if data.get("date_to"):
        condition &= Q(published_at__lt=day_bounds(data["date_to"])[1])
    return condition


def _order(data: dict) -> list:
    sort = data.get("sort") or ("relevance" if data.get("q") else "newest")
    if sort == "relevance":
        return [F("rank").desc(), F("published_at").desc(nulls_last=True), "-pk"]
    if sort == "oldest":
        return [F("published_at").asc(nulls_last=True), "pk"]
    if sort == "added":
        return ["-created_at", "-pk"]
    return [F("published_at").desc(nulls_last=True), "-pk"]


def article_listing(project, params: QueryDict | None) -> Listing:
    form = ArticleFilterForm(params or None)
    data = form.cleaned_data if form.is_valid() else {}
    condition = _filters(project, data)
    summary = Article.objects.filter(project=project).aggregate(
        total=Count("pk", filter=condition),
        languages=ArrayAgg("language", distinct=True, default=[]),
    )
    total = summary["total"]
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(data.get("page") or 1, pages)
    rows = Article.objects.filter(condition)
    if data.get("q"):
        rows = rows.search(data["q"])
    rows = (
        rows.select_related("outlet")
        .defer("text", "outlet__affiliation_note")
        .with_annotation_counts()
        .order_by(*_order(data))
    )
    start = (page - 1) * PER_PAGE
    outlets = list(
        Source.objects.filter(project=project, articles__isnull=False)
        .distinct()
        .order_by("name")
        .only("pk", "name")
    )
    languages = [
        (code, LANGUAGE_NAMES.get(code, code)) for code in sorted(summary["languages"]) if code
    ]
    return Listing(
        form=form,
        articles=list(rows[start : start + PER_PAGE]),
        total=total,
        page=page,
        pages=pages,
        outlets=outlets,
        languages=languages,
        searching=bool(data.get("q")),
    )
