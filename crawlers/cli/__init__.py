"""`widen` command line: one module per verb, all registered on `main`."""

from crawlers.cli import crawl, demo, drain, export, extract, network, schedule, serve, sources, sources_check  # noqa: F401,E501  (registers the verbs)
from crawlers.cli.app import main

__all__ = ["main"]
