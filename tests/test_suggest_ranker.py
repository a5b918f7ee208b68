"""The claim ranker: learnt from a project's claim decisions, it re-ranks claim candidates."""

from datetime import UTC, datetime

import factories
import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from annotator.annotations.models import Annotation
from annotator.articles.models import Article
from annotator.suggestions.models import ClaimRanker, ClaimScore, SuggestionDecision
from annotator.suggestions.ranker import precision_at_top
from annotator.suggestions.runs import suggestions_run
from annotator.suggestions.services import (
    pending_suggestions,
    suggestion_accept,
    suggestion_reject,
)
from annotator.suggestions.tasks import claim_ranker_train_task

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# The rules rank this newsroom's boilerplate ("updated at …", "Follow us …": a date, a number,
# a place) above its real claims; the editors reject the boilerplate.
EN = (
    "Troops withdrew from the northern base near {place}, officials said. "
    "This story was updated at 1{i}:30 on Sunday in {place}. "
    "The army moved heavy armour out of the eastern district, a commander told reporters. "
    "Follow Meridian Wire on Telegram for updates, 24 hours a day since 201{i}."
)
AR = (
    "انسحبت القوات من القاعدة الشمالية قرب {place}، بحسب مسؤولين. "
    "تم تحديث هذا الخبر الساعة 1{i}:30 يوم الأحد. "
    "وقال قائد إن الجيش نقل مدرعات ثقيلة من الحي الشرقي. "
    "تابعونا على تلغرام للحصول على آخر الأخبار على مدار 24 ساعة منذ 201{i}."
)
WANTED = ("Troops", "The army", "Soldiers", "انسحبت", "الجيش", "انسحب")
NEW_EN = (
    "This story was updated at 09:15 on Monday in Beit Hanoun. "
    "Soldiers withdrew from the western airfield near Beit Hanoun, witnesses said."
)
NEW_AR = "تم تحديث هذا الخبر الساعة 09:15 يوم الاثنين. انسحب الجنود من المطار الغربي، بحسب شهود."


def make_article(project, text, language, title):
    return factories.article(
        project,
        text,
        title=title,
        language=language,
        published_at=datetime(2024, 1, 19, 9, 0, tzinfo=UTC),
        published_precision="minute",
    )


def claims(article):
    return list(pending_suggestions(article=article, kind="claim"))


def decide_like_the_editors(project, user, articles=5, arabic=3, first=0):
    """Suggest on `articles` English and `arabic` Arabic articles (from the `first` place on)
    and decide every claim candidate: the real claims accepted, the boilerplate rejected."""
    places = ["Tal Safra", "Dar Naim", "Kafr Sult", "Ain Hawr", "Wadi Reem"]
    places_ar = ["تل صفرا", "دار نعيم", "كفر سلت"]
    texts = [(EN.format(place=places[i], i=i), "en") for i in range(first, first + articles)]
    texts += [(AR.format(place=places_ar[i], i=i), "ar") for i in range(first, first + arabic)]
    for n, (text, language) in enumerate(texts):
        article = make_article(project, text, language, f"Base {first + n}")
        suggestions_run(article=article)
        for candidate in claims(article):
            if candidate.quote.startswith(WANTED):
                suggestion_accept(annotation=candidate, user=user)
            else:
                suggestion_reject(annotation=candidate, user=user)


def stats_url(team):
    return reverse("suggestions:stats", args=[team.slug])


def retrain_url(team):
    return reverse("suggestions:retrain", args=[team.slug])


def test_precision_at_top_breaks_ties_fairly():
    assert precision_at_top([0.9, 0.8, 0.1], [True, False, True], 2) == 0.5
    # Four tied candidates, two wanted: any two of them are wanted half the time.
    assert precision_at_top([0.5, 0.5, 0.5, 0.5], [True, True, False, False], 2) == 0.5
    assert precision_at_top([0.9, 0.5, 0.5, 0.1], [False, True, False, True], 2) == 0.25


def test_training_learns_from_claim_decisions(team, settings):
    decide_like_the_editors(team.project, team["reviewer"])
    assert (
        SuggestionDecision.objects.filter(article__project=team.project, kind="claim").count() == 32
    )
    settings.TASKS = IMMEDIATE
    result = claim_ranker_train_task.enqueue(team.project.pk).return_value
    assert result["trained"] and result["decisions"] == 32
    ranker = ClaimRanker.objects.get(project=team.project)
    assert (ranker.decisions, ranker.accepted, ranker.rejected, ranker.top_k) == (32, 16, 16, 11)
    # Cross-validated: the rules put the boilerplate on top, the model the claims.
    assert ranker.precision_before < 0.3
    assert ranker.precision_after == 1.0 and ranker.in_use
    assert ranker.seconds < 5 and len(bytes(ranker.model)) > 1000
    # Deterministic: the same decisions give the same figures.
    again = claim_ranker_train_task.enqueue(team.project.pk).return_value
    assert (again["precision_before"], again["precision_after"]) == (
        result["precision_before"],
        result["precision_after"],
    )


def test_too_few_decisions_no_model_and_the_page_says_why(login, team, settings):
    decide_like_the_editors(team.project, team["reviewer"], articles=2, arabic=0)  # 8 decisions
    settings.TASKS = IMMEDIATE
    result = claim_ranker_train_task.enqueue(team.project.pk).return_value
    assert not result["trained"] and "Too few decisions" in result["message"]
    assert not ClaimRanker.objects.exists()
    client = login(team["reviewer"])
    html = client.get(stats_url(team)).content.decode()
    assert "No model yet." in html
    assert "needs at least 10 decided claim candidates, 3 accepted and 3 rejected" in html
    assert "this project has 8 (4 accepted, 4 rejected)" in html
    # Asking for a retraining says the same, and queues nothing.
    response = client.post(retrain_url(team), follow=True)
    assert "Too few decisions to learn from" in response.content.decode()
    assert not ClaimRanker.objects.exists()


def test_reranking_puts_candidates_like_the_accepted_ones_first(login, team, settings):
    waiting = make_article(team.project, NEW_EN, "en", "Waiting")
    suggestions_run(article=waiting)
    by_rules = [c.quote for c in claims(waiting)]
    assert by_rules[0].startswith("This story was updated")  # confidence 0.8 against 0.6
    decide_like_the_editors(team.project, team["reviewer"])
    settings.TASKS = IMMEDIATE
    claim_ranker_train_task.enqueue(team.project.pk)
    # Pending candidates were scored when the model was trained …
    assert claims(waiting)[0].quote.startswith("Soldiers withdrew")
    assert ClaimScore.objects.filter(annotation__article=waiting).count() == 2
    # The editor's list of open claim candidates (the Shift+A preview) shows it first.
    preview = login(team["annotator"]).get(
        reverse("suggestions:accept_all", args=[team.slug, waiting.pk]),
        {"kind": "claim"},
        HTTP_HX_REQUEST="true",
    )
    html = preview.content.decode()
    assert html.index("Soldiers withdrew") < html.index("This story was updated")
    # … and new ones are scored as they are suggested, Arabic ones too.
    arabic = make_article(team.project, NEW_AR, "ar", "جديد")
    suggestions_run(article=arabic)
    ranked = claims(arabic)
    assert ranked[0].quote.startswith("انسحب الجنود")
    assert ranked[0].confidence < ranked[1].confidence  # the rules' own figure stays
    assert ranked[0].claim_score.score > 0.5 > ranked[1].claim_score.score


def test_decisions_queue_training_by_themselves(team, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks() as queued:
        decide_like_the_editors(team.project, team["annotator"], articles=2, arabic=1)
    # 12 decisions: queued once, at the 10th, when both kinds had 3 or more …
    trainings = [c for c in queued if "claim_ranker" in c.__qualname__]
    assert len(trainings) == 1
    trainings[0]()  # … and run by the worker later, on what there is by then.
    assert ClaimRanker.objects.get(project=team.project).decisions == 12
    with django_capture_on_commit_callbacks(execute=True) as queued:
        decide_like_the_editors(team.project, team["annotator"], articles=3, arabic=0, first=2)
    assert len([c for c in queued if "claim_ranker" in c.__qualname__]) == 1  # at the 20th
    assert ClaimRanker.objects.get(project=team.project).decisions == 24


def test_page_shows_precision_before_and_after(
    login, team, settings, django_assert_max_num_queries
):
    decide_like_the_editors(team.project, team["reviewer"])
    settings.TASKS = IMMEDIATE
    claim_ranker_train_task.enqueue(team.project.pk)
    ranker = ClaimRanker.objects.get(project=team.project)
    client = login(team["annotator"])
    with django_assert_max_num_queries(13):
        response = client.get(stats_url(team))
    html = response.content.decode()
    before = round(ranker.precision_before * 100)
    assert f"Precision before (rules)</dt><dd>{before}%</dd>" in html
    assert 'Precision after (model)</dt><dd class="better">100%</dd>' in html
    assert "32 decisions (16 accepted, 16 rejected)" in html
    assert "the top 11 of the 32 decided candidates" in html
    assert f'datetime="{ranker.trained_at.isoformat()}"' in html
    assert "editors see the candidates most like the ones accepted here first" in html
    assert "Retrain now" not in html  # annotators do not retrain
    assert "Retrain now" in login(team["reviewer"]).get(stats_url(team)).content.decode()


def test_a_model_no_better_than_the_rules_is_not_used(login, team, settings):
    decide_like_the_editors(team.project, team["reviewer"])
    settings.TASKS = IMMEDIATE
    claim_ranker_train_task.enqueue(team.project.pk)
    ClaimRanker.objects.filter(project=team.project).update(
        precision_after=0.2, precision_before=0.5
    )
    html = login(team["reviewer"]).get(stats_url(team)).content.decode()
    assert "did not rank better than the rules" in html
    waiting = make_article(team.project, NEW_EN, "en", "Waiting")
    suggestions_run(article=waiting)
    assert claims(waiting)[0].quote.startswith("This story was updated")  # rules' order
    assert not ClaimScore.objects.filter(annotation__article=waiting).exists()


def test_a_model_pickled_by_another_scikit_learn_is_not_loaded(login, team, settings):
    decide_like_the_editors(team.project, team["reviewer"])
    settings.TASKS = IMMEDIATE
    claim_ranker_train_task.enqueue(team.project.pk)
    ClaimRanker.objects.filter(project=team.project).update(
        library_version="0.1", model=b"not a model"
    )
    waiting = make_article(team.project, NEW_EN, "en", "Waiting")
    suggestions_run(article=waiting)  # no error: ranked by the rules
    assert claims(waiting)[0].quote.startswith("This story was updated")
    html = login(team["reviewer"]).get(stats_url(team)).content.decode()
    assert "saved by scikit-learn 0.1" in html and "retrain it" in html


def test_retrain_button_is_for_reviewers_and_the_worker_trains(
    login, team, outsider, monkeypatch, django_capture_on_commit_callbacks
):
    decide_like_the_editors(team.project, team["reviewer"], articles=3, arabic=0)
    assert login(team["annotator"]).post(retrain_url(team)).status_code == 403
    assert login(outsider).post(retrain_url(team)).status_code == 404
    assert login(team["reviewer"]).get(retrain_url(team)).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):  # settings: the database backend
        response = login(team["reviewer"]).post(retrain_url(team))
    assert response.status_code == 302 and response.url == stats_url(team)
    queued = DBTaskResult.objects.get(task_path__endswith="claim_ranker_train_task")
    assert queued.status == "READY" and not ClaimRanker.objects.exists()
    # `manage.py db_worker`, in this process and the test's transaction.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL" and queued.return_value["trained"]
    assert ClaimRanker.objects.get(project=team.project).decisions == 12
    page = login(team["owner"]).get(stats_url(team)).content.decode()
    assert "12 decisions (6 accepted, 6 rejected)" in page


@pytest.mark.browser
def test_reviewer_retrains_from_the_page(live_pages, team, settings, artifacts):
    decide_like_the_editors(team.project, team["reviewer"], articles=3, arabic=1)
    settings.TASKS = IMMEDIATE  # the button's task runs at once, in the server
    page = live_pages(team["reviewer"], {"width": 1400, "height": 1000})
    page.goto(f"/p/{team.slug}/suggestions/")
    section = page.inner_text("#claim-ranker")
    assert "No model yet" in section and "16 decided claim candidates (8 accepted, 8" in section
    page.click("#retrain-ranker")
    page.wait_for_selector(".ranker-figures")
    assert "Retraining on 16 claim decisions" in page.inner_text(".messages")
    figures = page.inner_text(".ranker-figures")
    assert "Precision before (rules)" in figures
    assert "16 decisions (8 accepted, 8 rejected)" in figures
    page.screenshot(path=artifacts / "suggestions-ranker.png", full_page=True)


def test_a_retraining_with_too_few_decisions_drops_the_old_model(team, settings):
    decide_like_the_editors(team.project, team["reviewer"], articles=3, arabic=0)
    settings.TASKS = IMMEDIATE
    claim_ranker_train_task.enqueue(team.project.pk)
    assert ClaimRanker.objects.filter(project=team.project).exists()
    Article.objects.filter(project=team.project, title__in=["Base 0", "Base 1"]).delete()
    result = claim_ranker_train_task.enqueue(team.project.pk).return_value
    assert not result["trained"] and not ClaimRanker.objects.exists()
    assert (
        Annotation.objects.filter(article__project=team.project, claim_score__isnull=False).count()
        == 0
    )
