"""Walk every URL pattern: anonymous users go to the login page; members of another
project get 404 for this project's pages. A new URL needs a sample value below."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from annotator.demo.data import DEMO_SLUG

# Sample values for URL parameters; add one when a new parameter appears.
SAMPLE_KWARGS = {
    "slug": DEMO_SLUG,
    "token_id": 1,
    "username": "annotator",
    "key": "not-a-key",
    "uidb64": "MQ",
    "token": "not-a-token",
}
PUBLIC = {
    "login",
    "healthz",
    "workspace:kinds_css",
    "api:openapi-json",
    "api:openapi-view",
    # Password reset by e-mail (a made-up link: its page says the link does not work).
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
}
# No login needed, and the answer is about the link: a made-up invite key is not found.
PUBLIC_LINKS = {"projects:invite"}


def walk(patterns, namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # Django admin has its own login (covered below)
            yield from walk(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, list(entry.pattern.converters)


def all_urls():
    urls = []
    for name, params in walk(get_resolver().url_patterns):
        # Ids: any number does (outsiders are refused before anything is looked up).
        kwargs = {p: SAMPLE_KWARGS.get(p, 1 if p.endswith("_id") else None) for p in params}
        missing = [p for p, value in kwargs.items() if value is None]
        assert not missing, f"{name}: add a sample value for {missing} to SAMPLE_KWARGS"
        urls.append((name, reverse(name, kwargs=kwargs)))
    return urls


URLS = all_urls()


@pytest.mark.parametrize(("name", "url"), URLS)
def test_anonymous_is_sent_to_login(client, demo, name, url):
    if name in PUBLIC:
        assert client.get(url).status_code == 200
        return
    if name in PUBLIC_LINKS:
        assert client.get(url).status_code == 404
        return
    response = client.get(url)
    if name.startswith("api:"):
        assert response.status_code in (401, 404, 405)  # the API wants a token, not a session
        return
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("name", "url"), [(n, u) for n, u in URLS if f"/p/{DEMO_SLUG}/" in u])
def test_member_of_another_project_gets_404(login, demo, outsider, name, url):
    client = login(outsider)
    response = client.get(url)
    if response.status_code == 405:  # a POST-only endpoint
        response = client.post(url)
    assert response.status_code == 404


def test_admin_needs_staff(client, login, demo, demo_users):
    assert client.get("/admin/").status_code == 302
    assert login(demo_users["annotator"]).get("/admin/").status_code == 302
    assert login(demo_users["owner"]).get("/admin/").status_code == 200
