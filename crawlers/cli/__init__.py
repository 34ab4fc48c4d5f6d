"""`widen` command line: one module per verb, all registered on `main`."""

from crawlers.cli import (  # noqa: F401  (registers the verbs)
    crawl,
    demo,
    drain,
    export,
    extract,
    migrate,
    network,
    schedule,
    serve,
    sources,
    sources_check,
)
from crawlers.cli.app import main

__all__ = ["main"]
