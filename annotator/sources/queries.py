"""Finding a project's sources by what people type: the type-ahead, the "looks like an
existing source" question before creating one, the sources page's likely duplicates, and
the source an attribution's own words name. Typed results, best first."""

from dataclasses import dataclass

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import F, Func, Q, TextField, Value
from django.db.models.functions import Greatest

from annotator.sources.identity import name_fold, source_key
from annotator.sources.models import Source

# Trigram similarity (PostgreSQL's pg_trgm, 0–1) from which a spelling is "close".
SIMILAR = 0.3  # enough to be listed in the type-ahead
LOOKS_LIKE = 0.5  # enough to ask "is it this one?" before creating a new source


@dataclass(frozen=True)
class SourceMatch:
    source: Source
    why: str  # "name", "alias", "same name, other spelling", "domain", "close spelling"
    score: float  # 0–1, for the order

    @property
    def sure(self) -> bool:
        """The same source for certain: the name, an alias or the match key."""
        return self.why in ("name", "alias", "same name, other spelling")


def _all_names():
    return Func(F("aliases"), Value(" "), function="array_to_string", output_field=TextField())


def source_matches(project, query: str, limit: int = 12) -> list[SourceMatch]:
    """The project's sources that `query` may mean, best first: its name or an alias (any
    case), the same match key, a name or alias or domain containing it, a close spelling."""
    query = " ".join(query.split())[:200]
    if not query:
        return []
    key = source_key(query)
    candidates = (
        Source.objects.filter(project=project)
        .annotate(all_names=_all_names())
        .annotate(
            similarity=Greatest(
                TrigramSimilarity("name", query), TrigramSimilarity("all_names", query)
            )
        )
        .filter(
            Q(name__icontains=query)
            | Q(all_names__icontains=query)
            | Q(domain__icontains=query)
            | Q(match_keys__contains=[key] if key else [])
            | Q(similarity__gte=SIMILAR)
        )
        .order_by("-similarity", "name")[: limit * 2]
    )
    matches = [_match(source, query, key) for source in candidates]
    return sorted(matches, key=lambda m: (-m.score, m.source.name))[:limit]


def _match(source: Source, query: str, key: str) -> SourceMatch:
    folded = query.casefold()
    if source.name.casefold() == folded:
        return SourceMatch(source, "name", 1.0)
    if any(alias.casefold() == folded for alias in source.aliases):
        return SourceMatch(source, "alias", 0.95)
    if key and key in source.match_keys:
        return SourceMatch(source, "same name, other spelling", 0.9)
    if folded in source.name.casefold() or any(folded in a.casefold() for a in source.aliases):
        return SourceMatch(source, "name" if folded in source.name.casefold() else "alias", 0.7)
    if source.domain and folded in source.domain.lower():
        return SourceMatch(source, "domain", 0.6)
    return SourceMatch(source, "close spelling", round(0.5 * source.similarity, 3))


def source_looks_like(project, name: str) -> SourceMatch | None:
    """The existing source a new one called `name` would most likely duplicate: one with
    that name, alias or match key, or a spelling at least LOOKS_LIKE similar."""
    for match in source_matches(project, name, limit=3):
        if match.sure or match.source.similarity >= LOOKS_LIKE:
            return match
    return None


@dataclass(frozen=True)
class DuplicatePair:
    source: Source
    other: Source
    why: str


def likely_duplicates(project) -> list[DuplicatePair]:
    """Pairs of the project's sources that may be one: a shared match key, or names at
    least LOOKS_LIKE similar. Two queries (the second a self-join on the project's sources)."""
    sources = list(Source.objects.filter(project=project).only("id", "name", "match_keys"))
    pairs, seen = [], set()
    by_key = {}
    for source in sources:
        for key in source.match_keys:
            for other in by_key.get(key, []):
                if (other.pk, source.pk) not in seen:
                    seen.add((other.pk, source.pk))
                    pairs.append(DuplicatePair(other, source, "same name, other spelling"))
            by_key.setdefault(key, []).append(source)
    close = Source.objects.raw(
        "SELECT a.id, b.id AS other_id FROM sources_source a JOIN sources_source b"
        " ON a.project_id = b.project_id AND a.id < b.id"
        " WHERE a.project_id = %s AND similarity(a.name, b.name) >= %s",
        [project.pk, LOOKS_LIKE],
    )
    by_id = {source.pk: source for source in sources}
    for row in close:
        if (row.id, row.other_id) not in seen and row.other_id in by_id:
            seen.add((row.id, row.other_id))
            pairs.append(DuplicatePair(by_id[row.id], by_id[row.other_id], "close spelling"))
    return pairs


def source_named_in(project, text: str) -> Source | None:
    """The source whose name or alias appears in `text` as whole words ("according to
    Tasnim" names Tasnim), the longest name first; None when none does."""
    folded = f" {name_fold(text)} "
    best, best_length = None, 0
    for source in Source.objects.filter(project=project).only("id", "name", "aliases"):
        for name in [source.name, *source.aliases]:
            name = name_fold(name)
            if name and len(name) > best_length and f" {name} " in folded:
                best, best_length = source, len(name)
    return best
