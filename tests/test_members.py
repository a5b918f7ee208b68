"""Members, invite links and accounts without the admin: the members page and its API,
invites, staff's new-account page, password change and reset by e-mail."""

import re
from datetime import timedelta

import factories
import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends import locmem
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from annotator.annotations.models import Annotation
from annotator.projects.models import Invite, Membership, Role
from annotator.projects.services import invite_key_hash

User = get_user_model()


def members_url(team):
    return reverse("projects:members", args=[team.slug])


def membership(team, name):
    return Membership.objects.get(project=team.project, user=team[name])


def role_of(team, name):
    return membership(team, name).role


def logs_in(username, password) -> bool:
    response = Client().post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def history_text(client, team):
    page = client.get(members_url(team)).content.decode()
    section = page.split('id="history-head"', 1)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))


# --- the members page ---------------------------------------------------------------


def test_owner_sees_members_with_role_and_join_date(login, team, django_assert_max_num_queries):
    for _ in range(20):
        factories.member(team.project, Role.ANNOTATOR)
    client = login(team["owner"])
    with django_assert_max_num_queries(12):
        page = client.get(members_url(team))
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("owner", "reviewer", "annotator", "annotator2"):
        assert f"<strong>{name}</strong>" in html
    assert 'aria-label="Role of reviewer"' in html
    assert membership(team, "reviewer").created_at.strftime("%-d %b %Y") in html
    assert 'Members <span class="count">24</span>' in html


def test_members_page_and_link_are_for_owners_only(login, team, outsider):
    assert (
        'href="/p/newsroom/members/"'
        in login(team["owner"]).get(reverse("projects:detail", args=[team.slug])).content.decode()
    )
    for name in ("reviewer", "annotator"):
        client = login(team[name])
        detail = client.get(reverse("projects:detail", args=[team.slug])).content.decode()
        assert "/members/" not in detail
        assert client.get(members_url(team)).status_code == 403
        assert client.post(members_url(team), {"who": "outsider"}).status_code == 403
    assert login(outsider).get(members_url(team)).status_code == 404
    assert not Membership.objects.filter(user=outsider, project=team.project).exists()


def test_owner_adds_by_username_or_email(login, team):
    factories.user("dana", email="Dana@Example.org")
    factories.user("sami")
    client = login(team["owner"])
    response = client.post(members_url(team), {"who": "sami", "role": Role.REVIEWER})
    assert response.status_code == 302
    response = client.post(members_url(team), {"who": "dana@example.org", "role": "annotator"})
    assert response.status_code == 302
    roles = dict(
        Membership.objects.filter(project=team.project).values_list("user__username", "role")
    )
    assert roles["sami"] == Role.REVIEWER and roles["dana"] == Role.ANNOTATOR
    assert "dana added as annotator" in client.get(members_url(team)).content.decode()


def test_an_address_finds_the_person_whose_address_it_is(client, login, team):
    """A username shaped like someone's address cannot be made, and one made earlier does
    not stand in for the person whose address it is."""
    dana = factories.user("dana", email="dana@example.org")
    factories.user("dana@example.org")  # made before usernames refused "@"
    response = login(team["owner"]).post(
        members_url(team), {"who": "Dana@example.org", "role": Role.OWNER}
    )
    assert response.status_code == 302
    added = Membership.objects.get(project=team.project, role=Role.OWNER, user__username="dana")
    assert added.user == dana
    link = make_invite(login(team["owner"]), team)
    signup = {"password1": "a long pass phrase", "password2": "a long pass phrase"}
    refused = client.post(link, {"username": "lina@example.org", **signup})
    assert refused.status_code == 422 and "cannot hold “@”" in refused.content.decode()
    assert not User.objects.filter(username="lina@example.org").exists()


def test_unknown_account_or_member_already_is_a_clear_422_keeping_the_input(login, team):
    client = login(team["owner"])
    page = client.post(members_url(team), {"who": "nobody@example.org", "role": "reviewer"})
    assert page.status_code == 422
    html = page.content.decode()
    assert "No account has the username or e-mail address “nobody@example.org”" in html
    assert 'value="nobody@example.org"' in html
    assert '<option value="reviewer" selected>' in html
    page = client.post(members_url(team), {"who": "annotator", "role": "reviewer"})
    assert page.status_code == 422
    assert "annotator is already a member" in page.content.decode()
    assert role_of(team, "annotator") == Role.ANNOTATOR
    page = client.post(members_url(team), {"who": "annotator2", "role": "boss"})
    assert page.status_code == 422 and "Unknown role" in page.content.decode()


def test_role_change_counts_from_the_next_request(login, team):
    annotator = login(team["annotator"])
    queue = reverse("review:queue", args=[team.slug])
    assert annotator.get(queue).status_code == 403
    target = membership(team, "annotator")
    response = login(team["owner"]).post(
        reverse("projects:member_role", args=[team.slug, target.pk]), {"role": "reviewer"}
    )
    assert response.status_code == 302
    assert annotator.get(queue).status_code == 200
    login(team["owner"]).post(
        reverse("projects:member_role", args=[team.slug, target.pk]), {"role": "annotator"}
    )
    assert annotator.get(queue).status_code == 403


def test_the_last_owner_is_neither_demoted_nor_removed(login, team):
    client = login(team["owner"])
    own = membership(team, "owner")
    page = client.post(
        reverse("projects:member_role", args=[team.slug, own.pk]), {"role": "reviewer"}
    )
    assert page.status_code == 422
    assert "The project needs an owner" in page.content.decode()
    page = client.post(
        reverse("projects:member_remove", args=[team.slug, own.pk]), {"confirm": "1"}
    )
    assert page.status_code == 422
    assert role_of(team, "owner") == Role.OWNER
    # With a second owner the first may step down.
    second = membership(team, "reviewer")
    client.post(reverse("projects:member_role", args=[team.slug, second.pk]), {"role": "owner"})
    response = client.post(
        reverse("projects:member_role", args=[team.slug, own.pk]), {"role": "reviewer"}
    )
    assert response.status_code == 302
    assert response.url == reverse("projects:detail", args=[team.slug])
    assert role_of(team, "owner") == Role.REVIEWER
    assert client.get(members_url(team)).status_code == 403


def test_removal_asks_first_and_keeps_the_members_annotations(login, team):
    text = factories.article(team.project, "Troops left the base on Tuesday, officials said.")
    claim = factories.span(text, "Troops left the base", by=team["annotator"])
    target = membership(team, "annotator")
    client = login(team["owner"])
    remove = reverse("projects:member_remove", args=[team.slug, target.pk])
    question = client.get(remove)
    assert question.status_code == 200
    assert "Their annotations stay in the project, credited to them" in question.content.decode()
    assert client.post(remove).status_code == 200  # no confirm: still the question
    assert Membership.objects.filter(pk=target.pk).exists()
    assert client.post(remove, {"confirm": "1"}).status_code == 302
    assert not Membership.objects.filter(pk=target.pk).exists()
    assert Annotation.objects.get(pk=claim.pk).created_by == team["annotator"]
    article = reverse("workspace:article", args=[team.slug, text.pk])
    assert login(team["annotator"]).get(article).status_code == 404


def test_history_says_who_changed_what(login, team):
    factories.user("sami")
    client = login(team["owner"])
    client.post(members_url(team), {"who": "sami", "role": "annotator"})
    sami = Membership.objects.get(project=team.project, user__username="sami")
    client.post(reverse("projects:member_role", args=[team.slug, sami.pk]), {"role": "reviewer"})
    client.post(reverse("projects:member_remove", args=[team.slug, sami.pk]), {"confirm": "1"})
    history = history_text(client, team)
    removed = history.index("owner removed sami")
    promoted = history.index("owner made sami a reviewer")
    added = history.index("owner added sami as an annotator")
    assert removed < promoted < added  # newest first
    today = timezone.now().strftime("%Y-%m-%d")
    assert re.search(rf"{today} \d\d:\d\d · owner removed sami", history)


def test_history_leaves_out_updates_that_keep_the_role(login, team):
    Membership.objects.filter(pk=membership(team, "annotator").pk).update(
        guidelines_seen_at=timezone.now()
    )
    assert "annotator became" not in history_text(login(team["owner"]), team)


# --- the API ------------------------------------------------------------------------


def test_api_members_add_change_remove(api_as, team):
    factories.user("sami", email="sami@example.org")
    owner = api_as(team["owner"])
    listed = owner("get", f"/api/projects/{team.slug}/members/")
    assert listed.status_code == 200
    assert {m["username"]: m["role"] for m in listed.json()}["reviewer"] == "reviewer"
    added = owner(
        "post",
        f"/api/projects/{team.slug}/members/",
        {"username_or_email": "SAMI@example.org", "role": "reviewer"},
    )
    assert added.status_code == 201
    assert added.json()["username"] == "sami" and added.json()["role"] == "reviewer"
    changed = owner("patch", f"/api/projects/{team.slug}/members/sami/", {"role": "owner"})
    assert changed.status_code == 200 and changed.json()["role"] == "owner"
    assert owner("delete", f"/api/projects/{team.slug}/members/sami/").status_code == 204
    assert not Membership.objects.filter(project=team.project, user__username="sami").exists()


def test_api_refusals(api_as, team, outsider):
    owner = api_as(team["owner"])
    members = f"/api/projects/{team.slug}/members/"
    not_found = owner("post", members, {"username_or_email": "nobody"})
    assert not_found.status_code == 422
    assert "No account has" in not_found.json()["detail"]
    assert owner("patch", f"{members}annotator/", {"role": "chief"}).status_code == 422
    assert owner("patch", f"{members}annotator/", {}).status_code == 422
    last = owner("patch", f"{members}owner/", {"role": "annotator"})
    assert last.status_code == 422 and "needs an owner" in last.json()["detail"]
    assert owner("delete", f"{members}owner/").status_code == 422
    assert owner("delete", f"{members}nobody/").status_code == 404
    reviewer = api_as(team["reviewer"])
    assert reviewer("get", members).status_code == 200
    assert reviewer("delete", f"{members}annotator/").status_code == 403
    assert reviewer("patch", f"{members}reviewer/", {"role": "owner"}).status_code == 403
    assert api_as(outsider)("get", members).status_code == 404
    assert role_of(team, "reviewer") == Role.REVIEWER


# --- invite links -------------------------------------------------------------------


def make_invite(client, team, role="reviewer", days="7", note="for Dana"):
    page = client.post(
        reverse("projects:invite_create", args=[team.slug]),
        {"role": role, "days": days, "note": note},
    )
    assert page.status_code == 200, page.content.decode()[:2000]
    return page.context["new_link"]


def test_invite_link_is_shown_once_and_stored_hashed(login, team):
    client = login(team["owner"])
    link = make_invite(client, team)
    key = link.rstrip("/").rsplit("/", 1)[1]
    invite = Invite.objects.get(project=team.project)
    assert invite.key_sha256 == invite_key_hash(key) and key not in invite.key_sha256
    assert (invite.expires_at - timezone.now()).days == 6  # 7 days less a moment
    page = client.get(members_url(team)).content.decode()
    assert key not in page and "for Dana" in page


def test_invite_days_and_role_are_checked(login, team):
    client = login(team["owner"])
    url = reverse("projects:invite_create", args=[team.slug])
    for days in ("91", "0", "seven", "-3"):
        page = client.post(url, {"role": "annotator", "days": days, "note": "x"})
        assert page.status_code == 422
        assert "from 1 to 90 days" in page.content.decode()
    assert client.post(url, {"role": "king", "days": "3"}).status_code == 422
    assert not Invite.objects.exists()
    assert login(team["reviewer"]).post(url, {"role": "owner", "days": "3"}).status_code == 403


def test_new_person_accepts_an_invite_and_lands_on_the_project(client, login, team):
    link = make_invite(login(team["owner"]), team, role="reviewer")
    page = client.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert "The Newsroom" in html and "<strong>reviewer</strong>" in html
    response = client.post(
        link,
        {
            "username": "dana",
            "name": "Dana Haddad",
            "password1": "a long pass phrase",
            "password2": "a long pass phrase",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("projects:detail", args=[team.slug])
    dana = User.objects.get(username="dana")
    assert dana.get_full_name() == "Dana Haddad" and dana.check_password("a long pass phrase")
    assert Membership.objects.get(project=team.project, user=dana).role == Role.REVIEWER
    assert client.get(reverse("review:queue", args=[team.slug])).status_code == 200  # logged in
    invite = Invite.objects.get()
    assert invite.accepted_by == dana and invite.accepted_at is not None
    history = history_text(login(team["owner"]), team)
    assert "dana joined as a reviewer" in history


def test_bad_account_details_are_a_422_that_keeps_the_username(client, login, team):
    link = make_invite(login(team["owner"]), team)
    fields = {"username": "dana", "name": "Dana", "password1": "123", "password2": "123"}
    page = client.post(link, fields)
    assert page.status_code == 422
    assert "too short" in page.content.decode() and 'value="dana"' in page.content.decode()
    page = client.post(link, {**fields, "password1": "a long pass phrase", "password2": "other"})
    assert page.status_code == 422 and "The two passwords differ" in page.content.decode()
    page = client.post(
        link,
        {
            **fields,
            "username": "Owner",
            "password1": "a long pass phrase",
            "password2": "a long pass phrase",
        },
    )
    assert page.status_code == 422 and "This username is taken" in page.content.decode()
    assert not User.objects.filter(username="dana").exists()
    assert Invite.objects.get().accepted_at is None


def test_logged_in_person_joins_with_one_click(login, team, outsider):
    link = make_invite(login(team["owner"]), team, role="annotator")
    client = login(outsider)
    page = client.get(link)
    assert "Join as outsider" in page.content.decode()
    response = client.post(link)
    assert response.status_code == 302
    assert Membership.objects.get(project=team.project, user=outsider).role == Role.ANNOTATOR
    already = login(team["annotator"])
    link = make_invite(login(team["owner"]), team)
    page = already.post(link)
    assert page.status_code == 422 and "already a member" in page.content.decode()


def test_a_link_works_once(client, login, team):
    link = make_invite(login(team["owner"]), team)
    fields = {"password1": "a long pass phrase", "password2": "a long pass phrase"}
    assert client.post(link, {"username": "dana", **fields}).status_code == 302
    second = Client()
    page = second.post(link, {"username": "eve", **fields})
    assert page.status_code == 410
    assert "has been used" in page.content.decode()
    assert second.get(link).status_code == 410
    assert not User.objects.filter(username="eve").exists()


def test_expired_revoked_and_unknown_links_say_why(client, login, team):
    owner = login(team["owner"])
    expired = make_invite(owner, team)
    Invite.objects.update(
        created_at=timezone.now() - timedelta(days=9), expires_at=timezone.now() - timedelta(days=2)
    )
    page = client.get(expired)
    assert page.status_code == 410 and "expired on" in page.content.decode()
    revoked = make_invite(owner, team)
    invite = Invite.objects.get(revoked_at__isnull=True, expires_at__gt=timezone.now())
    assert "for Dana" in owner.get(members_url(team)).content.decode()
    owner.post(reverse("projects:invite_revoke", args=[team.slug, invite.pk]))
    page = client.post(revoked, {"username": "dana", "password1": "x", "password2": "x"})
    assert page.status_code == 410 and "withdrawn" in page.content.decode()
    page = client.get(reverse("projects:invite", args=["not-a-real-key"]))
    assert page.status_code == 404 and "not valid" in page.content.decode()
    assert "No open invite links" in owner.get(members_url(team)).content.decode()


# --- accounts -----------------------------------------------------------------------


def test_staff_make_accounts_with_a_generated_password(login, team):
    new = reverse("accounts:account_new")
    assert login(team["owner"]).get(new).status_code == 403  # an owner, not staff
    staff = login(factories.user("admin", is_staff=True))
    assert 'href="/accounts/new/"' in staff.get(reverse("projects:list")).content.decode()
    page = staff.post(
        new, {"username": "dana", "email": "dana@example.org", "name": "Dana", "generate": "1"}
    )
    assert page.status_code == 200
    password = page.context["generated"]
    assert password and password in page.content.decode()
    dana = User.objects.get(username="dana")
    assert dana.email == "dana@example.org" and dana.first_name == "Dana"
    assert logs_in("dana", password)
    assert password not in staff.get(new).content.decode()


def test_staff_account_refusals_keep_the_input(login, team):
    staff = login(factories.user("admin", is_staff=True))
    new = reverse("accounts:account_new")
    page = staff.post(new, {"username": "reviewer", "email": "not an address", "name": "R"})
    assert page.status_code == 422
    html = page.content.decode()
    assert "Type a password, or tick" in html and 'value="not an address"' in html
    page = staff.post(new, {"username": "REVIEWER", "email": "x@example.org", "password": "pw"})
    html = page.content.decode()
    assert page.status_code == 422 and "This username is taken" in html and "too short" in html
    page = staff.post(new, {"username": "dana", "email": "bad", "password": "a long pass phrase"})
    assert page.status_code == 422 and "not an e-mail address" in page.content.decode()
    assert not User.objects.filter(username="dana").exists()


def test_password_change(login, team):
    user = login(team["annotator"])
    change = reverse("accounts:password_change")
    assert 'href="/password/change/"' in user.get(reverse("projects:list")).content.decode()
    page = user.post(change, {"old_password": "wrong", "new_password1": "x", "new_password2": "x"})
    assert page.status_code == 200 and "incorrectly" in page.content.decode()
    response = user.post(
        change,
        {
            "old_password": factories.PASSWORD,
            "new_password1": "a long pass phrase",
            "new_password2": "a long pass phrase",
        },
    )
    assert response.status_code == 302
    assert user.get(response.url).status_code == 200
    assert logs_in("annotator", "a long pass phrase")


@pytest.mark.parametrize("address", ["annotator@example.org", "ANNOTATOR@example.org"])
def test_password_reset_by_email(client, team, address):
    User.objects.filter(pk=team["annotator"].pk).update(email="annotator@example.org")
    login_page = client.get(reverse("login")).content.decode()
    assert 'href="/password/reset/"' in login_page
    response = client.post(reverse("accounts:password_reset"), {"email": address})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["annotator@example.org"]
    link = re.search(r"https?://\S+/password/reset/\S+/\S+/", mail.outbox[0].body).group(0)
    set_password = client.get(link)
    assert set_password.status_code == 302  # Django moves the token out of the address
    page = client.get(set_password.url)
    assert page.status_code == 200 and "Choose a new password" in page.content.decode()
    done = client.post(
        set_password.url,
        {"new_password1": "a long pass phrase", "new_password2": "a long pass phrase"},
    )
    assert done.status_code == 302
    assert client.get(done.url).status_code == 200
    assert logs_in("annotator", "a long pass phrase")
    assert "does not work" in Client().get(link, follow=True).content.decode()  # used


def test_password_reset_does_not_say_whether_an_address_has_an_account(client, team):
    User.objects.filter(pk=team["annotator"].pk).update(email="annotator@example.org")
    known = client.post(reverse("accounts:password_reset"), {"email": "annotator@example.org"})
    unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert [m.to for m in mail.outbox] == [["annotator@example.org"]]


def test_a_mail_server_that_is_away_answers_as_usual(client, team, monkeypatch):
    """Django logs the failure and answers as for any address: no error page, and nothing
    said about whether the address has an account."""
    User.objects.filter(pk=team["annotator"].pk).update(email="annotator@example.org")

    def refuse(self, messages):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse)
    response = client.post(reverse("accounts:password_reset"), {"email": "annotator@example.org"})
    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_done")
