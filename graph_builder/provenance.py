"""The `meta` graph: PROV-O for each source run and VoID statistics for every graph.

Per source (rewritten when that source is rebuilt, kept otherwise):

    <id/source/<sid>/run>  a prov:Activity ; prov:used <id/source/<sid>/file/<sha256>> ... ;
        prov:startedAtTime / prov:endedAtTime ; prov:wasAssociatedWith <id/source/atmp-kg> ;
        atmp:recordsRead / recordsMapped / recordsSkipped / recordsRejected (xsd:integer)
    <id/source/<sid>/file/<sha256>>  a prov:Entity , dcat:Distribution ; dct:title (file name) ;
        spdx:checksum [ spdx:algorithm spdx:checksumAlgorithm_sha256 ; spdx:checksumValue ] ;
        dcat:byteSize
    <graph/<sid>>  a void:Dataset , dcat:Dataset ; dct:title ; dct:license ; dcat:landingPage ;
        prov:wasGeneratedBy <id/source/<sid>/run> ; prov:wasDerivedFrom <file> ...

Per graph (recomputed on every build): void:triples, void:distinctSubjects, void:distinctObjects,
void:properties, void:classes, one void:classPartition per class (void:class, void:entities)
and one void:propertyPartition per property (void:property, void:triples), all under
<id/source/void> a void:Dataset with void:subset <graph/...>.
"""

from __future__ import annotations

import hashlib
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Final, TypeAlias

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from graph_builder import iris
from graph_builder.literals import datetime_literal, integer_literal
from graph_builder.namespaces import (
    DCAT,
    GRAPH,
    ID,
    META_GRAPH,
    RDF_TYPE,
    RDFS_LABEL,
    SCHEMA,
    VOID,
    atmp,
    dct,
    graph_iri,
    prov,
    void,
)
from graph_builder.sparql import select
from graph_builder.store.base import Store, Term

META: Final = META_GRAPH
SPDX: Final = "http://spdx.org/rdf/terms#"
SOURCE_NS: Final = ID + "source/"
VOID_NS: Final = SOURCE_NS + "void"
TOOL: Final = iris.mint("source", "atmp-kg")


@dataclass(frozen=True)
class FileRecord:
    """One input file of a source run."""

    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class SourceRun:
    """What the meta graph records about one source in one build."""

    source_id: str
    title: str
    license: str
    homepage: str
    files: Sequence[FileRecord]
    records_read: int
    records_mapped: int
    records_skipped: int
    records_rejected: int
    started: datetime
    ended: datetime


def tool_version() -> str:
    try:
        return version("atmp-kg")
    except PackageNotFoundError:
        # A source checkout that was never pip-installed: the version pyproject.toml declares.
        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        for line in pyproject.read_text(encoding="utf-8").splitlines():
            if line.startswith("version"):
                return line.split("=", 1)[1].strip().strip('"') + "+checkout"
        return "unknown"


def _run_iri(source_id: str) -> NamedNode:
    return iris.mint("source", f"{source_id}/run")


def source_triples(run: SourceRun) -> list[Triple]:
    """The PROV-O description of one source run."""
    activity = _run_iri(run.source_id)
    dataset = graph_iri(run.source_id)
    out = [
        Triple(activity, RDF_TYPE, prov("Activity")),
        Triple(activity, RDFS_LABEL, Literal(f"build of the {run.source_id} graph")),
        Triple(activity, prov("startedAtTime"), datetime_literal(run.started)),
        Triple(activity, prov("endedAtTime"), datetime_literal(run.ended)),
        Triple(activity, prov("wasAssociatedWith"), TOOL),
        Triple(activity, prov("generated"), dataset),
        Triple(activity, atmp("recordsRead"), integer_literal(run.records_read)),
        Triple(activity, atmp("recordsMapped"), integer_literal(run.records_mapped)),
        Triple(activity, atmp("recordsSkipped"), integer_literal(run.records_skipped)),
        Triple(activity, atmp("recordsRejected"), integer_literal(run.records_rejected)),
        Triple(dataset, RDF_TYPE, NamedNode(DCAT + "Dataset")),
        Triple(dataset, dct("title"), Literal(run.title)),
        Triple(dataset, dct("license"), Literal(run.license)),
        Triple(dataset, NamedNode(DCAT + "landingPage"), NamedNode(run.homepage)),
        Triple(dataset, prov("wasGeneratedBy"), activity),
    ]
    for f in run.files:
        entity = iris.mint("source", f"{run.source_id}/file/{f.sha256}")
        checksum = iris.mint("source", f"{run.source_id}/file/{f.sha256}/sha256")
        out += [
            Triple(activity, prov("used"), entity),
            Triple(dataset, prov("wasDerivedFrom"), entity),
            Triple(entity, RDF_TYPE, prov("Entity")),
            Triple(entity, RDF_TYPE, NamedNode(DCAT + "Distribution")),
            Triple(entity, dct("title"), Literal(f.path.name)),
            Triple(entity, NamedNode(DCAT + "byteSize"), integer_literal(f.size)),
            Triple(entity, NamedNode(SPDX + "checksum"), checksum),
            Triple(
                checksum,
                NamedNode(SPDX + "algorithm"),
                NamedNode(SPDX + "checksumAlgorithm_sha256"),
            ),
            Triple(checksum, NamedNode(SPDX + "checksumValue"), Literal(f.sha256)),
        ]
    return out


def tool_triples() -> list[Triple]:
    return [
        Triple(TOOL, RDF_TYPE, prov("SoftwareAgent")),
        Triple(TOOL, RDFS_LABEL, Literal("atmp-kg")),
        Triple(TOOL, NamedNode(SCHEMA + "softwareVersion"), Literal(tool_version())),
    ]


def _delete_subjects_under(store: Store, prefix: str) -> None:
    store.update(
        f"DELETE {{ GRAPH <{META}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{META}> {{ ?s ?p ?o }} "
        f"FILTER (STRSTARTS(STR(?s), {Literal(prefix)})) }}"
    )


def _delete_void(store: Store) -> None:
    """The statistics of the previous build: partitions, the root, and void:* on graph IRIs."""
    store.update(
        f"DELETE {{ GRAPH <{META}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{META}> {{ ?s ?p ?o }} "
        f"FILTER (STRSTARTS(STR(?s), {Literal(VOID_NS)}) || (STRSTARTS(STR(?s), {Literal(GRAPH)})"
        f" && (STRSTARTS(STR(?p), {Literal(VOID)}) || ?o = {void('Dataset')}))) }}"
    )


def _delete_subject(store: Store, subject: NamedNode) -> None:
    store.update(f"DELETE WHERE {{ GRAPH <{META}> {{ {subject} ?p ?o }} }}")


def _insert(store: Store, triples: Iterable[Triple]) -> None:
    body = " ".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
    if body:
        store.update(f"INSERT DATA {{ GRAPH <{META}> {{ {body} }} }}")


def record(store: Store, runs: Sequence[SourceRun]) -> int:
    """Write the provenance of `runs` and the VoID statistics of every graph into `meta`;
    returns the size of the meta graph."""
    for run in runs:
        _delete_subjects_under(store, f"{SOURCE_NS}{run.source_id}/")
        _delete_subject(store, graph_iri(run.source_id))
        _insert(store, source_triples(run))
    _delete_subject(store, TOOL)
    _insert(store, tool_triples())
    _delete_void(store)
    _insert(store, void_triples(store))
    return store.count(META)


def _partition_iri(graph_id: str, kind: str, term: Term) -> NamedNode:
    digest = hashlib.sha1(term.value.encode("utf-8")).hexdigest()[:12]
    return iris.mint("source", f"void/{graph_id}/{kind}-{digest}")


def void_triples(store: Store) -> list[Triple]:
    """VoID statistics of every named graph but `meta` itself."""
    root = NamedNode(VOID_NS)
    out = [
        Triple(root, RDF_TYPE, void("Dataset")),
        Triple(root, dct("title"), Literal("atmp-kg knowledge graph")),
    ]
    for graph in store.graphs():
        if graph == META or not graph.startswith(GRAPH):
            continue
        graph_id = graph[len(GRAPH) :]
        g = NamedNode(graph)
        stats = select(
            store,
            f"""SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects)
                  (COUNT(DISTINCT ?o) AS ?objects) (COUNT(DISTINCT ?p) AS ?properties)
                WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}""",
        ).rows[0]
        out += [
            Triple(root, void("subset"), g),
            Triple(g, RDF_TYPE, void("Dataset")),
            Triple(g, void("triples"), integer_literal(int(stats["triples"].value))),
            Triple(g, void("distinctSubjects"), integer_literal(int(stats["subjects"].value))),
            Triple(g, void("distinctObjects"), integer_literal(int(stats["objects"].value))),
            Triple(g, void("properties"), integer_literal(int(stats["properties"].value))),
        ]
        classes = select(
            store,
            f"""SELECT ?class (COUNT(DISTINCT ?s) AS ?n)
                WHERE {{ GRAPH {g} {{ ?s a ?class }} FILTER(isIRI(?class)) }} GROUP BY ?class""",
        )
        out.append(Triple(g, void("classes"), integer_literal(len(classes))))
        out += partition_triples(
            g,
            "class",
            [(row["class"], int(row["n"].value)) for row in classes],
            partial(_partition_iri, graph_id),
        )
        properties = select(
            store,
            f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }} GROUP BY ?p",
        )
        out += partition_triples(
            g,
            "property",
            [(row["p"], int(row["n"].value)) for row in properties],
            partial(_partition_iri, graph_id),
        )
    return out


PartitionKind: TypeAlias = typing.Literal["class", "property"]
# kind -> (the dataset's link to a partition, what the partition counts)
_PARTITIONS: Final = {
    "class": ("classPartition", "entities"),
    "property": ("propertyPartition", "triples"),
}


def partition_triples(
    dataset: NamedNode,
    kind: PartitionKind,
    counts: Iterable[tuple[Term, int]],
    node: Callable[[PartitionKind, Term], NamedNode | BlankNode],
) -> list[Triple]:
    """The VoID class partitions (void:class, void:entities) or property partitions
    (void:property, void:triples) of a dataset, one per (term, count); `node` names each."""
    link, measure = _PARTITIONS[kind]
    out: list[Triple] = []
    for term, n in counts:
        part = node(kind, term)
        out += [
            Triple(dataset, void(link), part),
            Triple(part, void(kind), term),
            Triple(part, void(measure), integer_literal(n)),
        ]
    return out
