"""One small module per JSON API family; each exposes `detect(doc)` and `listings(doc, ctx)`.

`ADAPTERS` is the order jsonapi.py tries them in: shapes with unmistakable markers first
(envelopes and key sets only that API uses), looser ones later, so a document is claimed by the
adapter that knows it best. Anything none of them claims goes to the generic detector.
"""

from __future__ import annotations

from types import ModuleType

from crawlers.extract.apis import (
    aem,
    bevy,
    doit,
    drupalviews,
    eventbrite,
    facebook,
    fediverse,
    gcal,
    idealist,
    jsonld,
    meetup,
    mobilize,
    toastmasters,
    tribe,
    volunteerconnector,
    volunteermatch,
    wordpress,
)

ADAPTERS: tuple[ModuleType, ...] = (
    tribe,
    gcal,
    eventbrite,
    facebook,
    aem,
    wordpress,
    doit,
    drupalviews,
    toastmasters,
    volunteermatch,
    idealist,
    volunteerconnector,
    mobilize,
    fediverse,
    jsonld,
    meetup,
    bevy,
)

__all__ = ["ADAPTERS"]
