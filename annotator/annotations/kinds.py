"""What kinds of span exist and which links join them: the one list the whole app reads.

Model choices, the database check, the workspace (toolbar, shortcut keys, colours, legend,
list, detail panel), the API, every export format and the dataset card derive from
KINDS and LINKS, and read them when called, never copied at import.

Adding a kind is one KindSpec here plus the migration `makemigrations` then writes (the
CHECK constraint `annotation_kind_valid` lists the kinds, and the link trigger the link
ends; `make test` fails until the migration exists). A kind with fields of its own also
needs those columns on Annotation, and a partial of templates/workspace/workspace.html
named in `panel` to edit them.
"""

import functools
from dataclasses import dataclass

# The kinds that code reasons about by name (chains, independence, suggesters).
CLAIM, ATTRIBUTION, HEDGE = "claim", "attribution", "hedge"
# The link kinds, likewise.
ATTRIBUTES, QUALIFIES, VIA = "attributes", "qualifies", "via"


@dataclass(frozen=True)
class KindSpec:
    name: str  # stored in Annotation.kind
    label: str
    key: str  # the workspace's keyboard shortcut
    colour: str  # of its highlight, badge and label (CSS colour)
    line: str  # CSS border style under its highlight: readable without colour
    hint: str  # what it marks, in a few words (the workspace's legend)
    description: str  # what it marks, in a sentence (the dataset card)
    fields: tuple[str, ...] = ()  # Annotation fields only this kind carries
    panel: str = ""  # workspace partial that edits those fields ("" when it has none)
    # How many of its open suggestions the text draws per paragraph (best first); the others
    # wait in the side list. None: all (short, precise suggestions do not clutter).
    drawn_per_paragraph: int | None = None

    @property
    def plural(self) -> str:
        return f"{self.label}s"

    @property
    def brat(self) -> str:
        """Its brat entity type: letters only."""
        return "".join(part.capitalize() for part in self.label.split())


@dataclass(frozen=True)
class LinkSpec:
    name: str  # stored in Link.kind
    label: str
    source: str  # the kind it starts from
    target: str  # the kind it points at
    description: str  # the dataset card
    passive: str = ""  # what it says of its target: "attributed" (… by the attribution)

    @property
    def brat(self) -> str:
        return self.name.capitalize()


KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in [
        KindSpec(
            CLAIM,
            "Claim",
            key="c",
            colour="#2457a6",
            line="solid",
            hint="what is asserted",
            description="what is asserted to have happened: who did what, where, when, how many.",
            fields=("event", "claimed_at", "claimed_precision", "credibility"),
            panel="claim_fields",
            drawn_per_paragraph=2,
        ),
        KindSpec(
            ATTRIBUTION,
            "Attribution",
            key="a",
            colour="#b4470f",
            line="double",
            hint="who says it",
            description="who says it (“according to …”, “sources told …”); names the cited source.",
            fields=("cited_source",),
            panel="attribution_fields",
        ),
        KindSpec(
            HEDGE,
            "Hedge",
            key="h",
            colour="#7c3aed",
            line="dotted",
            hint="weakening wording",
            description="wording that weakens a claim (“reportedly”, “believed to be”, “about”).",
            fields=("hedge_type",),
            panel="hedge_fields",
        ),
    ]
}

LINKS: dict[str, LinkSpec] = {
    spec.name: spec
    for spec in [
        LinkSpec(
            ATTRIBUTES,
            "attributes",
            source=ATTRIBUTION,
            target=CLAIM,
            description="an attribution → the claim it attributes.",
            passive="attributed",
        ),
        LinkSpec(
            QUALIFIES,
            "qualifies",
            source=HEDGE,
            target=CLAIM,
            description="a hedge → the claim it weakens.",
            passive="hedged",
        ),
        LinkSpec(
            VIA,
            "reached via",
            source=ATTRIBUTION,
            target=ATTRIBUTION,
            description="an inner attribution → the outer one it was reached through "
            "(“sources told Meridian Wire”: sources → Meridian Wire).",
        ),
    ]
}


def kind_choices() -> list[tuple[str, str]]:
    """(name, label) pairs: a callable, so model and form choices follow the registry."""
    return [(spec.name, spec.label) for spec in KINDS.values()]


def link_choices() -> list[tuple[str, str]]:
    return [(spec.name, spec.label) for spec in LINKS.values()]


@functools.cache
def kind_fields() -> frozenset[str]:
    """Every field that belongs to one kind only."""
    return frozenset(field for spec in KINDS.values() for field in spec.fields)


def links_from(kind: str) -> list[LinkSpec]:
    """The link kinds a span of `kind` can start, in registry order."""
    return [link for link in LINKS.values() if link.source == kind]


def links_to(kind: str) -> list[LinkSpec]:
    """The link kinds that can point at a span of `kind`."""
    return [link for link in LINKS.values() if link.target == kind]


def link_between(source_kind: str, target_kind: str) -> LinkSpec | None:
    """The link kind that joins these two kinds, if any (at most one per pair)."""
    return next(
        (
            link
            for link in LINKS.values()
            if (link.source, link.target) == (source_kind, target_kind)
        ),
        None,
    )
