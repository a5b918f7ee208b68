"""`manage.py import_articles`: files, folders and zips through the import service."""

import io
import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from annotator.articles.models import Article, ImportBatch

ENGLISH = (
    "Night market returns to the old harbour\n\n"
    "Stalls reopened on Friday evening for the first time since the floods, organisers said.\n"
)
ARABIC = (
    "2024.02.01 | 18:20 بيروت\n\n"
    "عودة سوق الليل إلى الميناء القديم بعد الفيضانات\n\n"
    "أعيد فتح الأكشاك مساء الجمعة للمرة الأولى منذ الفيضانات، بحسب المنظمين.\n"
)


def run(*args):
    out = StringIO()
    call_command("import_articles", *args, stdout=out)
    return out.getvalue()


def test_imports_files_folders_and_zips_and_prints_each_result(team, tmp_path):
    folder = tmp_path / "desk"
    folder.mkdir()
    (folder / "market.txt").write_text(ENGLISH)
    (folder / "arabic.txt").write_bytes(ARABIC.encode("utf-16"))
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4 not an article")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("again/market.txt", ENGLISH)
        archive.writestr("../evil.txt", "escape attempt words words")
    (tmp_path / "more.zip").write_bytes(buffer.getvalue())
    output = run("--project", team.slug, "--user", "owner", str(folder), str(tmp_path / "more.zip"))
    assert "imported  desk/market.txt → #" in output
    assert "Night market returns to the old harbour" in output
    assert "imported  desk/arabic.txt" in output and "2024-02-01 18:20 Asia/Beirut" in output
    assert "rejected  desk/notes.pdf: This is a PDF document" in output
    assert "unpacked  more.zip: 2 files unpacked" in output
    assert "duplicate more.zip/again/market.txt → same text as #" in output
    assert "rejected  more.zip/../evil.txt: Unsafe file name" in output
    assert "2 imported, 1 duplicate, 2 rejected, of 5 files." in output
    arabic = Article.objects.get(title="عودة سوق الليل إلى الميناء القديم بعد الفيضانات")
    assert (arabic.language, arabic.published_tz) == ("ar", "Asia/Beirut")
    assert arabic.uploaded_by.username == "owner"
    batch = ImportBatch.objects.get()
    assert (batch.origin, batch.status) == ("command", "done")  # visible on the upload page


def test_outlet_and_language_options_apply_to_every_file(team, tmp_path):
    (tmp_path / "a.txt").write_text(ENGLISH)
    run("--project", team.slug, "--outlet", "Harbour Radio", "--language", "en", str(tmp_path))
    article = Article.objects.get(title="Night market returns to the old harbour")
    assert (article.outlet.name, article.language) == ("Harbour Radio", "en")


@pytest.mark.parametrize(
    ("args", "message"),
    [  # "newsroom" is the slug of the `team` fixture's project
        (["--project", "nope", "x.txt"], "No project with the slug “nope”"),
        (["--project", "newsroom", "/no/such/file.txt"], "no such file or folder"),
        (["--project", "newsroom", "--user", "ghost", "/"], "No user “ghost”"),
    ],
)
def test_clear_errors_for_bad_arguments(team, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_many_files_are_imported_a_few_queries_for_many(
    team, tmp_path, django_assert_max_num_queries
):
    folder = tmp_path / "desk"
    folder.mkdir()
    for n in range(60):
        (folder / f"{n:02}.txt").write_text(f"Report number {n}\n\n{ENGLISH}")
    (folder / "60.txt").write_text(f"Report number 7\n\n{ENGLISH}")  # a twin of 07.txt
    (folder / "61.txt").write_bytes(b"%PDF-1.4 not an article")
    # A dozen per file when each file had its own transaction (824 here); now 97.
    with django_assert_max_num_queries(120):
        output = run("--project", team.slug, str(folder))
    assert "60 imported, 1 duplicate, 1 rejected, of 62 files." in output
    assert "rejected  desk/61.txt: This is a PDF document" in output
    original = Article.objects.get(title="Report number 7")
    assert f"duplicate desk/60.txt → same text as #{original.pk}" in output
    assert original.source_file.name == "desk/07.txt"
