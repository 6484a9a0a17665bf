"""The namespaces used across the project (ADR 0001). One place, so that an IRI is spelled once."""

from __future__ import annotations

from typing import Final

from pyoxigraph import NamedNode

BASE: Final = "https://w3id.org/atmp-kg/"
ATMP: Final = BASE + "ontology#"
ID: Final = BASE + "id/"
GRAPH: Final = BASE + "graph/"

RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS: Final = "http://www.w3.org/2000/01/rdf-schema#"
OWL: Final = "http://www.w3.org/2002/07/owl#"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"
SKOS: Final = "http://www.w3.org/2004/02/skos/core#"
DCT: Final = "http://purl.org/dc/terms/"
PROV: Final = "http://www.w3.org/ns/prov#"
VOID: Final = "http://rdfs.org/ns/void#"
DCAT: Final = "http://www.w3.org/ns/dcat#"
ORG: Final = "http://www.w3.org/ns/org#"
SCHEMA: Final = "https://schema.org/"
OBO: Final = "http://purl.obolibrary.org/obo/"
SH: Final = "http://www.w3.org/ns/shacl#"
FOAF: Final = "http://xmlns.com/foaf/0.1/"

PREFIXES: Final[dict[str, str]] = {
    "atmp": ATMP,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dct": DCT,
    "prov": PROV,
    "void": VOID,
    "dcat": DCAT,
    "org": ORG,
    "schema": SCHEMA,
    "obo": OBO,
    "sh": SH,
    "foaf": FOAF,
}

SOURCE_IDS: Final = (
    "reference",
    "ema",
    "ctgov",
    "euctr",
    "ctis",
    "eudragmdp",
    "materials",
    "hospital_exemption",
)
SPECIAL_GRAPHS: Final = ("ontology", "inferred", "inferred-owl", "meta")

ONTOLOGY_GRAPH: Final = GRAPH + "ontology"
# SPARQL-rule, identity and manufacturability results; every build drops and recomputes it.
INFERRED: Final = GRAPH + "inferred"
# HermiT's results (`atmp-kg reason`); a build drops them too, as they describe the old data.
INFERRED_OWL: Final = GRAPH + "inferred-owl"
META_GRAPH: Final = GRAPH + "meta"


def sparql_prologue() -> str:
    """PREFIX lines for every namespace above, for queries written by the project."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def compact_iri(iri: str) -> str:
    """`atmp:GMPGrade`, `id:product/EMEA-H-C-004090`: an IRI in prefix form, for reading (the IRI
    itself when no prefix fits)."""
    if iri.startswith(ID):
        return "id:" + iri[len(ID) :]
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and iri != namespace:
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def atmp(local: str) -> NamedNode:
    return NamedNode(ATMP + local)


def rdf(local: str) -> NamedNode:
    return NamedNode(RDF + local)


def rdfs(local: str) -> NamedNode:
    return NamedNode(RDFS + local)


def owl(local: str) -> NamedNode:
    return NamedNode(OWL + local)


def xsd(local: str) -> NamedNode:
    return NamedNode(XSD + local)


def skos(local: str) -> NamedNode:
    return NamedNode(SKOS + local)


def dct(local: str) -> NamedNode:
    return NamedNode(DCT + local)


def prov(local: str) -> NamedNode:
    return NamedNode(PROV + local)


def void(local: str) -> NamedNode:
    return NamedNode(VOID + local)


def graph_iri(graph_id: str) -> NamedNode:
    """The named graph of a source id or of one of the special graphs."""
    return NamedNode(GRAPH + graph_id)


RDF_TYPE: Final = rdf("type")
RDFS_LABEL: Final = rdfs("label")
