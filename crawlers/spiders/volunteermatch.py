"""VolunteerMatch GraphQL `searchOpportunities` (key in `X-api-key`, read from the environment).

Pages by `pageNumber` while `currentPage * numberOfResults < resultsSize`. Without the key named
by `options.api_key_env` the source is skipped with one log line; the key is never logged.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.spiders.base import WidenSpider

FIELDS = """resultsSize currentPage numberOfResults
  opportunities { id title description container categories greatFor skillsNeeded volunteersNeeded
    dateRange { startDate startTime endDate endTime ongoing singleDayOpps }
    parentOrg { id name url location { city region country postalCode street1 street2 virtual } }
    location { city region country postalCode street1 street2 virtual geoLocation { latitude longitude } }
    url }"""


class VolunteermatchSpider(WidenSpider):
    """`url` is the GraphQL endpoint; options give location, radius, virtual, keywords."""

    name = "volunteermatch"
    platform = "volunteermatch"

    def payload(self, page: int) -> dict[str, Any]:
        o = self.opts
        args: dict[str, Any] = {"pageNumber": page, "numberOfResults": o.number_of_results}
        for key, value in (("location", o.location), ("radius", o.radius), ("virtual", o.virtual),
                           ("keywords", o.keywords)):
            if value is not None:
                args[key] = value
        inner = ", ".join(f"{k}: {json.dumps(v)}" for k, v in args.items())
        return {"query": f"query {{ searchOpportunities(input: {{{inner}}}) {{ {FIELDS} }} }}"}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.key = self.api_key()
        yield self.page_request(1)

    def page_request(self, page: int) -> scrapy.Request:
        return self.post_json(self.source.url, self.payload(page), self.parse_page, cb_kwargs={"page": page},
                              headers={"X-api-key": self.key})

    def parse_page(self, response: Response, page: int) -> Iterator[Any]:
        doc = self.json(response) or {}
        block = (doc.get("data") or {}).get("searchOpportunities")
        if doc.get("errors") or not isinstance(block, dict):
            msg = "; ".join(str(e.get("message")) for e in doc.get("errors") or [] if isinstance(e, dict))
            self.errors.append(f"{response.url}: GraphQL page {page}: {msg or 'no data'}"[:500])
            return
        yield from self.listings(response, kind="volunteer_role")
        size, per = int(block.get("resultsSize") or 0), int(block.get("numberOfResults") or 0)
        current = int(block.get("currentPage") or page)
        if per and current * per < size and page < self.opts.max_pages:
            yield self.page_request(page + 1)
