"""Bundled data files and their catalogue (catalog.toml)."""
