import factories
import pytest
from django.urls import reverse

from annotator.annotations.kinds import ATTRIBUTION, HEDGE
from annotator.projects.models import Project

WIRE = (
    "QARMAL, March 12 (Meridian Wire) - Foreign troops withdrew from the Tal Safra base "
    "on Tuesday, two local officials told Meridian Wire.\n\n"
    "The base lies 3 km west of Qarmal airport and housed about 300 personnel."
)
SAHIL = "أفادت مصادر محلية لصحيفة الساحل بأن القوات الأجنبية أخلت قاعدة تل صفرا يوم الاثنين."


@pytest.fixture
def newsroom(team):
    """The team's project with guidelines and two annotated articles, English and Arabic."""
    Project.objects.filter(pk=team.project.pk).update(guidelines="Mark the **shortest** clause.")
    wire = factories.article(
        team.project, WIRE, title="Foreign troops withdraw from Tal Safra base, officials say"
    )
    claim = factories.span(wire, "Foreign troops withdrew from the Tal Safra base")
    factories.link(factories.span(wire, "two local officials told", kind=ATTRIBUTION), claim)
    factories.link(factories.span(wire, "about", kind=HEDGE), factories.span(wire, "300"))
    sahil = factories.article(
        team.project,
        SAHIL,
        title="القوات الأجنبية تخلي قاعدة تل صفرا قرب مطار قرمل",
        language="ar",
    )
    factories.span(sahil, "القوات الأجنبية أخلت قاعدة تل صفرا")
    return team


def test_login_page_and_login(client, team):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b"Log in" in page.content
    response = client.post(reverse("login"), {"username": "owner", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("projects:list")).status_code == 200


def test_wrong_password_says_so(client, team):
    page = client.post(reverse("login"), {"username": "owner", "password": "nope"})
    assert page.status_code == 200
    assert b"enter a correct username and password" in page.content


def test_project_list_shows_only_my_projects(login, team, outsider):
    page = login(outsider).get(reverse("projects:list"))
    assert b"Other newsroom" in page.content
    assert team.project.name.encode() not in page.content


def test_project_page_lists_articles_with_counts(login, newsroom, django_assert_max_num_queries):
    client = login(newsroom["annotator"])
    with django_assert_max_num_queries(6):
        page = client.get(reverse("projects:detail", args=[newsroom.slug]))
    html = page.content.decode()
    assert "Foreign troops withdraw from Tal Safra base, officials say" in html
    assert "القوات الأجنبية تخلي قاعدة تل صفرا قرب مطار قرمل" in html
    assert "Annotation guidelines" in html


def test_guidelines_markdown_is_sanitised(login, team):
    Project.objects.filter(pk=team.project.pk).update(
        guidelines="**Bold** <script>alert(1)</script> [x](javascript:alert(1))"
    )
    html = login(team["owner"]).get(reverse("projects:detail", args=[team.slug])).content
    assert b"<strong>Bold</strong>" in html
    assert b"<script>alert" not in html
    assert b"javascript:" not in html


@pytest.mark.parametrize("path", ["/", "/login/"])
def test_security_headers(client, team, path):
    response = client.get(path, follow=True)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
