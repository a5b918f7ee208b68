import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVectorExact,
    SearchVectorField,
)
from django.db import models
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Length
from django.db.models.lookups import Exact

from annotator.datetimes import in_range
from annotator.projects.models import Project
from annotator.sources.models import Source

# Characters that are NFC whatever surrounds them (Unicode's NFC quick check says yes, and
# none combines: canonical combining class 0, second of no composition pair), in the
# scripts of most news: ASCII, Latin, Greek, Cyrillic, Arabic letters and digits,
# punctuation, currency and letter-like signs, Arabic presentation forms. A text made of
# them alone is NFC, so the check below looks no further: a regular expression costs a fifth
# of `IS NFC NORMALIZED` (16 against 80 µs for 3,000 characters, on every article stored).
# Normalization is stable for assigned characters (tests/test_article_text_constraint.py
# checks each).
# Before it, an ASCII text (as many bytes as characters: most English articles) needs no
# look at its characters at all (the expression costs 40 µs for 3,000 on a slow machine).
NFC_SAFE = (
    r"\n\u0020-\u007e\u00a0-\u024f\u0370-\u0373\u0375-\u0377\u037a-\u037d\u037f"
    r"\u0384-\u0386\u0388-\u038a\u038c\u038e-\u03a1\u03a3-\u03ff\u0400-\u0482"
    r"\u0488-\u04ff\u0600-\u060f\u061b-\u064a\u0660-\u066f\u0671-\u06d5\u06dd-\u06de"
    r"\u06e5-\u06e6\u06e9\u06ee-\u06ff\u2010-\u205e\u20a0-\u20c0\u2100-\u2125"
    r"\u2127-\u2129\u212c-\u214f\ufe70-\ufe74\ufe76-\ufefc\ufeff"
)


class OctetLength(models.Func):
    function = "OCTET_LENGTH"
    output_field = models.IntegerField()


class IsNFC(models.Func):
    """SQL `x IS NFC NORMALIZED`: lets the database refuse text that is not NFC."""

    template = "(%(expressions)s IS NFC NORMALIZED)"
    output_field = models.BooleanField()


class ArticleStatus(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    READY = "ready", "Ready for review"
    REVIEWED = "reviewed", "Reviewed"


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MINUTE = "minute", "Minute"


# A tsvector holds at most 1 MB (PostgreSQL refuses more, and the whole INSERT with it), and
# positions past 16,383 are all counted as 16,383: only the first SEARCH_TEXT_CHARS
# characters of a text are indexed. Each indexed character costs at most ~6 bytes of
# tsvector (a distinct one-character word of 3 UTF-8 bytes and its separator), so 100,000 of
# them and a 500-character title stay under the limit whatever the words; a news article
# is far shorter, so a search still sees all of it.
SEARCH_TEXT_CHARS = 100_000


def search_vector_sql(title: str, text: str, language: str) -> str:
    """The SQL of an article's tsvector from its title, text and language columns: title
    (weight A) and the text's first SEARCH_TEXT_CHARS characters (weight B), stemmed by the
    article's language. Arabic articles use PostgreSQL's `arabic` configuration, English
    ones `english`, everything else `simple`."""
    config = (
        f"CASE split_part({language}, '-', 1) WHEN 'ar' THEN 'arabic'::regconfig"
        f" WHEN 'en' THEN 'english'::regconfig ELSE 'simple'::regconfig END"
    )
    return (
        f"setweight(to_tsvector({config}, {title}), 'A')"
        f" || setweight(to_tsvector({config}, left({text}, {SEARCH_TEXT_CHARS})), 'B')"
    )


class ArticleSearchVector(models.Func):
    """The article's tsvector (search_vector_sql) computed from its columns; `article` is
    the path to the article from another model ("article__")."""

    output_field = SearchVectorField()

    def __init__(self, article: str = ""):
        columns = (models.F(f"{article}{name}") for name in ("title", "text", "language"))
        super().__init__(*columns)

    def as_sql(self, compiler, connection, **extra_context):
        # Plain columns: no parameters (each is used twice in the SQL).
        columns = [compiler.compile(column)[0] for column in self.get_source_expressions()]
        return search_vector_sql(*columns), []


SEARCH_CONFIGS = ("english", "arabic", "simple")


def article_search_query(words: str) -> SearchQuery:
    """One tsquery that matches `words` stemmed as English, as Arabic or unstemmed.

    Each article's vector is stemmed by its own language, so OR-ing the three forms finds
    English and Arabic articles alike with one constant query (which the GIN index serves).
    """
    query = SearchQuery(words, config=SEARCH_CONFIGS[0], search_type="websearch")
    for config in SEARCH_CONFIGS[1:]:
        query = query | SearchQuery(words, config=config, search_type="websearch")
    return query


def article_search_condition(words: str) -> models.Q:
    """Articles matching `words`: by their stored vector (a subquery the GIN index answers),
    or for an article the worker has not indexed yet (article_search_pending), by its
    vector computed here. Each article asks for its own pending row first, so the vector is
    computed only where there is none, whatever plan PostgreSQL picks (as a join, or a
    subquery of all pending articles, it could compute every article's, once per row)."""
    query = article_search_query(words)
    indexed = ArticleSearch.objects.filter(vector=query).values("article_id")
    pending = models.Exists(
        ArticleSearch.objects.filter(article=models.OuterRef("pk"), vector__isnull=True)
    )
    return models.Q(pk__in=indexed) | models.Q(
        pending, SearchVectorExact(ArticleSearchVector(), query)
    )


class ArticleQuerySet(models.QuerySet):
    def search(self, words: str):
        """Articles matching `words` (web-search syntax), annotated with their rank."""
        vector = Coalesce(models.F("search__vector"), ArticleSearchVector())
        return self.filter(article_search_condition(words)).annotate(
            rank=SearchRank(vector, article_search_query(words))
        )

    def not_indexed(self):
        return self.filter(search__vector__isnull=True)

    def with_annotation_counts(self):
        """Annotate `counts`, {kind: n} of the annotations people made that stand (drafts
        and approved ones), and `suggested`, how many suggestions are open: two subqueries,
        so the main query needs no GROUP BY and pagination stays cheap. Kinds and statuses
        by name: the annotations app builds on this one."""
        counts = RawSQL(
            "SELECT coalesce(jsonb_object_agg(kind, n), '{}'::jsonb) FROM"  # noqa: S608
            " (SELECT kind, count(*) AS n FROM annotations_annotation"
            "  WHERE article_id = articles_article.id AND status IN ('draft', 'approved')"
            "  GROUP BY kind) AS per_kind",
            [],
            output_field=models.JSONField(),
        )
        suggested = RawSQL(
            "SELECT count(*) FROM annotations_annotation"
            " WHERE article_id = articles_article.id AND status = 'suggested'",
            [],
            output_field=models.IntegerField(),
        )
        return self.annotate(counts=counts, suggested=suggested)


class Article(models.Model):
    # Indexed by article_project_published and the unique text, which begin with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="articles", db_index=False
    )
    outlet = models.ForeignKey(
        Source,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        db_index=False,  # a partial index (Meta): imported articles often name none
    )
    title = models.CharField(max_length=500)
    url = models.URLField(max_length=2000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_precision = models.CharField(max_length=10, choices=DatePrecision.choices, blank=True)
    # The time zone the source gave ("+05:30", "Asia/Damascus"); empty when it gave none,
    # in which case a minute-precision time is the source's local wall-clock time.
    published_tz = models.CharField(max_length=64, blank=True)
    # The words the date was read from, e.g. "Published January 17th, 2024 at 19:32 IST".
    published_raw = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=35, blank=True, help_text="BCP 47 tag, e.g. en, ar.")
    # An outlet name found in the upload (site name, domain) that matches no Source yet:
    # the review table offers to create it.
    outlet_proposed = models.CharField(max_length=200, blank=True)
    # Offsets of every annotation index this text in code points: it is stored NFC
    # with "\n" line ends and never changes once annotated (see the trigger below).
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="uploaded_articles",
    )
    status = models.CharField(
        max_length=20, choices=ArticleStatus.choices, default=ArticleStatus.NEW
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["project", "-published_at"], name="article_project_published"),
            models.Index(
                fields=["outlet"], condition=models.Q(outlet__isnull=False), name="article_outlet"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "text_sha256"], name="article_unique_text_per_project"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ArticleStatus.values), name="article_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(text_sha256__regex=r"^[0-9a-f]{64}$"),
                name="article_sha256_hex",
            ),
            models.CheckConstraint(
                condition=models.Q(published_at__isnull=True, published_precision="")
                | models.Q(
                    published_at__isnull=False, published_precision__in=DatePrecision.values
                ),
                name="article_published_precision_valid",
            ),
            # Python cannot read back what lies outside this range (annotator/datetimes.py).
            models.CheckConstraint(
                condition=in_range("published_at", null=True),
                name="article_published_at_in_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(text__contains="\r")
                & (
                    models.Q(Exact(OctetLength("text"), Length("text")))
                    | models.Q(text__regex=f"^[{NFC_SAFE}]*$")
                    | models.Q(IsNFC("text"))
                ),
                name="article_text_normalised",
            ),
            models.CheckConstraint(
                condition=models.Q(text__regex=r"\S"), name="article_text_not_blank"
            ),
        ]
        triggers = [
            # Every article has its ArticleSearch row, whatever stored it; its vector
            # follows an edit at once (indexing.py).
            pgtrigger.Trigger(
                name="article_search_row",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="stored"),
                func=(
                    "INSERT INTO articles_articlesearch (article_id) SELECT id FROM stored;"
                    " RETURN NULL;"
                ),
            ),
            pgtrigger.Trigger(
                name="article_search_follows_edits",
                when=pgtrigger.After,
                operation=pgtrigger.UpdateOf("title", "text", "language"),
                condition=pgtrigger.Q(old__title__df=pgtrigger.F("new__title"))
                | pgtrigger.Q(old__text__df=pgtrigger.F("new__text"))
                | pgtrigger.Q(old__language__df=pgtrigger.F("new__language")),
                func=(
                    "UPDATE articles_articlesearch SET vector = "  # noqa: S608
                    f"{search_vector_sql('NEW.title', 'NEW.text', 'NEW.language')}"
                    " WHERE article_id = NEW.id; RETURN NULL;"
                ),
            ),
            pgtrigger.Trigger(
                name="article_text_immutable_once_annotated",
                when=pgtrigger.Before,
                operation=pgtrigger.UpdateOf("text"),
                condition=pgtrigger.Q(old__text__df=pgtrigger.F("new__text")),
                func=(
                    "IF EXISTS (SELECT 1 FROM annotations_annotation WHERE article_id = OLD.id)"
                    " THEN RAISE EXCEPTION 'an annotated article''s text cannot change'"
                    " USING ERRCODE = 'integrity_constraint_violation'; END IF;"
                    " RETURN NEW;"
                ),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def web_url(self) -> str:
        """The URL if it is a web address, to link to; "" otherwise. A dataset import stores
        the URL as given, and a `javascript:` one must never become a link."""
        return self.url if self.url.lower().startswith(("https://", "http://")) else ""


class ArticleSearch(models.Model):
    """An article's search vector (ArticleSearchVector), computed in the background once the
    article is stored (indexing.py): computing it is most of what an INSERT of an article
    costs. Every article has its row, made with it (the article_search_row trigger) and
    without a vector until the worker fills it; a table of its own, so that filling it
    rewrites narrow rows rather than articles."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="search"
    )
    vector = SearchVectorField(null=True)

    class Meta:
        indexes = [
            GinIndex(fields=["vector"], name="article_search_gin"),
            models.Index(
                fields=["article"],
                condition=models.Q(vector__isnull=True),
                name="article_search_pending",
            ),
        ]

    def __str__(self):
        return f"search vector of article {self.article_id}"


class Origin(models.TextChoices):
    UPLOAD = "upload", "Uploaded file"
    ARCHIVE = "archive", "File in a .zip"
    PASTE = "paste", "Pasted text"
    API = "api", "API"
    COMMAND = "command", "Command line"


class SourceFile(models.Model):
    """The bytes of one upload exactly as received, kept for provenance.

    A pending file of an import batch has no article yet; once imported it belongs to
    its article. Rejected and duplicate uploads are deleted: nothing is kept for them.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="source_files")
    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="source_file"
    )
    name = models.CharField(max_length=500, help_text="File name as uploaded (path inside a .zip).")
    archive_name = models.CharField(max_length=500, blank=True)
    origin = models.CharField(max_length=20, choices=Origin.choices)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField()
    # What the importer found and where (encoding, extractor, where the title and date came from).
    detected = models.JSONField(default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="source_files",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"), name="sourcefile_sha256_hex"
            ),
            models.CheckConstraint(
                condition=models.Q(origin__in=Origin.values), name="sourcefile_origin_valid"
            ),
        ]

    def __str__(self):
        return self.name


class BatchStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for the worker"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"


class ImportBatch(models.Model):
    """Files uploaded together; a background task imports them one by one."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="import_batches")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_batches",
    )
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.UPLOAD)
    status = models.CharField(
        max_length=20, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    # Applied to every file of the batch instead of what is detected.
    outlet = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(max_length=35, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Bumped by the worker after each file: a batch that stops moving can be resumed.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=BatchStatus.values), name="batch_status_valid"
            ),
        ]

    def __str__(self):
        return f"Import #{self.pk}"


class ItemStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    IMPORTED = "imported", "Imported"
    DUPLICATE = "duplicate", "Duplicate"
    REJECTED = "rejected", "Rejected"
    UNPACKED = "unpacked", "Unpacked"


class ImportItem(models.Model):
    """One file of a batch and what became of it."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=1000)
    size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=20, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    reason = models.TextField(blank=True)
    # The bytes while pending; afterwards the article keeps them (imported) or they are gone.
    source_file = models.ForeignKey(
        SourceFile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The new article (imported) or the one with the same text (duplicate).
    article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_archive = models.BooleanField(default=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "position"], name="importitem_unique_position"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ItemStatus.values), name="importitem_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(reason=""),
                name="importitem_rejected_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["batch", "status"], name="importitem_batch_status")]

    def __str__(self):
        return self.name
