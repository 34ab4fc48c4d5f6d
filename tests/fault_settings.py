"""Scrapy settings for crawls against tests/faultserver.py: production settings, faster clock.

Selected with `SCRAPY_SETTINGS_MODULE=fault_settings` (crawlers/runner.py only sets its own
module when the variable is unset). Only time-related knobs change, so every limit under test
(DOWNLOAD_MAXSIZE, retries, redirects, robots.txt) is the one production crawls use.
"""

from crawlers.settings import *  # noqa: F403

DOWNLOAD_TIMEOUT = 2  # a server that never answers costs ~2 s x (1 + RETRY_TIMES), not 90 s
AUTOTHROTTLE_START_DELAY = 0  # loopback needs no warm-up; AutoThrottle itself stays on
RETRY_AFTER_MAX = 3  # the RetryAfterMiddleware honours Retry-After up to this many seconds (production: 120)
