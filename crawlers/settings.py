"""Scrapy settings: polite by default, the pipeline order of DESIGN §1, nothing listening on ports."""

import os

from crawlers.config import DEFAULT_CONTACT

BOT_NAME = "widen"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# An honest User-Agent with a contact URL (config/sources.yml `defaults.contact_url` overrides it).
USER_AGENT = f"widen/0.1 (+{DEFAULT_CONTACT})"
ROBOTSTXT_OBEY = True

# Politeness: AutoThrottle adapts to each server; per-domain concurrency stays low.
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# Pipelines: normalize -> classify -> validate -> dedupe -> store (one job each).
ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,
    "pipelines.classify.ClassifyPipeline": 200,
    "pipelines.validate.ValidatePipeline": 300,
    "pipelines.dedupe.DedupePipeline": 400,
    "pipelines.store.StorePipeline": 500,
}

WIDEN_DB = None  # None: $WIDEN_DB or ./widen.db
# Reference time for "Tomorrow", year-less dates and next occurrences; pinned in tests and replays.
WIDEN_NOW = os.environ.get("WIDEN_NOW")

TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
