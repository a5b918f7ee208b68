"""Suggestions stored, decided and learned from, against real PostgreSQL."""

from datetime import UTC, datetime
from io import StringIO

import factories
import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from annotator.annotations.kinds import ATTRIBUTES, ATTRIBUTION, CLAIM, HEDGE
from annotator.annotations.models import Annotation, Link, Status
from annotator.annotations.services import annotation_create
from annotator.articles.models import DatePrecision
from annotator.sources.models import Source, SourceKind
from annotator.suggestions import services
from annotator.suggestions.models import DateSuggestion, Decision, RuleSetting, SuggestionDecision
from annotator.suggestions.runs import suggestions_run
from annotator.suggestions.services import (
    SuggestionError,
    SuggestionOverlap,
    date_suggestion_accept,
    date_suggestion_reject,
    rule_switch,
    suggestion_accept,
    suggestion_accept_all,
    suggestion_reject,
)
from annotator.suggestions.stats import rule_statistics, suggester_statistics
from annotator.suggestions.tasks import suggestions_run_task

EN_TEXT = (
    "Foreign troops reportedly withdrew from the Tal Safra base on Thursday, "
    "two local officials told Meridian Wire.\n\n"
    "The base may have housed about 300 soldiers, according to Al-Sahil Daily. "
    "The talks in May 2024 were about something else."
)
AR_TEXT = (
    "أفادت مصادر محلية لصحيفة الساحل بأن القوات الأجنبية أَخْلَتْ قاعدة تل صفرا "
    "يَوْمَ الخَمِيسِ 🚚.\n\n"
    "وَيُعْتَقَدُ أنها كانت تضم حوالـي 300 عنصر 👩‍👩‍👧، بحسب مصادر."
)


# A report annotated by hand: the suggesters must not propose these spans again.
LEDGER_TEXT = (
    "Foreign forces have reportedly evacuated the Tal Safra base near Qarmal, "
    "Meridian Wire reported, citing local officials.\n\n"
    "The base, believed to be 4 km west of the airport, may have hosted up to 350 troops."
)


def make_article(project, text, language, published="2024-01-19T09:00:00+00:00"):
    return factories.article(
        project,
        text,
        title=text[:40],
        language=language,
        published_at=datetime.fromisoformat(published),
        published_precision=DatePrecision.MINUTE,
    )


def suggested(article, kind=None):
    queryset = Annotation.objects.filter(article=article, status=Status.SUGGESTED)
    return list(queryset.filter(kind=kind) if kind else queryset)


@pytest.fixture
def sources(team):
    """The project's sources, which the attribution suggester matches cited names to."""
    return {
        "Meridian Wire": factories.source(team.project, "Meridian Wire", kind=SourceKind.AGENCY),
        "Al-Sahil Daily": factories.source(
            team.project, "Al-Sahil Daily", aliases=["الساحل", "صحيفة الساحل"]
        ),
        "local officials": factories.source(
            team.project, "local officials", kind=SourceKind.ANONYMOUS, aliases=["مصادر محلية"]
        ),
    }


@pytest.fixture
def en_article(team, sources):
    return make_article(team.project, EN_TEXT, "en")


@pytest.fixture
def ar_article(team, sources):
    return make_article(team.project, AR_TEXT, "ar")


@pytest.fixture
def ledger(team, sources):
    """A Northern Ledger report whose claims, attributions and hedges were marked by hand."""
    report = factories.article(
        team.project, LEDGER_TEXT, outlet=factories.source(team.project, "The Northern Ledger")
    )
    for kind, quote in [
        (CLAIM, "Foreign forces have reportedly evacuated the Tal Safra base near Qarmal"),
        (HEDGE, "reportedly"),
        (ATTRIBUTION, "Meridian Wire reported"),
        (ATTRIBUTION, "citing local officials"),
        (CLAIM, "The base, believed to be 4 km west of the airport"),
        (HEDGE, "believed to be"),
    ]:
        factories.span(report, quote, kind, by=team["annotator"])
    return report


def test_run_stores_suggestions_with_exact_quotes(en_article):
    result = suggestions_run(article=en_article)
    rows = suggested(en_article)
    assert result.created["hedge"] == 3
    assert {(a.kind, a.quote) for a in rows if a.kind != "claim"} >= {
        ("hedge", "reportedly"),
        ("hedge", "may"),
        ("hedge", "about"),
        ("attribution", "two local officials told Meridian Wire"),
        ("attribution", "according to Al-Sahil Daily"),
    }
    for a in rows:
        assert en_article.text[a.start : a.end] == a.quote
        assert a.created_by is None and a.suggested_by and a.suggestion_rule
        assert 0 < a.confidence <= 1
    officials = Source.objects.get(project=en_article.project, name="local officials")
    told = next(a for a in rows if a.quote.startswith("two local"))
    assert told.cited_source == officials
    # "May 2024" is a month, "were about something" no approximator.
    assert not any(a.quote in {"May", "about something"} for a in rows)
    # The hedge and the attribution are linked to the claim of their sentence.
    claim = Link.objects.get(from_annotation=told, kind=ATTRIBUTES).to_annotation
    assert claim.kind == "claim" and claim.status == Status.SUGGESTED
    assert claim.quote == "Foreign troops reportedly withdrew from the Tal Safra base on Thursday"
    # The date becomes a proposed claimed time for that claim.
    [date] = DateSuggestion.objects.filter(article=en_article, claim=claim)
    assert date.quote == "on Thursday"
    assert date.resolution == "Thursday → 2024-01-18"
    assert date.claimed_at == datetime(2024, 1, 18, tzinfo=UTC)


def test_arabic_with_diacritics_and_emoji(ar_article):
    suggestions_run(article=ar_article)
    rows = suggested(ar_article)
    for a in rows:
        assert ar_article.text[a.start : a.end] == a.quote
    quotes = {(a.kind, a.quote) for a in rows}
    assert ("hedge", "يُعْتَقَدُ أنها") in quotes
    assert ("hedge", "حوالـي") in quotes
    assert ("attribution", "أفادت مصادر محلية لصحيفة الساحل") in quotes
    [date] = DateSuggestion.objects.filter(article=ar_article)
    assert ar_article.text[date.start : date.end] == date.quote == "يَوْمَ الخَمِيسِ"
    assert date.claimed_at.date().isoformat() == "2024-01-18"


def test_run_twice_creates_nothing_new(en_article):
    suggestions_run(article=en_article)
    count = Annotation.objects.filter(article=en_article).count()
    dates = DateSuggestion.objects.filter(article=en_article).count()
    again = suggestions_run(article=en_article)
    assert again.created == {}
    assert Annotation.objects.filter(article=en_article).count() == count
    assert DateSuggestion.objects.filter(article=en_article).count() == dates


def test_people_s_annotations_are_not_suggested_again(ledger):
    # The article is annotated by hand: no suggestion may duplicate those spans.
    article = ledger
    suggestions_run(article=article)
    people = Annotation.objects.filter(article=article).exclude(status=Status.SUGGESTED)
    for a in suggested(article):
        assert not any(p.kind == a.kind and p.start < a.end and a.start < p.end for p in people), a


def test_rejected_suggestion_stays_rejected_after_a_rerun(en_article, team):
    suggestions_run(article=en_article)
    may = next(a for a in suggested(en_article, "hedge") if a.quote == "may")
    decision = suggestion_reject(annotation=may, user=team["annotator"])
    assert decision.decision == Decision.REJECTED and decision.rule == "hedge:en:may"
    assert not Annotation.objects.filter(pk=may.pk).exists()
    result = suggestions_run(article=en_article)
    assert result.skipped_decided >= 1
    assert not Annotation.objects.filter(article=en_article, quote="may").exists()
    with pytest.raises(SuggestionError):
        suggestion_reject(annotation=may, user=team["annotator"])


def test_accept_makes_a_draft_of_the_person(en_article, team):
    suggestions_run(article=en_article)
    hedge = next(a for a in suggested(en_article, "hedge") if a.quote == "reportedly")
    accepted = suggestion_accept(annotation=hedge, user=team["annotator2"])
    assert accepted.status == Status.DRAFT
    assert accepted.created_by == team["annotator2"]
    assert accepted.suggested_by == "hedges"  # where it came from stays visible
    decision = SuggestionDecision.objects.get(annotation=accepted)
    assert decision.decision == Decision.ACCEPTED
    with pytest.raises(SuggestionError):
        suggestion_accept(annotation=hedge, user=team["annotator"])


def test_accept_with_changes_is_recorded_as_edited(en_article, team):
    suggestions_run(article=en_article)
    told = next(a for a in suggested(en_article, "attribution") if a.quote.startswith("two"))
    start = en_article.text.index("told Meridian Wire")
    accepted = suggestion_accept(
        annotation=told,
        user=team["annotator"],
        changes={"start": start, "end": told.end, "quote": en_article.text[start : told.end]},
    )
    assert accepted.quote == "told Meridian Wire"
    decision = SuggestionDecision.objects.get(annotation=accepted)
    assert decision.decision == Decision.EDITED
    assert decision.quote == "two local officials told Meridian Wire"  # as suggested
    # The span as suggested does not come back either.
    suggestions_run(article=en_article)
    assert not Annotation.objects.filter(article=en_article, start=told.start, end=told.end)


def test_accept_asks_before_overlapping(en_article, team):
    suggestions_run(article=en_article)
    about = next(a for a in suggested(en_article, "hedge") if a.quote == "about")
    start = en_article.text.index("about 300")
    annotation_create(
        article=en_article,
        kind="hedge",
        start=start,
        end=start + len("about 300"),
        quote="about 300",
        created_by=team["annotator"],
    )
    with pytest.raises(SuggestionOverlap) as overlap:
        suggestion_accept(annotation=about, user=team["annotator"])
    assert [a.quote for a in overlap.value.overlapping] == ["about 300"]
    assert Annotation.objects.get(pk=about.pk).status == Status.SUGGESTED
    accepted = suggestion_accept(annotation=about, user=team["annotator"], allow_overlap=True)
    assert accepted.status == Status.DRAFT


def test_accept_all_of_one_kind(en_article, team):
    suggestions_run(article=en_article)
    result = suggestion_accept_all(article=en_article, kind="hedge", user=team["annotator"])
    assert sorted(a.quote for a in result.accepted) == ["about", "may", "reportedly"]
    assert suggested(en_article, "hedge") == []
    assert suggested(en_article, "attribution")  # other kinds untouched
    assert SuggestionDecision.objects.filter(article=en_article, kind="hedge").count() == 3


def test_date_suggestion_accept_sets_the_claimed_time(en_article, team):
    suggestions_run(article=en_article)
    date = DateSuggestion.objects.get(article=en_article, quote="on Thursday")
    claim = date_suggestion_accept(date_suggestion=date, user=team["annotator"])
    assert claim.claimed_at == datetime(2024, 1, 18, tzinfo=UTC)
    assert claim.claimed_precision == "day"
    assert not DateSuggestion.objects.filter(pk=date.pk).exists()
    assert SuggestionDecision.objects.get(kind="date").decision == Decision.ACCEPTED
    suggestions_run(article=en_article)  # the claim has its time: nothing new
    assert not DateSuggestion.objects.filter(claim=claim).exists()


def test_date_suggestion_reject_stays_rejected(en_article, team):
    suggestions_run(article=en_article)
    date = DateSuggestion.objects.get(article=en_article, quote="on Thursday")
    date_suggestion_reject(date_suggestion=date, user=team["annotator"])
    suggestions_run(article=en_article)
    assert not DateSuggestion.objects.filter(article=en_article, quote="on Thursday").exists()
    assert DateSuggestion.objects.filter(article=en_article, quote="May 2024").exists()


def test_date_suggestion_must_target_a_claim_of_its_article(en_article):
    suggestions_run(article=en_article)
    hedge = suggested(en_article, "hedge")[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        DateSuggestion.objects.create(
            article=en_article,
            claim=hedge,
            start=0,
            end=7,
            quote="Foreign",
            claimed_at=datetime(2024, 1, 18, tzinfo=UTC),
            claimed_precision="day",
            resolution="x",
            suggestion_rule="date:en:weekday",
            confidence=0.5,
        )


def test_a_decision_is_recorded_once_per_span(en_article):
    SuggestionDecision.objects.create(
        article=en_article, kind="hedge", start=0, end=7, quote="Foreign", suggester="hedges",
        rule="hedge:en:x", decision=Decision.REJECTED,
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        SuggestionDecision.objects.create(
            article=en_article, kind="hedge", start=0, end=7, quote="Foreign",
            suggester="hedges", rule="hedge:en:y", decision=Decision.ACCEPTED,
        )  # fmt: skip


def many_articles(project, count, sentence):
    return [make_article(project, f"Report {n}: {sentence}", "en") for n in range(count)]


def test_low_precision_rule_switches_off_and_back_on(team, monkeypatch):
    newsroom = team.project
    monkeypatch.setattr(services, "SWITCH_OFF_MIN_DECISIONS", 5)
    user = team["annotator"]
    articles = many_articles(newsroom, 8, "The convoy may have left the base.")
    for article in articles[:5]:
        suggestions_run(article=article)
        [may] = [a for a in suggested(article, "hedge") if a.quote == "may"]
        suggestion_reject(annotation=may, user=user)
    setting = RuleSetting.objects.get(project=newsroom, rule="hedge:en:may")
    assert not setting.enabled and "0%" in setting.reason and setting.changed_by is None
    stats = {s.rule: s for s in rule_statistics(project=newsroom)}
    assert stats["hedge:en:may"].rejected == 5 and stats["hedge:en:may"].precision == 0
    assert not stats["hedge:en:may"].enabled
    # Switched off: the rule suggests nothing more in this project.
    suggestions_run(article=articles[5])
    assert not any(a.quote == "may" for a in suggested(articles[5]))
    # A person switches it back on: it suggests again, with a fresh count.
    rule_switch(project=newsroom, rule="hedge:en:may", enabled=True, user=team["owner"])
    suggestions_run(article=articles[6])
    [may] = [a for a in suggested(articles[6], "hedge") if a.quote == "may"]
    suggestion_reject(annotation=may, user=user)
    assert RuleSetting.objects.get(project=newsroom, rule="hedge:en:may").enabled


def test_statistics_per_rule_and_suggester(en_article, team):
    suggestions_run(article=en_article)
    hedges = {a.quote: a for a in suggested(en_article, "hedge")}
    suggestion_accept(annotation=hedges["reportedly"], user=team["annotator"])
    suggestion_reject(annotation=hedges["may"], user=team["annotator"])
    stats = {s.rule: s for s in rule_statistics(project=en_article.project)}
    assert stats["hedge:en:reportedly"].accepted == 1
    assert stats["hedge:en:reportedly"].precision == 1.0
    assert stats["hedge:en:may"].rejected == 1
    assert stats["hedge:en:about"].pending == 1 and stats["hedge:en:about"].made == 1
    per_suggester = {s.suggester: s for s in suggester_statistics(project=en_article.project)}
    assert per_suggester["hedges"].made == 3 and per_suggester["hedges"].precision == 0.5
    assert per_suggester["dates"].pending == 2  # "on Thursday", "May 2024"


def test_rule_switch_off_needs_no_typed_reason(team):
    setting = rule_switch(
        project=team.project, rule="claim:place", enabled=False, user=team["owner"]
    )
    assert not setting.enabled and setting.reason == "Switched off by owner."


def test_management_command_runs_the_project(team, en_article, ar_article, ledger):
    make_article(team.project, "Up to 40 trucks reportedly crossed the border on Monday.", "en")
    out = StringIO()
    call_command("suggest", team.slug, stdout=out)
    assert "[4/4]" in out.getvalue()
    assert Annotation.objects.filter(
        article__project=team.project, status=Status.SUGGESTED
    ).exists()


def test_background_task_runs_suggesters(en_article, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    result = suggestions_run_task.enqueue(en_article.pk)
    assert result.return_value["created"]["hedge"] == 3
