"""Indexing and search: embedders, lexical and dense indexes, fusion."""
