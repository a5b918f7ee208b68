"""Issue 13, a second hardening round: login throttling behind a proxy (X-Forwarded-For),
formulas in every CSV cell, texts too rich for the search index, dataset imports that credit
only the project's members, and right-to-left overrides isolated on every page."""

import csv
import io
import json
from html.parser import HTMLParser

import factories
import pytest
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from export_helpers import csv_rows, export_bytes, jsonl_rows

from annotator.accounts.services import api_token_create
from annotator.annotations.kinds import ATTRIBUTION, HEDGE
from annotator.annotations.models import Annotation
from annotator.articles.models import SEARCH_TEXT_CHARS, Article
from annotator.projects.models import Project, Role
from annotator.sources.models import SourceKind
from annotator.spreadsheet import FORMULA_START

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
PROXY = "10.0.0.2"  # the reverse proxy: every request reaches the app from it
ALICE, BOB = "198.51.100.7", "203.0.113.9"


# --- 6. Login throttling behind the documented proxy -----------------------------------


def log_in(username, password, forwarded, peer=PROXY):
    """A login through the proxy: it appends the address it saw to X-Forwarded-For."""
    return Client().post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_the_proxy_one_clients_wrong_passwords_do_not_lock_out_another(team, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in("owner", f"guess-{attempt}", ALICE)
    assert log_in("owner", factories.PASSWORD, ALICE).status_code == 429
    # The owner, from another address behind the same proxy, still logs in.
    assert log_in("owner", factories.PASSWORD, BOB).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ALICE}


def test_a_forged_forwarded_address_is_not_believed(team, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # Alice writes her own X-Forwarded-For, a new address each time; the proxy appends hers.
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in("owner", "wrong", f"192.0.2.{attempt}, {ALICE}")
    assert log_in("owner", factories.PASSWORD, f"192.0.2.99, {ALICE}").status_code == 429
    # Forging Bob's address locks out neither Bob nor the owner's logins from him.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in("reviewer", "wrong", f"{BOB}, {ALICE}")
    assert log_in("reviewer", factories.PASSWORD, BOB).status_code == 302
    # A header that is no address falls back to the proxy's: refused, not an error.
    assert log_in("annotator", "wrong", "not an address").status_code == 200


def test_without_a_trusted_proxy_the_header_is_ignored(team, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0  # the default: clients reach the app directly
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in("owner", "wrong", f"192.0.2.{attempt}", peer=ALICE)
    assert log_in("owner", factories.PASSWORD, BOB, peer=ALICE).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ALICE}


# --- 7. Every text cell of every CSV is defused -----------------------------------------

HYPERLINK = '=HYPERLINK("http://evil.example/","Click")'
CLAIM_TEXT = "+972 soldiers left the base on Tuesday, @Ministry officials said, reportedly."


@pytest.fixture
def formula_event(team):
    """An event whose outlet, event title, cited source, quotes and hedge all start like
    spreadsheet formulas."""
    outlet = factories.source(team.project, HYPERLINK, grade="B")
    cited = factories.source(team.project, "-cmd|' /C calc'!A0", kind=SourceKind.PERSON)
    event = factories.event(team.project, "=1+1 withdrawal")
    text = factories.article(team.project, CLAIM_TEXT, title="@SUM(1) report", outlet=outlet)
    claim = factories.span(text, "+972 soldiers left the base on Tuesday", event=event)
    said = factories.span(text, "@Ministry officials said", ATTRIBUTION, cited_source=cited)
    hedge = factories.span(text, "reportedly", HEDGE, hedge_type="hearsay")
    factories.link(said, claim)
    factories.link(hedge, claim)
    return event


def assert_no_formula(rows):
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), (cell, row)


def test_event_timeline_csv_defuses_every_text_cell(login, team, formula_event):
    url = reverse("events:timeline_csv", args=[team.slug, formula_event.pk])
    table = login(team["annotator"]).get(url).content.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(table, newline="")))
    assert len(rows) == 1
    assert_no_formula(rows)
    row = dict(zip(header, rows[0], strict=True))
    assert row["outlet"] == "'" + HYPERLINK
    assert row["quote"] == "'+972 soldiers left the base on Tuesday"
    assert row["attribution_chain"].startswith("'" + HYPERLINK)


def test_claims_csv_export_defuses_every_text_cell(team, formula_event):
    rows = csv_rows(export_bytes(team.slug, "csv", "--include-all"))
    assert len(rows) == 1
    assert_no_formula([row.values() for row in rows])
    assert rows[0]["outlet"] == "'" + HYPERLINK
    assert rows[0]["article_title"] == "'@SUM(1) report"
    assert rows[0]["event"] == "'=1+1 withdrawal"


# --- 10. A text of too many distinct words for PostgreSQL's tsvector --------------------


def made_up_word(number: int) -> str:
    """A distinct word of consonants (no English stem, no stop word) for each number."""
    letters = "bcdfghjklmnpqrstvwxz"
    word = ""
    while True:
        number, digit = divmod(number, len(letters))
        word += letters[digit]
        if not number:
            return "q" + word


def test_a_text_of_200000_distinct_words_is_imported_and_searchable(team, api_as, login):
    words = [made_up_word(n) for n in range(200_000)]
    text = " ".join(words) + "."
    assert len(text) > 10 * SEARCH_TEXT_CHARS  # and its whole tsvector would exceed 1 MB
    response = api_as(team["annotator"])(
        "post",
        f"/api/projects/{team.slug}/article-imports/",
        {"text": text, "title": "Glossary of the Qarmal dialect", "language": "en"},
    )
    assert response.status_code == 201, response.content[:500]
    article = Article.objects.get(project=team.project)
    assert article.text == text
    page = reverse("projects:detail", args=[team.slug])
    client = login(team["annotator"])
    for query in (words[3], "Qarmal"):  # from the start of the text, and from the title
        found = client.get(page, {"q": query})
        assert found.status_code == 200
        assert "Glossary of the Qarmal dialect" in found.content.decode()


# --- 11. The dataset import credits only the project's members --------------------------


@pytest.fixture
def exported_line(team):
    """One exported article (a claim by the annotator, a grade by the reviewer) as a dict."""
    text = factories.article(team.project, "Shelling hit the market at dawn, residents said.")
    factories.span(text, "Shelling hit the market at dawn", by=team["annotator"])
    (row,) = jsonl_rows(export_bytes(team.slug, "jsonl", "--include-all"))
    return row


def import_via_command(tmp_path, slug, row):
    path = tmp_path / f"{slug}.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_dataset", str(path), "--project", slug, stdout=out, stderr=err)
    return err.getvalue()


def test_import_credits_non_members_to_the_importer_and_does_not_tell_who_exists(
    tmp_path, team, outsider, exported_line
):
    warnings = {}
    for name in ("outsider", "ghost"):  # a user of another project; no such user at all
        target = factories.project(slug=f"to-{name}", owner=team["owner"])
        exported_line["spans"][0]["annotator"] = name
        warnings[name] = import_via_command(tmp_path, target.slug, exported_line)
        claim = Annotation.objects.get(article__project=target)
        assert claim.created_by == team["owner"]  # the importing owner, not `outsider`
    assert "not a member of this project" in warnings["ghost"]
    assert warnings["outsider"].replace("outsider", "ghost") == warnings["ghost"]
    assert "No user" not in warnings["ghost"]


def test_import_credits_members_by_their_username(tmp_path, team, exported_line):
    target = factories.project(slug="members", owner=team["owner"])
    annotator = factories.member(target, Role.ANNOTATOR, "annotator-b")
    exported_line["spans"][0]["annotator"] = "annotator-b"
    assert import_via_command(tmp_path, target.slug, exported_line) == ""
    assert Annotation.objects.get(article__project=target).created_by == annotator


def test_api_import_gives_one_neutral_warning_for_many_strangers(team, outsider, exported_line):
    target = factories.project(slug="via-api", owner=team["owner"])
    exported_line["spans"][0]["annotator"] = "outsider"
    exported_line["spans"][0]["reviewer"] = "nobody-here"
    upload = SimpleUploadedFile("data.jsonl", (json.dumps(exported_line) + "\n").encode())
    key = api_token_create(user=team["owner"], name="import")[1]
    response = Client().post(
        f"/api/projects/{target.slug}/import",
        {"file": upload},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["articles"] == 1 and body["errors"] == []
    assert body["warnings"] == [
        "2 people named in the file are not members of this project (“outsider”, "
        "“nobody-here”): their work is credited to owner."
    ]
    claim = Annotation.objects.get(article__project=target)
    assert claim.created_by == team["owner"] and claim.reviewed_by == team["owner"]


# --- 12. Right-to-left overrides are isolated -------------------------------------------


class _Isolation(HTMLParser):
    """Collects the text of every text node holding `marker` and whether an element around
    it isolates its direction: <bdi>, any element with a dir attribute, or a form control
    or non-rendered element whose text is laid out on its own."""

    SELF_CONTAINED = {"bdi", "option", "textarea", "title", "script", "style"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}

    def __init__(self, marker):
        super().__init__(convert_charrefs=True)
        self.marker, self.stack, self.found = marker, [], []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            isolating = tag in self.SELF_CONTAINED or any(name == "dir" for name, _ in attrs)
            self.stack.append((tag, isolating))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        if self.marker in data:
            self.found.append((data.strip(), any(isolating for _, isolating in self.stack)))


def unisolated(html: str, marker: str = RLO) -> tuple[int, list[str]]:
    """How many text nodes hold the marker, and those that nothing isolates."""
    parser = _Isolation(marker)
    parser.feed(html)
    return len(parser.found), [text for text, isolated in parser.found if not isolated]


@pytest.fixture
def rtl_project(db):
    """A project whose name, description and guidelines, a source's name and domain, hold
    right-to-left overrides: "evil<RLO>txt.exe" would read as "evilexe.txt"."""
    owner = factories.user("rtl-owner")
    project = factories.project(
        f"Newsroom {RLO}moorswen",
        slug="rtl",
        owner=owner,
        guidelines=f"# Rules\n\nMark every claim {RLO}ylluferac.\n\n- One {RLO}tsil item",
    )
    Project.objects.filter(pk=project.pk).update(description=f"Reports {RLO}stroper of the war")
    wire = factories.source(project, f"Wire {RLO}eriw", domain=f"wire.example{RLO}moc")
    factories.source(project, "Meridian Wire")
    text = factories.article(project, "Troops withdrew on Tuesday, officials said.", outlet=wire)
    return project, owner, wire, text


def test_user_text_with_an_override_is_isolated_on_every_page(login, rtl_project):
    project, owner, wire, text = rtl_project
    client = login(owner)
    other = project.sources.exclude(pk=wire.pk).get()
    slug = project.slug
    pages = [
        reverse("projects:list"),
        reverse("projects:detail", args=[slug]),
        reverse("articles:list", args=[slug]),
        reverse("articles:upload", args=[slug]),
        reverse("sources:list", args=[slug]),
        reverse("sources:detail", args=[slug, wire.pk]),
        reverse("sources:detail", args=[slug, other.pk]),  # "Merge into …" names `other`
        reverse("sources:merge", args=[slug, other.pk]) + f"?merge={wire.pk}",
        reverse("events:list", args=[slug]),
        reverse("review:queue", args=[slug]),
        reverse("suggestions:stats", args=[slug]),
        reverse("exports:page", args=[slug]),
        reverse("workspace:article", args=[slug, text.pk]),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        shown, loose = unisolated(response.content.decode())
        assert shown > 0, page  # the project's name at least
        assert loose == [], page


def test_rule_and_token_names_with_an_override_are_isolated(login, rtl_project):
    project, owner, *_ = rtl_project
    client = login(owner)
    rule = f"hedge.{RLO}yldetroper"
    toggle = reverse("suggestions:toggle", args=[project.slug])
    page = client.post(toggle, {"rule": rule, "enabled": "0"}, follow=True)
    html = page.content.decode()
    assert "switched off" in html
    shown, loose = unisolated(html, marker="yldetroper")
    assert shown >= 2 and loose == []  # the message and the rules table
    tokens = client.post(reverse("accounts:tokens"), {"name": f"job {RLO}nekot"}, follow=True)
    shown, loose = unisolated(tokens.content.decode(), marker="nekot")
    assert shown >= 2 and loose == []  # the message and the tokens table


def test_a_proxy_that_adds_the_clients_port_still_tells_clients_apart(team, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in("owner", f"guess-{attempt}", f"{ALICE}:51000")
    assert log_in("owner", factories.PASSWORD, f"{ALICE}:51001").status_code == 429
    assert log_in("owner", factories.PASSWORD, "[2001:db8::9]:443").status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ALICE}
