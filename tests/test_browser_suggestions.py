"""Suggestions decided with the keyboard in a real browser: y accepts, n rejects,
Shift+A accepts the rest of a kind after a preview."""

import hashlib
from datetime import UTC, datetime

import pytest

from annotator.annotations.models import Annotation
from annotator.articles.models import Article
from annotator.projects.models import Project
from annotator.suggestions.runs import suggestions_run

pytestmark = pytest.mark.browser
TEXT = (
    "Troops reportedly left the eastern base on Thursday, according to Meridian Wire.\n\n"
    "The convoy may have included up to 40 trucks, local officials said. It is believed to "
    "have crossed the river allegedly at night."
)


def test_accept_reject_and_accept_all(page_as):
    article = Article.objects.create(
        project=Project.objects.get(slug="demo"),
        title="Convoy",
        text=TEXT,
        language="en",
        published_at=datetime(2025, 3, 15, 12, 0, tzinfo=UTC),
        published_precision="minute",
        text_sha256=hashlib.sha256(TEXT.encode()).hexdigest(),
    )
    suggestions_run(article=article)
    hedges = Annotation.objects.filter(article=article, kind="hedge", status="suggested")
    assert hedges.count() >= 4
    page = page_as("annotator")
    page.goto(f"/p/demo/articles/{article.pk}/")
    page.click("#article-text mark.st-suggested.hl-hedge >> text=reportedly")
    page.wait_for_selector("#accept-suggestion")
    page.keyboard.press("y")
    page.wait_for_function(
        "() => !document.querySelector('#article-text mark.st-suggested[data-id]')"
        " || document.querySelector('#detail [data-selected]').dataset.selected"
    )
    page.wait_for_timeout(200)
    assert Annotation.objects.get(article=article, quote="reportedly").status == "draft"
    first_open = page.get_attribute("#detail [data-selected]", "data-selected")
    page.keyboard.press("n")
    page.wait_for_function(
        "id => document.querySelector('#detail [data-selected]')?.dataset.selected !== id",
        arg=first_open,
    )
    assert not Annotation.objects.filter(pk=int(first_open)).exists()
    hedge = page.locator("#article-text mark.st-suggested.hl-hedge").first
    hedge_id = hedge.get_attribute("data-id")
    hedge.click()
    page.wait_for_selector(f'#detail [data-selected="{hedge_id}"] #accept-all-kind')
    page.keyboard.press("Shift+A")
    page.wait_for_selector("#confirm-accept-all")
    page.click("#confirm-accept-all")
    page.wait_for_selector("#flash p.info")
    assert not Annotation.objects.filter(article=article, kind="hedge", status="suggested").exists()
