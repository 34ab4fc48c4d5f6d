"""One spider per platform; each site on a platform is an entry in config/sources.yml."""
