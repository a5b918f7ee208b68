"""The dataset card (README.md) of an export bundle.

Its front matter is the Hugging Face dataset card metadata, written as JSON (which is
YAML): `datasets.load_dataset("<unzipped folder>")` then reads articles.jsonl with
the column types derived from schema/article.v1.json, whatever the data holds.
"""

import json
from functools import cache
from pathlib import Path

from annotator.annotations.kinds import KINDS, LINKS
from annotator.annotations.models import HedgeType, Status, TimePrecision
from annotator.exports.records import SCHEMA_VERSION, Selection
from annotator.sources.models import Grade

SCHEMA_PATH = Path(__file__).parent / "schema" / "article.v1.json"
SCHEMA_NAME = "schema/article.v1.json"

CREDIBILITY = (
    "1 confirmed by other sources, 2 probably true, 3 possibly true, 4 doubtful, "
    "5 improbable, 6 truth cannot be judged (Admiralty information scale)"
)


def schema() -> dict:
    """The line schema, with the span and link kinds of the registries (kinds.py)."""
    return _schema(tuple(KINDS), tuple(LINKS))


@cache
def _schema(kinds: tuple[str, ...], links: tuple[str, ...]) -> dict:
    data = json.loads(SCHEMA_PATH.read_text())
    data["$defs"]["span"]["properties"]["kind"]["enum"] = list(kinds)
    data["$defs"]["link"]["properties"]["kind"]["enum"] = list(links)
    return data


def schema_text() -> str:
    """The schema file as written, unless the registries list kinds it does not yet (then
    the schema as the app reads it)."""
    text = SCHEMA_PATH.read_text()
    if json.loads(text) == schema():
        return text
    return json.dumps(schema(), ensure_ascii=False, indent=2) + "\n"


def hf_features(node: dict | None = None, root: dict | None = None) -> dict:
    """A Hugging Face `datasets` feature spec for a JSON Schema node (the whole line by default)."""
    root = root or schema()
    node = node if node is not None else root
    if "$ref" in node:
        return hf_features(root["$defs"][node["$ref"].rsplit("/", 1)[1]], root)
    if "oneOf" in node:  # [something, null]
        return hf_features(next(n for n in node["oneOf"] if n.get("type") != "null"), root)
    if "const" in node:
        return {"dtype": "string"}
    if "enum" in node:
        values = [v for v in node["enum"] if v is not None]
        return {"dtype": "int64" if isinstance(values[0], int) else "string"}
    kind = node["type"]
    kind = next(t for t in kind if t != "null") if isinstance(kind, list) else kind
    if kind == "object":
        return {
            "struct": [
                {"name": name, **hf_features(child, root)}
                for name, child in node["properties"].items()
            ]
        }
    if kind == "array":
        item = hf_features(node["items"], root)
        return {"list": item["struct"] if "struct" in item else item["dtype"]}
    return {
        "dtype": {"integer": "int64", "number": "float64", "boolean": "bool"}.get(kind, "string")
    }


def front_matter(name: str, with_jsonl: bool) -> str:
    meta = {"pretty_name": name}
    if with_jsonl:
        meta["configs"] = [
            {
                "config_name": "default",
                "data_files": [{"split": "train", "path": "articles.jsonl"}],
            }
        ]
        meta["dataset_info"] = {"features": hf_features()["struct"]}
    return "---\n" + json.dumps(meta, ensure_ascii=False, indent=1) + "\n---\n"


def dataset_card(selection: Selection, counts: dict, files: list[str], exported_at) -> str:
    project = selection.project
    lines = [
        front_matter(project.name, "articles.jsonl" in files),
        f"# {_plain(project.name)}",
        "",
        _plain(project.description),
        "",
        f"Exported from annotator on {exported_at:%Y-%m-%d %H:%M} UTC. "
        + (
            "**All annotations, whatever their review status** (see the `status` of each)."
            if selection.include_all
            else "**Approved annotations only**: articles with at least one approved "
            "annotation, and reviewed articles (which may have none)."
        ),
        "",
        "## Contents",
        "",
        *[f"- `{name}`" for name in files],
        f"- `{SCHEMA_NAME}`: JSON Schema of one line of `articles.jsonl` "
        f"(schema_version {SCHEMA_VERSION}).",
        "",
        _contents_line(counts),
        "",
        _counts_table(counts["by_kind_status"]),
        "",
        "## Offsets",
        "",
        "`start` and `end` are Unicode **code points** into the article `text` (NFC, `\\n` "
        "line ends), so in Python `text[start:end] == quote`. JavaScript, Java and C# count "
        "UTF-16 units: convert before slicing there. The same holds for the W3C "
        "`TextPositionSelector` and the brat `.ann` files.",
        "",
        "## Labels",
        "",
        *[f"- **{spec.name}**: {spec.description}" for spec in KINDS.values()],
        "",
        "Links between annotations of one article:",
        "",
        *[f"- **{spec.name}**: {spec.description}" for spec in LINKS.values()],
        "",
        "Claim relations (between claims of one event, also across articles; listed on the "
        "line of both claims): **same**: the same assertion; **contradicts**: they cannot "
        "both be true.",
        "",
        "Hedge types: " + "; ".join(f"`{v}` {label}" for v, label in HedgeType.choices) + ".",
        "",
        "Claimed time precision: " + ", ".join(f"`{v}`" for v in TimePrecision.values) + ".",
        "",
        f"Claim credibility: {CREDIBILITY}.",
        "",
        "Source reliability grades (as of the export; each source's history is in "
        "`sources[].assessments`): " + "; ".join(label for _, label in Grade.choices) + ".",
        "",
        "Status: " + ", ".join(f"`{v}`" for v in Status.values) + ".",
        "",
        "## Who annotated and reviewed",
        "",
        _people("Annotators", counts["annotators"]),
        _people("Reviewers", counts["reviewers"]),
        "",
        "## Annotation guidelines",
        "",
        _demoted(project.guidelines.strip()) or "_The project has no written guidelines._",
        "",
        "## Loading",
        "",
        "```python",
        "import json",
        'rows = [json.loads(line) for line in open("articles.jsonl", encoding="utf-8")]',
        "",
        "import datasets  # reads the column types from this card",
        'ds = datasets.load_dataset("path/to/this/folder", split="train")',
        "```",
        "",
    ]
    return "\n".join(lines)


def _contents_line(counts: dict) -> str:
    """People's annotations apart from the suggestions nobody decided (machine work)."""
    open_suggestions = sum(
        n for (_kind, status), n in counts["by_kind_status"].items() if status == Status.SUGGESTED
    )
    parts = [
        _n(counts["articles"], "article"),
        _n(counts["spans"] - open_suggestions, "annotation") + " by people",
    ]
    if open_suggestions:
        parts.append(
            _n(open_suggestions, "open suggestion") + " (status `suggested`: nobody decided them)"
        )
    parts += [_n(counts["links"], "link"), _n(counts["relations"], "claim relation")]
    return ", ".join(parts) + "."


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _counts_table(by_kind_status: dict) -> str:
    statuses = [s for s in Status.values if any(k[1] == s for k in by_kind_status)]
    if not statuses:
        return "_No annotations._"
    head = "| kind | " + " | ".join(statuses) + " | total |"
    rule = "| --- |" + " ---: |" * (len(statuses) + 1)
    rows = []
    for kind in KINDS:
        cells = [by_kind_status.get((kind, s), 0) for s in statuses]
        rows.append(f"| {kind} | " + " | ".join(map(str, cells)) + f" | {sum(cells)} |")
    return "\n".join([head, rule, *rows])


def _people(title: str, people: list[tuple[str, int]]) -> str:
    if not people:
        return f"- {title}: none."
    return f"- {title}: " + ", ".join(f"{name} ({n})" for name, n in people) + "."


def _plain(text: str) -> str:
    """Plain text inside Markdown: markup in it is shown, never run, by whatever renders
    the card (the guidelines, in contrast, are Markdown by design)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _demoted(markdown: str) -> str:
    """The guidelines' headings one level down, under the card's own heading."""
    return "\n".join("#" + line if line.startswith("#") else line for line in markdown.split("\n"))
