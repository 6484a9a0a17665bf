"""Where the ontology files are and how to load them.

The ontology is data shipped inside the package (pyproject package-data), so paths are resolved
next to this module rather than from the working directory: an installed `atmp-kg` finds them too.
Triples are parsed with pyoxigraph because the store and every hot path speak pyoxigraph terms;
rdflib graphs are offered only for the tools that require them (pyshacl, pyLODE, RDF/XML output).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

ONTOLOGY_DIR: Final = Path(__file__).resolve().parent
ATMP_TTL: Final = ONTOLOGY_DIR / "atmp.ttl"
ALIGNMENTS_TTL: Final = ONTOLOGY_DIR / "alignments.ttl"
SHAPES_TTL: Final = ONTOLOGY_DIR / "shapes.ttl"
CHECKS_DIR: Final = ONTOLOGY_DIR / "checks"
DEFAULT_DOCS_DIR: Final = ONTOLOGY_DIR / "docs"

ONTOLOGY_IRI: Final = "https://w3id.org/atmp-kg/ontology"
VERSION_IRI: Final = ONTOLOGY_IRI + "/0.1.0"
CHECK_SUFFIX: Final = "_violation.rq"
_XSD_STRING: Final = NamedNode("http://www.w3.org/2001/XMLSchema#string")


def _parse_turtle(path: Path) -> Iterator[Triple]:
    # pyoxigraph yields quads in the default graph for Turtle; the store wants triples.
    for quad in parse(path=path, format=RdfFormat.TURTLE):
        yield Triple(quad.subject, quad.predicate, quad.object)


def load_ontology_triples(*, include_alignments: bool = True) -> list[Triple]:
    """The triples of atmp.ttl (and alignments.ttl), ready for the `ontology` graph."""
    triples = list(_parse_turtle(ATMP_TTL))
    if include_alignments:
        triples.extend(_parse_turtle(ALIGNMENTS_TTL))
    return triples


def load_shapes_triples() -> list[Triple]:
    return list(_parse_turtle(SHAPES_TTL))


def _rdflib_term(term: NamedNode | BlankNode | Literal | Triple) -> rdflib.term.Identifier:
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, Literal):
        if term.language is not None:
            return rdflib.Literal(term.value, lang=term.language)
        # rdflib writes a simple literal without a datatype (so does its N-Triples parser).
        datatype = None if term.datatype == _XSD_STRING else rdflib.URIRef(term.datatype.value)
        return rdflib.Literal(term.value, datatype=datatype)
    raise TypeError(f"rdflib graphs hold no RDF-star triple terms: {term}")


def to_rdflib(triples: Iterable[Triple]) -> rdflib.Graph:
    """An rdflib copy of pyoxigraph triples (lossless, blank nodes keep their labels).

    Term by term rather than through an N-Triples text: the validation gate converts tens of
    thousands of triples per build and re-parsing them cost more than converting."""
    terms: dict[NamedNode | BlankNode | Literal | Triple, rdflib.term.Identifier] = {}

    def term(node: NamedNode | BlankNode | Literal | Triple) -> rdflib.term.Identifier:
        # Predicates, classes and linked nodes recur: each is converted once.
        converted = terms.get(node)
        if converted is None:
            converted = terms[node] = _rdflib_term(node)
        return converted

    graph = rdflib.Graph()
    graph.addN((term(t.subject), term(t.predicate), term(t.object), graph) for t in triples)
    return graph


def ontology_graph(*, include_alignments: bool = True) -> rdflib.Graph:
    """atmp.ttl (+ alignments.ttl) as an rdflib graph, for pyshacl and pyLODE."""
    graph = rdflib.Graph()
    graph.parse(ATMP_TTL, format="turtle")
    if include_alignments:
        graph.parse(ALIGNMENTS_TTL, format="turtle")
    return graph


def shapes_graph() -> rdflib.Graph:
    """The SHACL shapes as an rdflib graph (pyshacl takes rdflib graphs)."""
    graph = rdflib.Graph()
    graph.parse(SHAPES_TTL, format="turtle")
    return graph


@dataclass(frozen=True)
class Check:
    """One SPARQL violation check: a SELECT that must return no rows."""

    name: str
    description: str
    query: str
    path: Path


def _header_description(query: str) -> str:
    # The leading `#` comment block is the documentation of a check (what it checks and why).
    lines: list[str] = []
    for line in query.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        lines.append(stripped.lstrip("#").strip())
    return " ".join(part for part in lines if part)


def load_checks() -> list[Check]:
    """Every checks/<name>_violation.rq, sorted by name so that reports are stable."""
    checks = []
    for path in sorted(CHECKS_DIR.glob("*" + CHECK_SUFFIX)):
        query = path.read_text(encoding="utf-8")
        name = path.name.removesuffix(".rq")
        checks.append(Check(name, _header_description(query), query, path))
    return checks
