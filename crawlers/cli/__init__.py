"""`widen` command line: one module per verb, all registered on `main`."""

from crawlers.cli import crawl, demo, export, extract, serve, sources  # noqa: F401  (registers the verbs)
from crawlers.cli.app import main

__all__ = ["main"]
