"""Toastmasters Find-a-Club: one JSON response `{"Clubs": [...]}` per district or search area.

Clubs are networking groups meeting on a schedule (`MeetingDay`/`MeetingTime` free text), with an
online flag (`AllowsVirtualAttendance`). No paging exists; the district query returns every club.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from crawlers.spiders.base import WidenSpider

SEARCH_PATH = "/api/sitecore/FindAClub/Search"


class ToastmastersSpider(WidenSpider):
    """`url` is a Find-a-Club search URL, or the Toastmasters site with `district`/`latitude` options."""

    name = "toastmasters"
    platform = "toastmasters"

    def search_url(self) -> str:
        if "FindAClub" in self.source.url:
            return self.source.url
        o = self.opts
        if o.district is not None:
            params: dict[str, Any] = {"district": o.district, "advanced": 1, "latitude": 1, "longitude": 1}
        else:
            params = {"latitude": o.latitude, "longitude": o.longitude, "radius": o.radius or 25}
        return f"{self.origin}{SEARCH_PATH}?{urlencode(params)}"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.request(self.search_url(), self.parse_clubs,
                           headers={"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"})

    def parse_clubs(self, response: Response) -> Iterator[Any]:
        doc = self.json(response)
        if isinstance(doc, dict) and not doc.get("Clubs"):
            self.logger.info("%s: no clubs in %s", self.source_slug, response.url)
        yield from self.listings(response, kind="networking_group")
