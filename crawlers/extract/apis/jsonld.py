"""schema.org documents served as JSON (`application/ld+json` bodies, JSON-LD APIs and exports).

The same vocabulary as JSON-LD inside HTML, so the listings come from schemaorg.py's reader
(`listings_from_nodes`): one meaning of Event/VolunteerAction/JobPosting for every syntax.
Claimed only when a node's `@context` names schema.org; ActivityStreams documents (which also
say `"type": "Event"`) belong to fediverse.py.
"""

from __future__ import annotations

from typing import Any

from crawlers.extract.apis._common import dicts, walk
from crawlers.extract.schemaorg import listings_from_nodes


def _schema_context(node: dict[str, Any]) -> bool:
    ctx = node.get("@context")
    return "schema.org" in str(ctx) and "activitystreams" not in str(ctx)


def detect(doc: Any) -> bool:
    return any(_schema_context(n) for n in dicts(doc))


def _typed(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(t, str) for t in value))


def _clean_types(doc: Any) -> Any:
    """The document without `@type` values that are not type names (a number, an object): they name nothing."""
    if isinstance(doc, list):
        return [_clean_types(x) for x in doc]
    if isinstance(doc, dict):
        return {k: _clean_types(v) for k, v in doc.items() if not (k in ("@type", "type") and not _typed(v))}
    return doc


def listings(doc: Any, ctx: Any = None) -> list[dict[str, Any]]:
    return listings_from_nodes([n for n in walk(_clean_types(doc)) if isinstance(n, dict)])
