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
# Items of one response go through the pipelines one at a time: they are synchronous, so more
# buys nothing, and Scrapy starts CONCURRENT_ITEMS tasks for every response's output (default
# 100; scrapy/scrapy#5182). Measured on 1,050 loopback pages: 100 -> ~2,100 pages/min,
# 16 -> 2,300, 4 -> 4,400, 1 -> 9,500 (bench/crawl.py).
CONCURRENT_ITEMS = 1
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# A 429/503 retry waits for the server's Retry-After, at most this many seconds.
RETRY_AFTER_MAX = 120
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.extensions.RetryAfterMiddleware": 550,
}

# Incremental re-crawls: responses are cached (the runner puts the cache beside the database) and
# revalidated with If-None-Match / If-Modified-Since, so an unchanged page costs a 304 and no body.
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "crawlers.extensions.RevalidatingPolicy"
HTTPCACHE_DIR = "httpcache"  # relative: under .scrapy/ for plain `scrapy crawl`
HTTPCACHE_IGNORE_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]

# Monitoring: Spidermon runs widen's suite when each source closes (crawlers/monitors.py).
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["crawlers.monitors.SpiderCloseSuite"]
SPIDERMON_ADD_FIELD_COVERAGE = True
SPIDERMON_FIELD_COVERAGE_SKIP_NONE = True
EXTENSIONS = {
    "crawlers.extensions.ErrorStats": 450,
    "spidermon.contrib.scrapy.extensions.Spidermon": 500,
    "crawlers.monitors.HealthRecorder": 510,
    "crawlers.extensions.ProgressExtension": 600,
}
# Live progress of `widen crawl`: "rich", "plain" (a line per source every interval) or "off".
WIDEN_PROGRESS = "off"
WIDEN_PROGRESS_INTERVAL = 5.0

# Pipelines: normalize -> classify -> validate -> dedupe -> store (one job each).
ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,
    "pipelines.classify.ClassifyPipeline": 200,
    "pipelines.validate.ValidatePipeline": 300,
    "pipelines.dedupe.DedupePipeline": 400,
    "pipelines.reach.ReachPipeline": 450,
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
