"""The named SPARQL query library."""
