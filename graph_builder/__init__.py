"""Builders that turn real ATMP sources into named RDF graphs, and the store they write to."""
