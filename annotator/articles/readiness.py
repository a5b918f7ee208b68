"""Which of an article's assignees have marked their work ready (see article_status_set).

The assignments are the review app's, read here through the reverse relation
`article.assignments` (this app cannot import review): their `user` and `ready_at`.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Assignee:
    name: str
    ready: bool
    is_viewer: bool = False  # the person looking: pages say "you"


@dataclass(frozen=True)
class Readiness:
    """An article's assignees in the order they were assigned; none when nobody is."""

    assignees: tuple[Assignee, ...] = ()

    @property
    def ready(self) -> list[Assignee]:
        return self._viewer_first(ready=True)

    @property
    def waiting(self) -> list[Assignee]:
        return self._viewer_first(ready=False)

    def _viewer_first(self, *, ready: bool) -> list[Assignee]:
        return sorted(
            (a for a in self.assignees if a.ready == ready), key=lambda a: not a.is_viewer
        )

    @property
    def viewer(self) -> Assignee | None:
        return next((a for a in self.assignees if a.is_viewer), None)

    def __len__(self) -> int:
        return len(self.assignees)


def readiness_of(assignments, viewer_id: int | None = None) -> Readiness:
    """From assignments with their users loaded (a prefetched list costs no query)."""
    return Readiness(
        tuple(
            Assignee(a.user.get_username(), a.ready_at is not None, a.user_id == viewer_id)
            for a in assignments
        )
    )


def article_readiness(article, viewer=None) -> Readiness:
    """One query."""
    assignments = article.assignments.select_related("user").order_by("created_at", "pk")
    return readiness_of(assignments, viewer.pk if viewer is not None else None)
