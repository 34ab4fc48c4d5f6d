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


def listings(doc: Any, ctx: Any = None) -> list[dict[str, Any]]:
    return listings_from_nodes([n for n in walk(doc) if isinstance(n, dict)])
