"""The four suggesters by name, and the kind of span each proposes.

Settings, statistics and pages need the names; the suggesters themselves (engine.py and the
modules it builds on, with their compiled patterns and dateparser) load only in the worker,
or on a web process's first claimed time typed in the workspace (apps.py).
"""

HEDGES, ATTRIBUTIONS, DATES, CLAIMS = "hedges", "attributions", "dates", "claims"
SUGGESTER_KIND = {HEDGES: "hedge", ATTRIBUTIONS: "attribution", DATES: "date", CLAIMS: "claim"}
