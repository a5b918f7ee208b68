"""Hostile input in a real browser: on every page that shows it, no dialog opens, no
script or event handler from the data exists in the page, and a right-to-left override
from the data cannot reorder the text around it (it stays inside an isolated run)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from hostile_data import RLO, hostile_project_make, pages

from annotator.demo.data import DEMO_SLUG
from annotator.projects.models import Project

# Text nodes holding U+202E must sit in an element that isolates its direction
# (unicode-bidi: isolate, as dir="auto" and <bdi> give), or end the block they are in,
# or be in a paragraph of an article's text, which is its own bidi paragraph.
LEAKING_OVERRIDES = """(rlo) => {
  const isolating = new Set(['isolate', 'plaintext', 'isolate-override']);
  const leaks = [];
  let seen = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    if (!node.data.includes(rlo)) continue;
    if (!node.parentElement.checkVisibility()) continue;  // e.g. an SVG <title> tooltip
    seen += 1;
    let element = node.parentElement;
    let contained = false;
    while (element && element !== document.body) {
      const style = getComputedStyle(element);
      if (style.display === 'inline' && isolating.has(style.unicodeBidi)) {
        contained = true;
        break;
      }
      if (style.display !== 'inline' && style.display !== 'contents') {
        // An article's text (unicode-bidi: plaintext: each line its own bidi paragraph):
        // the override is the article's own and reorders nothing past its line's end.
        if (style.unicodeBidi === 'plaintext' && element.closest('#article-text')) {
          contained = true;
          break;
        }
        const after = document.createRange();
        after.setStartAfter(node);
        after.setEnd(element, element.childNodes.length);
        contained = after.toString().trim() === '';
        break;
      }
      element = element.parentElement;
    }
    if (!contained) leaks.push((element || node.parentElement).outerHTML.slice(0, 300));
  }
  return {leaks, seen};
}"""

FOREIGN_CODE = """() => ({
  inlineScripts: document.querySelectorAll('script:not([src])').length,
  foreignScripts: [...document.scripts].filter(s => s.src && !s.src.includes('/static/')).length,
  handlers: [...document.querySelectorAll('*')].filter(
    el => [...el.attributes].some(a => a.name.startsWith('on'))).length,
  javascriptLinks: [...document.querySelectorAll('[href], [src], [action]')].filter(
    el => /^\\s*javascript:/i.test(el.getAttribute('href') || el.getAttribute('src')
                                    || el.getAttribute('action') || '')).length,
})"""


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.browser
def test_hostile_input_runs_nothing_in_the_browser(page_as, artifacts):
    project = Project.objects.get(slug=DEMO_SLUG)
    users = {u.username: u for u in get_user_model().objects.filter(memberships__project=project)}
    h = hostile_project_make(project, users, _client)
    dialogs, browser_pages = [], {}
    for who in ("owner", "annotator"):
        browser_pages[who] = page_as(who)
        browser_pages[who].on(
            "dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss())
        )
    problems, overrides_seen = [], 0
    for who, url, _shown in pages(h):
        page = browser_pages[who]
        page.goto(url)
        page.wait_for_load_state("networkidle")
        found = page.evaluate(FOREIGN_CODE)
        if any(found.values()):
            problems.append(f"{url}: {found}")
        overrides = page.evaluate(LEAKING_OVERRIDES, RLO)
        overrides_seen += overrides["seen"]
        for leak in overrides["leaks"]:
            problems.append(f"{url}: direction override not isolated in {leak}")
        if "/articles/" in url and "?selected=" in url:
            page.screenshot(path=artifacts / "xss-workspace.png", full_page=True)
    assert dialogs == [], dialogs
    assert overrides_seen > 20  # the hostile values were on the pages
    assert problems == [], "\n".join(problems)
