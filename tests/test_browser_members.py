"""The members, invite and account pages in Chromium: no critical or serious axe violation
and nothing wider than a phone; an invite link followed from another browser."""

from pathlib import Path

import factories
import pytest
from django.urls import reverse

from annotator.projects.models import Membership, Role
from annotator.projects.services import invite_create

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


def _problems(page) -> list[str]:
    """axe's critical and serious violations, and how far the page is wider than the screen."""
    found = page.evaluate("() => axe.run(document).then(r => r.violations)")
    lines = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in found
        if v["impact"] in ("critical", "serious")
    ]
    excess = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return lines + ([f"{excess}px wider than the screen"] if excess > 0 else [])


def _login(page, username):
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


@pytest.mark.browser
def test_member_pages_are_accessible_on_desktop_and_phone(
    transactional_db, live_server, browser, team, artifacts
):
    assert AXE.exists(), "axe-core is missing: run `npm ci --prefix tests/axe` (make test does)"
    factories.user("staff", is_staff=True)
    slug = team.slug
    _, key = invite_create(
        user=team["owner"], project=team.project, role=Role.REVIEWER, days=7, note="for Dana"
    )
    removed = Membership.objects.get(project=team.project, user=team["annotator2"])
    pages = {
        None: [
            ("invite", reverse("projects:invite", args=[key])),
            ("reset", reverse("accounts:password_reset")),
            ("reset-sent", reverse("accounts:password_reset_done")),
            ("reset-bad-link", reverse("accounts:password_reset_confirm", args=["MQ", "x-y"])),
        ],
        "owner": [
            ("members", reverse("projects:members", args=[slug])),
            ("remove", reverse("projects:member_remove", args=[slug, removed.pk])),
            ("password", reverse("accounts:password_change")),
            ("invite-member", reverse("projects:invite", args=[key])),
        ],
        "staff": [("account-new", reverse("accounts:account_new"))],
    }
    context = browser.new_context(base_url=live_server.url)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    errors, problems = [], {}
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        for size_name, size in VIEWPORTS.items():
            page.set_viewport_size(size)
            for who, urls in pages.items():
                page.context.clear_cookies()
                if who:
                    _login(page, who)
                for label, url in urls:
                    assert page.goto(url).status == 200, url
                    problems[f"{label} {size_name}"] = _problems(page)
                    page.screenshot(path=str(artifacts / f"members-{label}-{size_name}.png"))
            # The page after making an invite link, with the link shown once.
            page.context.clear_cookies()
            _login(page, "owner")
            page.goto(reverse("projects:members", args=[slug]))
            page.click("text=Create invite link")
            page.wait_for_selector("input[aria-label='New invite link']")
            problems[f"members-new-link {size_name}"] = _problems(page)
    finally:
        context.close()
    failing = {where: found for where, found in problems.items() if found}
    assert not failing, failing
    assert not errors, errors


@pytest.mark.browser
def test_an_invite_link_opened_in_another_browser_makes_an_account(
    transactional_db, live_server, browser, team
):
    owner_context = browser.new_context(base_url=live_server.url)
    newcomer_context = browser.new_context(base_url=live_server.url)
    try:
        owner = owner_context.new_page()
        _login(owner, "owner")
        owner.goto(reverse("projects:members", args=[team.slug]))
        owner.select_option("#invite-role", "reviewer")
        owner.fill("#invite-note", "for Dana")
        owner.click("text=Create invite link")
        link = owner.input_value("input[aria-label='New invite link']")
        newcomer = newcomer_context.new_page()
        newcomer.goto(link)
        newcomer.fill("#id_username", "dana")
        newcomer.fill("#id_name", "Dana Haddad")
        newcomer.fill("#id_password1", "a long pass phrase")
        newcomer.fill("#id_password2", "a long pass phrase")
        newcomer.click("text=Make my account and join")
        newcomer.wait_for_url(f"**/p/{team.slug}/")
        assert "you joined as reviewer" in newcomer.inner_text(".messages")
        # The owner changes the newcomer's role from the members page.
        owner.goto(reverse("projects:members", args=[team.slug]))
        assert "dana joined as a reviewer" in owner.inner_text(".member-history")
        row = owner.locator("tr", has_text="dana")
        row.locator("select").select_option("annotator")
        row.locator("text=Change").click()
        owner.wait_for_selector("text=dana is now annotator")
        assert Membership.objects.get(user__username="dana").role == Role.ANNOTATOR
    finally:
        owner_context.close()
        newcomer_context.close()
