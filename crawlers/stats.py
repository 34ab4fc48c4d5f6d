"""What a crawler's stats say about one source's run: the figures the store, the monitors, the
runner and the scale-out workers all record, computed one way. Depends on nothing of widen's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def run_errors(stats: Mapping[str, Any], spider: Any) -> int:
    """Errors of one source's run: HTTP error responses, failed requests and extraction failures
    the spider recorded, exceptions in callbacks and in pipeline stages.

    Not `log_count/ERROR`: Scrapy's LogCounterHandler sits on the root logger, so with several
    crawlers in one process every crawler counts every other crawler's ERROR lines. HTTP errors
    are counted from final responses (`widen/http_errors`, crawlers/extensions.py): HttpError
    subclasses IgnoreRequest, which a spider may file as "not fetched", and with an errback
    HttpErrorMiddleware keeps no stat; the spider's own HttpError entries are not counted twice.
    """
    recorded = [e for e in getattr(spider, "errors", []) or [] if ": HttpError: " not in e]
    return (len(recorded) + int(stats.get("widen/http_errors", 0) or 0)
            + int(stats.get("widen/item_errors", 0) or 0) + int(stats.get("spider_exceptions/count", 0) or 0))
