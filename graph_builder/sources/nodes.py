"""Nodes that several sources describe the same way, so that they meet in the graph whichever
source named them: countries, and diseases named by free text or by a MedDRA term."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Triple

from graph_builder import iris
from graph_builder.namespaces import RDF_TYPE, RDFS_LABEL, atmp


def country_triples(code: str) -> list[Triple]:
    """The Country of an ISO 3166-1 alpha-2 code (EU spellings such as EL are mapped)."""
    node = iris.country(code)
    return [
        Triple(node, RDF_TYPE, atmp("Country")),
        Triple(node, atmp("iso3166Code"), Literal(iris.iso_country(code))),
    ]


def disease_triples(name: str) -> tuple[NamedNode, list[Triple]]:
    """A condition named in free text: a Disease keyed on its name."""
    disease = iris.disease(name=name)
    return disease, [
        Triple(disease, RDF_TYPE, atmp("Disease")),
        Triple(disease, RDFS_LABEL, Literal(name)),
    ]


def meddra_condition_triples(term: str, code: str | None) -> tuple[NamedNode, list[Triple]]:
    """A condition as a registry codes it in MedDRA: a Disease keyed on the term (so it meets the
    same condition named in free text), with its term and code."""
    disease, triples = disease_triples(term)
    triples.append(Triple(disease, atmp("meddraTerm"), Literal(term)))
    if code:
        triples.append(Triple(disease, atmp("meddraCode"), Literal(code)))
    return disease, triples
