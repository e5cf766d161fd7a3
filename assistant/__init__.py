"""Zenrei's conversation layer: answers over the index, for the page and the CLI."""
