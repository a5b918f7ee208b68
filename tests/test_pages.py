import pytest
from django.urls import reverse

from annotator.projects.models import Project


def test_login_page_and_login(client, demo):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b"Log in" in page.content
    response = client.post(reverse("login"), {"username": "owner", "password": "demo"})
    assert response.status_code == 302
    assert client.get(reverse("projects:list")).status_code == 200


def test_wrong_password_says_so(client, demo):
    page = client.post(reverse("login"), {"username": "owner", "password": "nope"})
    assert page.status_code == 200
    assert b"enter a correct username and password" in page.content


def test_project_list_shows_only_my_projects(login, demo, outsider):
    page = login(outsider).get(reverse("projects:list"))
    assert b"Other newsroom" in page.content
    assert demo.name.encode() not in page.content


def test_project_page_lists_articles_with_counts(
    login, demo, demo_users, django_assert_max_num_queries
):
    client = login(demo_users["annotator"])
    with django_assert_max_num_queries(6):
        page = client.get(reverse("projects:detail", args=[demo.slug]))
    html = page.content.decode()
    assert "Foreign troops withdraw from Tal Safra base, officials say" in html
    assert "القوات الأجنبية تخلي قاعدة تل صفرا قرب مطار قرمل" in html
    assert "Annotation guidelines" in html


def test_guidelines_markdown_is_sanitised(login, demo, demo_users):
    Project.objects.filter(pk=demo.pk).update(
        guidelines="**Bold** <script>alert(1)</script> [x](javascript:alert(1))"
    )
    html = login(demo_users["owner"]).get(reverse("projects:detail", args=[demo.slug])).content
    assert b"<strong>Bold</strong>" in html
    assert b"<script>alert" not in html
    assert b"javascript:" not in html


@pytest.mark.parametrize("path", ["/", "/login/"])
def test_security_headers(client, demo, path):
    response = client.get(path, follow=True)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
