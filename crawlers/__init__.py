"""widen: crawlers (spiders, pure extractors, the CLI) for networking, board and volunteer openings."""
