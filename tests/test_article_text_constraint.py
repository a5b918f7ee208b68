"""The database refuses an article text that is not NFC with "\\n" line ends, whatever wrote
it (article_text_normalised), and its quick path (NFC_SAFE) holds only characters that are
NFC whatever surrounds them."""

import re
import unicodedata

import factories
import pytest
from django.db import IntegrityError, transaction

from annotator.articles.models import NFC_SAFE, Article
from annotator.articles.services import text_sha256

pytestmark = pytest.mark.django_db


def store(project, text):
    with transaction.atomic():
        return Article.objects.create(
            project=project, title="t", text=text, text_sha256=text_sha256(text)
        )


@pytest.mark.parametrize(
    "text",
    [
        "Plain ASCII news.\nSecond paragraph.",
        "Café “quoted” – 5 € and 3 km²",
        "قالَ المتحدثُ إنّ القوات انسحبت",  # Arabic with harakat: past the quick path
        "Ḗ and \u0622 precomposed",
        "Emoji 😀 and 漢字",
    ],
)
def test_nfc_texts_are_stored(project, text):
    assert unicodedata.is_normalized("NFC", text)
    assert store(project, text).pk


@pytest.mark.parametrize(
    "text",
    [
        "cafe\u0301",  # e + combining acute: NFC is é
        "\u0627\u0653 alef and madda above",  # composes to U+0622
        "Resistance in \u2126",  # OHM SIGN: NFC is GREEK CAPITAL OMEGA
        "\u212b",  # ANGSTROM SIGN
        "line\r\nends",
    ],
)
def test_other_texts_are_refused_by_the_database(project, text):
    with pytest.raises(IntegrityError):
        store(project, text)


def _safe_characters():
    for start, end in re.findall(r"\\u([0-9a-f]{4})(?:-\\u([0-9a-f]{4}))?", NFC_SAFE):
        yield from range(int(start, 16), int(end or start, 16) + 1)


def test_the_quick_path_holds_only_characters_nfc_in_any_company():
    composed_onto = set()  # second characters of canonical pairs: they may join the one before
    for code in range(0x110000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            composed_onto.add(int(parts[1], 16))
    safe = list(_safe_characters())
    assert len(safe) > 1400  # the ranges were read
    for code in safe:
        char = chr(code)
        assert unicodedata.category(char) not in ("Cn", "Cs", "Co"), hex(code)  # assigned
        assert unicodedata.combining(char) == 0, hex(code)
        assert unicodedata.normalize("NFC", char) == char, hex(code)
        assert code not in composed_onto, hex(code)


@pytest.fixture
def project():
    return factories.project()
